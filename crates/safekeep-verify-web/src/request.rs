//! What the page asks for, and the answer: the files dropped (or the folder chosen), the
//! key for an encrypted bundle, the fingerprint expected and any authority roots the
//! person chose to recognise; answered with `safekeep verify --json`'s report.

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use safekeep_bundle::VerifyReport;
use safekeep_bundle::encrypted::{BundleKey, ReadSeek};
use safekeep_bundle::timestamp_token::certificates_from_pem;
use safekeep_bundle::timestamp_trust::TrustList;
use safekeep_bundle::verify::{self, Bundle, Folder, Kind, ZipBytes};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Reads bytes of the files the page holds, by their index in [`Request::files`].
pub trait Reader: Send + Sync {
    /// Reads up to `buf.len()` bytes of file `file` from `offset`; 0 at its end.
    fn read_at(&self, file: u32, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// One file the page holds.
#[derive(Debug, Clone, Deserialize)]
pub struct FileRef {
    /// Its name; for a chosen folder, its path inside it (`bag/data/x`, `/`-separated,
    /// starting with the chosen folder's own name, as browsers give it).
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What was dropped on the page.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Dropped {
    /// One `.zip` or `.zip.age` file: `files[0]`.
    Zip,
    /// A chosen folder: every file in it.
    Folder,
}

/// The page's request.
#[derive(Deserialize)]
pub struct Request {
    /// A zip, or a folder.
    pub kind: Dropped,
    /// The files.
    pub files: Vec<FileRef>,
    /// The passphrase of an encrypted bundle.
    #[serde(default)]
    pub passphrase: Option<String>,
    /// The text of an age identity file, for a bundle encrypted to a key.
    #[serde(default)]
    pub identity: Option<String>,
    /// The fingerprint the person was told, when they give it.
    #[serde(default)]
    pub expect_key: Option<String>,
    /// PEM roots of timestamp authorities the person chose to recognise.
    #[serde(default)]
    pub trust_pem: Option<String>,
}

/// The answer: the report, or why nothing could be checked.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// Every check that could run, as `safekeep verify --json` prints them.
    Report(VerifyReport),
    /// The request itself was unusable (no file, a root file that is not PEM).
    Error(String),
}

/// Runs the request and answers in JSON.
pub fn answer(request: &str, reader: Arc<dyn Reader>, progress: &(dyn Fn(u64) + Sync)) -> String {
    let answer = match serde_json::from_str::<Request>(request) {
        Ok(r) => run(r, reader, progress).map_or_else(Answer::Error, Answer::Report),
        Err(e) => Answer::Error(format!("the page sent a request the verifier cannot read ({e})")),
    };
    serde_json::to_string(&answer).unwrap_or_else(|_| r#"{"error":"the report could not be written"}"#.into())
}

/// Verifies what the request names.
pub fn run(
    request: Request,
    reader: Arc<dyn Reader>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<VerifyReport, String> {
    let mut trust = TrustList::pinned();
    if let Some(pem) = request.trust_pem.as_deref().filter(|p| !p.trim().is_empty()) {
        let roots = certificates_from_pem(pem.as_bytes())
            .map_err(|e| format!("the authority root file is not a PEM certificate file ({e})"))?;
        trust = trust.with(roots);
    }
    let key = match (request.identity, request.passphrase) {
        (Some(id), _) if !id.trim().is_empty() => Some(BundleKey::Identities(Zeroizing::new(id))),
        (_, Some(p)) if !p.is_empty() => Some(BundleKey::Passphrase(Zeroizing::new(p))),
        _ => None,
    };
    let bundle = match request.kind {
        Dropped::Zip => {
            let [file] = request.files.as_slice() else {
                return Err("drop one bundle file (.zip or .zip.age) at a time".into());
            };
            Bundle::Zip(Arc::new(PageZip {
                reader,
                size: file.size,
                name: file.path.clone(),
            }))
        }
        Dropped::Folder => {
            if request.files.is_empty() {
                return Err("the chosen folder holds no files".into());
            }
            Bundle::Folder(Arc::new(PageFolder::new(reader, &request.files)))
        }
    };
    let expect = request
        .expect_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    Ok(verify::verify_bundle(bundle, expect, key.as_ref(), &trust, progress).0)
}

/// The dropped zip file.
struct PageZip {
    reader: Arc<dyn Reader>,
    size: u64,
    name: String,
}

impl ZipBytes for PageZip {
    fn open(&self) -> io::Result<Box<dyn ReadSeek>> {
        Ok(Box::new(PageFile::new(self.reader.clone(), 0, self.size)))
    }
    fn name(&self) -> String {
        self.name.clone()
    }
}

/// Reads ahead this much for small reads (a zip's headers); larger reads go straight
/// to the page.
const READ_AHEAD: usize = 64 << 10;

/// A reader over one of the page's files, with a small read-ahead buffer: the zip reader
/// asks for headers a few bytes at a time, and each request crosses to the page.
struct PageFile {
    reader: Arc<dyn Reader>,
    index: u32,
    size: u64,
    pos: u64,
    /// Bytes of the file from `buf_at`.
    buf: Vec<u8>,
    buf_at: u64,
}

impl PageFile {
    fn new(reader: Arc<dyn Reader>, index: u32, size: u64) -> Self {
        Self {
            reader,
            index,
            size,
            pos: 0,
            buf: Vec::new(),
            buf_at: 0,
        }
    }
}

impl Read for PageFile {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.pos >= self.size {
            return Ok(0);
        }
        let end = self.buf_at + self.buf.len() as u64;
        if self.pos >= self.buf_at && self.pos < end {
            let from = (self.pos - self.buf_at) as usize;
            let n = out.len().min(self.buf.len() - from);
            out[..n].copy_from_slice(&self.buf[from..from + n]);
            self.pos += n as u64;
            return Ok(n);
        }
        if out.len() >= READ_AHEAD {
            let n = self.reader.read_at(self.index, self.pos, out)?;
            self.pos += n as u64;
            return Ok(n);
        }
        self.buf.resize(READ_AHEAD, 0);
        let n = self.reader.read_at(self.index, self.pos, &mut self.buf)?;
        self.buf.truncate(n);
        self.buf_at = self.pos;
        if n == 0 {
            return Ok(0);
        }
        self.read(out)
    }
}

impl Seek for PageFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the file's start"))?;
        Ok(self.pos)
    }
}

/// A chosen folder: the page's files by their paths inside it.
struct PageFolder {
    reader: Arc<dyn Reader>,
    /// The chosen folder's name (the first component every path shares), or "".
    name: String,
    /// Path below the chosen folder → (index, size).
    files: HashMap<String, (u32, u64)>,
    /// Folder below the chosen folder ("" for itself) → what lies directly in it.
    children: HashMap<String, Vec<(String, Kind)>>,
}

impl PageFolder {
    fn new(reader: Arc<dyn Reader>, files: &[FileRef]) -> Self {
        let first = |p: &str| p.split_once('/').map(|(a, _)| a.to_owned());
        let name = files
            .first()
            .and_then(|f| first(&f.path))
            .filter(|n| {
                files
                    .iter()
                    .all(|f| first(&f.path).as_deref() == Some(n.as_str()))
            })
            .unwrap_or_default();
        let mut by_path = HashMap::new();
        let mut children: HashMap<String, Vec<(String, Kind)>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            let below = if name.is_empty() {
                f.path.as_str()
            } else {
                &f.path[name.len() + 1..]
            };
            by_path.insert(below.to_owned(), (i as u32, f.size));
            // Each folder on the way lists the next name down, once.
            let mut parent = String::new();
            let parts: Vec<&str> = below.split('/').collect();
            for (k, part) in parts.iter().enumerate() {
                let kind = if k + 1 == parts.len() {
                    Kind::File(f.size)
                } else {
                    Kind::Folder
                };
                let list = children.entry(parent.clone()).or_default();
                if !list.iter().any(|(n, c)| n == part && *c == kind) {
                    list.push(((*part).to_owned(), kind));
                }
                parent = if parent.is_empty() {
                    (*part).to_owned()
                } else {
                    format!("{parent}/{part}")
                };
            }
        }
        Self {
            reader,
            name,
            files: by_path,
            children,
        }
    }
}

impl Folder for PageFolder {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn children(&self, dir: &str) -> io::Result<Vec<(String, Kind)>> {
        Ok(self.children.get(dir).cloned().unwrap_or_default())
    }

    fn open(&self, path: &str) -> io::Result<Box<dyn ReadSeek>> {
        let (index, size) = self
            .files
            .get(path)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "is not among the chosen files"))?;
        Ok(Box::new(PageFile::new(self.reader.clone(), *index, *size)))
    }
}
