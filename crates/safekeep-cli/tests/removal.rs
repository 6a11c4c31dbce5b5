//! Removal requests (`safekeep removal`, docs/removal.md): drafted from the case for the
//! person to send; read back from the PDF with `pdftotext`; the clock across the UK's
//! clock changes; RDAP against a local server answering RDAP JSON shaped like Verisign's
//! (domain) and ARIN's (address) answers; MD5 in the takedown pack against `md5sum`; the
//! person's details kept out of everything a bundle carries.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::Value;

const NAME: &str = "Alex Example";
const CONTACT: &str = "alex.private@example.org";

struct Session {
    tmp: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Session {
    fn new() -> Self {
        let s = Self {
            tmp: tempfile::tempdir().unwrap(),
            env: Vec::new(),
        };
        s.ok(&["init"]);
        s
    }

    fn safekeep(&self, args: &[&str]) -> Output {
        let mut cmd = common::safekeep(&self.vault());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.args(args).output().unwrap()
    }

    fn at(&mut self, now: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != "SAFEKEEP_TEST_NOW");
        self.env.push(("SAFEKEEP_TEST_NOW".into(), now.into()));
        self
    }

    fn vault(&self) -> PathBuf {
        self.tmp.path().join("vault")
    }

    fn ok(&self, args: &[&str]) -> String {
        common::stdout_of(args, self.safekeep(args))
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.safekeep(args);
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn import(&self, case: &str, file: &Path, url: &str) -> String {
        self.ok(&[
            "import",
            "--case",
            case,
            "--source-url",
            url,
            file.to_str().unwrap(),
        ])
        .trim()
        .to_owned()
    }

    fn me(&self) {
        self.ok(&["removal", "me", "--name", NAME, "--contact", CONTACT]);
    }

    /// Drafts a request; returns its id and its full text.
    fn draft(&self, args: &[&str]) -> (String, String) {
        let mut all = vec!["removal", "draft"];
        all.extend(args);
        all.push("--json");
        let d: Value = serde_json::from_str(&self.ok(&all)).unwrap();
        let text = d["text"].as_str().unwrap().to_owned();
        assert!(!text.contains('{'), "every placeholder is filled:\n{text}");
        (d["request_id"].as_str().unwrap().to_owned(), text)
    }

    fn list(&self, case: &str) -> Vec<Value> {
        let v: Value = serde_json::from_str(&self.ok(&[
            "removal",
            "list",
            "--case",
            case,
            "--tz",
            "Europe/London",
            "--json",
        ]))
        .unwrap();
        v["requests"].as_array().unwrap().clone()
    }
}

/// A noisy 64×48 PNG (so PDQ has detail to hash).
fn picture() -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 64, 48);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let data: Vec<u8> = (0..64 * 48 * 3)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    enc.write_header().unwrap().write_image_data(&data).unwrap();
    out
}

fn tool_out(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `pdftotext -layout` with the line breaks of wrapped text joined, so a phrase split
/// over two lines still reads as one.
fn pdf_text(pdf: &Path) -> String {
    let raw = tool_out(
        Command::new(common::tool("pdftotext"))
            .arg("-layout")
            .arg(pdf)
            .arg("-"),
    );
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn take_it_down_request_pdf_holds_each_element_every_address_and_no_image() {
    let s = Session::new();
    let case = s.ok(&["case", "new", "Posts of me"]).trim().to_owned();
    let png = s.file("post.png", &picture());
    let item = s.import(&case, &png, "https://site.example/p/1");
    s.ok(&["annotate", &item, "--appears-at", "https://mirror.example/x/9"]);
    let err = s.fails(&["removal", "draft", &item]);
    assert!(err.contains("safekeep removal me"), "no details yet: {err}");
    s.me();

    let pdf = s.tmp.path().join("request.pdf");
    let (request, text) = s.draft(&[&item, "--kind", "take-it-down", "--pdf", pdf.to_str().unwrap()]);
    let read = pdf_text(&pdf);
    let sha = s.ok(&["show", &item, "--json"]);
    let shown: Value = serde_json::from_str(&sha).unwrap();
    let file_sha = shown["artifacts"][0]["sha256"].as_str().unwrap();
    for must in [
        // § 223a(a)(1)(B): the four elements, each under its heading.
        "1. Identification and location of the intimate visual depiction",
        "2. Statement of good-faith belief",
        "good-faith belief that the intimate visual depiction identified above is not consensual",
        "3. Contact information",
        CONTACT,
        "4. Signature",
        "/Alex Example/",
        "Typed as an electronic signature",
        // Every address and the exhibit reference of the item.
        "https://site.example/p/1",
        "https://mirror.example/x/9",
        "exhibit SK/1",
        &item,
        file_sha,
        "47 U.S.C. § 223a",
        "No image is attached",
    ] {
        assert!(read.contains(must), "the PDF lacks {must:?}:\n{read}");
        assert!(text.contains(must), "the text lacks {must:?}");
    }
    let images = tool_out(Command::new(common::tool("pdfimages")).arg("-list").arg(&pdf));
    assert_eq!(
        images.lines().count(),
        2,
        "the request's PDF holds no image:\n{images}"
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(
        !bytes
            .windows(b"/Subtype/Image".len())
            .any(|w| w == b"/Subtype/Image"),
        "no image XObject"
    );

    // Printing again from the vault gives the same text, and a PDF of it.
    let again = s.tmp.path().join("again.pdf");
    assert_eq!(
        s.ok(&["removal", "show", &request, "--pdf", again.to_str().unwrap()]),
        text
    );
    assert!(pdf_text(&again).contains("https://mirror.example/x/9"));
    let err = s.fails(&["removal", "show", &request, "--pdf", again.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");

    // The authorised-person variant names both people.
    let (_, advocate) = s.draft(&[&item, "--on-behalf-of", "Sam Person"]);
    for must in [
        "I, Alex Example, am authorised to act on behalf of Sam Person",
        "authorised person acting on behalf of Sam Person",
        "/Alex Example/",
    ] {
        assert!(advocate.contains(must), "{must:?} missing:\n{advocate}");
    }

    // A UK report and a search de-listing request for the same item.
    let (_, uk) = s.draft(&[&item, "--kind", "uk-report"]);
    assert!(uk.contains("section 10(3A) of the Online Safety Act 2023") && uk.contains("within 48 hours"));
    let (_, search) = s.draft(&[
        &item,
        "--kind",
        "search-delisting",
        "--synthetic",
        "--search-result",
        "https://www.google.com/search?q=x",
    ]);
    assert!(search.contains("https://www.google.com/search?q=x") && search.contains("synthetic"));

    // An item with no address: the request asks for one.
    let note = s
        .ok(&["note", "--case", &case, "He posted it on Tuesday."])
        .trim()
        .to_owned();
    let err = s.fails(&["removal", "lookup", &note]);
    assert!(err.contains("has no web address"), "{err}");
    let err = s.fails(&["removal", "draft", &note]);
    assert!(
        err.contains("has no web address") && err.contains("--appears-at"),
        "{err}"
    );
    // A platform not in the directory gets a generic request, and says so.
    let out = s.safekeep(&[
        "removal",
        "draft",
        &item,
        "--address",
        "https://unknown-platform.example/v/1",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in Safekeep's platform directory"));
    // The directory: every entry with its source and the date checked (or "never").
    let dir = s.ok(&["removal", "platforms"]);
    assert!(
        dir.contains("Reddit (reddit.com") && dir.contains("Source: ") && dir.contains("checked: never"),
        "{dir}"
    );
    // A directory platform is named as the recipient.
    let (_, reddit) = s.draft(&[&item, "--address", "https://old.reddit.com/r/x/comments/1"]);
    assert!(reddit.starts_with("To: Reddit\n"), "{reddit}");
}

#[test]
fn the_persons_details_never_reach_the_item_the_log_or_a_bundle() {
    let s = Session::new();
    let case = s.ok(&["case", "new", "Posts"]).trim().to_owned();
    let png = s.file("post.png", &picture());
    let item = s.import(&case, &png, "https://site.example/p/1");
    s.me();
    let (request, text) = s.draft(&[&item, "--on-behalf-of", "Sam Person"]);
    assert!(text.contains(NAME) && text.contains(CONTACT) && text.contains("Sam Person"));
    s.ok(&["removal", "sent", &request, "--reference", "TKT-77"]);
    let shown = s.ok(&["show", &item, "--json"]);
    assert!(
        shown.contains("removal_request") && shown.contains("withheld"),
        "{shown}"
    );
    let log = s.ok(&["log", "--case", &case, "--json"]);
    let bundle = s.tmp.path().join("case.zip");
    s.ok(&["export", "--case", &case, "--out", bundle.to_str().unwrap()]);
    let unzipped = s.tmp.path().join("unzipped");
    tool_out(
        Command::new("unzip")
            .arg("-q")
            .arg(&bundle)
            .arg("-d")
            .arg(&unzipped),
    );
    let mut everything = vec![shown, log];
    for entry in walk(&unzipped) {
        everything.push(String::from_utf8_lossy(&std::fs::read(entry).unwrap()).into_owned());
    }
    for text in &everything {
        for secret in [NAME, CONTACT, "Sam Person"] {
            assert!(!text.contains(secret), "{secret:?} leaked");
        }
    }
    // The report PDF is compressed: read it as text too.
    let report = walk(&unzipped)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .unwrap();
    let report = pdf_text(&report);
    assert!(!report.contains(NAME) && !report.contains(CONTACT));
    // The report's timeline has the request as sent, by its title and reference.
    assert!(
        report.contains("Sent: Removal request under the TAKE IT DOWN Act — Site Example")
            || report.contains("Sent: Removal request under the TAKE IT DOWN Act — site.example"),
        "{report}"
    );
    assert!(report.contains("TKT-77"), "{report}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

#[test]
fn deadlines_cross_the_clock_changes_and_overdue_requests_are_listed() {
    let mut s = Session::new();
    s.at("2026-03-20T09:00:00Z");
    let case = s.ok(&["case", "new", "Posts"]).trim().to_owned();
    let png = s.file("post.png", &picture());
    let item = s.import(&case, &png, "https://x.com/a/status/1");
    s.me();
    let (spring, _) = s.draft(&[&item]);
    let (autumn, _) = s.draft(&[&item, "--kind", "uk-report"]);
    let (later, _) = s.draft(&[&item, "--address", "https://reddit.com/r/x/1"]);

    // Refused: before the capture, and in the future.
    let err = s.fails(&[
        "removal",
        "sent",
        &spring,
        "--at",
        "2026-03-19 10:00",
        "--tz",
        "Europe/London",
    ]);
    assert!(err.contains("before the content was captured"), "{err}");
    let err = s.fails(&["removal", "sent", &spring, "--at", "2026-03-21T10:00:00Z"]);
    assert!(err.contains("later than now"), "{err}");
    let err = s.fails(&[
        "removal",
        "sent",
        &spring,
        "--at",
        "2026-03-29 01:30",
        "--tz",
        "Europe/London",
    ]);
    assert!(err.contains("clocks went forward"), "{err}");

    // Sent on Friday 27 March at 10:00 GMT: due 48 hours later, 11:00 BST on Sunday.
    s.at("2026-03-28T09:00:00Z");
    let out = s.ok(&[
        "removal",
        "sent",
        &spring,
        "--at",
        "2026-03-27 10:00",
        "--tz",
        "Europe/London",
        "--reference",
        "TKT-1",
    ]);
    assert!(
        out.contains("Deadline Sun 29 Mar 2026 11:00 BST (Europe/London) [2026-03-29T10:00:00Z]"),
        "{out}"
    );
    assert!(out.contains("open, waiting"), "{out}");
    let l = s.list(&case);
    let r = l.iter().find(|r| r["request_id"] == spring.as_str()).unwrap();
    assert_eq!(r["overdue"], false);
    assert_eq!(r["check_again_offered"], false);

    // Autumn: sent Friday 23 October 10:00 BST, due 09:00 GMT on Sunday 25 October.
    s.at("2026-10-23T12:00:00Z");
    let out = s.ok(&[
        "removal",
        "sent",
        &autumn,
        "--at",
        "2026-10-23 10:00",
        "--tz",
        "Europe/London",
    ]);
    assert!(
        out.contains("Deadline Sun 25 Oct 2026 09:00 GMT (Europe/London) [2026-10-25T09:00:00Z]"),
        "{out}"
    );
    s.ok(&[
        "removal",
        "sent",
        &later,
        "--at",
        "2026-10-23 12:00",
        "--tz",
        "Europe/London",
    ]);

    // On 25 October at 10:00 UTC: the autumn one is overdue, the one sent at noon is not;
    // the spring one is overdue too (no outcome), listed first with the other overdue one.
    s.at("2026-10-25T10:00:00Z");
    let l = s.list(&case);
    let overdue: Vec<&str> = l
        .iter()
        .filter(|r| r["overdue"] == true)
        .map(|r| r["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(overdue.len(), 2, "{l:?}");
    assert!(overdue.contains(&spring.as_str()) && overdue.contains(&autumn.as_str()));
    assert!(
        l[0]["overdue"] == true && l[1]["overdue"] == true,
        "overdue first"
    );
    let text = s.ok(&["removal", "list", "--case", &case, "--tz", "Europe/London"]);
    assert!(
        text.contains("3 request(s); 2 overdue")
            && text.contains("OVERDUE")
            && text.contains("--check-again"),
        "{text}"
    );

    // A closing outcome takes it off the overdue list; a follow-up cites the first request.
    s.ok(&["removal", "outcome", &spring, "removed"]);
    let (_, follow) = s.draft_follow_up(&autumn);
    let first = l.iter().find(|r| r["request_id"] == autumn.as_str()).unwrap();
    assert!(
        follow.contains(first["sha256"].as_str().unwrap()) && follow.contains("2026-10-23T09:00:00Z"),
        "{follow}"
    );
    let l = s.list(&case);
    assert_eq!(l.iter().filter(|r| r["overdue"] == true).count(), 1);
    let err = s.fails(&["removal", "follow-up", "nonexistent-id"]);
    assert!(err.contains("is not a removal request"), "{err}");
}

impl Session {
    fn draft_follow_up(&self, request: &str) -> (String, String) {
        let out = self.ok(&["removal", "follow-up", request, "--tz", "Europe/London"]);
        assert!(!out.contains('{'), "every placeholder is filled:\n{out}");
        (request.to_owned(), out)
    }
}

/// A loopback HTTP server: fixed answers by path, every request path logged.
struct Server {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    routes: Routes,
}

/// Answers by path: status and body.
type Routes = Arc<Mutex<HashMap<String, (u16, Vec<u8>)>>>;

impl Server {
    fn start(routes: HashMap<String, (u16, Vec<u8>)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&log);
        let routes = Arc::new(Mutex::new(routes));
        let served = Arc::clone(&routes);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let path = line.split(' ').nth(1).unwrap_or("").to_owned();
                seen.lock().unwrap().push(path.clone());
                let (status, body) = served
                    .lock()
                    .unwrap()
                    .get(&path)
                    .cloned()
                    .unwrap_or((404, b"{}".to_vec()));
                let ctype = if body.starts_with(b"<") {
                    "text/html"
                } else {
                    "application/rdap+json"
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            }
        });
        Self { port, log, routes }
    }

    fn route(&self, path: &str, body: Vec<u8>) {
        self.routes.lock().unwrap().insert(path.to_owned(), (200, body));
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rdap")
            .join(name),
    )
    .unwrap()
}

#[test]
fn rdap_finds_the_abuse_contacts_only_when_asked_and_keeps_what_was_asked() {
    // The bootstrap files name this same server, whose port is known once it listens.
    let server = Server::start(HashMap::new());
    let base = format!("http://127.0.0.1:{}/rdap/", server.port);
    server.route(
        "/bootstrap/dns.json",
        serde_json::to_vec(&serde_json::json!({
        "version": "1.0", "publication": "2026-12-01T00:00:00Z",
        "services": [[["com", "net"], ["https://rdap.verisign.com/com/v1/"]], [["test"], [base]]]}))
        .unwrap(),
    );
    server.route("/bootstrap/ipv4.json", serde_json::to_vec(&serde_json::json!({
        "version": "1.0", "services": [[["41.0.0.0/8"], ["https://rdap.afrinic.net/rdap/"]], [["127.0.0.0/8"], [base]]]})).unwrap());
    server.route("/rdap/domain/shady-host.test", fixture("domain.json"));
    server.route("/rdap/ip/127.0.0.1", fixture("ip.json"));
    let hostile = serde_json::json!({"objectClassName": "domain", "entities": [{"roles": ["abuse"],
        "vcardArray": ["vcard", [["fn", {}, "text", "X\u{1b}[2J".repeat(10_000)], ["email", {}, "text", "evil\u{1b}[2J@x.example"], ["email", {}, "text", "ok@evil.example"]]]}]});
    server.route("/rdap/domain/evil.test", serde_json::to_vec(&hostile).unwrap());

    let mut s = Session::new();
    s.env.push((
        "SAFEKEEP_RDAP_BOOTSTRAP".into(),
        format!("http://127.0.0.1:{}/bootstrap/", server.port),
    ));
    let case = s.ok(&["case", "new", "Overseas host"]).trim().to_owned();
    // Each item its own file (the same file imported twice is one item).
    let file = |n: &str| s.file(&format!("{n}.txt"), n.as_bytes());
    let item = s.import(&case, &file("one"), "http://shady-host.test/v/1.mp4");
    s.me();

    // Drafting without asking: no request at all, and the letter says no contact is known.
    let (_, letter) = s.draft(&[&item, "--kind", "host-abuse"]);
    assert!(
        server.requests().is_empty(),
        "no network request unless asked: {:?}",
        server.requests()
    );
    assert!(letter.contains("No abuse contact is known"), "{letter}");

    // Asked: IANA's bootstrap file, then the registry's server; the registrar's abuse
    // address is found, and what was asked and answered is kept on the item.
    let (_, letter) = s.draft(&[&item, "--kind", "host-abuse", "--rdap"]);
    let asked = server.requests();
    assert_eq!(
        &asked[..2],
        ["/bootstrap/dns.json", "/rdap/domain/shady-host.test"],
        "{asked:?}"
    );
    assert!(letter.contains("Sent to: abuse@registrar.example"), "{letter}");
    assert!(letter.starts_with("To: Example Registrar, LLC\n"), "{letter}");
    let shown: Value = serde_json::from_str(&s.ok(&["show", &item, "--json"])).unwrap();
    let lookup = shown["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "rdap_lookup")
        .unwrap();
    assert_eq!(
        lookup["asked"][1],
        format!("http://127.0.0.1:{}/rdap/domain/shady-host.test", server.port)
    );
    assert!(
        lookup["answer"]
            .as_str()
            .unwrap()
            .contains("\"ldhName\": \"SHADY-HOST.TEST\"")
    );
    assert_eq!(lookup["abuse_emails"][0], "abuse@registrar.example");

    // An address: the regional registry's server, the network's abuse address.
    let ip_item = s.import(
        &case,
        &file("two"),
        &format!("http://127.0.0.1:{}/v/2.mp4", server.port),
    );
    s.ok(&["removal", "lookup", &ip_item]);
    assert!(server.requests().contains(&"/rdap/ip/127.0.0.1".to_owned()));
    let (_, letter) = s.draft(&[&ip_item, "--kind", "host-abuse"]);
    assert!(letter.contains("Sent to: abuse@host.example"), "{letter}");

    // A hostile answer: huge and full of terminal escapes; kept bounded, shown inert.
    let evil = s.import(&case, &file("three"), "http://evil.test/x");
    let out = s.safekeep(&["removal", "draft", &evil, "--kind", "host-abuse", "--rdap"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
        "no escape reaches the terminal"
    );
    assert!(
        stdout.contains("Sent to: ok@evil.example") && !stdout.contains("evil\\u"),
        "{stdout}"
    );
    assert!(
        stdout.len() < 20_000,
        "the 40 KB name is not copied into the letter"
    );

    // Unreachable: said, and the letter is drafted without a contact.
    s.env.retain(|(k, _)| k != "SAFEKEEP_RDAP_BOOTSTRAP");
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    s.env.push((
        "SAFEKEEP_RDAP_BOOTSTRAP".into(),
        format!("http://127.0.0.1:{closed}/"),
    ));
    let other = s.import(&case, &s.file("four.txt", b"four"), "http://unreachable.test/y");
    let out = s.safekeep(&["removal", "draft", &other, "--kind", "host-abuse", "--rdap"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("failed")
            && stderr.contains("could not be reached")
            && stderr.contains("drafted without one"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("No abuse contact is known"));
}

#[test]
fn md5_in_the_takedown_pack_equals_md5sum_for_pictures_and_videos() {
    let s = Session::new();
    let case = s.ok(&["case", "new", "Videos"]).trim().to_owned();
    let png = s.file("post.png", &picture());
    let mp4 = s.tmp.path().join("clip.mp4");
    common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=5:duration=2",
        "-pix_fmt",
        "yuv420p",
        mp4.to_str().unwrap(),
    ]);
    s.import(&case, &png, "https://site.example/p/1");
    s.import(&case, &mp4, "https://site.example/v/2");
    let out = s.tmp.path().join("pack");
    s.ok(&["takedown", "--case", &case, "--out", out.to_str().unwrap()]);
    let csv = std::fs::read_to_string(out.join("takedown.csv")).unwrap();
    let txt = std::fs::read_to_string(out.join("takedown.txt")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",pdq,md5"), "{csv}");
    for f in [&png, &mp4] {
        let sum = tool_out(Command::new("md5sum").arg(f));
        let md5 = sum.split_whitespace().next().unwrap();
        let name = f.file_name().unwrap().to_str().unwrap();
        let row = csv
            .lines()
            .find(|l| l.contains(",file,") && l.contains(name))
            .unwrap();
        assert!(row.ends_with(&format!(",{md5}")), "{name}: {row} vs {md5}");
        assert!(txt.contains(&format!("MD5 {md5} (StopNCII VideoMD5")), "{txt}");
    }
    assert!(txt.contains("VideoMD5") && txt.contains("ImagePDQ"));
}

#[test]
fn a_recapture_at_the_deadline_is_linked_to_the_request() {
    let server = Server::start(HashMap::new());
    server.route(
        "/post",
        b"<!doctype html><title>post</title><p>still here</p>".to_vec(),
    );
    let page = format!("http://127.0.0.1:{}/post", server.port);
    let mut s = Session::new();
    s.at("2026-03-27T09:00:00Z");
    let case = s.ok(&["case", "new", "Posts"]).trim().to_owned();
    let captured: Value =
        serde_json::from_str(&s.ok(&["capture", "url", &page, "--case", &case, "--no-render", "--json"]))
            .unwrap();
    let item = captured["item"]["id"]
        .as_str()
        .or_else(|| captured["id"].as_str())
        .unwrap()
        .to_owned();
    s.me();
    let before = s.ok(&["removal", "before", "--case", &case]);
    assert!(
        before.contains("police") && before.contains("Every address in this case has been captured"),
        "{before}"
    );
    let (request, text) = s.draft(&[&item]);
    assert!(text.contains(&page));
    s.at("2026-03-27T10:30:00Z");
    s.ok(&[
        "removal",
        "sent",
        &request,
        "--at",
        "2026-03-27 10:00",
        "--tz",
        "Europe/London",
    ]);

    // At the deadline: re-capture offered.
    s.at("2026-03-29T10:00:01Z");
    let l = s.list(&case);
    assert_eq!(l[0]["overdue"], true);
    assert_eq!(l[0]["check_again_offered"], true);
    let again: Value =
        serde_json::from_str(&s.ok(&["capture", "url", "--check-again", &item, "--no-render", "--json"]))
            .unwrap();
    let new_item = again["item"]["id"]
        .as_str()
        .or_else(|| again["id"].as_str())
        .unwrap()
        .to_owned();
    let l = s.list(&case);
    assert_eq!(l[0]["recaptures"][0]["item_id"], new_item.as_str());
    assert_eq!(l[0]["recaptures"][0]["at_or_after_deadline"], true);
    assert_eq!(
        l[0]["check_again_offered"], false,
        "the re-capture answers the offer"
    );
    let text = s.ok(&["removal", "list", "--case", &case, "--tz", "Europe/London"]);
    assert!(
        text.contains(&format!("(at or after the deadline): item {new_item}")),
        "{text}"
    );
}
