//! `export`: writes a case as a signed, zipped BagIt bag (docs/bundle-format.md).
//!
//! Streams every original from the vault into the zip exactly once, re-hashing it on the
//! way so that a damaged blob can never be exported as evidence; hashes the zip as it is
//! written; writes to `<out>.part` and renames only when complete, so a failed export
//! leaves nothing behind. The export is then recorded as a `bundle.exported` event.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::bag_writer::BagWriter;
use super::encrypted::{BundleEncryption, EncryptionError};
use super::encrypted_output::Output;
use super::exhibits::Exhibit;
use super::format::{self, AUDIT_LOG, BAGIT_TXT, PUBLIC_KEY, REPORT, SIGNATURE, TAG_MANIFEST};
use super::report::HtmlReport;
use super::report_pdf::{self, Origin, ReportOptions};
use super::scratch::Scratch;
use super::statement::StatementDraft;
use super::timestamps::{self as stamps, ReadmeStamps, Stamper};
use super::{output, readme};
use crate::audit_log::event_type;
use crate::canonical;
use crate::clock::utc_rfc3339;
use crate::db::{artifacts, events};
use crate::vault::{self, Vault, append_event_with};

/// What to export and where.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// The bundle file to create (must not exist).
    pub out: PathBuf,
    /// Exhibit reference prefix: the producer's initials, 1–4 capital letters.
    pub exhibit_prefix: String,
    /// Encrypt the bundle (as an age file) for sending it.
    pub encryption: Option<BundleEncryption>,
    /// Time-stamp the bundle's tag manifest with this (when timestamping is on).
    pub timestamper: Option<Stamper>,
    /// What the PDF report (`data/report/report.pdf`) holds.
    pub report: ReportOptions,
}

/// The file name an export should get: an encrypted bundle always ends in `.age`, so
/// nobody mistakes it for a zip (and tools recognise it).
pub fn output_path(out: PathBuf, encrypted: bool) -> PathBuf {
    let has_age = out.extension().is_some_and(|e| e.eq_ignore_ascii_case("age"));
    if encrypted && !has_age {
        let mut name = out.clone().into_os_string();
        name.push(".age");
        PathBuf::from(name)
    } else {
        out
    }
}

/// Progress of an export, in payload bytes.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ExportProgress {
    /// Bytes of originals written so far.
    pub done: u64,
    /// Bytes of originals to write.
    pub total: u64,
}

/// What was exported.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    /// The bundle file.
    pub path: PathBuf,
    /// The bag folder inside it.
    pub bag: String,
    /// SHA-256 of the whole bundle file.
    pub sha256: String,
    /// Number of exhibits.
    pub items: usize,
    /// Bytes under `data/`.
    pub payload_bytes: u64,
    /// Fingerprint of the signing key.
    pub key_fingerprint: String,
    /// Exhibits that carry a trusted timestamp.
    pub timestamped_items: usize,
    /// The bundle's own timestamp, when one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<BundleTimestamp>,
}

/// What became of the bundle's own timestamp. A failure does not stop the export: the
/// bundle is complete without it, and its README says the token is optional.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BundleTimestamp {
    /// `signature/timestamps/bundle.tsr` was written.
    Stamped {
        /// The authority.
        tsa: String,
        /// Its time.
        gen_time: String,
    },
    /// No authority gave a valid token.
    Failed {
        /// Why, in words.
        why: String,
    },
}

/// Why an export failed. Nothing is left at the output path when one is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The vault could not be read.
    #[error(transparent)]
    Vault(#[from] vault::Error),
    /// The output file exists.
    #[error("{0} already exists. Choose another file name: Safekeep never overwrites a bundle")]
    Exists(PathBuf),
    /// The exhibit prefix is not 1–4 capital letters.
    #[error(
        "the exhibit prefix \"{0}\" should be 1 to 4 capital letters, usually the initials of the person producing the exhibits (for example AB)"
    )]
    BadPrefix(String),
    /// The case has nothing to export.
    #[error("case {0} has no items to export yet; add evidence first")]
    Empty(String),
    /// A stored original no longer matches its hash, or is gone.
    #[error(
        "stored file #{artifact} of item {item_id} {problem}, so it cannot be exported as evidence. Nothing was exported; run `safekeep check` for details"
    )]
    Damaged {
        /// The item.
        item_id: String,
        /// Which of its files (from 1).
        artifact: usize,
        /// What is wrong.
        problem: String,
    },
    /// The encryption asked for cannot be done.
    #[error(transparent)]
    Encryption(#[from] EncryptionError),
    /// Writing the bundle failed.
    #[error(
        "could not write the bundle {path}: {source}. Nothing was kept; check there is space and that you may write there"
    )]
    Write {
        /// The output path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

impl crate::Coded for ExportError {
    /// A stable machine-readable code, for the UI.
    fn code(&self) -> &'static str {
        match self {
            Self::Vault(e) => e.code(),
            Self::Exists(_) => "output_exists",
            Self::BadPrefix(_) => "bad_exhibit_prefix",
            Self::Empty(_) => "nothing_to_export",
            Self::Damaged { .. } => "vault_damaged",
            Self::Write { .. } => "export_write",
            Self::Encryption(_) => "bad_encryption",
        }
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
        // `case.zip.age` holds the bag of `case.zip`: the same folder name either way.
        let name = out
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let unsealed = name.strip_suffix(".age").unwrap_or(&name);
        let stem = unsealed
            .rsplit_once('.')
            .map_or(unsealed, |(stem, _)| stem)
            .to_owned();
        let bag = format::bag_name(&stem);
        let part = output::part_path(out);
        let write_err = |source| ExportError::Write {
            path: out.clone(),
            source,
        };
        let file = crate::private_file::create_new(&part).map_err(write_err)?;
        let ctx = BagContext {
            bag: bag.clone(),
            case_id: case.id.clone(),
            case_title: case.title.clone(),
            prefix: options.exhibit_prefix.clone(),
            exported_at: utc_rfc3339(&now),
            fingerprint: self.key().fingerprint(),
            no_images: self.safeguard(&case.id)?.statement(),
        };

        // One read transaction: every walk over the exhibits (the PDF's, the payload's)
        // sees the same vault, whatever the app records meanwhile.
        let written = self
            .conn()
            .unchecked_transaction()
            .map_err(|e| ExportError::from(vault::Error::from(e)))
            .and_then(|snapshot| {
                let w = Output::new(file, options.encryption.as_ref())
                    .map_err(ExportError::from)
                    .and_then(|output| self.write_bag(output, &ctx, count, options, progress));
                drop(snapshot);
                w
            });
        let written = match written {
            Ok(w) => w,
            Err(e) => {
                output::discard(&part);
                return Err(e);
            }
        };
        output::publish(&part, out).map_err(write_err)?;
        let data = json!({
            "bag": bag,
            "file": out.file_name().map(|n| n.to_string_lossy().into_owned()),
            "exhibit_prefix": options.exhibit_prefix,
            "exhibits": [],
            "manifest_sha256": written.manifest_sha,
            "tagmanifest_sha256": written.tag_sha,
            "bundle_sha256": written.zip_sha,
            "key_fingerprint": ctx.fingerprint,
            "encrypted": options.encryption.is_some(),
        });
        let recorded = (|| -> Result<(), vault::Error> {
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
            output::discard(out);
            return Err(e.into());
        }
        Ok(ExportSummary {
            path: out.clone(),
            bag,
            sha256: written.zip_sha,
            items: written.count,
            payload_bytes: written.payload_bytes,
            key_fingerprint: ctx.fingerprint,
            timestamped_items: written.stamped.len(),
            timestamp: written.timestamp,
        })
    }

    /// Writes the whole bag. The PDF report is made first, by a walk of its own over the
    /// exhibits, into a sealed scratch file, so that its layout is gone before the zip's
    /// entry table grows; then one walk writes every exhibit's files, while what comes
    /// after the payload (the HTML report, the statement draft, the README's timestamp
    /// lines, the manifest) gathers in sealed scratch files. One page of exhibits is held
    /// at a time (docs/performance.md § "Export at scale").
    fn write_bag(
        &self,
        file: Output,
        ctx: &BagContext,
        count: usize,
        options: &ExportOptions,
        progress: &mut dyn FnMut(ExportProgress),
    ) -> Result<Written, ExportError> {
        let timestamper = options.timestamper.as_ref();
        // Read inside the snapshot, so the reports count the events the audit log holds.
        let events = self.resolve_case(&ctx.case_id)?.event_count;
        let scratch = self.blobs().tmp_dir();
        let io_err = |source| ExportError::Write {
            path: PathBuf::from(&ctx.bag),
            source,
        };
        let zip_err = |e: zip::result::ZipError| io_err(io::Error::other(e));
        let (pdf, total) = self.report_to_scratch(ctx, events, options.report, &scratch)?;
        let mut w = BagWriter::new(file, ctx, &scratch)?;
        w.add("bagit.txt", BAGIT_TXT.as_bytes(), true)?;
        let mut html = HtmlReport::new(&scratch).map_err(io_err)?;
        let mut statement = StatementDraft::new(&scratch).map_err(io_err)?;
        let mut readme_stamps = ReadmeStamps::new(&scratch).map_err(io_err)?;
        // ≈ 70 bytes an exhibit; sized once rather than doubled as it grows.
        let mut exhibits = Vec::with_capacity(2 + count.saturating_mul(72));
        exhibits.push(b'[');
        let mut stamped = Vec::new();
        let mut done = 0u64;
        let written = self.for_each_exhibit(&ctx.case_id, &ctx.prefix, &mut |ex| {
            self.write_exhibit(&mut w, &ex, (&mut done, total), progress)?;
            html.add(&ex).map_err(io_err)?;
            statement.add(&ex).map_err(io_err)?;
            readme_stamps.add(&ex).map_err(io_err)?;
            if ex.stamp().is_some() {
                stamped.push((ex.reference.clone(), ex.view.record.id.clone()));
            }
            if exhibits.len() > 1 {
                exhibits.push(b',');
            }
            exhibits.extend_from_slice(b"{\"item_id\":");
            canonical::push_str(&ex.view.record.id, &mut exhibits);
            exhibits.extend_from_slice(b",\"ref\":");
            canonical::push_str(&ex.reference, &mut exhibits);
            exhibits.push(b'}');
            Ok(())
        })?;
        exhibits.push(b']');
        if written == 0 {
            return Err(ExportError::Empty(ctx.case_id.clone()));
        }
        w.add_generated(AUDIT_LOG, true, |out| {
            events::for_each(self.conn(), &ctx.case_id, &mut |e| {
                writeln!(
                    out,
                    "{{\"event\":{},\"hash\":\"{}\",\"prev_hash\":\"{}\"}}",
                    e.body, e.hash, e.prev_hash
                )
            })
        })?;
        let mut handovers = self.handover_files(&ctx.case_id)?;
        let place = |name: &str| format::HANDOVER_FILES.iter().position(|(n, _)| *n == name);
        handovers.sort_by_key(|(k, name, _)| (*k, place(name)));
        for (k, name, bytes) in &handovers {
            let path = format!("{}{k}/{name}", format::HANDOVER_DIR);
            w.add(
                &path,
                bytes,
                bytes.len() >= 16 << 10 && !name.ends_with(".tsr") && !name.ends_with(".sig"),
            )?;
        }
        w.add_generated(REPORT, true, |out| html.finish(ctx, events, out))?;
        w.add_scratch(format::REPORT_PDF, pdf, false)?;
        w.add_generated(format::STATEMENT_DRAFT, true, |out| statement.finish(ctx, out))?;

        let bag_info = bag_info(ctx, w.oxum_bytes, w.oxum_count, written);
        w.add("bag-info.txt", bag_info.as_bytes(), true)?;
        let manifest_sha = w.add_manifest()?;
        let handover_lines = readme::handover_section(&self.handovers(&ctx.case_id)?);
        let mut readme = Scratch::new(&scratch).map_err(io_err)?;
        readme::render(
            ctx,
            |out| readme_stamps.finish(timestamper.is_some(), out),
            &handover_lines,
            &mut readme,
        )
        .map_err(io_err)?;
        w.add_scratch("README.txt", readme, true)?;
        let tag: String = w
            .tag_manifest
            .iter()
            .map(|(h, p)| format::manifest_line(h, p))
            .collect();
        let tag_sha = w.add(TAG_MANIFEST, tag.as_bytes(), true)?;
        let pem = self.key().public_pem();
        w.add(PUBLIC_KEY, pem.as_bytes(), true)?;
        w.add(SIGNATURE, &self.key().sign(tag.as_bytes()), false)?;
        for (reference, item_id) in &stamped {
            let (commitment, row) = self.item_token(item_id)?.ok_or_else(|| {
                io_err(io::Error::other(format!(
                    "the trusted timestamp of exhibit {reference} could not be read again"
                )))
            })?;
            let at = |ext: &str| format!("{}{}.{ext}", stamps::DIR, stamps::stem(reference));
            w.add(&at("tsr"), row.token.as_deref().unwrap_or_default(), false)?;
            w.add(&at("commitment"), &commitment, true)?;
            w.add(
                &at("chain.pem"),
                row.chain_pem.unwrap_or_default().as_bytes(),
                true,
            )?;
        }
        let timestamp = match timestamper {
            Some(stamper) => Some(stamp_bundle(&mut w, stamper, tag.as_bytes())?),
            None => None,
        };
        let payload_bytes = w.oxum_bytes;
        let (file, zip_sha) = w
            .zip
            .finish()
            .map_err(zip_err)?
            .into_inner()
            .finish()
            .map_err(io_err)?;
        file.sync_all().map_err(io_err)?;
        Ok(Written {
            manifest_sha,
            tag_sha,
            zip_sha: hex::encode(zip_sha),
            payload_bytes,
            timestamp,
            count: written,
            exhibits,
            stamped,
        })
    }

    /// Streams one exhibit's stored files into the bag, each re-hashed on the way (a
    /// damaged blob is never exported), then its `metadata.json`.
    fn write_exhibit(
        &self,
        w: &mut BagWriter<'_>,
        ex: &Exhibit,
        (done, total): (&mut u64, u64),
        progress: &mut dyn FnMut(ExportProgress),
    ) -> Result<(), ExportError> {
        let blobs = artifacts::list(self.conn(), Some(&ex.view.record.id)).map_err(vault::Error::from)?;
        for (i, (a, name)) in ex.view.record.artifacts.iter().zip(&ex.files).enumerate() {
            let damaged = |problem: String| ExportError::Damaged {
                item_id: ex.view.record.id.clone(),
                artifact: i + 1,
                problem,
            };
            let blob = blobs
                .get(i)
                .and_then(|b| b.blob.clone())
                .ok_or_else(|| damaged("is not stored".into()))?;
            let mut src = self
                .blobs()
                .open(&blob)
                .map_err(|e| damaged(format!("cannot be read ({e})")))?;
            let path = format!("data/items/{}/{name}", ex.folder);
            let base = *done;
            let (sha, size) = w.add_stream(
                &path,
                &mut src,
                a.size,
                format::deflate_media(&a.media_type),
                &mut |n| {
                    progress(ExportProgress {
                        done: base + n,
                        total,
                    })
                },
            )?;
            *done += size;
            if sha != a.sha256 || size != a.size {
                return Err(damaged("no longer matches its recorded SHA-256".into()));
            }
        }
        let meta = metadata_json(ex);
        w.add(
            &format!("data/items/{}/{}", ex.folder, format::METADATA),
            meta.as_bytes(),
            true,
        )?;
        Ok(())
    }

    /// Renders the PDF report into a sealed scratch file; returns it and the bytes of the
    /// exhibits' files (the export's progress total), counted on the report's walk.
    fn report_to_scratch(
        &self,
        ctx: &BagContext,
        events: u64,
        report: ReportOptions,
        dir: &std::path::Path,
    ) -> Result<(Scratch, u64), ExportError> {
        let facts = self.case_facts(&ctx.case_id)?;
        let mut total = 0u64;
        let rendered = report_pdf::render(
            ctx,
            Origin::Bundle(&ctx.bag),
            (&facts, &mut |each| {
                self.for_each_exhibit(&ctx.case_id, &ctx.prefix, &mut |ex| {
                    total += ex.view.record.artifacts.iter().map(|a| a.size).sum::<u64>();
                    each(ex)
                })
            }),
            usize::try_from(events).unwrap_or(usize::MAX),
            report,
            &mut self.report_reader(),
        )?;
        let write_err = |source| ExportError::Write {
            path: PathBuf::from(format::REPORT_PDF),
            source,
        };
        let mut pdf = Scratch::new(dir).map_err(write_err)?;
        pdf.write_all(&rendered.pdf).map_err(write_err)?;
        Ok((pdf, total))
    }
}

/// What writing a bag produced.
struct Written {
    manifest_sha: String,
    tag_sha: String,
    zip_sha: String,
    payload_bytes: u64,
    timestamp: Option<BundleTimestamp>,
    /// How many exhibits were written.
    count: usize,
    /// The export event's `exhibits` member, `[{"item_id","ref"}…]` in canonical form:
    /// as `Value`s they would be the largest thing an export of 50,000 holds.
    exhibits: Vec<u8>,
    /// The exhibits with a trusted timestamp: reference and item id.
    stamped: Vec<(String, String)>,
}

/// Asks for a token over the tag manifest and, if it verifies, adds it to the bag.
fn stamp_bundle(
    w: &mut BagWriter<'_>,
    stamper: &Stamper,
    tag: &[u8],
) -> Result<BundleTimestamp, ExportError> {
    let imprint: [u8; 32] = Sha256::digest(tag).into();
    let got = (stamper.0)(&imprint).and_then(|got| {
        let chain = crate::timestamp_token::certificates_from_pem(got.chain_pem.as_bytes())
            .map_err(|e| e.to_string())?;
        let verified =
            crate::timestamp_token::verify_stored(&got.token, &imprint, &chain).map_err(|e| e.to_string())?;
        Ok((got, verified))
    });
    Ok(match got {
        Ok((got, verified)) => {
            let at = |ext: &str| format!("{}{}.{ext}", stamps::DIR, stamps::BUNDLE_STEM);
            w.add(&at("tsr"), &got.token, false)?;
            w.add(&at("chain.pem"), got.chain_pem.as_bytes(), true)?;
            BundleTimestamp::Stamped {
                tsa: got.tsa,
                gen_time: verified.gen_time,
            }
        }
        Err(why) => BundleTimestamp::Failed { why },
    })
}

/// Facts about the bag that every generated file repeats.
pub(super) struct BagContext {
    pub bag: String,
    pub case_id: String,
    pub case_title: String,
    pub prefix: String,
    pub exported_at: String,
    pub fingerprint: String,
    /// What the bundle says about a no-images case (docs/safeguarding.md), if it is one.
    pub no_images: Option<String>,
}

fn bag_info(ctx: &BagContext, octets: u64, files: u64, items: usize) -> String {
    let date = ctx.exported_at.get(..10).unwrap_or("");
    [
        ("Bagging-Date", date.to_owned()),
        ("Payload-Oxum", format!("{octets}.{files}")),
        (
            "Bag-Software-Agent",
            format!("safekeep-core {}", env!("CARGO_PKG_VERSION")),
        ),
        ("External-Identifier", ctx.case_id.clone()),
        ("External-Description", format::one_line(&ctx.case_title)),
        ("Safekeep-Bundle-Version", format::BUNDLE_VERSION.to_string()),
        ("Safekeep-Exhibit-Prefix", ctx.prefix.clone()),
        ("Safekeep-Export-Time", ctx.exported_at.clone()),
        ("Safekeep-Key-Fingerprint", ctx.fingerprint.clone()),
        ("Safekeep-Item-Count", items.to_string()),
    ]
    .iter()
    .chain(
        ctx.no_images
            .as_ref()
            .map(|why| ("Safekeep-No-Images-Case", format::one_line(why)))
            .iter(),
    )
    .map(|(k, v)| format!("{k}: {v}\n"))
    .collect()
}

fn metadata_json(ex: &Exhibit) -> String {
    let r = &ex.view.record;
    let files: Vec<_> = r
        .artifacts
        .iter()
        .zip(&ex.files)
        .enumerate()
        .map(|(i, (a, name))| {
            let mut f = json!({"name": name, "role": a.role, "media_type": a.media_type, "size": a.size, "sha256": a.sha256});
            if let Some((_, pdq)) = ex.view.pdq.iter().find(|(idx, _)| *idx as usize == i) {
                f["pdq"] = pdq.hex().into();
                f["pdq_quality"] = pdq.quality.into();
            }
            if let Some((_, frames)) = ex.view.vpdq.iter().find(|(idx, _)| *idx as usize == i) {
                f["vpdq"] = crate::vault::vpdq_json(frames);
            }
            f
        })
        .collect();
    let meta = json!({
        "bundle_format": format::BUNDLE_VERSION,
        "exhibit": ex.reference,
        "folder": ex.folder,
        "files": files,
        "item": r,
        "annotations": ex.view.annotations,
    });
    let mut text = serde_json::to_string_pretty(&meta).unwrap_or_default();
    text.push('\n');
    text
}
