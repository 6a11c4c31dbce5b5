//! The profile of Safekeep's browser (the person's logins to the sites they capture),
//! kept sealed inside the vault between runs: docs/capture.md § "Your logins".
//!
//! While the browser runs, the profile is a private run folder ([`crate::run_folder`]:
//! mode 0700, under the user's runtime folder, swept by the next run if a crash leaves
//! it, removed by quick exit); when it closes, the folder is zipped, sealed with the vault's blob
//! key into `browser-profile.sealed` (written to a temporary name, fsynced, renamed) and
//! deleted. Invariants: the profile is never in the clear on disk between runs; an
//! unencrypted vault keeps no profile at all (there is no key to seal it with), so each
//! run starts logged out; backups never include it (a backup must not carry a live login).
//! Caches are not kept: they are large and hold nothing a login needs.

use std::fs::{self, File};
use std::io::{self, Cursor, Read, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::{Error, Result, Vault};
use crate::blob_store;
use crate::run_folder::{self, RunFolder};
use crate::sealed_blob::{SealReader, SealWriter};

/// The sealed profile, in the vault folder.
pub const PROFILE_FILE: &str = "browser-profile.sealed";

/// The folder of the temporary profile that Safekeep's browser downloads into: private,
/// never the person's Downloads folder, and never kept with the logins (a download is
/// sealed into a case as an item of its own, or deleted with the profile).
pub const DOWNLOADS_DIR: &str = "Safekeep Downloads";

/// Folders of a Chromium profile that are not kept between runs: caches, and downloads.
const CACHES: [&str; 13] = [
    DOWNLOADS_DIR,
    "Cache",
    "Code Cache",
    "GPUCache",
    "GrShaderCache",
    "ShaderCache",
    "GraphiteDawnCache",
    "DawnGraphiteCache",
    "DawnWebGPUCache",
    "Crashpad",
    "component_crx_cache",
    "Service Worker/CacheStorage",
    "Service Worker/ScriptCache",
];

/// Largest single file kept from a profile.
const MAX_FILE: u64 = 256 << 20;

/// A browser profile unpacked for one run. Dropping it deletes the folder; give it to
/// [`Vault::keep_browser_profile`] to keep the logins.
#[derive(Debug)]
pub struct BrowserProfile {
    dir: RunFolder,
    kept: bool,
}

impl BrowserProfile {
    /// The folder to start the browser with.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Whether the logins will be kept when the browser closes (the vault is encrypted).
    pub fn is_kept(&self) -> bool {
        self.kept
    }
}

impl Vault {
    /// Unpacks the stored profile (if any) into a new private folder.
    pub fn open_browser_profile(&self) -> Result<BrowserProfile> {
        let dir = RunFolder::new("browser").map_err(|e| Error::storage(run_folder::parent(), e))?;
        let profile = BrowserProfile {
            dir,
            kept: self.blobs().is_sealed(),
        };
        let stored = self.dir().join(PROFILE_FILE);
        let Some(key) = self.blobs().seal_key() else {
            return Ok(profile);
        };
        let file = match File::open(&stored) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(profile),
            Err(e) => return Err(Error::storage(&stored, e)),
        };
        let mut plain = Vec::new();
        SealReader::new(file, key)
            .and_then(|mut r| r.read_to_end(&mut plain))
            .map_err(|e| Error::storage(&stored, e))?;
        let mut zip =
            ZipArchive::new(Cursor::new(plain)).map_err(|e| Error::storage(&stored, io::Error::other(e)))?;
        for i in 0..zip.len() {
            let mut entry = zip
                .by_index(i)
                .map_err(|e| Error::storage(&stored, io::Error::other(e)))?;
            // Only names this code wrote; anything else is skipped, never written outside.
            let Some(rel) = entry.enclosed_name() else {
                continue;
            };
            let to = profile.path().join(rel);
            if entry.is_dir() {
                fs::create_dir_all(&to).map_err(|e| Error::storage(&to, e))?;
                continue;
            }
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::storage(parent, e))?;
            }
            let mut out = private_file(&to).map_err(|e| Error::storage(&to, e))?;
            io::copy(&mut entry, &mut out).map_err(|e| Error::storage(&to, e))?;
        }
        Ok(profile)
    }

    /// Seals the profile's folder back into the vault (encrypted vaults only) and deletes
    /// the folder. Returns whether the logins were kept.
    pub fn keep_browser_profile(&self, profile: BrowserProfile) -> Result<bool> {
        let Some(key) = self.blobs().seal_key().filter(|_| profile.kept) else {
            return Ok(false);
        };
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        add_dir(&mut zip, profile.path(), Path::new("")).map_err(|e| Error::storage(profile.path(), e))?;
        let plain = zip
            .finish()
            .map_err(|e| Error::storage(profile.path(), io::Error::other(e)))?
            .into_inner();
        let target = self.dir().join(PROFILE_FILE);
        let tmp = self.dir().join(format!("{PROFILE_FILE}.part"));
        let written = (|| {
            let mut w = SealWriter::new(File::create(&tmp)?, key)?;
            w.write_all(&plain)?;
            let file = w.finish()?;
            file.sync_all()?;
            fs::rename(&tmp, &target)?;
            blob_store::sync_dir(self.dir())
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(Error::storage(&target, e));
        }
        drop(profile);
        Ok(true)
    }

    /// Deletes the stored profile ("Forget my logins"). Returns whether there was one.
    pub fn forget_browser_profile(&self) -> Result<bool> {
        let target = self.dir().join(PROFILE_FILE);
        match fs::remove_file(&target) {
            Ok(()) => {
                blob_store::sync_dir(self.dir()).map_err(|e| Error::storage(self.dir(), e))?;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::storage(&target, e)),
        }
    }

    /// Whether logins of Safekeep's browser are stored.
    pub fn has_browser_profile(&self) -> bool {
        self.dir().join(PROFILE_FILE).is_file()
    }
}

/// Creates a file only its owner can read (0600 on Unix from the moment it exists).
fn private_file(path: &Path) -> io::Result<File> {
    let mut options = File::options();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn add_dir(zip: &mut ZipWriter<Cursor<Vec<u8>>>, root: &Path, rel: &Path) -> io::Result<()> {
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o600);
    let mut entries: Vec<_> = fs::read_dir(root.join(rel))?.collect::<io::Result<_>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let name = rel.join(entry.file_name());
        let name_text = name.to_string_lossy().replace('\\', "/");
        let kind = entry.file_type()?;
        if kind.is_symlink() || name_text == run_folder::LOCK {
            // Chromium's Singleton* lock links: meaningless after the run.
            continue;
        }
        if kind.is_dir() {
            if CACHES
                .iter()
                .any(|c| name_text == *c || name_text.ends_with(&format!("/{c}")))
            {
                continue;
            }
            add_dir(zip, root, &name)?;
        } else if kind.is_file() && entry.metadata()?.len() <= MAX_FILE {
            zip.start_file(name_text, opts).map_err(io::Error::other)?;
            io::copy(&mut File::open(entry.path())?, zip)?;
        }
    }
    Ok(())
}
