//! A WARC/1.1 writer: just what a capture needs, quoting the standard it follows.
//!
//! ISO 28500:2017 (WARC/1.1), § 4:
//!
//! ```text
//! warc-file   = 1*warc-record
//! warc-record = header CRLF block CRLF CRLF
//! header      = version warc-fields
//! version     = "WARC/1.1" CRLF
//! warc-fields = *named-field CRLF
//! ```
//!
//! Each record is its own gzip member (Annex D: "each record … compressed individually"),
//! so tools can seek to any record (the offsets are returned for the WACZ's index). Records written, in order: `warcinfo`; per hop a
//! `request` and its `response` (linked by `WARC-Concurrent-To`); a `metadata` record
//! with Safekeep's capture description, referring to the last response, whose target is
//! `urn:safekeep:capture:<the warcinfo record's UUID>` (never a web address, which replay
//! tools would serve instead of the page).
//!
//! Digests are `sha256:` + base32 (RFC 4648), the form WARC tools write. The block digest
//! covers the whole block; the payload digest covers the HTTP message body exactly as it
//! was transmitted (the bytes after the header block), which is what warcio, wget and
//! Heritrix compute, so `warcio check` confirms both.

use std::io::{self, Read, Write};

use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::fetch::Exchange;
use super::no_images::Verdict;
use super::spool::Body;

/// Bodies larger than this are deflated at the fastest level: they are mostly media,
/// which deflate barely shrinks, and level 6 would make sealing a large video slow.
const FAST_DEFLATE_ABOVE: u64 = 1 << 20;

/// A response body for the writer: bytes at hand, or a recorded body read as a stream.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// In memory.
    Bytes(&'a [u8]),
    /// Recorded by the browser (possibly spooled to disk).
    Body(&'a Body),
}

impl Payload<'_> {
    fn len(&self) -> u64 {
        match self {
            Self::Bytes(b) => b.len() as u64,
            Self::Body(b) => b.len(),
        }
    }

    pub(super) fn reader(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        match self {
            Self::Bytes(b) => Ok(Box::new(*b)),
            Self::Body(b) => b.reader(),
        }
    }
}

/// What the `warcinfo` record says about the file.
#[derive(Debug, Clone)]
pub struct WarcInfo {
    /// The file name the WARC is stored under.
    pub filename: String,
    /// When writing began.
    pub date: DateTime<Utc>,
    /// How the exchanges were recorded (one sentence for the `warcinfo` record).
    pub description: String,
    /// Keeps only checked text bodies (a no-images case, docs/safeguarding.md,
    /// [`super::no_images::judge`]): this writer is where every recorded body passes, so
    /// one rule covers the page, its subresources and the videos fetched for it.
    pub no_images: bool,
}

/// The WARC field that marks a response whose body was left out, and why.
pub const REMOVED_FIELD: &str = "WARC-Safekeep-Removed";

/// Why a body was left out, as [`REMOVED_FIELD`] says it.
pub const REMOVED_WHY: &str =
    "picture or video not kept: no-images case (the person in the images is, or may have been, under 18)";

/// Checks whether a response is a picture or a video, by its media type or, when that
/// says nothing useful, by its first bytes.
pub fn is_picture_or_video(mime: &str, head: &[u8]) -> bool {
    let mime = mime.trim().to_ascii_lowercase();
    let by_type = |t: &str| t.starts_with("image/") || t.starts_with("video/") || t.contains("mpegurl");
    by_type(&mime) || infer::get(head).is_some_and(|t| by_type(t.mime_type()))
}

/// One request and its response, as the WARC writer needs them (from Safekeep's own
/// fetch, or from what the browser reported over the DevTools protocol).
#[derive(Debug, Clone)]
pub struct WarcExchange<'a> {
    /// `WARC-Target-URI`.
    pub url: &'a str,
    /// When the request was sent.
    pub date: DateTime<Utc>,
    /// `WARC-IP-Address`, when known.
    pub ip: Option<String>,
    /// The HTTP request message.
    pub request: &'a [u8],
    /// The HTTP response message's head (status line, headers, blank line).
    pub response_head: &'a [u8],
    /// The HTTP response message's body.
    pub body: Payload<'a>,
    /// The status code (for the index).
    pub status: u16,
    /// The media type (for the index).
    pub mime: String,
    /// Extra WARC fields for both records, e.g. `WARC-Protocol`.
    pub fields: Vec<(&'static str, String)>,
}

impl WarcExchange<'_> {
    /// How many bytes the response body has.
    pub fn body_len(&self) -> u64 {
        self.body.len()
    }
}

impl<'a> From<&'a Exchange> for WarcExchange<'a> {
    fn from(ex: &'a Exchange) -> Self {
        Self {
            url: ex.url.as_str(),
            date: ex.sent_at,
            ip: Some(ex.remote.ip().to_string()),
            request: &ex.request,
            response_head: &ex.response[..ex.head_len.min(ex.response.len())],
            body: Payload::Bytes(&ex.response[ex.head_len.min(ex.response.len())..]),
            status: ex.status,
            mime: ex
                .header("content-type")
                .and_then(|t| t.split(';').next())
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase(),
            fields: Vec::new(),
        }
    }
}

/// Where one response record sits in the file: what a CDXJ index line needs.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    /// `WARC-Target-URI`.
    pub url: String,
    /// `WARC-Date` of the record.
    pub date: DateTime<Utc>,
    /// Status code.
    pub status: u16,
    /// Media type.
    pub mime: String,
    /// `WARC-Payload-Digest`.
    pub digest: String,
    /// Byte offset of the record's gzip member.
    pub offset: u64,
    /// Length of the gzip member.
    pub length: u64,
}

/// A written WARC file and the index of its responses.
#[derive(Debug)]
pub struct Written {
    /// The gzipped WARC.
    pub bytes: Vec<u8>,
    /// One entry per response record, in file order.
    pub index: Vec<IndexEntry>,
}

/// Writes the exchanges and the capture description as a gzipped WARC/1.1 file in memory.
pub fn write(
    info: &WarcInfo,
    exchanges: &[WarcExchange<'_>],
    metadata_json: &[u8],
    rng: &mut dyn RngCore,
) -> io::Result<Written> {
    let mut bytes = Vec::new();
    let index = write_into(&mut bytes, info, exchanges, metadata_json, rng)?;
    Ok(Written { bytes, index })
}

/// Counts what passes through, for the index's offsets.
struct Counted<'w> {
    inner: &'w mut dyn Write,
    at: u64,
}

impl Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the exchanges and the capture description as a gzipped WARC/1.1 file into
/// `out`, reading each body twice (digests, then the record) so that none need be held
/// in memory. Returns the index of the response records.
pub fn write_into(
    out: &mut dyn Write,
    info: &WarcInfo,
    exchanges: &[WarcExchange<'_>],
    metadata_json: &[u8],
    rng: &mut dyn RngCore,
) -> io::Result<Vec<IndexEntry>> {
    let mut out = Counted { inner: out, at: 0 };
    let out = &mut out;
    let mut index = Vec::new();
    let info_id = record_id(rng);
    let fields = format!(
        "software: Safekeep {}\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\ndescription: {}\r\n",
        env!("CARGO_PKG_VERSION"),
        clean(&info.description),
    );
    record(
        out,
        &[
            ("WARC-Type", "warcinfo".into()),
            ("WARC-Record-ID", info_id.clone()),
            ("WARC-Date", warc_date(&info.date)),
            ("WARC-Filename", info.filename.clone()),
            ("Content-Type", "application/warc-fields".into()),
        ],
        Payload::Bytes(fields.as_bytes()),
        None,
    )?;
    let mut last_response = None;
    for ex in exchanges {
        let request_id = record_id(rng);
        let response_id = record_id(rng);
        let date = warc_date(&ex.date);
        let uri = ex.url.to_owned();
        let mut request_fields = vec![
            ("WARC-Type", "request".into()),
            ("WARC-Record-ID", request_id.clone()),
            ("WARC-Date", date.clone()),
            ("WARC-Target-URI", uri.clone()),
        ];
        if let Some(ip) = &ex.ip {
            request_fields.push(("WARC-IP-Address", ip.clone()));
        }
        let mut response_fields = request_fields.clone();
        request_fields.push(("WARC-Concurrent-To", response_id.clone()));
        request_fields.push(("WARC-Warcinfo-ID", info_id.clone()));
        request_fields.push(("Content-Type", "application/http;msgtype=request".into()));
        request_fields.extend(ex.fields.iter().cloned());
        record(out, &request_fields, Payload::Bytes(ex.request), None)?;
        response_fields[0].1 = "response".into();
        response_fields[1].1 = response_id.clone();
        response_fields.push(("WARC-Warcinfo-ID", info_id.clone()));
        response_fields.push(("Content-Type", "application/http;msgtype=response".into()));
        response_fields.extend(ex.fields.iter().cloned());
        let verdict = if info.no_images {
            super::no_images::judge(&ex.mime, ex.response_head, &ex.body)?
        } else {
            Verdict::Keep
        };
        let body = match &verdict {
            Verdict::Keep => ex.body,
            Verdict::Rewrite(rewritten, why) => {
                response_fields.push((REMOVED_FIELD, why.clone()));
                Payload::Bytes(rewritten)
            }
            Verdict::LeaveOut(why) => {
                response_fields.push(("WARC-Truncated", "unspecified".into()));
                response_fields.push((REMOVED_FIELD, why.clone()));
                Payload::Bytes(&[])
            }
        };
        let offset = out.at;
        let payload_digest = record(
            out,
            &response_fields,
            Payload::Bytes(ex.response_head),
            Some(body),
        )?;
        index.push(IndexEntry {
            url: uri,
            date: ex.date,
            status: ex.status,
            mime: ex.mime.clone(),
            digest: payload_digest.unwrap_or_default(),
            offset,
            length: out.at - offset,
        });
        last_response = Some(response_id);
    }
    if let Some(refers_to) = last_response {
        // Not the page's address: replay tools (pywb) would serve this record in place of
        // the page. The capture is named by its `warcinfo` record's id.
        let capture = format!(
            "urn:safekeep:capture:{}",
            info_id.trim_start_matches("<urn:uuid:").trim_end_matches('>')
        );
        record(
            out,
            &[
                ("WARC-Type", "metadata".into()),
                ("WARC-Record-ID", record_id(rng)),
                ("WARC-Date", warc_date(&info.date)),
                ("WARC-Target-URI", capture),
                ("WARC-Refers-To", refers_to),
                ("WARC-Warcinfo-ID", info_id),
                ("Content-Type", "application/json".into()),
            ],
            Payload::Bytes(metadata_json),
            None,
        )?;
    }
    Ok(index)
}

/// Appends one record as one gzip member. Its block is `block` followed by `payload`
/// when there is one; the payload then gets a payload digest, which is returned.
fn record(
    out: &mut dyn Write,
    fields: &[(&str, String)],
    block: Payload<'_>,
    payload: Option<Payload<'_>>,
) -> io::Result<Option<String>> {
    let mut block_hash = Sha256::new();
    copy(block, &mut [&mut block_hash])?;
    let payload_digest = match payload {
        Some(p) => {
            let mut payload_hash = Sha256::new();
            let n = copy(p, &mut [&mut block_hash, &mut payload_hash])?;
            if n != p.len() {
                return Err(io::Error::other(
                    "a recorded body changed length while it was written",
                ));
            }
            Some(base32(&payload_hash.finalize()))
        }
        None => None,
    };
    let length = block.len() + payload.map_or(0, |p| p.len());
    let mut head = String::from("WARC/1.1\r\n");
    for (name, value) in fields {
        head.push_str(&format!("{name}: {}\r\n", clean(value)));
    }
    head.push_str(&format!(
        "WARC-Block-Digest: {}\r\n",
        base32(&block_hash.finalize())
    ));
    if let Some(d) = &payload_digest {
        head.push_str(&format!("WARC-Payload-Digest: {d}\r\n"));
    }
    head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
    let level = if length > FAST_DEFLATE_ABOVE {
        Compression::fast()
    } else {
        Compression::new(6)
    };
    let mut gz = GzEncoder::new(out, level);
    gz.write_all(head.as_bytes())?;
    copy(block, &mut [&mut gz])?;
    if let Some(p) = payload {
        copy(p, &mut [&mut gz])?;
    }
    gz.write_all(b"\r\n\r\n")?;
    gz.finish()?;
    Ok(payload_digest)
}

/// Streams `from` into every sink; returns the bytes copied.
fn copy(from: Payload<'_>, to: &mut [&mut dyn Write]) -> io::Result<u64> {
    if let Payload::Bytes(b) = from {
        for sink in to.iter_mut() {
            sink.write_all(b)?;
        }
        return Ok(b.len() as u64);
    }
    let mut reader = from.reader()?;
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for sink in to.iter_mut() {
            sink.write_all(&buf[..n])?;
        }
        total += n as u64;
    }
}

fn base32(hash: &[u8]) -> String {
    format!("sha256:{}", data_encoding::BASE32.encode(hash))
}

/// `sha256:` and the base32 digest, as in `WARC-Block-Digest: sha1:…` everywhere.
pub fn digest(bytes: &[u8]) -> String {
    base32(&Sha256::digest(bytes))
}

/// A field value cannot hold a line break (it would start a new field).
fn clean(value: &str) -> String {
    value.replace(['\r', '\n'], " ")
}

fn record_id(rng: &mut dyn RngCore) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    format!(
        "<urn:uuid:{}>",
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    )
}

/// WARC 1.1 allows fractional seconds (§ 5.4); microseconds keep request order visible.
fn warc_date(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256_base32() {
        // SHA-256("") in base32, as `python3 -c "import base64,hashlib;print(base64.b32encode(hashlib.sha256(b'').digest()))"` prints.
        assert_eq!(
            digest(b""),
            "sha256:4OYMIQUY7QOBJGX36TEJS35ZEQT24QPEMSNZGTFESWMRW6CSXBKQ===="
        );
    }

    #[test]
    fn every_record_is_its_own_gzip_member() {
        let mut out = Vec::new();
        record(
            &mut out,
            &[("WARC-Type", "resource".into())],
            Payload::Bytes(b"abc"),
            None,
        )
        .expect("write");
        let first = out.len();
        let body = Body::Memory(b"\r\nf".to_vec());
        let payload = record(
            &mut out,
            &[("WARC-Type", "resource".into())],
            Payload::Bytes(b"de"),
            Some(Payload::Body(&body)),
        )
        .expect("write");
        assert_eq!(payload.as_deref(), Some(digest(b"\r\nf").as_str()));
        let mut one = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&out[..first]), &mut one)
            .expect("gunzip");
        assert!(one.starts_with("WARC/1.1\r\nWARC-Type: resource\r\n"));
        assert!(one.ends_with("Content-Length: 3\r\n\r\nabc\r\n\r\n"));
        let mut all = String::new();
        std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(&out[..]), &mut all)
            .expect("gunzip");
        assert!(all.ends_with("Content-Length: 5\r\n\r\nde\r\nf\r\n\r\n"));
    }
}
