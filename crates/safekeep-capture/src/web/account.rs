//! The account a captured page is about, as the page itself says it: the handle from its
//! address and, where the page gives it, the account's **permanent ID** — which stays the
//! same when the person behind it renames the account, so police and platforms can find
//! it after the handle has changed (docs/capture.md § "The account a page is about").
//!
//! One documented rule per platform ([`RULES`]), each reading only markers that name the
//! page's subject — never the signed-in viewer (Facebook's `USER_ID`, for one, is the
//! viewer). An ID is kept only when it has the platform's documented shape (digits, or
//! YouTube's `UC…`), so hostile page text cannot put anything else into the record.
//! The finding is what the page said, not a verified fact: the record says so.

use regex::Regex;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::LazyLock;
use url::Url;

/// How much of a page's HTML is searched: the markers are in its head or its first data.
const SEARCHED_MAX: usize = 4 << 20;

/// What a page says about the account it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The platform, by name.
    pub platform: &'static str,
    /// The handle, from the page's address (`@name`), when the address names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// The permanent ID, when the page gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permanent_id: Option<String>,
    /// Which marker gave the ID (the rule's words).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_from: Option<&'static str>,
}

impl Account {
    /// The record's `account` value.
    pub fn record(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        v["caution"] = json!(
            "as the page said it when captured (docs/capture.md § \"The account a page is about\"); the account a page is about is not always the one that posted"
        );
        if self.permanent_id.is_none() {
            v["permanent_id_missing"] = json!(
                "the page did not give the account's permanent ID; ask the platform for it, quoting the handle and this page's address"
            );
        }
        v
    }
}

/// One platform's rule: the hosts it covers, the handle from the address, and the markers
/// (a pattern whose first group is the ID) tried in order.
struct Rule {
    platform: &'static str,
    hosts: &'static [&'static str],
    handle: fn(&Url) -> Option<String>,
    /// The ID when the page's own address holds it (`profile.php?id=`, `/i/user/ID`).
    in_address: fn(&Url) -> Option<String>,
    markers: &'static [(&'static str, &'static str)],
}

/// The rules, documented in docs/capture.md with the same words.
const RULES: &[Rule] = &[
    Rule {
        platform: "Facebook",
        hosts: &[
            "facebook.com",
            "m.facebook.com",
            "www.facebook.com",
            "web.facebook.com",
        ],
        handle: first_segment,
        in_address: |url| {
            (url.path() == "/profile.php")
                .then(|| {
                    url.query_pairs()
                        .find(|(k, _)| k == "id")
                        .map(|(_, v)| v.into_owned())
                })
                .flatten()
                .filter(|v| digits(v))
        },
        markers: &[(
            r#"<meta\s+property="al:(?:android|ios):url"\s+content="fb://(?:profile|page)/(\d{1,20})""#,
            "the page's App Links address (al:android:url or al:ios:url: fb://profile/ID)",
        )],
    },
    Rule {
        platform: "Instagram",
        in_address: |_| None,
        hosts: &["instagram.com", "www.instagram.com"],
        handle: first_segment,
        markers: &[(r#""profilePage_(\d{1,20})""#, "the page's profilePage_ID marker")],
    },
    Rule {
        platform: "X (Twitter)",
        hosts: &[
            "x.com",
            "twitter.com",
            "www.x.com",
            "www.twitter.com",
            "mobile.twitter.com",
            "mobile.x.com",
        ],
        handle: first_segment,
        in_address: |url| {
            let mut segments = url.path_segments()?;
            (segments.next()? == "i" && segments.next()? == "user")
                .then(|| segments.next().map(str::to_owned))
                .flatten()
                .filter(|v| digits(v))
        },
        markers: &[(
            r#"<meta\s+property="al:(?:android|ios):url"\s+content="twitter://user\?id=(\d{1,20})""#,
            "the page's App Links address (twitter://user?id=ID)",
        )],
    },
    Rule {
        platform: "TikTok",
        in_address: |_| None,
        hosts: &["tiktok.com", "www.tiktok.com", "m.tiktok.com"],
        handle: first_segment,
        markers: &[
            (
                r#""userInfo":\{"user":\{"id":"(\d{1,20})""#,
                "the page's userInfo.user.id value",
            ),
            (
                r#""author":\{"id":"(\d{1,20})""#,
                "the page's author.id value (a video's poster)",
            ),
        ],
    },
    Rule {
        platform: "YouTube",
        in_address: |_| None,
        hosts: &["youtube.com", "www.youtube.com", "m.youtube.com"],
        handle: first_segment,
        markers: &[
            (
                r#"<meta\s+itemprop="(?:channelId|identifier)"\s+content="(UC[A-Za-z0-9_-]{22})""#,
                "the page's itemprop=channelId meta tag",
            ),
            (
                r#"<link\s+rel="canonical"\s+href="https://www\.youtube\.com/channel/(UC[A-Za-z0-9_-]{22})""#,
                "the page's canonical /channel/ID address",
            ),
        ],
    },
];

fn digits(v: &str) -> bool {
    (1..=20).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit())
}

/// The first path segment as a handle (`/name/…`, `/@name`), unless it is one of the
/// platforms' own pages.
fn first_segment(url: &Url) -> Option<String> {
    const NOT_ACCOUNTS: &[&str] = &[
        "home",
        "explore",
        "search",
        "login",
        "signup",
        "settings",
        "messages",
        "notifications",
        "watch",
        "shorts",
        "results",
        "channel",
        "feed",
        "p",
        "reel",
        "reels",
        "stories",
        "i",
        "profile.php",
        "groups",
        "events",
        "marketplace",
        "intent",
        "share",
        "hashtag",
        "tag",
        "discover",
        "foryou",
        "following",
        "photo.php",
        "story.php",
        "permalink.php",
        "people",
        "pages",
        "watch.php",
        "c",
        "user",
        "embed",
        "music",
        "direct",
        "accounts",
        "video",
        "videos",
        "live",
        "search",
        "home.php",
        "login.php",
        "comment",
        "status",
        "r",
        "u",
        "t",
        "about",
        "help",
        "legal",
        "privacy",
        "terms",
    ];
    let first = url.path_segments()?.find(|s| !s.is_empty())?;
    let name = first.trim_start_matches('@');
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && !NOT_ACCOUNTS.contains(&name.to_ascii_lowercase().as_str());
    ok.then(|| format!("@{name}"))
}

/// A page's scripts' contents.
static SCRIPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<script\b[^>]*>(.*?)</script>").expect("valid pattern"));

static COMPILED: LazyLock<Vec<Vec<Regex>>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|r| r.markers.iter().filter_map(|(p, _)| Regex::new(p).ok()).collect())
        .collect()
});

/// The account `url`'s page is about, read from the page's HTML (`html`: its body or its
/// DOM); `None` for a page on none of the platforms of [`RULES`].
pub fn from_page(url: &Url, html: &[u8]) -> Option<Account> {
    let host = url.host_str()?.to_ascii_lowercase();
    let (index, rule) = RULES
        .iter()
        .enumerate()
        .find(|(_, r)| r.hosts.contains(&host.as_str()))?;
    let text = String::from_utf8_lossy(&html[..html.len().min(SEARCHED_MAX)]);
    // Data markers count only inside the page's scripts: in its visible text (a bio, a
    // comment) anyone can write them. Tag markers (`<meta>`, `<link>`) are tags already.
    let scripts: String = SCRIPT
        .captures_iter(&text)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    let found = (rule.in_address)(url)
        .map(|id| (id, "the page's own address"))
        .or_else(|| {
            rule.markers
                .iter()
                .zip(&COMPILED[index])
                .find_map(|((pattern, from), re)| {
                    let within: &str = if pattern.starts_with('<') { &text } else { &scripts };
                    // Two different IDs for the same marker: the page is about more than one
                    // account, and which is the poster cannot be told; none is recorded.
                    let mut ids = re
                        .captures_iter(within)
                        .filter_map(|c| c.get(1))
                        .map(|m| m.as_str());
                    let id = ids.next()?.to_owned();
                    ids.take(64).all(|other| other == id).then_some((id, *from))
                })
        });
    let handle = (rule.handle)(url);
    if handle.is_none() && found.is_none() {
        return None;
    }
    Some(Account {
        platform: rule.platform,
        handle,
        id_from: found.as_ref().map(|(_, from)| *from),
        permanent_id: found.map(|(id, _)| id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str, html: &str) -> Option<Account> {
        from_page(&Url::parse(url).expect("url"), html.as_bytes())
    }

    #[test]
    fn each_platform_gives_the_subject_not_the_viewer() {
        let fb = at(
            "https://www.facebook.com/some.one",
            r#"<script>{"USER_ID":"999","actorID":"999"}</script><meta property="al:android:url" content="fb://profile/100012345678901">"#,
        )
        .expect("found");
        assert_eq!(fb.permanent_id.as_deref(), Some("100012345678901"));
        assert_eq!(fb.handle.as_deref(), Some("@some.one"));
        let yt = at(
            "https://www.youtube.com/@someone",
            r#"<link rel="canonical" href="https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv">"#,
        )
        .expect("found");
        assert_eq!(yt.permanent_id.as_deref(), Some("UCabcdefghijklmnopqrstuv"));
        assert_eq!(yt.handle.as_deref(), Some("@someone"));
        let tt = at(
            "https://www.tiktok.com/@poster",
            r#"<script id="data">{"userInfo":{"user":{"id":"6812345678901234567","uniqueId":"poster"}}}</script>"#,
        )
        .expect("found");
        assert_eq!(tt.permanent_id.as_deref(), Some("6812345678901234567"));
        let ig = at(
            "https://www.instagram.com/poster/",
            r#"<p>"profilePage_1111" says my bio</p><script>{"page":"profilePage_4242424242"}</script>"#,
        )
        .expect("found");
        assert_eq!(ig.permanent_id.as_deref(), Some("4242424242"));
        let x = at("https://x.com/poster/status/1", r#"{"rest_id":"12345"}"#).expect("found");
        assert_eq!(
            (x.handle.as_deref(), x.permanent_id.as_deref()),
            (Some("@poster"), None),
            "a status's rest_id may be the post's or another account's"
        );
        let x = at("https://x.com/i/user/783214", "").expect("found");
        assert_eq!(x.permanent_id.as_deref(), Some("783214"));
        let fb = at(
            "https://www.facebook.com/profile.php?id=100077",
            r#"<a href="https://www.facebook.com/profile.php?id=5">"#,
        )
        .expect("found");
        assert_eq!(
            fb.permanent_id.as_deref(),
            Some("100077"),
            "the address, not a link on the page"
        );
    }

    #[test]
    fn nothing_but_the_documented_shape_is_taken() {
        // A hostile page cannot put text into the record through an ID or a handle.
        let fb = at(
            "https://www.facebook.com/profile.php",
            r#"<meta property="al:android:url" content="fb://profile/12<script>"><a href="profile.php?id=7">"#,
        );
        assert_eq!(fb, None, "neither a handle nor an ID of the documented shape");
        let handle = at("https://x.com/%1B%5B2J", "");
        assert_eq!(handle, None);
        assert_eq!(at("https://example.com/@someone", r#""rest_id":"1""#), None);
        let own_page = at("https://www.youtube.com/watch?v=abc", "");
        assert_eq!(own_page, None, "a platform's own page names no account");
        // Two accounts' IDs for one marker: none is recorded.
        let two = at(
            "https://www.tiktok.com/@poster/video/1",
            r#"<script>{"author":{"id":"111"}} {"author":{"id":"222"}}</script>"#,
        )
        .expect("the handle");
        assert_eq!(two.permanent_id, None);
        // A marker written in the page's text, not its data, is not read.
        let bio = at(
            "https://www.tiktok.com/@poster",
            r#"<p>{"userInfo":{"user":{"id":"999"}}}</p>"#,
        )
        .expect("the handle");
        assert_eq!(bio.permanent_id, None);
        assert_eq!(
            at("https://www.facebook.com/photo.php?fbid=1", ""),
            None,
            "a platform's own page"
        );
        let no_id = at("https://www.instagram.com/poster/", "").expect("the handle");
        assert!(no_id.record()["permanent_id_missing"].is_string());
    }
}
