//! What the browser reported, written as HTTP/1.1-form messages for the WARC (docs/capture.md
//! § "Safekeep's browser"), with login secrets removed.
//!
//! The browser gives headers as name/value pairs and bodies after content decoding, and
//! HTTP/2 and HTTP/3 have no status line of their own. So each message is rebuilt as
//! HTTP/1.1: `:authority` becomes `Host`, other pseudo-headers are dropped, the body is
//! the decoded one, and the headers that described the wire form (`Content-Encoding`,
//! `Content-Length`, `Transfer-Encoding`) are kept under `X-Safekeep-Original-…` with a
//! `Content-Length` of the body as kept. The real protocol is the record's
//! `WARC-Protocol` field.
//!
//! Invariant: the rule of [`crate::web::redact`] (docs/security.md § "Login secrets in web
//! captures") is applied before a message exists — secret header values, secret
//! parameters in the address and in address headers, the request body (never kept), a
//! token endpoint's JSON answer — so no artifact can carry a live login.

use std::io::Read;

use url::Url;

use super::recorder::Recorded;
use crate::web::redact::{self, Removed};
use crate::web::spool::Body;

pub use crate::web::redact::{MARKER as REMOVED, SECRET_HEADERS, is_secret_header as is_secret};

/// Headers with secret values replaced (the rule of [`redact::header`]); returns how many
/// values were replaced.
pub fn redact(headers: &[(String, String)]) -> (Vec<(String, String)>, usize) {
    let mut removed = Removed::default();
    let out = redact::headers(headers, &mut removed);
    (out, removed.header_values + removed.address_values)
}

/// The request message and the response's head of one exchange; the response's body is
/// the recorded one (`Recorded::body`), written after the head without a copy, unless
/// redaction replaced it (`body`).
#[derive(Debug)]
pub struct Messages {
    /// The exchange's address, login secrets removed: the records' target everywhere.
    pub url: String,
    /// The request message (never its body: the head says one was removed).
    pub request: Vec<u8>,
    /// The response message's head (status line, headers, blank line).
    pub response_head: Vec<u8>,
    /// The response body to write instead of the recorded one, when secret values were
    /// removed from it (a token endpoint's JSON answer).
    pub body: Option<Body>,
    /// What was removed from all of these.
    pub removed: Removed,
}

/// Marks a request whose body was left out.
pub const REQUEST_BODY_REMOVED: &str =
    "removed by Safekeep (a request body can carry a password; none is ever kept)";

/// Builds the HTTP/1.1-form messages of one recorded exchange.
pub fn messages(ex: &Recorded) -> Messages {
    let mut removed = Removed::default();
    let address = redact::address(&ex.url, &mut removed);
    let url = Url::parse(&address).ok();
    let target = url.as_ref().map_or_else(
        || address.clone(),
        |u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        },
    );
    // The address is counted once, however many times it is written.
    let sent = redact::headers(&ex.request_headers, &mut removed);
    let mut request = format!("{} {target} HTTP/1.1\r\n", ex.method);
    let authority = sent
        .iter()
        .find(|(k, _)| k == ":authority")
        .map(|(_, v)| v.clone());
    let has_host = sent.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    if !has_host {
        let host = authority.or_else(|| {
            url.as_ref().and_then(|u| {
                u.host_str()
                    .map(|h| u.port().map_or_else(|| h.to_owned(), |p| format!("{h}:{p}")))
            })
        });
        if let Some(host) = host {
            request.push_str(&format!("Host: {}\r\n", clean(&host)));
        }
    }
    let body_left_out = ex.post_data.as_ref().is_some_and(|b| !b.is_empty());
    for (k, v) in sent.iter().filter(|(k, _)| !k.starts_with(':')) {
        // Without its body, the request's length would only say how long the password was.
        if body_left_out && k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        request.push_str(&format!("{}: {}\r\n", clean(k), clean(v)));
    }
    if body_left_out {
        removed.request_bodies += 1;
        request.push_str(&format!("X-Safekeep-Request-Body: {REQUEST_BODY_REMOVED}\r\n"));
    }
    request.push_str("\r\n");
    let request = request.into_bytes();

    let received = redact::headers(&ex.response_headers, &mut removed);
    let content_type = received
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map_or(ex.mime.as_str(), |(_, v)| v.as_str());
    let before = removed.clone();
    let body = ex
        .body
        .as_ref()
        .and_then(|b| redacted_body(content_type, b, &mut removed));
    let body_len = body.as_ref().or(ex.body.as_ref()).map_or(0, Body::len);
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        ex.status,
        if ex.status_text.is_empty() {
            reason(ex.status)
        } else {
            clean(&ex.status_text)
        }
    );
    for (k, v) in received.iter().filter(|(k, _)| !k.starts_with(':')) {
        let lower = k.to_ascii_lowercase();
        if ["content-encoding", "content-length", "transfer-encoding"].contains(&lower.as_str()) {
            head.push_str(&format!("X-Safekeep-Original-{}: {}\r\n", clean(k), clean(v)));
        } else {
            head.push_str(&format!("{}: {}\r\n", clean(k), clean(v)));
        }
    }
    if let Some(note) = &ex.body_note {
        // A body kept only in part (still arriving, or cut off) says so too.
        let field = if ex.body.is_none() {
            "X-Safekeep-Body-Not-Kept"
        } else {
            "X-Safekeep-Body-Partial"
        };
        head.push_str(&format!("{field}: {}\r\n", clean(note)));
    }
    if body.is_some() {
        head.push_str(&redacted_field(&before, &removed));
    }
    head.push_str(&format!("Content-Length: {body_len}\r\n\r\n"));
    Messages {
        url: address,
        request,
        response_head: head.into_bytes(),
        body,
        removed,
    }
}

/// The body with secret values removed, when it is a small JSON, form or multipart body
/// that carries any (only those are read: every other body streams as recorded).
fn redacted_body(content_type: &str, body: &Body, removed: &mut Removed) -> Option<Body> {
    if !redact::redactable(content_type) || body.len() > redact::MAX_REDACTED_BODY as u64 {
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(body.len()).unwrap_or(0));
    body.reader().ok()?.read_to_end(&mut bytes).ok()?;
    redact::body(content_type, &bytes, removed).map(Body::Memory)
}

/// `X-Safekeep-Redacted`: which names' values were removed from this body, and why.
pub fn redacted_field(before: &Removed, after: &Removed) -> String {
    let names: Vec<&str> = after
        .names
        .difference(&before.names)
        .map(String::as_str)
        .collect();
    let names = if names.is_empty() {
        after
            .names
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        names.join(", ")
    };
    format!(
        "X-Safekeep-Redacted: {} value(s) removed from this body ({names}): login secrets; the body was re-serialised without them, so it is not byte for byte as sent\r\n",
        after.body_values - before.body_values
    )
}

fn clean(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// HTTP/2 has no reason phrase; the standard one keeps the status line well-formed.
fn reason(status: u16) -> String {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded() -> Recorded {
        Recorded {
            url: "https://example.com/feed?page=2".into(),
            method: "GET".into(),
            sent_at: chrono::Utc::now(),
            request_headers: vec![
                (":authority".into(), "example.com".into()),
                (":path".into(), "/feed?page=2".into()),
                ("cookie".into(), "sid=SECRET1".into()),
                ("accept".into(), "*/*".into()),
            ],
            post_data: None,
            status: 200,
            status_text: String::new(),
            response_headers: vec![
                ("content-type".into(), "application/json".into()),
                ("content-encoding".into(), "br".into()),
                ("set-cookie".into(), "sid=SECRET2; Path=/".into()),
                ("set-cookie".into(), "other=SECRET3".into()),
            ],
            mime: "application/json".into(),
            protocol: Some("h2".into()),
            remote: None,
            from_cache: false,
            security_state: "secure".into(),
            security: None,
            resource_type: "Fetch".into(),
            body: Some(crate::web::spool::Body::Memory(b"{\"posts\":[]}".to_vec())),
            body_note: None,
            body_streamed: false,
        }
    }

    #[test]
    fn h2_is_written_as_http_1_1_without_secrets() {
        let m = messages(&recorded());
        let req = String::from_utf8(m.request).expect("utf8");
        let resp = String::from_utf8(m.response_head.clone()).expect("utf8");
        assert!(
            req.starts_with("GET /feed?page=2 HTTP/1.1\r\nHost: example.com\r\n"),
            "{req}"
        );
        assert!(!req.contains(":path"));
        assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
        assert!(resp.contains("X-Safekeep-Original-content-encoding: br\r\n"));
        assert!(resp.ends_with("Content-Length: 12\r\n\r\n"));
        for secret in ["SECRET1", "SECRET2", "SECRET3"] {
            assert!(!req.contains(secret) && !resp.contains(secret), "{secret}");
        }
        assert_eq!(m.removed.header_values, 3);
        assert_eq!(resp.matches(REMOVED).count(), 2);
    }

    #[test]
    fn token_headers_are_secret() {
        for name in ["Cookie", "X-CSRF-Token", "x-refresh-token", "X-Session-Id"] {
            assert!(is_secret(name), "{name}");
        }
        for name in ["content-type", "etag", "x-request-id"] {
            assert!(!is_secret(name), "{name}");
        }
    }
}
