//! Encrypted staging for what Safekeep's browser records before it is sealed: response
//! bodies as they stream in, then the WARC and WACZ written from them. A page with a
//! 200 MiB video must not need 200 MiB (or several copies of it) in memory, and what a
//! logged-in page showed must never sit on disk in the clear.
//!
//! Invariants: every spooled file is a sealed blob (`safekeep_core::sealed_blob`,
//! authenticated chunks) under a key made at random when the spool is created and held
//! only in memory, so a file left behind by a crash cannot be read by anyone. The folder
//! is private (0700 on Unix) under the user's cache folder (`~/.cache/safekeep/spool` on
//! Linux: on disk, where the system's temporary folder and the runtime folder the
//! profile lives in are often RAM-backed), else the temporary folder; it is deleted with
//! the last file that refers to it, and each file when the last handle to it is dropped.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngCore;
use safekeep_core::run_folder::RunFolder;
use safekeep_core::sealed_blob::{BlobKey, SealReader, SealWriter};

/// A private folder of sealed files under a key only this process holds.
#[derive(Debug)]
pub struct Spool {
    /// A run folder: held by this process while it lives, swept by the next run after a
    /// crash, removed by quick exit ([`safekeep_core::run_folder`]).
    dir: RunFolder,
    key: BlobKey,
    next: AtomicU64,
}

impl Spool {
    /// Makes the folder and the key.
    pub fn new() -> io::Result<Arc<Self>> {
        let on_disk = safekeep_core::paths::spool()
            .and_then(|base| private_dir(&base).ok().map(|()| base))
            .and_then(|base| RunFolder::new_in(&base, "spool").ok());
        let dir = match on_disk {
            Some(dir) => dir,
            None => RunFolder::new_in(&std::env::temp_dir(), "spool")?,
        };
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let spool = Self {
            dir,
            key: BlobKey::new(key),
            next: AtomicU64::new(0),
        };
        key.fill(0);
        Ok(Arc::new(spool))
    }

    /// Where its files are.
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Starts a new sealed file.
    pub fn create(self: &Arc<Self>) -> io::Result<SpoolWriter> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.path().join(format!("{n}.sealed"));
        let file = File::options().write(true).create_new(true).open(&path)?;
        let handle = Spooled(Arc::new(SpooledFile {
            path,
            len: 0,
            spool: Arc::clone(self),
        }));
        Ok(SpoolWriter {
            sealed: Some(SealWriter::new(Owned { file, handle }, &self.key)?),
            written: 0,
        })
    }

    /// Spools `bytes` as one file.
    pub fn put(self: &Arc<Self>, bytes: &[u8]) -> io::Result<Spooled> {
        let mut w = self.create()?;
        w.write_all(bytes)?;
        w.finish()
    }
}

/// Makes `dir` (and its parents) with only the owner allowed in (0700 on Unix from the
/// moment it exists).
pub(crate) fn private_dir(dir: &std::path::Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The writer a spooled file is made through: the sealed blob's writer over the file,
/// holding the file's handle so that an abandoned writer deletes what it wrote.
struct Owned {
    file: File,
    handle: Spooled,
}

impl Write for Owned {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A sealed file being written. Dropped without [`SpoolWriter::finish`], it is deleted.
pub struct SpoolWriter {
    sealed: Option<SealWriter<Owned>>,
    written: u64,
}

impl std::fmt::Debug for SpoolWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpoolWriter")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl SpoolWriter {
    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Seals the last chunk; the file can then be read back.
    pub fn finish(mut self) -> io::Result<Spooled> {
        let sealed = self
            .sealed
            .take()
            .ok_or_else(|| io::Error::other("the spooled file was already finished"))?;
        let owned = sealed.finish()?;
        let mut inner = Arc::try_unwrap(owned.handle.0)
            .map_err(|_| io::Error::other("a spooled file is still shared while written"))?;
        inner.len = self.written;
        Ok(Spooled(Arc::new(inner)))
    }
}

impl Write for SpoolWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let sealed = self
            .sealed
            .as_mut()
            .ok_or_else(|| io::Error::other("the spooled file was already finished"))?;
        sealed.write_all(buf)?;
        self.written += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug)]
struct SpooledFile {
    path: PathBuf,
    len: u64,
    /// Keeps the folder (and the key) alive while the file is.
    spool: Arc<Spool>,
}

impl Drop for SpooledFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A finished sealed file; cloning shares it, and the last handle dropped deletes it.
#[derive(Debug, Clone)]
pub struct Spooled(Arc<SpooledFile>);

impl Spooled {
    /// Its length in bytes (before sealing).
    pub fn len(&self) -> u64 {
        self.0.len
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    /// Reads it back, every byte authenticated.
    pub fn open(&self) -> io::Result<SealReader<BufReader<File>>> {
        let file = File::open(&self.0.path)?;
        SealReader::new(BufReader::with_capacity(64 << 10, file), &self.0.spool.key)
    }
}

/// A recorded body: kept in memory (small, or handed over whole by the browser) or
/// spooled as it streamed in.
#[derive(Debug, Clone)]
pub enum Body {
    /// The bytes themselves.
    Memory(Vec<u8>),
    /// A sealed file in the spool.
    Spooled(Spooled),
    /// Sealed files in the spool, one after the other: a body still arriving when a
    /// capture took what had come so far (its stream goes on in a new file).
    Parts(Vec<Spooled>),
}

impl Body {
    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Self::Memory(b) => b.len() as u64,
            Self::Spooled(s) => s.len(),
            Self::Parts(p) => p.iter().map(Spooled::len).sum(),
        }
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Its bytes, streamed.
    pub fn reader(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        Ok(match self {
            Self::Memory(b) => Box::new(b.as_slice()),
            Self::Spooled(s) => Box::new(s.open()?),
            Self::Parts(p) => Box::new(PartsReader {
                parts: p.iter(),
                current: None,
            }),
        })
    }

    /// Whether it was streamed into the spool as it arrived (or put there whole).
    pub fn is_spooled(&self) -> bool {
        !matches!(self, Self::Memory(_))
    }

    /// Its bytes in memory (for small bodies a caller inspects, e.g. in tests).
    pub fn to_vec(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(usize::try_from(self.len()).unwrap_or(0));
        self.reader()?.read_to_end(&mut out)?;
        Ok(out)
    }
}

/// Reads parts one after the other, opening each when the one before is done.
struct PartsReader<'a> {
    parts: std::slice::Iter<'a, Spooled>,
    current: Option<SealReader<BufReader<File>>>,
}

impl Read for PartsReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.current.is_none() {
                match self.parts.next() {
                    Some(part) => self.current = Some(part.open()?),
                    None => return Ok(0),
                }
            }
            let n = self.current.as_mut().map_or(Ok(0), |r| r.read(buf))?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            self.current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spooled_file_reads_back_is_sealed_and_goes_with_its_last_handle() {
        let spool = Spool::new().expect("spool");
        let dir = spool.dir.path().to_path_buf();
        let secret = b"session=abc123 the page's words".repeat(5000);
        let mut w = spool.create().expect("create");
        for chunk in secret.chunks(777) {
            w.write_all(chunk).expect("write");
        }
        let file = w.finish().expect("finish");
        assert_eq!(file.len(), secret.len() as u64);
        let on_disk = std::fs::read(&file.0.path).expect("read");
        assert!(
            !on_disk.windows(14).any(|w| w == b"session=abc123"),
            "spooled in the clear"
        );
        let body = Body::Spooled(file.clone());
        assert_eq!(body.to_vec().expect("read back"), secret);
        let path = file.0.path.clone();
        drop(body);
        assert!(path.exists(), "deleted while a handle remained");
        drop(file);
        assert!(!path.exists(), "left behind after the last handle");
        drop(spool);
        assert!(!dir.exists(), "the spool folder was left behind");
    }

    #[test]
    fn parts_read_as_one_body() {
        let spool = Spool::new().expect("spool");
        let parts = vec![
            spool.put(b"first ").expect("put"),
            spool.put(b"").expect("put"),
            spool.put(&[b'x'; 70_000]).expect("put"),
        ];
        let body = Body::Parts(parts);
        assert_eq!(body.len(), 6 + 70_000);
        let mut expected = b"first ".to_vec();
        expected.extend([b'x'; 70_000]);
        assert_eq!(body.to_vec().expect("read"), expected);
    }

    #[test]
    fn an_abandoned_writer_leaves_nothing() {
        let spool = Spool::new().expect("spool");
        let mut w = spool.create().expect("create");
        w.write_all(&[7u8; 100_000]).expect("write");
        drop(w);
        let left: Vec<_> = std::fs::read_dir(spool.dir.path())
            .expect("list")
            .flatten()
            .filter(|e| e.file_name() != safekeep_core::run_folder::LOCK)
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
