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
//! Invariant: the value of every header in [`SECRET_HEADERS`] (and any header whose name
//! says it carries a token) is replaced by [`REMOVED`] before a message exists, so no
//! artifact can carry a live login.

use url::Url;

use super::recorder::Recorded;

/// Headers whose values let someone act as the person.
pub const SECRET_HEADERS: [&str; 9] = [
    "cookie",
    "set-cookie",
    "set-cookie2",
    "authorization",
    "proxy-authorization",
    "x-csrf-token",
    "x-xsrf-token",
    "x-auth-token",
    "x-api-key",
];

/// What replaces a removed value.
pub const REMOVED: &str = "[removed by Safekeep: a login secret]";

/// Whether a header's value is a secret.
pub fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&name.as_str())
        || name.ends_with("-token")
        || name.contains("session")
        || name.contains("csrf")
}

/// Headers with secret values replaced; returns how many were replaced.
pub fn redact(headers: &[(String, String)]) -> (Vec<(String, String)>, usize) {
    let mut removed = 0;
    let out = headers
        .iter()
        .map(|(k, v)| {
            if is_secret(k) && !v.is_empty() {
                removed += 1;
                (k.clone(), REMOVED.to_owned())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    (out, removed)
}

/// The request message and the response's head of one exchange; the response's body is
/// the recorded one (`Recorded::body`), written after the head without a copy.
#[derive(Debug)]
pub struct Messages {
    /// The request message.
    pub request: Vec<u8>,
    /// The response message's head (status line, headers, blank line).
    pub response_head: Vec<u8>,
    /// Secret values removed from both.
    pub removed: usize,
}

/// Builds the HTTP/1.1-form messages of one recorded exchange.
pub fn messages(ex: &Recorded) -> Messages {
    let url = Url::parse(&ex.url).ok();
    let target = url.as_ref().map_or_else(
        || ex.url.clone(),
        |u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        },
    );
    let (sent, removed_request) = redact(&ex.request_headers);
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
    for (k, v) in sent.iter().filter(|(k, _)| !k.starts_with(':')) {
        request.push_str(&format!("{}: {}\r\n", clean(k), clean(v)));
    }
    request.push_str("\r\n");
    let mut request = request.into_bytes();
    if let Some(body) = &ex.post_data {
        request.extend_from_slice(body);
    }

    let (received, removed_response) = redact(&ex.response_headers);
    let body_len = ex.body.as_ref().map_or(0, crate::web::spool::Body::len);
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
    head.push_str(&format!("Content-Length: {body_len}\r\n\r\n"));
    Messages {
        request,
        response_head: head.into_bytes(),
        removed: removed_request + removed_response,
    }
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
        assert_eq!(m.removed, 3);
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
