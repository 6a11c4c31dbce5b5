//! The bundle writer: a case as a signed, zipped BagIt bag (docs/bundle-format.md), from
//! an exhibit source (`source.rs`; the vault's side is `vault/export.rs`).
//!
//! Streams every original from the source into the zip exactly once, re-hashing it on
//! the way so that a damaged blob can never be exported as evidence; hashes the zip as it
//! is written; writes to `<out>.part` and renames only when complete, so a failed export
//! leaves nothing behind. Recording the export (`bundle.exported`) is the vault's.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::bag_writer::BagWriter;
use super::context::BagContext;
use super::encrypted::BundleEncryption;
use super::encrypted_output::Output;
pub use super::error::{ExportError, SourceError};
use super::exhibits::Exhibit;
use super::format::{self, AUDIT_LOG, BAGIT_TXT, PUBLIC_KEY, REPORT, SIGNATURE, TAG_MANIFEST};
use super::report::HtmlReport;
use super::report_pdf::{self, Origin, ReportOptions};
use super::scratch::Scratch;
use super::source::ExhibitSource;
use super::statement::StatementDraft;
use super::timestamps::{self as stamps, ReadmeStamps, Stamper};
use super::{output, readme};
use crate::canonical;

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

/// Writes the bundle of `ctx`'s case to `out` from `source`: into `<out>.part`, renamed
/// to `out` only once complete and flushed, so a failure leaves nothing behind. The
/// caller holds the source steady (the vault: one read transaction) for the whole call.
pub(crate) fn write_bundle(
    source: &dyn ExhibitSource,
    ctx: &BagContext,
    count: usize,
    options: &ExportOptions,
    progress: &mut dyn FnMut(ExportProgress),
) -> Result<Written, ExportError> {
    let out = &options.out;
    if out.exists() {
        return Err(ExportError::Exists(out.clone()));
    }
    let part = output::part_path(out);
    let write_err = |source| ExportError::Write {
        path: out.clone(),
        source,
    };
    let file = crate::private_file::create_new(&part).map_err(write_err)?;
    let written = Output::new(file, options.encryption.as_ref())
        .map_err(ExportError::from)
        .and_then(|output| write_bag(source, output, ctx, count, options, progress));
    match written {
        Ok(w) => {
            output::publish(&part, out).map_err(write_err)?;
            Ok(w)
        }
        Err(e) => {
            output::discard(&part);
            Err(e)
        }
    }
}

/// Removes a bundle [`write_bundle`] wrote, when what must follow it (recording the
/// export in the case's log) failed: a bundle the log does not know must not stay.
pub(crate) fn withdraw_written(out: &std::path::Path) {
    output::discard(out);
}

/// Writes the whole bag. The PDF report is made first, by a walk of its own over the
/// exhibits, into a sealed scratch file, so that its layout is gone before the zip's
/// entry table grows; then one walk writes every exhibit's files, while what comes
/// after the payload (the HTML report, the statement draft, the README's timestamp
/// lines, the manifest) gathers in sealed scratch files. One page of exhibits is held
/// at a time (docs/performance.md § "Export at scale").
fn write_bag(
    source: &dyn ExhibitSource,
    file: Output,
    ctx: &BagContext,
    count: usize,
    options: &ExportOptions,
    progress: &mut dyn FnMut(ExportProgress),
) -> Result<Written, ExportError> {
    let timestamper = options.timestamper.as_ref();
    // Read inside the snapshot, so the reports count the events the audit log holds.
    let events = source.event_count(&ctx.case_id)?;
    let scratch = source.scratch_dir();
    let io_err = |source| ExportError::Write {
        path: PathBuf::from(&ctx.bag),
        source,
    };
    let zip_err = |e: zip::result::ZipError| io_err(io::Error::other(e));
    let (pdf, total) = report_to_scratch(source, ctx, events, options.report, &scratch)?;
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
    let written = source.for_each_exhibit(&ctx.case_id, &ctx.prefix, &mut |ex| {
        write_exhibit(source, &mut w, &ex, (&mut done, total), progress)?;
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
    w.add_generated(AUDIT_LOG, true, |out| source.write_audit_log(&ctx.case_id, out))?;
    let mut handovers = source.handover_files(&ctx.case_id)?;
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
    let handover_lines = readme::handover_section(&source.handovers(&ctx.case_id)?);
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
    w.add(PUBLIC_KEY, source.public_key_pem().as_bytes(), true)?;
    w.add(SIGNATURE, &source.sign(tag.as_bytes()), false)?;
    for (reference, item_id) in &stamped {
        let token = source.exhibit_token(item_id)?.ok_or_else(|| {
            io_err(io::Error::other(format!(
                "the trusted timestamp of exhibit {reference} could not be read again"
            )))
        })?;
        let at = |ext: &str| format!("{}{}.{ext}", stamps::DIR, stamps::stem(reference));
        w.add(&at("tsr"), &token.token, false)?;
        w.add(&at("commitment"), &token.commitment, true)?;
        w.add(&at("chain.pem"), token.chain_pem.as_bytes(), true)?;
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
    source: &dyn ExhibitSource,
    w: &mut BagWriter<'_>,
    ex: &Exhibit,
    (done, total): (&mut u64, u64),
    progress: &mut dyn FnMut(ExportProgress),
) -> Result<(), ExportError> {
    let mut open = source.artifact_opener(&ex.view.record.id)?;
    for (i, (a, name)) in ex.view.record.artifacts.iter().zip(&ex.files).enumerate() {
        let damaged = |problem: String| ExportError::Damaged {
            item_id: ex.view.record.id.clone(),
            artifact: i + 1,
            problem,
        };
        let mut src = open(i).map_err(damaged)?;
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
    source: &dyn ExhibitSource,
    ctx: &BagContext,
    events: u64,
    report: ReportOptions,
    dir: &std::path::Path,
) -> Result<(Scratch, u64), ExportError> {
    let facts = source.case_facts(&ctx.case_id)?;
    let mut total = 0u64;
    let rendered = report_pdf::render(
        ctx,
        Origin::Bundle(&ctx.bag),
        (&facts, &mut |each| {
            source.for_each_exhibit(&ctx.case_id, &ctx.prefix, &mut |ex| {
                total += ex.view.record.artifacts.iter().map(|a| a.size).sum::<u64>();
                each(ex)
            })
        }),
        usize::try_from(events).unwrap_or(usize::MAX),
        report,
        &mut |ex, i, cap| source.artifact_bytes(&ex.view.record.id, i, cap),
    )?;
    let write_err = |source| ExportError::Write {
        path: PathBuf::from(format::REPORT_PDF),
        source,
    };
    let mut pdf = Scratch::new(dir).map_err(write_err)?;
    pdf.write_all(&rendered.pdf).map_err(write_err)?;
    Ok((pdf, total))
}

/// What writing a bag produced.
pub(crate) struct Written {
    pub manifest_sha: String,
    pub tag_sha: String,
    pub zip_sha: String,
    pub payload_bytes: u64,
    pub timestamp: Option<BundleTimestamp>,
    /// How many exhibits were written.
    pub count: usize,
    /// The export event's `exhibits` member, `[{"item_id","ref"}…]` in canonical form:
    /// as `Value`s they would be the largest thing an export of 50,000 holds.
    pub exhibits: Vec<u8>,
    /// The exhibits with a trusted timestamp: reference and item id.
    pub stamped: Vec<(String, String)>,
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
                f["vpdq"] = crate::item_view::vpdq_json(frames);
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
