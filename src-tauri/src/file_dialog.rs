//! The app's file dialogs, which leave the desktop's "Recent files" as they were.
//!
//! GTK's file chooser adds every file chosen in it (evidence, chat exports, bundles, the
//! vault and backup folders) to `recently-used.xbel`, which anyone using the account sees
//! in the desktop's "Recent" lists; turning GTK's `gtk-recent-files-enabled` off instead
//! empties the person's whole list at the first choice. So on Linux each dialog runs in a
//! short-lived child process of this same program whose `XDG_DATA_HOME` is a private run
//! folder: GTK writes its recent files there, and the folder is removed when the dialog
//! ends (or by quick exit, which also ends the child). The person's own list is never
//! opened (docs/security.md § "Nothing names the evidence outside the vault").
//! Elsewhere the system's dialog runs in this process.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::UiError;

/// The argument that makes this program show one dialog and print the choice.
const CHILD_FLAG: &str = "--safekeep-file-dialog";

/// What the page asks for (the shape of Tauri's dialog options).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Request {
    /// Choose where to save a new file.
    save: bool,
    /// Choose a folder.
    directory: bool,
    /// Choose several files.
    multiple: bool,
    /// The dialog's title.
    title: Option<String>,
    /// Where to start (for `save`, the proposed file).
    default_path: Option<PathBuf>,
    /// File types offered.
    filters: Vec<Filter>,
}

/// One file type offered.
#[derive(Debug, Serialize, Deserialize)]
pub struct Filter {
    name: String,
    extensions: Vec<String>,
}

/// Shows a file dialog; the chosen paths, none when the person cancelled.
#[tauri::command(async)]
pub fn choose_paths(request: Request) -> Result<Vec<PathBuf>, UiError> {
    shown(&request).map_err(|e| {
        UiError::new(
            "file_dialog",
            format!("The file dialog could not be shown ({e}). Type the path instead."),
        )
    })
}

#[cfg(target_os = "linux")]
fn shown(request: &Request) -> std::io::Result<Vec<PathBuf>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let data = safekeep_core::run_folder::RunFolder::new("dialog")?;
    let mut cmd = Command::new(std::env::current_exe()?);
    // The request (a title, a proposed path) goes through a pipe: another account can
    // read a process's command line.
    cmd.arg(CHILD_FLAG)
        .env("XDG_DATA_HOME", data.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = safekeep_capture::process::spawn(cmd)?;
    let pid = child.id();
    let sent = child
        .stdin
        .take()
        .map(|mut pipe| pipe.write_all(&serde_json::to_vec(request).unwrap_or_default()));
    let out = child.wait_with_output();
    safekeep_capture::process::forget(pid);
    sent.transpose()?;
    let out = out?;
    if !out.status.success() {
        return Err(std::io::Error::other(format!("it ended with {}", out.status)));
    }
    serde_json::from_slice(&out.stdout).map_err(std::io::Error::other)
}

#[cfg(not(target_os = "linux"))]
fn shown(request: &Request) -> std::io::Result<Vec<PathBuf>> {
    Ok(ask(request))
}

/// In the child: when this program was started to show one dialog, shows it, prints the
/// chosen paths as JSON and returns true (the caller then ends).
pub fn run_if_child() -> bool {
    if std::env::args_os().nth(1).is_none_or(|a| a != CHILD_FLAG) {
        return false;
    }
    let request: Request = serde_json::from_reader(std::io::stdin().lock()).unwrap_or_default();
    let chosen = ask(&request);
    println!(
        "{}",
        serde_json::to_string(&chosen).unwrap_or_else(|_| "[]".into())
    );
    true
}

fn ask(request: &Request) -> Vec<PathBuf> {
    let mut dialog = rfd::FileDialog::new();
    if let Some(title) = &request.title {
        dialog = dialog.set_title(title);
    }
    for f in &request.filters {
        dialog = dialog.add_filter(&f.name, &f.extensions);
    }
    if let Some(start) = &request.default_path {
        match (request.save, start.parent(), start.file_name()) {
            (true, Some(dir), Some(name)) => {
                dialog = dialog.set_directory(dir).set_file_name(name.to_string_lossy());
            }
            _ => dialog = dialog.set_directory(start),
        }
    }
    match (request.save, request.directory, request.multiple) {
        (true, ..) => dialog.save_file().into_iter().collect(),
        (false, true, _) => dialog.pick_folder().into_iter().collect(),
        (false, false, true) => dialog.pick_files().unwrap_or_default(),
        (false, false, false) => dialog.pick_file().into_iter().collect(),
    }
}
