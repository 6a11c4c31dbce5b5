//! `safekeep capture url` against real servers on loopback: a plain HTTP and an HTTPS
//! server (Python's http.server and ssl, presenting a root → intermediate → leaf chain
//! made here with rcgen), checked with warcio (the Webrecorder WARC library) and Debian's
//! Chromium. `make test` installs both; this test fails (it does not skip) without them.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;
use common::{Chain, WebServers, make_chain, tool};

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

use common::PASS;

/// A tiny valid PNG (4×4, one colour).
fn png_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 4, 4);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .unwrap()
        .write_image_data(&[200u8; 48])
        .unwrap();
    out
}

struct Session {
    tmp: tempfile::TempDir,
    vault: PathBuf,
    case: String,
    chain: Chain,
    servers: WebServers,
}

fn session() -> Session {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    fs::create_dir(&site).unwrap();
    fs::write(site.join("pic.png"), png_bytes()).unwrap();
    fs::write(site.join("style.css"), "body { background: #ffe0e0 }").unwrap();
    let chain = make_chain(tmp.path());
    let servers = WebServers::start(&site, tmp.path());
    let mut s = Session {
        vault: tmp.path().join("vault"),
        tmp,
        case: String::new(),
        chain,
        servers,
    };
    s.ok(&["init"]);
    s.case = s.ok(&["case", "new", "Posts"]).trim().to_owned();
    s
}

impl Session {
    fn safekeep(&self, args: &[&str]) -> Output {
        common::safekeep(&self.vault)
            .env_remove("SAFEKEEP_BROWSER")
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
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?} should fail: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty());
        String::from_utf8(out.stderr).unwrap()
    }

    /// `capture url … --json` with extra arguments; returns the printed JSON.
    fn capture(&self, url: &str, extra: &[&str]) -> Value {
        let mut args = vec!["capture", "url", url, "--case", &self.case, "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.ok(&args)).unwrap()
    }

    fn items(&self) -> usize {
        let list: Value = serde_json::from_str(&self.ok(&["list", "--json"])).unwrap();
        list.as_array().unwrap().len()
    }

    /// An item's files by name, read back through the vault.
    fn stored(&self, item: &Value) -> Vec<(String, Vec<u8>)> {
        let v = safekeep_core::Vault::open(
            &self.vault,
            safekeep_core::Environment::system("test"),
            Some(safekeep_core::vault::Unlock::Passphrase(PASS)),
        )
        .unwrap();
        let id = item["id"].as_str().unwrap();
        item["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let name = a["original_name"].as_str().unwrap().to_owned();
                (name, v.artifact_bytes(id, i, u64::MAX).unwrap().1)
            })
            .collect()
    }

    fn file(&self, item: &Value, name: &str) -> Vec<u8> {
        self.stored(item)
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} not stored"))
            .1
    }

    /// Runs `warcio check -v` and `warcio index` on a stored WARC; returns the index lines.
    fn warcio(&self, item: &Value) -> Vec<Value> {
        let path = self
            .tmp
            .path()
            .join(format!("{}.warc.gz", item["id"].as_str().unwrap()));
        fs::write(&path, self.file(item, "page.warc.gz")).unwrap();
        let check = Command::new(tool("warcio"))
            .args(["check", "-v"])
            .arg(&path)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&check.stdout);
        assert!(
            check.status.success(),
            "warcio check failed:\n{report}{}",
            String::from_utf8_lossy(&check.stderr)
        );
        assert!(!report.contains("fail"), "{report}");
        assert!(report.matches("digest pass").count() >= 4, "{report}");
        let index = Command::new(tool("warcio"))
            .arg("index")
            .arg(&path)
            .output()
            .unwrap();
        assert!(index.status.success());
        String::from_utf8(index.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn record_types(index: &[Value]) -> Vec<&str> {
    index.iter().map(|r| r["warc-type"].as_str().unwrap()).collect()
}

#[test]
fn captures_a_page_over_https_with_its_chain_warc_and_render() {
    let s = session();
    let url = s.servers.https("/page");
    let root = s.chain.root_pem.to_str().unwrap().to_owned();
    let out = s.capture(&url, &["--ca-file", &root, "--description", "The post about me"]);
    let item = &out["item"];
    assert_eq!(item["kind"], "web_page");
    assert_eq!(item["context"]["source_url"], url);
    assert_eq!(out["summary"]["status"], 200);
    assert_eq!(out["summary"]["certificate_verified"], true);
    assert!(
        out["summary"].get("render_skipped").is_none(),
        "{}",
        out["summary"]
    );

    // The whole chain, in the order presented, with the right fingerprints.
    let hop = &item["capture"]["exchanges"][0];
    let tls = &hop["tls"];
    let chain = tls["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 3, "{tls}");
    for (presented, der) in chain.iter().zip(&s.chain.ders) {
        assert_eq!(presented["sha256"], sha256_hex(der));
    }
    assert_eq!(chain[0]["subject"], "CN=localhost");
    assert_eq!(chain[0]["issuer"], "CN=Safekeep Test Intermediate");
    assert_eq!(chain[2]["subject"], "CN=Safekeep Test Root");
    assert!(chain[0]["not_after"].as_str().unwrap().ends_with('Z'));
    assert_eq!(tls["verification"]["verified"], true);
    assert!(tls["version"].as_str().unwrap().starts_with("TLSv1_"), "{tls}");
    assert!(!tls["cipher"].as_str().unwrap().is_empty());
    assert_eq!(hop["remote_ip"], "127.0.0.1");
    assert_eq!(hop["remote_port"], s.servers.https);
    assert!(
        hop["dns"].as_array().unwrap().iter().any(|a| a == "127.0.0.1"),
        "{hop}"
    );
    assert!(
        hop["request_headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "Host"),
        "{hop}"
    );
    assert!(
        hop["response_headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "x-test" && h[1] == "yes")
    );

    // The PEM file holds the same DER bytes.
    let pem = String::from_utf8(s.file(item, "tls-certificates.pem")).unwrap();
    assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 3);
    let pem_path = s.tmp.path().join("stored.pem");
    fs::write(&pem_path, &pem).unwrap();
    let fp = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&pem_path)
        .output()
        .unwrap();
    let fp = String::from_utf8(fp.stdout)
        .unwrap()
        .replace(':', "")
        .to_lowercase();
    assert!(fp.contains(&sha256_hex(&s.chain.ders[0])), "{fp}");

    // The body as served; the WARC is valid and its digests match.
    let body = s.file(item, "response-body.html");
    assert!(String::from_utf8_lossy(&body).contains("SAFEKEEP-WEB-MARKER"));
    assert_eq!(hop["body_sha256"], sha256_hex(&body));
    let index = s.warcio(item);
    assert_eq!(
        record_types(&index),
        ["warcinfo", "request", "response", "metadata"]
    );
    assert_eq!(index[2]["warc-target-uri"], url);

    // The render: a full-page PNG taller than the 800-pixel window, a PDF, MHTML, DOM.
    let png = s.file(item, "full-page.png");
    let info = png::Decoder::new(std::io::Cursor::new(&png))
        .read_info()
        .unwrap()
        .info()
        .clone();
    assert_eq!(info.width, 1280);
    assert!(
        info.height > 800 * 2,
        "full page is {}×{}",
        info.width,
        info.height
    );
    let render = &item["capture"]["render"];
    assert_eq!(render["full_page"]["height"], info.height);
    assert!(render["browser"].as_str().unwrap().contains('/'), "{render}");
    assert!(
        render["user_agent"].as_str().unwrap().contains("Chrome"),
        "{render}"
    );
    assert!(s.file(item, "print.pdf").starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&s.file(item, "snapshot.mhtml")).contains("multipart/related"));
    assert!(String::from_utf8_lossy(&s.file(item, "dom.html")).contains("SAFEKEEP-WEB-MARKER"));

    // Neither the fetch nor the render tells the site that a capture is being made: no
    // Safekeep and no HeadlessChrome in any user agent (#33).
    let requests = s.servers.requests();
    assert!(
        requests
            .iter()
            .all(|(_, ua)| !ua.contains("Safekeep") && !ua.contains("HeadlessChrome")),
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|(p, ua)| p == "/pic.png" && ua.contains("Chrome")),
        "{requests:?}"
    );

    // Every stored file's hash is what the item records, and the vault checks out.
    for ((_, bytes), a) in s.stored(item).iter().zip(item["artifacts"].as_array().unwrap()) {
        assert_eq!(a["sha256"], sha256_hex(bytes));
    }
    s.ok(&["check"]);

    // In a bundle the files keep names tools recognise (ReplayWeb.page wants .warc.gz),
    // and the bundle verifies.
    let zip = s.tmp.path().join("case.zip");
    s.ok(&[
        "export",
        "--case",
        &s.case,
        "--exhibit-prefix",
        "AB",
        "--out",
        zip.to_str().unwrap(),
    ]);
    let listing = Command::new("unzip").arg("-l").arg(&zip).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    for name in [
        "page.warc.gz",
        "response-body.html",
        "tls-certificates.pem",
        "full-page.png",
        "print.pdf",
        "snapshot.mhtml",
        "dom.html",
    ] {
        assert!(listing.contains(&format!("/{name}")), "{name} not in\n{listing}");
    }
    s.ok(&["verify", zip.to_str().unwrap()]);
}

#[test]
fn redirects_statuses_and_non_html_are_recorded_as_they_are() {
    let s = session();
    // A redirect chain: every hop is its own request/response pair.
    let out = s.capture(&s.servers.http("/hop/1"), &["--no-render"]);
    let item = &out["item"];
    let statuses: Vec<_> = item["capture"]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].clone())
        .collect();
    assert_eq!(statuses, [302, 301, 307, 200]);
    assert_eq!(out["summary"]["final_url"], s.servers.http("/page"));
    assert_eq!(out["summary"]["render_skipped"], "rendering was turned off");
    let index = s.warcio(item);
    assert_eq!(
        record_types(&index),
        [
            "warcinfo", "request", "response", "request", "response", "request", "response", "request",
            "response", "metadata"
        ]
    );
    assert!(
        item["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| !["full_page", "print", "snapshot", "dom"].contains(&a["role"].as_str().unwrap()))
    );
    // --no-render: nothing but the four requests Safekeep made.
    assert_eq!(s.servers.requests().len(), 4, "{:?}", s.servers.requests());

    // A 404 is evidence too (a removed post).
    let out = s.capture(&s.servers.http("/missing"), &["--no-render"]);
    assert_eq!(out["summary"]["status"], 404);
    assert!(String::from_utf8_lossy(&s.file(&out["item"], "response-body.html")).contains("removed"));

    // An image is kept byte for byte, with its own media type.
    let out = s.capture(&s.servers.http("/pic.png"), &["--no-render"]);
    let body = out["item"]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "response_body")
        .unwrap()
        .clone();
    assert_eq!(body["media_type"], "image/png");
    assert_eq!(s.file(&out["item"], "response-body.png"), png_bytes());

    // Chunked transfer: the WARC keeps the framing, warcio still agrees with its digests,
    // and the body file holds the de-chunked bytes.
    let out = s.capture(&s.servers.http("/chunked"), &["--no-render"]);
    s.warcio(&out["item"]);
    assert_eq!(s.file(&out["item"], "response-body.txt"), vec![b'c'; 5000]);

    // A very long address.
    let long = s.servers.http(&format!("/page?q={}", "a".repeat(8000)));
    let out = s.capture(&long, &["--no-render"]);
    assert_eq!(out["summary"]["status"], 200);

    // A login wall is flagged so the person is told to capture the screen instead.
    let out = s.capture(&s.servers.http("/login"), &["--no-render"]);
    assert_eq!(out["summary"]["login_suspected"], true);
    assert_eq!(s.items(), 6);
    s.ok(&["check"]);
}

#[test]
fn checking_again_links_a_new_item_and_says_whether_the_content_is_still_up() {
    let s = session();
    let first = s.capture(&s.servers.http("/page"), &["--no-render"]);
    let first_id = first["item"]["id"].as_str().unwrap().to_owned();
    let again = |item: &str| -> Value {
        serde_json::from_str(&s.ok(&["capture", "url", "--check-again", item, "--no-render", "--json"]))
            .unwrap()
    };
    let same = again(&first_id);
    assert_eq!(same["summary"]["compared"]["verdict"], "still up, unchanged");
    assert_eq!(same["summary"]["compared"]["item_id"], first_id.as_str());
    assert_eq!(
        same["item"]["case_id"],
        s.case.as_str(),
        "the earlier item's case"
    );
    assert_eq!(
        same["item"]["capture"]["check_again_of"]["item_id"],
        first_id.as_str()
    );
    assert_eq!(same["item"]["capture"]["url"], s.servers.http("/page"));

    // Up at first, removed later: the second look says so, with the status.
    let up = s.capture(&s.servers.http("/once"), &["--no-render"]);
    assert_eq!(up["summary"]["status"], 200);
    let gone = again(up["item"]["id"].as_str().unwrap());
    assert_eq!(gone["summary"]["compared"]["verdict"], "gone (status 410)");
    assert_eq!(gone["summary"]["compared"]["status_then"], 200);
    let text = s.safekeep(&[
        "capture",
        "url",
        "--check-again",
        up["item"]["id"].as_str().unwrap(),
        "--no-render",
    ]);
    assert!(String::from_utf8_lossy(&text.stderr).contains(": gone (status 410)"));

    // Only web pages have an address to check again.
    let note = s.ok(&["note", "--case", &s.case, "text"]).trim().to_owned();
    let err = s.fails(&["capture", "url", "--check-again", &note, "--no-render"]);
    assert!(err.contains("is not a web page capture"), "{err}");
    let both = s.safekeep(&[
        "capture",
        "url",
        "--check-again",
        &first_id,
        "https://other.example/",
    ]);
    assert_eq!(both.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
    assert_eq!(
        s.items(),
        6,
        "/page and its check, /once and two checks of it, the note; nothing for refusals"
    );
}

#[test]
fn refusals_and_limits_leave_nothing_behind() {
    let s = session();
    let refuse = |url: &str, extra: &[&str], expect: &str| {
        let mut args = vec!["capture", "url", url, "--case", &s.case, "--no-render"];
        args.extend_from_slice(extra);
        let err = s.fails(&args);
        assert!(err.contains(expect), "{url}: {err}");
        assert!(err.contains("Nothing was saved"), "{url}: {err}");
    };
    for url in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,hello",
    ] {
        refuse(
            url,
            &[],
            "Only web addresses starting with http:// or https:// can be captured",
        );
    }
    refuse(
        &format!("https://example.com/{}", "a".repeat(40_000)),
        &[],
        "characters long",
    );
    assert!(s.servers.requests().is_empty());

    refuse(
        &s.servers.http("/big"),
        &["--max-body-mib", "1"],
        "more than 1 MiB",
    );
    refuse(
        &s.servers.http("/big-chunked"),
        &["--max-body-mib", "1"],
        "more than 1 MiB",
    );
    refuse(
        &s.servers.http("/slow"),
        &["--timeout", "2"],
        "did not answer within 2 s",
    );
    refuse(
        &s.servers.http("/loop"),
        &["--max-redirects", "3"],
        "redirected more than 3 times",
    );
    refuse(&s.servers.http("/to-file"), &[], "not an http or https address");
    refuse(
        &format!("http://127.0.0.1:{}/", free_port()),
        &[],
        "could not connect",
    );

    // A certificate this computer does not trust: refused unless the person accepts it,
    // and then recorded as not verified, with the reason.
    let url = s.servers.https("/page");
    refuse(&url, &[], "not issued by an authority this computer trusts");
    assert_eq!(s.items(), 0);
    let out = s.capture(&url, &["--no-render", "--accept-invalid-certificate"]);
    assert_eq!(out["summary"]["certificate_verified"], false);
    let tls = &out["item"]["capture"]["exchanges"][0]["tls"];
    assert_eq!(tls["verification"]["verified"], false);
    assert_eq!(
        tls["verification"]["reason"],
        "it was not issued by an authority this computer trusts"
    );
    assert_eq!(tls["chain"].as_array().unwrap().len(), 3);
    assert_eq!(
        out["item"]["capture"]["invalid_certificate_accepted_by_user"],
        true
    );

    // A browser named but missing is an error before any request.
    let before = s.servers.requests().len();
    let err = s.fails(&[
        "capture",
        "url",
        &s.servers.http("/page"),
        "--case",
        &s.case,
        "--browser-program",
        "/nonexistent/chrome",
    ]);
    assert!(err.contains("/nonexistent/chrome does not exist"), "{err}");
    assert_eq!(s.servers.requests().len(), before);

    assert_eq!(s.items(), 1);
    let tmp_left: Vec<_> = fs::read_dir(s.vault.join("tmp"))
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(tmp_left.is_empty(), "{tmp_left:?}");
    s.ok(&["check"]);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
