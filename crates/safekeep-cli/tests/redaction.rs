//! Login secrets, as an attacker holding a bundle would look for them: a loopback site
//! (`tests/fixtures/login_site.py`) logs in with a form POST, a redirect through
//! `?access_token=…` and `#access_token=…`, a JSON login and a token endpoint's answer;
//! it is captured in Safekeep's browser and by the direct fetch, a bundle is exported, and
//! every secret value is searched for in every nested archive (zip → WACZ → gzip members,
//! CDX, pages.jsonl, JSON), the vault folder and the temporary folders: none is found,
//! while the pages themselves are there. Then the archives are replayed in pywb with the
//! site stopped. Needs Chromium, warcio and pywb (`scripts/install-deps`).
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};

use serde_json::Value;

use common::tool;

struct Site {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    secrets: BTreeMap<String, String>,
}

impl Site {
    fn start() -> Self {
        let mut child = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/login_site.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = lines.next().unwrap().unwrap()["http ".len()..].parse().unwrap();
        let secrets = lines.next().unwrap().unwrap()["secrets ".len()..]
            .split(' ')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect();
        Self {
            child,
            stdin,
            port,
            secrets,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn stop(&mut self) {
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop();
    }
}

struct T {
    tmp: tempfile::TempDir,
    vault: PathBuf,
    case: String,
}

impl T {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["tmp", "run"] {
            fs::create_dir(tmp.path().join(d)).unwrap();
        }
        let mut t = Self {
            vault: tmp.path().join("vault"),
            tmp,
            case: String::new(),
        };
        t.ok(&["init"]);
        t.case = t.ok(&["case", "new", "Logins"]).trim().to_owned();
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

    /// `capture url URL --json …`: the printed item.
    fn capture(&self, url: &str, extra: &[&str]) -> Value {
        let mut args = vec!["capture", "url", url, "--case", &self.case, "--json"];
        args.extend_from_slice(extra);
        let v: Value = serde_json::from_str(&self.ok(&args)).unwrap();
        v["item"].clone()
    }

    fn export(&self) -> PathBuf {
        let bundle = self.tmp.path().join("bundle.zip");
        let _ = fs::remove_file(&bundle);
        self.ok(&["export", "--case", &self.case, "--out", bundle.to_str().unwrap()]);
        bundle
    }
}

/// Every readable form of `bytes`: itself, each gzip member decompressed, each zip entry
/// (recursively).
fn contains_anywhere(bytes: &[u8], needle: &[u8], depth: u32) -> bool {
    if bytes.windows(needle.len()).any(|w| w == needle) {
        return true;
    }
    if depth > 4 {
        return false;
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let _ = flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out);
        if contains_anywhere(&out, needle, depth + 1) {
            return true;
        }
    }
    if bytes.starts_with(b"PK")
        && let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes))
    {
        for i in 0..zip.len() {
            let mut inner = Vec::new();
            zip.by_index(i).unwrap().read_to_end(&mut inner).unwrap();
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

/// The bundle's entries whose names end with `suffix`.
fn entries(bundle: &Path, suffix: &str) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(fs::File::open(bundle).unwrap()).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut e = zip.by_index(i).unwrap();
        let name = e.name().unwrap().into_owned();
        if name.ends_with(suffix) {
            let mut b = Vec::new();
            e.read_to_end(&mut b).unwrap();
            out.push((name, b));
        }
    }
    out
}

#[test]
fn login_secrets_are_in_no_artifact_the_vault_or_the_temporary_folders() {
    let t = T::new();
    let site = Site::start();

    // (a) a form login POSTing the password, 302 through ?access_token=…, 302 to
    // #access_token=…; (b) a JSON login; (c) a token endpoint's JSON answer — all in the
    // one load the browser recorded.
    let item = t.capture(&site.url("/start"), &["--browser"]);
    // The direct fetch: the address given carries a token; a token endpoint's answer.
    let direct = t.capture(
        &site.url(&format!(
            "/cb?access_token={}&state={}",
            site.secrets["token_query"], site.secrets["state"]
        )),
        &[],
    );
    assert_eq!(direct["capture"]["status"], 200, "{}", direct["capture"]);
    let token = t.capture(&site.url("/oauth/token"), &["--no-render"]);

    let bundle = t.export();
    t.ok(&["verify", bundle.to_str().unwrap()]);
    let bytes = fs::read(&bundle).unwrap();
    // The pages themselves are there.
    for marker in ["HOME-MARKER", "API-MARKER", "ME-MARKER"] {
        assert!(
            contains_anywhere(&bytes, marker.as_bytes(), 0),
            "{marker} is not in the bundle"
        );
    }
    for (name, secret) in &site.secrets {
        assert!(
            !contains_anywhere(&bytes, secret.as_bytes(), 0),
            "{name} is in the bundle"
        );
        for root in ["vault", "tmp", "run", "cache"] {
            for f in files_under(&t.tmp.path().join(root)) {
                let b = fs::read(&f).unwrap_or_default();
                assert!(
                    !contains_anywhere(&b, secret.as_bytes(), 0),
                    "{name} is in {}",
                    f.display()
                );
            }
        }
    }
    // The audit log, as `safekeep` prints it, too.
    let log = t.ok(&["log", "--case", &t.case, "--json"]);
    for (name, secret) in &site.secrets {
        assert!(!log.contains(secret.as_str()), "{name} is in the audit log");
    }

    // What the records say: what was removed, by kind, and the redacted addresses.
    assert!(contains_anywhere(&bytes, b"removed-by-safekeep", 0));
    let wacz = entries(&bundle, "page.wacz");
    assert_eq!(
        wacz.len(),
        1,
        "the browser capture's WACZ is page.wacz in the bundle"
    );
    let removed = &item["capture"]["login_secrets_removed"];
    assert!(removed["request_bodies"].as_u64().unwrap() >= 2, "{removed}");
    assert!(removed["body_values"].as_u64().unwrap() >= 2, "{removed}");
    assert!(removed["address_values"].as_u64().unwrap() >= 3, "{removed}");
    assert!(removed["password_fields"].as_u64().unwrap() >= 1, "{removed}");
    for name in ["access_token", "refresh_token", "sig", "state"] {
        assert!(
            removed["names"].as_array().unwrap().iter().any(|n| n == name),
            "{name}: {removed}"
        );
    }
    let urls: Vec<&str> = item["capture"]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["url"].as_str().unwrap())
        .collect();
    assert!(
        urls.iter()
            .any(|u| u.ends_with("/cb?access_token=removed-by-safekeep&state=removed-by-safekeep")),
        "the redirect hop is recorded under its redacted address: {urls:?}"
    );
    assert!(urls.iter().any(|u| u.ends_with("/api/login")), "{urls:?}");
    assert!(
        item["capture"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/home#access_token=removed-by-safekeep&token_type=bearer"),
        "{}",
        item["capture"]["url"]
    );
    let body = String::from_utf8(common::stored_file(&t.vault, &token, "response-body.json")).unwrap();
    assert!(
        body.contains("\"access_token\":\"[removed by Safekeep: a login secret]\"")
            && body.contains("\"user\":\"ann\""),
        "{body}"
    );
    assert_eq!(token["capture"]["exchanges"][0]["body_redacted"], true);
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What pywb replays for `url` from `collection` (the body, redirects followed).
fn replay(port: u16, url: &str) -> String {
    let out = Command::new("curl")
        .args(["-sL", "--max-time", "20"])
        .arg(format!("http://127.0.0.1:{port}/evidence/2099id_/{url}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn pywb_replays_the_exported_pages_with_the_site_stopped() {
    let t = T::new();
    let mut site = Site::start();
    let feed = site.url("/feed");
    t.capture(&feed, &["--browser", "--scroll"]);
    t.capture(&feed, &["--no-render"]);
    let bundle = t.export();
    site.stop();

    let warcs = entries(&bundle, "page.warc.gz");
    assert_eq!(
        warcs.len(),
        2,
        "{:?}",
        warcs.iter().map(|w| &w.0).collect::<Vec<_>>()
    );
    for (name, warc) in warcs {
        let dir = t.tmp.path().join(format!("pywb-{}", name.len()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("page.warc.gz");
        fs::write(&file, warc).unwrap();
        let manager = Command::new(tool("wb-manager"))
            .current_dir(&dir)
            .args(["init", "evidence"])
            .output()
            .unwrap();
        assert!(
            manager.status.success(),
            "{}",
            String::from_utf8_lossy(&manager.stderr)
        );
        let added = Command::new(tool("wb-manager"))
            .current_dir(&dir)
            .args(["add", "evidence"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            added.status.success(),
            "{}",
            String::from_utf8_lossy(&added.stderr)
        );
        let port = free_port();
        let mut wayback = Command::new(tool("wayback"))
            .current_dir(&dir)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut page = String::new();
        for _ in 0..100 {
            page = replay(port, &feed);
            if !page.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let scrolled = replay(port, &site.url("/api/more?page=2"));
        let _ = wayback.kill();
        let _ = wayback.wait();
        assert!(
            page.contains("FEED-MARKER") && !page.contains("\"source\""),
            "{name}: pywb served something else than the page:\n{page}"
        );
        if wacz_sibling(&bundle, &name) {
            assert!(
                scrolled.contains("SCROLLED-MARKER"),
                "{name}: the scrolled content is not replayed:\n{scrolled}"
            );
        }
    }
}

/// Whether the item folder holding `warc` also holds a WACZ (the browser's capture).
fn wacz_sibling(bundle: &Path, warc: &str) -> bool {
    let folder = warc.rsplit_once('/').map_or("", |(f, _)| f);
    entries(bundle, "page.wacz")
        .iter()
        .any(|(n, _)| n.starts_with(folder))
}
