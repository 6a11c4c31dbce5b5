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
//! with Safekeep's capture description, referring to the last response.
//!
//! Digests are `sha256:` + base32 (RFC 4648), the form WARC tools write. The block digest
//! covers the whole block; the payload digest covers the HTTP message body exactly as it
//! was transmitted (the bytes after the header block), which is what warcio, wget and
//! Heritrix compute, so `warcio check` confirms both.

use std::io::Write;

use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::fetch::Exchange;

/// What the `warcinfo` record says about the file.
#[derive(Debug, Clone)]
pub struct WarcInfo {
    /// The file name the WARC is stored under.
    pub filename: String,
    /// When writing began.
    pub date: DateTime<Utc>,
    /// How the exchanges were recorded (one sentence for the `warcinfo` record).
    pub description: String,
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
    /// The HTTP response message (head and body).
    pub response: &'a [u8],
    /// Where the body starts within `response`.
    pub head_len: usize,
    /// The status code (for the index).
    pub status: u16,
    /// The media type (for the index).
    pub mime: String,
    /// Extra WARC fields for both records, e.g. `WARC-Protocol`.
    pub fields: Vec<(&'static str, String)>,
}

impl<'a> From<&'a Exchange> for WarcExchange<'a> {
    fn from(ex: &'a Exchange) -> Self {
        Self {
            url: ex.url.as_str(),
            date: ex.sent_at,
            ip: Some(ex.remote.ip().to_string()),
            request: &ex.request,
            response: &ex.response,
            head_len: ex.head_len,
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

/// Writes the exchanges and the capture description as a gzipped WARC/1.1 file.
pub fn write(
    info: &WarcInfo,
    exchanges: &[WarcExchange<'_>],
    metadata_json: &[u8],
    rng: &mut dyn RngCore,
) -> std::io::Result<Written> {
    let mut out = Vec::new();
    let mut index = Vec::new();
    let info_id = record_id(rng);
    let fields = format!(
        "software: Safekeep {}\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\ndescription: {}\r\n",
        env!("CARGO_PKG_VERSION"),
        clean(&info.description),
    );
    record(
        &mut out,
        &[
            ("WARC-Type", "warcinfo".into()),
            ("WARC-Record-ID", info_id.clone()),
            ("WARC-Date", warc_date(&info.date)),
            ("WARC-Filename", info.filename.clone()),
            ("Content-Type", "application/warc-fields".into()),
        ],
        fields.as_bytes(),
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
        record(&mut out, &request_fields, ex.request, None)?;
        response_fields[0].1 = "response".into();
        response_fields[1].1 = response_id.clone();
        response_fields.push(("WARC-Warcinfo-ID", info_id.clone()));
        response_fields.push(("Content-Type", "application/http;msgtype=response".into()));
        response_fields.extend(ex.fields.iter().cloned());
        let offset = out.len() as u64;
        let payload = &ex.response[ex.head_len.min(ex.response.len())..];
        record(&mut out, &response_fields, ex.response, Some(payload))?;
        index.push(IndexEntry {
            url: uri.clone(),
            date: ex.date,
            status: ex.status,
            mime: ex.mime.clone(),
            digest: digest(payload),
            offset,
            length: out.len() as u64 - offset,
        });
        last_response = Some((response_id, uri));
    }
    if let Some((refers_to, uri)) = last_response {
        record(
            &mut out,
            &[
                ("WARC-Type", "metadata".into()),
                ("WARC-Record-ID", record_id(rng)),
                ("WARC-Date", warc_date(&info.date)),
                ("WARC-Target-URI", uri),
                ("WARC-Refers-To", refers_to),
                ("WARC-Warcinfo-ID", info_id),
                ("Content-Type", "application/json".into()),
            ],
            metadata_json,
            None,
        )?;
    }
    Ok(Written { bytes: out, index })
}

/// Appends one record as one gzip member. `payload`, when given, gets a payload digest.
fn record(
    out: &mut Vec<u8>,
    fields: &[(&str, String)],
    block: &[u8],
    payload: Option<&[u8]>,
) -> std::io::Result<()> {
    let mut head = String::from("WARC/1.1\r\n");
    for (name, value) in fields {
        head.push_str(&format!("{name}: {}\r\n", clean(value)));
    }
    head.push_str(&format!("WARC-Block-Digest: {}\r\n", digest(block)));
    if let Some(payload) = payload {
        head.push_str(&format!("WARC-Payload-Digest: {}\r\n", digest(payload)));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", block.len()));
    let mut gz = GzEncoder::new(Vec::new(), Compression::new(6));
    gz.write_all(head.as_bytes())?;
    gz.write_all(block)?;
    gz.write_all(b"\r\n\r\n")?;
    out.extend_from_slice(&gz.finish()?);
    Ok(())
}

/// `sha256:` and the base32 digest, as in `WARC-Block-Digest: sha1:…` everywhere.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", data_encoding::BASE32.encode(&Sha256::digest(bytes)))
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
        record(&mut out, &[("WARC-Type", "resource".into())], b"abc", None).expect("write");
        let first = out.len();
        record(&mut out, &[("WARC-Type", "resource".into())], b"de\r\nf", None).expect("write");
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
