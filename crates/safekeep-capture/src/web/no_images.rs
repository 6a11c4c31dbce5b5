//! What a capture into a no-images case keeps (docs/safeguarding.md): **text only**. A
//! body, or a file, is kept when it is text that can be checked — an allow-list of text
//! media types, not compressed, no binary signature, no NUL byte — and then without any
//! `data:` address and without long base64 runs (which a page's script can turn into a
//! picture). Everything else leaves: pictures and videos, but also what may hold or be
//! them (an octet-stream, a video segment, a PDF, a font, a zip, a compressed body, a body
//! with no type). The pictures made of the page (screenshots, PDF, MHTML snapshot) are not
//! kept. Addresses, page text and account names stay, and the record says what left.
//!
//! An allow-list, because a deny-list of picture types was passed by every container and
//! disguise a hostile page chose (an adversarial review, 2026-12-07).

use std::io::Read;

use serde_json::{Value, json};

use super::warc::{self, Payload, WarcExchange};

/// Why, as the capture record says it.
const WHY: &str = "the person in the images is, or may have been, under 18: pictures and videos are not kept";

/// The largest text body searched; a larger one is left out whole.
const TEXT_SEARCHED_MAX: u64 = 64 << 20;

/// A base64 run this long (or longer) in a text body is taken out: it may be a picture.
const BASE64_RUN_MAX: usize = 512;

/// What becomes of one body in a no-images case.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Text with nothing to take out.
    Keep,
    /// Text with `data:` addresses or base64 runs taken out; why, as the WARC says it.
    Rewrite(Vec<u8>, String),
    /// Not kept; why.
    LeaveOut(String),
}

/// Text media types a no-images capture may keep (after the checks of [`judge`]).
fn is_text_type(mime: &str) -> bool {
    let mime = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime.starts_with("image/") || mime.starts_with("video/") || mime.starts_with("audio/") {
        return false;
    }
    mime.starts_with("text/")
        || matches!(
            mime.as_str(),
            "application/json"
                | "application/javascript"
                | "application/x-javascript"
                | "application/ecmascript"
                | "application/xml"
                | "application/xhtml+xml"
                | "application/x-www-form-urlencoded"
                | "application/x-pem-file"
        )
        || mime.ends_with("+json")
        || mime.ends_with("+xml")
}

/// The `Content-Encoding` of an HTTP response head, when it names one but `identity`.
fn encoding(response_head: &[u8]) -> Option<String> {
    String::from_utf8_lossy(response_head).lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        let v = v.trim().to_ascii_lowercase();
        (k.trim().eq_ignore_ascii_case("content-encoding") && !v.is_empty() && v != "identity").then_some(v)
    })
}

/// What becomes of a response body in a no-images case.
pub(crate) fn judge(mime: &str, response_head: &[u8], body: &Payload<'_>) -> std::io::Result<Verdict> {
    let mut head = Vec::new();
    body.reader()?.take(8192).read_to_end(&mut head)?;
    if head.is_empty() {
        // Nothing to keep or leave; a picture's record still says what it was.
        return Ok(if warc::is_picture_or_video(mime, &head) {
            Verdict::LeaveOut(warc::REMOVED_WHY.into())
        } else {
            Verdict::Keep
        });
    }
    if let Some(enc) = encoding(response_head) {
        return Ok(Verdict::LeaveOut(format!(
            "compressed ({enc}), so it cannot be checked for pictures: not kept, no-images case"
        )));
    }
    if let Some(why) = not_text(mime, &head) {
        return Ok(Verdict::LeaveOut(why));
    }
    let mut bytes = Vec::new();
    body.reader()?
        .take(TEXT_SEARCHED_MAX + 1)
        .read_to_end(&mut bytes)?;
    Ok(match judge_text(bytes) {
        Ok((_, None)) => Verdict::Keep,
        Ok((out, Some(why))) => Verdict::Rewrite(out, why),
        Err(why) => Verdict::LeaveOut(why),
    })
}

/// What becomes of a file in memory (the page's body or DOM) in a no-images case:
/// `None` when it leaves, else its bytes (rewritten when needed).
pub(crate) fn keep_file(media_type: &str, bytes: Vec<u8>) -> Option<Vec<u8>> {
    if bytes.is_empty() {
        return Some(bytes);
    }
    if not_text(media_type, &bytes[..bytes.len().min(8192)]).is_some() {
        return None;
    }
    judge_text(bytes).ok().map(|(b, _)| b)
}

/// Why a body that starts with `head` is not text a no-images case may keep, if it is not.
fn not_text(mime: &str, head: &[u8]) -> Option<String> {
    if warc::is_picture_or_video(mime, head) {
        return Some(warc::REMOVED_WHY.into());
    }
    if !is_text_type(mime) {
        return Some(format!(
            "{} is not text, so it may hold a picture or video: not kept, no-images case",
            if mime.trim().is_empty() {
                "a body without a media type"
            } else {
                mime.trim()
            }
        ));
    }
    if let Some(t) = infer::get(head).filter(|t| !is_text_type(t.mime_type())) {
        return Some(format!(
            "declared as {} but its bytes are {}: not kept, no-images case",
            mime.trim(),
            t.mime_type()
        ));
    }
    if head.contains(&0) {
        return Some("declared as text but holds binary bytes: not kept, no-images case".into());
    }
    None
}

/// A text body: as it is (`None`), rewritten (with why), or left out when too large.
fn judge_text(bytes: Vec<u8>) -> Result<(Vec<u8>, Option<String>), String> {
    if bytes.len() as u64 > TEXT_SEARCHED_MAX {
        return Err(format!(
            "text too large to search for pictures (over {} MiB): not kept, no-images case",
            TEXT_SEARCHED_MAX >> 20
        ));
    }
    let (out, addresses, runs) = scrub(&bytes);
    if addresses + runs == 0 {
        return Ok((bytes, None));
    }
    Ok((
        out,
        Some(format!(
            "{addresses} data: address(es) replaced by \"data:,\" and {runs} long base64 run(s) removed: no-images case (the person in the images is, or may have been, under 18)"
        )),
    ))
}

/// What a no-images capture records about what it left out: each response whose body was
/// not kept (address, media type, size, why), what became of the page's pictures, and
/// how many inline pictures left its DOM.
pub(crate) fn record<'a>(
    exchanges: impl IntoIterator<Item = WarcExchange<'a>>,
    page_pictures: &str,
    inline_removed: usize,
) -> Value {
    let bodies: Vec<Value> = exchanges
        .into_iter()
        .filter_map(|e| match judge(&e.mime, e.response_head, &e.body) {
            Ok(Verdict::LeaveOut(why)) => {
                Some(json!({ "url": e.url, "media_type": e.mime, "bytes": e.body_len(), "why": why }))
            }
            Ok(_) => None,
            Err(err) => Some(json!({ "url": e.url, "media_type": e.mime, "why": format!("could not be read to check it ({err}): not kept") })),
        })
        .collect();
    json!({
        "why": WHY,
        "kept": "text only: an allow-list of text media types, checked; every data: address and every base64 run of 512 characters or more is taken out",
        "bodies_removed": bodies,
        "page_pictures_removed": page_pictures,
        "inline_pictures_removed": inline_removed,
    })
}

/// Takes every `data:` address and every long base64 run out of text: returns the text,
/// how many addresses were replaced by `data:,` and how many runs were removed. An
/// address is `data:` (any case, spaces allowed after it as browsers allow), an optional
/// media type and parameters, a comma, then its content up to what ends an attribute or a
/// CSS value (a quote, a bracket, `<`, `>`, a backtick) — white space inside it does not
/// end it, since browsers strip it from base64.
pub(crate) fn scrub(text: &[u8]) -> (Vec<u8>, usize, usize) {
    let mut out = Vec::with_capacity(text.len());
    let (mut addresses, mut runs) = (0, 0);
    let mut i = 0;
    while i < text.len() {
        if let Some(end) = data_address_at(text, i) {
            out.extend_from_slice(b"data:,");
            addresses += 1;
            i = end;
            continue;
        }
        let run = text[i..].iter().take_while(|b| is_base64(**b)).count();
        if run >= BASE64_RUN_MAX {
            runs += 1;
            i += run;
            continue;
        }
        out.extend_from_slice(&text[i..i + run.max(1)]);
        i += run.max(1);
    }
    (out, addresses, runs)
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
}

/// Where the `data:` address starting at `at` ends, if one starts there.
fn data_address_at(text: &[u8], at: usize) -> Option<usize> {
    let rest = &text[at..];
    if rest.len() < 6 || !rest[..5].eq_ignore_ascii_case(b"data:") {
        return None;
    }
    let mut i = 5;
    while i < rest.len() && rest[i].is_ascii_whitespace() {
        i += 1;
    }
    // The media type and parameters: token characters (and `\/` as JSON writes `/`), up
    // to the comma, within 256 characters.
    let header_end = rest[i..]
        .iter()
        .take(256)
        .position(|b| !(b.is_ascii_alphanumeric() || b"/\\;=+-._!#$&^".contains(b)))?;
    if rest[i + header_end] != b',' {
        return None;
    }
    let mut j = i + header_end + 1;
    while j < rest.len() && !matches!(rest[j], b'"' | b'\'' | b')' | b'<' | b'>' | b'`') {
        j += 1;
    }
    Some(at + j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_addresses_and_base64_runs_leave_the_text_and_nothing_else_does() {
        let long = "iVBORw0KGgo".repeat(60);
        let html = format!(
            r#"<p>Posted by @someone</p><img src="data:image/png;base64,iVBORw0KGgo=" alt="x"><img src="data: image/png;base64,
 iVBOR w0KG"><img src="data:application/octet-stream;base64,iVBOR"><div style="background:url(DATA:IMAGE/jpeg;base64,/9j/4AAQ)"></div><script>var a = {{"p":"data:image\/png;base64,AAAA"}}; var b = "{long}";</script><p>data: this is text, not an address</p>"#
        );
        let (out, addresses, runs) = scrub(html.as_bytes());
        let out = String::from_utf8(out).expect("utf-8");
        assert_eq!((addresses, runs), (5, 1), "{out}");
        assert!(
            !out.contains("iVBOR") && !out.contains("/9j/") && !out.contains("AAAA"),
            "{out}"
        );
        assert!(out.contains("@someone") && out.contains(r#"alt="x""#), "{out}");
        assert!(out.contains("data: this is text, not an address"), "{out}");
        let plain = b"<p>no pictures here</p>";
        assert_eq!(scrub(plain), (plain.to_vec(), 0, 0));
    }

    #[test]
    fn only_checked_text_is_kept() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let gif = b"GIF89a\x01\0\x01\0";
        let leaves = |mime: &str, head: &[u8], body: &[u8]| {
            matches!(
                judge(mime, head, &Payload::Bytes(body)).expect("judged"),
                Verdict::LeaveOut(_)
            )
        };
        assert!(leaves("image/png", b"", png));
        assert!(
            leaves("image/png", b"", b""),
            "an empty picture's record says what it was"
        );
        assert!(
            !leaves("", b"", b""),
            "an empty answer without a type is no picture"
        );
        assert!(leaves(
            "application/octet-stream",
            b"",
            b"\x47\x40\x11\x10 mpeg-ts"
        ));
        assert!(leaves("", b"", b"<p>no type</p>"));
        assert!(leaves("text/plain", b"", gif), "a picture declared as text");
        assert!(leaves(
            "text/html",
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n",
            b"\x1f\x8b\x08"
        ));
        assert!(leaves("application/pdf", b"", b"%PDF-1.7"));
        assert!(leaves("text/plain", b"", b"abc\0def"));
        assert_eq!(
            judge("text/html; charset=utf-8", b"", &Payload::Bytes(b"<p>hi</p>")).expect("judged"),
            Verdict::Keep
        );
        assert_eq!(
            keep_file("text/html", b"<p>hi</p>".to_vec()).as_deref(),
            Some(&b"<p>hi</p>"[..])
        );
        assert_eq!(keep_file("image/png", png.to_vec()), None);
    }
}
