//! Safekeep's browser against a real HTTPS site on loopback (Python's ssl, a root →
//! intermediate → leaf chain trusted for the browser's run only): log in, capture a feed
//! whose posts arrive by fetch() and by scrolling, and check the WARC with warcio, the
//! WACZ with py-wacz, the bundle with `verify` — and that the session cookie's value is
//! nowhere in the bundle, the vault or the temporary folders once the browser is closed.
//! Debian's Chromium, warcio and wacz are installed by `make test`; without them this
//! fails (it does not skip).
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};

use common::{make_chain, tool};

struct Site {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
    secret: String,
    log: PathBuf,
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Site {
    fn start(dir: &Path) -> Self {
        make_chain(dir);
        let log = dir.join("requests.log");
        let mut child = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/browser_site.py"))
            .args([&dir.join("chain.pem"), &dir.join("leaf.key"), &log])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut value = || {
            lines
                .next()
                .unwrap()
                .unwrap()
                .split(' ')
                .nth(1)
                .unwrap()
                .to_owned()
        };
        let port = value().parse().unwrap();
        let secret = value();
        Self {
            child,
            _stdin: stdin,
            port,
            secret,
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    /// Requests so far: (path and query, whether the session cookie came with it).
    fn requests(&self) -> Vec<(String, bool)> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let (p, c) = l.split_once('\t').unwrap();
                (p.to_owned(), c == "1")
            })
            .collect()
    }
}

struct T {
    tmp: tempfile::TempDir,
    vault: PathBuf,
    case: String,
    site: Site,
}

impl T {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["tmp", "run"] {
            fs::create_dir(tmp.path().join(d)).unwrap();
        }
        let site = Site::start(tmp.path());
        let mut t = Self {
            vault: tmp.path().join("vault"),
            tmp,
            case: String::new(),
            site,
        };
        t.ok(&["init"]);
        t.case = t.ok(&["case", "new", "Feed"]).trim().to_owned();
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        common::safekeep(&self.vault)
            .env_remove("SAFEKEEP_BROWSER")
            .env("TMPDIR", self.tmp.path().join("tmp"))
            .env("XDG_RUNTIME_DIR", self.tmp.path().join("run"))
            .env("XDG_CACHE_HOME", self.tmp.path().join("cache"))
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `capture url PATH --browser --json …`: the printed item.
    fn capture(&self, path: &str, extra: &[&str]) -> Value {
        let url = self.site.url(path);
        let root = self.tmp.path().join("root.pem");
        let mut args = vec![
            "capture",
            "url",
            &url,
            "--case",
            &self.case,
            "--browser",
            "--json",
            "--ca-file",
        ];
        args.push(root.to_str().unwrap());
        args.extend_from_slice(extra);
        let v: Value = serde_json::from_str(&self.ok(&args)).unwrap();
        v["item"].clone()
    }

    fn file(&self, item: &Value, name: &str) -> Vec<u8> {
        common::stored_file(&self.vault, item, name)
    }

    fn save(&self, item: &Value, name: &str) -> PathBuf {
        let path = self
            .tmp
            .path()
            .join(format!("{}-{name}", item["id"].as_str().unwrap()));
        fs::write(&path, self.file(item, name)).unwrap();
        path
    }
}

/// The colour of the screenshot's top-left pixel.
fn corner(png_bytes: &[u8]) -> [u8; 3] {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    [buf[0], buf[1], buf[step.min(2)].max(buf[2])]
}

fn gunzip_all(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Every readable form of `bytes`: itself, gunzipped, and each zip entry (recursively).
fn contains_anywhere(bytes: &[u8], needle: &[u8], depth: u32) -> bool {
    let has = |b: &[u8]| b.windows(needle.len()).any(|w| w == needle);
    if has(bytes) {
        return true;
    }
    if depth > 3 {
        return false;
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        if flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .is_ok()
            && contains_anywhere(&out, needle, depth + 1)
        {
            return true;
        }
    }
    if bytes.starts_with(b"PK")
        && let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes))
    {
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let mut inner = Vec::new();
            entry.read_to_end(&mut inner).unwrap();
            if contains_anywhere(&inner, needle, depth + 1) {
                return true;
            }
        }
    }
    false
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn logs_in_records_the_same_load_and_keeps_no_login_in_the_bundle() {
    let t = T::new();
    let secret = t.site.secret.clone();

    // Logged out: the feed's script is refused, the page is red.
    let out = t.capture("/feed", &[]);
    assert!(contains_anywhere(
        &t.file(&out, "page.warc.gz"),
        b"login required",
        0
    ));
    assert!(
        corner(&t.file(&out, "viewport.png"))[0] > 150,
        "red when logged out"
    );

    // Logging in inside Safekeep's browser keeps the session (sealed in the vault).
    t.capture("/login", &[]);
    assert!(t.vault.join("browser-profile.sealed").is_file());

    // Logged in, scrolled: the same load's feed and second page are in the WARC.
    let before = t.site.requests().len();
    let item = t.capture("/feed", &["--scroll", "--also-fetch", "--media"]);
    // --media: the video the page loaded is its own file, from the same load (the server
    // was asked for it once, by the browser).
    let media = &item["capture"]["media"];
    assert_eq!(media["kept"][0]["via"], "browser", "{media}");
    let mut clip = b"\x00\x00\x00\x18ftypmp42".to_vec();
    clip.extend([0u8; 64]);
    assert_eq!(t.file(&item, "video-1.mp4"), clip);
    let during: Vec<(String, bool)> = t.site.requests()[before..].to_vec();
    let count = |p: &str| during.iter().filter(|(q, _)| q == p).count();
    let with_login = |p: &str, login: bool| during.iter().filter(|(q, c)| q == p && *c == login).count();
    assert_eq!(
        (with_login("/feed", true), with_login("/feed", false)),
        (1, 1),
        "the browser's load with the login, the direct fetch without: {during:?}"
    );
    assert_eq!(
        item["capture"]["direct_fetch"]["status"], 200,
        "{}",
        item["capture"]["direct_fetch"]
    );
    assert!(
        item["capture"]["witnesses"]
            .as_str()
            .unwrap()
            .contains("direct-fetch-")
    );
    assert!(contains_anywhere(
        &t.file(&item, "direct-fetch-page.warc.gz"),
        b"GET /feed HTTP/1.1",
        0
    ));
    assert_eq!(count("/api/feed?page=1"), 1, "one load, no second: {during:?}");
    assert_eq!(count("/clip.mp4"), 1, "{during:?}");
    assert_eq!(
        count("/api/feed?page=2"),
        1,
        "scrolling loaded page 2: {during:?}"
    );
    assert!(
        during
            .iter()
            .filter(|(q, _)| q.starts_with("/api/"))
            .all(|(_, c)| *c),
        "{during:?}"
    );
    let warc = t.file(&item, "page.warc.gz");
    let text = gunzip_all(&warc);
    // The cross-site frame runs as a target of its own; what it loaded is recorded too.
    for marker in [
        &b"FEED-MARKER-1 post 0"[..],
        b"FEED-MARKER-2 post 11",
        b"FRAME-MARKER: loaded by a frame from another site",
        b"WARC-Protocol: http/1.1",
    ] {
        assert!(
            text.windows(marker.len()).any(|w| w == marker),
            "{}",
            String::from_utf8_lossy(marker)
        );
    }
    // A body still arriving streams to the encrypted spool and is written from there:
    // the 3 MiB body the feed fetched is whole in the WARC (its payload digest is that of
    // the bytes served).
    let archive: Vec<u8> = (0..3usize << 20)
        .map(|i| ((i * 7 + i / 4096) % 251) as u8)
        .collect();
    let x = item["capture"]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["url"].as_str().unwrap().ends_with("/api/archive"))
        .expect("the 3 MiB body was recorded")
        .clone();
    assert_eq!(
        (&x["body_streamed"], &x["body_bytes"]),
        (&true.into(), &archive.len().into()),
        "{x}"
    );
    // A body still arriving when the page was captured: what had come so far, from the
    // stream (the browser no longer holds a streamed body to hand over).
    let slow = item["capture"]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["url"].as_str().unwrap().ends_with("/api/slow"))
        .expect("the slow body was recorded")
        .clone();
    let got = slow["body_bytes"].as_u64().unwrap_or(0);
    assert!(
        slow["body_streamed"] == true && (512 << 10..2 << 20).contains(&got),
        "{slow}"
    );
    assert!(
        slow["body_not_kept"]
            .as_str()
            .unwrap_or("")
            .contains("had not reported this response finished"),
        "{slow}"
    );
    assert!(contains_anywhere(&warc, b"SLOW-MARKER", 0));
    assert!(contains_anywhere(
        &warc,
        b"X-Safekeep-Body-Partial: the browser had not reported",
        0
    ));
    // The cross-site frame's own document and what it fetched, each with its body.
    for suffix in ["/frame", "/frame-data"] {
        let x = item["capture"]["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["url"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} was not recorded"))
            .clone();
        assert!(x["body_bytes"].as_u64().unwrap_or(0) > 0, "{x}");
    }
    let digest = format!(
        "WARC-Payload-Digest: sha256:{}",
        data_encoding::BASE32.encode(&Sha256::digest(&archive))
    );
    assert!(
        text.windows(digest.len()).any(|w| w == digest.as_bytes()),
        "the 3 MiB body is not whole in the WARC"
    );
    let green = corner(&t.file(&item, "viewport.png"));
    assert!(green[1] > 120 && green[0] < 80, "the logged-in view: {green:?}");
    assert!(
        item["capture"]["login_secrets_removed"]["values_removed"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(!item["capture"]["certificates"].as_array().unwrap().is_empty());

    let warc_path = t.save(&item, "page.warc.gz");
    let check = Command::new(tool("warcio"))
        .args(["check", "-v"])
        .arg(&warc_path)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success() && !report.contains("fail"),
        "warcio check:\n{report}"
    );
    let index = Command::new(tool("warcio"))
        .arg("index")
        .arg(&warc_path)
        .output()
        .unwrap();
    let index = String::from_utf8_lossy(&index.stdout);
    assert!(index.contains("/api/feed?page=2"), "{index}");
    let wacz_path = t.save(&item, "page.wacz");
    let wacz = Command::new(tool("wacz"))
        .args(["validate", "-f"])
        .arg(&wacz_path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&wacz.stdout);
    assert!(
        wacz.status.success() && said.contains("Validation succeeded"),
        "wacz validate:\n{said}{}",
        String::from_utf8_lossy(&wacz.stderr)
    );

    // The WACZ is signed (wacz-auth's anonymous form), and an independent implementation
    // (Python's `cryptography`) verifies the signature as ReplayWeb.page would.
    let python = Command::new(tool("python3"))
        .arg("-c")
        .arg(WACZ_SIGNATURE_CHECK)
        .arg(&wacz_path)
        .output()
        .unwrap();
    assert!(
        python.status.success(),
        "the WACZ signature, checked with cryptography:\n{}{}",
        String::from_utf8_lossy(&python.stdout),
        String::from_utf8_lossy(&python.stderr)
    );
    assert_eq!(
        item["capture"]["wacz_signed_by"]["public_key"].as_str().unwrap(),
        String::from_utf8_lossy(&python.stdout).trim(),
        "the capture record names the key that signed its WACZ"
    );

    // The bundle verifies and holds the cookie's value nowhere.
    let bundle = t.tmp.path().join("bundle.zip");
    t.ok(&["export", "--case", &t.case, "--out", bundle.to_str().unwrap()]);
    let verified = t.ok(&["verify", bundle.to_str().unwrap()]);
    assert!(verified.contains("INTACT"), "{verified}");
    assert!(verified.contains("3 of 3 WACZ files signed"), "{verified}");
    assert!(
        !contains_anywhere(&fs::read(&bundle).unwrap(), secret.as_bytes(), 0),
        "the session cookie is in the bundle"
    );

    // Browser closed: the value is in the clear nowhere under the vault or the temp folders.
    for root in [
        t.vault.clone(),
        t.tmp.path().join("tmp"),
        t.tmp.path().join("run"),
        t.tmp.path().join("cache"),
    ] {
        for f in files_under(&root) {
            let bytes = fs::read(&f).unwrap_or_default();
            assert!(
                !contains_anywhere(&bytes, secret.as_bytes(), 0),
                "{} holds the cookie",
                f.display()
            );
        }
    }
    for d in ["run", "tmp"] {
        let left: Vec<_> = fs::read_dir(t.tmp.path().join(d))
            .unwrap()
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with("safekeep-run-")
            })
            .collect();
        assert!(
            left.is_empty(),
            "the profile and spool folders are gone: {left:?}"
        );
    }
    // The recording spool lived on disk under the cache folder, and is gone.
    let spool = t.tmp.path().join("cache/safekeep/spool");
    assert!(spool.is_dir(), "the spool was not under the cache folder");
    let left: Vec<_> = fs::read_dir(&spool).unwrap().flatten().collect();
    assert!(left.is_empty(), "the spool folder is gone: {left:?}");

    // An address that is a download: the file is the item (kind file, byte for byte,
    // named as the site named it), never left in a Downloads folder or the temp folders.
    let downloads = std::env::var_os("HOME").map(|h| PathBuf::from(h).join("Downloads/police statement.pdf"));
    let had_download = downloads.as_ref().is_some_and(|p| p.exists());
    let dl = t.capture("/statement.pdf", &[]);
    assert_eq!(dl["kind"], "file", "{dl}");
    assert_eq!(dl["capture"]["method"], "download in Safekeep's browser", "{dl}");
    assert_eq!(dl["context"]["source_url"], t.site.url("/statement.pdf"));
    assert_eq!(dl["artifacts"][0]["original_name"], "police statement.pdf");
    // The server's answer as the browser recorded it in the tab, logins removed.
    let response = &dl["capture"]["response"];
    assert_eq!(response["status"], 200, "{response}");
    assert!(
        response["response_headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("content-disposition")),
        "{response}"
    );
    assert!(
        !response["security"].is_null(),
        "the certificate the browser saw: {response}"
    );
    let mut expected = b"%PDF-1.4\n% DOWNLOAD-MARKER: a file the site sends as a download\n".to_vec();
    expected.extend((0..=255u8).cycle().take(256 * 64));
    assert_eq!(t.file(&dl, "police statement.pdf"), expected);
    assert_eq!(
        downloads.is_some_and(|p| p.exists()),
        had_download,
        "nothing went to the Downloads folder"
    );
    for d in ["run", "tmp"] {
        for f in files_under(&t.tmp.path().join(d)) {
            let bytes = fs::read(&f).unwrap_or_default();
            assert!(
                !contains_anywhere(&bytes, b"DOWNLOAD-MARKER", 0),
                "{} holds the download",
                f.display()
            );
        }
    }

    // A page that starts a download by itself: the page is captured as it stayed on
    // screen (its own recording, not the aborted navigation's); the file is not kept
    // unless asked (#33: a page must not put files into the evidence), only named.
    let before = serde_json::from_str::<Value>(&t.ok(&["list", "--json"])).unwrap();
    let page = t.capture("/autodownload", &[]);
    assert!(
        contains_anywhere(&t.file(&page, "page.warc.gz"), b"AUTODOWNLOAD-MARKER", 0),
        "the page's own load is in its WARC"
    );
    assert!(page["capture"]["downloads_kept"].is_null(), "{page}");
    let not_kept = page["capture"]["downloads_not_kept"].as_array().unwrap();
    assert_eq!(not_kept[0]["name"], "police statement.pdf", "{page}");
    let after = serde_json::from_str::<Value>(&t.ok(&["list", "--json"])).unwrap();
    assert_eq!(
        after.as_array().unwrap().len(),
        before.as_array().unwrap().len() + 1,
        "only the page became an item"
    );
    // With --keep-downloads, the file is an item of its own.
    let page = t.capture("/autodownload", &["--keep-downloads"]);
    let kept = page["capture"]["downloads_kept"].as_array().unwrap();
    assert_eq!(kept.len(), 1, "{page}");
    let listed = t.ok(&["list", "--json"]);
    let items: Value = serde_json::from_str(&listed).unwrap();
    let file = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == kept[0]["item_id"])
        .unwrap();
    assert_eq!(t.file(file, "police statement.pdf"), expected);

    // "Forget my logins": the next capture is logged out again.
    t.ok(&["browser", "forget"]);
    assert!(!t.vault.join("browser-profile.sealed").exists());
    let after = t.capture("/feed", &[]);
    assert!(
        corner(&t.file(&after, "viewport.png"))[0] > 150,
        "logged out after forgetting"
    );
    t.ok(&["check"]);
}

/// A no-images case (docs/safeguarding.md): Safekeep's browser keeps the page's
/// addresses and text but no picture of it, no picture or video body (fetched or inline),
/// and no video file — in the WARC, the WACZ, the DOM and the direct fetch alike.
#[test]
fn a_no_images_case_keeps_the_page_without_its_pictures() {
    let mut t = T::new();
    t.case = t
        .ok(&["case", "new", "Young", "--under-18", "yes"])
        .trim()
        .to_owned();
    let item = t.capture("/feed", &["--media", "--also-fetch"]);
    let artifacts = item["artifacts"].as_array().unwrap();
    let names: Vec<&str> = artifacts
        .iter()
        .map(|a| a["original_name"].as_str().unwrap())
        .collect();
    for kept in ["page.warc.gz", "page.wacz", "dom.html"] {
        assert!(names.contains(&kept), "{kept} is kept: {names:?}");
    }
    for made_not in ["viewport.png", "full-page.png", "snapshot.mhtml"] {
        assert!(!names.contains(&made_not), "{made_not}: {names:?}");
    }
    assert!(
        artifacts.iter().all(|a| {
            let t = a["media_type"].as_str().unwrap();
            !t.starts_with("image/") && !t.starts_with("video/") && t != "multipart/related"
        }),
        "{artifacts:?}"
    );
    let record = &item["capture"]["no_images_case"];
    let removed: Vec<&str> = record["bodies_removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["url"].as_str().unwrap())
        .collect();
    assert!(removed.iter().any(|u| u.ends_with("/pic.png")), "{record}");
    assert_eq!(record["inline_pictures_removed"], 1, "{record}");
    assert!(
        !item.to_string().contains("iVBORw0KGgo"),
        "the inline picture is not in the record either"
    );

    let png_magic: &[u8] = b"\x89PNG\r\n\x1a\n";
    let inline: &[u8] = b"iVBORw0KGgo";
    for name in &names {
        let bytes = t.file(&item, name);
        assert!(!contains_anywhere(&bytes, png_magic, 0), "a PNG in {name}");
        assert!(
            !contains_anywhere(&bytes, inline, 0),
            "the inline picture in {name}"
        );
        assert!(!contains_anywhere(&bytes, b"ftypmp42", 0), "the video in {name}");
    }
    // The page itself is there: its text, its addresses, and the mark on what was removed.
    let dom = String::from_utf8(t.file(&item, "dom.html")).unwrap();
    assert!(dom.contains("Logged out") && dom.contains("/pic.png"), "{dom}");
    let warc = gunzip_all(&t.file(&item, "page.warc.gz"));
    let text = String::from_utf8_lossy(&warc);
    assert!(
        text.contains("WARC-Safekeep-Removed: picture or video not kept"),
        "{text}"
    );
    assert!(text.contains("data: address(es) replaced by"), "{text}");
    assert!(names.iter().any(|n| n.starts_with("direct-fetch-")), "{names:?}");
    // Still a WARC that other tools read: every digest checks.
    let check = Command::new(tool("warcio"))
        .args(["check", "-v"])
        .arg(t.save(&item, "page.warc.gz"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && !said.contains("fail"), "{said}");
}

/// Verifies a WACZ's anonymous signature (wacz-auth 0.1.0) the way ReplayWeb.page does
/// (P-384 SPKI key, ECDSA with SHA-256 over the UTF-8 `hash`, r‖s), with Python's
/// `cryptography`; prints the public key.
const WACZ_SIGNATURE_CHECK: &str = r#"
import base64, hashlib, json, sys, zipfile
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
z = zipfile.ZipFile(sys.argv[1])
package = z.read("datapackage.json")
digest = json.loads(z.read("datapackage-digest.json"))
signed = digest["signedData"]
h = "sha256:" + hashlib.sha256(package).hexdigest()
assert digest["hash"] == h and signed["hash"] == h, "hash"
assert signed["created"] == json.loads(package)["created"], "created"
key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
assert isinstance(key.curve, ec.SECP384R1), key.curve.name
sig = base64.b64decode(signed["signature"])
assert len(sig) == 96, len(sig)
der = utils.encode_dss_signature(int.from_bytes(sig[:48], "big"), int.from_bytes(sig[48:], "big"))
key.verify(der, h.encode(), ec.ECDSA(hashes.SHA256()))
print(signed["publicKey"])
"#;
