//! Private by design: what someone who opens the vault folder can learn (nothing), wrong
//! passphrases, passphrase changes, the recovery key, and encrypting an existing vault
//! with kill -9 at many points.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use rand::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

const PASS: &str = "correct horse battery staple";

fn safekeep(vault: &Path) -> Command {
    let mut c = Command::cargo_bin("safekeep").unwrap();
    c.env("SAFEKEEP_VAULT", vault)
        .env("SAFEKEEP_PASSPHRASE", PASS)
        .env("SAFEKEEP_INSECURE_FAST_KDF", "1")
        .stdin(Stdio::null());
    c
}

fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(ok(cmd).stdout).unwrap().trim().to_owned()
}

/// Every file under `dir`, path → bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for (p, bytes) in snapshot(from) {
        let dest = to.join(p.strip_prefix(from).unwrap());
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::write(dest, bytes).unwrap();
    }
}

/// What must never be findable in an encrypted vault folder: marker strings typed or
/// imported, the image's bytes, and every original's SHA-256 in hex (both cases) and raw.
struct Secrets {
    needles: Vec<(String, Vec<u8>)>,
}

impl Secrets {
    fn new(markers: &[&str], originals: &[&[u8]]) -> Self {
        let mut needles: Vec<(String, Vec<u8>)> = markers
            .iter()
            .map(|m| (format!("marker {m}"), m.as_bytes().to_vec()))
            .collect();
        for (i, data) in originals.iter().enumerate() {
            let sha = Sha256::digest(data);
            needles.push((format!("original {i} SHA-256 (raw)"), sha.to_vec()));
            needles.push((
                format!("original {i} SHA-256 (hex)"),
                hex::encode(sha).into_bytes(),
            ));
            needles.push((
                format!("original {i} SHA-256 (HEX)"),
                hex::encode_upper(sha).into_bytes(),
            ));
            for at in (0..data.len().saturating_sub(32)).step_by(4096.max(data.len() / 64)) {
                needles.push((format!("original {i} bytes at {at}"), data[at..at + 32].to_vec()));
            }
        }
        Self { needles }
    }

    /// Scans every file under `dir` byte by byte; returns what was found, and where.
    fn found_in(&self, dir: &Path) -> Vec<String> {
        let mut hits = Vec::new();
        for (path, bytes) in snapshot(dir) {
            for (what, needle) in &self.needles {
                if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                    hits.push(format!("{what} in {}", path.display()));
                }
            }
        }
        hits
    }
}

/// Fills a vault with marked evidence; returns what must not leak.
fn fill(vault: &Path, work: &Path) -> Secrets {
    let case = stdout(safekeep(vault).args(["case", "new", "CASE-TITLE-MARKER-7f3a"]));
    let text = b"FILE-CONTENT-MARKER-91be: what they sent me".to_vec();
    let mut image = [&b"\x89PNG\r\n\x1a\n"[..], &[0u8; 300_000]].concat();
    rand::rngs::StdRng::seed_from_u64(3).fill_bytes(&mut image[8..]);
    let (t, i) = (work.join("FILE-NAME-MARKER-33.txt"), work.join("picture.png"));
    fs::write(&t, &text).unwrap();
    fs::write(&i, &image).unwrap();
    ok(safekeep(vault)
        .args([
            "import",
            "--case",
            &case,
            "--source-url",
            "https://example.com/URL-MARKER-0c11",
        ])
        .arg(&t)
        .arg(&i));
    let note = stdout(safekeep(vault).args(["note", "--case", &case, "NOTE-MARKER-5d21 he posted it again"]));
    ok(safekeep(vault).args(["annotate", &note, "--tag", "TAG-MARKER-aa01"]));
    Secrets::new(
        &[
            "CASE-TITLE-MARKER-7f3a",
            "FILE-CONTENT-MARKER-91be",
            "FILE-NAME-MARKER-33",
            "URL-MARKER-0c11",
            "NOTE-MARKER-5d21",
            "TAG-MARKER-aa01",
        ],
        &[&text, &image],
    )
}

#[test]
fn an_encrypted_vault_folder_reveals_nothing() {
    let t = tempfile::tempdir().unwrap();
    // Control: the same evidence in an unencrypted vault is found, so the scan works.
    let plain = t.path().join("plain");
    ok(safekeep(&plain).args(["init", "--no-passphrase"]));
    let secrets = fill(&plain, t.path());
    let found = secrets.found_in(&plain);
    assert!(found.iter().any(|h| h.starts_with("marker NOTE")), "{found:?}");
    assert!(
        found.iter().any(|h| h.starts_with("original 1 bytes")),
        "{found:?}"
    );

    let vault = t.path().join("vault");
    ok(safekeep(&vault).arg("init"));
    let secrets = fill(&vault, t.path());
    assert_eq!(secrets.found_in(&vault), Vec::<String>::new());
    ok(safekeep(&vault).arg("check"));
    assert_eq!(secrets.found_in(&vault), Vec::<String>::new());
}

#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    ok(safekeep(&vault).arg("init"));
    fill(&vault, t.path());
    let before = snapshot(&vault);
    let out = safekeep(&vault)
        .arg("list")
        .env("SAFEKEEP_PASSPHRASE", "correct horse battery stapler")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("that passphrase does not open this vault"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        snapshot(&vault),
        before,
        "a wrong passphrase must not modify anything"
    );
    let none = safekeep(&vault)
        .arg("list")
        .env_remove("SAFEKEEP_PASSPHRASE")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&none.stderr).contains("vault passphrase is needed"));
}

#[test]
fn the_computers_name_can_be_left_out_of_new_captures() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    ok(safekeep(&vault).arg("init"));
    let host = gethostname_of_this_machine();
    let case = stdout(safekeep(&vault).args(["case", "new", "c"]));
    assert_eq!(stdout(safekeep(&vault).arg("host-name")), "on");
    let before = stdout(safekeep(&vault).args(["note", "--case", &case, "before"]));
    assert_eq!(stdout(safekeep(&vault).args(["host-name", "off"])), "off");
    let after = stdout(safekeep(&vault).args(["note", "--case", &case, "after"]));
    let shown = |id: &str| stdout(safekeep(&vault).args(["show", id]));
    assert!(
        shown(&before).contains(&host),
        "items captured before keep the name"
    );
    let later = shown(&after);
    assert!(
        later.contains("not recorded") && !later.contains(&host),
        "{later}"
    );
    let record = stdout(safekeep(&vault).args(["show", &after, "--json"]));
    assert!(
        record.contains("\"host\":\"\"") || record.contains("\"host\": \"\""),
        "{record}"
    );
}

fn gethostname_of_this_machine() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned()
}

fn recovery_key_in(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 39 && l.split('-').count() == 8)
        .expect("a recovery key is printed")
        .to_owned()
}

#[test]
fn passphrase_change_and_recovery_keep_all_data() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    let init = ok(safekeep(&vault).arg("init"));
    let recovery = recovery_key_in(&init.stderr);
    let fingerprint = String::from_utf8(init.stdout).unwrap();
    fill(&vault, t.path());
    let listed = stdout(safekeep(&vault).args(["list", "--json"]));

    let new_pass = t.path().join("new.txt");
    fs::write(&new_pass, "a different long passphrase\n").unwrap();
    ok(safekeep(&vault)
        .args(["passphrase", "change", "--new-passphrase-file"])
        .arg(&new_pass));
    assert!(
        !safekeep(&vault).arg("list").status().unwrap().success(),
        "the old passphrase no longer opens it"
    );
    let with_new = |c: &mut Command| -> String { stdout(c.arg("--passphrase-file").arg(&new_pass)) };
    assert_eq!(with_new(safekeep(&vault).args(["list", "--json"])), listed);
    assert!(with_new(safekeep(&vault).arg("check")).contains("intact"));
    assert_eq!(with_new(safekeep(&vault).arg("key")), fingerprint.trim());

    let rec_file = t.path().join("rec.txt");
    fs::write(&rec_file, "WRONG-KEY0-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF").unwrap();
    let third = t.path().join("third.txt");
    fs::write(&third, "third passphrase, after forgetting\n").unwrap();
    let bad = safekeep(&vault)
        .args(["passphrase", "recover", "--recovery-key-file"])
        .arg(&rec_file)
        .arg("--new-passphrase-file")
        .arg(&third)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("recovery key does not open this vault"));
    fs::write(&rec_file, recovery.to_lowercase()).unwrap();
    ok(safekeep(&vault)
        .args(["passphrase", "recover", "--recovery-key-file"])
        .arg(&rec_file)
        .arg("--new-passphrase-file")
        .arg(&third));
    assert_eq!(
        stdout(
            safekeep(&vault)
                .args(["list", "--json"])
                .arg("--passphrase-file")
                .arg(&third)
        ),
        listed
    );
}

/// Encrypting an existing vault, killed with SIGKILL after each of many progress lines:
/// every time the vault opens, `check` calls it intact, and nothing was lost. Running
/// `encrypt` again finishes the job.
#[test]
fn encrypting_in_place_survives_kill_9_at_every_step() {
    let t = tempfile::tempdir().unwrap();
    let pristine = t.path().join("pristine");
    ok(safekeep(&pristine).args(["init", "--no-passphrase"]));
    let secrets = fill(&pristine, t.path());
    let case = stdout(safekeep(&pristine).args(["case", "new", "more"]));
    let files: Vec<PathBuf> = (0..16)
        .map(|i| {
            let p = t.path().join(format!("f{i}.bin"));
            let mut data = vec![0u8; 512 << 10];
            rand::rngs::StdRng::seed_from_u64(i).fill_bytes(&mut data);
            fs::write(&p, data).unwrap();
            p
        })
        .collect();
    ok(safekeep(&pristine).args(["import", "--case", &case]).args(&files));
    let listed = stdout(safekeep(&pristine).args(["list", "--json"]));
    let fingerprint = stdout(safekeep(&pristine).arg("key"));

    let (mut before_commit, mut after_commit) = (0, 0);
    for kill_after in [1, 2, 5, 9, 14, 18, 19, 20, 21, 22, 25, 30, 36, 39] {
        let vault = t.path().join(format!("v{kill_after}"));
        copy_dir(&pristine, &vault);
        let mut child = safekeep(&vault)
            .arg("encrypt")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut last = String::new();
        for _ in 0..kill_after {
            match lines.next() {
                Some(Ok(l)) => last = l,
                _ => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        if vault.join("keys/keyring.json").exists() {
            after_commit += 1;
        } else {
            before_commit += 1;
        }
        let check = safekeep(&vault).arg("check").output().unwrap();
        assert!(
            check.status.success(),
            "killed after \"{last}\": {}",
            String::from_utf8_lossy(&check.stdout)
        );
        assert_eq!(
            stdout(safekeep(&vault).args(["list", "--json"])),
            listed,
            "after \"{last}\""
        );
        assert_eq!(stdout(safekeep(&vault).arg("key")), fingerprint);
        if !vault.join("keys/keyring.json").exists() {
            ok(safekeep(&vault).arg("encrypt"));
        }
        assert!(stdout(safekeep(&vault).arg("check")).contains("intact"));
        assert_eq!(stdout(safekeep(&vault).args(["list", "--json"])), listed);
        assert_eq!(secrets.found_in(&vault), Vec::<String>::new(), "after \"{last}\"");
        assert!(!vault.join("encrypting").exists());
    }
    assert!(
        before_commit >= 3 && after_commit >= 3,
        "{before_commit} before, {after_commit} after the switch"
    );
}

/// `passphrase change --new-keys` and `passphrase new-recovery-key`: the old passphrase
/// and recovery key stop opening the vault, the new ones open it with everything in it,
/// and each command says plainly what it does not do for copies made before.
#[test]
fn new_keys_lock_out_the_old_secrets_and_say_what_copies_keep() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    let init = ok(safekeep(&vault).arg("init"));
    let old_recovery = recovery_key_in(&init.stderr);
    let fingerprint = String::from_utf8(init.stdout).unwrap();
    fill(&vault, t.path());
    ok(safekeep(&vault).args(["backup"]).arg(t.path().join("backup")));
    let listed = stdout(safekeep(&vault).args(["list", "--json"]));

    let plain = t.path().join("plain.txt");
    fs::write(&plain, format!("{PASS}, but longer\n")).unwrap();
    let out = ok(safekeep(&vault)
        .args(["passphrase", "change", "--new-passphrase-file"])
        .arg(&plain));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("does not lock out copies") && said.contains("--new-keys"),
        "{said}"
    );

    let new_pass = t.path().join("new.txt");
    fs::write(&new_pass, "an entirely new long passphrase\n").unwrap();
    let out = ok(safekeep(&vault)
        .args(["passphrase", "change", "--new-keys", "--new-passphrase-file"])
        .arg(&new_pass)
        .arg("--passphrase-file")
        .arg(&plain));
    let said = String::from_utf8_lossy(&out.stderr);
    let new_recovery = recovery_key_in(&out.stderr);
    assert!(said.contains("still open with the old secrets"), "{said}");
    assert!(
        said.contains("safekeep backup") && said.contains("backup"),
        "{said}"
    );
    assert!(!vault.join("rotating").exists());

    let with =
        |file: &Path, c: &mut Command| -> Output { c.arg("--passphrase-file").arg(file).output().unwrap() };
    assert!(!with(&plain, safekeep(&vault).arg("list")).status.success());
    let rec_file = t.path().join("rec.txt");
    fs::write(&rec_file, &old_recovery).unwrap();
    let third = t.path().join("third.txt");
    fs::write(&third, "third passphrase, after forgetting\n").unwrap();
    let recover = |key: &str| {
        fs::write(&rec_file, key).unwrap();
        safekeep(&vault)
            .args(["passphrase", "recover", "--recovery-key-file"])
            .arg(&rec_file)
            .arg("--new-passphrase-file")
            .arg(&third)
            .output()
            .unwrap()
    };
    assert!(
        !recover(&old_recovery).status.success(),
        "the old recovery key is refused"
    );
    assert_eq!(
        stdout(
            safekeep(&vault)
                .args(["list", "--json"])
                .arg("--passphrase-file")
                .arg(&new_pass)
        ),
        listed
    );
    assert!(
        stdout(
            safekeep(&vault)
                .arg("check")
                .arg("--passphrase-file")
                .arg(&new_pass)
        )
        .contains("intact")
    );
    assert_eq!(
        stdout(
            safekeep(&vault)
                .arg("key")
                .arg("--passphrase-file")
                .arg(&new_pass)
        ),
        fingerprint.trim()
    );

    let out = ok(safekeep(&vault)
        .args(["passphrase", "new-recovery-key", "--passphrase-file"])
        .arg(&new_pass));
    let newest = recovery_key_in(&out.stderr);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not lock out copies"));
    assert!(
        !recover(&new_recovery).status.success(),
        "the replaced recovery key is refused"
    );
    ok(&mut {
        fs::write(&rec_file, &newest).unwrap();
        let mut c = safekeep(&vault);
        c.args(["passphrase", "recover", "--recovery-key-file"])
            .arg(&rec_file)
            .arg("--new-passphrase-file")
            .arg(&third);
        c
    });
    assert_eq!(
        stdout(
            safekeep(&vault)
                .args(["list", "--json"])
                .arg("--passphrase-file")
                .arg(&third)
        ),
        listed
    );
}
