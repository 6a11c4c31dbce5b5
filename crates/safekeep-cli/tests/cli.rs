//! The `safekeep` binary, run as a person or a script would run it.
#![allow(clippy::unwrap_used, missing_docs)]

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

const PASS: &str = "correct horse battery staple";

struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    vault: PathBuf,
}

impl Env {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        Self {
            vault: root.join("vault"),
            root,
            _tmp: tmp,
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("safekeep").unwrap();
        c.env("SAFEKEEP_VAULT", &self.vault)
            .env("SAFEKEEP_PASSPHRASE", PASS)
            .env("SAFEKEEP_INSECURE_FAST_KDF", "1")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }

    fn with_case(self) -> (Self, String) {
        self.ok(&["init"]);
        let case = self.ok(&["case", "new", "Posts by @someone"]).trim().to_owned();
        (self, case)
    }

    fn file(&self, name: &str, data: &[u8]) -> String {
        let p = self.root.join(name);
        fs::write(&p, data).unwrap();
        p.to_string_lossy().into_owned()
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[test]
fn help_explains_itself() {
    let e = Env::new();
    let help = e.ok(&["--help"]);
    for word in [
        "evidence", "init", "import", "note", "check", "annotate", "withdraw",
    ] {
        assert!(help.contains(word), "help lacks {word}");
    }
    assert!(e.ok(&["import", "--help"]).contains("SHA-256"));
}

#[test]
fn stdout_carries_only_ids_and_list_json_has_the_contract_fields() {
    let (e, case) = Env::new().with_case();
    assert!(is_uuid(&case), "case new prints just the id: {case:?}");
    let out = e.ok(&[
        "import",
        "--case",
        &case,
        "--platform",
        "Example",
        &e.file("a.jpg", b"\xff\xd8\xff\xe0abc"),
        &e.file("b.txt", b"hello"),
    ]);
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.iter().all(|l| is_uuid(l)), "{out:?}");
    let note = e.ok(&[
        "note",
        "--case",
        &case,
        "--incident-time",
        "2026-03-01T21:40:00+01:00",
        "It happened again",
    ]);
    assert!(is_uuid(note.trim()));
    let list: serde_json::Value = serde_json::from_str(&e.ok(&["list", "--json"])).unwrap();
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        for k in ["id", "case_id", "kind", "captured_at", "artifacts"] {
            assert!(item.get(k).is_some(), "missing {k} in {item}");
        }
        assert!(item["captured_at"].as_str().unwrap().ends_with('Z'));
        let a = &item["artifacts"][0];
        for k in ["role", "media_type", "size", "sha256"] {
            assert!(a.get(k).is_some(), "missing artifact {k}");
        }
    }
    assert_eq!(items[0]["artifacts"][0]["media_type"], "image/jpeg");
    assert_eq!(
        items[1]["artifacts"][0]["sha256"],
        hex::encode(Sha256::digest(b"hello"))
    );
    assert_eq!(items[2]["kind"], "note");
    let table = e.ok(&["list", "--case", &case[..8]]);
    assert!(table.contains("a.jpg") && table.contains("It happened again"));
    let shown = e.ok(&["show", ids[0]]);
    assert!(shown.contains("Example") && shown.contains("SHA-256"));
    assert!(e.ok(&["check"]).contains("Everything is intact"));
}

#[test]
fn annotate_withdraw_and_log() {
    let (e, case) = Env::new().with_case();
    let id = e
        .ok(&["import", "--case", &case, &e.file("x.png", b"png?")])
        .trim()
        .to_owned();
    e.ok(&[
        "annotate",
        &id,
        "--reported-to",
        "Instagram",
        "--reference",
        "T-77",
        "--reported-on",
        "2026-03-02",
    ]);
    e.ok(&["annotate", &id, "--tag", "deepfake"]);
    assert!(e.fails(&["annotate", &id]).contains("--tag"));
    assert!(
        !e.fails(&["annotate", &id, "--tag", "a", "--note", "b"])
            .is_empty()
    );
    assert!(e.fails(&["withdraw", &id, "--reason", " "]).contains("why"));
    e.ok(&["withdraw", &id, "--reason", "wrong window"]);
    let show = e.ok(&["show", &id]);
    assert!(show.contains("T-77") && show.contains("Withdrawn") && show.contains("wrong window"));
    let log = e.ok(&["log", "--case", &case]);
    let kinds: Vec<&str> = log
        .lines()
        .map(|l| l.split_whitespace().nth(2).unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "case.created",
            "item.captured",
            "item.annotated",
            "item.annotated",
            "item.withdrawn"
        ]
    );
    assert!(e.ok(&["check"]).contains("intact"));
}

#[test]
fn clear_errors_for_bad_input() {
    let e = Env::new();
    assert!(e.fails(&["list"]).contains("no Safekeep vault"));
    let (e, case) = e.with_case();
    assert!(e.fails(&["init"]).contains("already holds a Safekeep vault"));
    assert!(
        e.fails(&["import", "--case", "zzzz-none", &e.file("f", b"x")])
            .contains("no case matches")
    );
    let err = e.fails(&["import", "--case", &case, "/definitely/not/here.png"]);
    assert!(err.contains("no such file"), "{err}");
    // A folder is imported file by file, but never the vault's own folder inside it.
    let err = e.fails(&["import", "--case", &case, e.root.to_str().unwrap()]);
    assert!(err.contains("Safekeep's own vault folder"), "{err}");
    let empty = e.root.join("empty-folder");
    std::fs::create_dir_all(&empty).unwrap();
    let err = e.fails(&["import", "--case", &case, empty.to_str().unwrap()]);
    assert!(err.contains("holds no files"), "{err}");
    assert!(
        e.fails(&["note", "--case", &case, "--incident-time", "yesterday", "x"])
            .contains("incident time")
    );
    assert!(e.fails(&["show", "00000000"]).contains("no item matches"));
    // A batch with one bad file keeps the good ones and says so.
    let out = e.run(&["import", "--case", &case, &e.file("good", b"ok"), "/nope"]);
    assert!(!out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 2"));
    assert!(e.ok(&["check"]).contains("intact"));
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_import() {
    use std::os::unix::ffi::OsStrExt;
    let (e, case) = Env::new().with_case();
    let p = e.root.join(std::ffi::OsStr::from_bytes(b"\xff\xfe.bin"));
    fs::write(&p, b"data").unwrap();
    let out = e
        .cmd()
        .args(["import", "--case", &case])
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let show = e.ok(&["show", "--json", String::from_utf8_lossy(&out.stdout).trim()]);
    assert!(
        show.contains("\"original_name_bytes\": \"fffe2e62696e\""),
        "{show}"
    );
}

#[test]
fn a_vault_in_use_is_refused() {
    let (e, case) = Env::new().with_case();
    let held = safekeep_core::Vault::open(
        &e.vault,
        safekeep_core::Environment::system("test"),
        Some(safekeep_core::vault::Unlock::Passphrase(PASS)),
    )
    .unwrap();
    assert!(
        e.fails(&["note", "--case", &case, "x"])
            .contains("in use by another Safekeep")
    );
    drop(held);
    // Released at once; but another test's child process, forked while the lock file was
    // open and not yet exec'd, can hold the lock for a moment: allow for that.
    let start = Instant::now();
    while !e.run(&["note", "--case", &case, "x"]).status.success() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the vault stayed locked after it was closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_corrupted_database_is_reported_not_touched() {
    let (e, _) = Env::new().with_case();
    let db = e.vault.join("vault.db");
    let _ = fs::remove_file(e.vault.join("vault.db-wal"));
    let _ = fs::remove_file(e.vault.join("vault.db-shm"));
    fs::write(
        &db,
        b"this is not a database at all, it was overwritten by something".repeat(100),
    )
    .unwrap();
    let before = fs::read(&db).unwrap();
    let err = e.fails(&["list"]);
    assert!(err.contains("damaged"), "{err}");
    assert_eq!(fs::read(&db).unwrap(), before);
}

#[test]
fn check_names_the_case_and_event_that_broke() {
    let (e, case) = Env::new().with_case();
    let other = e.ok(&["case", "new", "Second"]).trim().to_owned();
    for i in 0..3 {
        e.ok(&["note", "--case", &case, &format!("entry {i}")]);
        e.ok(&["note", "--case", &other, &format!("other {i}")]);
    }
    let conn = rusqlite::Connection::open(e.vault.join("vault.db")).unwrap();
    let ring = safekeep_core::keyring::Keyring::load(&e.vault.join("keys/keyring.json")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"{}\";",
        ring.unlock(PASS).unwrap().db_key().as_str()
    ))
    .unwrap();
    conn.execute_batch(&format!(
        "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
         DELETE FROM events WHERE case_id = '{other}' AND seq = 3;
         UPDATE events SET at = '2020-01-01T00:00:00.000Z', body = replace(body, '\"at\":\"', '\"at\":\"1') WHERE case_id = '{case}' AND seq = 2;"
    ))
    .unwrap();
    drop(conn);
    let out = e.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "case {case} (\"Posts by @someone\"): audit log broken at event #2"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "case {other} (\"Second\"): audit log broken at event #3: is missing"
        )),
        "{text}"
    );
}

/// A real full disk: a 2 MiB tmpfs holds the vault, and a 4 MiB import must fail cleanly.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_fails_cleanly() {
    let e = Env::new();
    fs::create_dir_all(&e.vault).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&e.vault)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        return full_disk_by_file_size_limit(e);
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(e.vault.clone());
    let (e, case) = e.with_case();
    let big = e.file("big.bin", &vec![0xabu8; 4 << 20]);
    let err = e.fails(&["import", "--case", &case, &big]);
    assert!(err.contains("disk is full"), "{err}");
    assert!(err.contains("Nothing was recorded"), "{err}");
    assert!(e.ok(&["list", "--json"]).trim() == "[]");
    assert!(
        fs::read_dir(e.vault.join("tmp")).unwrap().next().is_none(),
        "no partial blob left"
    );
    assert!(e.ok(&["check"]).contains("intact"));
    e.ok(&["note", "--case", &case, "small things still fit"]);
}

/// Where mounting is not allowed, the same failure comes from the file-size limit (EFBIG).
#[cfg(target_os = "linux")]
fn full_disk_by_file_size_limit(e: Env) {
    eprintln!("mount not permitted: using a file-size limit instead of a tmpfs");
    let (e, case) = e.with_case();
    let big = e.file("big.bin", &vec![0xabu8; 4 << 20]);
    let bin = assert_cmd::cargo::cargo_bin("safekeep");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 1024; exec '{}' import --case {case} '{big}'",
            bin.display()
        ))
        .env("SAFEKEEP_VAULT", &e.vault)
        .env("SAFEKEEP_PASSPHRASE", PASS)
        .env("SAFEKEEP_INSECURE_FAST_KDF", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("disk is full"));
    assert!(e.ok(&["list", "--json"]).trim() == "[]");
    assert!(e.ok(&["check"]).contains("intact"));
}

/// Kills imports of a large file at random moments; every time, the vault stays whole.
#[test]
fn killed_imports_leave_whole_items_or_nothing() {
    let (e, case) = Env::new().with_case();
    let mut data = vec![0u8; 48 << 20];
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("crash test seed {seed} (set CRASH_SEED to repeat)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    rng.fill(&mut data[..]);
    let big = e.file("big.bin", &data);
    let want = hex::encode(Sha256::digest(&data));
    let started = Instant::now();
    e.ok(&["import", "--case", &case, &big]);
    let full = started.elapsed();
    let mut survived = 1;
    for round in 0..24 {
        // A new name each round (the same bytes, hard-linked): a file the case already
        // holds under its name is not imported twice.
        let name = e.root.join(format!("big-{round}.bin"));
        std::fs::hard_link(&big, &name).unwrap();
        let mut child = e
            .cmd()
            .args(["import", "--case", &case, name.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = full.mul_f64(rng.random_range(0.0..1.2));
        std::thread::sleep(wait);
        child.kill().unwrap();
        let status = child.wait().unwrap();
        if status.success() {
            survived += 1;
        }
        let repaired = e.run(&["check", "--repair"]);
        assert!(
            repaired.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&repaired.stdout)
        );
        assert!(e.ok(&["check"]).contains("intact"), "round {round}");
        let list: serde_json::Value = serde_json::from_str(&e.ok(&["list", "--json"])).unwrap();
        let items = list.as_array().unwrap();
        assert!(
            items.len() >= survived,
            "round {round}: a finished import was lost"
        );
        for item in items {
            assert_eq!(item["artifacts"][0]["sha256"], want.as_str());
            assert_eq!(item["artifacts"][0]["size"], data.len() as u64);
        }
        assert!(fs::read_dir(e.vault.join("tmp")).unwrap().next().is_none());
    }
    assert!(full < Duration::from_secs(120));
}

#[test]
fn note_reads_standard_input() {
    let (e, case) = Env::new().with_case();
    let mut child = e
        .cmd()
        .args(["note", "--case", &case, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("Line one\nLine two\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let id = String::from_utf8(out.stdout).unwrap();
    let shown = e.ok(&["show", "--json", id.trim()]);
    assert!(shown.contains("\"title\": \"Line one\""));
}
