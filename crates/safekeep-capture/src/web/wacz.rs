//! WACZ 1.1.1 packaging of one capture, so that ReplayWeb.page (and any WACZ tool) can
//! replay it. The spec (https://specs.webrecorder.net/wacz/1.1.1/):
//!
//! ```text
//! archive/data.warc.gz      the WARC, stored (not deflated)
//! indexes/index.cdx         CDXJ: "<SURT> <14-digit timestamp> {json}" per response, sorted
//! pages/pages.jsonl         {"format": "json-pages-1.0", …} then one page per line
//! datapackage.json          Frictionless data package: every file's path, sha256, bytes
//! datapackage-digest.json   the sha256 of datapackage.json, signed with the vault's
//!                           WACZ key (safekeep_bundle::wacz_signature)
//! ```
//!
//! Every entry is stored uncompressed, which the spec requires for WARCs and allows for
//! the rest, so offsets in the index point straight into the WARC.

use std::io::{self, Read, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use url::Url;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use safekeep_core::bundle::wacz_signature::WaczSigner;

use super::warc::IndexEntry;

/// The WARC's name inside the package.
pub const WARC_PATH: &str = "archive/data.warc.gz";

/// The page a package shows first.
#[derive(Debug, Clone)]
pub struct PageInfo {
    /// Its address.
    pub url: String,
    /// Its title.
    pub title: String,
    /// When it was captured.
    pub date: DateTime<Utc>,
}

/// Writes the package into `out` around a WARC written by [`super::warc::write_into`],
/// read once from `warc` (`warc_len` bytes), so that neither is held in memory. The zip
/// is written as a stream (sizes after each entry), which every zip reader accepts.
pub fn package<W: Write>(
    warc: &mut dyn Read,
    warc_len: u64,
    index: &[IndexEntry],
    page: &PageInfo,
    signer: Option<&WaczSigner>,
    out: W,
) -> io::Result<W> {
    let ts = |d: &DateTime<Utc>| d.format("%Y%m%d%H%M%S").to_string();
    let mut lines: Vec<String> = index
        .iter()
        .map(|e| {
            let fields = json!({
                "url": e.url,
                "mime": e.mime,
                "status": e.status.to_string(),
                "digest": e.digest,
                "length": e.length.to_string(),
                "offset": e.offset.to_string(),
                "filename": "data.warc.gz",
            });
            format!("{} {} {fields}", surt(&e.url), ts(&e.date))
        })
        .collect();
    lines.sort();
    let cdx = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let pages = format!(
        "{}\n{}\n",
        json!({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}),
        json!({
            "id": hex::encode(&Sha256::digest(page.url.as_bytes())[..8]),
            "url": page.url,
            "ts": page.date.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "title": page.title,
        })
    );
    let mut zip = ZipWriter::new_stream(out);
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .unix_permissions(0o644);
    let d = page.date;
    let time = zip::DateTime::from_date_and_time(
        u16::try_from(d.year()).unwrap_or(1980),
        d.month() as u8,
        d.day() as u8,
        d.hour() as u8,
        d.minute() as u8,
        d.second() as u8,
    )
    .unwrap_or_default();
    let opts = opts.last_modified_time(time);
    let start = |zip: &mut ZipWriter<_>, path: &str, len: u64| {
        zip.start_file(path, opts.large_file(len >= u64::from(u32::MAX)))
            .map_err(io::Error::other)
    };
    start(&mut zip, WARC_PATH, warc_len)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut copied = 0u64;
    loop {
        let n = match warc.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hash.update(&buf[..n]);
        zip.write_all(&buf[..n])?;
        copied += n as u64;
    }
    if copied != warc_len {
        return Err(io::Error::other("the WARC changed length while it was packaged"));
    }
    let mut resources = vec![resource(WARC_PATH, &hex::encode(hash.finalize()), warc_len)];
    let small: [(&str, &[u8]); 2] = [
        ("indexes/index.cdx", cdx.as_bytes()),
        ("pages/pages.jsonl", pages.as_bytes()),
    ];
    for (path, bytes) in small {
        resources.push(resource(
            path,
            &hex::encode(Sha256::digest(bytes)),
            bytes.len() as u64,
        ));
    }
    let created = page.date.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let datapackage = serde_json::to_vec_pretty(&json!({
        "profile": "data-package",
        "resources": resources,
        "title": page.title,
        "mainPageURL": page.url,
        "mainPageDate": created,
        "created": created,
        "wacz_version": "1.1.1",
        "software": format!("Safekeep {}", env!("CARGO_PKG_VERSION")),
    }))?;
    let digest = serde_json::to_vec_pretty(&match signer {
        Some(s) => s.digest_json(&datapackage, &created, env!("CARGO_PKG_VERSION")),
        None => json!({
            "path": "datapackage.json",
            "hash": format!("sha256:{}", hex::encode(Sha256::digest(&datapackage))),
        }),
    })?;
    for (path, bytes) in small.into_iter().chain([
        ("datapackage.json", &datapackage[..]),
        ("datapackage-digest.json", &digest[..]),
    ]) {
        start(&mut zip, path, bytes.len() as u64)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish().map_err(io::Error::other)?.into_inner())
}

fn resource(path: &str, sha256_hex: &str, bytes: u64) -> serde_json::Value {
    json!({
        "name": path.rsplit('/').next().unwrap_or(path),
        "path": path,
        "hash": format!("sha256:{sha256_hex}"),
        "bytes": bytes,
    })
}

/// The Sort-friendly URI Reordering Transform the CDXJ index is keyed by, as pywb and
/// cdxj-indexer write it: lower case, scheme and `www.` dropped, host labels reversed
/// and comma-joined, `)` before the path, query arguments sorted.
pub fn surt(address: &str) -> String {
    let Ok(url) = Url::parse(address) else {
        return address.to_ascii_lowercase();
    };
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut labels: Vec<&str> = host.split('.').collect();
    labels.reverse();
    let mut out = labels.join(",");
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push(')');
    out.push_str(&url.path().to_ascii_lowercase());
    if let Some(q) = url.query() {
        let mut args: Vec<&str> = q.split('&').collect();
        args.sort_unstable();
        out.push('?');
        out.push_str(&args.join("&").to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surt_is_the_pywb_form() {
        assert_eq!(
            surt("https://www.Example.com/A/b?z=1&a=2"),
            "com,example)/a/b?a=2&z=1"
        );
        assert_eq!(surt("http://localhost:8443/feed"), "localhost:8443)/feed");
        assert_eq!(surt("https://example.com"), "com,example)/");
    }
}
