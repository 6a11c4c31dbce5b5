//! `data/report/report.pdf`: the printable report (docs/report.md).
//!
//! Cover, exhibit list, timeline, one page (or more) per exhibit with its fields and
//! hashes, the incident-log entries' own words, blurred thumbnails, and what the checks
//! prove; optionally an annex of unblurred pictures, marked as such on every page. Drawn
//! with krilla from the sealed records, never from a screenshot of HTML. It aims at
//! PDF/A-2u (archival, with every glyph mapped to its text); if the text holds a character
//! none of the shipped fonts can draw, PDF/A forbids the missing-glyph box it needs, and
//! the report is written as plain PDF 1.7 instead of not at all.

mod conversation;
mod layout;
mod letter;
mod pictures;
mod timeline;

use std::io;
use std::path::PathBuf;

use chrono::{DateTime, Datelike, Timelike};
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::metadata::{DateTime as PdfDateTime, Metadata};
use krilla::{Document, SerializeSettings};

use serde::Serialize;

use super::context::BagContext;
use super::error::ExportError;
use super::exhibits::{CaseFacts, Exhibit, Walk};
use super::format;
use crate::item::ItemKind;
use crate::item_view::ItemTimestamp;
use layout::{BODY, Flow, Fonts, Ink, SMALL, Style, WIDTH};
use pictures::Pictures;

pub use letter::request_pdf;

/// Longest incident-log entry quoted in full, in characters; the rest is in the bundle.
const NOTE_CHARS: usize = 20_000;
/// A conversation with more files than this lists them one line each.
const COMPACT_FILES_FROM: usize = 12;
/// Largest incident-log entry read for quoting, in bytes.
const NOTE_BYTES: u64 = 4 * 1024 * 1024;

/// How many exhibits get a full section of their own unless the person says otherwise.
///
/// Why 250: a full section is a page or more, so a phone's worth of 10,000 files made an
/// 11,227-page report that nobody reads and that took 178 MiB to write. Up to 250
/// exhibits the report is as it always was; beyond, the exhibit list becomes one compact
/// entry per exhibit (reference, time, kind, title and every file's SHA-256), the first
/// 250 exhibits keep their full sections, and the cover says where the rest are (each
/// exhibit's `metadata.json` in the bundle holds everything a section would).
pub const FULL_SECTIONS: usize = 250;

/// What the report should contain beyond the default.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// Add "Annex A", the pictures unblurred, marked as such on every page.
    pub unblurred_annex: bool,
    /// Exhibits that get a full section (the first this many); `usize::MAX` for all.
    pub full_sections: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            unblurred_annex: false,
            full_sections: FULL_SECTIONS,
        }
    }
}

/// A report saved on its own.
#[derive(Debug, Clone, Serialize)]
pub struct SavedReport {
    /// The file written.
    pub path: PathBuf,
    /// Exhibits in it.
    pub exhibits: usize,
    /// Its size.
    pub bytes: u64,
    /// `PDF/A-2u`, or `PDF 1.7` when the text needed a character the fonts lack.
    pub conformance: &'static str,
}

/// Where the report comes from: a bundle being exported, or the vault on demand.
pub(crate) enum Origin<'a> {
    /// Inside the bag named here.
    Bundle(&'a str),
    /// Saved on its own.
    OnDemand,
}

/// A rendered report.
pub(crate) struct Rendered {
    pub pdf: Vec<u8>,
    /// `PDF/A-2u` or `PDF 1.7`.
    pub conformance: &'static str,
}

/// Reads an artifact's bytes (the exhibit, the artifact's index, a size cap), or says in
/// words why it cannot (larger than the cap, damaged, removed).
pub(crate) type ReadArtifact<'r> = dyn FnMut(&Exhibit, usize, u64) -> Result<Vec<u8>, String> + 'r;

/// Renders the report from the case's facts and one walk over its exhibits. Memory: the
/// exhibits with a full section (at most `full_sections`), the timeline's entries and
/// the layout; the other exhibits are walked, never held. Fails if the walk fails or the
/// PDF library does.
pub(crate) fn render(
    ctx: &BagContext,
    origin: Origin<'_>,
    (facts, walk): (&CaseFacts, &mut Walk<'_>),
    events: usize,
    options: ReportOptions,
    read: &mut ReadArtifact<'_>,
) -> Result<Rendered, ExportError> {
    let fail = |why: String| ExportError::Write {
        path: PathBuf::from(format::REPORT_PDF),
        source: io::Error::other(why),
    };
    let fonts = Fonts::load()
        .ok_or_else(|| fail("the report's fonts are damaged in this copy of Safekeep".into()))?;
    let mut flow = Flow::new(&fonts, &format!("Evidence report · {}", ctx.case_title));
    let full_sections = facts.count.min(options.full_sections);
    let compact = full_sections < facts.count;
    cover(&mut flow, ctx, &origin, facts, events, options);
    if compact {
        compact_list_head(&mut flow, ctx, facts.count, full_sections);
    }
    let mut timeline = timeline::Timeline::new(compact);
    let mut full = Vec::new();
    walk(&mut |ex| {
        timeline.add(&ex);
        if compact {
            compact_entry(&mut flow, &ex);
        }
        if full.len() < full_sections {
            full.push(ex);
        }
        Ok(())
    })?;
    if !compact {
        exhibit_list(&mut flow, &full);
    }
    timeline_section(&mut flow, timeline.finish(), compact);
    let full = &full;
    let shown = pictures::prepare(full, options.unblurred_annex, read);
    for (e, ex) in full.iter().enumerate() {
        exhibit_pages(&mut flow, (e, ex), &shown, read);
    }
    proves(&mut flow);
    if options.unblurred_annex {
        annex(&mut flow, ctx, full, &shown);
    }
    let footer = format!("case {} · exhibits {}", ctx.case_id, ctx.prefix);
    // Pages are drawn on a thread of this pool and compressed on all of its threads
    // (krilla's deflate at level 6 was a fifth of a large export's time).
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("safekeep-report-{i}"))
        .build()
        .map_err(|e| fail(format!("no thread for the report ({e})")))?;
    pool.install(|| {
        let mut last = String::new();
        for (archival, conformance) in [(Some(Archival::A2_U), "PDF/A-2u"), (None, "PDF 1.7")] {
            let mut config = ConfigurationBuilder::new();
            if let Some(a) = archival {
                config = config.with_archival_validator(a);
            }
            let settings = SerializeSettings {
                configuration: config.finish().map_err(|e| fail(format!("{e:?}")))?,
                ..SerializeSettings::default()
            };
            let mut doc = Document::new_with(settings);
            flow.finish(&mut doc, &footer);
            doc.set_metadata(metadata(ctx));
            match doc.finish() {
                Ok(pdf) => return Ok(Rendered { pdf, conformance }),
                Err(e) => last = format!("{e:?}"),
            }
        }
        Err(fail(format!("the PDF report could not be written ({last})")))
    })
}

fn metadata(ctx: &BagContext) -> Metadata {
    let mut meta = Metadata::new()
        .title(format!("Evidence report: {}", ctx.case_title))
        .language("en-GB".into())
        .creator(format!("Safekeep {}", env!("CARGO_PKG_VERSION")))
        .description(format!(
            "Exhibits {}/1 onwards of case {}",
            ctx.prefix, ctx.case_id
        ));
    if let Ok(t) = DateTime::parse_from_rfc3339(&ctx.exported_at) {
        let t = t.to_utc();
        meta = meta.creation_date(
            PdfDateTime::new(u16::try_from(t.year()).unwrap_or(2000))
                .month(t.month() as u8)
                .day(t.day() as u8)
                .hour(t.hour() as u8)
                .minute(t.minute() as u8)
                .second(t.second() as u8)
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        );
    }
    meta
}

fn cover(
    flow: &mut Flow<'_>,
    ctx: &BagContext,
    origin: &Origin<'_>,
    facts: &CaseFacts,
    events: usize,
    options: ReportOptions,
) {
    let n = facts.count;
    flow.heading("Evidence report", 22.0);
    flow.paragraph(&ctx.case_title, Style::Bold, 14.0, Ink::Black);
    flow.space(6.0);
    let annex = if options.unblurred_annex {
        " Annex A at the end shows the pictures UNBLURRED; every page of it says so."
    } else {
        ""
    };
    flow.boxed(
        &format!(
            "Content warning: some exhibits may be sexually explicit or distressing. Pictures in this report are blurred on purpose.{annex}"
        ),
        Style::Bold,
    );
    flow.space(6.0);
    if let Some(why) = &ctx.no_images {
        flow.boxed(why, Style::Bold);
        flow.space(6.0);
    }
    flow.field("Case id", &ctx.case_id, Style::Mono);
    flow.field(
        "Exhibits",
        &format!(
            "{n}: references {p}/1 to {p}/{n} ({p} are the initials of the person producing them)",
            p = ctx.prefix
        ),
        Style::Body,
    );
    match origin {
        Origin::Bundle(bag) => {
            flow.field("Exported (UTC)", &ctx.exported_at, Style::Body);
            flow.field(
                "Bundle",
                &format!("{bag} (this report is data/report/report.pdf in it)"),
                Style::Body,
            );
        }
        Origin::OnDemand => {
            flow.field("Made (UTC)", &ctx.exported_at, Style::Body);
            flow.field(
                "Bundle",
                "none: this report was made from the vault on its own. Its hashes can be checked against an exported bundle, whose signature covers its own copy of this report.",
                Style::Body,
            );
        }
    }
    flow.field("Signing key fingerprint", &ctx.fingerprint, Style::Mono);
    flow.field("Trusted timestamps", &timestamp_status(facts), Style::Body);
    flow.field(
        "Audit log",
        &format!("{events} events (data/audit-log.jsonl in the bundle)"),
        Style::Body,
    );
    flow.space(8.0);
    flow.heading("Contents", 12.0);
    let full = n.min(options.full_sections);
    let sections = if full == n {
        format!(
            "3. The exhibits, {p}/1 to {p}/{n}, one section each",
            p = ctx.prefix
        )
    } else {
        format!(
            "3. The exhibits {p}/1 to {p}/{full}, one section each (a case this large would need thousands of pages; {p}/{} to {p}/{n} are in the exhibit list with every file's SHA-256, and each exhibit's metadata.json in the bundle has all its details)",
            full + 1,
            p = ctx.prefix
        )
    };
    let mut contents = vec![
        "1. Exhibit list".to_owned(),
        "2. Timeline".to_owned(),
        sections,
        "4. What the checks prove, and what they do not".to_owned(),
    ];
    if options.unblurred_annex {
        contents.push("Annex A. The pictures, UNBLURRED".into());
    }
    for c in contents {
        flow.paragraph(&c, Style::Body, BODY, Ink::Black);
    }
}

fn timestamp_status(facts: &CaseFacts) -> String {
    if facts.stamped == 0 {
        "none: the times in this report are those of the capturing computer's clock".into()
    } else {
        format!(
            "{} of {} exhibits carry an RFC 3161 trusted timestamp (from {}); the others' times are the capturing computer's clock",
            facts.stamped,
            facts.count,
            facts.authorities.join(", ")
        )
    }
}

fn exhibit_list(flow: &mut Flow<'_>, exhibits: &[Exhibit]) {
    flow.new_page();
    flow.heading("1. Exhibit list", 16.0);
    for ex in exhibits {
        let r = &ex.view.record;
        flow.keep(4.0 * BODY);
        flow.paragraph(
            &format!("{}   {}", ex.reference, r.title),
            Style::Bold,
            BODY,
            Ink::Black,
        );
        let mut line = format!("{} · captured {} (UTC)", r.kind.label(), r.captured_at);
        if let Some(t) = timeline::incident_time(ex) {
            line.push_str(&format!(" · incident time {t}"));
        }
        flow.paragraph(&line, Style::Body, SMALL, Ink::Grey);
        for (a, name) in r.artifacts.iter().zip(&ex.files) {
            flow.paragraph(
                &format!("{name}  SHA-256 {}", a.sha256),
                Style::Mono,
                SMALL,
                Ink::Black,
            );
        }
        flow.rule();
    }
}

fn timeline_section(flow: &mut Flow<'_>, entries: Vec<timeline::Entry>, compact: bool) {
    flow.new_page();
    flow.heading("2. Timeline", 16.0);
    let how = if compact {
        "Oldest first. In a case this large the timeline holds the exhibits whose incident time the person gave, and the reports to platforms, police and StopNCII when they were made; every other exhibit is in the exhibit list, in the order it was captured. Times are in UTC."
    } else {
        "Oldest first. Each exhibit appears at the incident time the person gave, or else when it was captured; reports to platforms, police and StopNCII appear when they were made. Times are in UTC."
    };
    flow.paragraph(how, Style::Body, BODY, Ink::Grey);
    for e in entries {
        flow.entry(&format!("{} · {}", e.when, e.basis), &e.what);
    }
}

/// The heading of a large case's exhibit list, which has one compact entry per exhibit.
fn compact_list_head(flow: &mut Flow<'_>, ctx: &BagContext, n: usize, full: usize) {
    flow.new_page();
    flow.heading("1. Exhibit list", 16.0);
    flow.paragraph(
        &format!(
            "{n} exhibits, in the order they were captured: reference, capture time (UTC), kind and title, then each file's SHA-256. {p}/1 to {p}/{full} also have a full section in part 3.",
            p = ctx.prefix
        ),
        Style::Body,
        BODY,
        Ink::Grey,
    );
}

/// One exhibit's entry in a large case's exhibit list.
fn compact_entry(flow: &mut Flow<'_>, ex: &Exhibit) {
    let r = &ex.view.record;
    flow.keep(2.0 * SMALL);
    flow.paragraph(
        &format!(
            "{}  {}  {}: {}",
            ex.reference,
            r.captured_at,
            r.kind.label(),
            r.title
        ),
        Style::Body,
        SMALL,
        Ink::Black,
    );
    for a in &r.artifacts {
        flow.paragraph(&a.sha256, Style::Mono, SMALL, Ink::Grey);
    }
}

fn exhibit_pages(
    flow: &mut Flow<'_>,
    (e, ex): (usize, &Exhibit),
    shown: &Pictures,
    read: &mut ReadArtifact<'_>,
) {
    let r = &ex.view.record;
    flow.new_page();
    flow.heading(&format!("{}: {}", ex.reference, r.title), 16.0);
    flow.heading("Recorded by the computer", 11.0);
    flow.field("Item id", &r.id, Style::Mono);
    flow.field("Kind", r.kind.label(), Style::Body);
    flow.field(
        "Captured",
        &format!(
            "{} (UTC); the computer's local offset was {}",
            r.captured_at, r.utc_offset
        ),
        Style::Body,
    );
    flow.field("Clock", &r.clock_source, Style::Body);
    flow.field(
        "Captured with",
        &format!("{} on host {}", r.app_version, r.host_shown()),
        Style::Body,
    );
    if let Some(url) = r
        .capture
        .as_ref()
        .and_then(|c| c.get("url"))
        .and_then(|u| u.as_str())
    {
        flow.field("Address fetched", url, Style::Mono);
    }
    flow.field(
        "Trusted timestamp",
        &match &ex.view.timestamp {
            Some(ItemTimestamp::Stamped {
                tsa,
                gen_time,
                signer,
            }) => {
                format!("{tsa} certified that this record existed by {gen_time} (signed by {signer})")
            }
            Some(ItemTimestamp::Unrecognised { gen_time, signer, .. }) => format!(
                "none trusted: a timestamp by an authority the computer that opened this case did not recognise (it states {gen_time}, signed by {signer}); it proves nothing until its root is recognised"
            ),
            Some(ItemTimestamp::Waiting { .. }) => {
                "asked for, not yet given when this report was made".into()
            }
            None => "none".into(),
        },
        Style::Body,
    );
    let compact_files = r.kind == ItemKind::Conversation && r.artifacts.len() > COMPACT_FILES_FROM;
    if compact_files {
        flow.heading(
            &format!("The export's {} files, as sealed", r.artifacts.len()),
            11.0,
        );
        for (a, name) in r.artifacts.iter().zip(&ex.files) {
            flow.paragraph(
                &format!("{name} · {} bytes · SHA-256 {}", a.size, a.sha256),
                Style::Mono,
                SMALL,
                Ink::Black,
            );
        }
    }
    for (i, (a, name)) in r.artifacts.iter().zip(&ex.files).enumerate() {
        if compact_files {
            break;
        }
        let mut value = format!(
            "{name}\n{} · {} bytes\nSHA-256 {}",
            a.media_type, a.size, a.sha256
        );
        if let Some(n) = &a.original_name {
            value.push_str(&format!("\noriginally named {n}"));
        }
        if let Some((_, pdq)) = ex.view.pdq.iter().find(|(idx, _)| *idx as usize == i) {
            value.push_str(&format!("\nPDQ {} (quality {})", pdq.hex(), pdq.quality));
        }
        if let Some((_, frames)) = ex.view.vpdq.iter().find(|(idx, _)| *idx as usize == i) {
            value.push_str(&format!(
                "\nvPDQ: {} frame hashes, one a second (in metadata.json)",
                frames.len()
            ));
        }
        flow.field(&format!("File {}", i + 1), &value, Style::Mono);
    }
    for (i, name) in ex.files.iter().enumerate() {
        let video = r
            .artifacts
            .get(i)
            .is_some_and(|a| crate::vpdq::is_video(&a.media_type));
        match shown.get(&(e, i)).map(|s| (&s.thumbnail, &s.about)) {
            Some((Ok(strip), about)) if video => flow.picture(
                strip.clone(),
                480.0,
                60.0,
                &format!(
                    "{} {name}: frames spread over the video, blurred on purpose{}. The video is in the bundle.",
                    ex.reference,
                    about.as_ref().map(|a| format!(" ({a})")).unwrap_or_default()
                ),
            ),
            Some((Ok(thumbnail), _)) => flow.picture(
                thumbnail.clone(),
                160.0,
                120.0,
                &format!(
                    "{} {name}: blurred on purpose. The original is in the bundle.",
                    ex.reference
                ),
            ),
            Some((Err(why), _)) => flow.paragraph(
                &format!("{name}: no thumbnail ({why})."),
                Style::Body,
                SMALL,
                Ink::Grey,
            ),
            // A video without its fingerprint yet: FFmpeg has not read it.
            None if video && r.kind != ItemKind::Conversation => flow.paragraph(
                &format!(
                    "{name}: no strip of frames (FFmpeg, which reads videos, has not read this one; is it installed?)."
                ),
                Style::Body,
                SMALL,
                Ink::Grey,
            ),
            None => {}
        }
    }
    if r.kind == ItemKind::Note {
        for (i, (a, name)) in r.artifacts.iter().zip(&ex.files).enumerate() {
            if a.role != "note" {
                continue;
            }
            flow.heading("The entry, as written", 11.0);
            let bytes = match read(ex, i, NOTE_BYTES) {
                Ok(bytes) => bytes,
                Err(why) => {
                    flow.paragraph(
                        &format!("(Not quoted here: {why}. See {name}.)"),
                        Style::Body,
                        SMALL,
                        Ink::Grey,
                    );
                    continue;
                }
            };
            let text = String::from_utf8_lossy(&bytes);
            let quoted: String = text.chars().take(NOTE_CHARS).collect();
            flow.paragraph(&quoted, Style::Body, BODY, Ink::Black);
            if quoted.len() < text.len() {
                flow.paragraph(
                    &format!("(It continues in {name}.)"),
                    Style::Body,
                    SMALL,
                    Ink::Grey,
                );
            }
        }
    }
    if r.kind == ItemKind::Conversation {
        conversation::reading(flow, ex);
        for t in &ex.transcripts {
            conversation::transcript(flow, ex, t);
        }
    }
    flow.heading("What the person who captured it said", 11.0);
    for (k, v) in r.context.labelled() {
        flow.field(k, v.unwrap_or("—"), Style::Body);
    }
    if !ex.view.annotations.is_empty() {
        flow.heading("Added later (the item itself was not changed)", 11.0);
        for a in &ex.view.annotations {
            flow.entry(&format!("Added {}", a.created_at), &a.body.describe());
        }
    }
}

fn proves(flow: &mut Flow<'_>) {
    flow.new_page();
    flow.heading("4. What the checks prove, and what they do not", 16.0);
    for (check, proves, not) in format::CHECKS {
        flow.keep(5.0 * BODY);
        flow.paragraph(check, Style::Bold, BODY, Ink::Black);
        flow.field("Proves", proves, Style::Body);
        flow.field("Does not prove", not, Style::Body);
        flow.space(4.0);
    }
    flow.heading("How to check the bundle", 12.0);
    flow.paragraph(format::HOW_TO_VERIFY, Style::Body, BODY, Ink::Black);
}

fn annex(flow: &mut Flow<'_>, ctx: &BagContext, exhibits: &[Exhibit], shown: &Pictures) {
    flow.set_header(&format!(
        "ANNEX A: UNBLURRED PICTURES, may be sexually explicit · {}",
        ctx.case_title
    ));
    flow.new_page();
    flow.heading("Annex A. The pictures, UNBLURRED", 16.0);
    flow.boxed(
        "This annex shows the exhibits' pictures without blurring. They may be sexually explicit. Each is a copy for viewing, reduced in size; the evidence is the original file in the bundle, identified by its SHA-256.",
        Style::Bold,
    );
    for (e, ex) in exhibits.iter().enumerate() {
        for (i, (a, name)) in ex.view.record.artifacts.iter().zip(&ex.files).enumerate() {
            match shown.get(&(e, i)).map(|s| &s.annex) {
                Some(Ok(copy)) => {
                    let caption = format!(
                        "{} {name} (UNBLURRED): a {}×{} viewing copy (JPEG) of the {}×{} original, whose SHA-256 is {}",
                        ex.reference, copy.copy.0, copy.copy.1, copy.original.0, copy.original.1, a.sha256
                    );
                    flow.picture(copy.image.clone(), WIDTH, 560.0, &caption);
                }
                Some(Err(why)) => flow.paragraph(
                    &format!("{} {name}: cannot be shown here ({why}).", ex.reference),
                    Style::Body,
                    BODY,
                    Ink::Black,
                ),
                None => {}
            }
        }
    }
}
