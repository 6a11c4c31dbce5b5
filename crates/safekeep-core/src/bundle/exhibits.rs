//! A case's exhibits as the writer gets them from its source (`source.rs`), one at a
//! time, and how each is named in the bag.
//!
//! Why one at a time: an export or a report walks every exhibit, and a case can hold
//! 50,000. Holding them all cost ≈ 4 KiB an exhibit (200 MiB at 50,000); the vault's
//! walk holds one page. Invariants: every walk of a case within one read transaction
//! yields the same exhibits in the same order with the same references
//! (docs/bundle-format.md § "Items": capture order, withdrawn items left out, items from
//! a hand-over keep their references and new ones are numbered after the highest number
//! used with the prefix).

use std::collections::HashMap;

use super::error::ExportError;
use super::format;
use crate::item_view::{ItemTimestamp, ItemView};

/// One exhibit being written.
pub struct Exhibit {
    /// Its reference (`AB/1`).
    pub reference: String,
    /// Its folder under `data/items/`.
    pub folder: String,
    /// The item, with everything attached to it.
    pub view: ItemView,
    /// Each artifact's file name in the folder, in the artifacts' order.
    pub files: Vec<String>,
    /// The runs of a conversation's messages marked as exhibits, read for the report.
    pub transcripts: Vec<Transcript>,
}

/// A run of messages marked as an exhibit (a `messages` annotation), with the messages.
pub struct Transcript {
    /// The first message of the run.
    pub from: u32,
    /// The last.
    pub to: u32,
    /// Why it matters, if the person said.
    pub note: Option<String>,
    /// The messages `from..=to`.
    pub messages: Vec<safekeep_chat::Message>,
}

/// What an exhibit's token says, for the README and the list of tokens to write.
pub struct ExhibitStamp<'a> {
    /// The authority's address.
    pub tsa: &'a str,
    /// The time the token states.
    pub gen_time: &'a str,
    /// False for a token kept from a received bundle whose authority this vault's
    /// computer did not recognise: it travels on (the log records it) but is never
    /// presented as a trusted timestamp.
    pub recognised: bool,
}

impl Exhibit {
    /// Its token's authority, time and standing, if it has one. (The token, the bytes it
    /// covers and the chain, kilobytes each, are read when their files are written, not
    /// held.)
    pub fn stamp(&self) -> Option<ExhibitStamp<'_>> {
        let (tsa, gen_time, recognised) = match &self.view.timestamp {
            Some(ItemTimestamp::Stamped { tsa, gen_time, .. }) => (tsa, gen_time, true),
            Some(ItemTimestamp::Unrecognised { tsa, gen_time, .. }) => (tsa, gen_time, false),
            _ => return None,
        };
        Some(ExhibitStamp {
            tsa,
            gen_time,
            recognised,
        })
    }
}

/// Walks every exhibit of a case, in order, calling the closure with each; returns how
/// many there were. The walk stops at the closure's first error.
pub(super) type Walk<'a> =
    dyn FnMut(&mut dyn FnMut(Exhibit) -> Result<(), ExportError>) -> Result<usize, ExportError> + 'a;

/// What a report says about all of a case's exhibits before listing them.
pub struct CaseFacts {
    /// Exhibits.
    pub count: usize,
    /// Exhibits with a trusted timestamp.
    pub stamped: usize,
    /// Their authorities, each once, in the order exhibits first name them.
    pub authorities: Vec<String>,
}

/// The number after the highest one a hand-over gave with `prefix`: new exhibits are
/// numbered from there, so references that travelled in a bundle never change.
pub(crate) fn first_new_number(kept: &HashMap<String, (String, String)>, prefix: &str) -> usize {
    kept.values()
        .filter_map(|(r, _)| r.strip_prefix(prefix)?.strip_prefix('/')?.parse::<usize>().ok())
        .max()
        .unwrap_or(0)
}

impl Exhibit {
    /// Names the exhibit: the reference and folder a hand-over gave it (`kept`, by item
    /// id), else the next number (`n`, advanced); its files' names in the bag.
    pub(crate) fn new(
        view: ItemView,
        prefix: &str,
        kept: &HashMap<String, (String, String)>,
        n: &mut usize,
        transcripts: Vec<Transcript>,
    ) -> Self {
        let arts = &view.record.artifacts;
        let export_names = (view.record.kind == crate::item::ItemKind::Conversation)
            .then(|| export_file_names(arts))
            .flatten();
        let files = export_names.unwrap_or_else(|| {
            arts.iter()
                .enumerate()
                .map(|(i, a)| {
                    let repeated = arts.iter().filter(|b| b.role == a.role).count() > 1;
                    format::artifact_file_name(
                        &a.role,
                        i,
                        repeated,
                        a.original_name.as_deref(),
                        &a.media_type,
                    )
                })
                .collect()
        });
        let (reference, folder) = match kept.get(&view.record.id) {
            Some((r, f)) => (r.clone(), f.clone()),
            None => {
                *n += 1;
                (
                    format::exhibit_ref(prefix, *n),
                    format::item_folder(prefix, *n, &view.record.title),
                )
            }
        };
        Self {
            reference,
            folder,
            view,
            files,
            transcripts,
        }
    }
}

/// Longest name kept for a file of a conversation export inside the bundle.
const EXPORT_NAME_MAX: usize = 180;

/// Names the files of a conversation export in the bundle as the export named them, under
/// `export/` (`export/WhatsApp Chat with Sam.txt`, `export/photos/photo_1.jpg`), so that the
/// folder can be read again as the export it was. Each path component keeps letters,
/// digits, spaces and `._-@()+,'&`; anything else becomes `_`. `None` when that would
/// make two names equal (also ignoring case), a component empty, `.`, `..` or a name
/// Windows reserves ([`reserved_on_windows`]), or a name too long: the files are then
/// named by role like any other item's.
fn export_file_names(artifacts: &[crate::item::Artifact]) -> Option<Vec<String>> {
    let mut names = Vec::with_capacity(artifacts.len());
    let mut seen = std::collections::HashSet::new();
    for a in artifacts {
        let path = a.source_path.as_deref().or(a.original_name.as_deref())?;
        let mut parts = Vec::new();
        for part in path.split('/') {
            let clean: String = part
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || " ._-@()+,'&".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let clean = clean.trim().to_owned();
            if clean.is_empty() || clean == "." || clean == ".." || format::reserved_on_windows(&clean) {
                return None;
            }
            parts.push(clean);
        }
        let name = format!("export/{}", parts.join("/"));
        if name.len() > EXPORT_NAME_MAX || !seen.insert(name.to_lowercase()) {
            return None;
        }
        names.push(name);
    }
    Some(names)
}

#[cfg(test)]
mod export_name_tests {
    use super::export_file_names;

    #[test]
    fn export_names_windows_refuses_are_never_made() {
        let art = |path: &str| crate::item::Artifact {
            role: "export".into(),
            media_type: "text/plain".into(),
            size: 1,
            sha256: String::new(),
            original_name: None,
            original_name_bytes: None,
            source_path: Some(path.into()),
            modified_at: None,
        };
        assert!(export_file_names(&[art("chat.txt"), art("media/aux.jpg")]).is_none());
        assert!(export_file_names(&[art("chat.txt"), art("media/photo.jpg")]).is_some());
        // Windows (and macOS) folders ignore case: two names differing only in case would
        // overwrite each other when the bundle is unzipped there.
        assert!(export_file_names(&[art("Media/Photo.jpg"), art("media/photo.JPG")]).is_none());
    }
}
