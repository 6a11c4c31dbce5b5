//! The paged, searched and filtered timeline (`Vault::timeline`) against a real
//! encrypted SQLite file, including a vault upgraded from schema 4, and a video kept
//! before video fingerprints (schema 7) fingerprinted after the upgrade.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use chrono::{DateTime, Duration};
use rand::SeedableRng;
use rusqlite::Connection;
use safekeep_core::clock::SteppingClock;
use safekeep_core::item::Context;
use safekeep_core::keyring::{KdfParams, KdfPolicy, Keyring};
use safekeep_core::vault::{AnnotationBody, TimelineQuery, Unlock};
use safekeep_core::{Environment, Vault};

const PASS: &str = "correct horse battery staple";

fn env() -> Environment {
    Environment {
        clock: Box::new(SteppingClock::new(
            DateTime::parse_from_rfc3339("2026-03-01T12:00:00+00:00").unwrap(),
            Duration::hours(1),
        )),
        rng: Box::new(rand::rngs::StdRng::seed_from_u64(7)),
        app_version: "safekeep-test".into(),
        host: "test-host".into(),
        kdf: KdfPolicy::Fixed(KdfParams::INSECURE_FAST),
    }
}

/// Ten items an hour apart (12:00 is the vault, 13:00 the case, items from 14:00):
/// notes 0–5 on Instagram or X by turns, files 6–9; tags and a later platform on some.
fn filled(dir: &Path) -> (Vault, String, Vec<String>) {
    let mut v = Vault::init(&dir.join("vault"), env(), Some(PASS)).unwrap();
    let case = v.create_case("Timeline").unwrap();
    let mut ids = Vec::new();
    for i in 0..6 {
        let platform = if i % 2 == 0 { "Instagram" } else { "X" };
        let ctx = Context {
            platform: Some(platform.into()),
            description: Some(format!("message number{i} from Zoë")),
            ..Context::default()
        };
        ids.push(
            v.add_note(&case, &format!("Note {i}\nthreatening text"), ctx)
                .unwrap()
                .id,
        );
    }
    for i in 6..10 {
        let p = dir.join(format!("photo-{i}.txt"));
        std::fs::write(&p, format!("file {i}")).unwrap();
        ids.push(
            v.import_file(&case, &p, Context::default(), &mut |_| {})
                .unwrap()
                .id,
        );
    }
    v.annotate(&ids[1], AnnotationBody::Tag { tag: "threat".into() })
        .unwrap();
    v.annotate(&ids[7], AnnotationBody::Tag { tag: "threat".into() })
        .unwrap();
    v.annotate(
        &ids[8],
        AnnotationBody::Note {
            text: "Reported to Telegram moderators".into(),
        },
    )
    .unwrap();
    v.annotate(
        &ids[9],
        AnnotationBody::Context {
            context: Context {
                platform: Some("Instagram".into()),
                ..Context::default()
            },
        },
    )
    .unwrap();
    (v, case, ids)
}

fn titles(v: &Vault, case: &str, q: TimelineQuery) -> (Vec<String>, Option<u64>) {
    let page = v.timeline(case, &q).unwrap();
    (
        page.items.iter().map(|i| i.record.title.clone()).collect(),
        page.total,
    )
}

fn query() -> TimelineQuery {
    TimelineQuery::default()
}

#[test]
fn pages_follow_on_without_gaps_or_repeats() {
    let t = tempfile::tempdir().unwrap();
    let (v, case, ids) = filled(t.path());
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = v
            .timeline(
                &case,
                &TimelineQuery {
                    after: after.clone(),
                    limit: Some(3),
                    ..query()
                },
            )
            .unwrap();
        assert_eq!(
            page.total.is_some(),
            after.is_none(),
            "the count comes with the first page only"
        );
        seen.extend(page.items.iter().map(|i| i.record.id.clone()));
        pages += 1;
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, ids);
    let bad = v.timeline(
        &case,
        &TimelineQuery {
            after: Some("nonsense".into()),
            ..query()
        },
    );
    assert!(bad.unwrap_err().to_string().contains("open the case again"));
}

#[test]
fn filters_narrow_in_sqlite() {
    let t = tempfile::tempdir().unwrap();
    let (v, case, _) = filled(t.path());
    let (all, total) = titles(&v, &case, query());
    assert_eq!((all.len(), total), (10, Some(10)));

    let (found, total) = titles(
        &v,
        &case,
        TimelineQuery {
            search: Some("threat".into()),
            ..query()
        },
    );
    assert_eq!(
        total,
        Some(7),
        "six notes say threatening, one file is tagged threat: {found:?}"
    );
    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            search: Some("zoe NUMBER3".into()),
            ..query()
        },
    );
    assert_eq!(
        found,
        ["Note 3"],
        "diacritics and case folded; all words required"
    );
    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            search: Some("telegram".into()),
            ..query()
        },
    );
    assert_eq!(found, ["photo-8.txt"], "a later note is searchable");
    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            search: Some("photo-7".into()),
            ..query()
        },
    );
    assert_eq!(found, ["photo-7.txt"], "file names are searchable");
    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            search: Some("\"*) OR (".into()),
            ..query()
        },
    );
    assert_eq!(found.len(), 0, "FTS syntax is taken literally");

    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            kind: Some("file".into()),
            ..query()
        },
    );
    assert_eq!(found.len(), 4);
    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            tag: Some("threat".into()),
            ..query()
        },
    );
    assert_eq!(found, ["Note 1", "photo-7.txt"]);
    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            platform: Some("Instagram".into()),
            ..query()
        },
    );
    assert_eq!(
        found,
        ["Note 0", "Note 2", "Note 4", "photo-9.txt"],
        "given at capture or later"
    );
    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            from: Some("2026-03-01T16:00:00+00:00".into()),
            until: Some("2026-03-01T19:00:00+01:00".into()),
            ..query()
        },
    );
    assert_eq!(
        found,
        ["Note 2", "Note 3"],
        "from is inclusive, until exclusive, offsets honoured"
    );
    let (found, total) = titles(
        &v,
        &case,
        TimelineQuery {
            kind: Some("note".into()),
            platform: Some("X".into()),
            search: Some("number".into()),
            ..query()
        },
    );
    assert_eq!(
        (found, total),
        (vec!["Note 1".into(), "Note 3".into(), "Note 5".into()], Some(3))
    );
    let bad = v.timeline(
        &case,
        &TimelineQuery {
            from: Some("yesterday".into()),
            ..query()
        },
    );
    assert!(bad.unwrap_err().to_string().contains("2026-03-01T00:00:00Z"));

    let facets = v.timeline_facets(&case).unwrap();
    assert_eq!(facets.kinds, [("file".into(), 4), ("note".into(), 6)]);
    assert_eq!(facets.platforms, [("Instagram".into(), 4), ("X".into(), 3)]);
    assert_eq!(facets.tags, [("threat".into(), 2)]);
}

#[test]
fn an_upgraded_vault_gets_its_search_index_filled() {
    let t = tempfile::tempdir().unwrap();
    let (v, case, _) = filled(t.path());
    drop(v);
    let dir = t.path().join("vault");
    {
        // Back to schema 4, as a vault made before the search index was.
        let conn = Connection::open(dir.join("vault.db")).unwrap();
        let key = Keyring::load(&dir.join("keys/keyring.json"))
            .unwrap()
            .unlock(PASS)
            .unwrap()
            .db_key();
        conn.execute_batch(&format!("PRAGMA key = \"{}\";", key.as_str()))
            .unwrap();
        conn.execute_batch(
            "DROP TABLE item_text; DROP TRIGGER item_text_on_item; DROP TRIGGER item_text_on_annotation; DROP INDEX items_by_kind; DROP INDEX items_by_platform;
             DROP INDEX annotations_by_tag; DROP INDEX annotations_by_platform; DROP TABLE message_text; DROP TABLE messages; DROP TABLE handover_files;
             DROP TABLE video_hashes; ALTER TABLE perceptual_queue DROP COLUMN media; DROP INDEX events_by_type; ALTER TABLE timestamps DROP COLUMN authority_recognised; PRAGMA user_version = 4;",
        )
        .unwrap();
    }
    let mut v = Vault::open(&dir, env(), Some(Unlock::Passphrase(PASS))).unwrap();
    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            search: Some("telegram".into()),
            ..query()
        },
    );
    assert_eq!(found, ["photo-8.txt"]);
    let (found, _) = titles(
        &v,
        &case,
        TimelineQuery {
            search: Some("threatening".into()),
            ..query()
        },
    );
    assert_eq!(found.len(), 6);
    assert!(v.check(false, &mut |_| {}).unwrap().is_ok());
}

/// A vault from before video fingerprints (schema 7) with a video in it: opening it
/// queues the video once, and the fingerprint is then made from the stored original.
#[test]
fn a_video_kept_before_schema_8_is_fingerprinted_after_the_upgrade() {
    let t = tempfile::tempdir().unwrap();
    let video = t.path().join("recording.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-nostdin",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=10",
            "-t",
            "3",
        ])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&video)
        .status()
        .expect("FFmpeg is installed by `make deps-test`");
    assert!(made.success());
    let dir = t.path().join("vault");
    let (id, case) = {
        let mut v = Vault::init(&dir, env(), Some(PASS)).unwrap();
        let case = v.create_case("Videos").unwrap();
        let id = v
            .import_file(&case, &video, Context::default(), &mut |_| {})
            .unwrap()
            .id;
        (id, case)
    };
    {
        // Back to schema 7: no video_hashes, and a queue that holds pictures only.
        let conn = Connection::open(dir.join("vault.db")).unwrap();
        let key = Keyring::load(&dir.join("keys/keyring.json"))
            .unwrap()
            .unlock(PASS)
            .unwrap()
            .db_key();
        conn.execute_batch(&format!("PRAGMA key = \"{}\";", key.as_str()))
            .unwrap();
        conn.execute_batch(
            "DELETE FROM perceptual_queue; DROP TABLE video_hashes;
             ALTER TABLE perceptual_queue DROP COLUMN media; DROP INDEX events_by_type; ALTER TABLE timestamps DROP COLUMN authority_recognised; PRAGMA user_version = 7;",
        )
        .unwrap();
    }
    let mut v = Vault::open(&dir, env(), Some(Unlock::Passphrase(PASS))).unwrap();
    assert_eq!(
        v.fingerprints_waiting_count().unwrap(),
        1,
        "the video is queued on upgrade"
    );
    assert_eq!(v.videos_waiting(5).unwrap().len(), 1);
    assert!(v.fingerprints_waiting(5).unwrap().is_empty(), "not as a picture");
    assert_eq!(v.fingerprint_waiting(1, &mut |_, _| {}).unwrap(), 1);
    let view = &v.items(Some(&case)).unwrap()[0];
    assert_eq!(view.record.id, id);
    assert!(view.pdq_waiting.is_empty());
    let frames = &view.vpdq[0].1;
    assert_eq!(frames.len(), 3, "one frame a second of 3 s");
    assert_eq!(frames.iter().map(|f| f.second).collect::<Vec<_>>(), [0, 1, 2]);
    let json = serde_json::to_value(view).unwrap();
    assert_eq!(json["artifacts"][0]["vpdq"][2]["second"], 2, "{json}");
}
