//! The zip a bag is written into: entries in order, each hashed as it is streamed, with
//! the payload and tag manifests and the Payload-Oxum kept as they go.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Timelike};
use sha2::{Digest, Sha256};
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

/// Text smaller than this is stored, not deflated. Why: each deflated entry costs a
/// compressor reset (hundreds of KiB zeroed) and the compressing itself, which made a
/// case of 10,000 short messages export at 12× `zip -0 -r`; deflating a few KiB saves a
/// few KiB. Larger text (the audit log, reports, long pages) is still deflated.
pub(super) const DEFLATE_FROM: u64 = 16 << 10;

use super::context::BagContext;
use super::encrypted_output::Output;
use super::error::ExportError;
use super::format;
use super::scratch::Scratch;

/// Writes bag entries in order, keeping the manifests and the Payload-Oxum.
pub(super) struct BagWriter<'a> {
    pub zip: ZipWriter<StreamWriter<Output>>,
    ctx: &'a BagContext,
    time: zip::DateTime,
    /// The payload manifest's lines, in a sealed scratch file: two lines an exhibit,
    /// ≈ 17 MB at 50,000 exhibits if held.
    manifest: Option<Scratch>,
    pub tag_manifest: Vec<(String, String)>,
    pub oxum_bytes: u64,
    pub oxum_count: u64,
    /// The copy buffer, made once: a fresh 1 MiB buffer per entry was most of the cost
    /// of exporting many small files.
    buf: Vec<u8>,
}

/// Hashes and counts what is written through it into the zip entry.
struct Hashing<'w, W: Write> {
    inner: &'w mut W,
    hasher: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.hasher.update(&data[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<'a> BagWriter<'a> {
    /// Starts the zip; `scratch` is where the manifest is gathered.
    pub fn new(output: Output, ctx: &'a BagContext, scratch: &Path) -> Result<Self, ExportError> {
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
            manifest: Some(Scratch::new(scratch).map_err(|source| ExportError::Write {
                path: scratch.to_owned(),
                source,
            })?),
            tag_manifest: Vec::new(),
            oxum_bytes: 0,
            oxum_count: 0,
            buf: vec![0u8; 1 << 20],
        })
    }

    fn options(&self, deflate: bool, size: u64) -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(if deflate && size >= DEFLATE_FROM {
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
        self.tag(path, &sha);
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
        let opts = self.options(deflate, size_hint);
        self.add_entry(path, src, opts, progress)
    }

    /// Options for a file Safekeep generated: text of [`DEFLATE_FROM`] or more deflated
    /// at the fastest level (docs/bundle-format.md). Why the fastest: these are the
    /// large text of a large case (the audit log, the HTML report, the statement draft,
    /// the manifest); at 10,000 items level 1 took ≈ 15 % less time for a bundle
    /// ≈ 1.3 % larger than level 6.
    fn generated_options(&self, deflate: bool, size: u64) -> SimpleFileOptions {
        let opts = self.options(deflate, size);
        if deflate && size >= DEFLATE_FROM {
            opts.compression_level(Some(1))
        } else {
            opts
        }
    }

    fn add_entry(
        &mut self,
        path: &str,
        src: &mut dyn Read,
        opts: SimpleFileOptions,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(String, u64), ExportError> {
        let io_err = |source| ExportError::Write {
            path: PathBuf::from(path),
            source,
        };
        self.zip
            .start_file(format!("{}/{path}", self.ctx.bag), opts)
            .map_err(|e| io_err(io::Error::other(e)))?;
        let mut hasher = Sha256::new();
        let mut n_total = 0u64;
        loop {
            let n = match src.read(&mut self.buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err(e)),
            };
            hasher.update(&self.buf[..n]);
            self.zip.write_all(&self.buf[..n]).map_err(io_err)?;
            n_total += n as u64;
            progress(n_total);
        }
        let sha = hex::encode(hasher.finalize());
        self.record(path, &sha, n_total)?;
        Ok((sha, n_total))
    }

    /// Adds a generated file that `write` streams into the entry (a report of a large
    /// case is never held whole in memory), and returns its SHA-256.
    pub fn add_generated(
        &mut self,
        path: &str,
        deflate: bool,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<String, ExportError> {
        let io_err = |source| ExportError::Write {
            path: PathBuf::from(path),
            source,
        };
        // Text of unknown length: deflated when asked, never ZIP64.
        let opts = self.generated_options(deflate, DEFLATE_FROM);
        self.zip
            .start_file(format!("{}/{path}", self.ctx.bag), opts)
            .map_err(|e| io_err(io::Error::other(e)))?;
        let mut out = Hashing {
            inner: &mut self.zip,
            hasher: Sha256::new(),
            len: 0,
        };
        write(&mut out).map_err(io_err)?;
        let (sha, len) = (hex::encode(out.hasher.finalize()), out.len);
        self.record(path, &sha, len)?;
        self.tag(path, &sha);
        Ok(sha)
    }

    /// Adds a finished scratch file, at its exact length (so small text is stored), and
    /// returns its SHA-256; a tag file goes in the tag manifest.
    pub fn add_scratch(
        &mut self,
        path: &str,
        scratch: Scratch,
        deflate: bool,
    ) -> Result<String, ExportError> {
        let (mut bytes, len) = scratch.finish().map_err(|source| ExportError::Write {
            path: PathBuf::from(path),
            source,
        })?;
        let (sha, _) = self.add_entry(
            path,
            &mut bytes,
            self.generated_options(deflate, len),
            &mut |_| {},
        )?;
        self.tag(path, &sha);
        Ok(sha)
    }

    /// Adds `manifest-sha256.txt`, which closes the payload: returns its SHA-256.
    pub fn add_manifest(&mut self) -> Result<String, ExportError> {
        let io_err = |source| ExportError::Write {
            path: PathBuf::from(format::MANIFEST),
            source,
        };
        let scratch = self
            .manifest
            .take()
            .ok_or_else(|| io_err(io::Error::other("the manifest was already written")))?;
        self.add_scratch(format::MANIFEST, scratch, true)
    }

    /// Lists a tag file of [`format::TAG_FILES`] in the tag manifest.
    fn tag(&mut self, path: &str, sha: &str) {
        if format::TAG_FILES.contains(&path) {
            self.tag_manifest.push((sha.to_owned(), path.to_owned()));
        }
    }

    fn record(&mut self, path: &str, sha: &str, len: u64) -> Result<(), ExportError> {
        if path.starts_with("data/") {
            let line = format::manifest_line(sha, path);
            self.manifest
                .as_mut()
                .ok_or_else(|| io::Error::other("the manifest was already written"))
                .and_then(|m| m.write_all(line.as_bytes()))
                .map_err(|source| ExportError::Write {
                    path: PathBuf::from(path),
                    source,
                })?;
            self.oxum_bytes += len;
            self.oxum_count += 1;
        }
        Ok(())
    }
}
