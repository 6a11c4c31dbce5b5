//! What Safekeep does to its own process at start so that secrets in its memory and the
//! files it creates stay with this account (docs/security.md § "Secrets in memory"):
//!
//! - no core dump (`RLIMIT_CORE` 0) and, on Linux, not dumpable (`PR_SET_DUMPABLE` 0):
//!   a crash writes no file holding the master key, a passphrase or decrypted evidence,
//!   and another process of the same account cannot attach a debugger or read
//!   `/proc/<pid>/mem` without root;
//! - file-creation mask 077: files and folders that libraries create on Safekeep's behalf
//!   (SQLite's journal, settings, anything not made through [`crate::private_file`])
//!   are private to this account.
//!
//! Called first thing by the app and the CLI; children reset what `execve` resets.

use std::io;

/// Applies every protection this platform supports; returns the first that failed
/// (the others are still applied).
pub fn protect() -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::Mode;
        use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit, umask};
        umask(Mode::from_bits_truncate(0o077));
        let cores = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
        let dumpable = set_dumpable_behavior(DumpableBehavior::NotDumpable);
        cores.and(dumpable).map_err(io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(())
    }
}
