//! Sealed scratch files: what an export writes before it can place it in the zip, so
//! that no part of a case of any size is held in memory (the PDF report, the two halves
//! of the HTML report, the statement's paragraphs, the payload manifest).
//!
//! Invariants: each file is anonymous (unlinked from the start where the system allows,
//! and deleted when closed otherwise), so nothing is left after a crash; it lives in the
//! vault's own `tmp/` folder, on the vault's disk; and it is sealed (docs/security.md
//! § "Sealed blobs") under a key made at random for that file and held only in memory,
//! so nothing about the case reaches the disk in the clear, even from an unencrypted
//! vault's export (whose bundle is the only thing it means to write).

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use rand::RngCore;

use crate::sealed_blob::{BlobKey, SealReader, SealWriter};

/// A scratch file being written.
pub(super) struct Scratch {
    sealed: SealWriter<File>,
    key: BlobKey,
    len: u64,
}

/// A finished scratch file, read from its start.
pub(super) struct ScratchReader {
    inner: SealReader<BufReader<File>>,
}

impl Scratch {
    /// Starts a scratch file in `dir` (created if missing).
    pub fn new(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let file = tempfile::tempfile_in(dir)?;
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let key = BlobKey::new(key);
        Ok(Self {
            sealed: SealWriter::new(file, &key)?,
            key,
            len: 0,
        })
    }

    /// Seals what was written and opens it for reading from the start.
    pub fn finish(self) -> io::Result<(ScratchReader, u64)> {
        let file = self.sealed.finish()?;
        let inner = SealReader::new(BufReader::with_capacity(64 << 10, file), &self.key)?;
        Ok((ScratchReader { inner }, self.len))
    }
}

impl Write for Scratch {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.sealed.write(data)?;
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sealed.flush()
    }
}

impl Read for ScratchReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_written_and_leaves_nothing_in_the_clear_or_behind() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tmp = dir.path().join("tmp");
        let mut s = Scratch::new(&tmp).expect("scratch file");
        let line = b"AB/1  a secret title that must not be on disk\n";
        for _ in 0..5000 {
            s.write_all(line).expect("written");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            // Anonymous: no name in the folder while it is written. (On Windows the file
            // has a name until it is closed, when the system deletes it.)
            assert_eq!(std::fs::read_dir(&tmp).expect("folder listed").count(), 0);
            let file = s.sealed.get_ref();
            let mut on_disk = vec![0u8; 1 << 20];
            let n = file.read_at(&mut on_disk, 0).expect("read back");
            assert!(n > 64 << 10, "the sealed chunks are on disk");
            let on_disk = &on_disk[..n];
            assert!(!on_disk.windows(10).any(|w| w == b"secret tit"));
        }
        let (mut r, len) = s.finish().expect("sealed");
        let mut back = Vec::new();
        r.read_to_end(&mut back).expect("unsealed");
        assert_eq!(len, 5000 * line.len() as u64);
        assert_eq!(len, back.len() as u64);
        assert_eq!(back, line.repeat(5000));
        drop(r);
        assert_eq!(std::fs::read_dir(&tmp).expect("folder listed").count(), 0);
    }
}
