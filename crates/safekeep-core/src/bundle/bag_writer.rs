//! The zip a bag is written into: entries in order, each hashed as it is streamed, with
//! the payload and tag manifests and the Payload-Oxum kept as they go.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use chrono::{Datelike, Timelike};
use sha2::{Digest, Sha256};
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

use super::encrypted::Output;
use super::export::{BagContext, ExportError};
use super::format;

/// Writes bag entries in order, keeping the manifests and the Payload-Oxum.
pub(super) struct BagWriter<'a> {
    pub zip: ZipWriter<StreamWriter<Output>>,
    ctx: &'a BagContext,
    time: zip::DateTime,
    pub manifest: Vec<(String, String)>,
    pub tag_manifest: Vec<(String, String)>,
    pub oxum_bytes: u64,
    pub oxum_count: u64,
}

impl<'a> BagWriter<'a> {
    pub fn new(output: Output, ctx: &'a BagContext) -> Result<Self, ExportError> {
        let t = chrono::DateTime::parse_from_rfc3339(&ctx.exported_at).ok();
        let time = t
            .and_then(|t| {
                zip::DateTime::from_date_and_time(
                    u16::try_from(t.year()).ok()?,
                    t.month() as u8,
                    t.day() as u8,
                    t.hour() as u8,
                    t.minute() as u8,
                    t.second() as u8,
                )
                .ok()
            })
            .unwrap_or_default();
        Ok(Self {
            zip: ZipWriter::new_stream(output),
            ctx,
            time,
            manifest: Vec::new(),
            tag_manifest: Vec::new(),
            oxum_bytes: 0,
            oxum_count: 0,
        })
    }

    fn options(&self, deflate: bool, size: u64) -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(if deflate {
                CompressionMethod::Deflated
            } else {
                CompressionMethod::Stored
            })
            .last_modified_time(self.time)
            .unix_permissions(0o644)
            .large_file(size >= u64::from(u32::MAX))
    }

    /// Adds a small in-memory file and returns its SHA-256. Files under `data/` go in the
    /// payload manifest, the tag files of [`format::TAG_FILES`] in the tag manifest.
    pub fn add(&mut self, path: &str, bytes: &[u8], deflate: bool) -> Result<String, ExportError> {
        let (sha, _) = self.add_stream(path, &mut &bytes[..], bytes.len() as u64, deflate, &mut |_| {})?;
        if format::TAG_FILES.contains(&path) {
            self.tag_manifest.push((sha.clone(), path.to_owned()));
        }
        Ok(sha)
    }

    /// Streams one entry into the zip, returning its SHA-256 and length.
    pub fn add_stream(
        &mut self,
        path: &str,
        src: &mut dyn Read,
        size_hint: u64,
        deflate: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(String, u64), ExportError> {
        let io_err = |source| ExportError::Write {
            path: PathBuf::from(path),
            source,
        };
        let opts = self.options(deflate, size_hint);
        self.zip
            .start_file(format!("{}/{path}", self.ctx.bag), opts)
            .map_err(|e| io_err(io::Error::other(e)))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut n_total = 0u64;
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err(e)),
            };
            hasher.update(&buf[..n]);
            self.zip.write_all(&buf[..n]).map_err(io_err)?;
            n_total += n as u64;
            progress(n_total);
        }
        let sha = hex::encode(hasher.finalize());
        if path.starts_with("data/") {
            self.manifest.push((sha.clone(), path.to_owned()));
            self.oxum_bytes += n_total;
            self.oxum_count += 1;
        }
        Ok((sha, n_total))
    }
}
