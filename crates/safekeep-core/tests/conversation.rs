//! Conversation exports sealed into a real encrypted vault: the export kept byte for
//! byte, the messages read beside it (and matching the sealed transcript hash), search,
//! jump to a date, marked runs, and what is refused.
#![allow(clippy::unwrap_used, missing_docs)]

use safekeep_core::Coded;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration};
use rand::SeedableRng;
use safekeep_core::clock::SteppingClock;
use safekeep_core::item::{Context, ItemKind};
use safekeep_core::keyring::{KdfParams, KdfPolicy};
use safekeep_core::vault::ReadOptions;
use safekeep_core::{Environment, Vault};
use sha2::{Digest, Sha256};

const PASS: &str = "correct horse battery staple";

fn env() -> Environment {
    Environment {
        clock: Box::new(SteppingClock::new(
            DateTime::parse_from_rfc3339("2026-03-01T12:00:00+00:00").unwrap(),
            Duration::seconds(1),
        )),
        rng: Box::new(rand::rngs::StdRng::seed_from_u64(9)),
        app_version: "safekeep-test".into(),
        host: "test-host".into(),
        kdf: KdfPolicy::Fixed(KdfParams::INSECURE_FAST),
    }
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/conversations")
        .join(rel)
}

fn london() -> ReadOptions {
    ReadOptions {
        zone: Some("Europe/London".into()),
        ..ReadOptions::default()
    }
}

fn import(
    v: &mut Vault,
    case: &str,
    paths: &[PathBuf],
) -> safekeep_core::vault::Result<safekeep_core::item::ItemRecord> {
    v.import_conversation(case, paths, &london(), Context::default(), &mut |_| {}, &|| false)
}

#[test]
fn a_whatsapp_folder_is_sealed_whole_and_read_into_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::init(&tmp.path().join("vault"), env(), Some(PASS)).unwrap();
    let case = v.create_case("Messages from Sam").unwrap();
    let rec = import(&mut v, &case, &[fixture("whatsapp-android-en")]).unwrap();
    assert_eq!(rec.kind, ItemKind::Conversation);
    assert_eq!(rec.title, "WhatsApp: Sam Doe");
    assert_eq!(rec.artifacts.len(), 2, "the chat and the one photo");
    for a in &rec.artifacts {
        assert_eq!(a.role, "export");
        let original =
            std::fs::read(fixture("whatsapp-android-en").join(a.source_path.as_deref().unwrap())).unwrap();
        assert_eq!(
            a.sha256,
            hex::encode(Sha256::digest(&original)),
            "sealed byte for byte"
        );
    }
    let reading = &rec.capture.as_ref().unwrap()["reading"];
    assert_eq!(reading["format"], "whatsapp");
    assert_eq!(reading["timezone"], "Europe/London");
    assert_eq!(reading["messages"], 12);

    // The stored messages are, byte for byte, what the sealed transcript hash is of.
    let mut json = Vec::new();
    assert_eq!(v.write_messages_json(&rec.id, None, None, &mut json).unwrap(), 12);
    assert_eq!(
        rec.capture.as_ref().unwrap()["transcript_sha256"],
        hex::encode(Sha256::digest(&json))
    );
    let messages = v.messages(&rec.id, Some(4), Some(4)).unwrap();
    let photo = rec
        .artifacts
        .iter()
        .find(|a| a.source_path.as_deref() == Some("IMG-20260105-WA0001.jpg"))
        .unwrap();
    assert_eq!(
        messages[0].attachments[0].sha256.as_deref(),
        Some(photo.sha256.as_str())
    );

    assert_eq!(v.find_messages(&rec.id, "pictures everyone").unwrap(), vec![3]);
    assert_eq!(v.find_messages(&rec.id, "+44 7700").unwrap(), vec![8]);
    assert_eq!(v.message_on(&rec.id, "2026-01-13").unwrap(), Some(8));
    assert_eq!(v.message_on(&rec.id, "2027-01-01").unwrap(), None);
    let page = v.message_page(&rec.id, 11, 100).unwrap();
    assert_eq!((page.messages.len(), page.total), (2, 12));

    // The timeline's search finds the conversation by what its messages say.
    let found = v
        .timeline(
            &case,
            &safekeep_core::vault::TimelineQuery {
                search: Some("pictures".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(found.items.len(), 1);

    // Marking a run is an annotation; runs that are not there are refused.
    let a = v.mark_messages(&rec.id, 3, 5, Some("the threat".into())).unwrap();
    assert!(
        a.body.describe().contains("messages 3–5"),
        "{}",
        a.body.describe()
    );
    for (from, to) in [(0, 2), (5, 3), (1, 13)] {
        let e = v.mark_messages(&rec.id, from, to, None).unwrap_err();
        assert!(e.to_string().contains("numbered 1 to 12"), "{e}");
    }
    let p = tmp.path().join("note.txt");
    std::fs::write(&p, "a file").unwrap();
    let file = v.import_file(&case, &p, Context::default(), &mut |_| {}).unwrap();
    let e = v.mark_messages(&file.id, 1, 1, None).unwrap_err();
    assert!(e.to_string().contains("not a conversation"), "{e}");

    // All of it survives closing and opening the vault, and `check` is clean.
    drop(v);
    let mut v = Vault::open(
        &tmp.path().join("vault"),
        env(),
        Some(safekeep_core::vault::Unlock::Passphrase(PASS)),
    )
    .unwrap();
    assert_eq!(v.messages(&rec.id, None, None).unwrap().len(), 12);
    assert!(v.check(true, &mut |_| {}).unwrap().problems.is_empty());
}

#[test]
fn a_zip_is_one_artifact_and_bad_input_records_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::init(&tmp.path().join("vault"), env(), Some(PASS)).unwrap();
    let case = v.create_case("Zip").unwrap();
    let zip = tmp.path().join("WhatsApp Chat - Sam.zip");
    {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
        for name in ["_chat.txt", "00000003-PHOTO-2026-01-05-21-41-30.jpg"] {
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(&std::fs::read(fixture("whatsapp-ios-de").join(name)).unwrap())
                .unwrap();
        }
        z.finish().unwrap();
    }
    let rec = import(&mut v, &case, std::slice::from_ref(&zip)).unwrap();
    assert_eq!(rec.artifacts.len(), 1);
    assert_eq!(rec.artifacts[0].media_type, "application/zip");
    assert_eq!(
        rec.artifacts[0].sha256,
        hex::encode(Sha256::digest(std::fs::read(&zip).unwrap()))
    );
    let m = v.messages(&rec.id, Some(3), Some(3)).unwrap();
    assert!(
        m[0].attachments[0].sha256.is_some(),
        "a zip's media are hashed inside it"
    );

    // A folder holding the vault is refused before anything is staged.
    let e = import(&mut v, &case, &[tmp.path().to_path_buf()]).unwrap_err();
    assert!(e.to_string().contains("vault folder"), "{e}");
    let e = import(&mut v, &case, &[fixture("not-a-chat")]).unwrap_err();
    assert_eq!(e.code(), "not_an_export");
    let e = v
        .import_conversation(
            &case,
            &[fixture("whatsapp-ambiguous.txt")],
            &london(),
            Context::default(),
            &mut |_| {},
            &|| false,
        )
        .unwrap_err();
    assert_eq!(e.code(), "date_order_needed");
    let e = v
        .import_conversation(
            &case,
            &[fixture("whatsapp-android-en")],
            &london(),
            Context::default(),
            &mut |_| {},
            &|| true,
        )
        .unwrap_err();
    assert_eq!(e.code(), "cancelled");
    let items = v.items(Some(&case)).unwrap();
    assert_eq!(items.len(), 1, "only the zip was recorded");
    let tmp_left: Vec<_> = std::fs::read_dir(tmp.path().join("vault/tmp")).unwrap().collect();
    assert!(tmp_left.is_empty(), "nothing staged is left behind");
    assert!(v.check(true, &mut |_| {}).unwrap().problems.is_empty());
}

/// A conversation read from a file kept as an item shares its stored file: both export
/// (each exhibit with its own copy, the bundle intact), `check --repair` keeps it, and
/// withdrawing one says truthfully that the file stays for the other; withdrawing both
/// deletes it.
#[test]
fn a_conversation_read_from_a_kept_file_shares_it_until_both_are_withdrawn() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::init(&tmp.path().join("vault"), env(), Some(PASS)).unwrap();
    let case = v.create_case("Messages from J").unwrap();
    let zip = tmp.path().join("WhatsApp Chat - J.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
        z.start_file("_chat.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"[25/12/2026, 21:41:30] J: I have your photos\n[25/12/2026, 21:42:02] Me: stop\n")
            .unwrap();
        z.finish().unwrap();
    }
    let file = v
        .import_file(&case, &zip, Context::default(), &mut |_| {})
        .unwrap();
    assert_eq!(
        v.conversation_format_of_item(&file.id).unwrap(),
        Some(safekeep_core::vault::ChatFormat::Whatsapp)
    );
    let conv = v
        .import_conversation_from_item(&file.id, &london(), Context::default())
        .unwrap();
    assert_eq!(conv.artifacts[0].sha256, file.artifacts[0].sha256);
    let blobs = |dir: &Path| walk(&dir.join("vault/blobs"));
    let stored = blobs(tmp.path());
    assert!(v.check(true, &mut |_| {}).unwrap().problems.is_empty());
    assert_eq!(blobs(tmp.path()), stored, "repair keeps a file two items use");

    let out = tmp.path().join("bundle.zip");
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
        "{report:#?}"
    );

    let kept_for = v.withdraw(&file.id, "kept as the conversation", true).unwrap();
    assert_eq!(kept_for, std::slice::from_ref(&conv.id));
    let last = v.events(&case).unwrap().pop().unwrap();
    let event: serde_json::Value = serde_json::from_str(&last.body).unwrap();
    assert_eq!(event["data"]["blobs_removed"], false, "{event}");
    assert_eq!(
        event["data"]["blobs_kept_for"],
        serde_json::json!([conv.id.clone()])
    );
    assert_eq!(
        v.artifact_bytes(&conv.id, 0, u64::MAX).unwrap().1,
        std::fs::read(&zip).unwrap()
    );
    assert!(v.check(false, &mut |_| {}).unwrap().problems.is_empty());
    assert!(v.withdraw(&conv.id, "not needed", true).unwrap().is_empty());
    assert_eq!(
        blobs(tmp.path()),
        stored - 1,
        "the last one withdrawn deletes the file"
    );
    assert!(v.check(false, &mut |_| {}).unwrap().problems.is_empty());
}

fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |rd| {
        rd.flatten()
            .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
            .sum()
    })
}
