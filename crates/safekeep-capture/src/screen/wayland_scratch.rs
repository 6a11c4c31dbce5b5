//! The folder a Wayland screen capture passes through.
//!
//! On GNOME, xcap asks the shell to write the screenshot as a plain PNG into
//! `$TMPDIR/screenshot/` (then reads and removes it). That name is predictable: on a shared
//! `/tmp` another account could make the folder first, own it, and read every picture
//! written there, or leave a link in it. So before a Wayland capture the folder must be
//! this account's own and private (0700): made so when missing, narrowed when it is ours,
//! refused when it is anyone else's or not a plain folder. (The desktop portal's own path,
//! used elsewhere, is chosen by the portal; docs/security.md says so.)

use std::io;
use std::path::{Path, PathBuf};

/// The folder xcap's GNOME path writes into.
pub fn folder() -> PathBuf {
    std::env::temp_dir().join("screenshot")
}

/// Makes `dir` a private folder of this account, or says why it cannot be one.
#[cfg(unix)]
pub fn make_private(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(dir)?;
    let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    if !meta.is_dir() || me.is_some_and(|uid| uid != meta.uid()) {
        return Err(io::Error::other(format!(
            "{} belongs to another account or is not a folder, and a screenshot written there could be read by it; remove it (or ask the computer's administrator to) and capture again",
            dir.display()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Other systems have no such folder.
#[cfg(not(unix))]
pub fn make_private(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_folder_is_made_private_and_a_link_is_refused() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("screenshot");
        super::make_private(&dir).expect("made");
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        super::make_private(&dir).expect("narrowed");
        assert_eq!(mode(&dir), 0o700);
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).expect("link");
        assert!(
            super::make_private(&link).is_err(),
            "a link is not a private folder"
        );
    }
}
