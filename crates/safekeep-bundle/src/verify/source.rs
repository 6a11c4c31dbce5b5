//! Where a bag's bytes come from: a zip read in place, or a folder someone unzipped.
//!
//! Both list entries with bag-relative names after the safety checks of
//! docs/bundle-format.md § "What `safekeep verify` checks" (1), and then hash every entry
//! (on all cores where there are threads), each worker with its own handle. Nothing is
//! extracted or written.
//!
//! The verifier assumes no file system: it reads a zip through [`ZipBytes`] and a folder
//! through [`Folder`]. This computer's files implement both ([`LocalZip`], [`LocalFolder`]);
//! the in-browser verifier implements them over the files a person dropped on the page.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use zip::{CompressionMethod, ZipArchive};

use crate::encrypted::{self, AgeOpener, BundleKey, ReadSeek};

/// An entry larger than this and expanding more than [`MAX_RATIO`] times is a zip bomb.
const BOMB_MIN_SIZE: u64 = 1 << 20;
/// Largest allowed ratio of expanded to compressed size.
const MAX_RATIO: u64 = 1000;
/// How much each worker reads at a time. In a browser tab each read crosses to the page
/// and costs the same whatever its size, so there it reads more at once.
const READ_SIZE: usize = if cfg!(target_arch = "wasm32") {
    16 << 20
} else {
    1 << 20
};
/// Largest compressed entry [`Listing::with_seekable`] reads into memory.
const SEEKABLE_IN_MEMORY_MAX: u64 = 256 << 20;
/// Files whose contents are kept in memory for parsing, and how much of them at most.
const KEEP_MAX: u64 = 64 << 20;
/// How much of all kept files together a bundle may make the verifier hold: a hostile
/// bundle of many highly compressed metadata files must not take the computer's memory.
/// A case of 10,000 exhibits keeps about 30 MiB.
const KEEP_TOTAL_MAX: u64 = 256 << 20;

/// One file of the bag.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the bag folder, `/`-separated.
    pub name: String,
    /// Size as declared (zip) or as stat'ed (folder).
    pub declared: u64,
    /// Index in the zip, or the file's path.
    locator: Locator,
}

#[derive(Debug, Clone)]
enum Locator {
    Zip(usize),
    /// Path relative to the chosen folder, `/`-separated.
    File(String),
}

/// Something to read and seek in, not necessarily sendable (a zip's entry in place).
pub trait SeekRead: Read + std::io::Seek {}
impl<T: Read + std::io::Seek> SeekRead for T {}

/// An entry opened for [`Listing::each_seekable`], or why it could not be.
pub type Opened<'a> = Result<&'a mut dyn SeekRead, String>;

/// A zip file's bytes, opened afresh by each worker.
pub trait ZipBytes: Send + Sync {
    /// A reader over the whole file, from its first byte.
    fn open(&self) -> io::Result<Box<dyn ReadSeek>>;
    /// The file's name, for messages.
    fn name(&self) -> String;
}

/// What a folder holds at one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A regular file of this many bytes.
    File(u64),
    /// A folder.
    Folder,
    /// A symbolic link or junction: never followed.
    Link,
    /// Anything else (a device, a socket).
    Other,
}

/// A folder someone unzipped a bag into, read by relative, `/`-separated paths.
pub trait Folder: Send + Sync {
    /// The chosen folder's own name (the bag's name when it is the bag folder).
    fn name(&self) -> String;
    /// What lies directly in `dir` ("" is the chosen folder): names and kinds, in any order.
    fn children(&self, dir: &str) -> io::Result<Vec<(String, Kind)>>;
    /// A reader over the file at `path`.
    fn open(&self, path: &str) -> io::Result<Box<dyn ReadSeek>>;
}

/// A zip file on this computer.
pub struct LocalZip(pub PathBuf);

impl ZipBytes for LocalZip {
    fn open(&self) -> io::Result<Box<dyn ReadSeek>> {
        Ok(Box::new(File::open(&self.0)?))
    }
    fn name(&self) -> String {
        self.0.display().to_string()
    }
}

/// A folder on this computer.
pub struct LocalFolder(pub PathBuf);

impl Folder for LocalFolder {
    fn name(&self) -> String {
        // `.` and `..` name no folder (`safekeep verify .` inside the bag): the real one does.
        let real = self.0.canonicalize().unwrap_or_else(|_| self.0.clone());
        real.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
    fn children(&self, dir: &str) -> io::Result<Vec<(String, Kind)>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(self.0.join(dir))? {
            let entry = entry?;
            let name = entry.file_name().into_string().map_err(|n| {
                io::Error::other(format!(
                    "{}: has a name that is not valid UTF-8",
                    n.to_string_lossy()
                ))
            })?;
            let kind = match fs::symlink_metadata(entry.path()) {
                Ok(m) if crate::links::is_link(&m) => Kind::Link,
                Ok(m) if m.is_dir() => Kind::Folder,
                Ok(m) if m.is_file() => Kind::File(m.len()),
                Ok(_) => Kind::Other,
                Err(e) => return Err(io::Error::other(format!("{name}: cannot be read ({e})"))),
            };
            out.push((name, kind));
        }
        Ok(out)
    }
    fn open(&self, path: &str) -> io::Result<Box<dyn ReadSeek>> {
        Ok(Box::new(File::open(self.0.join(path))?))
    }
}

/// What reading an entry found.
#[derive(Debug, Clone, Default)]
pub struct Digest256 {
    /// SHA-256 (hex) of the bytes read.
    pub sha256: String,
    /// Bytes read.
    pub size: u64,
    /// The bytes, for tag files, metadata and the log.
    pub content: Option<Vec<u8>>,
}

/// A bag listed and found safe to read.
pub struct Listing {
    /// The bag folder's name.
    pub bag: String,
    /// Every file, in archive order.
    pub entries: Vec<Entry>,
    zip: Option<ZipSource>,
    /// The folder the bag was unzipped into, for [`Locator::File`] entries.
    folder: Option<Arc<dyn Folder>>,
}

impl std::fmt::Debug for Listing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listing")
            .field("bag", &self.bag)
            .field("entries", &self.entries.len())
            .field("zip", &self.zip.is_some())
            .finish()
    }
}

/// A zip file to (re)open: plain, or inside an age file.
struct ZipSource {
    bytes: Arc<dyn ZipBytes>,
    age: Option<AgeOpener>,
}

impl ZipSource {
    fn open(&self) -> Result<ZipArchive<Box<dyn ReadSeek>>, String> {
        let name = self.bytes.name();
        let file = self
            .bytes
            .open()
            .map_err(|e| format!("{name} cannot be opened: {e}"))?;
        let reader: Box<dyn ReadSeek> = match &self.age {
            None => file,
            Some(age) => age.open(file, &name)?,
        };
        ZipArchive::new(reader).map_err(|e| {
            format!(
                "{name} is not a readable zip file ({e}); it may be incomplete (an interrupted download) or not a bundle"
            )
        })
    }
}

/// Why a source cannot be checked further.
#[derive(Debug)]
pub enum ListError {
    /// Not a zip/bag at all, or unreadable: exit 2.
    NotABundle(String),
    /// Unsafe or malformed archive: exit 1, with the reasons.
    Unsafe(Vec<String>),
}

/// Lists a zip file's entries after checking that it is safe to read. An age-encrypted
/// zip is decrypted on the fly with `key`; nothing is written.
pub fn list_zip(bytes: Arc<dyn ZipBytes>, key: Option<&BundleKey>) -> Result<Listing, ListError> {
    let name = bytes.name();
    let age = if bytes.open().is_ok_and(|mut f| encrypted::starts_as_age(&mut f)) {
        let key = key.ok_or_else(|| {
            ListError::NotABundle(format!(
                "{name} is an encrypted bundle: give the passphrase (or age identity) it was sent with"
            ))
        })?;
        Some(AgeOpener::new(key).map_err(ListError::NotABundle)?)
    } else {
        None
    };
    let source = ZipSource { bytes, age };
    let zip = source.open().map_err(ListError::NotABundle)?;
    let mut problems = Vec::new();
    if zip.has_duplicate_names() {
        problems
            .push("the archive holds two entries with the same name (one could hide the other)".to_owned());
    }
    let mut raw = Vec::new();
    for i in 0..zip.len() {
        let e = match zip.by_index_data(i) {
            Ok(e) => e,
            Err(err) => {
                problems.push(format!("entry #{} cannot be read: {err}", i + 1));
                continue;
            }
        };
        let Ok(name) = std::str::from_utf8(e.name_raw()) else {
            problems.push(format!("entry #{} has a name that is not valid UTF-8", i + 1));
            continue;
        };
        let name = name.to_owned();
        if e.is_symlink() {
            problems.push(format!(
                "{name}: is a symbolic link (it could point outside the bundle)"
            ));
        }
        if e.encrypted() {
            problems.push(format!(
                "{name}: is encrypted; a bundle never contains encrypted entries"
            ));
        }
        if !matches!(
            e.compression(),
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            problems.push(format!(
                "{name}: uses a compression method ({}) that bundles never use",
                e.compression()
            ));
        }
        if e.size() > BOMB_MIN_SIZE && e.size() / e.compressed_size().max(1) > MAX_RATIO {
            problems.push(format!(
                "{name}: would expand from {} to {} bytes (a \"zip bomb\"); it was not decompressed",
                e.compressed_size(),
                e.size()
            ));
        }
        if e.compression() == CompressionMethod::Stored && e.size() != e.compressed_size() {
            problems.push(format!(
                "{name}: its declared sizes disagree ({} stored, {} expanded)",
                e.compressed_size(),
                e.size()
            ));
        }
        raw.push((name, e.is_dir(), e.size(), i));
    }
    let names: Vec<(String, bool)> = raw.iter().map(|(n, d, _, _)| (n.clone(), *d)).collect();
    let bag = check_names(&names, &mut problems);
    if !problems.is_empty() {
        return Err(ListError::Unsafe(problems));
    }
    let bag = bag.ok_or_else(|| ListError::NotABundle("the archive is empty".into()))?;
    let prefix = format!("{bag}/");
    let entries = raw
        .into_iter()
        .filter(|(_, dir, _, _)| !dir)
        .filter_map(|(name, _, size, i)| {
            name.strip_prefix(&prefix).map(|rel| Entry {
                name: rel.to_owned(),
                declared: size,
                locator: Locator::Zip(i),
            })
        })
        .collect();
    Ok(Listing {
        bag,
        entries,
        zip: Some(source),
        folder: None,
    })
}

/// Checks entry names; returns the one top folder they all live in.
fn check_names(names: &[(String, bool)], problems: &mut Vec<String>) -> Option<String> {
    let mut seen = HashSet::new();
    let mut folded = HashSet::new();
    let mut top: Option<String> = None;
    for (name, is_dir) in names {
        if name.starts_with('/') || name.contains('\\') || name.as_bytes().get(1) == Some(&b':') {
            problems.push(format!(
                "{name}: is an absolute path (it could write anywhere when unzipped)"
            ));
            continue;
        }
        if name.split('/').any(|c| c == ".." || c == ".") {
            problems.push(format!(
                "{name}: contains \"..\" or \".\" (it could escape the folder when unzipped)"
            ));
            continue;
        }
        if name
            .chars()
            .any(|c| c.is_control() || crate::format::is_bidi_control(c))
        {
            problems.push(format!("{}: contains control characters", name.escape_debug()));
            continue;
        }
        // Names that unzip as another name: `a//b` is `a/b`, and Windows drops a trailing
        // dot or space (`data.` is `data`) and reserves device names (`CON`, `aux.txt`).
        let parts: Vec<&str> = name.trim_end_matches('/').split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            problems.push(format!(
                "{name}: has an empty folder name (it would unzip as another name)"
            ));
            continue;
        }
        if parts.iter().any(|p| crate::format::reserved_on_windows(p)) {
            problems.push(format!(
                "{name}: has a name Windows reserves or changes (a device name, or a trailing dot or space)"
            ));
            continue;
        }
        let trimmed = name.trim_end_matches('/');
        if !seen.insert(trimmed.to_owned()) {
            problems.push(format!("{name}: appears twice in the archive"));
        }
        if !folded.insert(trimmed.to_lowercase()) && !*is_dir {
            problems.push(format!(
                "{name}: differs from another entry only by upper/lower case (one would overwrite the other on Windows and macOS)"
            ));
        }
        let first = trimmed.split('/').next().unwrap_or("").to_owned();
        match &top {
            None => top = Some(first),
            Some(t) if *t == first => {}
            Some(t) => problems.push(format!("{name}: lies outside the bundle's folder \"{t}\"")),
        }
        if !*is_dir && !trimmed.contains('/') {
            problems.push(format!("{name}: lies outside the bundle's folder"));
        }
    }
    top
}

/// Lists an unzipped bag: `folder` is the bag folder, or a folder holding exactly one bag.
pub fn list_dir(folder: Arc<dyn Folder>) -> Result<Listing, ListError> {
    let shown = folder.name();
    let top = folder
        .children("")
        .map_err(|e| ListError::NotABundle(format!("{shown} cannot be read: {e}")))?;
    let holds_bagit = |dir: &str| {
        folder.children(dir).is_ok_and(|c| {
            c.iter()
                .any(|(n, k)| n == "bagit.txt" && matches!(k, Kind::File(_)))
        })
    };
    let (root, bag) = if top
        .iter()
        .any(|(n, k)| n == "bagit.txt" && matches!(k, Kind::File(_)))
    {
        (String::new(), shown.clone())
    } else {
        let subs: Vec<&String> = top
            .iter()
            .filter(|(n, k)| *k == Kind::Folder && holds_bagit(n))
            .map(|(n, _)| n)
            .collect();
        match subs.as_slice() {
            [one] => ((*one).clone(), (*one).clone()),
            _ => {
                return Err(ListError::NotABundle(format!(
                    "{shown} is not a bundle folder: it holds no bagit.txt (give the folder that holds bagit.txt)"
                )));
            }
        }
    };
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    walk(folder.as_ref(), &root, "", &mut entries, &mut problems);
    let names: Vec<(String, bool)> = entries
        .iter()
        .map(|e: &Entry| (format!("{bag}/{}", e.name), false))
        .collect();
    check_names(&names, &mut problems);
    if !problems.is_empty() {
        return Err(ListError::Unsafe(problems));
    }
    Ok(Listing {
        bag,
        entries,
        zip: None,
        folder: Some(folder),
    })
}

/// Collects the files under `root/rel`, depth first in name order.
fn walk(folder: &dyn Folder, root: &str, rel: &str, out: &mut Vec<Entry>, problems: &mut Vec<String>) {
    let join = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a}/{b}"),
    };
    let here = join(root, rel);
    let mut children = match folder.children(&here) {
        Ok(c) => c,
        Err(e) => {
            let shown = if rel.is_empty() {
                folder.name()
            } else {
                rel.to_owned()
            };
            problems.push(format!("{shown}: cannot be read ({e})"));
            return;
        }
    };
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in children {
        if name.is_empty() || name == "." || name == ".." || name.contains('/') {
            problems.push(format!("{rel}/{name}: has a name no folder can hold"));
            continue;
        }
        let rel_name = join(rel, &name);
        match kind {
            Kind::Link => problems.push(format!(
                "{rel_name}: is a symbolic link or junction (it could point outside the bundle)"
            )),
            Kind::Folder => walk(folder, root, &rel_name, out, problems),
            Kind::File(size) => out.push(Entry {
                locator: Locator::File(join(root, &rel_name)),
                name: rel_name,
                declared: size,
            }),
            Kind::Other => problems.push(format!("{rel_name}: is not a regular file")),
        }
    }
}

/// Whether an entry's bytes are kept for parsing.
fn keep(name: &str) -> bool {
    !name.starts_with("data/")
        || name.ends_with("/metadata.json")
        || name == crate::format::AUDIT_LOG
        || name.starts_with(crate::format::HANDOVER_DIR)
}

impl Listing {
    /// Streams the entries named in `names`, in that order, to `each` (the zip is opened
    /// once). Stops at the first error, which names the entry.
    pub fn read_each(
        &self,
        names: &[&str],
        each: &mut dyn FnMut(usize, &mut dyn Read) -> Result<(), String>,
    ) -> Result<(), String> {
        let by_name: std::collections::HashMap<&str, &Entry> =
            self.entries.iter().map(|e| (e.name.as_str(), e)).collect();
        let mut zip = self.zip.as_ref().map(ZipSource::open);
        for (k, name) in names.iter().enumerate() {
            let entry = by_name
                .get(name)
                .ok_or_else(|| format!("{name}: is not in the bundle"))?;
            let limit = entry.declared.saturating_add(1);
            let read = match (&entry.locator, zip.as_mut()) {
                (Locator::Zip(i), Some(Ok(zip))) => zip
                    .by_index(*i)
                    .map_err(|e| format!("cannot be read from the zip ({e})"))
                    .and_then(|f| each(k, &mut f.take(limit))),
                (Locator::Zip(_), Some(Err(e))) => Err(format!("the zip cannot be reopened ({e})")),
                (Locator::File(p), _) => self.open_file(p).and_then(|f| each(k, &mut f.take(limit))),
                _ => Err("cannot be read".into()),
            };
            read.map_err(|why| format!("{name}: {why}"))?;
        }
        Ok(())
    }

    /// Runs `f` over each entry of `names` in turn, as a reader that can seek: a file of
    /// a folder, or a zip's entry stored without compression (as bundles store packages
    /// such as WACZs; a compressed one up to [`SEEKABLE_IN_MEMORY_MAX`] is read into
    /// memory). The zip is opened once, so many entries cost one reading of its
    /// directory. `f` gets the entry's index in `names`, or why it could not be opened.
    pub fn each_seekable(&self, names: &[&str], f: &mut dyn FnMut(usize, Opened<'_>)) {
        let by_name: std::collections::HashMap<&str, &Entry> =
            self.entries.iter().map(|e| (e.name.as_str(), e)).collect();
        let mut zip = self.zip.as_ref().map(ZipSource::open);
        for (k, name) in names.iter().enumerate() {
            let Some(entry) = by_name.get(name) else {
                f(k, Err(format!("{name}: is not in the bundle")));
                continue;
            };
            match (&entry.locator, zip.as_mut()) {
                (Locator::Zip(i), Some(Ok(zip))) => {
                    if let Ok(mut file) = zip.by_index_seek(*i) {
                        f(k, Ok(&mut file));
                        continue;
                    }
                    if entry.declared > SEEKABLE_IN_MEMORY_MAX {
                        f(
                            k,
                            Err(format!(
                                "{name}: is compressed and larger than {SEEKABLE_IN_MEMORY_MAX} bytes, so it was not opened"
                            )),
                        );
                        continue;
                    }
                    let mut bytes = Vec::new();
                    let read = zip
                        .by_index(*i)
                        .map_err(|e| format!("{name}: cannot be read ({e})"))
                        .and_then(|e| {
                            e.take(SEEKABLE_IN_MEMORY_MAX + 1)
                                .read_to_end(&mut bytes)
                                .map_err(|e| format!("{name}: cannot be read ({e})"))
                        });
                    match read {
                        Ok(_) => f(k, Ok(&mut io::Cursor::new(bytes))),
                        Err(why) => f(k, Err(why)),
                    }
                }
                (Locator::Zip(_), Some(Err(why))) => f(k, Err(format!("{name}: {why}"))),
                (Locator::File(p), _) => match self.open_file(p) {
                    Ok(mut file) => f(k, Ok(&mut file)),
                    Err(why) => f(k, Err(format!("{name}: {why}"))),
                },
                _ => f(k, Err(format!("{name}: cannot be read"))),
            }
        }
    }

    fn open_file(&self, path: &str) -> Result<Box<dyn ReadSeek>, String> {
        self.folder
            .as_ref()
            .ok_or_else(|| "cannot be read".to_owned())?
            .open(path)
            .map_err(|e| format!("cannot be opened ({e})"))
    }

    /// Reads and hashes every entry, on up to `threads` threads (1: on this one). Each
    /// result is the digest or a reason the entry could not be read in full.
    pub fn hash_all(
        &self,
        threads: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Vec<Result<Digest256, String>> {
        let n = self.entries.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.entries[i].declared));
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<Digest256, String>>>> = Mutex::new(vec![None; n]);
        let done = AtomicU64::new(0);
        let kept = AtomicU64::new(0);
        let work = || {
            let mut zip = self.zip.as_ref().map(ZipSource::open);
            let mut buf = vec![0u8; READ_SIZE];
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                let entry = &self.entries[i];
                let r = self.read_entry(entry, zip.as_mut(), &mut buf, &kept);
                let bytes = r.as_ref().map(|d| d.size).unwrap_or(0);
                let total = done.fetch_add(bytes, Ordering::Relaxed) + bytes;
                progress(total);
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            }
        };
        if threads <= 1 {
            work();
        } else {
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(work);
                }
            });
        }
        results
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err("it was not read".into())))
            .collect()
    }

    fn read_entry(
        &self,
        entry: &Entry,
        zip: Option<&mut Result<ZipArchive<Box<dyn ReadSeek>>, String>>,
        buf: &mut [u8],
        kept: &AtomicU64,
    ) -> Result<Digest256, String> {
        let limit = entry.declared.saturating_add(1);
        match (&entry.locator, zip) {
            (Locator::Zip(i), Some(Ok(zip))) => {
                let f = zip
                    .by_index(*i)
                    .map_err(|e| format!("cannot be read from the zip ({e})"))?;
                digest(&mut f.take(limit), entry, buf, kept)
            }
            (Locator::Zip(_), Some(Err(e))) => Err(format!("the zip cannot be reopened ({e})")),
            (Locator::File(p), _) => {
                let f = self.open_file(p)?;
                digest(&mut f.take(limit), entry, buf, kept)
            }
            _ => Err("cannot be read".into()),
        }
    }
}

fn digest(src: &mut dyn Read, entry: &Entry, buf: &mut [u8], kept: &AtomicU64) -> Result<Digest256, String> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut content = keep(&entry.name).then(Vec::new);
    loop {
        let n = match src.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.to_string().to_lowercase().contains("checksum") => {
                return Err("its bytes do not match the zip's own checksum (CRC-32): it was changed or damaged after export".into());
            }
            Err(e) => return Err(format!("is damaged inside the archive ({e})")),
        };
        let chunk = &buf[..n];
        hasher.update(chunk);
        size += n as u64;
        if let Some(c) = content.as_mut() {
            let all = kept.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
            if all > KEEP_TOTAL_MAX {
                return Err(format!(
                    "makes the bundle's metadata, log and tag files together larger than {KEEP_TOTAL_MAX} bytes, far more than any bundle Safekeep writes; it was not read further"
                ));
            }
            if size <= KEEP_MAX {
                c.extend_from_slice(chunk);
            } else {
                return Err(format!(
                    "is larger than {KEEP_MAX} bytes, too large for a file of its kind"
                ));
            }
        }
    }
    if size != entry.declared {
        return Err(format!(
            "holds {size} bytes but the archive declares {}",
            entry.declared
        ));
    }
    Ok(Digest256 {
        sha256: hex::encode(hasher.finalize()),
        size,
        content,
    })
}
