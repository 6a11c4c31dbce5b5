//! Backups and restores against real folders, SQLite files and sealed blobs.
#![allow(clippy::unwrap_used, missing_docs)]

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration};
use rand::SeedableRng;
use safekeep_core::clock::SteppingClock;
use safekeep_core::item::Context;
use safekeep_core::keyring::{KdfParams, KdfPolicy};
use safekeep_core::vault::{AnnotationBody, Unlock, restore};
use safekeep_core::{Environment, Vault};
use sha2::{Digest, Sha256};

const PASS: &str = "correct horse battery staple";

fn env(seed: u64) -> Environment {
    Environment {
        clock: Box::new(SteppingClock::new(
            DateTime::parse_from_rfc3339("2026-03-01T12:00:00+00:00").unwrap(),
            Duration::seconds(1),
        )),
        rng: Box::new(rand::rngs::StdRng::seed_from_u64(seed)),
        app_version: "safekeep-test".into(),
        host: "test-host".into(),
        kdf: KdfPolicy::Fixed(KdfParams::INSECURE_FAST),
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Every artifact of every item, as (item id, SHA-256 of the bytes read back).
fn contents(v: &Vault) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in v.items(None).unwrap() {
        for i in 0..item.record.artifacts.len() {
            let (_, bytes) = v.artifact_bytes(&item.record.id, i, u64::MAX).unwrap();
            out.push((item.record.id.clone(), hex::encode(Sha256::digest(&bytes))));
        }
    }
    out
}

#[test]
fn backup_restore_round_trip_is_incremental_checked_and_private() {
    let t = tempfile::tempdir().unwrap();
    let mut v = Vault::init(&t.path().join("vault"), env(1), Some(PASS)).unwrap();
    let case = v.create_case("CASE-TITLE-MARKER-4c1d").unwrap();
    let secret = b"FILE-CONTENT-MARKER-9e2a what they sent".to_vec();
    let src = t.path().join("FILE-NAME-MARKER-77.txt");
    fs::write(&src, &secret).unwrap();
    let item = v
        .import_file(&case, &src, Context::default(), &mut |_| {})
        .unwrap();
    v.add_note(&case, "NOTE-MARKER-1f0b he posted it again", Context::default())
        .unwrap();
    v.annotate(
        &item.id,
        AnnotationBody::Tag {
            tag: "TAG-MARKER-5a5a".into(),
        },
    )
    .unwrap();

    let dir = t.path().join("usb/Safekeep backup");
    assert!(v.last_backup().unwrap().is_none());
    let never = v.backup_again(&mut |_, _| {}).unwrap_err().to_string();
    assert!(never.contains("choose a folder"), "{never}");
    let first = v.backup(&dir, &mut |_, _| {}).unwrap();
    let last = v.last_backup().unwrap().unwrap();
    assert_eq!(
        (last.dir.as_path(), last.at.as_str()),
        (dir.as_path(), first.at.as_str())
    );
    assert_eq!((first.items, first.blobs, first.copied), (2, 2, 2));

    // Ten more items: the next run copies those ten and nothing else.
    for i in 0..10 {
        let p = t.path().join(format!("more-{i}.txt"));
        fs::write(&p, format!("more {i}")).unwrap();
        v.import_file(&case, &p, Context::default(), &mut |_| {}).unwrap();
    }
    let before: Vec<PathBuf> = files_under(&dir);
    let second = v.backup_again(&mut |_, _| {}).unwrap();
    assert_eq!((second.items, second.copied), (12, 10));
    let after = files_under(&dir);
    let new_blobs = after
        .iter()
        .filter(|p| !before.contains(p) && p.starts_with(dir.join("blobs")))
        .count();
    assert_eq!(new_blobs, 10, "only the new items' files were written");
    assert_eq!(
        files_under(&dir.join("db")).len(),
        1,
        "the previous snapshot is let go"
    );
    assert!(files_under(&dir.join("tmp")).is_empty());
    let log = v.events(&case).unwrap();
    assert_eq!(log.iter().filter(|e| e.kind == "vault.backed_up").count(), 2);

    // Nothing the person typed or imported, and no evidence SHA-256, is readable there.
    let shas: Vec<String> = contents(&v).into_iter().map(|(_, s)| s).collect();
    for f in &after {
        let bytes = fs::read(f).unwrap();
        let name = f.to_string_lossy();
        for m in [
            "CASE-TITLE-MARKER",
            "FILE-CONTENT-MARKER",
            "FILE-NAME-MARKER",
            "NOTE-MARKER",
            "TAG-MARKER",
        ] {
            assert!(
                !bytes.windows(m.len()).any(|w| w == m.as_bytes()),
                "{m} in {name}"
            );
            assert!(!name.contains(m));
        }
        for sha in &shas {
            assert!(
                !bytes.windows(64).any(|w| w == sha.as_bytes()),
                "an evidence SHA-256 in {name}"
            );
            assert!(!name.contains(&sha[..16]));
        }
    }

    // The laptop is gone: restore on "another computer" and find everything.
    let expected = contents(&v);
    drop(v);
    fs::remove_dir_all(t.path().join("vault")).unwrap();
    let new = t.path().join("new computer/vault");
    let restored = restore(&dir, &new, env(2), Unlock::Passphrase(PASS)).unwrap();
    assert_eq!((restored.cases, restored.items), (1, 12));
    let mut v = Vault::open(&new, env(3), Some(Unlock::Passphrase(PASS))).unwrap();
    assert_eq!(contents(&v), expected, "every item's bytes are identical");
    assert!(v.check(false, &mut |_| {}).unwrap().is_ok());
    let log = v.events(&case).unwrap();
    assert_eq!(log.last().unwrap().kind, "vault.restored");
    let found = v
        .timeline(
            &case,
            &safekeep_core::vault::TimelineQuery {
                search: Some("posted".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(found.items.len(), 1, "the search index came back too");
    // The restored vault backs up to the same folder: it is the same vault's backup.
    v.backup(&dir, &mut |_, _| {}).unwrap();
    // Its bundle, whose audit log now holds the backup and restore events, verifies.
    let out = t.path().join("case.zip");
    let options = safekeep_core::bundle::ExportOptions {
        out: out.clone(),
        exhibit_prefix: "AB".into(),
        ..Default::default()
    };
    v.export(&case, &options, &mut |_| {}).unwrap();
    let r = safekeep_core::bundle::verify::verify_path(&out, None, None, &|_| {});
    assert_eq!(
        r.verdict,
        safekeep_core::bundle::verify::Verdict::Intact,
        "{:#?}",
        r.checks
    );
}

#[test]
fn bad_backups_and_bad_targets_are_refused_and_leave_nothing() {
    let t = tempfile::tempdir().unwrap();
    let mut v = Vault::init(&t.path().join("vault"), env(1), Some(PASS)).unwrap();
    let case = v.create_case("Case").unwrap();
    for i in 0..3 {
        v.add_note(&case, &format!("entry {i}"), Context::default())
            .unwrap();
    }
    let dir = t.path().join("backup");
    v.backup(&dir, &mut |_, _| {}).unwrap();

    // Another vault cannot use (or overwrite) this vault's backup folder.
    let mut other = Vault::init(&t.path().join("other"), env(5), Some(PASS)).unwrap();
    let err = other.backup(&dir, &mut |_, _| {}).unwrap_err().to_string();
    assert!(err.contains("another vault"), "{err}");
    // A folder with other things in it is not taken over.
    let busy = t.path().join("Documents");
    fs::create_dir(&busy).unwrap();
    fs::write(busy.join("letter.txt"), "hello").unwrap();
    let err = v.backup(&busy, &mut |_, _| {}).unwrap_err().to_string();
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(files_under(&busy).len(), 1);
    // An unencrypted vault is not backed up in the clear.
    let mut plain = Vault::init(&t.path().join("plain"), env(6), None).unwrap();
    let err = plain
        .backup(&t.path().join("plain-backup"), &mut |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("safekeep encrypt"), "{err}");
    drop(v);

    let target = t.path().join("restored");
    let err = restore(&dir, &target, env(2), Unlock::Passphrase("wrong passphrase")).unwrap_err();
    assert!(err.to_string().to_lowercase().contains("passphrase"), "{err}");
    assert!(!target.exists());
    fs::create_dir(&target).unwrap();
    let err = restore(&dir, &target, env(2), Unlock::Passphrase(PASS))
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    fs::remove_dir(&target).unwrap();

    // One flipped byte in a stored file: restore names the item and makes nothing.
    let blob = files_under(&dir.join("blobs"))[1].clone();
    let mut bytes = fs::read(&blob).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    fs::write(&blob, bytes).unwrap();
    let err = restore(&dir, &target, env(2), Unlock::Passphrase(PASS))
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not check") && err.contains("item "), "{err}");
    assert!(!target.exists());
    let leftovers: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("restoring"))
        .collect();
    assert!(leftovers.is_empty(), "no half-restored folder is left");
}
