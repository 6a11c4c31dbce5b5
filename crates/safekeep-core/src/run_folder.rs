//! Private folders that live for one run of Safekeep: the browser's profile while it is
//! open, the render's profile, media downloads. They hold what a person browsed, so
//! (docs/security.md § "Nothing left behind"):
//!
//! - each is made private from the moment it exists (0700 on Unix), under the per-user
//!   runtime folder (`$XDG_RUNTIME_DIR`, memory-backed on most Linux systems) or else the
//!   temporary folder;
//! - its process holds a lock file inside it while it lives, so the next run can tell a
//!   folder a crash or `kill -9` left behind (its lock can be taken) from one another
//!   running Safekeep still uses, and removes it ([`sweep`]);
//! - every live one is listed, so quick exit can remove them all synchronously after
//!   ending the programs that use them ([`remove_all_now`]), with no destructor running.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The file a live folder's process holds locked.
pub const LOCK: &str = "safekeep-in-use.lock";

/// The prefix every run folder's name starts with; [`sweep`] touches nothing else.
pub const PREFIX: &str = "safekeep-run-";

/// How old an unlocked folder must be before it is removed: a folder just made by
/// another process may not hold its lock yet.
const ABANDONED_AFTER: Duration = Duration::from_secs(60);

/// The folders of this process that exist now.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A private folder of this run, removed when dropped (or by [`remove_all_now`]).
#[derive(Debug)]
pub struct RunFolder {
    /// Held locked while the folder lives; dropped before the folder is removed.
    lock: Option<File>,
    dir: Option<tempfile::TempDir>,
}

impl RunFolder {
    /// Makes a private folder named `safekeep-run-<kind>-…` under [`parent`], after
    /// removing the ones earlier runs left there ([`sweep`]).
    pub fn new(kind: &str) -> io::Result<Self> {
        Self::new_in(&parent(), kind)
    }

    /// As [`RunFolder::new`], under `parent`.
    pub fn new_in(parent: &Path, kind: &str) -> io::Result<Self> {
        sweep(parent);
        let prefix = format!("{PREFIX}{kind}-");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder.tempdir_in(parent)?;
        let mut options = File::options();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let lock = options.open(dir.path().join(LOCK))?;
        lock.try_lock().map_err(|e| io::Error::other(e.to_string()))?;
        lock_live().push(dir.path().to_path_buf());
        Ok(Self {
            lock: Some(lock),
            dir: Some(dir),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), tempfile::TempDir::path)
    }
}

impl Drop for RunFolder {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            lock_live().retain(|p| p != dir.path());
            self.lock.take();
            let _ = dir.close();
        }
    }
}

/// Where run folders are made: the per-user runtime folder when there is one (private
/// to the account and memory-backed on most Linux systems), else the temporary folder.
pub fn parent() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

/// Removes, under `parent`, the run folders no living process holds (what a crash or
/// `kill -9` left). Returns how many were removed. Folders younger than a minute, held
/// ones, and anything not named as a run folder are left alone.
pub fn sweep(parent: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        // Only this account's own folders (another account could plant one in a shared
        // temporary folder), and only a plain lock file in them (a FIFO would block).
        let ours = entry.metadata().is_ok_and(|m| m.is_dir() && owned_by_us(&m));
        if !entry.file_name().to_string_lossy().starts_with(PREFIX) || !ours {
            continue;
        }
        let lock_path = path.join(LOCK);
        if std::fs::symlink_metadata(&lock_path).is_ok_and(|m| !m.is_file()) {
            continue;
        }
        let Ok(lock) = File::options().write(true).open(&lock_path) else {
            // No lock file: made by a run that died before it could write one, or
            // being made now. Only an old one is removed.
            if age(&path).is_some_and(|a| a >= ABANDONED_AFTER) {
                removed += usize::from(std::fs::remove_dir_all(&path).is_ok());
            }
            continue;
        };
        let old = lock
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age >= ABANDONED_AFTER));
        if old && lock.try_lock().is_ok() {
            drop(lock);
            removed += usize::from(std::fs::remove_dir_all(&path).is_ok());
        }
    }
    removed
}

/// Whether a file belongs to the account this process runs as.
#[cfg(target_os = "linux")]
fn owned_by_us(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|me| me.uid() == meta.uid())
}

#[cfg(not(target_os = "linux"))]
fn owned_by_us(_meta: &std::fs::Metadata) -> bool {
    true
}

fn age(path: &Path) -> Option<Duration> {
    std::fs::metadata(path).ok()?.modified().ok()?.elapsed().ok()
}

/// Removes every run folder of this process now, whatever still uses it: for quick exit,
/// after the programs using them were ended, before the process ends without running
/// destructors.
pub fn remove_all_now() {
    let live: Vec<PathBuf> = lock_live().drain(..).collect();
    for dir in live {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn lock_live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aged(dir: &Path) {
        let old = std::time::SystemTime::now() - Duration::from_secs(3600);
        let f = File::options().write(true).open(dir.join(LOCK)).expect("lock");
        f.set_modified(old).expect("age");
    }

    #[test]
    fn a_folder_a_crash_left_is_swept_a_held_or_young_or_foreign_one_is_not() {
        let parent = tempfile::tempdir().expect("parent");
        // (Held by hand: a RunFolder of this test could be removed by the quick-exit test
        // running beside it.)
        let held = parent.path().join(format!("{PREFIX}browser-held"));
        std::fs::create_dir(&held).expect("held");
        let holding = File::create(held.join(LOCK)).expect("lock");
        holding.try_lock().expect("hold");
        aged(&held);
        let crashed = parent.path().join(format!("{PREFIX}browser-crashed"));
        std::fs::create_dir(&crashed).expect("crashed");
        File::create(crashed.join(LOCK)).expect("lock");
        std::fs::write(crashed.join("History"), b"https://example.org/?access_token=x").expect("history");
        aged(&crashed);
        let young = parent.path().join(format!("{PREFIX}browser-young"));
        std::fs::create_dir(&young).expect("young");
        File::create(young.join(LOCK)).expect("lock");
        let foreign = parent.path().join("someone-else");
        std::fs::create_dir(&foreign).expect("foreign");
        File::create(foreign.join(LOCK)).expect("lock");
        aged(&foreign);
        assert_eq!(sweep(parent.path()), 1);
        assert!(!crashed.exists());
        assert!(held.is_dir() && young.is_dir() && foreign.is_dir());
    }

    #[test]
    fn a_run_folder_is_private_and_quick_exit_removes_it_without_its_destructor() {
        let parent = tempfile::tempdir().expect("parent");
        let folder = RunFolder::new_in(parent.path(), "quick").expect("folder");
        let path = folder.path().to_path_buf();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{mode:o}");
        }
        std::fs::write(path.join("Cookies"), b"secret").expect("write");
        assert!(lock_live().contains(&path));
        std::mem::forget(folder);
        remove_all_now();
        assert!(!path.exists());
        assert!(!lock_live().contains(&path));
    }
}
