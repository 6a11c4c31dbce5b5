//! The one rule for login secrets in what a web capture writes: WARC records, the WACZ's
//! index and page list, the item's record, the summary. Specified in docs/security.md
//! § "Login secrets in web captures"; the list of names is [`SECRET_NAMES`] and
//! [`is_secret_name`], kept here and nowhere else.
//!
//! - Header values that let someone act as the person ([`is_secret_header`]) become
//!   [`MARKER`].
//! - Values of secret-bearing parameters in addresses — query and fragment, and the
//!   addresses in `Location`, `Content-Location`, `Refresh`, `Link` and `Referer` — become
//!   [`URL_MARKER`]. The same function rewrites every copy of an address, so a redacted
//!   address is still one record's target everywhere (request, response, index, pages).
//! - Request bodies are never kept (the record says one was removed; never its hash: a
//!   hash of a short secret can be guessed).
//! - JSON, form and multipart bodies of at most [`MAX_REDACTED_BODY`] bytes that carry a
//!   secret name have those values replaced, and the message says the body was altered.
//!
//! What a page shows on screen is evidence and is kept as shown (HTML bodies, pictures).

pub mod page;

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Value, json};

/// What replaces a removed header or body value.
pub const MARKER: &str = "[removed by Safekeep: a login secret]";

/// What replaces a removed value in an address (needs no percent-encoding, so the address
/// reads the same wherever it is written).
pub const URL_MARKER: &str = "removed-by-safekeep";

/// Largest body whose secret values are replaced; larger ones are kept as sent (a token
/// endpoint's answer is a few hundred bytes).
pub const MAX_REDACTED_BODY: usize = 1 << 20;

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

/// Headers whose values are addresses, redacted as addresses.
pub const ADDRESS_HEADERS: [&str; 6] = [
    "location",
    "content-location",
    "refresh",
    "link",
    "referer",
    ":path",
];

/// Parameter names (case-insensitive; `user[password]` counts as `password`, `-` as `_`)
/// whose values are login secrets. Besides these: any name containing `password` or
/// `passwd`, ending in `token` (except the paging names in [`PAGING_TOKENS`]), `secret`,
/// `signature`, `credential`, `session`, `sessionid`, `session_id` or `jwt`, or
/// containing `api_key`/`apikey`. A secret name's whole value is removed, object or
/// array included. Not on the list, because they are common words whose values are
/// often evidence: `key`, `ticket`.
pub const SECRET_NAMES: [&str; 28] = [
    "access_token",
    "id_token",
    "id_token_hint",
    "jwt",
    "phpsessid",
    "jsessionid",
    "refresh_token",
    "token",
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "client_secret",
    "otp",
    "auth",
    "session",
    "sessionid",
    "session_id",
    "sid",
    "sig",
    "signature",
    "api_key",
    "apikey",
    "oauth_verifier",
    "code_verifier",
    "client_assertion",
    "samlresponse",
];

/// Names ending in `token` that page through results and are not logins.
pub const PAGING_TOKENS: [&str; 7] = [
    "next_token",
    "page_token",
    "next_page_token",
    "pagination_token",
    "continuation_token",
    "prev_token",
    "sync_token",
];

/// An OAuth authorization `code`, and the `state` sent with it, are secrets only in an
/// address that looks like an authorization answer: the same query (or fragment) has one
/// of these names, or the path one of [`CALLBACK_PATHS`]. Elsewhere `code=FR` is evidence.
pub const CALLBACK_NAMES: [&str; 6] = [
    "state",
    "scope",
    "session_state",
    "iss",
    "client_id",
    "redirect_uri",
];

/// Path words that mark an authorization answer (see [`CALLBACK_NAMES`]).
pub const CALLBACK_PATHS: [&str; 7] = ["oauth", "callback", "auth", "login", "signin", "sso", "redirect"];

/// What was removed from one capture: counts and names, never values.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// Header values replaced.
    pub header_values: usize,
    /// Parameter values replaced in addresses (queries and fragments).
    pub address_values: usize,
    /// Values replaced in response bodies.
    pub body_values: usize,
    /// Response bodies altered (re-serialised without the values).
    pub bodies_altered: usize,
    /// Request bodies left out.
    pub request_bodies: usize,
    /// Password fields blanked in the DOM and MHTML snapshots.
    pub password_fields: usize,
    /// The (normalised) names whose values were removed.
    pub names: BTreeSet<String>,
}

impl Removed {
    /// Adds `other`'s counts and names to these.
    pub fn add(&mut self, other: &Self) {
        self.header_values += other.header_values;
        self.address_values += other.address_values;
        self.body_values += other.body_values;
        self.bodies_altered += other.bodies_altered;
        self.request_bodies += other.request_bodies;
        self.password_fields += other.password_fields;
        self.names.extend(other.names.iter().cloned());
    }

    /// Values removed in all.
    pub fn total(&self) -> usize {
        self.header_values
            + self.address_values
            + self.body_values
            + self.request_bodies
            + self.password_fields
    }

    /// The record's `login_secrets_removed`: what was removed and why.
    pub fn record(&self) -> Value {
        json!({
            "why": "login secrets (passwords, tokens, session cookies, signed-address signatures) would let anyone holding the capture act as the person; they are removed before anything is written. What the page showed on screen is kept as shown.",
            "rule": "docs/security.md § Login secrets in web captures",
            "values_removed": self.total(),
            "header_values": self.header_values,
            "address_values": self.address_values,
            "body_values": self.body_values,
            "bodies_altered": self.bodies_altered,
            "request_bodies": self.request_bodies,
            "password_fields": self.password_fields,
            "names": self.names,
            "headers": SECRET_HEADERS,
            "marker": MARKER,
            "address_marker": URL_MARKER,
        })
    }
}

/// Whether a header's value is a secret.
pub fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&name.as_str())
        || name.ends_with("-token")
        || name.contains("session")
        || name.contains("csrf")
}

/// `user[password]` → `password`, `token[]` and `token[0]` → `token`; lower case;
/// `-` → `_`.
fn normalise(name: &str) -> String {
    let (outer, inner) = name
        .rsplit_once('[')
        .map_or((name, name), |(outer, rest)| (outer, rest.trim_end_matches(']')));
    let inner = if inner.is_empty() || inner.bytes().all(|b| b.is_ascii_digit()) {
        outer
            .rsplit_once('[')
            .map_or(outer, |(_, r)| r.trim_end_matches(']'))
    } else {
        inner
    };
    inner.trim().to_ascii_lowercase().replace('-', "_")
}

/// Whether a parameter or field name carries a login secret (without the contextual
/// `code`/`state` rule, which only addresses apply).
pub fn is_secret_name(name: &str) -> bool {
    let n = normalise(name);
    SECRET_NAMES.contains(&n.as_str())
        || n.contains("password")
        || n.contains("passwd")
        || n.ends_with("session")
        || n.ends_with("sessionid")
        || n.ends_with("session_id")
        || n.ends_with("jwt")
        || (n.ends_with("token") && !PAGING_TOKENS.contains(&n.as_str()))
        || n.ends_with("secret")
        || n.ends_with("signature")
        || n.ends_with("credential")
        || n.contains("api_key")
        || n.contains("apikey")
}

/// Replaces secret values in `name=value&…` pairs; `callback` turns on `code`/`state`.
fn pairs(text: &str, callback: bool, removed: &mut Removed) -> Option<String> {
    let names: Vec<String> = text
        .split('&')
        .map(|p| {
            let raw = p.split_once('=').map_or(p, |(k, _)| k);
            url::form_urlencoded::parse(raw.as_bytes())
                .next()
                .map(|(k, _)| normalise(&k))
                .unwrap_or_default()
        })
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    let code_is_secret = has("code") && (callback || CALLBACK_NAMES.iter().any(|n| has(n)));
    let state_is_secret = has("state") && (has("code") || names.iter().any(|n| is_secret_name(n)));
    let mut changed = false;
    let out: Vec<Cow<'_, str>> = text
        .split('&')
        .zip(&names)
        .map(|(pair, name)| match pair.split_once('=') {
            Some((k, v))
                if !v.is_empty()
                    && v != URL_MARKER
                    && (is_secret_name(name)
                        || (name == "code" && code_is_secret)
                        || (name == "state" && state_is_secret)) =>
            {
                changed = true;
                removed.names.insert(name.clone());
                removed.address_values += 1;
                Cow::Owned(format!("{k}={URL_MARKER}"))
            }
            _ => Cow::Borrowed(pair),
        })
        .collect();
    changed.then(|| out.join("&"))
}

/// Returns `address` with the values of secret parameters in its query and fragment
/// replaced by [`URL_MARKER`] (absolute or relative; anything else is left as it is).
pub fn address(address: &str, removed: &mut Removed) -> String {
    let (before_fragment, fragment) = match address.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (address, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_fragment, None),
    };
    let lower = path.to_ascii_lowercase();
    let callback = CALLBACK_PATHS.iter().any(|w| lower.contains(w));
    let mut out = path.to_owned();
    if let Some(q) = query {
        out.push('?');
        out.push_str(&pairs(q, callback, removed).unwrap_or_else(|| q.to_owned()));
    }
    if let Some(f) = fragment {
        out.push('#');
        // `#access_token=…&state=…` (the implicit flow), or `#/route?token=…`.
        let (route, params) = match f.split_once('?') {
            Some((r, p)) => (Some(r), p),
            None if f.contains('=') => (None, f),
            None => (Some(f), ""),
        };
        if let Some(r) = route {
            out.push_str(r);
            if !params.is_empty() || f.contains('?') {
                out.push('?');
            }
        }
        out.push_str(&pairs(params, true, removed).unwrap_or_else(|| params.to_owned()));
    }
    out
}

/// Returns [`address`]'s result without counting: for copies of an address counted
/// where it was first written, and for the last pass over a record.
pub fn address_only(a: &str) -> String {
    address(a, &mut Removed::default())
}

/// MHTML header fields that hold the page's or a part's address.
const MHTML_ADDRESS_FIELDS: [&[u8]; 2] = [b"Snapshot-Content-Location: ", b"Content-Location: "];

/// Returns the MHTML with the addresses in its `Snapshot-Content-Location` and
/// `Content-Location` fields redacted (the page's content is kept as shown). Returns the
/// same bytes, uncopied, when no address carries a secret.
pub fn mhtml_addresses(mhtml: Vec<u8>) -> Vec<u8> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut at = 0;
    while at < mhtml.len() {
        let end = mhtml[at..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(mhtml.len(), |p| at + p);
        let line = &mhtml[at..end];
        if let Some(field) = MHTML_ADDRESS_FIELDS.iter().find(|f| line.starts_with(f)) {
            let value = String::from_utf8_lossy(&line[field.len()..]);
            let value = value.trim_end_matches('\r');
            let redacted = address_only(value);
            if redacted != value {
                let o = out.get_or_insert_with(|| Vec::with_capacity(mhtml.len()));
                o.extend_from_slice(&mhtml[copied..at + field.len()]);
                o.extend_from_slice(redacted.as_bytes());
                copied = at + field.len() + value.len();
            }
        }
        at = end + 1;
    }
    match out {
        Some(mut o) => {
            o.extend_from_slice(&mhtml[copied..]);
            o
        }
        None => mhtml,
    }
}

/// Returns a raw HTTP/1.1 request (as Safekeep's own fetch sent it) with the request
/// target's and the headers' secrets removed and any body left out; the bytes of lines
/// with nothing to remove are kept exactly.
pub fn wire_request(raw: &[u8], removed: &mut Removed) -> Vec<u8> {
    let head_end = find(raw, b"\r\n\r\n").map_or(raw.len(), |p| p + 4);
    let mut lines = raw[..head_end].split(|b| *b == b'\n');
    let mut out = Vec::with_capacity(head_end + 64);
    if let Some(first) = lines.next() {
        let text = String::from_utf8_lossy(first);
        let mut parts = text.splitn(3, ' ');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(method), Some(target), Some(version)) => {
                let target = address(target, removed);
                out.extend_from_slice(format!("{method} {target} {version}").as_bytes());
            }
            _ => out.extend_from_slice(first),
        }
    }
    for line in lines {
        out.push(b'\n');
        out.extend_from_slice(&wire_header(line, removed));
    }
    if raw.len() > head_end {
        removed.request_bodies += 1;
    }
    out
}

/// Returns a raw response head with header secrets removed. When the body was replaced
/// (`new_body_len`), its framing says so: `Content-Length` is the new length, a
/// `Transfer-Encoding` is kept as `X-Safekeep-Original-Transfer-Encoding`, and `redacted`
/// (an `X-Safekeep-Redacted: …` line) is added.
pub fn wire_response_head(
    head: &[u8],
    new_body_len: Option<usize>,
    redacted: &str,
    removed: &mut Removed,
) -> Vec<u8> {
    let body_end = head.strip_suffix(b"\r\n\r\n").unwrap_or(head);
    let mut out = Vec::with_capacity(head.len() + 256);
    for (i, line) in body_end.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        if i == 0 {
            out.extend_from_slice(line);
            continue;
        }
        let name = line.split(|b| *b == b':').next().unwrap_or_default();
        let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
        match (new_body_len, name.as_str()) {
            (Some(_), "content-length") => out.extend_from_slice(b"X-Safekeep-Original-Content-Length:"),
            (Some(_), "transfer-encoding") => {
                out.extend_from_slice(b"X-Safekeep-Original-Transfer-Encoding:")
            }
            _ => {
                out.extend_from_slice(&wire_header(line, removed));
                continue;
            }
        }
        let colon = line.iter().position(|b| *b == b':').unwrap_or(line.len());
        out.extend_from_slice(line.get(colon + 1..).unwrap_or_default());
    }
    if let Some(len) = new_body_len {
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(redacted.trim_end().as_bytes());
        out.extend_from_slice(format!("\r\nContent-Length: {len}").as_bytes());
    }
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// One `Name: value` line (with its `\r`), redacted by [`header`]; unchanged bytes when
/// there is nothing to remove.
fn wire_header(line: &[u8], removed: &mut Removed) -> Vec<u8> {
    let Some(colon) = line.iter().position(|b| *b == b':') else {
        return line.to_vec();
    };
    let name = String::from_utf8_lossy(&line[..colon]).into_owned();
    let raw_value = &line[colon + 1..];
    let cr = raw_value.ends_with(b"\r");
    let value = String::from_utf8_lossy(raw_value.strip_suffix(b"\r").unwrap_or(raw_value));
    let trimmed = value.trim();
    match header(&name, trimmed, removed) {
        Cow::Borrowed(_) => line.to_vec(),
        Cow::Owned(new) => {
            let mut out = format!("{name}: {new}").into_bytes();
            if cr {
                out.push(b'\r');
            }
            out
        }
    }
}

/// Keys of a record whose string values are addresses.
const ADDRESS_KEYS: [&str; 6] = [
    "url",
    "final_url",
    "requested",
    "redirect_to",
    "source_url",
    "page_url",
];

/// Redacts, in place, every address a record holds under an address key
/// (`url`, `final_url`…), at any depth: the last pass over a record before it is sealed,
/// so that parts written elsewhere (videos, downloads, the direct fetch) follow the rule
/// too. Addresses already redacted are unchanged, and nothing is counted twice.
pub fn addresses_in(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    Value::String(s) if ADDRESS_KEYS.contains(&k.as_str()) => *s = address_only(s),
                    // Messages (a failed fetch's reason, a program's error) quote whole
                    // addresses; a page's own words (its title) are kept as shown.
                    Value::String(s) if s.contains("://") => *s = text(s, &mut Removed::default()),
                    _ => addresses_in(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(addresses_in),
        Value::String(s) if s.contains("://") => *s = text(s, &mut Removed::default()),
        _ => {}
    }
}

/// Returns a program's JSON description of what it fetched (yt-dlp's `.info.json`)
/// with login secrets removed: secret names' values, the `cookies` it held, secret
/// values among `http_headers`, and secret parameters in every address and text.
pub fn program_json(value: &mut Value) {
    fn walk(value: &mut Value, removed: &mut Removed) {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if k == "cookies" && !v.is_null() {
                        *v = Value::String(MARKER.to_owned());
                    } else if k == "http_headers"
                        && let Value::Object(h) = v
                    {
                        for (name, hv) in h.iter_mut() {
                            if let Value::String(s) = hv {
                                *s = header(name, s, removed).into_owned();
                            }
                        }
                    } else {
                        walk(v, removed);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, removed)),
            _ => {}
        }
    }
    let mut removed = Removed::default();
    walk(value, &mut removed);
    json_values(value, &mut removed);
    addresses_in(value);
}

/// Characters that end an address written inside free text.
fn ends_address(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '<' | '>' | '\\' | '`' | '(' | ')' | '[' | ']' | '{' | '}'
        )
}

/// Returns free text (an error message, a program's log) with login secrets removed:
/// the value of every secret header written as `Name: value` (to the end of its line,
/// or of an escaped `\r\n`), and secret parameters in every address or path with a query
/// or fragment in it. Unchanged text is returned as it is.
pub fn text(input: &str, removed: &mut Removed) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    // Addresses: every token with `?` or `#` and `=` in it.
    while !rest.is_empty() {
        let start = rest.find(|c: char| !ends_address(c)).unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(ends_address).unwrap_or(rest.len());
        let token = &rest[..end];
        if (token.contains('?') || token.contains('#')) && token.contains('=') {
            out.push_str(&address(token, removed));
        } else {
            out.push_str(token);
        }
        rest = &rest[end..];
    }
    secret_header_values(&out, removed)
}

/// `Cookie: …`, `Set-Cookie: …`, `Authorization: …` (any secret header) inside text.
fn secret_header_values(input: &str, removed: &mut Removed) -> String {
    let lower = input.to_ascii_lowercase();
    let mut out = String::with_capacity(input.len());
    let mut at = 0;
    while at < input.len() {
        let next = lower[at..].find(": ").map(|i| at + i);
        let Some(colon) = next else { break };
        let name_start = lower[..colon]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(0, |i| i + 1);
        // `…\r\nCookie: ` written escaped: the name starts after the escape.
        let escaped = name_start >= 1
            && input.as_bytes()[name_start - 1] == b'\\'
            && matches!(input.as_bytes()[name_start], b'n' | b'r' | b't');
        let name_start = name_start + usize::from(escaped);
        let name = &lower[name_start..colon];
        let value_start = colon + 2;
        let value_end = [
            lower[value_start..].find("\\r\\n"),
            lower[value_start..].find("\\n"),
            lower[value_start..].find('\n'),
            lower[value_start..].find('\r'),
            lower[value_start..].find('\''),
        ]
        .into_iter()
        .flatten()
        .min()
        .map_or(input.len(), |i| value_start + i);
        out.push_str(&input[at..value_start]);
        if !name.is_empty()
            && is_secret_header(name)
            && value_end > value_start
            && &input[value_start..value_end] != MARKER
        {
            out.push_str(MARKER);
            removed.header_values += 1;
            at = value_end;
        } else {
            // Not a secret: go on from its value (`header: Set-Cookie: …`).
            at = value_start;
        }
    }
    out.push_str(&input[at.min(input.len())..]);
    out
}

/// Returns the value to write for one header: [`MARKER`] for a secret, the addresses
/// redacted for an address header, else the value itself.
pub fn header<'v>(name: &str, value: &'v str, removed: &mut Removed) -> Cow<'v, str> {
    if value.is_empty() {
        return Cow::Borrowed(value);
    }
    if is_secret_header(name) {
        removed.header_values += 1;
        return Cow::Owned(MARKER.to_owned());
    }
    let lower = name.to_ascii_lowercase();
    if !ADDRESS_HEADERS.contains(&lower.as_str()) {
        return Cow::Borrowed(value);
    }
    let before = removed.address_values;
    let out = match lower.as_str() {
        // `<https://…?sig=…>; rel=preload, <…>`
        "link" => {
            let mut out = String::new();
            let mut rest = value;
            while let Some(open) = rest.find('<') {
                let Some(close) = rest[open..].find('>') else {
                    break;
                };
                out.push_str(&rest[..=open]);
                out.push_str(&address(&rest[open + 1..open + close], removed));
                rest = &rest[open + close..];
            }
            out.push_str(rest);
            out
        }
        // `5; url=https://…`, `0; url = …`, `0;https://…`
        "refresh" => {
            let lower = value.to_ascii_lowercase();
            let at = lower
                .find("url")
                .and_then(|u| lower[u + 3..].find('=').map(|e| u + 3 + e + 1))
                .or_else(|| value.find(';').map(|i| i + 1));
            match at {
                Some(at) => {
                    let lead = value[at..].len() - value[at..].trim_start().len();
                    format!(
                        "{}{}",
                        &value[..at + lead],
                        address(value[at + lead..].trim(), removed)
                    )
                }
                None => value.to_owned(),
            }
        }
        _ => address(value, removed),
    };
    if removed.address_values == before {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(out)
    }
}

/// Headers with secret values replaced (see [`header`]).
pub fn headers(list: &[(String, String)], removed: &mut Removed) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.clone(), header(k, v, removed).into_owned()))
        .collect()
}

/// Whether a body of this media type may be redacted (JSON, form, multipart).
pub fn redactable(media_type: &str) -> bool {
    let t = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    t == "application/json"
        || t == "text/json"
        || t.ends_with("+json")
        || t == "application/x-www-form-urlencoded"
        || t == "multipart/form-data"
}

/// Returns `bytes` with the values of secret names replaced, when it is a JSON, form or
/// multipart body of at most [`MAX_REDACTED_BODY`] bytes that carries any; `None` when
/// nothing was replaced (the body is then kept exactly as sent).
pub fn body(media_type: &str, bytes: &[u8], removed: &mut Removed) -> Option<Vec<u8>> {
    if bytes.len() > MAX_REDACTED_BODY || !redactable(media_type) || !may_name_a_secret(bytes) {
        return None;
    }
    let t = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut found = Removed::default();
    let out = if t == "application/x-www-form-urlencoded" {
        let text = std::str::from_utf8(bytes).ok()?;
        let out = pairs(text.trim_end(), false, &mut found)?;
        found.body_values = found.address_values;
        found.address_values = 0;
        out.into_bytes()
    } else if t == "multipart/form-data" {
        multipart(media_type, bytes, &mut found)?
    } else {
        let mut value: Value = serde_json::from_slice(bytes).ok()?;
        json_values(&mut value, &mut found);
        if found.body_values == 0 {
            return None;
        }
        serde_json::to_vec(&value).ok()?
    };
    found.bodies_altered = 1;
    removed.add(&found);
    Some(out)
}

/// Parts of which every secret name has at least one ([`SECRET_NAMES`] and the patterns
/// of [`is_secret_name`]).
const NAME_PARTS: [&str; 15] = [
    "token",
    "jwt",
    "pass",
    "pwd",
    "secret",
    "otp",
    "auth",
    "session",
    "sid",
    "sig",
    "api",
    "credential",
    "assertion",
    "verifier",
    "samlresponse",
];

/// Whether a body may hold a secret name at all: a body without one is not parsed (a
/// quick search costs a fraction of parsing a JSON body).
fn may_name_a_secret(bytes: &[u8]) -> bool {
    let lower = String::from_utf8_lossy(bytes).to_ascii_lowercase();
    NAME_PARTS.iter().any(|p| lower.contains(p))
}

fn json_values(value: &mut Value, removed: &mut Removed) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                // A secret name's whole value goes, whatever it holds
                // (`{"session": {"id": …}}`).
                let filled = matches!(v, Value::String(s) if !s.is_empty() && s != MARKER)
                    || v.is_number()
                    || v.is_object()
                    || v.is_array();
                if filled && is_secret_name(k) {
                    *v = Value::String(MARKER.to_owned());
                    removed.body_values += 1;
                    removed.names.insert(normalise(k));
                } else {
                    json_values(v, removed);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| json_values(v, removed)),
        _ => {}
    }
}

/// `multipart/form-data`: a part named by a secret name (not a file) gets [`MARKER`].
fn multipart(media_type: &str, bytes: &[u8], removed: &mut Removed) -> Option<Vec<u8>> {
    let boundary = media_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_owned())
    })?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    let mut first = true;
    while let Some(at) = find(rest, &delimiter) {
        let (part, after) = (&rest[..at], &rest[at + delimiter.len()..]);
        if first {
            out.extend_from_slice(part);
            first = false;
        } else {
            out.extend_from_slice(&redact_part(part, removed));
        }
        out.extend_from_slice(&delimiter);
        rest = after;
    }
    out.extend_from_slice(rest);
    (removed.body_values > 0).then_some(out)
}

fn redact_part(part: &[u8], removed: &mut Removed) -> Vec<u8> {
    let Some(head_end) = find(part, b"\r\n\r\n") else {
        return part.to_vec();
    };
    let head = String::from_utf8_lossy(&part[..head_end]).to_ascii_lowercase();
    let name = head
        .lines()
        .find(|l| l.starts_with("content-disposition"))
        .and_then(|l| {
            let at = l.find(" name=").or_else(|| l.find(";name="))?;
            let v = &l[at + 6..];
            Some(v.trim_start_matches('"').split(['"', ';']).next()?.to_owned())
        });
    let is_file = head.contains("filename=");
    match name {
        Some(n) if !is_file && is_secret_name(&n) && part.len() > head_end + 6 => {
            removed.body_values += 1;
            removed.names.insert(normalise(&n));
            let mut out = part[..head_end + 4].to_vec();
            out.extend_from_slice(MARKER.as_bytes());
            // Each part's content ends with the CRLF that precedes the next delimiter.
            out.extend_from_slice(b"\r\n");
            out
        }
        _ => part.to_vec(),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_messages_keep_unredacted_lines_byte_for_byte() {
        let mut r = Removed::default();
        let req = wire_request(
            b"GET /cb?access_token=T1&x=1 HTTP/1.1\r\nHost: a.example\r\nUser-Agent: UA\r\n\r\n",
            &mut r,
        );
        assert_eq!(
            req,
            b"GET /cb?access_token=removed-by-safekeep&x=1 HTTP/1.1\r\nHost: a.example\r\nUser-Agent: UA\r\n\r\n"
        );
        let head = b"HTTP/1.1 302 Found\r\nSet-Cookie: s=S1\r\nLocation: /home#access_token=T2\r\nX-Odd:\xff\r\n\r\n";
        let out = wire_response_head(head, None, "", &mut r);
        assert_eq!(
            out,
            b"HTTP/1.1 302 Found\r\nSet-Cookie: [removed by Safekeep: a login secret]\r\nLocation: /home#access_token=removed-by-safekeep\r\nX-Odd:\xff\r\n\r\n"
        );
        let chunked =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        let out = String::from_utf8(wire_response_head(
            chunked,
            Some(12),
            "X-Safekeep-Redacted: 1",
            &mut r,
        ))
        .expect("utf8");
        assert_eq!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Safekeep-Original-Transfer-Encoding: chunked\r\nX-Safekeep-Redacted: 1\r\nContent-Length: 12\r\n\r\n"
        );
    }

    #[test]
    fn mhtml_locations_are_redacted_and_content_kept() {
        let m = b"From: <Saved by Blink>\r\nSnapshot-Content-Location: https://a.example/#access_token=T1\r\nSubject: Home\r\n\r\n--b\r\nContent-Location: https://a.example/x?sig=T2\r\n\r\n<p>token=shown</p>\r\n".to_vec();
        let out = String::from_utf8(mhtml_addresses(m)).expect("utf8");
        assert!(!out.contains("T1") && !out.contains("T2"), "{out}");
        assert!(out.contains(
            "Snapshot-Content-Location: https://a.example/#access_token=removed-by-safekeep\r\nSubject: Home"
        ));
        assert!(out.contains("<p>token=shown</p>"));
        let plain = b"Content-Location: https://a.example/\r\n".to_vec();
        assert_eq!(mhtml_addresses(plain.clone()), plain);
    }

    #[test]
    fn records_lose_secret_addresses_at_any_depth() {
        let mut v = json!({"url": "https://a.example/?token=T1", "media": {"found": [{"url": "/v.mp4?sig=T2"}]}, "title": "?token=kept"});
        addresses_in(&mut v);
        let text = v.to_string();
        assert!(!text.contains("T1") && !text.contains("T2"), "{text}");
        assert!(text.contains("?token=kept"), "{text}");
    }

    fn a(s: &str) -> (String, Removed) {
        let mut r = Removed::default();
        (address(s, &mut r), r)
    }

    #[test]
    fn every_secret_name_has_a_part_the_quick_search_finds() {
        for n in SECRET_NAMES
            .iter()
            .chain(&["user_password", "x_amz_credential", "oauth_token", "my_secret"])
        {
            assert!(may_name_a_secret(n.as_bytes()), "{n}");
        }
        assert!(!may_name_a_secret(br#"{"posts": ["hello"], "next": 2}"#));
    }

    #[test]
    fn secret_names_match_case_and_brackets() {
        for n in [
            "access_token",
            "Access_Token",
            "id_token",
            "refresh_token",
            "password",
            "user[password]",
            "new-password",
            "passwd",
            "pwd",
            "client_secret",
            "otp",
            "auth",
            "session",
            "sig",
            "Signature",
            "X-Amz-Signature",
            "X-Amz-Credential",
            "X-Amz-Security-Token",
            "api_key",
            "apikey",
            "authenticity_token",
            "oauth_token",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "page",
            "q",
            "next_token",
            "page_token",
            "code",
            "state",
            "lang",
            "id",
            "user[name]",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn query_values_are_replaced_and_others_kept_byte_for_byte() {
        let (out, r) = a("https://example.com/cb?x=%20a+b&ACCESS_TOKEN=abc.def&page=2&sig=zz");
        assert_eq!(
            out,
            "https://example.com/cb?x=%20a+b&ACCESS_TOKEN=removed-by-safekeep&page=2&sig=removed-by-safekeep"
        );
        assert_eq!(r.address_values, 2);
        assert_eq!(
            r.names.iter().cloned().collect::<Vec<_>>(),
            ["access_token", "sig"]
        );
        // Idempotent: the same string whichever copy is redacted, and again.
        assert_eq!(a(&out).0, out);
        assert_eq!(a(&out).1.address_values, 0);
        // Nothing to remove: the very same string.
        let plain = "https://example.com/a?b=c&d#top";
        assert_eq!(a(plain).0, plain);
        assert_eq!(a("/relative?token=t").0, "/relative?token=removed-by-safekeep");
        assert_eq!(
            a("https://example.com/?password=").0,
            "https://example.com/?password="
        );
    }

    #[test]
    fn an_authorization_code_is_secret_only_where_it_is_one() {
        assert_eq!(
            a("https://app.example/oauth/callback?code=C1&state=S1").0,
            "https://app.example/oauth/callback?code=removed-by-safekeep&state=removed-by-safekeep"
        );
        assert_eq!(
            a("https://app.example/home?code=C1&scope=email").0,
            "https://app.example/home?code=removed-by-safekeep&scope=email"
        );
        assert_eq!(
            a("https://shop.example/item?code=FR").0,
            "https://shop.example/item?code=FR"
        );
        assert_eq!(
            a("https://shop.example/list?state=open").0,
            "https://shop.example/list?state=open"
        );
    }

    #[test]
    fn fragments_of_the_implicit_flow_are_redacted() {
        assert_eq!(
            a("https://app.example/#access_token=T1&token_type=bearer&state=S&expires_in=3600").0,
            "https://app.example/#access_token=removed-by-safekeep&token_type=bearer&state=removed-by-safekeep&expires_in=3600"
        );
        assert_eq!(
            a("https://app.example/#/inbox?id_token=T2").0,
            "https://app.example/#/inbox?id_token=removed-by-safekeep"
        );
        assert_eq!(
            a("https://app.example/page#section-2").0,
            "https://app.example/page#section-2"
        );
    }

    #[test]
    fn headers_secret_and_address_bearing() {
        let mut r = Removed::default();
        let list = vec![
            ("Set-Cookie".to_owned(), "sid=S1; Path=/".to_owned()),
            ("X-Session-Id".to_owned(), "S2".to_owned()),
            ("Location".to_owned(), "/cb?access_token=T1&x=1".to_owned()),
            ("Content-Location".to_owned(), "/a?token=T2".to_owned()),
            (
                "Link".to_owned(),
                "</n?sig=T3>; rel=preload, </style.css>; rel=stylesheet".to_owned(),
            ),
            ("Refresh".to_owned(), "0; url=/go?password=T4".to_owned()),
            ("Referer".to_owned(), "https://a.example/?id_token=T5".to_owned()),
            ("Content-Type".to_owned(), "text/html".to_owned()),
        ];
        let out = headers(&list, &mut r);
        let text = format!("{out:?}");
        for secret in ["S1", "S2", "T1", "T2", "T3", "T4", "T5"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(out[2].1, "/cb?access_token=removed-by-safekeep&x=1");
        assert_eq!(
            out[4].1,
            "</n?sig=removed-by-safekeep>; rel=preload, </style.css>; rel=stylesheet"
        );
        assert_eq!(out[5].1, "0; url=/go?password=removed-by-safekeep");
        assert_eq!(out[7].1, "text/html");
        assert_eq!((r.header_values, r.address_values), (2, 5));
    }

    #[test]
    fn json_bodies_lose_the_values_of_secret_names_only() {
        let mut r = Removed::default();
        let body = br#"{"access_token":"T1","refresh_token":"T2","expires_in":3600,"user":{"name":"ann","password":"P1"},"list":[{"id_token":"T3"}],"token_type":"bearer"}"#;
        let out = body_str("application/json; charset=utf-8", body, &mut r).expect("redacted");
        for secret in ["T1", "T2", "T3", "P1"] {
            assert!(!out.contains(&format!("\"{secret}\"")), "{secret} in {out}");
        }
        assert!(
            out.contains("\"ann\"") && out.contains("3600") && out.contains("bearer"),
            "{out}"
        );
        assert_eq!((r.body_values, r.bodies_altered), (4, 1));
        // Nothing secret: untouched (no re-serialisation).
        assert!(body_str("application/json", br#"{"posts": [1, 2]}"#, &mut r).is_none());
        assert!(body_str("text/html", br#"{"password":"x"}"#, &mut r).is_none());
        let big = format!(r#"{{"password":"x","pad":"{}"}}"#, "a".repeat(MAX_REDACTED_BODY));
        assert!(body_str("application/json", big.as_bytes(), &mut r).is_none());
    }

    fn body_str(t: &str, b: &[u8], r: &mut Removed) -> Option<String> {
        body(t, b, r).map(|v| String::from_utf8(v).expect("utf8"))
    }

    #[test]
    fn form_and_multipart_bodies() {
        let mut r = Removed::default();
        let out = body_str(
            "application/x-www-form-urlencoded",
            b"username=ann&user%5Bpassword%5D=P1&access_token=T1&remember=1",
            &mut r,
        )
        .expect("redacted");
        assert_eq!(
            out,
            "username=ann&user%5Bpassword%5D=removed-by-safekeep&access_token=removed-by-safekeep&remember=1"
        );
        assert_eq!(r.body_values, 2);
        let mut r = Removed::default();
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nann\r\n--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nP1secret\r\n--XyZ\r\nContent-Disposition: form-data; name=\"token\"; filename=\"t.txt\"\r\n\r\nfile\r\n--XyZ--\r\n";
        let out = body_str("multipart/form-data; boundary=XyZ", body, &mut r).expect("redacted");
        assert!(!out.contains("P1secret"), "{out}");
        assert!(
            out.contains(&format!("name=\"password\"\r\n\r\n{MARKER}\r\n--XyZ")),
            "{out}"
        );
        assert!(
            out.contains("\r\n\r\nann\r\n") && out.contains("\r\n\r\nfile\r\n--XyZ--\r\n"),
            "{out}"
        );
        assert_eq!(r.body_values, 1);
    }

    #[test]
    fn free_text_loses_secret_addresses_and_header_values() {
        let mut r = Removed::default();
        let log = "send: b'GET /v?access_token=T1 HTTP/1.1\\r\\nHost: x\\r\\nCookie: sid=C1\\r\\n'\nheader: Set-Cookie: s=C2; Path=/\nERROR: Unsupported URL: https://x.test/p?token=T3#id_token=T4 (see)";
        let out = text(log, &mut r);
        for secret in ["T1", "C1", "C2", "T3", "T4"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(
            out.contains("Host: x") && out.contains("Unsupported URL: https://x.test/p?token="),
            "{out}"
        );
        assert_eq!(text("nothing here", &mut r), "nothing here");
    }

    #[test]
    fn array_and_nested_names_and_whole_values_go() {
        assert!(
            is_secret_name("token[]") && is_secret_name("access_token[0]") && is_secret_name("id_token_hint")
        );
        assert!(is_secret_name("PHPSESSID") && is_secret_name("jwt") && !is_secret_name("key"));
        let mut v: Value = serde_json::json!({"session": {"id": "S1"}, "ok": {"jwt": "J1"}, "key": "post-1"});
        json_values(&mut v, &mut Removed::default());
        let t = v.to_string();
        assert!(
            !t.contains("S1") && !t.contains("J1") && t.contains("post-1"),
            "{t}"
        );
    }

    #[test]
    fn pseudo_path_and_refresh_forms_are_addresses() {
        let mut r = Removed::default();
        assert!(!header(":path", "/f?X-Amz-Signature=S&x=1", &mut r).contains("=S&"));
        for (v, secret) in [
            ("0; url = /n?token=R1", "R1"),
            ("0;https://a.test/?token=R2", "R2"),
            ("5; URL=/x?token=R3", "R3"),
        ] {
            assert!(!header("Refresh", v, &mut r).contains(secret), "{v}");
        }
    }
}
