//! The desktop's menu entry under a neutral look (Linux; freedesktop.org Desktop Entry
//! and XDG Base Directory specifications).
//!
//! A user-level entry in `$XDG_DATA_HOME/applications` with the same desktop-file id as
//! the system's shadows it: the menu and the taskbar then show the neutral name and icon.
//! Rule: for each id Safekeep's packages may install (`Safekeep.desktop` from the
//! `.deb`/AppImage bundle, named after the product; `safekeep-app.desktop` after the
//! binary) found in `$XDG_DATA_DIRS/applications`, the override keeps that entry's
//! lines (`Exec`, `StartupWMClass`…) and replaces its name, comment, keywords and icon.
//! When none is installed (run from a build folder) one hidden entry (`NoDisplay`)
//! named after the binary gives the taskbar the neutral name without adding to the menu.
//! Every file written carries [`MARKER`]; undoing removes only files that carry it.
//!
//! Windows: the packaging makes no per-user Start-menu shortcut (bundle targets are
//! `deb` and `appimage`), so there is nothing to rename; `docs/guide.md` says so.

use std::path::{Path, PathBuf};

use super::{Look, LookError};

/// Desktop-file ids Safekeep may be installed under, most likely first.
const IDS: [&str; 2] = ["Safekeep.desktop", "safekeep-app.desktop"];

/// The key that marks a file as written by the neutral look (desktop entries ignore
/// unknown `X-` keys).
const MARKER: &str = "X-Neutral-Look";

/// Where the per-user data lives: `$XDG_DATA_HOME` if absolute, else `~/.local/share`.
fn data_home() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
}

/// The system's data folders: `$XDG_DATA_DIRS`, else `/usr/local/share:/usr/share`.
fn data_dirs() -> Vec<PathBuf> {
    let dirs = std::env::var("XDG_DATA_DIRS").unwrap_or_default();
    let dirs = if dirs.is_empty() {
        "/usr/local/share:/usr/share".to_owned()
    } else {
        dirs
    };
    dirs.split(':')
        .filter(|d| d.starts_with('/'))
        .map(PathBuf::from)
        .collect()
}

/// The icon file of a look, in the user's icon theme folder.
fn icon_path(home: &Path, look: Look) -> PathBuf {
    home.join(format!(
        "icons/hicolor/128x128/apps/neutral-look-{}.png",
        look.id()
    ))
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> LookError + '_ {
    move |source| LookError::MenuEntry {
        path: path.to_owned(),
        source,
    }
}

/// Quotes a program path for `Exec` (Desktop Entry spec, "The Exec key").
fn exec_quoted(path: &Path) -> String {
    let mut out = String::from('"');
    for c in path.to_string_lossy().chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `installed` (a system entry) with its name, comment, keywords and icon replaced; the
/// other groups (actions, which name Safekeep's features) are left out.
fn overridden(installed: &str, look: Look, icon: &Path) -> String {
    let mut out = String::new();
    let mut in_main = false;
    for line in installed.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_main = trimmed.starts_with("[Desktop Entry]");
            if in_main {
                out.push_str("[Desktop Entry]\n");
                out.push_str(&format!(
                    "Name={}\nIcon={}\n{MARKER}={}\n",
                    look.name(),
                    icon.display(),
                    look.id()
                ));
            }
            continue;
        }
        let key = trimmed.split(['=', '[']).next().unwrap_or("").trim();
        let replaced = matches!(
            key,
            "Name" | "GenericName" | "Comment" | "Keywords" | "Icon" | "Actions" | MARKER
        );
        if in_main && !replaced {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A hidden entry for a Safekeep run from where it was built.
fn hidden_entry(look: Look, icon: &Path) -> String {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("safekeep-app"));
    format!(
        "[Desktop Entry]\nType=Application\nName={}\nIcon={}\nExec={}\nTerminal=false\nNoDisplay=true\nStartupWMClass=safekeep-app\n{MARKER}={}\n",
        look.name(),
        icon.display(),
        exec_quoted(&exe),
        look.id()
    )
}

/// Writes the look's icon and menu entries (replacing another look's).
pub fn write(look: Look) -> Result<(), LookError> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    remove()?;
    let Some(home) = data_home() else { return Ok(()) };
    let icon = icon_path(&home, look);
    write_file(&icon, look.png())?;
    let installed: Vec<(&str, String)> = IDS
        .iter()
        .filter_map(|id| {
            let text = data_dirs()
                .iter()
                .find_map(|d| std::fs::read_to_string(d.join("applications").join(id)).ok())?;
            Some((*id, text))
        })
        .collect();
    if installed.is_empty() {
        let path = home.join("applications").join(IDS[1]);
        return write_file(&path, hidden_entry(look, &icon).as_bytes());
    }
    for (id, text) in installed {
        write_file(
            &home.join("applications").join(id),
            overridden(&text, look, &icon).as_bytes(),
        )?;
    }
    Ok(())
}

/// Writes `path` unless a file there is the person's own (not marked as the look's):
/// that one is left exactly as it is, and the look then does without a menu entry.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), LookError> {
    if path.exists() && !ours(path) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    std::fs::write(path, bytes).map_err(io_error(path))
}

/// Whether the file at `path` was written by the neutral look.
fn ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.lines().any(|l| l.starts_with(MARKER)))
}

/// Removes every entry and icon the neutral look wrote; leaves anything else alone.
pub fn remove() -> Result<(), LookError> {
    let Some(home) = data_home() else { return Ok(()) };
    for id in IDS {
        let path = home.join("applications").join(id);
        if ours(&path) {
            std::fs::remove_file(&path).map_err(io_error(&path))?;
        }
    }
    for look in Look::ALL {
        let icon = icon_path(&home, look);
        match std::fs::remove_file(&icon) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(&icon)(e)),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_menu_entry_of_the_persons_own_is_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("sk-look-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let own = dir.join("Safekeep.desktop");
        std::fs::write(&own, "[Desktop Entry]\nName=Safekeep\n").expect("write");
        super::write_file(&own, b"[Desktop Entry]\nName=Notes\nX-Neutral-Look=notes\n").expect("skipped");
        assert_eq!(
            std::fs::read_to_string(&own).expect("read"),
            "[Desktop Entry]\nName=Safekeep\n"
        );
        let theirs = dir.join("safekeep-app.desktop");
        super::write_file(&theirs, b"[Desktop Entry]\nX-Neutral-Look=notes\n").expect("written");
        assert!(super::ours(&theirs));
        super::write_file(&theirs, b"[Desktop Entry]\nX-Neutral-Look=calculator\n").expect("replaced");
        assert!(
            std::fs::read_to_string(&theirs)
                .expect("read")
                .contains("calculator")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    use super::*;

    #[test]
    fn an_installed_entry_keeps_its_command_and_loses_its_name() {
        let installed = "[Desktop Entry]\nName=Safekeep\nName[fr]=Safekeep\nComment=Keep evidence\nExec=safekeep-app\nIcon=safekeep-app\nActions=new;\n\n[Desktop Action new]\nName=New case\nExec=safekeep-app --new\n";
        let out = overridden(installed, Look::Notes, Path::new("/h/notes.png"));
        assert_eq!(
            out,
            "[Desktop Entry]\nName=Notes\nIcon=/h/notes.png\nX-Neutral-Look=notes\nExec=safekeep-app\n\n"
        );
        assert!(!out.contains("Safekeep") && !out.contains("evidence"));
    }

    #[test]
    fn exec_paths_are_quoted() {
        assert_eq!(exec_quoted(Path::new("/a b/$x")), "\"/a b/\\$x\"");
    }
}
