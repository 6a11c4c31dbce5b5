//! `safekeep import chat` and `safekeep messages` on the conversation fixtures, and a
//! conversation through export, verify and the PDF report (read back with pdftotext).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{safekeep, stdout_of, tool};
use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/conversations")
        .join(rel)
}

struct Session {
    vault: PathBuf,
}

impl Session {
    fn new(dir: &Path) -> (Self, String) {
        let s = Self {
            vault: dir.join("vault"),
        };
        s.ok(&["init"]);
        let case = s.ok(&["case", "new", "Messages from Sam"]).trim().to_owned();
        (s, case)
    }

    fn ok(&self, args: &[&str]) -> String {
        stdout_of(args, safekeep(&self.vault).args(args).output().unwrap())
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = safekeep(&self.vault).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }

    /// Imports a fixture and returns the one line stdout holds: the item id.
    fn import(&self, case: &str, rel: &str, zone: &str) -> String {
        let path = fixture(rel);
        let out = self.ok(&[
            "import",
            "chat",
            "--case",
            case,
            "--timezone",
            zone,
            path.to_str().unwrap(),
        ]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "stdout is the item id and nothing else: {out:?}");
        lines[0].to_owned()
    }
}

/// The messages part of a reading the chat crate's tests keep as expected JSON.
fn expected(name: &str) -> Value {
    let path = fixture("expected").join(format!("{name}.json"));
    serde_json::from_slice::<Value>(&std::fs::read(path).unwrap()).unwrap()["messages"].clone()
}

#[test]
fn each_format_is_imported_and_printed_as_expected() {
    let t = tempfile::tempdir().unwrap();
    let (s, case) = Session::new(t.path());
    for (name, rel, zone) in [
        ("whatsapp-android-en", "whatsapp-android-en", "Europe/London"),
        (
            "whatsapp-android-us",
            "whatsapp-android-us/WhatsApp Chat with Sam.txt",
            "America/New_York",
        ),
        ("telegram-single", "telegram-single", "Europe/London"),
        ("telegram-full", "telegram-full/result.json", "Europe/Berlin"),
        ("instagram", "instagram", "Europe/Paris"),
        ("facebook", "facebook", "Europe/Paris"),
        ("x-archive", "x-archive", "Europe/London"),
        ("android-sms", "android-sms", "Europe/London"),
        ("snapchat", "snapchat", "Europe/London"),
        ("snapchat-2022", "snapchat-2022", "Europe/London"),
        ("discord", "discord", "Europe/London"),
        ("tiktok", "tiktok", "Europe/London"),
        ("email-eml", "email-eml", "Europe/London"),
        ("email-mbox", "email-mbox", "Europe/London"),
    ] {
        let id = s.import(&case, rel, zone);
        let json: Value = serde_json::from_str(&s.ok(&["messages", &id, "--json"])).unwrap();
        assert_eq!(json, expected(name), "{name}: messages --json");
        let shown = s.ok(&["show", &id, "--json"]);
        let item: Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(item["kind"], "conversation", "{name}");
    }
    // --from and --to pick a run; the text form names each message's number and sender.
    let id = s.import(&case, "whatsapp-android-en", "Europe/London");
    let run: Value =
        serde_json::from_str(&s.ok(&["messages", &id, "--json", "--from", "3", "--to", "4"])).unwrap();
    assert_eq!(run.as_array().unwrap().len(), 2);
    assert_eq!(run[0]["index"], 3);
    let text = s.ok(&["messages", &id, "--from", "3", "--to", "3"]);
    assert!(
        text.starts_with("#3  2026-01-05T21:41:00+00:00  Sam Doe\n    I have the pictures."),
        "{text}"
    );
}

/// A no-images case (docs/safeguarding.md) cannot keep an SMS backup whose MMS carry
/// pictures inside the XML: refused, saying how to make one without them.
#[test]
fn a_no_images_case_refuses_an_sms_backup_with_pictures_inside() {
    let t = tempfile::tempdir().unwrap();
    let (s, _) = Session::new(t.path());
    let young = s
        .ok(&["case", "new", "Texts", "--under-18", "yes"])
        .trim()
        .to_owned();
    let path = fixture("android-sms");
    let said = s.fails(&["import", "chat", "--case", &young, path.to_str().unwrap()]);
    assert!(
        said.contains("inside it (sent as MMS") && said.contains("without MMS"),
        "{said}"
    );
    let items: Value = serde_json::from_str(&s.ok(&["list", "--case", &young, "--json"])).unwrap();
    assert_eq!(items.as_array().map(Vec::len), Some(0), "nothing stored: {items}");
}

#[test]
fn an_ambiguous_export_names_the_flags_and_records_nothing() {
    let t = tempfile::tempdir().unwrap();
    let (s, case) = Session::new(t.path());
    let path = fixture("whatsapp-ambiguous.txt");
    let err = s.fails(&["import", "chat", "--case", &case, path.to_str().unwrap()]);
    assert!(
        err.contains("--day-first") && err.contains("--month-first"),
        "{err}"
    );
    assert_eq!(err.matches("every date").count(), 1, "said once: {err}");
    assert_eq!(
        s.ok(&["list", "--case", &case])
            .lines()
            .filter(|l| l.contains("WhatsApp"))
            .count(),
        0
    );
    let id = s.ok(&[
        "import",
        "chat",
        "--case",
        &case,
        "--month-first",
        "--timezone",
        "UTC",
        path.to_str().unwrap(),
    ]);
    let json: Value = serde_json::from_str(&s.ok(&["messages", id.trim(), "--json"])).unwrap();
    assert_eq!(json[0]["sent_at"], "2026-03-04T10:00:00Z");
    let err = s.fails(&[
        "import",
        "chat",
        "--case",
        &case,
        fixture("not-a-chat").to_str().unwrap(),
    ]);
    assert!(err.contains("holiday.txt"), "{err}");
    let err = s.fails(&[
        "import",
        "chat",
        "--case",
        &case,
        "--timezone",
        "Atlantis/Capital",
        path.to_str().unwrap(),
    ]);
    assert!(err.contains("IANA"), "{err}");
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_marked_run_reaches_the_bundle_and_the_report_and_the_export_reads_again() {
    let t = tempfile::tempdir().unwrap();
    let (s, case) = Session::new(t.path());
    let id = s.import(&case, "whatsapp-android-en", "Europe/London");
    s.ok(&[
        "annotate",
        &id,
        "--messages",
        "3-4",
        "--note",
        "the threat to share the pictures",
    ]);
    let err = s.fails(&["annotate", &id, "--messages", "11-20"]);
    assert!(err.contains("numbered 1 to 12"), "{err}");

    let zip = t.path().join("case.zip");
    s.ok(&[
        "export",
        "--case",
        &case,
        "--out",
        zip.to_str().unwrap(),
        "--exhibit-prefix",
        "AB",
    ]);
    stdout_of(
        &["verify"],
        safekeep(&t.path().join("none"))
            .args(["verify", zip.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    let out = t.path().join("unzipped");
    run(Command::new(tool("unzip"))
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&out));
    let item = std::fs::read_dir(out.join("case/data/items"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let export = item.join("export");
    for name in ["WhatsApp Chat with Sam Doe.txt", "IMG-20260105-WA0001.jpg"] {
        assert_eq!(
            std::fs::read(export.join(name)).unwrap(),
            std::fs::read(fixture("whatsapp-android-en").join(name)).unwrap(),
            "{name} is in the bundle exactly as given, under its own name"
        );
    }
    let meta: Value = serde_json::from_slice(&std::fs::read(item.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["item"]["capture"]["reading"]["parser"], "safekeep-chat 1");
    assert_eq!(meta["item"]["capture"]["reading"]["timezone"], "Europe/London");

    // The bundle's copy of the export reads again into the same messages.
    let again = s.ok(&[
        "import",
        "chat",
        "--case",
        &case,
        "--timezone",
        "Europe/London",
        export.to_str().unwrap(),
    ]);
    assert_eq!(
        s.ok(&["messages", again.trim(), "--json"]),
        s.ok(&["messages", &id, "--json"]),
        "re-derived from the bundle, the reading is the same"
    );

    let pdf = out.join("case/data/report/report.pdf");
    let text = run(Command::new(tool("pdftotext")).arg(&pdf).arg("-"));
    assert!(
        text.contains("AB/1, messages 3–4"),
        "the report names the run:\n{text}"
    );
    assert!(text.contains("the threat to share the pictures"));
    assert!(
        text.contains("I have the pictures."),
        "the transcript quotes the message"
    );
    assert!(text.contains("IMG-20260105-WA0001.jpg"));
    let flat: String = text.split_whitespace().collect();
    let chat_sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        std::fs::read(fixture("whatsapp-android-en/WhatsApp Chat with Sam Doe.txt")).unwrap(),
    ));
    assert!(
        flat.contains(&chat_sha),
        "the report gives the hash of the export it read"
    );
    assert!(
        text.contains("Europe/London"),
        "and the zone it read the times in"
    );
    let statement = std::fs::read_to_string(out.join("case/data/report/statement-draft.txt"))
        .or_else(|_| {
            let found = walk(&out.join("case"))
                .into_iter()
                .find(|p| p.to_string_lossy().contains("statement"))
                .unwrap();
            std::fs::read_to_string(found)
        })
        .unwrap();
    assert!(
        statement.contains("conversation export that WhatsApp gave me"),
        "{statement}"
    );
    assert!(statement.contains("Messages 3–4"), "{statement}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
