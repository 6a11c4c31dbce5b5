//! The structured incident log (`safekeep note --started … --impact …`): its fields are
//! sealed in the note's record, shown by `show`, and carried into the bundle's PDF and
//! HTML reports and its statement draft, with a draft impact summary.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{safekeep, stdout_of, tool};

struct Session {
    vault: PathBuf,
}

impl Session {
    fn ok(&self, args: &[&str]) -> String {
        stdout_of(args, safekeep(&self.vault).args(args).output().unwrap())
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = safekeep(&self.vault).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }
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

/// Exports `case` and unzips it; returns the bag folder.
fn export(s: &Session, dir: &Path, case: &str) -> PathBuf {
    let zip = dir.join("case.zip");
    s.ok(&[
        "export",
        "--case",
        case,
        "--out",
        zip.to_str().unwrap(),
        "--exhibit-prefix",
        "JD",
    ]);
    let out = dir.join("unzipped");
    run(Command::new(tool("unzip"))
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&out));
    out.join("case")
}

const FIELDS: [(&str, &str); 9] = [
    ("--started", "2026-03-01T21:40:00+00:00"),
    ("--ended", "2026-03-04"),
    ("--where", "Instagram direct messages"),
    ("--who", "@night.owl.77"),
    ("--known-as", "someone I met at a gym class"),
    ("--witnesses", "my sister Ann saw the messages"),
    ("--impact", "I stopped going out and cannot sleep."),
    ("--reported-to", "Example Police on 5 March"),
    ("--references", "CRN 44/12345/26"),
];

#[test]
fn a_structured_note_is_sealed_shown_and_carried_into_the_reports_and_statement() {
    let t = tempfile::tempdir().unwrap();
    let s = Session {
        vault: t.path().join("vault"),
    };
    s.ok(&["init"]);
    let case = s.ok(&["case", "new", "Incident log"]).trim().to_owned();
    let mut args = vec!["note", "--case", &case, "--title", "Threats in messages"];
    for (flag, value) in FIELDS {
        args.extend([flag, value]);
    }
    args.push("He said he would send the pictures to my family unless I paid.");
    let id = s.ok(&args).trim().to_owned();
    // A plain note, as before the fields existed, seals no `incident` at all.
    let plain = s
        .ok(&["note", "--case", &case, "A plain entry."])
        .trim()
        .to_owned();

    let shown: serde_json::Value = serde_json::from_str(&s.ok(&["show", &id, "--json"])).unwrap();
    let record = if shown.get("record").is_some() {
        &shown["record"]
    } else {
        &shown
    };
    let incident = &record["context"]["incident"];
    assert_eq!(incident["started"], "2026-03-01T21:40:00+00:00", "{shown}");
    assert_eq!(incident["place"], "Instagram direct messages");
    assert_eq!(incident["people"], "@night.owl.77");
    assert_eq!(incident["relationship"], "someone I met at a gym class");
    assert_eq!(incident["impact"], "I stopped going out and cannot sleep.");
    assert_eq!(incident["references"], "CRN 44/12345/26");
    let plain_shown = s.ok(&["show", &plain, "--json"]);
    assert!(!plain_shown.contains("\"incident\""), "{plain_shown}");

    let text = s.ok(&["show", &id]);
    for (label, (_, value)) in [
        "Started",
        "Ended",
        "Where",
        "Who",
        "How they are known",
        "Witnesses",
        "What it did to them",
        "Reported to",
        "References",
    ]
    .iter()
    .zip(FIELDS)
    {
        assert!(
            text.contains(label) && text.contains(value),
            "{label}: {value} not in\n{text}"
        );
    }
    // Sealed: the whole vault checks out, records and hashes included.
    assert!(s.ok(&["check"]).contains("intact"));

    let bag = export(&s, t.path(), &case);
    let pdf = run(Command::new(tool("pdftotext"))
        .arg(bag.join("data/report/report.pdf"))
        .arg("-"));
    let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let pdf_flat = flat(&pdf);
    for (_, value) in FIELDS {
        assert!(pdf_flat.contains(value), "{value} not in the PDF:\n{pdf}");
    }
    assert!(pdf_flat.contains("What it did to them"));
    let html = std::fs::read_to_string(bag.join("data/report/index.html")).unwrap();
    assert!(html.contains("How they are known") && html.contains("my sister Ann saw the messages"));

    let statement = std::fs::read_to_string(bag.join("data/report/statement-draft.txt")).unwrap();
    assert!(
        statement
            .contains("I believe it was done by @night.owl.77, whom I know as someone I met at a gym class."),
        "{statement}"
    );
    assert!(
        statement.contains("I reported it to Example Police on 5 March."),
        "{statement}"
    );
    assert!(
        statement.contains("References I was given: CRN 44/12345/26."),
        "{statement}"
    );
    let summary = statement
        .find("IMPACT SUMMARY - DRAFT, IN YOUR OWN WORDS")
        .expect(&statement);
    assert!(statement[summary..].contains("Victim Personal Statement"));
    assert!(
        statement[summary..]
            .contains("(JD/1, from 2026-03-01T21:40:00+00:00) I stopped going out and cannot sleep."),
        "{statement}"
    );
    let verify = s.ok(&["verify", t.path().join("case.zip").to_str().unwrap()]);
    assert!(!verify.is_empty());
}

#[test]
fn a_note_whose_dates_cannot_be_read_or_run_backwards_is_refused_with_what_to_write() {
    let t = tempfile::tempdir().unwrap();
    let s = Session {
        vault: t.path().join("vault"),
    };
    s.ok(&["init"]);
    let case = s.ok(&["case", "new", "Dates"]).trim().to_owned();
    let err = s.fails(&["note", "--case", &case, "--started", "last Tuesday", "Text."]);
    assert!(
        err.contains("\"last Tuesday\"") && err.contains("2026-03-01"),
        "{err}"
    );
    let err = s.fails(&[
        "note",
        "--case",
        &case,
        "--started",
        "2026-03-05",
        "--ended",
        "2026-03-01",
        "Text.",
    ]);
    assert!(err.contains("before its start"), "{err}");
    // Blank fields are no fields: the record is a plain note's.
    let id = s
        .ok(&["note", "--case", &case, "--impact", "  ", "Text."])
        .trim()
        .to_owned();
    assert!(!s.ok(&["show", &id, "--json"]).contains("\"incident\""));
}
