//! `safekeep capture url --media`: the videos a page shows, kept with the page. A loopback
//! HTTP/HTTPS server (tests/fixtures/web_server.py) serves a page with an MP4 `<video>` and
//! an HLS stream FFmpeg makes here; the MP4 must be kept byte for byte and the stream
//! complete, every request in the page's WARC (checked with warcio) and to no other site;
//! yt-dlp (PyPI, in the tools venv) is used when present and its absence said plainly;
//! a DRM-protected stream and a missing video are named with the reason, and the page is
//! still kept. Needs FFmpeg, warcio and yt-dlp (`make deps-test`); fails without them.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;
use common::ffmpeg;
use common::{WebServers, make_chain, tool};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

struct Site {
    tmp: tempfile::TempDir,
    site: PathBuf,
    vault: PathBuf,
    case: String,
    root: String,
    servers: WebServers,
}

/// A site with an MP4 (4 s), an HLS stream of another video (6 s, three segments), a DRM
/// stream, and pages showing them; a vault with one case.
fn site() -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    fs::create_dir(&site).unwrap();
    let s = |n: &str| site.join(n).to_str().unwrap().to_owned();
    let x264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"];
    let mut args = vec!["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "4"];
    args.extend(x264);
    let clip = s("clip.mp4");
    args.push(&clip);
    ffmpeg(&args);
    // Over 1 MiB: for the limit.
    let big = s("big.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=25",
        "-t",
        "3",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-b:v",
        "6M",
        &big,
    ]);
    let mut args = vec!["-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25", "-t", "6"];
    args.extend(x264);
    let (segments, playlist) = (s("seg%d.ts"), s("stream.m3u8"));
    args.extend([
        "-g",
        "25",
        "-hls_time",
        "2",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_filename",
        &segments,
        &playlist,
    ]);
    ffmpeg(&args);
    fs::write(
        site.join("drm.m3u8"),
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://key\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n#EXTINF:2.0,\nseg0.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    fs::write(
        site.join("post.html"),
        r#"<!doctype html><html><head><title>Post</title>
        <meta property="og:video" content="/gone.mp4"></head><body>
        <video src="clip.mp4" controls></video>
        <video><source src="stream.m3u8" type="application/x-mpegURL"></video>
        <video src="blob:https://localhost/1"></video></body></html>"#,
    )
    .unwrap();
    fs::write(
        site.join("one.html"),
        r#"<html><head><title>One video</title></head><body><video src="clip.mp4"></video></body></html>"#,
    )
    .unwrap();
    fs::write(
        site.join("drm.html"),
        r#"<html><body><video src="drm.m3u8"></video></body></html>"#,
    )
    .unwrap();
    fs::write(
        site.join("big.html"),
        r#"<html><body><video src="big.mp4"></video></body></html>"#,
    )
    .unwrap();
    let chain = make_chain(tmp.path());
    let servers = WebServers::start(&site, tmp.path());
    let vault = tmp.path().join("vault");
    let mut s = Site {
        root: chain.root_pem.to_str().unwrap().to_owned(),
        site,
        vault,
        case: String::new(),
        servers,
        tmp,
    };
    s.ok(&["init"], None);
    s.case = s.ok(&["case", "new", "Videos"], None).trim().to_owned();
    s
}

impl Site {
    /// Runs the CLI; `yt_dlp` is what SAFEKEEP_YTDLP names (none: a path that does not exist).
    fn run(&self, args: &[&str], yt_dlp: Option<&Path>) -> Output {
        let missing = self.tmp.path().join("no-yt-dlp-here");
        common::safekeep(&self.vault)
            .env_remove("SAFEKEEP_BROWSER")
            .env("SAFEKEEP_YTDLP", yt_dlp.unwrap_or(&missing))
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str], yt_dlp: Option<&Path>) -> String {
        common::stdout_of(args, self.run(args, yt_dlp))
    }

    /// `capture url URL --json` with `extra`; returns the printed JSON.
    fn capture(&self, url: &str, extra: &[&str], yt_dlp: Option<&Path>) -> Value {
        let mut args = vec![
            "capture",
            "url",
            url,
            "--case",
            &self.case,
            "--json",
            "--no-render",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.ok(&args, yt_dlp)).unwrap()
    }

    /// `capture url URL` with `extra`, as a person runs it; returns what it said on stderr.
    fn said(&self, url: &str, extra: &[&str], yt_dlp: Option<&Path>) -> String {
        let mut args = vec!["capture", "url", url, "--case", &self.case, "--no-render"];
        args.extend_from_slice(extra);
        let out = self.run(&args, yt_dlp);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    fn file(&self, item: &Value, name: &str) -> Vec<u8> {
        common::stored_file(&self.vault, item, name)
    }

    fn names(item: &Value) -> Vec<String> {
        item["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["original_name"].as_str().unwrap().to_owned())
            .collect()
    }

    fn requested(&self) -> Vec<String> {
        self.servers.requests().into_iter().map(|(p, _)| p).collect()
    }
}

#[test]
fn keeps_an_mp4_byte_for_byte_and_an_hls_stream_whole_with_every_request_in_the_warc() {
    let s = site();
    let read = |n: &str| fs::read(s.site.join(n)).unwrap();
    let url = s.servers.https("/post.html");

    // Not asked: the videos are counted, and nothing but the page is requested.
    let plain = s.capture(&url, &["--ca-file", &s.root], None);
    assert_eq!(plain["summary"]["media"]["asked"], false);
    assert_eq!(
        plain["summary"]["media"]["found"].as_array().unwrap().len(),
        4,
        "{}",
        plain["summary"]
    );
    assert_eq!(s.requested(), ["/post.html"]);
    let said = s.said(&url, &["--ca-file", &s.root], None);
    assert!(
        said.contains("This page shows 4 video(s), which were not kept"),
        "{said}"
    );
    assert!(
        !Site::names(&plain["item"])
            .iter()
            .any(|n| n.starts_with("video-"))
    );

    // Asked, without yt-dlp (the capture trusts an extra authority, which yt-dlp would not).
    let out = s.capture(&url, &["--ca-file", &s.root, "--media"], Some(&tool("yt-dlp")));
    let media = &out["summary"]["media"];
    let item = &out["item"];
    assert_eq!(
        media["yt_dlp_note"],
        "this capture trusts certificates yt-dlp would not"
    );
    let kept = media["kept"].as_array().unwrap();
    assert_eq!(kept.len(), 2, "{media}");
    assert_eq!(kept[0]["file"], "video-1.mp4");
    assert_eq!(kept[0]["via"], "safekeep");
    let mp4 = s.file(item, "video-1.mp4");
    assert_eq!(mp4, read("clip.mp4"), "the MP4 is kept byte for byte");
    assert_eq!(kept[0]["sha256"], sha256_hex(&mp4));
    // The stream: its playlist as sent, its segments joined in order, nothing re-encoded.
    assert_eq!(kept[1]["file"], "video-2.ts");
    assert_eq!(kept[1]["segments"], 3);
    assert_eq!(kept[1]["duration_ms"], 6000);
    assert_eq!(kept[1]["live"], false);
    let joined: Vec<u8> = (0..3).flat_map(|i| read(&format!("seg{i}.ts"))).collect();
    assert_eq!(s.file(item, "video-2.ts"), joined);
    assert_eq!(s.file(item, "video-2.m3u8"), read("stream.m3u8"));
    let artifact = |name: &str| {
        item["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["original_name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(artifact("video-1.mp4")["media_type"], "video/mp4");
    assert_eq!(artifact("video-2.ts")["media_type"], "video/mp2t");
    assert_eq!(artifact("video-1.mp4")["role"], "media");
    // FFprobe reads the joined stream as 6 s of H.264.
    let stored = s.tmp.path().join("joined.ts");
    fs::write(&stored, s.file(item, "video-2.ts")).unwrap();
    let probe = Command::new(tool("ffprobe"))
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_name",
            "-of",
            "json",
        ])
        .arg(&stored)
        .output()
        .unwrap();
    let probe: Value = serde_json::from_slice(&probe.stdout).unwrap();
    assert_eq!(probe["streams"][0]["codec_name"], "h264", "{probe}");
    let seconds: f64 = probe["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((5.5..=6.5).contains(&seconds), "{probe}");

    // What was not kept is named with the reason; the page itself was kept.
    let not_kept = media["not_kept"].as_array().unwrap();
    let reason = |end: &str| {
        not_kept
            .iter()
            .find(|n| n["url"].as_str().unwrap().ends_with(end))
            .unwrap_or_else(|| panic!("{end} not listed: {media}"))["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(reason("/gone.mp4").contains("status 404"), "{media}");
    assert!(reason("/1").contains("blob: address"), "{media}");
    assert!(Site::names(item).contains(&"response-body.html".to_owned()));

    // Only the site asked for was contacted, and every request is in the WARC: the video
    // response's payload digest is the kept file's SHA-256.
    let host = format!("localhost:{}", s.servers.https);
    assert_eq!(media["hosts"], serde_json::json!([host]));
    let mut asked = s.requested();
    asked.sort();
    assert_eq!(
        asked,
        [
            "/clip.mp4",
            "/gone.mp4",
            "/post.html",
            "/post.html",
            "/post.html",
            "/seg0.ts",
            "/seg1.ts",
            "/seg2.ts",
            "/stream.m3u8"
        ]
    );
    let warc = s.tmp.path().join("page.warc.gz");
    fs::write(&warc, s.file(item, "page.warc.gz")).unwrap();
    let check = Command::new(tool("warcio"))
        .args(["check", "-v"])
        .arg(&warc)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let index = Command::new(tool("warcio"))
        .args(["index", "-f", "warc-type,warc-target-uri,warc-payload-digest"])
        .arg(&warc)
        .output()
        .unwrap();
    let responses: Vec<Value> = String::from_utf8(index.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["warc-type"] == "response")
        .collect();
    let uris: Vec<&str> = responses
        .iter()
        .map(|r| r["warc-target-uri"].as_str().unwrap())
        .collect();
    for path in [
        "/post.html",
        "/clip.mp4",
        "/stream.m3u8",
        "/seg0.ts",
        "/seg1.ts",
        "/seg2.ts",
        "/gone.mp4",
    ] {
        assert!(
            uris.iter().any(|u| u.ends_with(path)),
            "{path} not in the WARC: {uris:?}"
        );
    }
    let clip = responses
        .iter()
        .find(|r| r["warc-target-uri"].as_str().unwrap().ends_with("/clip.mp4"))
        .unwrap();
    let digest = data_encoding::BASE32.encode(&Sha256::digest(&mp4));
    assert_eq!(clip["warc-payload-digest"], format!("sha256:{digest}"), "{clip}");
    assert_eq!(item["capture"]["media"]["exchanges"].as_array().unwrap().len(), 6);

    // Both videos get their per-second fingerprints, and the bundle verifies.
    let shown: Value =
        serde_json::from_str(&s.ok(&["show", item["id"].as_str().unwrap(), "--json"], None)).unwrap();
    let frames = |name: &str| {
        shown["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["original_name"] == name)
            .unwrap()["vpdq"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert!((4..=5).contains(&frames("video-1.mp4")), "{shown}");
    assert!((6..=7).contains(&frames("video-2.ts")), "{shown}");
    // The app's poster: the first frame, blurred in its pixels, as a small JPEG; only
    // videos have one.
    let v = safekeep_core::Vault::open(
        &s.vault,
        safekeep_core::Environment::system("test"),
        Some(safekeep_core::vault::Unlock::Passphrase(common::PASS)),
    )
    .unwrap();
    let id = item["id"].as_str().unwrap();
    let index = |name: &str| {
        item["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .position(|a| a["original_name"] == name)
            .unwrap()
    };
    for name in ["video-1.mp4", "video-2.ts"] {
        let poster = v.video_poster(id, index(name)).unwrap();
        assert_eq!(&poster[..3], b"\xff\xd8\xff", "{name}: a JPEG");
        assert!(
            poster.len() < 64 << 10,
            "{name}: a thumbnail, {} bytes",
            poster.len()
        );
    }
    let refused = v.video_poster(id, index("response-body.html")).unwrap_err();
    assert!(refused.to_string().contains("is not a video"), "{refused}");
    drop(v);
    let bundle = s.tmp.path().join("case.zip");
    s.ok(
        &["export", "--case", &s.case, "--out", bundle.to_str().unwrap()],
        None,
    );
    s.ok(&["verify", bundle.to_str().unwrap()], None);
}

#[test]
fn yt_dlp_keeps_the_video_with_the_sites_details_and_its_request_log() {
    let s = site();
    let url = s.servers.http("/one.html");
    let out = s.capture(&url, &["--media"], Some(&tool("yt-dlp")));
    let media = &out["summary"]["media"];
    let item = &out["item"];
    assert!(media["yt_dlp"].as_str().is_some_and(|v| !v.is_empty()), "{media}");
    assert_eq!(media["kept"][0]["via"], "yt-dlp");
    assert_eq!(media["kept"][0]["file"], "video-1.mp4");
    assert_eq!(
        s.file(item, "video-1.mp4"),
        fs::read(s.site.join("clip.mp4")).unwrap()
    );
    let info: Value = serde_json::from_slice(&s.file(item, "video-1.info.json")).unwrap();
    assert!(info["title"].as_str().is_some(), "{info}");
    let log = String::from_utf8(s.file(item, "yt-dlp.log")).unwrap();
    assert!(
        log.contains("GET /clip.mp4 HTTP/1.1") && log.contains("--print-traffic"),
        "{log}"
    );
    let host = format!("127.0.0.1:{}", s.servers.http);
    assert_eq!(media["hosts"], serde_json::json!([host]));
    // Nothing else was asked of the server than the page (twice: Safekeep, yt-dlp) and the video.
    let mut asked = s.requested();
    asked.sort();
    assert_eq!(asked, ["/clip.mp4", "/one.html", "/one.html"]);

    // yt-dlp missing: said plainly, and Safekeep keeps the same bytes itself.
    let said = s.said(&url, &["--media"], None);
    assert!(
        said.contains("Safekeep fetched the videos itself: SAFEKEEP_YTDLP names"),
        "{said}"
    );
    assert!(said.contains("Kept the video http://127.0.0.1:"), "{said}");
    let out = s.capture(&url, &["--media"], None);
    assert_eq!(out["summary"]["media"]["kept"][0]["via"], "safekeep");
    assert_eq!(
        s.file(&out["item"], "video-1.mp4"),
        fs::read(s.site.join("clip.mp4")).unwrap()
    );
    // Over the cap: named, with how to raise it, by either way of fetching.
    assert!(fs::metadata(s.site.join("big.mp4")).unwrap().len() > 1 << 20);
    for extra in [
        &["--media", "--max-body-mib", "1"][..],
        &["--media", "--max-body-mib", "1", "--no-yt-dlp"],
    ] {
        let out = s.capture(&s.servers.http("/big.html"), extra, Some(&tool("yt-dlp")));
        let media = &out["summary"]["media"];
        assert!(media["kept"].as_array().unwrap().is_empty(), "{extra:?}: {media}");
        let reason = media["not_kept"][0]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("larger than the 1 MiB limit"),
            "{extra:?}: {media}"
        );
    }
    // --no-yt-dlp: not used even when installed.
    let out = s.capture(&url, &["--media", "--no-yt-dlp"], Some(&tool("yt-dlp")));
    assert_eq!(
        out["summary"]["media"]["yt_dlp_note"],
        "the capture asked not to use yt-dlp"
    );
}

#[test]
fn a_drm_stream_is_named_and_the_page_still_kept() {
    let s = site();
    let out = s.capture(&s.servers.http("/drm.html"), &["--media", "--no-yt-dlp"], None);
    let media = &out["summary"]["media"];
    assert!(media["kept"].as_array().unwrap().is_empty());
    let reason = media["not_kept"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("protected by DRM") && reason.contains("Record the screen"),
        "{reason}"
    );
    let said = s.said(&s.servers.http("/drm.html"), &["--media", "--no-yt-dlp"], None);
    assert!(
        said.contains("Not kept: the video http://127.0.0.1:") && said.contains("protected by DRM"),
        "{said}"
    );
    assert!(Site::names(&out["item"]).contains(&"page.warc.gz".to_owned()));
    // No segment of a protected stream was fetched.
    assert!(
        !s.requested().iter().any(|p| p.ends_with(".ts")),
        "{:?}",
        s.requested()
    );

    // A page without any video says so, and suggests recording the screen.
    let said = s.said(&s.servers.http("/pic.png"), &["--media", "--no-yt-dlp"], None);
    assert!(said.contains("No video was found on the page"), "{said}");
}
