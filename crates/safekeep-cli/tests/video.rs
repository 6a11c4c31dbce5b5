//! `safekeep capture video` against a real X server: its own Xvfb, openbox, and FFmpeg's
//! `ffplay` showing `testsrc2` (a picture that changes every frame). Recordings are read
//! back from the vault and checked with `ffprobe`/`ffmpeg`; the bundle verifies; Ctrl-C
//! ends a recording properly; bad input records nothing.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{Kill, xvfb};

const SIZE: (u32, u32) = (640, 480);

struct Desk {
    _procs: Kill,
    display: String,
    vault: PathBuf,
    case: String,
    tmp: tempfile::TempDir,
}

impl Desk {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let (x, display) = xvfb(&format!("{}x{}x24", SIZE.0, SIZE.1), &[]);
        let wm = Command::new("openbox")
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let player = Command::new("ffplay")
            .args(["-hide_banner", "-loglevel", "quiet", "-an", "-f", "lavfi"])
            .args(["-i", "testsrc2=size=320x240:rate=30", "-window_title", "changing"])
            .args(["-left", "0", "-top", "0"])
            .env("DISPLAY", &display)
            .env("SDL_AUDIODRIVER", "dummy")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffplay comes with FFmpeg, installed by `make deps-test`");
        std::thread::sleep(Duration::from_millis(1500));
        let vault = tmp.path().join("vault");
        let mut desk = Self {
            _procs: Kill(vec![x, wm, player]),
            display,
            vault,
            case: String::new(),
            tmp,
        };
        desk.ok(&["init"]);
        desk.case = desk.ok(&["case", "new", "Videos"]).trim().to_owned();
        desk
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = common::safekeep(&self.vault);
        c.env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("XDG_SESSION_TYPE")
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        common::stdout_of(args, self.run(args))
    }

    fn items(&self) -> Vec<Value> {
        let out = self.ok(&["list", "--case", &self.case, "--json"]);
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// The recording of `item` as a file, read back from the vault.
    fn mp4(&self, item: &Value) -> PathBuf {
        let path = self
            .tmp
            .path()
            .join(format!("{}.mp4", item["id"].as_str().unwrap()));
        std::fs::write(
            &path,
            common::stored_file(&self.vault, item, "screen-recording.mp4"),
        )
        .unwrap();
        path
    }
}

fn probe(mp4: &Path) -> Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-show_format", "-of", "json"])
        .arg(mp4)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every frame, scaled down to 32×24 grey bytes.
fn frames(mp4: &Path) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(mp4)
        .args([
            "-vf",
            "scale=32:24",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "pipe:1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks(32 * 24).map(<[u8]>::to_vec).collect()
}

#[test]
fn records_the_screen_seals_it_and_stops_cleanly() {
    let d = Desk::new();
    let item: Value = serde_json::from_str(&d.ok(&[
        "capture",
        "video",
        "--case",
        &d.case,
        "--monitor",
        "1",
        "--duration",
        "3",
        "--json",
    ]))
    .unwrap();
    assert_eq!(item["kind"], "video");
    let cap = &item["capture"];
    assert_eq!(cap["resolution"], format!("{}x{}", SIZE.0, SIZE.1));
    assert_eq!(cap["frame_rate"], 30);
    assert_eq!(cap["ended_because"], "the chosen duration was reached");
    assert!(
        cap["ffmpeg"]["version"]
            .as_str()
            .unwrap()
            .starts_with("ffmpeg version")
    );
    assert!(
        cap["ffmpeg"]["command_line"]
            .as_str()
            .unwrap()
            .contains("x11grab")
    );
    let artifact = &item["artifacts"][0];
    assert_eq!(artifact["media_type"], "video/mp4");
    assert_eq!(item["artifacts"][1]["original_name"], "poster.png", "{item}");
    assert!(
        cap["poster"]
            .as_str()
            .unwrap()
            .contains("not part of the recording")
    );

    let mp4 = d.mp4(&item);
    let bytes = std::fs::read(&mp4).unwrap();
    assert_eq!(
        artifact["sha256"],
        common_sha256(&bytes),
        "the sealed bytes are FFmpeg's"
    );
    let p = probe(&mp4);
    let v = &p["streams"][0];
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(SIZE.0.into()), Some(SIZE.1.into()))
    );
    assert_eq!(p["streams"].as_array().unwrap().len(), 1, "no audio");
    let secs: f64 = p["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((secs - 3.0).abs() <= 0.5, "3 ± 0.5 s, got {secs}");
    let all = frames(&mp4);
    assert!(all.len() >= 75, "{} frames", all.len());
    assert_ne!(
        all.first(),
        all.last(),
        "the picture changed during the recording"
    );

    // Ctrl-C (SIGINT to Safekeep alone, as a terminal sends it) finishes the file.
    let mut child = d
        .command(&["capture", "video", "--case", &d.case, "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "Ctrl-C did not stop the recording"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    let stopped: Value =
        serde_json::from_slice(&common::stdout_of(&["capture", "video"], out).into_bytes()).unwrap();
    assert_eq!(stopped["capture"]["ended_because"], "stopped");
    let p = probe(&d.mp4(&stopped));
    let secs: f64 = p["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!(secs > 1.0, "{secs}");

    // Bad input: a clear message, nothing recorded, nothing left in tmp/.
    for (args, says) in [
        (vec!["--duration", "0"], "half a second"),
        (vec!["--duration", "999999"], "4 hours"),
        (vec!["--ffmpeg", "/nonexistent/ffmpeg"], "FFmpeg is needed"),
        (vec!["--window", "no such window"], "no open window"),
        (vec!["--monitor", "7"], "no monitor 7"),
    ] {
        let mut all = vec!["capture", "video", "--case", &d.case];
        all.extend(args);
        let out = d.run(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{all:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(d.items().len(), 2);
    assert_eq!(std::fs::read_dir(d.vault.join("tmp")).unwrap().count(), 0);

    let bundle = d.tmp.path().join("bundle.zip");
    d.ok(&["export", "--case", &d.case, "--out", bundle.to_str().unwrap()]);
    assert!(d.ok(&["verify", bundle.to_str().unwrap()]).contains("INTACT"));
}

fn common_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
