//! RDAP (RFC 9082/9083, bootstrap RFC 9224), the reading half: which server to ask for a
//! domain or an address (from IANA's bootstrap files), what to ask it, and the abuse
//! contacts in its answer. The asking is done by `safekeep-capture` (this crate has no
//! network), and only when the person asks for it.
//!
//! Answers are someone else's data: read at most [`MAX_ANSWER`] bytes, walked to a
//! bounded depth, and every value kept is one line, inert and short.

use std::net::IpAddr;

use serde_json::Value;

/// IANA's RDAP bootstrap files (`dns.json`, `ipv4.json`, `ipv6.json`).
pub const IANA_BOOTSTRAP: &str = "https://data.iana.org/rdap/";

/// Whether an RDAP address may be asked: HTTPS, or plain HTTP to this computer itself (a
/// test's local server), never plain HTTP across a network someone else may control.
pub fn secure_enough(address: &str) -> bool {
    let lower = address.to_ascii_lowercase();
    lower.starts_with("https://")
        || [
            "http://127.0.0.1:",
            "http://127.0.0.1/",
            "http://localhost:",
            "http://localhost/",
            "http://[::1]",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
}
/// Largest answer read, in bytes.
pub const MAX_ANSWER: u64 = 1 << 20;
/// Largest part of an answer kept in the case, in bytes.
pub const KEPT_ANSWER: usize = 64 << 10;
/// How deep nested entities are followed.
const MAX_DEPTH: usize = 6;
/// Most contacts kept from one answer.
const MAX_CONTACTS: usize = 8;

/// What is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A domain name (its registration: the registrar's abuse contact).
    Domain(String),
    /// An address (its network: the host's abuse contact).
    Ip(IpAddr),
}

impl Target {
    /// The target for a web address's host.
    pub fn of_address(address: &str) -> Option<Self> {
        let url = url::Url::parse(address.trim()).ok()?;
        match url.host()? {
            url::Host::Domain(d) => Some(Self::Domain(d.trim_end_matches('.').to_ascii_lowercase())),
            url::Host::Ipv4(a) => Some(Self::Ip(IpAddr::V4(a))),
            url::Host::Ipv6(a) => Some(Self::Ip(IpAddr::V6(a))),
        }
    }

    /// The bootstrap file that lists its servers.
    pub fn bootstrap_file(&self) -> &'static str {
        match self {
            Self::Domain(_) => "dns.json",
            Self::Ip(IpAddr::V4(_)) => "ipv4.json",
            Self::Ip(IpAddr::V6(_)) => "ipv6.json",
        }
    }

    /// The query path under a server's base address.
    pub fn query(&self, base: &str) -> String {
        let base = base.trim_end_matches('/');
        match self {
            Self::Domain(d) => format!("{base}/domain/{d}"),
            Self::Ip(a) => format!("{base}/ip/{a}"),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Domain(d) => f.write_str(d),
            Self::Ip(a) => write!(f, "{a}"),
        }
    }
}

/// The first server a bootstrap file (RFC 9224 § 3) lists for the target: for a domain,
/// the entry with the longest matching label suffix; for an address, the longest prefix.
pub fn service_for(bootstrap: &Value, target: &Target) -> Option<String> {
    let services = bootstrap.get("services")?.as_array()?;
    let mut best: Option<(usize, String)> = None;
    for service in services {
        let (Some(keys), Some(urls)) = (
            service.get(0).and_then(Value::as_array),
            service.get(1).and_then(Value::as_array),
        ) else {
            continue;
        };
        // HTTPS only: an answer over plain HTTP could be changed by whoever controls the
        // network, and it decides where the letter (with the person's details) goes.
        let Some(url) = urls.iter().filter_map(Value::as_str).find(|u| secure_enough(u)) else {
            continue;
        };
        for key in keys.iter().filter_map(Value::as_str) {
            let score = match target {
                Target::Domain(d) => domain_match(d, key),
                Target::Ip(a) => prefix_match(*a, key),
            };
            if let Some(s) = score
                && best.as_ref().is_none_or(|(b, _)| s > *b)
            {
                best = Some((s, url.to_owned()));
            }
        }
    }
    best.map(|(_, u)| u)
}

fn domain_match(domain: &str, key: &str) -> Option<usize> {
    let key = key.trim_matches('.').to_ascii_lowercase();
    (domain == key || domain.ends_with(&format!(".{key}"))).then(|| key.split('.').count())
}

fn prefix_match(addr: IpAddr, key: &str) -> Option<usize> {
    let (net, len) = key.split_once('/')?;
    let net: IpAddr = net.parse().ok()?;
    let len: u32 = len.parse().ok()?;
    let (a, n, bits) = match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u128::from(u32::from(a)), u128::from(u32::from(n)), 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a), u128::from(n), 128),
        _ => return None,
    };
    if len > bits {
        return None;
    }
    let shift = bits - len;
    let same = shift >= 128 || (a >> shift) == (n >> shift);
    same.then_some(len as usize)
}

/// What an answer says about abuse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Abuse e-mail addresses, in the order found.
    pub abuse_emails: Vec<String>,
    /// The registrar (for a domain) or the network's name (for an address).
    pub holder: Option<String>,
}

/// Reads the abuse contacts of an RDAP answer (RFC 9083 § 5.1 entities with the role
/// `abuse`, their jCard `email`), and the registrar or network named.
pub fn findings(answer: &Value) -> Findings {
    let mut f = Findings::default();
    walk(answer, 0, &mut f);
    if f.holder.is_none() {
        f.holder = answer.get("name").and_then(Value::as_str).map(short);
    }
    f
}

fn walk(node: &Value, depth: usize, f: &mut Findings) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(entities) = node.get("entities").and_then(Value::as_array) else {
        return;
    };
    for e in entities.iter().take(64) {
        let roles: Vec<&str> = e
            .get("roles")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if roles.contains(&"registrar") && f.holder.is_none() {
            f.holder = vcard(e, "fn").into_iter().next();
        }
        if roles.contains(&"abuse") {
            for email in vcard(e, "email") {
                let email = email.trim_start_matches("mailto:").to_owned();
                if is_email(&email) && !f.abuse_emails.contains(&email) && f.abuse_emails.len() < MAX_CONTACTS
                {
                    f.abuse_emails.push(email);
                }
            }
        }
        walk(e, depth + 1, f);
    }
}

/// The text values of one jCard property (RFC 7095: `["vcard", [[name, params, type,
/// value], …]]`).
fn vcard(entity: &Value, property: &str) -> Vec<String> {
    entity
        .get("vcardArray")
        .and_then(|v| v.get(1))
        .and_then(Value::as_array)
        .map(|props| {
            props
                .iter()
                .take(64)
                .filter(|p| p.get(0).and_then(Value::as_str) == Some(property))
                .filter_map(|p| p.get(3).and_then(Value::as_str))
                .map(short)
                .collect()
        })
        .unwrap_or_default()
}

fn short(s: &str) -> String {
    let line = crate::bundle::format::one_line(s);
    line.chars().take(200).collect()
}

/// Whether a string can be used as an e-mail address in a letter: one `@`, no spaces
/// or controls, at most 254 characters.
fn is_email(s: &str) -> bool {
    s.len() <= 254
        && s.matches('@').count() == 1
        && !s.starts_with('@')
        && !s.ends_with('@')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
}

/// The part of an answer kept in the case: at most [`KEPT_ANSWER`] bytes, cut at a
/// character boundary and said so.
pub fn kept_answer(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= KEPT_ANSWER {
        return text.into_owned();
    }
    let mut end = KEPT_ANSWER;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[… cut: the answer was {} bytes]", &text[..end], body.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn picks_the_longest_match() {
        let dns = json!({"version": "1.0", "services": [
            [["com", "net"], ["https://rdap.verisign.com/com/v1/"]],
            [["example.com"], ["http://x.invalid/", "https://rdap.example/"]],
            [["org"], ["https://rdap.org.example/"]]]});
        let d = |s: &str| Target::Domain(s.into());
        assert_eq!(
            service_for(&dns, &d("a.example.com")).as_deref(),
            Some("https://rdap.example/")
        );
        assert_eq!(
            service_for(&dns, &d("b.com")).as_deref(),
            Some("https://rdap.verisign.com/com/v1/")
        );
        assert_eq!(service_for(&dns, &d("notcom")), None);
        let v4 = json!({"services": [[["41.0.0.0/8"], ["https://rdap.afrinic.net/rdap/"]],
            [["41.128.0.0/9"], ["https://more.example/"]]]});
        let ip = |s: &str| Target::Ip(s.parse().expect("ip"));
        assert_eq!(
            service_for(&v4, &ip("41.1.2.3")).as_deref(),
            Some("https://rdap.afrinic.net/rdap/")
        );
        assert_eq!(
            service_for(&v4, &ip("41.200.2.3")).as_deref(),
            Some("https://more.example/")
        );
        assert_eq!(service_for(&v4, &ip("42.1.2.3")), None);
    }

    #[test]
    fn hostile_answers_are_bounded_and_inert() {
        let evil = "abuse@x.example\u{1b}[2J";
        let answer = json!({"entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [
            ["fn", {}, "text", "A\u{1b}[31mB".repeat(500)],
            ["email", {}, "text", evil],
            ["email", {}, "text", "real@abuse.example"]]]}]});
        let f = findings(&answer);
        assert_eq!(f.abuse_emails, vec!["real@abuse.example".to_owned()]);
        let mut deep =
            json!({"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "deep@x.example"]]]});
        for _ in 0..20 {
            deep = json!({"entities": [deep]});
        }
        assert!(findings(&deep).abuse_emails.is_empty(), "depth is bounded");
        let big = vec![b'a'; KEPT_ANSWER * 2];
        assert!(kept_answer(&big).len() < KEPT_ANSWER + 100);
    }
}
