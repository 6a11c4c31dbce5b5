//! A removal request as a printable PDF: the request's own text, set in the report's
//! fonts and layout, nothing else — no picture, no thumbnail, no evidence bytes (a
//! request never attaches the image). Headings are the lines the template marks as
//! such; addresses and hashes are set in the monospaced face so they read back intact.

use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::metadata::Metadata;
use krilla::{Document, SerializeSettings};

use super::layout::{BODY, Flow, Fonts, Ink, SMALL, Style};

/// Renders `text` (a drafted request) as a PDF whose running header is `title`.
/// Tries PDF/A-2u first and falls back to plain PDF 1.7, as the report does.
pub fn request_pdf(title: &str, text: &str) -> Result<Vec<u8>, String> {
    let fonts = Fonts::load().ok_or("the PDF fonts are damaged in this copy of Safekeep")?;
    let mut flow = Flow::new(&fonts, title);
    let mut first = true;
    for line in text.lines() {
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            flow.space(BODY * 0.6);
        } else if first {
            flow.paragraph(trimmed, Style::Body, BODY, Ink::Black);
        } else if is_heading(trimmed) {
            flow.space(4.0);
            flow.paragraph(trimmed, Style::Bold, BODY + 1.0, Ink::Black);
        } else if is_machine(trimmed) {
            flow.paragraph(trimmed, Style::Mono, SMALL, Ink::Black);
        } else {
            flow.paragraph(trimmed, Style::Body, BODY, Ink::Black);
        }
        if trimmed.is_empty() {
            first = false;
        }
    }
    let mut last = String::new();
    for archival in [Some(Archival::A2_U), None] {
        let mut config = ConfigurationBuilder::new();
        if let Some(a) = archival {
            config = config.with_archival_validator(a);
        }
        let settings = SerializeSettings {
            configuration: config.finish().map_err(|e| format!("{e:?}"))?,
            ..SerializeSettings::default()
        };
        let mut doc = Document::new_with(settings);
        flow.finish(&mut doc, "drafted with Safekeep · no image is attached");
        doc.set_metadata(
            Metadata::new()
                .title(title.to_owned())
                .language("en-GB".into())
                .creator(format!("Safekeep {}", env!("CARGO_PKG_VERSION"))),
        );
        match doc.finish() {
            Ok(pdf) => return Ok(pdf),
            Err(e) => last = format!("{e:?}"),
        }
    }
    Err(format!("the request's PDF could not be written ({last})"))
}

/// A template heading: "1. Identification…", or a title in capitals.
fn is_heading(line: &str) -> bool {
    let numbered = line
        .split_once(". ")
        .is_some_and(|(n, rest)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && rest.len() < 90);
    let capitals = line.len() > 8 && line.chars().all(|c| !c.is_lowercase());
    numbered || capitals
}

/// An address or hash line, set monospaced.
fn is_machine(line: &str) -> bool {
    line.starts_with("- http") || line.starts_with("- ") && line.contains("SHA-256")
}
