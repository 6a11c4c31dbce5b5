//! Finding the videos a page shows, in its HTML as sent and in its DOM after scripts ran.

use dom_query::Document;
use serde::Serialize;
use url::Url;

/// How a video is delivered, which decides how it can be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// One file (MP4, WebM…): kept byte for byte.
    File,
    /// An HLS playlist (`.m3u8`) and its segments.
    Hls,
    /// A DASH manifest (`.mpd`): kept only through yt-dlp.
    Dash,
    /// Played by the page's scripts from a `blob:` address (Media Source): nothing to fetch.
    Script,
}

/// One video found on the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// Its address, resolved against the page's.
    pub url: String,
    /// How it is delivered.
    pub form: Form,
    /// Where on the page it was found, e.g. `video`, `og:video`, `link`.
    pub from: &'static str,
}

/// Where videos are named in a page: (CSS selector, attribute, what it is called).
const PLACES: [(&str, &str, &str); 8] = [
    ("video[src]", "src", "video"),
    ("video source[src]", "src", "video source"),
    ("meta[property='og:video']", "content", "og:video"),
    ("meta[property='og:video:url']", "content", "og:video"),
    ("meta[property='og:video:secure_url']", "content", "og:video"),
    (
        "meta[name='twitter:player:stream']",
        "content",
        "twitter:player:stream",
    ),
    ("a[href]", "href", "link"),
    ("link[rel='preload'][as='video']", "href", "preload"),
];

/// The videos named in `html` (as sent, or the DOM after scripts ran), resolved against
/// `page` (or the page's `<base href>`), first occurrence first, each address once. Links
/// count only when their address looks like a video file or stream.
pub fn videos(page: &Url, html: &[u8]) -> Vec<Found> {
    let text = String::from_utf8_lossy(html);
    let doc = Document::from(text.as_ref());
    let base = doc
        .select("base[href]")
        .attr("href")
        .and_then(|h| page.join(h.trim()).ok())
        .unwrap_or_else(|| page.clone());
    let mut found: Vec<Found> = Vec::new();
    for (selector, attribute, from) in PLACES {
        for node in doc.select(selector).nodes() {
            let Some(value) = node.attr(attribute) else {
                continue;
            };
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let declared = node.attr("type").map(|t| t.to_ascii_lowercase());
            let Some(item) = classify(&base, value, declared.as_deref(), from) else {
                continue;
            };
            if !found.iter().any(|f| f.url == item.url) {
                found.push(item);
            }
        }
    }
    found
}

/// What an address on the page is, or `None` when it is not a video worth keeping.
fn classify(base: &Url, value: &str, declared: Option<&str>, from: &'static str) -> Option<Found> {
    if value.starts_with("blob:") {
        return (from != "link").then(|| Found {
            url: value.to_owned(),
            form: Form::Script,
            from,
        });
    }
    let url = base.join(value).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let by_name = form_by_name(&url);
    let form = match declared {
        Some("application/x-mpegurl" | "application/vnd.apple.mpegurl" | "audio/mpegurl") => Some(Form::Hls),
        Some("application/dash+xml") => Some(Form::Dash),
        _ => by_name,
    };
    let form = match (form, from) {
        (Some(f), _) => f,
        // A <video> or og:video address with no telling extension is still a video.
        (None, "link" | "preload") => return None,
        (None, _) => Form::File,
    };
    Some(Found {
        url: url.to_string(),
        form,
        from,
    })
}

/// The form an address's file name suggests.
pub fn form_by_name(url: &Url) -> Option<Form> {
    let name = url.path().rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "m3u8" => Some(Form::Hls),
        "mpd" => Some(Form::Dash),
        "mp4" | "m4v" | "webm" | "mov" | "mkv" | "ogv" | "3gp" | "ts" => Some(Form::File),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn videos_are_found_where_pages_put_them() {
        let page = Url::parse("https://example.com/posts/1").expect("url");
        let html = br#"<html><head>
            <meta property="og:video" content="https://cdn.example.net/v/og.mp4">
            </head><body>
            <video src="clip.mp4"></video>
            <video><source src="/live/stream.m3u8" type="application/x-mpegURL"><source src="clip.mp4"></video>
            <video src="blob:https://example.com/1234"></video>
            <a href="/about">about</a><a href="files/talk.webm">talk</a><a href="x.mpd">dash</a>
            <video src="javascript:alert(1)"></video>
            </body></html>"#;
        let found = videos(&page, html);
        let summary: Vec<(&str, Form, &str)> =
            found.iter().map(|f| (f.url.as_str(), f.form, f.from)).collect();
        assert_eq!(
            summary,
            vec![
                ("https://example.com/posts/clip.mp4", Form::File, "video"),
                ("blob:https://example.com/1234", Form::Script, "video"),
                ("https://example.com/live/stream.m3u8", Form::Hls, "video source"),
                ("https://cdn.example.net/v/og.mp4", Form::File, "og:video"),
                ("https://example.com/posts/files/talk.webm", Form::File, "link"),
                ("https://example.com/posts/x.mpd", Form::Dash, "link"),
            ]
        );
    }

    #[test]
    fn the_base_element_moves_relative_addresses() {
        let page = Url::parse("https://example.com/a/b").expect("url");
        let found = videos(
            &page,
            br#"<base href="https://media.example.org/x/"><video src="v"></video>"#,
        );
        assert_eq!(found[0].url, "https://media.example.org/x/v");
        assert!(videos(&page, b"<p>no video here</p>").is_empty());
    }
}
