//! Files and folders Safekeep creates for the person outside the vault (bundles, reports,
//! takedown packs, receipts, backups): readable by this account only (0600 files, 0700
//! folders on Unix). The person chooses where they go, often a shared Documents or
//! Downloads folder on a shared computer; making them private is the default a person
//! would expect of evidence, and sharing them stays a deliberate act. On Windows a new
//! file takes its folder's permissions, which are per-user for the profile's folders.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `path` for writing, failing if anything exists there, private to this account.
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates the folder `path` and any missing parents; the ones it creates are private to
/// this account. Existing folders are left as they are.
pub fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path.as_ref())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_and_folders_are_private_whatever_the_umask() {
        let dir = tempfile::tempdir().expect("dir");
        let folder = dir.path().join("a/b");
        super::create_dir_all(&folder).expect("folder");
        let file = folder.join("bundle.zip");
        drop(super::create_new(&file).expect("file"));
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert!(super::create_new(&file).is_err(), "never over an existing file");
    }
}
