//! Saving a request as a PDF the person prints or attaches (the only file the removal
//! feature writes outside the vault, and only where the person says).

use std::io::Write;
use std::path::Path;

use super::RemovalError;

/// Writes the request's PDF to `path`, which must not exist yet.
pub fn save_request_pdf(title: &str, text: &str, path: &Path) -> Result<(), RemovalError> {
    let pdf = crate::bundle::report_pdf::request_pdf(title, text).map_err(RemovalError::Input)?;
    let failed = |e: std::io::Error| {
        RemovalError::Input(format!(
            "{} could not be written ({e}); choose another file",
            path.display()
        ))
    };
    let mut f = crate::private_file::create_new(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            RemovalError::Input(format!(
                "{} already exists; nothing was written. Choose another name",
                path.display()
            ))
        } else {
            failed(e)
        }
    })?;
    f.write_all(&pdf).and_then(|()| f.sync_all()).map_err(|e| {
        let _ = std::fs::remove_file(path);
        failed(e)
    })
}
