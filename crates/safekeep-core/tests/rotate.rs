//! Locking out old copies: `rotate_keys` against real vault folders, an old keyring kept
//! aside, and `kill -9` of a process rotating (this test binary, run again as a child).
#![allow(clippy::unwrap_used, missing_docs)]

use safekeep_core::Coded;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::DateTime;
use rand::{Rng, RngCore, SeedableRng};
use safekeep_core::clock::SteppingClock;
use safekeep_core::item::Context;
use safekeep_core::keyring::{KdfParams, KdfPolicy, Keyring, KeyringError};
use safekeep_core::sealed_blob::SealReader;
use safekeep_core::vault::{EncryptStep, Unlock};
use safekeep_core::{Environment, Error, Vault};
use sha2::{Digest, Sha256};

const PASS: &str = "correct horse battery staple";
const NEW_PASS: &str = "a quite different long passphrase";

fn env(seed: u64) -> Environment {
    Environment {
        clock: Box::new(SteppingClock::new(
            DateTime::parse_from_rfc3339("2026-03-01T21:40:00+01:00").unwrap(),
            chrono::Duration::seconds(1),
        )),
        rng: Box::new(rand::rngs::StdRng::seed_from_u64(seed)),
        app_version: "safekeep-test".into(),
        host: "test-host".into(),
        kdf: KdfPolicy::Fixed(KdfParams::INSECURE_FAST),
    }
}

/// Opens with a fresh seed each time: keys made from a repeated seed would repeat, and
/// rotation rightly refuses new names equal to the old ones.
fn open(dir: &Path, how: Unlock<'_>) -> Result<Vault, Error> {
    static SEED: AtomicU64 = AtomicU64::new(1000);
    let seed = SEED.fetch_add(1, Ordering::Relaxed) + 1000 * std::process::id() as u64;
    Vault::open(dir, env(seed), Some(how))
}

/// A vault with several stored files (two with the same bytes), a note, a withdrawn item
/// whose file was removed, and stored browser logins; returns the recovery key and every
/// original by SHA-256.
fn filled(dir: &Path, files: usize) -> (String, BTreeMap<String, Vec<u8>>) {
    let mut v = Vault::init(dir, env(42), Some(PASS)).unwrap();
    let recovery = v.take_recovery_key().unwrap().as_str().to_owned();
    let case = v.create_case("Rotation").unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut originals = BTreeMap::new();
    let src = dir.parent().unwrap().join("sources");
    fs::create_dir_all(&src).unwrap();
    for i in 0..files {
        let mut data = vec![0u8; rng.random_range(1..300_000)];
        rng.fill_bytes(&mut data);
        let path = src.join(format!("f{i}.bin"));
        fs::write(&path, &data).unwrap();
        v.import_file(&case, &path, Context::default(), &mut |_| {})
            .unwrap();
        originals.insert(hex::encode(Sha256::digest(&data)), data);
    }
    let again = src.join("again.bin");
    fs::write(&again, originals.values().next().unwrap()).unwrap();
    v.import_file(&case, &again, Context::default(), &mut |_| {})
        .unwrap();
    let gone = src.join("gone.bin");
    fs::write(&gone, b"withdrawn and removed").unwrap();
    let withdrawn = v
        .import_file(&case, &gone, Context::default(), &mut |_| {})
        .unwrap();
    v.withdraw(&withdrawn.id, "uploaded by mistake", true).unwrap();
    v.add_note(&case, "he posted it again", Context::default())
        .unwrap();
    let profile = v.open_browser_profile().unwrap();
    fs::write(profile.path().join("Cookies"), b"a login").unwrap();
    assert!(v.keep_browser_profile(profile).unwrap());
    (recovery, originals)
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in files(from) {
        let dest = to.join(rel);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::write(dest, bytes).unwrap();
    }
}

/// What the vault says it holds, and that every stored file reads back as its original.
fn contents(v: &mut Vault, originals: &BTreeMap<String, Vec<u8>>) -> String {
    let report = v.check(false, &mut |_| {}).unwrap();
    assert!(
        report.is_ok(),
        "check: {:?} {:?}",
        report.problems,
        report.orphans
    );
    let items = v.items(None).unwrap();
    for item in &items {
        for (i, a) in item.record.artifacts.iter().enumerate() {
            let Some(original) = originals.get(&a.sha256) else {
                continue;
            };
            if item.withdrawn.is_some() {
                continue;
            }
            let (_, _, mut r) = v.artifact_reader(&item.record.id, i).unwrap();
            let mut bytes = Vec::new();
            r.read_to_end(&mut bytes).unwrap();
            assert_eq!(&bytes, original, "item {}", item.record.id);
        }
    }
    serde_json::to_string(&items).unwrap()
}

fn blob_names(dir: &Path) -> BTreeSet<PathBuf> {
    files(&dir.join("blobs")).into_keys().collect()
}

#[test]
fn rotation_locks_out_the_old_keyring_passphrase_and_recovery_key() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("vault");
    let (old_recovery, originals) = filled(&dir, 6);
    let mut v = open(&dir, Unlock::Passphrase(PASS)).unwrap();
    let listed = contents(&mut v, &originals);
    let fingerprint = v.key().fingerprint();
    let old_copy = t.path().join("old-copy");
    copy_dir(&dir, &old_copy);
    let before = files(&dir);

    let mut steps = Vec::new();
    let mut v = v.rotate_keys(NEW_PASS, &mut |s| steps.push(s)).unwrap();
    let new_recovery = v.take_recovery_key().unwrap().as_str().to_owned();
    assert!(steps.contains(&EncryptStep::Committed));
    assert_eq!(
        contents(&mut v, &originals),
        listed,
        "every item, hash and event kept"
    );
    assert_eq!(v.key().fingerprint(), fingerprint, "the signing key is kept");
    let profile = v.open_browser_profile().unwrap();
    assert_eq!(fs::read(profile.path().join("Cookies")).unwrap(), b"a login");
    drop(profile);
    drop(v);
    assert!(!dir.join("rotating").exists());
    assert_eq!(fs::read_dir(dir.join("tmp")).unwrap().count(), 0);

    // Nothing equal is shared with the old copy: no blob name, no file's bytes.
    let after = files(&dir);
    assert!(blob_names(&dir).is_disjoint(&blob_names(&old_copy)));
    assert_eq!(blob_names(&dir).len(), blob_names(&old_copy).len());
    for (rel, bytes) in after.iter().filter(|(_, b)| !b.is_empty()) {
        assert!(
            before.values().all(|old| old != bytes),
            "{} has the same bytes as a file before the rotation",
            rel.display()
        );
    }

    // The old secrets open nothing of the rotated vault.
    assert!(matches!(
        open(&dir, Unlock::Passphrase(PASS)),
        Err(Error::Keyring(KeyringError::WrongPassphrase))
    ));
    assert!(matches!(
        open(&dir, Unlock::RecoveryKey(&old_recovery)),
        Err(Error::Keyring(KeyringError::WrongRecoveryKey))
    ));
    // Nor does the old keyring (copied aside before) with the old passphrase.
    let old_ring = Keyring::load(&old_copy.join("keys/keyring.json")).unwrap();
    let old_master = old_ring.unlock(PASS).unwrap();
    let old_key = old_master.blob_key();
    for rel in after.keys().filter(|r| r.starts_with("blobs")) {
        let read = SealReader::new(fs::File::open(dir.join(rel)).unwrap(), &old_key)
            .and_then(|mut r| r.read_to_end(&mut Vec::new()));
        assert!(read.is_err(), "the old blob key opens {}", rel.display());
    }
    let mixed = t.path().join("mixed");
    copy_dir(&dir, &mixed);
    fs::copy(
        old_copy.join("keys/keyring.json"),
        mixed.join("keys/keyring.json"),
    )
    .unwrap();
    assert!(
        open(&mixed, Unlock::Passphrase(PASS)).is_err(),
        "the old keyring opens the rotated database"
    );
    let db = rusqlite::Connection::open(dir.join("vault.db")).unwrap();
    db.execute_batch(&format!("PRAGMA key = \"{}\";", old_master.db_key().as_str()))
        .unwrap();
    assert!(
        db.query_row("SELECT count(*) FROM items", [], |r| r.get::<_, i64>(0))
            .is_err()
    );

    // The new secrets open it; the old copy is still what it was (that is the limit).
    let mut v = open(&dir, Unlock::RecoveryKey(&new_recovery)).unwrap();
    assert_eq!(contents(&mut v, &originals), listed);
    drop(v);
    let mut v = open(&dir, Unlock::Passphrase(NEW_PASS)).unwrap();
    assert_eq!(contents(&mut v, &originals), listed);
    drop(v);
    let mut old = open(&old_copy, Unlock::Passphrase(PASS)).unwrap();
    assert_eq!(contents(&mut old, &originals), listed);
}

#[test]
fn rotation_refuses_the_same_passphrase_and_an_altered_file_changing_nothing() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("vault");
    let (_, originals) = filled(&dir, 3);
    let before = files(&dir);
    let v = open(&dir, Unlock::Passphrase(PASS)).unwrap();
    let e = v.rotate_keys(PASS, &mut |_| {}).unwrap_err();
    assert_eq!(e.code(), "keys_not_changed", "{e}");

    // One byte of one stored file flipped: refused before the switch, nothing changed.
    let victim = files(&dir.join("blobs")).into_keys().next().unwrap();
    let path = dir.join("blobs").join(victim);
    let mut bytes = fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    fs::write(&path, &bytes).unwrap();
    let altered = files(&dir);
    let v = open(&dir, Unlock::Passphrase(PASS)).unwrap();
    let e = v.rotate_keys(NEW_PASS, &mut |_| {}).unwrap_err();
    assert_eq!(e.code(), "keys_not_changed", "{e}");
    assert!(e.to_string().contains("safekeep check"), "{e}");
    assert_eq!(files(&dir), altered, "nothing changed, nothing left behind");
    assert_ne!(files(&dir), before);
    assert!(open(&dir, Unlock::Passphrase(NEW_PASS)).is_err());
    drop(originals);
}

#[test]
fn a_new_recovery_key_replaces_the_old_one_in_this_keyring_only() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("vault");
    let (old_recovery, originals) = filled(&dir, 2);
    let old_copy = t.path().join("old-copy");
    copy_dir(&dir, &old_copy);
    let mut v = open(&dir, Unlock::Passphrase(PASS)).unwrap();
    let listed = contents(&mut v, &originals);
    let new_recovery = v.new_recovery_key().unwrap().as_str().to_owned();
    drop(v);
    assert!(matches!(
        open(&dir, Unlock::RecoveryKey(&old_recovery)),
        Err(Error::Keyring(KeyringError::WrongRecoveryKey))
    ));
    let mut v = open(&dir, Unlock::RecoveryKey(&new_recovery)).unwrap();
    assert_eq!(contents(&mut v, &originals), listed);
    drop(v);
    assert!(
        open(&dir, Unlock::Passphrase(PASS)).is_ok(),
        "the passphrase is unchanged"
    );
    // The documented limit: the same master key, so an old copy still opens with the
    // old sheet. Rotation is the remedy for copies.
    assert!(open(&old_copy, Unlock::RecoveryKey(&old_recovery)).is_ok());
}

const CHILD: &str = "SAFEKEEP_TEST_ROTATE_CHILD";

/// Not a test on its own: the process the kill test starts and kills. Rotates the vault
/// named in the environment, printing each step as it goes.
#[test]
fn rotating_child_process() {
    let (Ok(dir), Ok(from), Ok(to)) = (
        std::env::var(CHILD),
        std::env::var("ROTATE_FROM"),
        std::env::var("ROTATE_TO"),
    ) else {
        return;
    };
    let v = open(Path::new(&dir), Unlock::Passphrase(&from)).unwrap();
    v.rotate_keys(&to, &mut |s| println!("STEP {s:?}")).unwrap();
    println!("STEP done");
}

/// Rotation of a vault with several stored files, killed with SIGKILL at random moments
/// (after a random number of steps, plus a random delay): every time, the vault opens
/// with the old or the new passphrase, `check` is clean, and every item is as it was.
#[test]
fn rotation_killed_at_random_moments_always_leaves_a_vault_that_opens() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("vault");
    let (_, originals) = filled(&dir, 12);
    let mut v = open(&dir, Unlock::Passphrase(PASS)).unwrap();
    let listed = contents(&mut v, &originals);
    drop(v);
    let passes = [PASS, NEW_PASS];
    let mut current = 0;
    let mut rng = rand::rngs::StdRng::seed_from_u64(34);
    let (mut kept_old, mut took_new) = (0, 0);
    for round in 0..20 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "rotating_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, &dir)
            .env("ROTATE_FROM", passes[current])
            .env("ROTATE_TO", passes[1 - current])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // 12 files + orphans none: about 2 × 14 + 3 steps; some kills land after the end.
        let steps = rng.random_range(1..34);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut last = String::new();
        let mut seen = 0;
        while seen < steps {
            match lines.next() {
                Some(Ok(l)) if l.contains("STEP ") => {
                    last = l;
                    seen += 1;
                }
                Some(Ok(_)) => {}
                _ => break,
            }
        }
        std::thread::sleep(Duration::from_micros(rng.random_range(0..3000)));
        let _ = child.kill();
        let _ = child.wait();

        let opened = match open(&dir, Unlock::Passphrase(passes[current])) {
            Ok(v) => {
                kept_old += 1;
                v
            }
            Err(Error::Keyring(KeyringError::WrongPassphrase)) => {
                current = 1 - current;
                took_new += 1;
                open(&dir, Unlock::Passphrase(passes[current]))
                    .unwrap_or_else(|e| panic!("round {round}, killed after {last}: neither opens: {e}"))
            }
            Err(e) => panic!("round {round}, killed after {last}: {e}"),
        };
        let mut v = opened;
        assert_eq!(
            contents(&mut v, &originals),
            listed,
            "round {round}, after {last}"
        );
        drop(v);
        assert!(!dir.join("rotating").exists(), "round {round}");
    }
    assert!(
        kept_old >= 3 && took_new >= 3,
        "{kept_old} kept the old keys, {took_new} took the new ones"
    );
}
