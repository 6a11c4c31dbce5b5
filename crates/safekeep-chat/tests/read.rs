//! Reads the conversation fixtures in `tests/fixtures/conversations/` (written by us for
//! each format, platform and language) and compares the readings with expected JSON.
//! `SAFEKEEP_BLESS=1` rewrites the expected files (then read them, line by line).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use safekeep_chat::{DateOrder, Error, Export, Format, MessageKind, Options, read};
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/conversations")
}

fn opts(zone: &str) -> Options {
    Options {
        zone: Some(zone.into()),
        ..Options::default()
    }
}

fn open(rel: &[&str]) -> Export {
    let paths: Vec<PathBuf> = rel.iter().map(|r| fixtures().join(r)).collect();
    let mut export = Export::open(&paths).expect("the fixture opens");
    export.hash_files().expect("hashed");
    export
}

/// Compares a reading with `expected/NAME.json`.
fn golden(name: &str, export: &Export, options: &Options) {
    let c = read(export, options).expect("the fixture is read");
    let got = json!({
        "reading": c.reading,
        "messages": serde_json::from_slice::<Value>(&c.transcript_json()).expect("JSON"),
    });
    let path = fixtures().join("expected").join(format!("{name}.json"));
    if std::env::var_os("SAFEKEEP_BLESS").is_some() {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, serde_json::to_string_pretty(&got).expect("JSON") + "\n").expect("write");
    }
    let want: Value = serde_json::from_slice(&fs::read(&path).expect("expected file")).expect("JSON");
    assert_eq!(got, want, "{name}: the reading differs from {}", path.display());
}

#[test]
fn whatsapp_android_english_with_media() {
    golden(
        "whatsapp-android-en",
        &open(&["whatsapp-android-en"]),
        &opts("Europe/London"),
    );
}

#[test]
fn whatsapp_android_us_month_first_twelve_hour() {
    golden(
        "whatsapp-android-us",
        &open(&["whatsapp-android-us/WhatsApp Chat with Sam.txt"]),
        &opts("America/New_York"),
    );
}

/// Zips a fixture folder the way iOS shares an export ("WhatsApp Chat - NAME.zip").
fn zip_folder(dir: &Path, out: &Path) {
    let mut z = zip::ZipWriter::new(fs::File::create(out).expect("create"));
    let mut names: Vec<_> = fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    for p in names {
        z.start_file(
            p.file_name().expect("name").to_string_lossy(),
            zip::write::SimpleFileOptions::default(),
        )
        .expect("entry");
        z.write_all(&fs::read(&p).expect("read")).expect("write");
    }
    z.finish().expect("finish");
}

#[test]
fn whatsapp_ios_german_in_a_zip() {
    let tmp = tempfile::tempdir().expect("tmp");
    let zip = tmp.path().join("WhatsApp Chat - Sam.zip");
    zip_folder(&fixtures().join("whatsapp-ios-de"), &zip);
    let mut export = Export::open(&[zip]).expect("opens");
    assert!(export.is_zip());
    export.hash_files().expect("every entry hashed");
    golden("whatsapp-ios-de", &export, &opts("Europe/Berlin"));
}

#[test]
fn whatsapp_day_month_order_is_detected_asked_or_refused() {
    let e = open(&["whatsapp-ambiguous.txt"]);
    match read(&e, &opts("UTC")) {
        Err(Error::AmbiguousDateOrder { example }) => assert_eq!(example, "03/04/2026, 10:00"),
        other => panic!("expected the order to be asked, got {other:?}"),
    }
    let msg = read(&e, &opts("UTC")).expect_err("asked").to_string();
    assert!(
        msg.contains("--day-first") && msg.contains("--month-first"),
        "{msg}"
    );
    for (order, first) in [
        (DateOrder::DayFirst, "2026-04-03T10:00:00Z"),
        (DateOrder::MonthFirst, "2026-03-04T10:00:00Z"),
    ] {
        let c = read(
            &e,
            &Options {
                date_order: Some(order),
                ..opts("UTC")
            },
        )
        .expect("read with the order given");
        assert_eq!(c.messages[0].sent_at.as_deref(), Some(first));
        assert_eq!(c.reading.date_order, Some(order));
        assert!(
            c.reading
                .date_order_basis
                .as_deref()
                .unwrap_or("")
                .contains("given")
        );
    }
    let c = read(&open(&["whatsapp-order-decides.txt"]), &opts("UTC")).expect("decided");
    assert_eq!(c.reading.date_order, Some(DateOrder::DayFirst));
    assert!(
        c.reading
            .date_order_basis
            .as_deref()
            .unwrap_or("")
            .contains("time order")
    );
    // A choice the export contradicts is refused, naming the date that shows it.
    let err = read(
        &open(&["whatsapp-android-en"]),
        &Options {
            date_order: Some(DateOrder::MonthFirst),
            ..opts("Europe/London")
        },
    )
    .expect_err("contradicted");
    assert!(err.to_string().contains("13/01/2026"), "{err}");
}

#[test]
fn whatsapp_in_nine_languages_on_android_and_ios() {
    for lang in ["en", "de", "fr", "es", "pt", "it", "nl", "pl", "tr"] {
        for (platform, media) in [
            ("android", "IMG-20260114-WA0001.jpg"),
            ("ios", "00000001-PHOTO-2026-01-14-21-41-08.jpg"),
        ] {
            let name = format!("whatsapp-locales/{lang}-{platform}.txt");
            let c = read(
                &open(&[&name, &format!("whatsapp-locales/{media}")]),
                &opts("Europe/London"),
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            let m = &c.messages;
            assert_eq!(c.reading.variant, platform, "{name}");
            assert_eq!(m.len(), 5, "{name}");
            assert_eq!(
                m[0].sent_at.as_deref().map(|s| &s[..16]),
                Some("2026-01-14T21:41"),
                "{name}"
            );
            assert_eq!(m[0].attachments.len(), 1, "{name}: the attachment in the export");
            assert_eq!(m[0].attachments[0].name.as_deref(), Some(media), "{name}");
            assert!(m[0].attachments[0].path.is_some(), "{name}: matched to its file");
            assert_eq!(
                m[1].attachments.len(),
                1,
                "{name}: the attachment not in the export"
            );
            assert_eq!(
                m[1].attachments[0].missing.as_deref(),
                Some("not included in the export"),
                "{name}"
            );
            assert_eq!(m[2].attachments.len(), 1, "{name}: media left out");
            assert_eq!(m[2].attachments[0].name, None, "{name}");
            assert_eq!(m[3].kind, MessageKind::Deleted, "{name}: deleted");
            assert_eq!(m[4].edited.as_deref(), Some(""), "{name}: edited");
            assert_eq!(m[4].text, "1234", "{name}: the edit mark is not part of the text");
            assert!(
                m.iter().all(|x| x.sender.as_deref() == Some("Sam")),
                "{name}: every message is Sam's"
            );
        }
    }
}

#[test]
fn whatsapp_text_that_is_not_utf8_is_read_with_a_warning() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("WhatsApp Chat with Sam.txt");
    fs::write(
        &p,
        b"14/01/2026, 21:41 - Sam: caf\xe9 tonight\n14/01/2026, 21:42 - Sam: ok\n",
    )
    .expect("write");
    let c = read(&Export::open(&[p]).expect("opens"), &opts("UTC")).expect("read");
    assert_eq!(c.messages.len(), 2);
    assert_eq!(c.messages[0].text, "caf\u{fffd} tonight");
    assert!(
        c.reading.warnings.iter().any(|w| w.contains("not valid UTF-8")),
        "{:?}",
        c.reading.warnings
    );
}

#[test]
fn telegram_single_chat_with_entities_placeholders_and_x_escapes() {
    golden(
        "telegram-single",
        &open(&["telegram-single"]),
        &opts("Europe/London"),
    );
}

#[test]
fn telegram_full_export_with_local_times() {
    golden(
        "telegram-full",
        &open(&["telegram-full/result.json"]),
        &opts("Europe/Berlin"),
    );
}

#[test]
fn instagram_download_with_mojibake_repaired() {
    golden("instagram", &open(&["instagram"]), &opts("Europe/Paris"));
}

#[test]
fn facebook_download() {
    golden("facebook", &open(&["facebook"]), &opts("Europe/Paris"));
}

#[test]
fn x_archive() {
    golden("x-archive", &open(&["x-archive"]), &opts("Europe/London"));
}

#[test]
fn android_sms_backup_with_mms_and_split_emoji() {
    golden("android-sms", &open(&["android-sms"]), &opts("Europe/London"));
    let c = read(&open(&["android-sms"]), &opts("Europe/London")).expect("read");
    assert_eq!(c.reading.format, Format::AndroidSms);
    assert_eq!(c.reading.pictures_inside, 1, "the MMS picture is inside the XML");
    assert!(
        c.messages.iter().any(|m| m.text.contains('😰')),
        "joined surrogates"
    );
    assert!(
        c.messages
            .iter()
            .any(|m| m.text.contains("Leave me alone.\nI am going"))
    );
    let picture = c
        .messages
        .iter()
        .flat_map(|m| &m.attachments)
        .find(|a| a.name.as_deref() == Some("IMG_0001.png"))
        .expect("the MMS part");
    // The decoded part's SHA-256 (the PNG's bytes, base64 in the XML).
    assert_eq!(
        picture.sha256.as_deref(),
        Some("57c5b0ba802ba3aa9c4ebd11a8ef32d173abc6dd5b3deabb7cd540b66e14edc5")
    );
}

#[test]
fn a_cut_short_sms_backup_is_refused_saying_why() {
    let dir = tempfile::tempdir().expect("tmp");
    let whole = fs::read(fixtures().join("android-sms/sms-20261101120000.xml")).expect("fixture");
    let cut = dir.path().join("sms-cut.xml");
    fs::write(&cut, &whole[..whole.len() - 200]).expect("write");
    let mut export = Export::open(&[cut]).expect("opens");
    export.hash_files().expect("hashed");
    let e = read(&export, &opts("Europe/London")).expect_err("cut short");
    assert!(e.to_string().contains("cut short"), "{e}");
}

#[test]
fn snapchat_my_data_both_layouts() {
    golden("snapchat", &open(&["snapchat"]), &opts("Europe/London"));
    golden("snapchat-2022", &open(&["snapchat-2022"]), &opts("Europe/London"));
}

#[test]
fn discord_package_json_and_csv_says_only_the_owners_messages() {
    golden("discord", &open(&["discord"]), &opts("Europe/London"));
    let c = read(&open(&["discord"]), &opts("Europe/London")).expect("read");
    assert!(c.reading.warnings[0].contains("only the messages its owner sent"));
}

#[test]
fn tiktok_download_with_a_byte_order_mark() {
    golden("tiktok", &open(&["tiktok"]), &opts("Europe/London"));
}

/// What the readers got wrong with real exports (#39), each with a fixture of our own.
#[test]
fn ios_media_phrases_locations_midnight_unix_times_and_byte_order_marks() {
    golden(
        "whatsapp-ios-phrases",
        &open(&["whatsapp-ios-phrases"]),
        &opts("Europe/London"),
    );
    let c = read(&open(&["whatsapp-ios-phrases"]), &opts("Europe/London")).expect("read");
    let kinds: Vec<MessageKind> = c.messages.iter().map(|m| m.kind).collect();
    assert_eq!(kinds[0], MessageKind::System, "the encryption notice");
    assert!(
        kinds[1..].iter().all(|k| *k != MessageKind::System),
        "media, deletions and a location are Sam's: {kinds:?}"
    );
    assert_eq!(
        c.messages[1].attachments[0].name.as_deref(),
        Some("Statement.pdf")
    );
    assert_eq!(c.messages[4].kind, MessageKind::Deleted);
    let mut o = opts("America/New_York");
    o.date_order = None;
    let midnight = read(&open(&["whatsapp-android-midnight.txt"]), &o).expect("read");
    assert_eq!(midnight.messages.len(), 3, "00:04 AM is a message of its own");
    assert_eq!(
        midnight.messages[1].sent_at.as_deref(),
        Some("2026-03-19T04:04:00Z")
    );
    let tg = read(&open(&["telegram-unixtime"]), &opts("Europe/London")).expect("read");
    assert_eq!(tg.messages.len(), 2, "a message with only date_unixtime is kept");
    assert_eq!(tg.messages[0].sent_at.as_deref(), Some("2026-03-18T15:00:00Z"));
    let ig = read(&open(&["instagram-bom"]), &opts("Europe/Paris")).expect("a BOM is allowed");
    assert!(!ig.messages.is_empty());
}

#[test]
fn email_files_and_a_mailbox_with_what_the_servers_said() {
    golden("email-eml", &open(&["email-eml"]), &opts("Europe/London"));
    golden("email-mbox", &open(&["email-mbox"]), &opts("Europe/London"));
    let c = read(&open(&["email-eml"]), &opts("Europe/London")).expect("read");
    assert_eq!(c.reading.format, Format::Email);
    assert_eq!(c.reading.pictures_inside, 1, "the screenshot attached");
    let threat = &c.messages[0];
    assert!(
        threat.text.contains("£500") && threat.text.contains("gets them."),
        "{}",
        threat.text
    );
    let note = threat.note.as_deref().unwrap_or("");
    assert!(
        note.contains("signed with DKIM by example.net (selector s2026)") && note.contains("not verified"),
        "{note}"
    );
    let reply = &c.messages[1];
    assert!(
        reply.text.contains("Stop. I have reported this."),
        "{}",
        reply.text
    );
    assert!(
        !reply.text.contains("tracker.example.net"),
        "no remote address from the HTML: {}",
        reply.text
    );
    assert_eq!(reply.reply_to.as_deref(), Some("threat-1@example.net"));
    let mbox = read(&open(&["email-mbox"]), &opts("Europe/London")).expect("read");
    assert_eq!(mbox.messages.len(), 2);
    assert_eq!(mbox.messages[0].sent_at.as_deref(), Some("2026-11-02T23:00:00Z"));
}

/// WhatsApp layouts that were refused or misread (#39), from fixtures of our own.
#[test]
fn whatsapp_buddhist_years_time_first_arabic_digits_and_the_old_ios_layout() {
    let first = |file: &str, zone: &str| {
        let c = read(&open(&[&format!("whatsapp-layouts/{file}")]), &opts(zone)).expect(file);
        assert_eq!(c.messages.len(), 2, "{file}");
        c
    };
    let thai = first("thai-buddhist-era.txt", "Asia/Bangkok");
    assert_eq!(
        thai.messages[0].sent_at.as_deref(),
        Some("2022-03-18T07:56:01Z"),
        "2565 BE is 2022"
    );
    assert_eq!(thai.messages[0].sent_at_as_written, "3/18/2565 BE, 14:56:01");
    let vi = first("vietnamese-time-first.txt", "Asia/Ho_Chi_Minh");
    assert_eq!(vi.messages[0].sent_at.as_deref(), Some("2022-03-18T07:56:01Z"));
    let ar = first("arabic.txt", "Asia/Riyadh");
    assert_eq!(ar.messages[0].sent_at.as_deref(), Some("2022-03-18T11:56:00Z"));
    assert_eq!(ar.messages[1].sent_at.as_deref(), Some("2022-03-18T11:57:01Z"));
    assert!(
        ar.messages[0].text.ends_with("١٢٣"),
        "digits in the text stay as written: {}",
        ar.messages[0].text
    );
    assert!(ar.messages[0].sent_at_as_written.contains('١'), "as written");
    let old = first("ios-old.txt", "Europe/Berlin");
    assert_eq!(old.messages[0].sender.as_deref(), Some("Sam"));
    assert_eq!(old.messages[0].sent_at.as_deref(), Some("2018-06-13T19:25:15Z"));
    // The older iOS attachment form, with a caption on the next line, and with `‹`.
    let mut o = opts("Europe/London");
    o.date_order = Some(safekeep_chat::DateOrder::DayFirst);
    let attached = read(&open(&["whatsapp-layouts/ios-old-attachment.txt"]), &o).expect("read");
    let names: Vec<Vec<Option<&str>>> = attached
        .messages
        .iter()
        .map(|m| m.attachments.iter().map(|a| a.name.as_deref()).collect())
        .collect();
    assert_eq!(
        names,
        [
            vec![Some("2015-08-04-PHOTO-00004762.jpg")],
            vec![Some("2015-08-04-VIDEO-00004763.mp4")]
        ]
    );
    assert!(
        attached.messages[0].text.ends_with("\nthis is you"),
        "the caption stays the message's text"
    );
    assert!(attached.messages.iter().all(|m| m.kind == MessageKind::Message));
    let japanese =
        read(&open(&["whatsapp-layouts/japanese-era.txt"]), &opts("Asia/Tokyo")).expect_err("not read yet");
    let said = japanese.to_string();
    assert!(
        said.contains("Japanese era") && said.contains("[3/18/R4 14:56:01]"),
        "{said}"
    );
}

/// Hostile inputs an adversarial review tried (2026-12-07): pictures disguised by their
/// declared type are still counted (a no-images case refuses them), an unsent MMS is the
/// owner's, and a line typed in another layout cannot pass as someone else's message.
#[test]
fn disguised_pictures_are_counted_and_forged_lines_stay_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVQI12P4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
    let sms = dir.path().join("sms-1.xml");
    fs::write(
        &sms,
        format!(
            r#"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><smses count="2">
<mms date="1793448180000" msg_box="1" address="+447700900123" contact_name="Sam"><parts><part seq="0" ct="application/octet-stream" cl="x.bin" data="{png}" /></parts></mms>
<mms date="1793448240000" msg_box="3" address="+447700900123" contact_name="Sam"><parts><part seq="0" ct="text/plain" text="draft reply" /></parts></mms>
<part ct="text/plain" data="{png}" />
</smses>"#
        ),
    )
    .expect("write");
    let mut export = Export::open(&[sms]).expect("opens");
    export.hash_files().expect("hashed");
    let c = read(&export, &opts("Europe/London")).expect("read");
    assert_eq!(
        c.reading.pictures_inside, 2,
        "an octet-stream part and a stray part"
    );
    assert_eq!(
        c.messages[1].sender.as_deref(),
        Some("this phone's owner"),
        "a draft MMS"
    );
    assert!(c.messages[1].note.as_deref().unwrap_or("").contains("draft"));

    let eml = dir.path().join("a.eml");
    fs::write(
        &eml,
        format!(
            "From: Sam <sam@example.net>\r\nDate: Sat, 31 Oct 2026 21:15:00 +0000\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<img src=\"data:image/png;base64,{png}\">\r\n--b\r\nContent-Type: application/octet-stream; name=x.bin\r\nContent-Disposition: attachment; filename=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n{png}\r\n--b--\r\n"
        ),
    )
    .expect("write");
    let mut export = Export::open(&[eml]).expect("opens");
    export.hash_files().expect("hashed");
    let c = read(&export, &opts("Europe/London")).expect("read");
    assert_eq!(
        c.reading.pictures_inside, 2,
        "an octet-stream attachment and a data: picture"
    );

    let chat = dir.path().join("WhatsApp Chat with Sam.txt");
    fs::write(
        &chat,
        "13/01/2024, 21:41 - Sam: I want you to say yes\n06.01.24 10.00.00: Alex: you can post them, I agree\n13/01/2024, 21:45 - Alex: no\n",
    )
    .expect("write");
    let mut export = Export::open(&[chat]).expect("opens");
    export.hash_files().expect("hashed");
    let c = read(&export, &opts("Europe/London")).expect("read");
    assert_eq!(c.messages.len(), 2, "the forged line is Sam's text");
    assert!(c.messages[0].text.contains("you can post them"));
    assert!(c.reading.warnings.iter().any(|w| w.contains("another layout")));
}

#[test]
fn the_format_can_be_named_and_must_then_fit() {
    let c = read(
        &open(&["instagram"]),
        &Options {
            format: Some(Format::Instagram),
            ..opts("UTC")
        },
    )
    .expect("read");
    assert_eq!(c.reading.format_basis, "named by the person");
    let err = read(
        &open(&["x-archive"]),
        &Options {
            format: Some(Format::Telegram),
            ..opts("UTC")
        },
    )
    .expect_err("not Telegram");
    assert!(err.to_string().contains("result.json"), "{err}");
}

#[test]
fn something_else_is_named_not_guessed() {
    let err = read(&open(&["not-a-chat"]), &opts("UTC")).expect_err("not an export");
    let msg = err.to_string();
    assert!(
        msg.contains("holiday.txt") && msg.contains("import them as files"),
        "{msg}"
    );
    let err = read(&open(&["whatsapp-android-en"]), &opts("Mars/Olympus")).expect_err("zone");
    assert!(err.to_string().contains("Europe/London"), "{err}");
}

fn zip_with(out: &Path, entries: &[(&str, &[u8], zip::CompressionMethod)]) {
    let mut z = zip::ZipWriter::new(fs::File::create(out).expect("create"));
    for (name, bytes, method) in entries {
        z.start_file(
            *name,
            zip::write::SimpleFileOptions::default().compression_method(*method),
        )
        .expect("entry");
        z.write_all(bytes).expect("write");
    }
    z.finish().expect("finish");
}

#[test]
fn unsafe_zips_are_refused_before_anything_is_read() {
    let tmp = tempfile::tempdir().expect("tmp");
    let chat: &[u8] = b"14/01/2026, 21:41 - Sam: hi\n";
    let traversal = tmp.path().join("traversal.zip");
    zip_with(
        &traversal,
        &[
            ("_chat.txt", chat, zip::CompressionMethod::Stored),
            ("../../.bashrc", b"evil", zip::CompressionMethod::Stored),
        ],
    );
    let err = Export::open(&[traversal]).expect_err("refused");
    assert!(err.to_string().contains("\"..\""), "{err}");
    let bomb = tmp.path().join("bomb.zip");
    let zeros = vec![0u8; 64 << 20];
    zip_with(
        &bomb,
        &[
            ("_chat.txt", chat, zip::CompressionMethod::Stored),
            ("zeros.bin", &zeros, zip::CompressionMethod::Deflated),
        ],
    );
    let err = Export::open(&[bomb]).expect_err("refused");
    assert!(err.to_string().contains("zip bomb"), "{err}");
    // Many entries, each under the bomb check's size, that together would expand to
    // gigabytes: refused from their declared sizes before anything is decompressed.
    let many = tmp.path().join("many.zip");
    let names: Vec<String> = (0..4500).map(|i| format!("f{i}.txt")).collect();
    let mut entries = vec![("_chat.txt", chat, zip::CompressionMethod::Stored)];
    entries.extend(
        names
            .iter()
            .map(|n| (n.as_str(), &b"x"[..], zip::CompressionMethod::Stored)),
    );
    zip_with(&many, &entries);
    let mut bytes = fs::read(&many).expect("read");
    let mut at = 0;
    while let Some(found) = bytes[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let off = at + found + 24;
        bytes[off..off + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
        at = off;
    }
    fs::write(&many, &bytes).expect("write");
    let err = Export::open(&[many]).expect_err("refused");
    assert!(err.to_string().contains("would expand to"), "{err}");
    // An entry that holds more than it declares is found when it is hashed.
    let lying = tmp.path().join("lying.zip");
    zip_with(&lying, &[("_chat.txt", chat, zip::CompressionMethod::Stored)]);
    let mut bytes = fs::read(&lying).expect("read");
    // The local header's and the central directory's "uncompressed size" (offsets 22
    // and 24 after their signatures) say 5 bytes fewer than the entry holds.
    let size = chat.len() as u32;
    for sig in [&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]] {
        let at = bytes.windows(4).position(|w| w == sig).expect("signature");
        let off = at + if sig[2] == 3 { 22 } else { 24 };
        bytes[off..off + 4].copy_from_slice(&(size - 5).to_le_bytes());
    }
    fs::write(&lying, &bytes).expect("write");
    let export = Export::open(&[lying]).expect("lists");
    let err = export.hash_entries().expect_err("refused");
    assert!(err.to_string().contains("damaged"), "{err}");
    let truncated = tmp.path().join("cut.zip");
    let mut good = tmp.path().join("good.zip");
    zip_with(&good, &[("_chat.txt", chat, zip::CompressionMethod::Stored)]);
    let bytes = fs::read(&good).expect("read");
    fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let err = Export::open(&[truncated]).expect_err("refused");
    assert!(err.to_string().contains("not a readable zip"), "{err}");
    good = tmp.path().join("good.zip");
    assert_eq!(Export::open(&[good]).expect("a good zip opens").files().len(), 1);
}
