//! What a capture into a no-images case leaves out (docs/safeguarding.md): the body of
//! every picture or video response (the WARC writer's one rule, [`warc::WarcInfo`]), the
//! pictures made of the page (screenshots, PDF, MHTML snapshot, which hold its pictures
//! inside them), and the pictures written into the page's DOM as `data:` addresses. The
//! addresses, page text and account names stay, and the record says what was removed.

use serde_json::{Value, json};

use super::warc::{self, WarcExchange};

/// Why, as the capture record says it.
const WHY: &str = "the person in the images is, or may have been, under 18: pictures and videos are not kept";

/// Checks whether a file of a capture is left out of a no-images case: a picture or a
/// video, and the page's PDF and MHTML snapshot, which hold its pictures inside them.
pub(crate) fn leave_out(media_type: &str, bytes: &[u8]) -> bool {
    warc::is_picture_or_video(media_type, bytes)
        || media_type == "application/pdf"
        || media_type == "multipart/related"
}

/// What a no-images capture records about what it left out: each response whose body was
/// not kept (its address and media type stay), what became of the page's pictures, and
/// how many inline pictures were taken out of its DOM.
pub(crate) fn record<'a>(
    exchanges: impl IntoIterator<Item = WarcExchange<'a>>,
    page_pictures: &str,
    inline_removed: usize,
) -> Value {
    let bodies: Vec<Value> = exchanges
        .into_iter()
        .filter(WarcExchange::is_picture_or_video)
        .map(|e| json!({ "url": e.url, "media_type": e.mime, "bytes": e.body_len() }))
        .collect();
    json!({
        "why": WHY,
        "bodies_removed": bodies,
        "page_pictures_removed": page_pictures,
        "inline_pictures_removed": inline_removed,
    })
}

/// A text body of a no-images capture with its inline pictures replaced, and what the
/// WARC record says about it.
pub(crate) struct Rewritten {
    pub(crate) body: Vec<u8>,
    pub(crate) why: String,
    /// The body was left out whole (`WARC-Truncated`).
    pub(crate) left_out: bool,
}

/// The largest text body searched for inline pictures; a larger one is left out whole.
const TEXT_SEARCHED_MAX: u64 = 64 << 20;

/// For a text response (HTML, CSS, script, JSON, XML) of a no-images capture: the body
/// without its inline pictures when it had any (a larger body than [`TEXT_SEARCHED_MAX`]
/// is left out whole, said why), `None` when it is kept as it came.
pub(crate) fn text_without_inline_pictures(
    mime: &str,
    body: &warc::Payload<'_>,
) -> std::io::Result<Option<Rewritten>> {
    if !is_text(mime) {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(body.reader()?, TEXT_SEARCHED_MAX + 1),
        &mut bytes,
    )?;
    if bytes.len() as u64 > TEXT_SEARCHED_MAX {
        return Ok(Some(Rewritten {
            body: Vec::new(),
            left_out: true,
            why: format!(
                "text too large to search for inline pictures (over {} MiB), not kept: no-images case",
                TEXT_SEARCHED_MAX >> 20
            ),
        }));
    }
    let (body, removed) = without_inline_pictures(bytes);
    Ok((removed > 0).then(|| Rewritten {
        body,
        left_out: false,
        why: format!("{removed} inline picture or video address(es) replaced by \"data:,\": no-images case (the person in the images is, or may have been, under 18)"),
    }))
}

/// A file of a no-images capture in memory (the page's body, its DOM), without inline
/// pictures when it is text.
pub(crate) fn text_file_without_inline_pictures(media_type: &str, bytes: Vec<u8>) -> Vec<u8> {
    if is_text(media_type) {
        without_inline_pictures(bytes).0
    } else {
        bytes
    }
}

/// Text that may hold an inline picture: HTML, CSS, scripts, JSON, XML.
fn is_text(mime: &str) -> bool {
    let mime = mime.trim().to_ascii_lowercase();
    mime.starts_with("text/")
        || ["json", "xml", "javascript", "ecmascript"]
            .iter()
            .any(|t| mime.contains(t))
}

/// The schemes of an inline picture or video, lower case.
const INLINE: [&[u8]; 2] = [b"data:image/", b"data:video/"];

/// Replaces every `data:image/…` and `data:video/…` address in a page's HTML with the
/// empty `data:,`, so that no picture travels inside `dom.html`; returns the HTML and how
/// many were replaced. An address ends where HTML or CSS ends it (a quote, a bracket,
/// white space or a tag).
pub(crate) fn without_inline_pictures(html: Vec<u8>) -> (Vec<u8>, usize) {
    let starts = |at: usize| {
        INLINE
            .iter()
            .any(|p| html.len() >= at + p.len() && html[at..at + p.len()].eq_ignore_ascii_case(p))
    };
    if !(0..html.len()).any(starts) {
        return (html, 0);
    }
    let mut out = Vec::with_capacity(html.len());
    let mut removed = 0;
    let mut i = 0;
    while i < html.len() {
        if starts(i) {
            out.extend_from_slice(b"data:,");
            removed += 1;
            while i < html.len()
                && !matches!(html[i], b'"' | b'\'' | b')' | b'<' | b'>' | b'`')
                && !html[i].is_ascii_whitespace()
            {
                i += 1;
            }
        } else {
            out.push(html[i]);
            i += 1;
        }
    }
    (out, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_pictures_leave_the_dom_and_nothing_else_does() {
        let html = br#"<p>Posted by @someone</p><img src="data:image/png;base64,iVBORw0KGgo=" alt="x"><div style="background:url(DATA:IMAGE/jpeg;base64,/9j/4AAQ)"></div><video src='data:video/mp4;base64,AAAA'></video><a href="data:text/plain,hello">t</a>"#.to_vec();
        let (out, removed) = without_inline_pictures(html);
        let out = String::from_utf8(out).expect("utf-8");
        assert_eq!(removed, 3);
        assert!(
            !out.contains("iVBOR") && !out.contains("/9j/") && !out.contains("AAAA"),
            "{out}"
        );
        assert!(
            out.contains("@someone") && out.contains("data:text/plain,hello"),
            "{out}"
        );
        assert!(out.contains(r#"src="data:," alt="x""#), "{out}");
        let plain = b"<p>no pictures here</p>".to_vec();
        assert_eq!(without_inline_pictures(plain.clone()), (plain, 0));
    }
}
