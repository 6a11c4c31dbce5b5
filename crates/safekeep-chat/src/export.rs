//! The files of an export: a zip read in place, a folder, or loose files.
//!
//! Nothing is extracted or written. A zip is checked before anything in it is read, as
//! `safekeep verify` checks a bundle: names that are absolute, climb out with `..`, hold
//! control characters or repeat are refused, and so are links, encrypted entries,
//! unknown compression and entries that would expand more than a thousand times (a "zip
//! bomb"). Every file of a zip can be hashed, reading no more than it declares.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use zip::{CompressionMethod, ZipArchive};

use crate::Error;

/// An entry larger than this and expanding more than [`MAX_RATIO`] times is a zip bomb.
const BOMB_MIN_SIZE: u64 = 1 << 20;
/// Largest allowed ratio of expanded to compressed size.
const MAX_RATIO: u64 = 1000;
/// Every zip may expand to this much in all, whatever its size (a chat export's media are
/// photos and videos, which zip hardly compresses)…
const MAX_EXPANDED: u64 = 4 << 30;
/// …or to this many times its own size, if that is more.
const MAX_TOTAL_RATIO: u64 = 20;
/// The largest file read into memory as a chat. Reading and parsing take a few times its
/// size in memory, so the cap keeps a hostile or huge export from taking the computer's
/// memory; a chat of years (one conversation, as platforms export it) is far smaller.
/// Larger exports are refused with what to do (export one chat, or a shorter period).
pub const READ_MAX: u64 = 256 << 20;

/// One file of an export.
#[derive(Debug, Clone)]
pub struct ExportFile {
    /// Its path inside the export, `/`-separated (for loose files, the file's name).
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 (hex) of its bytes, when already hashed (every file of a zip is).
    pub sha256: Option<String>,
}

#[derive(Debug)]
enum Where {
    /// Files on disk, in the order of `files`.
    Disk(Vec<PathBuf>),
    /// Entries of one zip file, by index in the archive, in the order of `files`. The
    /// zip is the file at `path`, or `bytes` when it is held in memory (`path` then only
    /// names it).
    Zip {
        path: PathBuf,
        bytes: Option<Arc<Vec<u8>>>,
        entries: Vec<usize>,
    },
    /// Files held in memory, in the order of `files`: an export read again from sealed
    /// bytes, which are never written out in the clear.
    Memory(Vec<Arc<Vec<u8>>>),
}

/// A zip read from a file or from memory.
trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// The files an export is made of.
#[derive(Debug)]
pub struct Export {
    files: Vec<ExportFile>,
    at: Where,
    /// The folder given, if one was.
    root: Option<PathBuf>,
    by_name: HashMap<String, Vec<usize>>,
    /// The SHA-256 of every file read as a chat, as read: whoever seals the files checks
    /// that what was read is what was sealed.
    read: Mutex<Vec<(String, String)>>,
    /// A zip's index, read once for [`Export::head`]: recognising an export looks at the
    /// start of many entries, and reading the index again for each made a zip of many
    /// small files cost the square of their number.
    index: Mutex<Option<ZipArchive<Box<dyn ReadSeek>>>>,
}

impl std::fmt::Debug for Box<dyn ReadSeek> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a zip being read")
    }
}

impl Export {
    /// Opens what the person gave: one `.zip`, one folder, or one or more files (a
    /// WhatsApp `.txt` and the media beside it).
    pub fn open(paths: &[PathBuf]) -> Result<Self, Error> {
        let unreadable = |p: &Path, e: io::Error| {
            Error::Unreadable(format!("{} cannot be read: {}", p.display(), describe(&e)))
        };
        match paths {
            [] => Err(Error::Unreadable("no export was given".into())),
            [one] => {
                let meta = fs::metadata(one).map_err(|e| unreadable(one, e))?;
                if meta.is_dir() {
                    Self::folder(one)
                } else if is_zip(one).map_err(|e| unreadable(one, e))? {
                    Self::zip_from(one, None)
                } else {
                    Self::loose(paths)
                }
            }
            many => {
                for p in many {
                    let meta = fs::metadata(p).map_err(|e| unreadable(p, e))?;
                    if meta.is_dir() || is_zip(p).map_err(|e| unreadable(p, e))? {
                        return Err(Error::Unreadable(format!(
                            "{} is a {}: give a folder or a zip on its own, or the loose files of one export together",
                            p.display(),
                            if meta.is_dir() { "folder" } else { "zip file" }
                        )));
                    }
                }
                Self::loose(many)
            }
        }
    }

    /// Opens an export held in memory, as `(path, bytes)` for each of its files (the
    /// files of a conversation item, from its sealed artifacts): one zip file is read as
    /// a zip, anything else as the files of a folder. `name` is what was given (a zip's
    /// or folder's name), for chat titles.
    pub fn from_memory(name: &str, files: Vec<(String, Vec<u8>)>) -> Result<Self, Error> {
        if let [(_, bytes)] = files.as_slice()
            && bytes.starts_with(b"PK\x03\x04")
        {
            // Moved, not copied: an export read from a sealed item can be a gigabyte.
            let Some((path, bytes)) = files.into_iter().next() else {
                return Err(Error::NotAnExport(format!("{name} holds no files")));
            };
            return Self::zip_from(Path::new(&path), Some(Arc::new(bytes)));
        }
        if files.is_empty() {
            return Err(Error::NotAnExport(format!("{name} holds no files")));
        }
        let (listed, held): (Vec<ExportFile>, Vec<Arc<Vec<u8>>>) = files
            .into_iter()
            .map(|(path, bytes)| {
                (
                    ExportFile {
                        path,
                        size: bytes.len() as u64,
                        sha256: Some(hex::encode(Sha256::digest(&bytes))),
                    },
                    Arc::new(bytes),
                )
            })
            .unzip();
        let mut export = Self::new(listed, Where::Memory(held));
        export.root = Some(PathBuf::from(name));
        Ok(export)
    }

    /// The export's files, in name order (a zip's in archive order).
    pub fn files(&self) -> &[ExportFile] {
        &self.files
    }

    /// Whether the export is one zip file (sealed as one artifact).
    pub fn is_zip(&self) -> bool {
        matches!(self.at, Where::Zip { .. })
    }

    /// The files on disk, for sealing: the zip itself, or every file, with its path
    /// inside the folder given (none for a zip or loose files).
    pub fn disk_files(&self) -> Vec<(PathBuf, Option<String>)> {
        match &self.at {
            Where::Zip { bytes: Some(_), .. } | Where::Memory(_) => Vec::new(),
            Where::Zip { path, .. } => vec![(path.clone(), None)],
            Where::Disk(paths) => paths
                .iter()
                .zip(&self.files)
                .map(|(p, f)| (p.clone(), self.root.as_ref().map(|_| f.path.clone())))
                .collect(),
        }
    }

    /// The name of what was given: the zip's or folder's file name, or the first loose
    /// file's (chat names are often only there).
    pub fn name(&self) -> Option<String> {
        let path = match &self.at {
            Where::Zip { path, .. } => path.clone(),
            Where::Memory(_) => self.root.clone()?,
            Where::Disk(paths) => match &self.root {
                Some(root) => root.clone(),
                None => paths.first()?.clone(),
            },
        };
        path.file_name().map(|n| n.to_string_lossy().into_owned())
    }

    /// Up to `n` bytes from the start of a file, to recognise it (not recorded as read).
    pub fn head(&self, path: &str, n: usize) -> Option<Vec<u8>> {
        let i = self.files.iter().position(|f| f.path == path)?;
        let mut bytes = Vec::with_capacity(n);
        match &self.at {
            Where::Disk(paths) => File::open(&paths[i])
                .and_then(|f| f.take(n as u64).read_to_end(&mut bytes))
                .ok()?,
            Where::Zip {
                path: zip,
                bytes: held,
                entries,
            } => {
                let mut index = self
                    .index
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if index.is_none() {
                    *index = Some(open_zip(zip, held.as_ref()).ok()?);
                }
                let entry = index.as_mut()?.by_index(entries[i]).ok()?;
                entry.take(n as u64).read_to_end(&mut bytes).ok()?
            }
            Where::Memory(held) => {
                bytes.extend_from_slice(&held[i][..held[i].len().min(n)]);
                bytes.len()
            }
        };
        Some(bytes)
    }

    /// Hashes every file of the export that is not hashed yet, for readings made outside
    /// a vault. Safekeep itself hashes a folder's files as it seals them, and a zip's
    /// entries ([`Export::hash_entries`]) while it seals the zip.
    pub fn hash_files(&mut self) -> Result<(), Error> {
        let paths = match &self.at {
            Where::Zip { .. } => {
                let hashes = self.hash_entries()?;
                for (f, (_, sha)) in self.files.iter_mut().zip(hashes) {
                    f.sha256 = Some(sha);
                }
                return Ok(());
            }
            Where::Memory(_) => return Ok(()),
            Where::Disk(paths) => paths,
        };
        for (f, p) in self.files.iter_mut().zip(paths) {
            if f.sha256.is_none() {
                let mut file = File::open(p).map_err(|e| {
                    Error::Unreadable(format!("{} cannot be read: {}", p.display(), describe(&e)))
                })?;
                let mut hasher = Sha256::new();
                io::copy(&mut file, &mut hasher).map_err(|e| {
                    Error::Unreadable(format!("{} cannot be read: {}", p.display(), describe(&e)))
                })?;
                f.sha256 = Some(hex::encode(hasher.finalize()));
            }
        }
        Ok(())
    }

    /// The SHA-256 of every entry of a zip export, in the order of [`Export::files`]
    /// (none for other exports), each read no further than it declares: an entry that
    /// holds more or fewer bytes than it says is a damaged zip.
    pub fn hash_entries(&self) -> Result<Vec<(String, String)>, Error> {
        let Where::Zip { path, bytes, entries } = &self.at else {
            return Ok(Vec::new());
        };
        let mut archive = open_zip(path, bytes.as_ref())?;
        let mut out = Vec::with_capacity(entries.len());
        let mut buf = vec![0u8; 1 << 16];
        for (f, &i) in self.files.iter().zip(entries) {
            let (name, size) = (&f.path, f.size);
            let mut entry = archive.by_index(i).map_err(|e| {
                Error::Unreadable(format!(
                    "{name} cannot be read from the zip ({e}): the zip is damaged, and nothing was recorded"
                ))
            })?;
            let mut hasher = Sha256::new();
            let mut read = 0u64;
            let mut limited = (&mut entry).take(size + 1);
            loop {
                let n = limited
                    .read(&mut buf)
                    .map_err(|e| Error::Unreadable(format!("{name} cannot be read from the zip ({e}): the zip is damaged, and nothing was recorded")))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                read += n as u64;
            }
            if read != size {
                return Err(Error::Unreadable(format!(
                    "{name}: the zip says {size} bytes but it holds {read}{}; the zip is damaged and nothing was recorded",
                    if read > size { " or more" } else { "" }
                )));
            }
            out.push((name.clone(), hex::encode(hasher.finalize())));
        }
        Ok(out)
    }

    /// The files read as chats and the SHA-256 of the bytes read.
    pub fn read_hashes(&self) -> Vec<(String, String)> {
        self.read.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Reads one file of the export whole (chat files: text or JSON).
    pub fn read(&self, path: &str) -> Result<Vec<u8>, Error> {
        let i = self
            .files
            .iter()
            .position(|f| f.path == path)
            .ok_or_else(|| Error::Unreadable(format!("{path} is not in the export")))?;
        let size = self.files[i].size;
        if size > READ_MAX {
            return Err(Error::Unreadable(format!(
                "{path} is {size} bytes, more than Safekeep reads as one chat ({READ_MAX} bytes); export one conversation at a time, or a shorter period, from the app"
            )));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        match &self.at {
            Where::Disk(paths) => {
                File::open(&paths[i])
                    .and_then(|f| f.take(READ_MAX + 1).read_to_end(&mut bytes))
                    .map_err(|e| Error::Unreadable(format!("{path} cannot be read: {}", describe(&e))))?;
            }
            Where::Memory(held) => bytes.extend_from_slice(&held[i]),
            Where::Zip {
                path: zip,
                bytes: held,
                entries,
            } => {
                let mut archive = open_zip(zip, held.as_ref())?;
                let mut entry = archive
                    .by_index(entries[i])
                    .map_err(|e| Error::Unreadable(format!("{path} cannot be read from the zip: {e}")))?;
                (&mut entry)
                    .take(size + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::Unreadable(format!("{path} cannot be read from the zip: {e}")))?;
            }
        }
        let sha = hex::encode(Sha256::digest(&bytes));
        if let Some(known) = &self.files[i].sha256
            && *known != sha
        {
            return Err(Error::Unreadable(format!(
                "{path} changed while it was being read; nothing was recorded"
            )));
        }
        if let Ok(mut r) = self.read.lock() {
            r.push((path.to_owned(), sha));
        }
        Ok(bytes)
    }

    /// Reads one file of the export as a stream, for chat files too large to hold whole
    /// (an SMS backup reaches gigabytes): `read_with` gets the bytes in order, hashed as
    /// they pass, and the hash is checked and recorded as [`Export::read`] does — once
    /// `read_with` has read to the end (it must: a stream left unfinished is refused).
    pub fn stream<T>(
        &self,
        path: &str,
        read_with: impl FnOnce(&mut dyn Read) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let i = self
            .files
            .iter()
            .position(|f| f.path == path)
            .ok_or_else(|| Error::Unreadable(format!("{path} is not in the export")))?;
        let unreadable = |e: &dyn std::fmt::Display| Error::Unreadable(format!("{path} cannot be read: {e}"));
        let (value, sha) = match &self.at {
            Where::Disk(paths) => {
                let file = File::open(&paths[i]).map_err(|e| unreadable(&describe(&e)))?;
                hashed(io::BufReader::new(file), read_with)?
            }
            Where::Memory(held) => hashed(&held[i][..], read_with)?,
            Where::Zip {
                path: zip,
                bytes: held,
                entries,
            } => {
                let mut archive = open_zip(zip, held.as_ref())?;
                let entry = archive.by_index(entries[i]).map_err(|e| unreadable(&e))?;
                let size = self.files[i].size;
                hashed(io::BufReader::new(entry.take(size + 1)), read_with)?
            }
        };
        if let Some(known) = &self.files[i].sha256
            && *known != sha
        {
            return Err(Error::Unreadable(format!(
                "{path} changed while it was being read, or was not read to its end; nothing was recorded"
            )));
        }
        if let Ok(mut r) = self.read.lock() {
            r.push((path.to_owned(), sha));
        }
        Ok(value)
    }

    /// The file a message names: `name` is a file name (WhatsApp) or a path inside the
    /// export as the platform wrote it (Telegram, Instagram, Facebook). Among files with
    /// that name, the one whose path shares the longest ending with `name` wins, then
    /// the one in the folder `near` (the chat file's folder).
    pub fn find(&self, name: &str, near: &str) -> Option<&ExportFile> {
        let name = name.trim().trim_start_matches("./");
        let wanted: Vec<&str> = name.split('/').filter(|c| !c.is_empty()).collect();
        let base = wanted.last()?;
        let near_dir = near.rsplit_once('/').map_or("", |(d, _)| d);
        self.by_name
            .get(*base)?
            .iter()
            .map(|&i| &self.files[i])
            .filter_map(|f| {
                let have: Vec<&str> = f.path.split('/').collect();
                let common = have
                    .iter()
                    .rev()
                    .zip(wanted.iter().rev())
                    .take_while(|(a, b)| a == b)
                    .count();
                // One path must end with the whole of the other.
                (common == have.len() || common == wanted.len()).then_some((common, f))
            })
            .max_by_key(|(common, f)| {
                let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
                (*common, dir == near_dir)
            })
            .map(|(_, f)| f)
    }

    fn new(files: Vec<ExportFile>, at: Where) -> Self {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            let base = f.path.rsplit('/').next().unwrap_or(&f.path);
            by_name.entry(base.to_owned()).or_default().push(i);
        }
        Self {
            files,
            at,
            root: None,
            by_name,
            read: Mutex::new(Vec::new()),
            index: Mutex::new(None),
        }
    }

    fn loose(paths: &[PathBuf]) -> Result<Self, Error> {
        let mut files = Vec::new();
        let mut seen = HashMap::new();
        for p in paths {
            let meta = fs::metadata(p).map_err(|e| {
                Error::Unreadable(format!("{} cannot be read: {}", p.display(), describe(&e)))
            })?;
            if !meta.is_file() {
                return Err(Error::Unreadable(format!(
                    "{} is not a regular file",
                    p.display()
                )));
            }
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some(other) = seen.insert(name.clone(), p.clone()) {
                return Err(Error::Unreadable(format!(
                    "{} and {} have the same name; give the folder that holds them instead",
                    other.display(),
                    p.display()
                )));
            }
            files.push(ExportFile {
                path: name,
                size: meta.len(),
                sha256: None,
            });
        }
        Ok(Self::new(files, Where::Disk(paths.to_vec())))
    }

    fn folder(root: &Path) -> Result<Self, Error> {
        let mut found = Vec::new();
        walk(root, root, &mut found)?;
        found.sort_by(|a, b| a.1.cmp(&b.1));
        if found.is_empty() {
            return Err(Error::NotAnExport(format!("{} holds no files", root.display())));
        }
        let (paths, files): (Vec<PathBuf>, Vec<ExportFile>) = found
            .into_iter()
            .map(|(p, rel, size)| {
                (
                    p,
                    ExportFile {
                        path: rel,
                        size,
                        sha256: None,
                    },
                )
            })
            .unzip();
        let mut export = Self::new(files, Where::Disk(paths));
        export.root = Some(root.to_path_buf());
        Ok(export)
    }

    fn zip_from(path: &Path, bytes: Option<Arc<Vec<u8>>>) -> Result<Self, Error> {
        let mut archive = open_zip(path, bytes.as_ref())?;
        let mut problems = Vec::new();
        let mut listed = Vec::new();
        let mut seen = HashMap::new();
        for i in 0..archive.len() {
            let e = match archive.by_index_raw(i) {
                Ok(e) => e,
                Err(err) => {
                    problems.push(format!("entry #{} cannot be read: {err}", i + 1));
                    continue;
                }
            };
            let name = match e.name() {
                Ok(n) => n.into_owned(),
                Err(err) => {
                    problems.push(format!("entry #{} has a name that cannot be read: {err}", i + 1));
                    continue;
                }
            };
            if let Some(p) = unsafe_name(&name) {
                problems.push(p);
                continue;
            }
            if e.is_symlink() {
                problems.push(format!("{name}: is a link (it could point outside the export)"));
            }
            if e.encrypted() {
                problems.push(format!("{name}: is encrypted with a password"));
            }
            if !matches!(
                e.compression(),
                CompressionMethod::Stored | CompressionMethod::Deflated
            ) {
                problems.push(format!(
                    "{name}: uses a compression method ({}) Safekeep does not read",
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
            if e.is_dir() {
                continue;
            }
            if let Some(_first) = seen.insert(name.clone(), i) {
                problems.push(format!(
                    "{name}: appears twice in the zip (one could hide the other)"
                ));
            }
            listed.push((i, name, e.size()));
        }
        // Each entry is hashed whole, reading no more than it declares: the declared sizes
        // bound the work, and a zip that would expand past this much (many entries each
        // just under the bomb ratio) is refused before any is decompressed.
        let expanded: u64 = listed.iter().map(|(_, _, size)| *size).sum();
        let compressed = bytes
            .as_ref()
            .map_or_else(|| fs::metadata(path).map_or(0, |m| m.len()), |b| b.len() as u64);
        if expanded > MAX_EXPANDED.max(compressed.saturating_mul(MAX_TOTAL_RATIO)) {
            problems.push(format!(
                "its files would expand to {expanded} bytes from {compressed} (a \"zip bomb\"); nothing was decompressed"
            ));
        }
        if !problems.is_empty() {
            return Err(Error::Unreadable(format!(
                "{} is not safe to read, so nothing was recorded: {}",
                path.display(),
                problems.join("; ")
            )));
        }
        let (entries, files): (Vec<usize>, Vec<ExportFile>) = listed
            .into_iter()
            .map(|(i, name, size)| {
                (
                    i,
                    ExportFile {
                        path: name,
                        size,
                        sha256: None,
                    },
                )
            })
            .unzip();
        if files.is_empty() {
            return Err(Error::NotAnExport(format!("{} is an empty zip", path.display())));
        }
        Ok(Self::new(
            files,
            Where::Zip {
                path: path.to_path_buf(),
                bytes,
                entries,
            },
        ))
    }
}

/// Opens the zip at `path`, or the one held in `bytes`.
/// Runs `read_with` over `source`, hashing what it reads; then reads what it left (so
/// the hash is of the whole file) and returns its value and the SHA-256 (hex).
fn hashed<R: Read, T>(
    source: R,
    read_with: impl FnOnce(&mut dyn Read) -> Result<T, Error>,
) -> Result<(T, String), Error> {
    struct Hashing<R> {
        inner: R,
        hasher: Sha256,
    }
    impl<R: Read> Read for Hashing<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.hasher.update(&buf[..n]);
            Ok(n)
        }
    }
    let mut reader = Hashing {
        inner: source,
        hasher: Sha256::new(),
    };
    let value = read_with(&mut reader)?;
    io::copy(&mut reader, &mut io::sink())
        .map_err(|e| Error::Unreadable(format!("the file cannot be read to its end: {}", describe(&e))))?;
    Ok((value, hex::encode(reader.hasher.finalize())))
}

/// A zip held in memory, shared by every reader of it.
struct Held(Arc<Vec<u8>>);

impl AsRef<[u8]> for Held {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn open_zip(path: &Path, bytes: Option<&Arc<Vec<u8>>>) -> Result<ZipArchive<Box<dyn ReadSeek>>, Error> {
    let source: Box<dyn ReadSeek> = match bytes {
        Some(b) => Box::new(io::Cursor::new(Held(Arc::clone(b)))),
        None => Box::new(File::open(path).map_err(|e| {
            Error::Unreadable(format!("{} cannot be read: {}", path.display(), describe(&e)))
        })?),
    };
    ZipArchive::new(source).map_err(|e| {
        Error::Unreadable(format!(
            "{} is not a readable zip file ({e}); it may be incomplete (an interrupted download)",
            path.display()
        ))
    })
}

/// Why a name in a zip is unsafe, if it is.
fn unsafe_name(name: &str) -> Option<String> {
    if name.starts_with('/') || name.contains('\\') || name.as_bytes().get(1) == Some(&b':') {
        return Some(format!(
            "{}: is an absolute path (it could write anywhere when unzipped)",
            name.escape_debug()
        ));
    }
    if name.split('/').any(|c| c == "..") {
        return Some(format!(
            "{}: contains \"..\" (it could escape the folder when unzipped)",
            name.escape_debug()
        ));
    }
    if name.chars().any(char::is_control) {
        return Some(format!("{}: contains control characters", name.escape_debug()));
    }
    None
}

fn is_zip(path: &Path) -> io::Result<bool> {
    let mut head = [0u8; 4];
    let mut f = File::open(path)?;
    let n = f.read(&mut head)?;
    Ok(n == 4 && head == *b"PK\x03\x04")
}

/// Whether `meta` (from `symlink_metadata`) is a link: a symbolic link, or on Windows
/// any reparse point (a junction), which `FileType::is_symlink` does not report.
fn is_link(meta: &fs::Metadata) -> bool {
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

fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String, u64)>) -> Result<(), Error> {
    let rd = fs::read_dir(dir)
        .map_err(|e| Error::Unreadable(format!("{} cannot be read: {}", dir.display(), describe(&e))))?;
    for entry in rd {
        let entry = entry
            .map_err(|e| Error::Unreadable(format!("{} cannot be read: {}", dir.display(), describe(&e))))?;
        let path = entry.path();
        let meta = fs::symlink_metadata(&path)
            .map_err(|e| Error::Unreadable(format!("{} cannot be read: {}", path.display(), describe(&e))))?;
        if is_link(&meta) {
            return Err(Error::Unreadable(format!(
                "{} is a link, not a file; an export never holds links. Copy the export without it",
                path.display()
            )));
        } else if meta.is_dir() {
            walk(root, &path, out)?;
        } else if meta.is_file() {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((path, rel, meta.len()));
        }
    }
    Ok(())
}

fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "there is no such file or folder".into(),
        io::ErrorKind::PermissionDenied => "this account is not allowed to read it".into(),
        _ => e.to_string(),
    }
}
