//! The videos Safekeep's browser recorded while the page played (`capture url --browser
//! --media`): no request of their own — the bytes are the responses already in the WARC,
//! made separate files so that they get fingerprints, report strips and a player. Only
//! a complete response is kept; a video the page loaded only part of is named with why.

use sha2::{Digest, Sha256};

use super::recorder::Recording;
use super::seal::PageFile;
use crate::web::media::{self, Form, Found, KeptVideo, NotKept, Report};

/// Videos found in a recording: the files to add when the person asks, and the report.
#[derive(Debug, Default)]
pub struct Recorded {
    /// One file per complete video, in the order first requested.
    pub files: Vec<PageFile>,
    /// What was found, kept and not kept (`asked` is set when sealing).
    pub report: Report,
}

/// Takes the complete video responses out of `recording` (after its WARC was written).
pub fn take(recording: &mut Recording) -> Recorded {
    let mut out = Recorded::default();
    let mut partial: Vec<(String, String)> = Vec::new();
    for e in &mut recording.exchanges {
        let mime = e.mime.to_ascii_lowercase();
        let stream = mime.contains("mpegurl") || mime == "application/dash+xml";
        if !(mime.starts_with("video/") || stream) {
            continue;
        }
        if !out.report.found.iter().any(|f| f.url == e.url) {
            out.report.found.push(Found {
                url: e.url.clone(),
                form: if stream { Form::Hls } else { Form::File },
                from: "recorded",
            });
        }
        if out.report.kept.iter().any(|k| k.url == e.url) {
            continue;
        }
        if stream {
            partial.push((e.url.clone(), "a stream the page's scripts played piece by piece; capture without --browser, with --media, to keep it whole".into()));
            continue;
        }
        let Some(body) = e.body.as_ref() else {
            let why = e
                .body_note
                .clone()
                .unwrap_or_else(|| "the browser did not keep its bytes".into());
            partial.push((e.url.clone(), why));
            continue;
        };
        let total = match e.status {
            200 => Some(body.len()),
            206 => e
                .response_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-range"))
                .and_then(|(_, v)| whole_range(v)),
            _ => None,
        };
        if total != Some(body.len()) {
            let of = total.map_or_else(String::new, |t| format!(" of {t}"));
            partial.push((
                e.url.clone(),
                format!(
                    "the page loaded only part of it ({} bytes{of}, status {}); capture it without --browser, with --media, or record the screen while it plays",
                    body.len(),
                    e.status
                ),
            ));
            continue;
        }
        let sha256 = match body.reader().and_then(|mut r| {
            let mut hash = Sha256::new();
            std::io::copy(&mut r, &mut hash).map(|_| hash.finalize())
        }) {
            Ok(hash) => hex::encode(hash),
            Err(why) => {
                partial.push((
                    e.url.clone(),
                    format!("its recorded bytes could not be read back ({why})"),
                ));
                continue;
            }
        };
        let Some(body) = e.body.take() else { continue };
        let n = out.report.kept.len() + 1;
        let ext = url::Url::parse(&e.url)
            .map_or_else(|_| "mp4".to_owned(), |u| media::extension(&mime, &u).to_owned());
        let name = format!("video-{n}.{ext}");
        out.report.kept.push(KeptVideo {
            url: e.url.clone(),
            file: name.clone(),
            bytes: body.len(),
            sha256,
            via: "browser",
            segments: None,
            duration_ms: None,
            live: false,
        });
        out.files.push(PageFile {
            role: "media".into(),
            name,
            media_type: mime,
            body,
        });
    }
    for (url, reason) in partial {
        if !out.report.kept.iter().any(|k| k.url == url) && !out.report.not_kept.iter().any(|n| n.url == url)
        {
            out.report.not_kept.push(NotKept { url, reason });
        }
    }
    out
}

/// The total size named by a `Content-Range` that covers a whole file (`bytes 0-N/N+1`).
fn whole_range(value: &str) -> Option<u64> {
    let (range, total) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let total: u64 = total.trim().parse().ok()?;
    let (a, b) = range.split_once('-')?;
    let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a == 0 && b + 1 == total).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_range_over_the_whole_file_is_whole() {
        assert_eq!(whole_range("bytes 0-99/100"), Some(100));
        assert_eq!(whole_range("bytes 0-49/100"), None);
        assert_eq!(whole_range("bytes 50-99/100"), None);
        assert_eq!(whole_range("bytes 0-99/*"), None);
    }
}
