//! What counts as a link on disk. Evidence folders and unzipped bundles never hold links:
//! one could point outside them. A symbolic link is one everywhere; on Windows so is any
//! reparse point (a junction, a mount point), which `FileType::is_symlink` does not report.

use std::fs::Metadata;

/// Whether `meta` (from `symlink_metadata`) is a link of any kind.
pub fn is_link(meta: &Metadata) -> bool {
    #[cfg(windows)]
    {
        use std::os::windows::fs::MetadataExt;
        const FILE_ATTRIBUTE_REPARSE_POINT: u32 = 0x400;
        if meta.file_attributes() & FILE_ATTRIBUTE_REPARSE_POINT != 0 {
            return true;
        }
    }
    meta.file_type().is_symlink()
}
