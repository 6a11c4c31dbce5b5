//! Keeping an HLS stream with Safekeep's own fetcher: the playlist(s) as sent, every
//! segment (each its own exchange in the page's WARC) and one file joining them.
//!
//! Joining is byte concatenation in playlist order — the initialisation section
//! (`EXT-X-MAP`) then the segments — which is how HLS defines the stream; nothing is
//! decoded or re-encoded, so MPEG-TS and fragmented-MP4 streams both give a playable
//! file whose bytes are exactly the segments'.

use std::sync::Arc;

use m3u8_rs::{KeyMethod, Playlist};
use rustls::RootCertStore;
use url::Url;

use super::{Budget, MAX_SECONDS, MAX_SEGMENTS, get};
use crate::web::Limits;
use crate::web::fetch::Exchange;

/// A stream kept from its playlist.
#[derive(Debug)]
pub struct Stream {
    /// The media playlist exactly as sent.
    pub playlist: Vec<u8>,
    /// The variant chosen from a master playlist (its address), if there was one.
    pub variant: Option<String>,
    /// Initialisation section and segments, joined.
    pub joined: Vec<u8>,
    /// `video/mp2t` or `video/mp4` (fragmented MP4 with an initialisation section).
    pub media_type: &'static str,
    /// Segments kept.
    pub segments: u64,
    /// Their total duration from the playlist, ms.
    pub duration_ms: u64,
    /// The playlist had no end (a live stream): what it listed at that moment was kept.
    pub live: bool,
    /// Why the stream was cut short, if it was.
    pub cut: Option<String>,
}

/// Fetches the playlist at `url` (choosing the highest-bandwidth variant of a master
/// playlist) and every segment it lists, within `budget`. Every exchange is appended
/// to `exchanges`. Encrypted or DRM-protected streams are refused with the reason.
pub async fn keep(
    url: &Url,
    budget: &mut Budget,
    limits: &Limits,
    roots: &Arc<RootCertStore>,
    exchanges: &mut Vec<Exchange>,
) -> Result<Stream, String> {
    let (mut at, mut text) = get(url, budget, limits, roots, exchanges).await?;
    let mut variant = None;
    let parsed = parse(&text)?;
    let media = match parsed {
        Playlist::MediaPlaylist(m) => m,
        Playlist::MasterPlaylist(master) => {
            let best = master
                .variants
                .iter()
                .filter(|v| !v.is_i_frame)
                .max_by_key(|v| v.bandwidth)
                .ok_or("the stream's playlist lists no variants")?;
            let next = at
                .join(&best.uri)
                .map_err(|e| format!("a variant's address is unusable ({e})"))?;
            variant = Some(next.to_string());
            (at, text) = get(&next, budget, limits, roots, exchanges).await?;
            match parse(&text)? {
                Playlist::MediaPlaylist(m) => m,
                Playlist::MasterPlaylist(_) => {
                    return Err("the stream's playlists point at each other".into());
                }
            }
        }
    };
    if media.i_frames_only {
        return Err("the playlist holds key frames only, not the video".into());
    }
    let mut joined = Vec::new();
    let mut map_now: Option<String> = None;
    let mut fragmented = false;
    let mut kept = 0u64;
    let mut duration_ms = 0u64;
    let mut cut = None;
    for segment in &media.segments {
        if let Some(key) = &segment.key {
            protected(&key.method, key.keyformat.as_deref())?;
        }
        if segment.byte_range.is_some() {
            return Err("the stream uses byte ranges within one file, which Safekeep does not fetch. Install yt-dlp to keep it, or record the screen".into());
        }
        if kept as usize >= MAX_SEGMENTS || duration_ms / 1000 >= MAX_SECONDS {
            cut = Some(format!(
                "only the first {kept} segments ({} s) were kept: the limit is {MAX_SEGMENTS} segments or {} hours",
                duration_ms / 1000,
                MAX_SECONDS / 3600
            ));
            break;
        }
        if let Some(map) = &segment.map {
            let address = at
                .join(&map.uri)
                .map_err(|e| format!("an address in the playlist is unusable ({e})"))?;
            if map_now.as_deref() != Some(address.as_str()) {
                let (_, init) = get(&address, budget, limits, roots, exchanges).await?;
                joined.extend_from_slice(&init);
                map_now = Some(address.to_string());
                fragmented = true;
            }
        }
        let address = at
            .join(&segment.uri)
            .map_err(|e| format!("an address in the playlist is unusable ({e})"))?;
        let (_, bytes) = get(&address, budget, limits, roots, exchanges).await?;
        joined.extend_from_slice(&bytes);
        kept += 1;
        duration_ms += (f64::from(segment.duration.max(0.0)) * 1000.0).round() as u64;
    }
    if kept == 0 {
        return Err("the stream's playlist lists no segments".into());
    }
    Ok(Stream {
        playlist: text,
        variant,
        joined,
        media_type: if fragmented { "video/mp4" } else { "video/mp2t" },
        segments: kept,
        duration_ms,
        live: !media.end_list,
        cut,
    })
}

fn parse(text: &[u8]) -> Result<Playlist, String> {
    m3u8_rs::parse_playlist_res(text)
        .map_err(|_| "the address did not give an HLS playlist Safekeep can read".to_owned())
}

/// Refuses segments Safekeep cannot keep in a playable form.
fn protected(method: &KeyMethod, keyformat: Option<&str>) -> Result<(), String> {
    match method {
        KeyMethod::None => Ok(()),
        KeyMethod::AES128 if keyformat.is_none_or(|f| f == "identity") => Err(
            "the stream is encrypted (AES-128), and Safekeep does not decrypt streams. Install yt-dlp to keep it, or record the screen".into(),
        ),
        _ => Err(
            "the stream is protected by DRM (copy protection), so it cannot be kept. Record the screen while it plays instead".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_and_drm_are_told_apart() {
        assert!(protected(&KeyMethod::None, None).is_ok());
        let aes = protected(&KeyMethod::AES128, None).expect_err("aes");
        assert!(aes.contains("AES-128"), "{aes}");
        for (method, format) in [
            (KeyMethod::SampleAES, Some("com.apple.streamingkeydelivery")),
            (
                KeyMethod::AES128,
                Some("urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"),
            ),
            (KeyMethod::Other("SAMPLE-AES-CTR".into()), None),
        ] {
            let e = protected(&method, format).expect_err("drm");
            assert!(e.contains("DRM"), "{e}");
        }
    }
}
