//! Integration tests of the vault against real SQLite files and real blob folders.
#![allow(clippy::unwrap_used, missing_docs)]

use safekeep_core::Coded;
use std::fs;
use std::path::Path;

use chrono::{DateTime, Duration};
use rand::SeedableRng;
use rusqlite::Connection;
use safekeep_core::clock::SteppingClock;
use safekeep_core::item::{Context, ItemKind};
use safekeep_core::keyring::{KdfParams, KdfPolicy, Keyring};
use safekeep_core::vault::Unlock;
use safekeep_core::vault::{AnnotationBody, Problem};
use safekeep_core::{Environment, Error, Vault};
use sha2::{Digest, Sha256};

fn env(seed: u64) -> Environment {
    Environment {
        clock: Box::new(SteppingClock::new(
            DateTime::parse_from_rfc3339("2026-03-01T21:40:00+01:00").unwrap(),
            Duration::seconds(1),
        )),
        rng: Box::new(rand::rngs::StdRng::seed_from_u64(seed)),
        app_version: "safekeep-test".into(),
        host: "test-host".into(),
        kdf: KdfPolicy::Fixed(KdfParams::INSECURE_FAST),
    }
}

const PASS: &str = "correct horse battery staple";

/// Every test runs on an encrypted vault, as users get by default.
fn new_vault(dir: &Path) -> Vault {
    Vault::init(&dir.join("vault"), env(42), Some(PASS)).unwrap()
}

fn open(dir: &Path, seed: u64) -> Result<Vault, Error> {
    Vault::open(dir, env(seed), Some(Unlock::Passphrase(PASS)))
}

/// Opens the vault's database directly, as someone editing the file by hand would.
fn raw_db(vault_dir: &Path) -> Connection {
    let conn = Connection::open(vault_dir.join("vault.db")).unwrap();
    let ring = Keyring::load(&vault_dir.join("keys/keyring.json")).unwrap();
    let key = ring.unlock(PASS).unwrap().db_key();
    conn.execute_batch(&format!("PRAGMA key = \"{}\";", key.as_str()))
        .unwrap();
    conn
}

fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, data).unwrap();
    p
}

#[test]
fn import_keeps_bytes_exact_and_records_metadata() {
    let t = tempfile::tempdir().unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("Posts").unwrap();
    let png = [
        &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
        &[7u8; 5000],
    ]
    .concat();
    let src = write(t.path(), "shot.png", &png);
    let ctx = Context {
        platform: Some("Example".into()),
        source_url: Some("https://example.com/p/1".into()),
        ..Context::default()
    };
    let rec = v.import_file(&case, &src, ctx, &mut |_| {}).unwrap();
    assert_eq!(rec.kind, ItemKind::File);
    assert_eq!(
        rec.captured_at, "2026-03-01T20:40:02.000Z",
        "third clock reading: init, case, capture"
    );
    assert_eq!(rec.utc_offset, "+01:00");
    assert_eq!(rec.host, "test-host");
    let a = &rec.artifacts[0];
    assert_eq!(a.media_type, "image/png");
    assert_eq!(a.size, png.len() as u64);
    assert_eq!(a.sha256, sha(&png));
    assert_eq!(a.original_name.as_deref(), Some("shot.png"));
    assert!(a.modified_at.is_some());
    let view = v.item(&rec.id[..8]).unwrap();
    assert_eq!(view.record, rec);
    // The stored blob is byte-exact and not named by its content hash.
    let files = v.blobs().list().unwrap();
    assert_eq!(files.len(), 1);
    let mut stored = Vec::new();
    std::io::Read::read_to_end(
        &mut v.blobs().open(files[0].1.as_ref().unwrap()).unwrap(),
        &mut stored,
    )
    .unwrap();
    assert_eq!(stored, png);
    let on_disk = fs::read(&files[0].0).unwrap();
    assert!(
        !on_disk.windows(png.len()).any(|w| w == png),
        "the blob is sealed on disk"
    );
    assert!(!files[0].0.to_string_lossy().contains(&a.sha256[2..]));
    assert!(v.check(false, &mut |_| {}).unwrap().is_ok());
}

#[test]
fn zero_byte_files_are_evidence() {
    let t = tempfile::tempdir().unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("c").unwrap();
    let rec = v
        .import_file(
            &case,
            &write(t.path(), "empty", b""),
            Context::default(),
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(rec.artifacts[0].size, 0);
    assert_eq!(rec.artifacts[0].sha256, sha(b""));
    assert!(v.check(false, &mut |_| {}).unwrap().is_ok());
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_kept_as_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let t = tempfile::tempdir().unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("c").unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    let p = t.path().join(name);
    fs::write(&p, b"x").unwrap();
    let rec = v.import_file(&case, &p, Context::default(), &mut |_| {}).unwrap();
    assert_eq!(rec.artifacts[0].original_name.as_deref(), Some("caf\u{fffd}.txt"));
    assert_eq!(
        rec.artifacts[0].original_name_bytes.as_deref(),
        Some("636166e92e747874")
    );
}

#[test]
fn bad_inputs_are_refused_and_record_nothing() {
    let t = tempfile::tempdir().unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("c").unwrap();
    let missing = v.import_file(&case, &t.path().join("nope"), Context::default(), &mut |_| {});
    assert!(
        matches!(&missing, Err(Error::Input { reason, .. }) if reason.contains("no such file")),
        "{missing:?}"
    );
    let dir = v.import_file(&case, t.path(), Context::default(), &mut |_| {});
    assert!(
        matches!(&dir, Err(Error::Input { reason, .. }) if reason.contains("folder")),
        "{dir:?}"
    );
    let unknown = v.import_file(
        "no-such-case",
        &write(t.path(), "f", b"x"),
        Context::default(),
        &mut |_| {},
    );
    assert!(matches!(unknown, Err(Error::NotFound { what: "case", .. })));
    #[cfg(target_os = "linux")]
    {
        // /proc/self/mem is a regular file whose first page cannot be read (EIO).
        let unreadable = v.import_file(
            &case,
            Path::new("/proc/self/mem"),
            Context::default(),
            &mut |_| {},
        );
        assert!(
            matches!(&unreadable, Err(Error::Input { reason, .. }) if reason.contains("reading it failed")),
            "{unreadable:?}"
        );
    }
    let bad_time = Context {
        incident_time: Some("last tuesday".into()),
        ..Context::default()
    };
    assert!(matches!(
        v.add_note(&case, "text", bad_time),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        v.add_note(&case, "  ", Context::default()),
        Err(Error::Invalid(_))
    ));
    assert!(v.items(None).unwrap().is_empty());
    let report = v.check(false, &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, 1, "only the case creation is logged");
}

#[test]
fn a_file_that_changes_while_imported_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("c").unwrap();
    let src = write(t.path(), "growing.log", &vec![1u8; 3 << 20]);
    let mut touched = false;
    // Rewrite the middle of the file (same size) while it is being copied.
    let result = v.import_file(&case, &src, Context::default(), &mut |p| {
        if !touched && p.done >= 1 << 20 {
            touched = true;
            let mut data = fs::read(&src).unwrap();
            data[2 << 20] = 9;
            data[10] = 9;
            fs::write(&src, data).unwrap();
        }
    });
    assert!(matches!(result, Err(Error::SourceChanged { .. })), "{result:?}");
    assert!(v.items(None).unwrap().is_empty());
    assert!(
        v.blobs().list().unwrap().is_empty(),
        "the staged copy was removed"
    );
}

#[test]
fn notes_are_sealed_like_files() {
    let t = tempfile::tempdir().unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("c").unwrap();
    let ctx = Context {
        incident_time: Some("2026-02-28T23:10:00+00:00".into()),
        ..Context::default()
    };
    let rec = v
        .add_note(
            &case,
            "He sent the picture to my sister.\nThen he deleted it.",
            ctx,
        )
        .unwrap();
    assert_eq!(rec.kind, ItemKind::Note);
    assert_eq!(rec.title, "He sent the picture to my sister.");
    assert_eq!(
        rec.context.incident_time.as_deref(),
        Some("2026-02-28T23:10:00+00:00")
    );
    assert_eq!(
        rec.artifacts[0].sha256,
        sha(b"He sent the picture to my sister.\nThen he deleted it.")
    );
}

#[test]
fn a_note_record_from_before_the_incident_fields_reads_and_writes_back_byte_for_byte() {
    // The context exactly as a note made before the structured fields sealed it: the
    // record hash covers this serialisation, so it must come back unchanged.
    let old = r#"{"title":"Earlier","incident_time":"2026-02-28T23:10:00+00:00"}"#;
    let ctx: Context = serde_json::from_str(old).unwrap();
    assert!(ctx.incident.is_none());
    assert_eq!(serde_json::to_string(&ctx).unwrap(), old);
}

#[test]
fn each_unlock_keeps_the_one_before_it_inside_the_encrypted_database() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("vault");
    drop(new_vault(t.path()));
    let mut first = open(&dir, 1).unwrap();
    assert_eq!(first.mark_opened().unwrap(), None, "never opened before");
    assert_eq!(first.previous_opening().unwrap(), None);
    drop(first);
    let mut second = open(&dir, 2).unwrap();
    let previous = second.mark_opened().unwrap().unwrap();
    assert_eq!(
        second.previous_opening().unwrap().as_deref(),
        Some(previous.as_str())
    );
    assert!(previous.starts_with("2026-03-01T21:40"), "{previous}");
    drop(second);
    // Only inside the database, which is encrypted: nothing in the clear says when.
    let db = fs::read(dir.join("vault.db")).unwrap();
    assert!(!db.windows(b"opened.at".len()).any(|w| w == b"opened.at"));
    let value: String = raw_db(&dir)
        .query_row("SELECT value FROM meta WHERE key = 'opened.previous'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(value, previous);
}

#[test]
fn annotations_and_withdrawal_never_rewrite_the_item() {
    let t = tempfile::tempdir().unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("c").unwrap();
    let a = v
        .import_file(
            &case,
            &write(t.path(), "a", b"same"),
            Context::default(),
            &mut |_| {},
        )
        .unwrap();
    let b = v
        .import_file(
            &case,
            &write(t.path(), "b", b"same"),
            Context::default(),
            &mut |_| {},
        )
        .unwrap();
    v.annotate(
        &a.id,
        AnnotationBody::Tag {
            tag: "instagram".into(),
        },
    )
    .unwrap();
    v.annotate(
        &a.id,
        AnnotationBody::Report {
            reported_to: "Instagram".into(),
            reported_on: Some("2026-03-02".into()),
            reference: Some("T-1".into()),
            outcome: None,
        },
    )
    .unwrap();
    let view = v.item(&a.id).unwrap();
    assert_eq!(view.record, a);
    assert_eq!(view.annotations.len(), 2);
    // Same bytes are stored once; withdrawing one item keeps the blob the other needs.
    assert_eq!(v.blobs().list().unwrap().len(), 1);
    v.withdraw(&a.id, "wrong file", true).unwrap();
    assert_eq!(v.blobs().list().unwrap().len(), 1);
    assert!(matches!(v.withdraw(&a.id, "again", true), Err(Error::Invalid(_))));
    v.withdraw(&b.id, "also wrong", true).unwrap();
    assert!(v.blobs().list().unwrap().is_empty());
    let log = v.events(&case).unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.kind, "item.withdrawn");
    assert!(
        last.body.contains(&sha(b"same")),
        "the log keeps the withdrawn item's hash"
    );
    assert!(v.check(false, &mut |_| {}).unwrap().is_ok());
}

#[test]
fn case_rename_is_logged_and_keeps_the_id() {
    let t = tempfile::tempdir().unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("Old").unwrap();
    v.rename_case(&case[..6], "New").unwrap();
    let cases = v.cases().unwrap();
    assert_eq!(
        (cases[0].id.as_str(), cases[0].title.as_str()),
        (case.as_str(), "New")
    );
    let log = v.events(&case).unwrap();
    assert_eq!(
        log[1].body,
        format!(
            r#"{{"at":"2026-03-01T20:40:02.000Z","case":"{case}","data":{{"from":"Old","to":"New"}},"seq":2,"type":"case.renamed","v":1}}"#
        )
    );
}

#[test]
fn same_inputs_give_the_same_chain() {
    let run = |dir: &Path| {
        let mut v = Vault::init(dir, env(7), Some(PASS)).unwrap();
        let case = v.create_case("c").unwrap();
        v.add_note(&case, "one", Context::default()).unwrap();
        v.events(&case).unwrap().last().unwrap().hash.clone()
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(run(a.path()), run(b.path()));
}

fn tamper(vault_dir: &Path, sql: &str) {
    let conn = raw_db(vault_dir);
    conn.execute_batch("DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;")
        .unwrap();
    conn.execute_batch(sql).unwrap();
}

fn chain_problem(report: &safekeep_core::vault::CheckReport) -> (String, u64) {
    let chains: Vec<_> = report
        .problems
        .iter()
        .filter(|p| matches!(p, Problem::Chain { .. }))
        .collect();
    match chains.as_slice() {
        [Problem::Chain { case_id, seq, .. }] => (case_id.clone(), *seq),
        other => panic!("expected one chain problem, got {other:?}"),
    }
}

#[test]
fn the_log_refuses_updates_and_check_finds_edits() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("vault");
    let (case, other) = {
        let mut v = new_vault(t.path());
        let other = v.create_case("untouched").unwrap();
        let case = v.create_case("c").unwrap();
        for i in 0..4 {
            v.add_note(&case, &format!("note {i}"), Context::default())
                .unwrap();
        }
        v.add_note(&other, "fine", Context::default()).unwrap();
        (case, other)
    };
    let conn = raw_db(&dir);
    assert!(
        conn.execute("DELETE FROM events WHERE seq = 2", []).is_err(),
        "append-only trigger"
    );
    drop(conn);

    tamper(
        &dir,
        &format!(
            "UPDATE events SET body = replace(body, 'note 1', 'note X') WHERE case_id = '{case}' AND seq = 3"
        ),
    );
    let report = open(&dir, 1).unwrap().check(false, &mut |_| {}).unwrap();
    assert_eq!(chain_problem(&report), (case.clone(), 3));
    // The edited capture event no longer matches the item it sealed, and check says so.
    assert!(
        report
            .problems
            .iter()
            .any(|p| matches!(p, Problem::ItemUnsealed { .. }))
    );
    assert!(!report.problems.iter().any(|p| format!("{p:?}").contains(&other)));
}

#[test]
fn check_finds_a_deleted_event_and_a_truncated_log() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("vault");
    let case = {
        let mut v = new_vault(t.path());
        let case = v.create_case("c").unwrap();
        for i in 0..4 {
            v.add_note(&case, &format!("note {i}"), Context::default())
                .unwrap();
        }
        case
    };
    tamper(&dir, "DELETE FROM events WHERE seq = 5");
    let report = open(&dir, 1).unwrap().check(false, &mut |_| {}).unwrap();
    assert!(
        matches!(report.problems.as_slice(), [Problem::ChainTruncated { case_id, recorded: 5, found: 4, .. }, ..] if *case_id == case),
        "{:?}",
        report.problems
    );
    tamper(&dir, "DELETE FROM events WHERE seq = 2");
    let report = open(&dir, 1).unwrap().check(false, &mut |_| {}).unwrap();
    assert_eq!(chain_problem(&report).1, 2);
}

/// An event correctly chained into case `case`'s log (as a forged bundle opened as a case
/// would carry it) that annotates `item`, which may belong to any case.
fn append_forged_annotation(vault_dir: &Path, case: &str, item: &str) {
    use safekeep_core::audit_log::{Event, chain_hash};
    let conn = raw_db(vault_dir);
    let (count, head): (u64, String) = conn
        .query_row(
            "SELECT event_count, head_hash FROM cases WHERE id = ?1",
            [case],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let event = Event {
        case_id: case.to_owned(),
        seq: count + 1,
        at: "2026-03-02T10:00:00Z".into(),
        kind: "item.annotated".into(),
        data: serde_json::json!({"annotation": {"item_id": item, "kind": "note", "body": {"text": "forged"}}}),
    };
    let body = event.canonical_bytes();
    let prev: [u8; 32] = hex::decode(&head).unwrap().try_into().unwrap();
    let hash = hex::encode(chain_hash(&prev, &body));
    conn.execute(
        "INSERT INTO events (case_id, seq, type, at, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![case, count + 1, event.kind, event.at, String::from_utf8(body).unwrap(), head, hash],
    )
    .unwrap();
    conn.execute(
        "UPDATE cases SET event_count = ?2, head_hash = ?3 WHERE id = ?1",
        rusqlite::params![case, count + 1, hash],
    )
    .unwrap();
}

#[test]
fn check_finds_an_event_about_another_cases_item() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("vault");
    let (case, target) = {
        let mut v = new_vault(t.path());
        let other = v.create_case("someone else").unwrap();
        let target = v.add_note(&other, "theirs", Context::default()).unwrap();
        let case = v.create_case("opened from a bundle").unwrap();
        v.add_note(&case, "ours", Context::default()).unwrap();
        assert!(v.check(false, &mut |_| {}).unwrap().is_ok());
        (case, target.id)
    };
    append_forged_annotation(&dir, &case, &target);
    let report = open(&dir, 1).unwrap().check(false, &mut |_| {}).unwrap();
    match report.problems.as_slice() {
        [
            Problem::EventReachesOutside {
                case_id,
                seq,
                item_id,
                ..
            },
        ] => {
            assert_eq!((case_id, item_id), (&case, &target));
            assert_eq!(*seq, 3);
        }
        other => panic!("expected one event reaching outside its case, got {other:?}"),
    }
    assert!(report.problems[0].to_string().contains("did not capture"));
}

#[test]
fn check_finds_altered_and_missing_blobs_and_repairs_only_orphans() {
    let t = tempfile::tempdir().unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("c").unwrap();
    let a = v
        .import_file(
            &case,
            &write(t.path(), "a", b"aaaa"),
            Context::default(),
            &mut |_| {},
        )
        .unwrap();
    let b = v
        .import_file(
            &case,
            &write(t.path(), "b", b"bbbb"),
            Context::default(),
            &mut |_| {},
        )
        .unwrap();
    let files = v.blobs().list().unwrap();
    let path_of = |sha: &str| {
        let bytes: [u8; 32] = hex::decode(sha).unwrap().try_into().unwrap();
        v.blobs().path_of(&v.blobs().name_for(&bytes))
    };
    let (pa, pb) = (path_of(&a.artifacts[0].sha256), path_of(&b.artifacts[0].sha256));
    assert_eq!(files.len(), 2);
    fs::write(&pa, b"aaab").unwrap();
    fs::remove_file(&pb).unwrap();
    let stray = v.blobs().tmp_dir().join("crashed.part");
    fs::write(&stray, b"half").unwrap();
    let report = v.check(true, &mut |_| {}).unwrap();
    assert!(!report.is_ok());
    assert!(
        report
            .problems
            .iter()
            .any(|p| matches!(p, Problem::BlobAltered { item_id, .. } if *item_id == a.id))
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| matches!(p, Problem::BlobMissing { item_id, .. } if *item_id == b.id))
    );
    assert_eq!(report.removed, vec![stray.clone()]);
    assert!(!stray.exists());
    assert!(
        pa.exists(),
        "repair never touches evidence, even altered evidence"
    );
}

#[test]
fn refuses_a_vault_from_a_newer_version_without_touching_it() {
    let t = tempfile::tempdir().unwrap();
    drop(new_vault(t.path()));
    let dir = t.path().join("vault");
    raw_db(&dir).pragma_update(None, "user_version", 99).unwrap();
    let before = fs::read(dir.join("vault.db")).unwrap();
    let err = open(&dir, 1).unwrap_err();
    assert!(matches!(err, Error::SchemaTooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("newer version"));
    assert_eq!(fs::read(dir.join("vault.db")).unwrap(), before);
}

#[test]
fn refuses_a_corrupted_database_and_a_second_opener() {
    let t = tempfile::tempdir().unwrap();
    let v = new_vault(t.path());
    let dir = t.path().join("vault");
    let second = open(&dir, 1).unwrap_err();
    assert!(matches!(second, Error::Locked(_)), "{second}");
    drop(v);
    fs::remove_file(dir.join("vault.db-wal")).ok();
    fs::remove_file(dir.join("vault.db-shm")).ok();
    fs::write(dir.join("vault.db"), vec![0x5a; 8192]).unwrap();
    let err = open(&dir, 1).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert_eq!(err.code(), "vault_corrupt");
}

#[test]
fn init_refuses_existing_vaults_and_busy_folders() {
    let t = tempfile::tempdir().unwrap();
    drop(new_vault(t.path()));
    assert!(matches!(
        Vault::init(&t.path().join("vault"), env(1), Some(PASS)),
        Err(Error::AlreadyAVault(_))
    ));
    write(t.path(), "other.txt", b"x");
    assert!(matches!(
        Vault::init(t.path(), env(1), Some(PASS)),
        Err(Error::FolderNotEmpty(_))
    ));
    assert!(matches!(
        open(&t.path().join("nowhere"), 1),
        Err(Error::NotAVault(_))
    ));
}

/// Long paths (past Windows' old 260-character limit) and a long file name: a vault deep
/// in folders imports, exports and verifies (runs on every system; it matters on Windows).
#[test]
fn a_vault_deep_in_long_paths_imports_exports_and_verifies() {
    let t = tempfile::tempdir().unwrap();
    let mut deep = t.path().to_path_buf();
    while deep.as_os_str().len() < 300 {
        deep.push("a-folder-name-of-forty-characters-long-x");
    }
    fs::create_dir_all(&deep).unwrap();
    let mut v = new_vault(&deep);
    let case = v.create_case("Deep").unwrap();
    let name = format!("{}.txt", "n".repeat(200));
    let r = v
        .import_file(
            &case,
            &write(&deep, &name, b"far down"),
            Context::default(),
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(r.artifacts[0].original_name.as_deref(), Some(name.as_str()));
    let out = deep.join("deep.zip");
    v.export(
        &case,
        &safekeep_core::bundle::ExportOptions {
            out: out.clone(),
            exhibit_prefix: "AB".into(),
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap();
    let report = safekeep_core::bundle::verify::verify_path(&out, None, None, &|_| {});
    assert_eq!(
        report.verdict,
        safekeep_core::bundle::Verdict::Intact,
        "{:#?}",
        report.checks
    );
}

/// Windows paths as people type them: a drive letter and backslashes. The record keeps
/// the file's own name only, and a folder's files their `/`-separated path inside it.
#[cfg(windows)]
#[test]
fn windows_paths_with_drive_letters_and_backslashes_are_understood() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().to_str().unwrap().replace('/', "\\");
    assert!(root.as_bytes().get(1) == Some(&b':'), "a drive letter: {root}");
    fs::create_dir_all(format!("{root}\\phone\\DCIM")).unwrap();
    fs::write(format!("{root}\\phone\\DCIM\\IMG_0001.txt"), b"a picture, say").unwrap();
    let mut v = new_vault(t.path());
    let case = v.create_case("Phone").unwrap();
    let one = v
        .import_file(
            &case,
            Path::new(&format!("{root}\\phone\\DCIM\\IMG_0001.txt")),
            Context::default(),
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(one.artifacts[0].original_name.as_deref(), Some("IMG_0001.txt"));
    let other = t.path().join("other");
    fs::create_dir_all(format!("{root}\\other\\DCIM")).unwrap();
    fs::write(format!("{root}\\other\\DCIM\\IMG_0002.txt"), b"another").unwrap();
    let batch = v
        .import_files(
            &case,
            &[std::path::PathBuf::from(format!("{root}\\other"))],
            &Context::default(),
            &mut |_| {},
            &|| false,
        )
        .unwrap();
    assert!(other.exists());
    match batch[0].1.as_ref().unwrap() {
        safekeep_core::vault::Imported::New(rec) => {
            assert_eq!(rec.artifacts[0].source_path.as_deref(), Some("DCIM/IMG_0002.txt"))
        }
        other => panic!("{other:?}"),
    }
}
