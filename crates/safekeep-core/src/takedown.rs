//! Takedown tracking (docs/takedown.md): where each item's content appears, what was
//! reported to whom and what became of it, StopNCII and police references, and the
//! hashes platforms match on, gathered from the sealed items and their annotations
//! (which never alter an item). The takedown pack is that, as CSV and plain text, with
//! no image and no evidence bytes: only addresses, references and hashes.
//!
//! Hashes and what each is for (StopNCII's signal types, from Meta's ThreatExchange
//! client): SHA-256 identifies a file exactly; PDQ (`ImagePDQ`) matches a picture even
//! resized; MD5 (`VideoMD5`) is what StopNCII and platforms match videos on (it is given
//! for pictures too, as some forms ask for it); vPDQ matches a video frame by frame.
//! MD5 is never used for integrity here: SHA-256 is.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::vault::{AnnotationBody, ItemView, Result, Vault};

/// Outcomes that close a report (compared case-insensitively, by prefix).
const CLOSED_OUTCOMES: [&str; 7] = [
    "removed",
    "taken down",
    "refused",
    "rejected",
    "closed",
    "resolved",
    "no action",
];

/// One case's takedown picture.
#[derive(Debug, Clone, Serialize)]
pub struct Takedown {
    /// The case.
    pub case_id: String,
    /// Its title.
    pub case_title: String,
    /// Items with an address, a report, a reference or a picture, in capture order.
    pub items: Vec<TakedownItem>,
}

/// What one item contributes.
#[derive(Debug, Clone, Serialize)]
pub struct TakedownItem {
    /// The item.
    pub item_id: String,
    /// Its title.
    pub title: String,
    /// When it was captured (UTC).
    pub captured_at: String,
    /// Where it was seen (the latest given), then where else it appears.
    pub urls: Vec<String>,
    /// Reports, one per recipient and reference, with the latest outcome.
    pub reports: Vec<ReportStatus>,
    /// StopNCII case numbers.
    pub stopncii: Vec<String>,
    /// Police crime references (reference, force).
    pub crime_references: Vec<(String, Option<String>)>,
    /// Each file's SHA-256, and PDQ hash for pictures.
    pub files: Vec<FileHashes>,
}

/// A report and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct ReportStatus {
    /// Who it went to.
    pub reported_to: String,
    /// When.
    pub reported_on: Option<String>,
    /// Their ticket or reference number.
    pub reference: Option<String>,
    /// The latest outcome recorded.
    pub outcome: Option<String>,
    /// Still waiting: no outcome yet, or one that does not close it.
    pub open: bool,
}

/// Hashes of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileHashes {
    /// The file's name (or role).
    pub name: String,
    /// Its media type.
    pub media_type: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// PDQ, hex (pictures only).
    pub pdq: Option<String>,
    /// PDQ quality 0–100.
    pub pdq_quality: Option<u8>,
    /// vPDQ (videos only): the PDQ hash of one frame a second, from second 0.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpdq: Vec<String>,
    /// MD5, hex (videos and pictures; filled by [`Vault::takedown_with_md5`]): StopNCII's
    /// `VideoMD5` signal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
}

impl Takedown {
    /// Reports still open, with their item.
    pub fn open_requests(&self) -> Vec<(&TakedownItem, &ReportStatus)> {
        self.items
            .iter()
            .flat_map(|i| i.reports.iter().filter(|r| r.open).map(move |r| (i, r)))
            .collect()
    }
}

impl Vault {
    /// Gathers a case's takedown picture (withdrawn items left out).
    pub fn takedown(&self, case_id: &str) -> Result<Takedown> {
        let case = self.resolve_case(case_id)?;
        let items = self
            .items(Some(&case.id))?
            .iter()
            .filter(|v| v.withdrawn.is_none())
            .map(takedown_item)
            .filter(|t| {
                !t.urls.is_empty()
                    || !t.reports.is_empty()
                    || !t.stopncii.is_empty()
                    || !t.crime_references.is_empty()
                    || t.files.iter().any(|f| f.pdq.is_some() || !f.vpdq.is_empty())
            })
            .collect();
        Ok(Takedown {
            case_id: case.id,
            case_title: case.title,
            items,
        })
    }

    /// [`Vault::takedown`], with the MD5 of every video and picture (each read once
    /// from the vault, streamed): for the pack and for removal requests.
    pub fn takedown_with_md5(&self, case_id: &str) -> Result<Takedown> {
        let mut t = self.takedown(case_id)?;
        for item in &mut t.items {
            self.fill_md5(item)?;
        }
        Ok(t)
    }

    /// Fills the MD5 of the item's videos and pictures.
    pub(crate) fn fill_md5(&self, item: &mut TakedownItem) -> Result<()> {
        for (i, f) in item.files.iter_mut().enumerate() {
            if !(f.media_type.starts_with("video/") || f.media_type.starts_with("image/")) {
                continue;
            }
            let (_, _, mut reader) = match self.artifact_reader(&item.item_id, i) {
                Ok(r) => r,
                // A file removed with its withdrawn item, or never stored: no MD5.
                Err(crate::vault::Error::Invalid(_)) => continue,
                Err(e) => return Err(e),
            };
            let mut md5 = md5::Md5::default();
            std::io::copy(&mut reader, &mut md5).map_err(|e| {
                crate::vault::Error::Invalid(format!(
                    "file {} of item {} could not be read for its MD5 ({e}); run `safekeep check`",
                    i + 1,
                    item.item_id
                ))
            })?;
            f.md5 = Some(hex::encode(md5::Digest::finalize(md5)));
        }
        Ok(())
    }
}

/// What one item contributes (its addresses, reports and hashes; MD5 not yet filled).
pub(crate) fn takedown_item(view: &ItemView) -> TakedownItem {
    let r = &view.record;
    let mut source = r.context.source_url.clone();
    let mut urls = Vec::new();
    let mut reports: BTreeMap<(String, String), ReportStatus> = BTreeMap::new();
    let mut stopncii = Vec::new();
    let mut crime_references = Vec::new();
    for a in &view.annotations {
        match &a.body {
            AnnotationBody::Context { context } if context.source_url.is_some() => {
                source.clone_from(&context.source_url);
            }
            AnnotationBody::AppearsAt { url } if !urls.contains(url) => urls.push(url.clone()),
            AnnotationBody::Report {
                reported_to,
                reported_on,
                reference,
                outcome,
            } => {
                let key = (
                    reported_to.trim().to_lowercase(),
                    reference.clone().unwrap_or_default(),
                );
                let entry = reports.entry(key).or_insert_with(|| ReportStatus {
                    reported_to: reported_to.clone(),
                    reported_on: None,
                    reference: reference.clone(),
                    outcome: None,
                    open: true,
                });
                if reported_on.is_some() {
                    entry.reported_on.clone_from(reported_on);
                }
                if outcome.is_some() {
                    entry.outcome.clone_from(outcome);
                }
            }
            AnnotationBody::Stopncii { case_number } if !stopncii.contains(case_number) => {
                stopncii.push(case_number.clone());
            }
            AnnotationBody::CrimeReference { reference, force } => {
                crime_references.push((reference.clone(), force.clone()));
            }
            // A removal request marked as sent is a report to its recipient.
            AnnotationBody::RemovalSent {
                request,
                sent_at,
                reference,
            } => {
                let to = view.annotations.iter().find_map(|r| match &r.body {
                    AnnotationBody::RemovalRequest { recipient, .. } if r.id == *request => {
                        Some(recipient.clone())
                    }
                    _ => None,
                });
                if let Some(reported_to) = to {
                    let key = (reported_to.trim().to_lowercase(), request.clone());
                    reports.insert(
                        key,
                        ReportStatus {
                            reported_to,
                            reported_on: Some(sent_at.clone()),
                            reference: reference.clone(),
                            outcome: None,
                            open: true,
                        },
                    );
                }
            }
            AnnotationBody::RemovalOutcome { request, outcome } => {
                if let Some(entry) = reports.iter_mut().find(|((_, r), _)| r == request) {
                    entry.1.outcome = Some(outcome.clone());
                }
            }
            _ => {}
        }
    }
    if let Some(s) = source.filter(|s| !urls.contains(s)) {
        urls.insert(0, s);
    }
    let mut reports: Vec<ReportStatus> = reports.into_values().collect();
    for rep in &mut reports {
        rep.open = !rep.outcome.as_deref().is_some_and(closes);
    }
    let files = r
        .artifacts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let pdq = view
                .pdq
                .iter()
                .find(|(idx, _)| *idx as usize == i)
                .map(|(_, p)| p);
            FileHashes {
                name: a.original_name.clone().unwrap_or_else(|| a.role.clone()),
                media_type: a.media_type.clone(),
                sha256: a.sha256.clone(),
                pdq: pdq.map(|p| p.hex()),
                pdq_quality: pdq.map(|p| p.quality),
                vpdq: view
                    .vpdq
                    .iter()
                    .find(|(idx, _)| *idx as usize == i)
                    .map(|(_, frames)| frames.iter().map(|f| f.pdq.hex()).collect())
                    .unwrap_or_default(),
                md5: None,
            }
        })
        .collect();
    TakedownItem {
        item_id: r.id.clone(),
        title: r.title.clone(),
        captured_at: r.captured_at.clone(),
        urls,
        reports,
        stopncii,
        crime_references,
        files,
    }
}

pub(crate) fn closes(outcome: &str) -> bool {
    let o = outcome.trim().to_lowercase();
    CLOSED_OUTCOMES.iter().any(|c| o.starts_with(c))
}

/// Why a takedown pack was not written. Nothing is left half-written.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// A file of the pack already exists.
    #[error("{0} already exists; nothing was written. Choose another folder, or move the old pack away")]
    Exists(PathBuf),
    /// Writing failed.
    #[error("could not write {path}: {source}. Nothing usable was left there")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl crate::Coded for PackError {
    /// A stable machine-readable code, for the UI's `{code, message}` errors.
    fn code(&self) -> &'static str {
        match self {
            Self::Exists(_) => "pack_exists",
            Self::Write { .. } => "storage",
        }
    }
}

/// Writes `takedown.csv` and `takedown.txt` into `dir` (created if missing); returns
/// their paths. Refuses to replace existing files.
pub fn write_pack(
    takedown: &Takedown,
    dir: &Path,
    generated_at: &str,
) -> std::result::Result<[PathBuf; 2], PackError> {
    let csv_path = dir.join("takedown.csv");
    let txt_path = dir.join("takedown.txt");
    for p in [&csv_path, &txt_path] {
        if p.exists() {
            return Err(PackError::Exists(p.clone()));
        }
    }
    let write = |path: &Path, bytes: &[u8]| -> std::result::Result<(), PackError> {
        let err = |source| PackError::Write {
            path: path.to_path_buf(),
            source,
        };
        crate::private_file::create_dir_all(dir).map_err(err)?;
        let mut f = crate::private_file::create_new(path).map_err(err)?;
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| {
            let _ = std::fs::remove_file(path);
            err(e)
        })
    };
    let csv = to_csv(takedown).map_err(|source| PackError::Write {
        path: csv_path.clone(),
        source,
    })?;
    write(&csv_path, &csv)?;
    if let Err(e) = write(&txt_path, to_text(takedown, generated_at).as_bytes()) {
        let _ = std::fs::remove_file(&csv_path);
        return Err(e);
    }
    Ok([csv_path, txt_path])
}

/// The CSV header, in order.
pub const CSV_COLUMNS: [&str; 13] = [
    "item_id",
    "item_title",
    "row",
    "url",
    "reported_to",
    "reported_on",
    "reference",
    "outcome",
    "status",
    "file",
    "sha256",
    "pdq",
    "md5",
];

/// One row per address, report, reference and file hash. Cells a spreadsheet would run
/// as a formula get a leading `'` (see [`inert`]).
pub fn to_csv(t: &Takedown) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS)?;
    for i in &t.items {
        let mut row = |kind: &str, cells: [&str; 10]| {
            let mut rec = vec![i.item_id.as_str(), i.title.as_str(), kind];
            rec.extend(cells);
            w.write_record(rec.iter().map(|c| inert(c)))
        };
        for u in &i.urls {
            row("url", [u, "", "", "", "", "", "", "", "", ""])?;
        }
        for r in &i.reports {
            let status = if r.open { "open" } else { "closed" };
            row(
                "report",
                [
                    "",
                    &r.reported_to,
                    r.reported_on.as_deref().unwrap_or(""),
                    r.reference.as_deref().unwrap_or(""),
                    r.outcome.as_deref().unwrap_or(""),
                    status,
                    "",
                    "",
                    "",
                    "",
                ],
            )?;
        }
        for n in &i.stopncii {
            row("stopncii", ["", "StopNCII", "", n, "", "", "", "", "", ""])?;
        }
        for (reference, force) in &i.crime_references {
            row(
                "crime_reference",
                [
                    "",
                    force.as_deref().unwrap_or("police"),
                    "",
                    reference,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
            )?;
        }
        for f in &i.files {
            row(
                "file",
                [
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    &f.name,
                    &f.sha256,
                    f.pdq.as_deref().unwrap_or(""),
                    f.md5.as_deref().unwrap_or(""),
                ],
            )?;
            // vPDQ: one row a second, the file named with the second it shows.
            for (second, pdq) in f.vpdq.iter().enumerate() {
                let at = format!("{} at {second} s", f.name);
                row("video_frame", ["", "", "", "", "", "", &at, "", pdq, ""])?;
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// Characters that make a spreadsheet read a cell as a formula when they start it (OWASP's
/// CSV injection list: `=`, `+`, `-`, `@`, TAB and CR; also LF; and the full-width forms some
/// spreadsheets fold to them). Addresses and references come from pages and platforms the
/// adversary writes.
const FORMULA_STARTS: [char; 11] = [
    '=', '+', '-', '@', '\t', '\r', '\n', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

fn inert(cell: &str) -> String {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The same as readable text, open requests first.
pub fn to_text(t: &Takedown, generated_at: &str) -> String {
    let mut s = format!(
        "TAKEDOWN PACK\n=============\n\nCase: {}\nCase id: {}\nMade: {generated_at}\n\n\
This pack holds web addresses, report references and file hashes only: no picture and\n\
no evidence file. SHA-256 identifies a file exactly; PDQ (Meta's perceptual hash, the\n\
one StopNCII and platforms match pictures on: ImagePDQ) identifies a picture even when\n\
resized; MD5 is what StopNCII and platforms match videos on (VideoMD5); vPDQ matches a\n\
video frame by frame.\n\n",
        t.case_title, t.case_id
    );
    let open = t.open_requests();
    s.push_str(&format!("OPEN REQUESTS ({})\n", open.len()));
    for (i, r) in &open {
        s.push_str(&format!(
            "- {} — reported to {}{}{} (item {})\n",
            i.title,
            r.reported_to,
            on(&r.reported_on),
            reference(&r.reference),
            i.item_id
        ));
    }
    s.push('\n');
    for i in &t.items {
        s.push_str(&format!(
            "ITEM {} — {}\n  Captured {}\n",
            i.item_id, i.title, i.captured_at
        ));
        for u in &i.urls {
            s.push_str(&format!("  Address: {u}\n"));
        }
        for r in &i.reports {
            s.push_str(&format!(
                "  Reported to {}{}{}: {}\n",
                r.reported_to,
                on(&r.reported_on),
                reference(&r.reference),
                match (&r.outcome, r.open) {
                    (Some(o), true) => format!("open ({o})"),
                    (Some(o), false) => format!("closed ({o})"),
                    (None, _) => "open (no outcome yet)".into(),
                }
            ));
        }
        for n in &i.stopncii {
            s.push_str(&format!("  StopNCII case number: {n}\n"));
        }
        for (r, f) in &i.crime_references {
            s.push_str(&format!(
                "  Police crime reference: {r}{}\n",
                f.as_ref().map(|f| format!(" ({f})")).unwrap_or_default()
            ));
        }
        for f in &i.files {
            s.push_str(&format!(
                "  File {} ({}): SHA-256 {}\n",
                f.name, f.media_type, f.sha256
            ));
            if let Some(m) = &f.md5 {
                s.push_str(&format!("    MD5 {m} (StopNCII VideoMD5; for matching only)\n"));
            }
            if let (Some(p), Some(q)) = (&f.pdq, f.pdq_quality) {
                s.push_str(&format!("    PDQ {p} (quality {q})\n"));
            }
            if !f.vpdq.is_empty() {
                s.push_str(&format!(
                    "    vPDQ, one frame a second ({} frames; rows \"video_frame\" of takedown.csv):\n",
                    f.vpdq.len()
                ));
                for (second, pdq) in f.vpdq.iter().enumerate() {
                    s.push_str(&format!("      {second:>5} s  {pdq}\n"));
                }
            }
        }
        s.push('\n');
    }
    s
}

fn on(d: &Option<String>) -> String {
    d.as_ref().map(|d| format!(" on {d}")).unwrap_or_default()
}

fn reference(r: &Option<String>) -> String {
    r.as_ref().map(|r| format!(", reference {r}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn every_formula_start_is_made_inert() {
        for cell in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "\n=1",
            "\u{FF1D}1",
        ] {
            assert!(inert(cell).starts_with('\''), "{cell:?}");
        }
        for cell in ["https://example.org/a=b", "T-1", "1 = 1", ""] {
            assert_eq!(inert(cell), cell);
        }
    }
}
