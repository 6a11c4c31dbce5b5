//! Originals on disk: `blobs/ab/cdef…`, written crash-safely, named by a keyed hash.
//!
//! Invariants (docs/vault.md § "Blob store"):
//! - A blob's name is `hex(HMAC-SHA-256(vault name key, SHA-256(content)))`, never the bare
//!   content hash, so the folder does not reveal which known images it holds.
//! - A blob is streamed into `tmp/`, hashed while it is written, fsynced, and only then
//!   renamed into `blobs/`; the directory is fsynced after the rename. A crash leaves at
//!   most a stray file in `tmp/` or an unreferenced blob, both found by `check`.
//! - Memory use does not depend on the blob's size.
//! - In an encrypted vault every blob, staged or stored, is a sealed blob
//!   ([`crate::sealed_blob`]); plaintext never touches the disk.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::sealed_blob::{BlobKey, SealReader, SealWriter};

/// Bytes read and written per step. Large enough to amortise system calls, small enough
/// that the pipeline's few buffers keep memory flat.
const CHUNK: usize = 1 << 20;
/// Chunks in flight between the hashing reader and the writer thread.
const DEPTH: usize = 16;
/// Bytes written between early flushes to disk. Flushing as we go keeps the final fsync
/// short and overlaps disk writes with hashing, instead of paying for them all at the end.
const FLUSH_EVERY: u64 = 64 << 20;
/// Sources up to this size are staged in one step by [`BlobStore::stage_sized`].
pub const SMALL: usize = 1 << 20;
/// How much of the start of a blob is kept for media-type sniffing.
pub const HEAD_LEN: usize = 8192;

/// A blob streamed into `tmp/`, not yet in the store.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    file: File,
    durable: bool,
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
    /// Content length in bytes.
    pub size: u64,
    /// The first bytes of the content, for sniffing its media type.
    pub head: Vec<u8>,
}

impl Staged {
    /// Path of the staged copy.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Flushes the staged copy to disk. [`BlobStore::commit_many`] does this itself when it
    /// has not been done; calling it earlier lets the flush overlap other work.
    pub fn make_durable(&mut self) -> io::Result<()> {
        if !self.durable {
            self.file.sync_all()?;
            self.durable = true;
        }
        Ok(())
    }
}

/// The vault's blob folder.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    name_key: Zeroizing<[u8; 32]>,
    seal: Option<BlobKey>,
}

/// A blob opened for reading: the original bytes, decrypted if the vault is encrypted.
pub enum BlobReader {
    /// A blob of an unencrypted vault.
    Plain(File),
    /// A sealed blob; every byte returned has been authenticated.
    Sealed(Box<SealReader<File>>),
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(f) => f.read(buf),
            Self::Sealed(r) => r.read(buf),
        }
    }
}

impl BlobStore {
    /// Opens the store under the vault folder `root` with the vault's name key, and the
    /// blob key when the vault is encrypted.
    pub fn new(root: &Path, name_key: Zeroizing<[u8; 32]>, seal: Option<BlobKey>) -> Self {
        Self {
            root: root.to_path_buf(),
            name_key,
            seal,
        }
    }

    /// The blob-name key (kept when a vault is encrypted, so names do not change).
    pub(crate) fn seal_key(&self) -> Option<&BlobKey> {
        self.seal.as_ref()
    }

    pub(crate) fn name_key(&self) -> &Zeroizing<[u8; 32]> {
        &self.name_key
    }

    /// Whether blobs are sealed.
    pub fn is_sealed(&self) -> bool {
        self.seal.is_some()
    }

    /// The folder holding blobs.
    pub fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs")
    }

    /// The folder holding blobs being written.
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Returns the keyed name of content whose SHA-256 is `sha256`.
    pub fn name_for(&self, sha256: &[u8; 32]) -> String {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.name_key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(sha256);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Returns where the blob called `name` lives.
    pub fn path_of(&self, name: &str) -> PathBuf {
        let (dir, rest) = name.split_at(2.min(name.len()));
        self.blobs_dir().join(dir).join(rest)
    }

    /// Streams `src` into a new file in `tmp/` named `tmp_id`, hashing while writing.
    /// `progress` is called with the bytes copied so far.
    pub fn stage(
        &self,
        src: &mut dyn Read,
        tmp_id: &str,
        progress: &mut dyn FnMut(u64),
    ) -> io::Result<Staged> {
        let tmp = self.tmp_dir().join(format!("{tmp_id}.part"));
        let file = crate::private_file::create_new(&tmp)?;
        let result =
            copy_hashing(src, file, self.seal.as_ref(), progress).map(|(file, sha256, size, head)| Staged {
                tmp: tmp.clone(),
                file,
                durable: false,
                sha256,
                size,
                head,
            });
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Like [`Self::stage`] for a source whose size is known: up to [`SMALL`] bytes are
    /// copied in one step on this thread (no writer thread, no pipeline buffers), which
    /// is most of the cost of staging a small file. A source that turns out larger than
    /// `size` is still copied whole, through the pipeline.
    pub fn stage_sized(
        &self,
        src: &mut dyn Read,
        tmp_id: &str,
        size: u64,
        progress: &mut dyn FnMut(u64),
    ) -> io::Result<Staged> {
        if size > SMALL as u64 {
            return self.stage(src, tmp_id, progress);
        }
        let mut buf = vec![0u8; size as usize + 1];
        let n = read_full(src, &mut buf)?;
        if n > size as usize {
            // It grew: stage what was read and the rest as one stream.
            buf.truncate(n);
            let mut rest = io::Cursor::new(buf).chain(src);
            return self.stage(&mut rest, tmp_id, progress);
        }
        buf.truncate(n);
        let tmp = self.tmp_dir().join(format!("{tmp_id}.part"));
        let file = crate::private_file::create_new(&tmp)?;
        let written = (|| {
            let mut sink = match &self.seal {
                None => Sink::Plain(file),
                Some(key) => Sink::Sealed(SealWriter::new(file, key)?),
            };
            sink.write_all(&buf)?;
            sink.finish()
        })();
        match written {
            Ok(file) => {
                progress(n as u64);
                Ok(Staged {
                    tmp,
                    file,
                    durable: false,
                    sha256: Sha256::digest(&buf).into(),
                    size: n as u64,
                    head: buf[..n.min(HEAD_LEN)].to_vec(),
                })
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Moves staged blobs into the store and returns their names in order. A blob whose
    /// content the store already holds is dropped and the existing one kept. Every
    /// directory they land in is made durable once, not once per blob.
    /// Returns their names in order. On an error, blobs already moved stay (unreferenced
    /// until committed; `check` finds them) and the rest are still staged.
    ///
    /// On Linux, several blobs are made durable with two `syncfs` calls instead of an
    /// fsync per file and per directory: one before the renames (every staged file's
    /// bytes are on disk before its name appears in `blobs/`, so a power cut can never
    /// leave a named but incomplete blob for a later import to adopt) and one after them.
    pub fn commit_many(&self, mut staged: Vec<Staged>) -> io::Result<Vec<String>> {
        let whole_disk = cfg!(target_os = "linux") && staged.iter().filter(|s| !s.durable).count() > 1;
        if whole_disk {
            sync_filesystem(&self.tmp_dir())?;
            for s in &mut staged {
                s.durable = true;
            }
        }
        let mut names = Vec::with_capacity(staged.len());
        let mut dirs = std::collections::BTreeSet::new();
        let mut new_dir = false;
        let mut rest = staged.into_iter();
        let result = (|| {
            for mut s in rest.by_ref() {
                s.make_durable()?;
                let name = self.name_for(&s.sha256);
                let dest = self.path_of(&name);
                let dir = dest.parent().map(Path::to_path_buf).unwrap_or_default();
                if !dir.exists() {
                    crate::private_file::create_dir_all(&dir)?;
                    new_dir = true;
                }
                if dest.exists() {
                    let _ = fs::remove_file(&s.tmp);
                } else {
                    fs::rename(&s.tmp, &dest)?;
                    dirs.insert(dir);
                }
                names.push(name);
            }
            if whole_disk {
                return sync_filesystem(&self.blobs_dir());
            }
            if new_dir {
                sync_dir(&self.blobs_dir())?;
            }
            for dir in &dirs {
                sync_dir(dir)?;
            }
            Ok(())
        })();
        for s in rest {
            self.discard(s);
        }
        result.map(|()| names)
    }

    /// Discards a staged blob.
    pub fn discard(&self, staged: Staged) {
        let _ = fs::remove_file(staged.tmp);
    }

    /// Opens a blob for reading.
    pub fn open(&self, name: &str) -> io::Result<BlobReader> {
        self.open_path(&self.path_of(name))
    }

    /// Opens a staged or stored blob file for reading.
    pub fn open_path(&self, path: &Path) -> io::Result<BlobReader> {
        let file = File::open(path)?;
        Ok(match &self.seal {
            None => BlobReader::Plain(file),
            Some(key) => BlobReader::Sealed(Box::new(SealReader::new(file, key)?)),
        })
    }

    /// Removes a blob; a blob that is already gone is not an error.
    pub fn remove(&self, name: &str) -> io::Result<()> {
        let path = self.path_of(name);
        match fs::remove_file(&path) {
            Ok(()) => {
                if let Some(dir) = path.parent() {
                    sync_dir(dir)?;
                }
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Lists every file in the store as `(path, blob name)`; files in `tmp/` and files whose
    /// place does not form a blob name are listed with no name.
    pub fn list(&self) -> io::Result<Vec<(PathBuf, Option<String>)>> {
        let mut out = Vec::new();
        for entry in read_dir_sorted(&self.tmp_dir())? {
            out.push((entry, None));
        }
        for dir in read_dir_sorted(&self.blobs_dir())? {
            let prefix = dir.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
            if !dir.is_dir() {
                out.push((dir, None));
                continue;
            }
            for file in read_dir_sorted(&dir)? {
                let rest = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let name = format!("{prefix}{rest}");
                let valid = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
                out.push((file.clone(), valid.then_some(name)));
            }
        }
        Ok(out)
    }
}

/// Returns the SHA-256 and length of everything `src` yields, in constant memory.
pub fn hash_stream(src: &mut dyn Read) -> io::Result<([u8; 32], u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = read_full(src, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hasher.finalize().into(), total))
}

/// Returns whether `a` and `b` yield exactly the same bytes.
pub fn same_bytes(a: &mut dyn Read, b: &mut dyn Read) -> io::Result<bool> {
    let mut x = vec![0u8; CHUNK];
    let mut y = vec![0u8; CHUNK];
    loop {
        let n = read_full(a, &mut x)?;
        let m = read_full(b, &mut y)?;
        if n != m || x[..n] != y[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// Fills `buf` as far as the reader allows; returns 0 only at the end of the stream.
fn read_full(src: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

type Copied = (File, [u8; 32], u64, Vec<u8>);

/// Where the writer thread puts bytes: the file itself, or a sealing writer over it.
enum Sink {
    Plain(File),
    Sealed(SealWriter<File>),
}

impl Sink {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Self::Plain(f) => f.write_all(data),
            Self::Sealed(w) => w.write_all(data),
        }
    }

    fn file(&self) -> &File {
        match self {
            Self::Plain(f) => f,
            Self::Sealed(w) => w.get_ref(),
        }
    }

    fn finish(self) -> io::Result<File> {
        match self {
            Self::Plain(f) => Ok(f),
            Self::Sealed(w) => w.finish(),
        }
    }
}

/// Copies `src` to `dst` while hashing: this thread reads and hashes, a second thread
/// encrypts (when `seal` is given) and writes, so the work overlaps on two cores.
fn copy_hashing(
    src: &mut dyn Read,
    dst: File,
    seal: Option<&BlobKey>,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Copied> {
    let dst = match seal {
        None => Sink::Plain(dst),
        Some(key) => Sink::Sealed(SealWriter::new(dst, key)?),
    };
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(DEPTH);
    // Buffers are made as the pipeline needs them (a few for a small file, DEPTH + 1
    // at most) and then recycled.
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    let mut made = 0usize;
    thread::scope(|scope| {
        let writer = scope.spawn(move || -> io::Result<File> {
            let mut dst = dst;
            let mut unflushed = 0u64;
            for (buf, n) in full_rx {
                dst.write_all(&buf[..n])?;
                let _ = empty_tx.send(buf);
                unflushed += n as u64;
                if unflushed >= FLUSH_EVERY {
                    dst.file().sync_data()?;
                    unflushed = 0;
                }
            }
            dst.finish()
        });
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        let mut head = Vec::new();
        let mut read_error = None;
        loop {
            let next = match empty_rx.try_recv() {
                Ok(buf) => Ok(buf),
                Err(_) if made <= DEPTH => {
                    made += 1;
                    Ok(vec![0u8; CHUNK])
                }
                Err(_) => empty_rx.recv(),
            };
            let Ok(mut buf) = next else { break };
            let n = match read_full(src, &mut buf) {
                Ok(n) => n,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            };
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            if head.len() < HEAD_LEN {
                let take = (HEAD_LEN - head.len()).min(n);
                head.extend_from_slice(&buf[..take]);
            }
            total += n as u64;
            progress(total);
            if full_tx.send((buf, n)).is_err() {
                break;
            }
        }
        drop(full_tx);
        let file = writer
            .join()
            .map_err(|_| io::Error::other("the blob writer thread stopped unexpectedly"))??;
        if let Some(e) = read_error {
            return Err(e);
        }
        Ok((file, hasher.finalize().into(), total, head))
    })
}

fn read_dir_sorted(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut v = match fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.map(|e| e.path())).collect::<io::Result<Vec<_>>>()?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    v.sort();
    Ok(v)
}

/// Writes everything waiting for the file system that holds `dir` to disk (Linux
/// `syncfs`): file data, metadata and directory entries alike.
#[cfg(target_os = "linux")]
pub(crate) fn sync_filesystem(dir: &Path) -> io::Result<()> {
    let f = File::open(dir)?;
    rustix::fs::syncfs(&f).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn sync_filesystem(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Makes a closed file's contents durable. The file is opened for writing: Windows flushes
/// only through a handle with write access (a read-only one gets "Access denied").
pub fn sync_file(path: &Path) -> io::Result<()> {
    OpenOptions::new().write(true).open(path)?.sync_all()
}

/// Makes a rename or removal in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_and_commits_with_keyed_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(dir.path().join("tmp")).expect("mkdir");
        let store = BlobStore::new(dir.path(), Zeroizing::new([7u8; 32]), None);
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut calls = 0;
        let staged = store
            .stage(&mut data.as_slice(), "t1", &mut |_| calls += 1)
            .expect("stage");
        let expected: [u8; 32] = Sha256::digest(&data).into();
        assert_eq!(staged.sha256, expected);
        assert_eq!(staged.size, data.len() as u64);
        assert_eq!(staged.head.len(), HEAD_LEN);
        assert!(calls >= 3);
        let name = store.commit_many(vec![staged]).expect("commit").remove(0);
        assert_ne!(
            name,
            hex::encode(expected),
            "blob must not be named by its content hash"
        );
        assert_eq!(fs::read(store.path_of(&name)).expect("read"), data);
        let listed = store.list().expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].1.as_deref(), Some(name.as_str()));
    }

    #[test]
    fn compares_streams() {
        assert!(same_bytes(&mut &b"abc"[..], &mut &b"abc"[..]).expect("io"));
        assert!(!same_bytes(&mut &b"abc"[..], &mut &b"abd"[..]).expect("io"));
        assert!(!same_bytes(&mut &b"abc"[..], &mut &b"abcd"[..]).expect("io"));
        assert!(same_bytes(&mut &b""[..], &mut &b""[..]).expect("io"));
    }
}
