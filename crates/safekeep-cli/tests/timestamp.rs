//! `safekeep timestamp …` against a real RFC 3161 authority on loopback: `openssl ts
//! -reply` behind a small Python HTTP server (tests/fixtures/tsa_server.py) with a test
//! root and a TSA certificate carrying a critical timeStamping EKU. Tokens are checked by
//! Safekeep and by `openssl ts -verify` run exactly as the bundle's README.txt prints it.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The authority: a Python process serving `openssl ts -reply`.
struct Tsa {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    dir: PathBuf,
}

impl Tsa {
    /// Starts on `port` (0: any free port), making its certificates in `dir` if needed.
    fn start(dir: &Path, port: u16) -> Self {
        fs::create_dir_all(dir).unwrap();
        let mut child = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tsa_server.py"))
            .arg(dir)
            .arg(port.to_string())
            .arg(dir.join("requests.log"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let line = BufReader::new(child.stdout.take().unwrap())
            .lines()
            .next()
            .unwrap()
            .unwrap();
        let port = line.strip_prefix("port ").unwrap().parse().unwrap();
        Self {
            child,
            stdin,
            port,
            dir: dir.to_path_buf(),
        }
    }

    fn stop(&mut self) {
        self.stdin.take();
        self.child.wait().unwrap();
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn file(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_owned()
    }

    /// Every request received so far: "POST <path> <content-type> <length>".
    fn requests(&self) -> Vec<String> {
        fs::read_to_string(self.dir.join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The request bodies received, in order.
    fn queries(&self) -> Vec<Vec<u8>> {
        (1..=self.requests().len())
            .map(|n| fs::read(self.dir.join(format!("requests/{n}.tsq"))).unwrap())
            .collect()
    }
}

impl Drop for Tsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session {
    tmp: tempfile::TempDir,
    vault: PathBuf,
    case: String,
}

fn session() -> Session {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Session {
        vault: tmp.path().join("vault"),
        tmp,
        case: String::new(),
    };
    s.ok(&["init"]);
    s.case = s.ok(&["case", "new", "Posts"]).trim().to_owned();
    s
}

impl Session {
    fn safekeep(&self, args: &[&str]) -> Output {
        common::safekeep(&self.vault).args(args).output().unwrap()
    }

    /// Runs a command that must succeed; returns stdout and stderr.
    fn run(&self, args: &[&str]) -> (String, String) {
        let out = self.safekeep(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        self.run(args).0
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.safekeep(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?} should fail: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn note(&self, text: &str) -> (String, String) {
        let (out, err) = self.run(&["note", "--case", &self.case, text]);
        (out.trim().to_owned(), err)
    }

    fn status(&self) -> Value {
        self.json(&["timestamp", "status", "--json"])
    }
}

#[test]
fn items_and_bundles_are_timestamped_only_when_turned_on_and_verify_with_openssl() {
    let s = session();
    let tsa = Tsa::start(&s.tmp.path().join("tsa"), 0);

    // Off by default: capturing and exporting send nothing; `run` refuses to.
    let (first, _) = s.note("He posted the picture again at 21:40.");
    assert_eq!(s.status()["enabled"], false);
    let err = s.fails(&["timestamp", "run"]);
    assert!(err.contains("timestamping is off, so nothing was sent"), "{err}");
    s.ok(&[
        "export",
        "--case",
        &s.case,
        "--out",
        s.tmp.path().join("off.zip").to_str().unwrap(),
    ]);
    assert!(tsa.requests().is_empty(), "sent while off: {:?}", tsa.requests());

    // On: the existing item is queued and stamped at once; a new one as it is captured.
    let root = tsa.file("root.pem");
    let (_, err) = s.run(&[
        "timestamp",
        "enable",
        "--tsa",
        &tsa.url("/tsa"),
        "--tsa-certs",
        &root,
    ]);
    assert!(err.contains("1 item(s) queued"), "{err}");
    assert!(
        err.contains(&format!("Timestamped {first} by {}", tsa.url("/tsa"))),
        "{err}"
    );
    let (second, err) = s.note("Second message, from the new account.");
    assert!(err.contains(&format!("Timestamped {second}")), "{err}");
    let status = s.status();
    assert_eq!(
        (
            status["enabled"].as_bool(),
            status["stamped"].as_u64(),
            status["waiting"].as_u64()
        ),
        (Some(true), Some(2), Some(0))
    );
    let shown = s.json(&["show", &first, "--json"]);
    assert_eq!(shown["timestamp"]["state"], "stamped");
    assert_eq!(shown["timestamp"]["signer"], "CN=Safekeep Test TSA");
    assert!(shown["timestamp"]["gen_time"].as_str().unwrap().ends_with('Z'));
    let log = s.ok(&["log", "--case", &s.case]);
    assert_eq!(log.matches("item.timestamped").count(), 2, "{log}");
    for line in tsa.requests() {
        assert!(
            line.starts_with("POST /tsa application/timestamp-query "),
            "{line}"
        );
    }

    // The bundle: item tokens, the bundle's own token, and README lines that openssl runs.
    let zip = s.tmp.path().join("case.zip");
    let summary = s.json(&[
        "export",
        "--case",
        &s.case,
        "--out",
        zip.to_str().unwrap(),
        "--exhibit-prefix",
        "AB",
        "--json",
    ]);
    assert_eq!(summary["timestamped_items"], 2);
    assert_eq!(summary["timestamp"]["state"], "stamped", "{summary}");
    let unzipped = s.tmp.path().join("unzipped");
    let status = Command::new("unzip")
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&unzipped)
        .status()
        .unwrap();
    assert!(status.success());
    let bag = unzipped.join("case");
    let readme = fs::read_to_string(bag.join("README.txt")).unwrap();
    let commands: Vec<&str> = readme
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("openssl ts -verify"))
        .collect();
    assert_eq!(commands.len(), 3, "{readme}");
    for command in &commands {
        let out = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&bag)
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && printed.contains("Verification: OK"),
            "{command}: {printed}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // What the authority saw: one imprint per token, each the hash of a salted
    // commitment; never the hash of an artifact or of anything in the bundle's data.
    let ts = bag.join("signature/timestamps");
    let mut imprints = Vec::new();
    for stem in ["AB-1", "AB-2"] {
        let commitment = fs::read(ts.join(format!("{stem}.commitment"))).unwrap();
        assert!(commitment.starts_with(b"safekeep-timestamp-v1\n"));
        imprints.push(Sha256::digest(&commitment).to_vec());
    }
    imprints.push(Sha256::digest(fs::read(bag.join("tagmanifest-sha256.txt")).unwrap()).to_vec());
    let queries = tsa.queries();
    assert_eq!(queries.len(), 3);
    for imprint in &imprints {
        assert_eq!(queries.iter().filter(|q| contains(q, imprint)).count(), 1);
    }
    let manifest = fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap();
    for line in manifest.lines() {
        let sha = hex::decode(line.split_whitespace().next().unwrap()).unwrap();
        assert!(
            queries.iter().all(|q| !contains(q, &sha)),
            "a file's hash was sent: {line}"
        );
    }

    // `safekeep verify` checks and reports every token. The test authority is one this
    // computer does not recognise (#34): intact, but said so, exit status 3…
    let out = s.safekeep(&["verify", zip.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "unrecognised_timestamp", "{report}");
    let check = timestamp_check(&report);
    assert_eq!(
        (&check["ok"], &check["unrecognised"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    assert!(
        check["details"]
            .to_string()
            .contains("timestamp by an authority this computer does not recognise"),
        "{check}"
    );
    // …and intact when its root is given, explicitly, as one to recognise.
    let report = s.json(&[
        "verify",
        zip.to_str().unwrap(),
        "--trust-tsa-root",
        &root,
        "--json",
    ]);
    assert_eq!(report["verdict"], "intact", "{report}");
    let check = timestamp_check(&report);
    assert_eq!(check["ok"], true);
    let details = check["details"].to_string();
    for label in [
        "AB/1",
        "AB/2",
        "the bundle",
        "CN=Safekeep Test TSA",
        "Safekeep Test TSA Root",
    ] {
        assert!(details.contains(label), "{label} missing from {details}");
    }

    // Tampering is caught, each with its reason.
    let commitment = ts.join("AB-1.commitment");
    let original = fs::read(&commitment).unwrap();
    let mut changed = original.clone();
    changed[30] = if changed[30] == b'0' { b'1' } else { b'0' };
    fs::write(&commitment, &changed).unwrap();
    assert!(verify_problem(&s, &bag).contains("a different hash"));
    fs::write(&commitment, &original).unwrap();
    fs::copy(tsa.dir.join("other-root.pem"), ts.join("AB-2.chain.pem")).unwrap();
    assert!(verify_problem(&s, &bag).contains("does not chain"));
    let token = ts.join("bundle.tsr");
    let bytes = fs::read(&token).unwrap();
    fs::write(&token, &bytes[..bytes.len() / 2]).unwrap();
    assert!(verify_problem(&s, &bag).contains("damaged"));
    fs::write(&token, &bytes).unwrap();
    fs::copy(ts.join("AB-1.chain.pem"), ts.join("AB-2.chain.pem")).unwrap();
    for ext in ["tsr", "commitment", "chain.pem"] {
        fs::remove_file(ts.join(format!("AB-1.{ext}"))).unwrap();
    }
    let problem = verify_problem(&s, &bag);
    assert!(
        problem.contains("AB/1") && problem.contains("its token is not in"),
        "{problem}"
    );

    // Off again: new items and exports send nothing more.
    let before = tsa.requests().len();
    s.ok(&["timestamp", "disable"]);
    let (third, err) = s.note("A third message.");
    assert!(!err.contains("imestamp"), "{err}");
    s.ok(&[
        "export",
        "--case",
        &s.case,
        "--out",
        s.tmp.path().join("after.zip").to_str().unwrap(),
    ]);
    assert_eq!(tsa.requests().len(), before);
    assert!(s.json(&["show", &third, "--json"]).get("timestamp").is_none());
}

#[test]
fn the_queue_waits_while_the_authority_is_unreachable_and_drains_when_it_returns() {
    let s = session();
    let mut tsa = Tsa::start(&s.tmp.path().join("tsa"), 0);
    let (port, root) = (tsa.port, tsa.file("root.pem"));
    tsa.stop();

    let url = format!("http://127.0.0.1:{port}/tsa");
    let (_, err) = s.run(&["timestamp", "enable", "--tsa", &url, "--tsa-certs", &root]);
    assert!(err.contains("0 item(s) queued"), "{err}");
    let (a, err) = s.note("First, while offline.");
    assert!(
        err.contains(&format!("Not timestamped yet: {a}")) && err.contains("could not connect"),
        "{err}"
    );
    let (b, _) = s.note("Second, while offline.");
    let err = s.fails(&["timestamp", "run"]);
    assert!(err.contains("stays queued"), "{err}");
    let status = s.status();
    assert_eq!(
        (status["stamped"].as_u64(), status["waiting"].as_u64()),
        (Some(0), Some(2))
    );
    assert!(
        status["last_error"]
            .as_str()
            .unwrap()
            .contains("could not connect")
    );
    let shown = s.json(&["show", &b, "--json"]);
    assert_eq!(shown["timestamp"]["state"], "waiting");
    assert!(shown["timestamp"]["attempts"].as_u64().unwrap() >= 1);

    let tsa = Tsa::start(&s.tmp.path().join("tsa"), port);
    let run = s.json(&["timestamp", "run", "--json"]);
    assert_eq!(run["stamped"].as_array().unwrap().len(), 2, "{run}");
    assert_eq!(tsa.requests().len(), 2);
    for id in [&a, &b] {
        assert_eq!(s.json(&["show", id, "--json"])["timestamp"]["state"], "stamped");
    }
    assert_eq!(s.status()["waiting"], 0);
}

#[test]
fn bad_authorities_are_refused_with_a_reason_and_fallbacks_are_used() {
    let s = session();
    let tsa = Tsa::start(&s.tmp.path().join("tsa"), 0);
    let root = tsa.file("root.pem");

    let err = s.fails(&["timestamp", "enable", "--tsa", "ftp://example.org/tsa"]);
    assert!(err.contains("must start with http:// or https://"), "{err}");
    let err = s.fails(&["timestamp", "enable", "--tsa", "https://"]);
    assert!(err.contains("has no host name"), "{err}");
    let err = s.fails(&[
        "timestamp",
        "enable",
        "--tsa",
        &tsa.url("/tsa"),
        "--tsa-certs",
        "/nonexistent.pem",
    ]);
    assert!(
        err.contains("cannot read the certificate file /nonexistent.pem"),
        "{err}"
    );
    let empty = s.tmp.path().join("empty.pem");
    fs::write(&empty, "").unwrap();
    let err = s.fails(&[
        "timestamp",
        "enable",
        "--tsa",
        &tsa.url("/tsa"),
        "--tsa-certs",
        empty.to_str().unwrap(),
    ]);
    assert!(err.contains("holds no certificate"), "{err}");
    let err = s.fails(&[
        "timestamp",
        "enable",
        "--tsa",
        "http://a.example",
        "--tsa",
        "http://b.example",
        "--tsa-certs",
        &root,
    ]);
    assert!(err.contains("one --tsa-certs for each --tsa"), "{err}");
    assert_eq!(s.status()["enabled"], false);
    assert!(tsa.requests().is_empty());

    // A token from an authority that is not the trusted one is refused and not stored.
    let other = tsa.file("other-root.pem");
    s.ok(&[
        "timestamp",
        "enable",
        "--tsa",
        &tsa.url("/tsa"),
        "--tsa-certs",
        &other,
    ]);
    let (item, err) = s.note("Signed by the wrong authority.");
    assert!(err.contains("does not chain"), "{err}");
    assert_eq!(
        s.json(&["show", &item, "--json"])["timestamp"]["state"],
        "waiting"
    );

    // An authority that fails is skipped for the next one in the list.
    let fail = tsa.url("/fail");
    let good = tsa.url("/tsa");
    s.ok(&[
        "timestamp",
        "enable",
        "--tsa",
        &fail,
        "--tsa",
        &good,
        "--tsa-certs",
        &root,
        "--tsa-certs",
        &root,
    ]);
    let shown = s.json(&["show", &item, "--json"]);
    assert_eq!(shown["timestamp"]["state"], "stamped", "{shown}");
    assert_eq!(shown["timestamp"]["tsa"], good.as_str());
    assert!(tsa.requests().iter().any(|r| r.starts_with("POST /fail ")));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn timestamp_check(report: &Value) -> &Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"].as_str().unwrap().starts_with("Trusted timestamps"))
        .unwrap()
}

/// Verifies the unzipped bag, which must be reported altered; returns the timestamp
/// check's problems.
fn verify_problem(s: &Session, bag: &Path) -> String {
    let out = s.safekeep(&["verify", bag.to_str().unwrap(), "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "altered", "{report}");
    let check = timestamp_check(&report);
    assert_eq!(check["ok"], false);
    check["details"].to_string()
}

#[test]
fn a_receipt_is_timestamped_when_asked_and_an_altered_timestamp_is_refused() {
    let s = session();
    let tsa = Tsa::start(&s.tmp.path().join("tsa"), 0);
    s.note("He wrote again at 10pm.");
    let zip = s.tmp.path().join("case.zip");
    s.ok(&["export", "--case", &s.case, "--out", zip.to_str().unwrap()]);
    assert!(tsa.requests().is_empty(), "nothing is sent unless asked");

    let receipt = s.tmp.path().join("RECEIPT.json");
    let root = tsa.file("root.pem");
    let out = common::safekeep(&s.tmp.path().join("no-vault"))
        .env("SAFEKEEP_RECIPIENT_KEY", s.tmp.path().join("recipient.age"))
        .env("SAFEKEEP_PASSPHRASE", "the solicitor's own passphrase")
        .args([
            "receipt",
            "sign",
            zip.to_str().unwrap(),
            "--name",
            "Jo Bloggs",
            "--out",
        ])
        .arg(&receipt)
        .args(["--tsa", &tsa.url("/tsa"), "--tsa-certs", &root])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Time-stamped by"));
    assert_eq!(tsa.requests().len(), 1);
    let r: Value = serde_json::from_slice(&fs::read(&receipt).unwrap()).unwrap();
    assert_eq!(r["timestamp"]["tsa"], tsa.url("/tsa"));
    // The token covers the signed receipt: SHA-256 of its canonical JSON without "timestamp".
    let mut signed = r.clone();
    signed.as_object_mut().unwrap().remove("timestamp");
    let imprint = Sha256::digest(safekeep_core::canonical::to_bytes(&signed).unwrap());
    assert!(
        contains(&tsa.queries()[0], &imprint),
        "the request carried the receipt's imprint"
    );
    assert!(
        fs::read_to_string(receipt.with_extension("txt"))
            .unwrap()
            .contains("Time-stamped (RFC 3161)")
    );

    // An altered time is refused; the receipt as signed is accepted and logged.
    let mut forged = r.clone();
    forged["timestamp"]["gen_time"] = "2020-01-01T00:00:00Z".into();
    let forged_path = s.tmp.path().join("FORGED.json");
    fs::write(&forged_path, serde_json::to_vec(&forged).unwrap()).unwrap();
    let err = s.fails(&["receipt", "add", forged_path.to_str().unwrap(), "--case", &s.case]);
    assert!(err.contains("time-stamped at 2020-01-01"), "{err}");
    s.ok(&["receipt", "add", receipt.to_str().unwrap(), "--case", &s.case]);
    let listed = s.json(&["receipt", "list", "--case", &s.case, "--json"]);
    assert_eq!(
        listed[0]["receipt"]["timestamp"]["gen_time"],
        r["timestamp"]["gen_time"]
    );
}
