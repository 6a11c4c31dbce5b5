//! Exporting a case: the vault as the bundle writer's exhibit source
//! (`bundle::ExhibitSource`), the export itself (checks, one read snapshot for the whole
//! bag, the `bundle.exported` event) and the PDF report saved on its own. The writer
//! (`bundle`) knows no `Vault`: everything it reads comes through the source.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::json;

use super::{Error, Vault, append_event_with};
use crate::audit_log::event_type;
use crate::bundle::context::BagContext;
use crate::bundle::exhibits::first_new_number;
use crate::bundle::export as writer;
use crate::bundle::report_pdf::{self, Origin, SavedReport};
use crate::bundle::source::ArtifactOpener;
use crate::bundle::{
    CaseFacts, Exhibit, ExhibitSource, ExhibitToken, ExportError, ExportOptions, ExportProgress,
    ExportSummary, Handover, ReportOptions, SourceError, Transcript, format, output,
};
use crate::clock::utc_rfc3339;
use crate::db::items::{self, PageCursor};
use crate::db::{artifacts, events};
use crate::item_view::{AnnotationBody, ItemView};

/// Exhibits read from the vault at a time.
const PAGE: u32 = 256;

impl From<Error> for ExportError {
    fn from(e: Error) -> Self {
        Self::Source(SourceError::new(e))
    }
}

impl From<rusqlite::Error> for ExportError {
    fn from(e: rusqlite::Error) -> Self {
        Error::from(e).into()
    }
}

impl Vault {
    /// Exports a case (id or prefix) as a bundle and records the export in its log.
    pub fn export(
        &mut self,
        case_id: &str,
        options: &ExportOptions,
        progress: &mut dyn FnMut(ExportProgress),
    ) -> Result<ExportSummary, ExportError> {
        if !format::valid_prefix(&options.exhibit_prefix) {
            return Err(ExportError::BadPrefix(options.exhibit_prefix.clone()));
        }
        let out = &options.out;
        if out.exists() {
            return Err(ExportError::Exists(out.clone()));
        }
        let case = self.resolve_case(case_id)?;
        // Pictures and videos still waiting for their fingerprint get it now, so the
        // bundle's metadata, report and takedown data have every PDQ hash that can be
        // made (a video stays without one when FFmpeg is not installed).
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        self.fingerprint_waiting(threads, &mut |_, _| {})?;
        let count = self.exhibit_count(&case.id)?;
        if count == 0 {
            return Err(ExportError::Empty(case.id));
        }
        let now = self.now();
        let ctx = BagContext {
            bag: format::bag_name(&bag_stem(out)),
            case_id: case.id.clone(),
            case_title: case.title.clone(),
            prefix: options.exhibit_prefix.clone(),
            exported_at: utc_rfc3339(&now),
            fingerprint: self.key().fingerprint(),
            no_images: self.safeguard(&case.id)?.statement(),
        };
        // One read transaction: every walk over the exhibits (the PDF's, the payload's)
        // sees the same vault, whatever the app records meanwhile.
        let snapshot = self.conn().unchecked_transaction()?;
        let written = writer::write_bundle(self, &ctx, count, options, progress);
        drop(snapshot);
        let written = written?;
        let data = json!({
            "bag": ctx.bag,
            "file": out.file_name().map(|n| n.to_string_lossy().into_owned()),
            "exhibit_prefix": options.exhibit_prefix,
            "exhibits": [],
            "manifest_sha256": written.manifest_sha,
            "tagmanifest_sha256": written.tag_sha,
            "bundle_sha256": written.zip_sha,
            "key_fingerprint": ctx.fingerprint,
            "encrypted": options.encryption.is_some(),
        });
        let recorded = (|| -> Result<(), Error> {
            let tx = self.conn_mut().transaction()?;
            let exhibits = Some(("exhibits", &written.exhibits[..]));
            append_event_with(
                &tx,
                &case.id,
                &ctx.exported_at,
                event_type::BUNDLE_EXPORTED,
                data,
                exhibits,
            )?;
            tx.commit()?;
            Ok(())
        })();
        if let Err(e) = recorded {
            writer::withdraw_written(out);
            return Err(e.into());
        }
        Ok(ExportSummary {
            path: out.clone(),
            bag: ctx.bag,
            sha256: written.zip_sha,
            items: written.count,
            payload_bytes: written.payload_bytes,
            key_fingerprint: ctx.fingerprint,
            timestamped_items: written.stamped.len(),
            timestamp: written.timestamp,
        })
    }

    /// Writes a case's PDF report to `out` (which must not exist) without exporting a
    /// bundle: the same report, with the same exhibit references, as an export now would
    /// hold. Reads the vault only; nothing is recorded.
    pub fn save_report(
        &self,
        case_id: &str,
        exhibit_prefix: &str,
        options: ReportOptions,
        out: &Path,
    ) -> Result<SavedReport, ExportError> {
        if !format::valid_prefix(exhibit_prefix) {
            return Err(ExportError::BadPrefix(exhibit_prefix.to_owned()));
        }
        if out.exists() {
            return Err(ExportError::Exists(out.to_owned()));
        }
        // Every walk of the report, and the counts on its cover, see the same vault,
        // whatever the app records meanwhile.
        let snapshot = self.conn().unchecked_transaction()?;
        let case = self.resolve_case(case_id)?;
        let facts = self.case_facts(&case.id)?;
        if facts.count == 0 {
            return Err(ExportError::Empty(case.id));
        }
        let events = usize::try_from(case.event_count).unwrap_or(usize::MAX);
        let ctx = BagContext {
            bag: String::new(),
            case_id: case.id,
            case_title: case.title,
            prefix: exhibit_prefix.to_owned(),
            exported_at: utc_rfc3339(&self.now()),
            fingerprint: self.key().fingerprint(),
            no_images: self.safeguard(case_id)?.statement(),
        };
        let rendered = report_pdf::render(
            &ctx,
            Origin::OnDemand,
            (&facts, &mut |each| {
                ExhibitSource::for_each_exhibit(self, &ctx.case_id, exhibit_prefix, each)
            }),
            events,
            options,
            &mut |ex, i, cap| ExhibitSource::artifact_bytes(self, &ex.view.record.id, i, cap),
        )?;
        drop(snapshot);
        output::write_new(out, &rendered.pdf).map_err(|source| ExportError::Write {
            path: out.to_owned(),
            source,
        })?;
        Ok(SavedReport {
            path: out.to_owned(),
            exhibits: facts.count,
            bytes: rendered.pdf.len() as u64,
            conformance: rendered.conformance,
        })
    }

    /// How many exhibits a case has (its items not withdrawn).
    fn exhibit_count(&self, case_id: &str) -> Result<usize, ExportError> {
        let n = items::count_of_case(self.conn(), case_id)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// An exhibit from an item: named by the bundle format, with the messages of its
    /// marked runs read for the report.
    fn exhibit(
        &self,
        view: ItemView,
        prefix: &str,
        kept: &HashMap<String, (String, String)>,
        n: &mut usize,
    ) -> Result<Exhibit, ExportError> {
        let mut transcripts = Vec::new();
        for a in &view.annotations {
            if let AnnotationBody::Messages { from, to, note } = &a.body {
                transcripts.push(Transcript {
                    from: *from,
                    to: *to,
                    note: note.clone(),
                    messages: self.messages(&view.record.id, Some(*from), Some(*to))?,
                });
            }
        }
        Ok(Exhibit::new(view, prefix, kept, n, transcripts))
    }
}

impl ExhibitSource for Vault {
    fn case_facts(&self, case_id: &str) -> Result<CaseFacts, ExportError> {
        let stamps = crate::db::timestamps::authorities_of_case(self.conn(), case_id)?;
        let mut authorities: Vec<String> = Vec::new();
        for tsa in &stamps {
            if !authorities.contains(tsa) {
                authorities.push(tsa.clone());
            }
        }
        Ok(CaseFacts {
            count: self.exhibit_count(case_id)?,
            stamped: stamps.len(),
            authorities,
        })
    }

    fn for_each_exhibit(
        &self,
        case_id: &str,
        prefix: &str,
        each: &mut dyn FnMut(Exhibit) -> Result<(), ExportError>,
    ) -> Result<usize, ExportError> {
        let kept = self.handed_over(case_id)?;
        let mut n = first_new_number(&kept, prefix);
        let mut after: Option<PageCursor> = None;
        let mut seen = 0;
        loop {
            let page = items::page_of_case(self.conn(), case_id, after.as_ref(), PAGE)?;
            let Some((_, last)) = page.last() else {
                return Ok(seen);
            };
            after = Some(last.clone());
            let last_page = page.len() < PAGE as usize;
            for (row, _) in page {
                let view = self.view(row)?;
                let ex = self.exhibit(view, prefix, &kept, &mut n)?;
                seen += 1;
                each(ex)?;
            }
            if last_page {
                return Ok(seen);
            }
        }
    }

    fn event_count(&self, case_id: &str) -> Result<u64, ExportError> {
        Ok(self.resolve_case(case_id)?.event_count)
    }

    fn write_audit_log(&self, case_id: &str, out: &mut dyn Write) -> io::Result<()> {
        events::for_each(self.conn(), case_id, &mut |e| {
            writeln!(
                out,
                "{{\"event\":{},\"hash\":\"{}\",\"prev_hash\":\"{}\"}}",
                e.body, e.hash, e.prev_hash
            )
        })
    }

    fn artifact_opener<'a>(&'a self, item_id: &str) -> Result<ArtifactOpener<'a>, ExportError> {
        let blobs = artifacts::list(self.conn(), Some(item_id))?;
        Ok(Box::new(move |index| {
            let blob = blobs
                .get(index)
                .and_then(|b| b.blob.as_deref())
                .ok_or_else(|| "is not stored".to_owned())?;
            let reader = self
                .blobs()
                .open(blob)
                .map_err(|e| format!("cannot be read ({e})"))?;
            Ok(Box::new(reader) as Box<dyn Read + 'a>)
        }))
    }

    fn artifact_bytes(&self, item_id: &str, index: usize, cap: u64) -> Result<Vec<u8>, String> {
        Vault::artifact_bytes(self, item_id, index, cap)
            .map(|(_, bytes)| bytes)
            .map_err(|e| e.to_string())
    }

    fn handovers(&self, case_id: &str) -> Result<Vec<Handover>, ExportError> {
        Ok(Vault::handovers(self, case_id)?)
    }

    fn handover_files(&self, case_id: &str) -> Result<Vec<(u32, String, Vec<u8>)>, ExportError> {
        Ok(Vault::handover_files(self, case_id)?)
    }

    fn exhibit_token(&self, item_id: &str) -> Result<Option<ExhibitToken>, ExportError> {
        Ok(self.item_token(item_id)?.map(|(commitment, row)| ExhibitToken {
            commitment,
            token: row.token.unwrap_or_default(),
            chain_pem: row.chain_pem.unwrap_or_default(),
        }))
    }

    fn scratch_dir(&self) -> PathBuf {
        self.blobs().tmp_dir()
    }

    fn public_key_pem(&self) -> String {
        self.key().public_pem()
    }

    fn sign(&self, bytes: &[u8]) -> Vec<u8> {
        self.key().sign(bytes).to_vec()
    }
}

/// The bag's folder name from the bundle's file name: `case.zip.age` holds the bag of
/// `case.zip`, so the folder is the same either way.
fn bag_stem(out: &Path) -> String {
    let name = out
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unsealed = name.strip_suffix(".age").unwrap_or(&name);
    unsealed
        .rsplit_once('.')
        .map_or(unsealed, |(stem, _)| stem)
        .to_owned()
}
