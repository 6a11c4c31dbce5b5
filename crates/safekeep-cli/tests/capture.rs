//! `safekeep capture screen` against a real X server: the test starts its own Xvfb (a
//! known size), openbox (window listing needs a window manager) and ImageMagick's
//! `display` showing a generated PNG of four coloured blocks; then it captures the window
//! and the monitor, decodes the stored PNGs and compares pixels and hashes.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use sha2::{Digest, Sha256};

use common::{Kill, PASS, xvfb};
const TITLE: &str = "Safekeep test pattern";
const W: u32 = 240;
const H: u32 = 160;
/// Top-left, top-right, bottom-left, bottom-right.
const BLOCKS: [[u8; 3]; 4] = [[230, 25, 75], [60, 180, 75], [0, 130, 200], [255, 225, 25]];

fn tool(name: &str) -> Command {
    let mut c = Command::new(name);
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

fn pattern_png(path: &Path) {
    let mut rgba = Vec::with_capacity((W * H * 4) as usize);
    for y in 0..H {
        for x in 0..W {
            let b = BLOCKS[usize::from(x >= W / 2) + 2 * usize::from(y >= H / 2)];
            rgba.extend_from_slice(&[b[0], b[1], b[2], 255]);
        }
    }
    let mut enc = png::Encoder::new(std::fs::File::create(path).unwrap(), W, H);
    enc.set_color(png::ColorType::Rgba);
    enc.write_header().unwrap().write_image_data(&rgba).unwrap();
}

/// Waits until `check` succeeds.
fn until(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Session {
    _procs: Kill,
    display: String,
    vault: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Session {
    fn safekeep(&self, args: &[&str]) -> Output {
        common::safekeep(&self.vault)
            .env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("XDG_SESSION_TYPE")
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.safekeep(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.safekeep(args);
        assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
        assert!(out.stdout.is_empty());
        String::from_utf8(out.stderr).unwrap()
    }

    /// The stored bytes of an item's files, read back through the vault.
    fn stored(&self, item: &Value) -> Vec<Vec<u8>> {
        let v = safekeep_core::Vault::open(
            &self.vault,
            safekeep_core::Environment::system("test"),
            Some(safekeep_core::vault::Unlock::Passphrase(PASS)),
        )
        .unwrap();
        let id = item["id"].as_str().unwrap();
        (0..item["artifacts"].as_array().unwrap().len())
            .map(|i| v.artifact_bytes(id, i, u64::MAX).unwrap().1)
            .collect()
    }
}

/// An X session with a window manager and the pattern window on screen.
fn session() -> Session {
    let tmp = tempfile::tempdir().unwrap();
    let (x, display) = xvfb("800x600x24", &[]);
    let mut procs = Kill(vec![x]);
    procs.0.push(
        tool("openbox")
            .env("DISPLAY", &display)
            .spawn()
            .expect("openbox is installed by `make deps-test`"),
    );
    until("openbox", || {
        tool("xprop")
            .args(["-root", "_NET_SUPPORTING_WM_CHECK"])
            .env("DISPLAY", &display)
            .stdout(Stdio::piped())
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("window id"))
    });
    let png = tmp.path().join("pattern.png");
    pattern_png(&png);
    procs.0.push(
        tool("display")
            .args(["-title", TITLE, "-geometry", "+40+30"])
            .arg(&png)
            .env("DISPLAY", &display)
            .spawn()
            .expect("ImageMagick's display is installed by `make deps-test`"),
    );
    let mut wid = String::new();
    until("the pattern window", || {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", TITLE])
            .env("DISPLAY", &display)
            .output()
            .unwrap();
        wid = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        !wid.is_empty()
    });
    // Modern toolkits publish the title as UTF-8 (_NET_WM_NAME); ImageMagick's old Xlib
    // window does not, so the test sets it the way GTK and Qt would.
    assert!(
        Command::new("xprop")
            .args([
                "-id",
                &wid,
                "-f",
                "_NET_WM_NAME",
                "8u",
                "-set",
                "_NET_WM_NAME",
                TITLE
            ])
            .env("DISPLAY", &display)
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    let s = Session {
        _procs: procs,
        display,
        vault: tmp.path().join("vault"),
        _tmp: tmp,
    };
    s.ok(&["init"]);
    s
}

fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut r = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn pixel(img: &(u32, u32, Vec<u8>), x: u32, y: u32) -> [u8; 3] {
    let i = ((y * img.0 + x) * 4) as usize;
    [img.2[i], img.2[i + 1], img.2[i + 2]]
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

/// One X session at a time: two Xvfb + openbox + display sets starting together on two
/// cores were seen to miss the 15 s for the pattern window to appear.
static ONE_SESSION: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn captures_a_window_and_a_monitor_exactly() {
    let _one = ONE_SESSION.lock().unwrap_or_else(|p| p.into_inner());
    let s = session();
    let case = s.ok(&["case", "new", "Screens"]).trim().to_owned();

    let listed = json(&s.ok(&["capture", "list", "--json"]));
    assert!(
        listed["windows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["title"] == TITLE),
        "{listed}"
    );

    // One window, by part of its title.
    let win = json(&s.ok(&[
        "capture",
        "screen",
        "--case",
        &case,
        "--window",
        "test PATTERN",
        "--json",
    ]));
    let item = &win["item"];
    assert_eq!(item["kind"], "screenshot");
    let shot = &item["capture"]["shots"][0];
    assert_eq!(shot["window_title"], TITLE);
    assert!(
        shot["app_name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("display"),
        "{shot}"
    );
    assert_eq!(
        (shot["width"].as_u64(), shot["height"].as_u64()),
        (Some(W.into()), Some(H.into()))
    );
    let cap = &item["capture"];
    assert_eq!(cap["display_server"], "x11");
    assert_eq!(cap["os"], "linux");
    assert!(cap["method"].as_str().unwrap().starts_with("xcap"));
    assert!(cap["started_at"].as_str().unwrap() <= cap["ended_at"].as_str().unwrap());
    assert_eq!(
        item["context"],
        serde_json::json!({}),
        "nothing typed is mixed into machine metadata"
    );
    let bytes = s.stored(item).remove(0);
    assert_eq!(
        hex::encode(Sha256::digest(&bytes)),
        item["artifacts"][0]["sha256"].as_str().unwrap()
    );
    let img = decode(&bytes);
    assert_eq!((img.0, img.1), (W, H));
    for (i, (x, y)) in [
        (W / 4, H / 4),
        (3 * W / 4, H / 4),
        (W / 4, 3 * H / 4),
        (3 * W / 4, 3 * H / 4),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(pixel(&img, x, y), BLOCKS[i], "block {i} at {x},{y}");
    }
    for t in ["grab_ms", "encode_ms", "store_ms", "commit_ms", "total_ms"] {
        assert!(win["timings"][t].as_f64().unwrap() >= 0.0, "{t}");
    }

    // The monitor: 800×600, holding the whole pattern wherever the window manager put it.
    let mon = json(&s.ok(&["capture", "screen", "--case", &case, "--monitor", "1", "--json"]));
    let img = decode(&s.stored(&mon["item"]).remove(0));
    assert_eq!((img.0, img.1), (800, 600));
    for (i, colour) in BLOCKS.iter().enumerate() {
        let n = img.2.chunks_exact(4).filter(|p| p[..3] == colour[..]).count();
        assert!(n >= (W * H / 4) as usize, "block {i}: {n} pixels");
    }
    assert_eq!(mon["item"]["capture"]["shots"][0]["monitor"], 1);

    // "Capture again": a numbered series linked to the first shot.
    let first = mon["item"]["id"].as_str().unwrap().to_owned();
    let second = json(&s.ok(&["capture", "screen", "--case", &case, "--again", &first, "--json"]));
    let third = json(&s.ok(&[
        "capture",
        "screen",
        "--case",
        &case,
        "--again",
        &first[..8],
        "--json",
    ]));
    assert_eq!(
        second["item"]["capture"]["series"],
        serde_json::json!({"id": first, "index": 2})
    );
    assert_eq!(third["item"]["capture"]["series"]["index"], 3);
    assert!(third["item"]["title"].as_str().unwrap().ends_with("part 3"));
    let other = s.ok(&["case", "new", "Other"]).trim().to_owned();
    let err = s.fails(&["capture", "screen", "--case", &other, "--again", &first]);
    assert!(err.contains("belongs to another case"), "{err}");
    assert!(s.ok(&["check"]).contains("intact"));
}

#[test]
fn bad_input_and_blank_screens_store_nothing() {
    let _one = ONE_SESSION.lock().unwrap_or_else(|p| p.into_inner());
    let s = session();
    let case = s.ok(&["case", "new", "Screens"]).trim().to_owned();
    let count = |s: &Session| json(&s.ok(&["list", "--json"])).as_array().unwrap().len();

    let err = s.fails(&["capture", "screen", "--case", &case, "--monitor", "3"]);
    assert!(
        err.contains("there is no monitor 3: this computer has 1"),
        "{err}"
    );
    let err = s.fails(&["capture", "screen", "--case", &case, "--window", "no such window"]);
    assert!(
        err.contains("no open window has \"no such window\" in its title"),
        "{err}"
    );
    assert!(err.contains(TITLE), "the error lists the open windows: {err}");

    let out = Command::cargo_bin("safekeep")
        .unwrap()
        .env("SAFEKEEP_VAULT", &s.vault)
        .env("SAFEKEEP_PASSPHRASE", PASS)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("XDG_SESSION_TYPE")
        .args(["capture", "screen", "--case", &case])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no screen to capture"));

    // An all-black screen (what a refused permission looks like) is refused, not stored.
    let (x, black) = xvfb("640x480x24", &["-br"]);
    let _black_x = Kill(vec![x]);
    let out = Command::cargo_bin("safekeep")
        .unwrap()
        .env("SAFEKEEP_VAULT", &s.vault)
        .env("SAFEKEEP_PASSPHRASE", PASS)
        .env("DISPLAY", &black)
        .args(["capture", "screen", "--case", &case])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("came back completely black"), "{err}");

    assert_eq!(count(&s), 0, "nothing was stored");
    assert!(std::fs::read_dir(s.vault.join("tmp")).unwrap().next().is_none());
    assert!(s.ok(&["check"]).contains("intact"));
}
