//! The bundle file being written: bytes are hashed and written on a second thread, so
//! that hashing the whole zip costs no time on the thread that re-hashes the originals.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use crate::blob_store::sync_dir;

const CHUNK: usize = 1 << 20;
const DEPTH: usize = 4;

/// A `Write` that hands full 1 MiB chunks to a thread which hashes and writes them.
pub(super) struct HashedOutput {
    buf: Vec<u8>,
    full: Option<SyncSender<Vec<u8>>>,
    empty: Receiver<Vec<u8>>,
    worker: Option<JoinHandle<io::Result<(File, Sha256)>>>,
}

impl HashedOutput {
    /// Starts writing to `file`.
    pub(super) fn new(file: File) -> Self {
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(DEPTH);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
        for _ in 0..DEPTH {
            let _ = empty_tx.send(Vec::with_capacity(CHUNK));
        }
        let worker = std::thread::spawn(move || {
            let mut file = file;
            let mut hasher = Sha256::new();
            for mut chunk in full_rx {
                hasher.update(&chunk);
                file.write_all(&chunk)?;
                chunk.clear();
                let _ = empty_tx.send(chunk);
            }
            Ok((file, hasher))
        });
        Self {
            buf: Vec::with_capacity(CHUNK),
            full: Some(full_tx),
            empty: empty_rx,
            worker: Some(worker),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self.empty.recv().unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let chunk = std::mem::replace(&mut self.buf, next);
        let sent = self
            .full
            .as_ref()
            .map(|tx| tx.send(chunk).is_ok())
            .unwrap_or(false);
        if sent { Ok(()) } else { Err(self.stop()) }
    }

    /// Stops the worker after a failure and returns its error.
    fn stop(&mut self) -> io::Error {
        self.full = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            _ => io::Error::other("the bundle writer thread stopped"),
        }
    }

    /// Writes what is left, and returns the file and the SHA-256 of everything written.
    pub(super) fn finish(mut self) -> io::Result<(File, [u8; 32])> {
        self.send()?;
        self.full = None;
        let worker = self
            .worker
            .take()
            .ok_or_else(|| io::Error::other("the bundle writer thread stopped"))?;
        let (file, hasher) = worker
            .join()
            .map_err(|_| io::Error::other("the bundle writer thread panicked"))??;
        Ok((file, hasher.finalize().into()))
    }
}

impl Write for HashedOutput {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Where a file is written before it is complete: `<out>.part`, beside it.
pub(super) fn part_path(out: &Path) -> PathBuf {
    let mut part = out.as_os_str().to_owned();
    part.push(".part");
    PathBuf::from(part)
}

/// Deletes a bundle that will not be published and waits (up to 2 s) until its name is
/// gone. Windows deletes a file only when its last handle closes: a process started at
/// that moment by another thread of this program can hold one briefly, and meanwhile the
/// half-written bundle — readable evidence when unencrypted — would still be there.
pub(super) fn discard(path: &Path) {
    let began = std::time::Instant::now();
    loop {
        let _ = fs::remove_file(path);
        if !path.exists() || began.elapsed() > std::time::Duration::from_secs(2) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

/// Gives a complete `part` file its final name `out`, never over an existing file, and
/// makes the rename durable. On failure `part` is removed: nothing is left at either name.
pub(super) fn publish(part: &Path, out: &Path) -> io::Result<()> {
    let renamed = if out.exists() {
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", out.display()),
        ))
    } else {
        fs::rename(part, out)
    };
    if let Err(e) = renamed {
        let _ = fs::remove_file(part);
        return Err(e);
    }
    sync_dir(
        out.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
}

/// Writes a new file crash-safely and never over an existing one: `<path>.part` (created
/// new), fsync, [`publish`]. On failure nothing is left at either name.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if path.exists() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", path.display()),
        ));
    }
    let part = part_path(path);
    let mut file = crate::private_file::create_new(&part)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    // Closed before it is removed or renamed: Windows deletes no file that is still open.
    drop(file);
    if let Err(e) = written {
        discard(&part);
        return Err(e);
    }
    publish(&part, path)
}
