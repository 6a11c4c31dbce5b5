//! Bundles made by `safekeep export`, checked by tools nobody here wrote: unzip,
//! `sha256sum -c --strict`, bagit-python, OpenSSL, and Python's json + hashlib.
//! `make test` installs them; this test fails (it does not skip) when one is missing.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;
use common::tool;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;

fn run(cmd: &mut Command) -> Output {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn safekeep(vault: &Path) -> Command {
    let mut c = Command::cargo_bin("safekeep").unwrap();
    c.env("SAFEKEEP_VAULT", vault)
        .env("SAFEKEEP_PASSPHRASE", "correct horse battery staple")
        .env("SAFEKEEP_INSECURE_FAST_KDF", "1");
    c
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(run(cmd).stdout).unwrap().trim().to_owned()
}

#[test]
fn exports_pass_third_party_validators() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    run(safekeep(&vault).arg("init"));
    let case = stdout(safekeep(&vault).args(["case", "new", "Messages from @example — 2026"]));
    let files = t.path().join("in");
    fs::create_dir_all(&files).unwrap();
    fs::write(
        files.join("Screenshot 2026-03-01 at 21.40.png"),
        [&b"\x89PNG\r\n\x1a\n"[..], &[9u8; 4096]].concat(),
    )
    .unwrap();
    fs::write(
        files.join("chat export (1).txt"),
        "He said: \"I'll post it\"\nÉmilie saw it too\n",
    )
    .unwrap();
    fs::write(files.join("empty.dat"), b"").unwrap();
    let mut import = safekeep(&vault);
    import.args([
        "import",
        "--case",
        &case,
        "--platform",
        "Example",
        "--account",
        "@example",
    ]);
    for f in [
        "Screenshot 2026-03-01 at 21.40.png",
        "chat export (1).txt",
        "empty.dat",
    ] {
        import.arg(files.join(f));
    }
    run(&mut import);
    run(safekeep(&vault).args([
        "note",
        "--case",
        &case,
        "He messaged again — «delete your account»",
    ]));
    let zip = t.path().join("Case for solicitor.zip");
    let sha = stdout(
        safekeep(&vault)
            .args(["export", "--case", &case, "--exhibit-prefix", "jd", "--out"])
            .arg(&zip),
    );
    assert_eq!(sha.len(), 64);
    let key = stdout(safekeep(&vault).arg("key"));

    // Our own verifier, on the zip and with the key read out by the sender.
    let report = stdout(
        safekeep(&vault)
            .arg("verify")
            .arg(&zip)
            .args(["--expect-key", &key]),
    );
    assert!(report.contains("INTACT"), "{report}");

    // Unzip with Info-ZIP, then the standard tools, from inside the bag folder.
    let out = t.path().join("unzipped");
    run(Command::new(tool("unzip"))
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&out));
    let bag = out.join("Case-for-solicitor");
    assert!(
        bag.join("data/items/JD-1-screenshot-2026-03-01-at-21-40-png/original.png")
            .is_file()
    );
    let sums = stdout(
        Command::new(tool("sha256sum"))
            .args(["-c", "--strict", "manifest-sha256.txt"])
            .current_dir(&bag),
    );
    assert_eq!(sums.lines().filter(|l| l.ends_with(": OK")).count(), 12, "{sums}");
    run(Command::new(tool("sha256sum"))
        .args(["-c", "--strict", "tagmanifest-sha256.txt"])
        .current_dir(&bag));
    run(Command::new(tool("bagit.py"))
        .args(["--validate", "."])
        .current_dir(&bag));
    let sig = stdout(
        Command::new(tool("openssl"))
            .args([
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                "signature/vault-key.pem",
                "-rawin",
            ])
            .args([
                "-in",
                "tagmanifest-sha256.txt",
                "-sigfile",
                "signature/tagmanifest-sha256.txt.sig",
            ])
            .current_dir(&bag),
    );
    assert!(sig.contains("Signature Verified Successfully"), "{sig}");
    // The audit chain recomputed by Python exactly as docs/vault.md says.
    let chain = stdout(
        Command::new(tool("python3"))
            .arg("-c")
            .arg(PY_CHAIN)
            .current_dir(&bag),
    );
    assert_eq!(chain, "chain ok: 5 events");
    // Our verifier on the unzipped folder too, also as `safekeep verify .` from inside it
    // (`.` names no folder: the bag's name must come from the folder itself).
    assert!(stdout(safekeep(&vault).arg("verify").arg(&out)).contains("INTACT"));
    let here = stdout(safekeep(&vault).args(["verify", "."]).current_dir(&bag));
    assert!(here.contains("INTACT"), "{here}");

    // A flipped byte: sha256sum, bagit and safekeep all notice.
    let victim = bag.join("data/items/JD-2-chat-export-1-txt/original.txt");
    let mut bytes = fs::read(&victim).unwrap();
    bytes[3] ^= 0x20;
    fs::write(&victim, bytes).unwrap();
    let st = Command::new(tool("sha256sum"))
        .args(["-c", "--strict", "manifest-sha256.txt"])
        .current_dir(&bag)
        .output()
        .unwrap();
    assert!(!st.status.success());
    let bg = Command::new(tool("bagit.py"))
        .args(["--validate", "."])
        .current_dir(&bag)
        .output()
        .unwrap();
    assert!(!bg.status.success());
    let ours = safekeep(&vault).arg("verify").arg(&bag).output().unwrap();
    assert_eq!(ours.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&ours.stdout).contains("original.txt: its contents changed after export")
    );
}

#[test]
fn verify_exit_codes_and_json() {
    let t = tempfile::tempdir().unwrap();
    let garbage = t.path().join("letter.zip");
    fs::write(&garbage, "Dear Sir or Madam").unwrap();
    let out = Command::cargo_bin("safekeep")
        .unwrap()
        .arg("verify")
        .arg(&garbage)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT A SAFEKEEP BUNDLE"));
    let out = Command::cargo_bin("safekeep")
        .unwrap()
        .args(["verify", "--json"])
        .arg(t.path().join("missing.zip"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "not_a_bundle");
    assert!(
        fs::read_dir(t.path()).unwrap().count() == 1,
        "verify writes nothing"
    );
}

#[test]
fn export_refuses_to_overwrite() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    run(safekeep(&vault).arg("init"));
    let case = stdout(safekeep(&vault).args(["case", "new", "c"]));
    run(safekeep(&vault).args(["note", "--case", &case, "x"]));
    let zip = t.path().join("b.zip");
    fs::write(&zip, "precious").unwrap();
    let out = safekeep(&vault)
        .args(["export", "--case", &case, "--out"])
        .arg(&zip)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwrites"));
    assert_eq!(fs::read_to_string(&zip).unwrap(), "precious");
}

const PY_CHAIN: &str = r#"
import hashlib, json
prev = bytes(32)
n = 0
for line in open("data/audit-log.jsonl", encoding="utf-8"):
    rec = json.loads(line)
    body = json.dumps(rec["event"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    prev = hashlib.sha256(prev + body.encode()).digest()
    assert prev.hex() == rec["hash"], rec["event"]["seq"]
    n += 1
print(f"chain ok: {n} events")
"#;

/// Runs Debian's `age -d` with a passphrase typed on a pseudo-terminal, as a person would
/// (age reads passphrases only from a terminal).
const PY_AGE_PTY: &str = r#"
import os, pty, sys
age, src, dst, passphrase = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(age, [age, "-d", "-o", dst, src])
seen = b""
sent = False
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if not sent and b"passphrase" in seen.lower():
        os.write(fd, passphrase.encode() + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;

#[test]
fn encrypted_exports_open_with_age_and_verify_in_place() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    run(safekeep(&vault).arg("init"));
    let case = stdout(safekeep(&vault).args(["case", "new", "c"]));
    let img = t.path().join("shot.png");
    fs::write(&img, [&b"\x89PNG\r\n\x1a\n"[..], &[9u8; 70_000]].concat()).unwrap();
    run(safekeep(&vault).args(["import", "--case", &case]).arg(&img));
    run(safekeep(&vault).args(["note", "--case", &case, "what happened"]));

    // 1. Passphrase: the name gets .age, Debian's age decrypts it to a zip that verifies.
    let bundle_pass = "send me by phone, not email";
    let out = stdout(
        safekeep(&vault)
            .args(["export", "--json", "--encrypt", "--case", &case, "--out"])
            .arg(t.path().join("case.zip"))
            .env("SAFEKEEP_BUNDLE_PASSPHRASE", bundle_pass),
    );
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sealed = t.path().join("case.zip.age");
    assert_eq!(summary["path"], sealed.to_string_lossy().as_ref());
    assert_eq!(summary["bag"], "case", "case.zip.age holds the bag of case.zip");
    assert!(
        !t.path().join("case.zip").exists(),
        "no plaintext bundle is written"
    );
    assert!(fs::read(&sealed).unwrap().starts_with(b"age-encryption.org/v1\n"));
    let plain = t.path().join("decrypted.zip");
    let age = tool("age");
    run(Command::new("python3")
        .args(["-c", PY_AGE_PTY])
        .arg(&age)
        .arg(&sealed)
        .arg(&plain)
        .arg(bundle_pass));
    let verified = safekeep(&vault).arg("verify").arg(&plain).output().unwrap();
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
    let wrong = Command::new("python3")
        .args(["-c", PY_AGE_PTY])
        .arg(&age)
        .arg(&sealed)
        .arg(t.path().join("never.zip"))
        .arg("not the passphrase")
        .output()
        .unwrap();
    assert!(!wrong.status.success());

    // 2. Safekeep verifies the .age in place with the passphrase; a wrong one is explained.
    let in_place = safekeep(&vault)
        .arg("verify")
        .arg(&sealed)
        .env("SAFEKEEP_BUNDLE_PASSPHRASE", bundle_pass)
        .output()
        .unwrap();
    assert_eq!(
        in_place.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&in_place.stdout)
    );
    let refused = safekeep(&vault)
        .arg("verify")
        .arg(&sealed)
        .env("SAFEKEEP_BUNDLE_PASSPHRASE", "not the passphrase")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stdout).contains("does not open the encrypted bundle"));
    let mut bent = fs::read(&sealed).unwrap();
    let at = bent.len() - 100;
    bent[at] ^= 1;
    let bent_path = t.path().join("bent.zip.age");
    fs::write(&bent_path, bent).unwrap();
    let altered = safekeep(&vault)
        .arg("verify")
        .arg(&bent_path)
        .env("SAFEKEEP_BUNDLE_PASSPHRASE", bundle_pass)
        .output()
        .unwrap();
    assert_ne!(altered.status.code(), Some(0), "a flipped byte is never intact");

    // 3. An age recipient: `age -d -i identity` and `safekeep verify --identity` both open it.
    let identity = t.path().join("solicitor.key");
    run(Command::new(tool("age-keygen")).arg("-o").arg(&identity));
    let keytext = fs::read_to_string(&identity).unwrap();
    let recipient = keytext
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned();
    let to_solicitor = t.path().join("for-solicitor.zip.age");
    run(safekeep(&vault)
        .args(["export", "--case", &case, "--recipient", &recipient, "--out"])
        .arg(&to_solicitor));
    let opened = t.path().join("solicitor.zip");
    run(Command::new(&age)
        .args(["-d", "-i"])
        .arg(&identity)
        .arg("-o")
        .arg(&opened)
        .arg(&to_solicitor));
    run(safekeep(&vault).arg("verify").arg(&opened));
    run(safekeep(&vault)
        .arg("verify")
        .arg("--identity")
        .arg(&identity)
        .arg(&to_solicitor));
    let bad = safekeep(&vault)
        .args(["export", "--case", &case, "--recipient", "age1notakey", "--out"])
        .arg(t.path().join("x.zip"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not an age public key"));
    assert!(!t.path().join("x.zip.age").exists() && !t.path().join("x.zip.age.part").exists());
}
