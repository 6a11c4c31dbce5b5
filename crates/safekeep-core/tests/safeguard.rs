//! The under-18 safeguard (docs/safeguarding.md) in a real encrypted vault: a no-images
//! case refuses pictures and videos before a byte is stored, keeps a chat's text without
//! its photo, withdraws pictures when switched to yes, and says so in its bundle, whose
//! chain still verifies.
#![allow(clippy::unwrap_used, missing_docs)]

use safekeep_core::Coded;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration};
use rand::SeedableRng;
use safekeep_core::bundle::{ExportOptions, Verdict, verify::verify_path};
use safekeep_core::clock::SteppingClock;
use safekeep_core::item::Context;
use safekeep_core::keyring::{KdfParams, KdfPolicy};
use safekeep_core::vault::{ReadOptions, Service, Under18};
use safekeep_core::{Environment, Error, Vault};

const PASS: &str = "correct horse battery staple";

/// The first bytes of a PNG and of an MP4: what sniffing recognises.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const MP4: &[u8] = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom\0\0\0\x08free";

fn env() -> Environment {
    Environment {
        clock: Box::new(SteppingClock::new(
            DateTime::parse_from_rfc3339("2026-03-01T12:00:00+00:00").unwrap(),
            Duration::seconds(1),
        )),
        rng: Box::new(rand::rngs::StdRng::seed_from_u64(35)),
        app_version: "safekeep-test".into(),
        host: "test-host".into(),
        kdf: KdfPolicy::Fixed(KdfParams::INSECURE_FAST),
    }
}

fn vault(dir: &Path) -> Vault {
    Vault::init(&dir.join("vault"), env(), Some(PASS)).unwrap()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn blob_count(dir: &Path) -> usize {
    walkdir(&dir.join("vault/blobs"))
}

fn walkdir(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |rd| {
        rd.flatten()
            .map(|e| if e.path().is_dir() { walkdir(&e.path()) } else { 1 })
            .sum()
    })
}

#[test]
fn a_no_images_case_refuses_a_picture_with_a_kind_explanation_and_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(tmp.path());
    let case = v.create_case_answering("Messages", Some(Under18::Yes)).unwrap();
    assert!(v.safeguard(&case).unwrap().no_images);
    let before = blob_count(tmp.path());
    // Named .txt on purpose: the content decides, not the name.
    let pic = write(tmp.path(), "photo.txt", PNG);
    let err = v
        .import_file(&case, &pic, Context::default(), &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, Error::NoImagesCase { .. }), "{err}");
    assert_eq!(err.code(), "no_images_case");
    let words = err.to_string();
    assert!(words.contains("was not kept"), "{words}");
    assert!(words.contains("This is not your fault"), "{words}");
    assert!(words.contains("Report Remove"), "{words}");
    assert_eq!(
        blob_count(tmp.path()),
        before,
        "nothing of the picture was stored"
    );
    assert_eq!(v.check(false, &mut |_| {}).unwrap().problems.len(), 0);
}

#[test]
fn a_no_images_batch_refuses_videos_and_pictures_and_keeps_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(tmp.path());
    let case = v
        .create_case_answering("Messages", Some(Under18::NotSure))
        .unwrap();
    let folder = tmp.path().join("evidence");
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "a-clip.mp4", MP4);
    write(&folder, "b-photo.png", PNG);
    write(&folder, "c-notes.txt", b"what he said on Tuesday");
    let out = v
        .import_files(&case, &[folder], &Context::default(), &mut |_| {}, &|| false)
        .unwrap();
    let refused: Vec<_> = out
        .iter()
        .filter(|(_, r)| matches!(r, Err(Error::NoImagesCase { .. })))
        .collect();
    assert_eq!(refused.len(), 2, "{out:?}");
    assert_eq!(out.iter().filter(|(_, r)| r.is_ok()).count(), 1);
}

#[test]
fn a_no_images_case_keeps_a_chats_text_and_records_its_photo_as_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(tmp.path());
    let case = v.create_case_answering("Messages", Some(Under18::Yes)).unwrap();
    let export =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/conversations/whatsapp-android-en");
    let options = ReadOptions {
        zone: Some("Europe/London".into()),
        ..ReadOptions::default()
    };
    let rec = v
        .import_conversation(
            &case,
            &[export],
            &options,
            Context::default(),
            &mut |_| {},
            &|| false,
        )
        .unwrap();
    assert_eq!(rec.artifacts.len(), 1, "the chat only: {:?}", rec.artifacts);
    assert!(rec.artifacts[0].media_type.starts_with("text/"));
    let removed = &rec.capture.as_ref().unwrap()["no_images_case"]["removed"];
    assert_eq!(removed[0]["path"], "IMG-20260105-WA0001.jpg");
    assert!(removed[0]["media_type"].as_str().unwrap().starts_with("image/"));
    assert_eq!(
        v.messages(&rec.id, None, None).unwrap().len(),
        12,
        "every message kept"
    );
}

#[test]
fn switching_to_yes_withdraws_pictures_and_the_bundle_says_no_images() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(tmp.path());
    let case = v.create_case("Messages").unwrap();
    assert_eq!(v.safeguard(&case).unwrap().under_18, None, "never required");
    let pic = v
        .import_file(
            &case,
            &write(tmp.path(), "p.png", PNG),
            Context::default(),
            &mut |_| {},
        )
        .unwrap();
    v.add_note(&case, "He sent it on Monday", Context::default())
        .unwrap();
    assert_eq!(v.items_with_pictures(&case).unwrap(), vec![pic.id.clone()]);

    let change = v.answer_under_18(&case, Under18::Yes, true).unwrap();
    assert_eq!(change.withdrawn, vec![pic.id.clone()]);
    assert!(v.items_with_pictures(&case).unwrap().is_empty());
    v.record_service_reference(&case, Service::ReportRemove, "RR-1234")
        .unwrap();
    let s = v.safeguard(&case).unwrap();
    assert_eq!(s.under_18, Some(Under18::Yes));
    assert_eq!(s.references[0].reference, "RR-1234");
    assert_eq!(
        v.check(false, &mut |_| {}).unwrap().problems.len(),
        0,
        "the chain verifies"
    );

    let out = tmp.path().join("case.zip");
    v.export(
        &case,
        &ExportOptions {
            out: out.clone(),
            exhibit_prefix: "AB".into(),
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap();
    let r = verify_path(&out, None, None, &|_| {});
    assert_eq!(r.verdict, Verdict::Intact, "{:#?}", r.checks);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let text = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        let mut s = String::new();
        zip.by_name(&format!("case/{name}"))
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    assert!(text(&mut zip, "bag-info.txt").contains("Safekeep-No-Images-Case: This is a no-images case"));
    assert!(text(&mut zip, "README.txt").contains("NO-IMAGES CASE"));
    let report = text(&mut zip, "data/report/index.html");
    assert!(report.contains("No-images case"), "the report says so");
    assert!(report.contains("RR-1234"));
    let log = text(&mut zip, "data/audit-log.jsonl");
    assert!(log.contains("\"type\":\"case.safeguard\""));
    assert!(log.contains("\"type\":\"case.service_reference\""));
}

fn zip_at(path: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
    path.to_path_buf()
}

const CHAT: &[u8] = "[25/12/2026, 21:41:30] J: hello\n[25/12/2026, 21:43:10] J: \u{200e}<attached: 00000003-PHOTO-2026-12-25-21-43-10.jpg>\n".as_bytes();

#[test]
fn a_no_images_case_looks_into_a_zip_and_refuses_one_holding_a_picture_by_any_name() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(tmp.path());
    let case = v.create_case_answering("Messages", Some(Under18::Yes)).unwrap();
    let before = blob_count(tmp.path());
    for (file, entries) in [
        (
            "named.zip",
            vec![
                ("_chat.txt", CHAT),
                ("00000003-PHOTO-2026-12-25-21-43-10.jpg", PNG),
            ],
        ),
        ("disguised.zip", vec![("_chat.txt", CHAT), ("notes.dat", PNG)]),
        (
            "nested.zip",
            vec![
                ("_chat.txt", CHAT),
                ("more.bin", b"PK\x03\x04 a zip in the zip".as_slice()),
            ],
        ),
    ] {
        let zip = zip_at(&tmp.path().join(file), &entries);
        let err = v
            .import_file(&case, &zip, Context::default(), &mut |_| {})
            .unwrap_err();
        assert_eq!(err.code(), "no_images_case", "{file}: {err}");
        assert!(err.to_string().contains(file), "{err}");
    }
    assert_eq!(blob_count(tmp.path()), before, "nothing of them was stored");
    let text = zip_at(&tmp.path().join("text.zip"), &[("_chat.txt", CHAT)]);
    v.import_file(&case, &text, Context::default(), &mut |_| {})
        .unwrap();
}

#[test]
fn a_chat_zip_kept_before_the_case_became_no_images_is_not_read_when_it_holds_pictures() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = vault(tmp.path());
    let case = v.create_case_answering("Messages", Some(Under18::No)).unwrap();
    let with_photo = zip_at(
        &tmp.path().join("with.zip"),
        &[
            ("_chat.txt", CHAT),
            ("00000003-PHOTO-2026-12-25-21-43-10.jpg", PNG),
        ],
    );
    let text_only = zip_at(&tmp.path().join("text.zip"), &[("_chat.txt", CHAT)]);
    let with_photo = v
        .import_file(&case, &with_photo, Context::default(), &mut |_| {})
        .unwrap();
    let text_only = v
        .import_file(&case, &text_only, Context::default(), &mut |_| {})
        .unwrap();
    // A switch to no-images offers to withdraw the zip holding a photo, not the other.
    assert_eq!(
        v.items_with_pictures(&case).unwrap(),
        std::slice::from_ref(&with_photo.id)
    );
    v.answer_under_18(&case, Under18::NotSure, false).unwrap();
    let err = v
        .import_conversation_from_item(&with_photo.id, &ReadOptions::default(), Context::default())
        .unwrap_err();
    assert!(err.to_string().contains("no-images case"), "{err}");
    assert!(err.to_string().contains("Without media"), "{err}");
    assert_eq!(v.items(Some(&case)).unwrap().len(), 2);
    // Without the photo, the text is read, and the record says it is a no-images case.
    let conv = v
        .import_conversation_from_item(&text_only.id, &ReadOptions::default(), Context::default())
        .unwrap();
    assert_eq!(v.messages(&conv.id, None, None).unwrap().len(), 2);
    assert!(conv.capture.as_ref().unwrap()["no_images_case"].is_object());
}
