//! Receipts: the recipient signs what they received (`safekeep receipt sign`, no vault),
//! the sender adds it to the case (`safekeep receipt add`), and it is in the chain and in
//! the next bundle's audit log; forged, other-bundle and repeated receipts are refused.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{safekeep, stdout_of, tool};
use serde_json::Value;

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output().unwrap()
}

fn fails(out: std::process::Output) -> String {
    assert!(!out.status.success(), "should fail");
    String::from_utf8(out.stderr).unwrap()
}

/// `safekeep receipt sign` as the recipient, with their own key and passphrase.
fn sign(dir: &Path, bundle: &Path, out: &Path) -> std::process::Output {
    let mut cmd = safekeep(&dir.join("no-vault-here"));
    cmd.env("SAFEKEEP_RECIPIENT_KEY", dir.join("recipient/key.age"))
        .env("SAFEKEEP_PASSPHRASE", "the solicitor's own passphrase")
        .args(["receipt", "sign"])
        .arg(bundle)
        .args([
            "--name",
            "Jo Bloggs",
            "--organisation",
            "Bloggs & Co Solicitors",
            "--out",
        ])
        .arg(out);
    run(&mut cmd)
}

#[test]
fn a_receipt_is_signed_added_logged_and_exported() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    let ok = |args: &[&str]| stdout_of(args, run(safekeep(&vault).args(args)));
    ok(&["init"]);
    let case = ok(&["case", "new", "Messages"]).trim().to_owned();
    ok(&["note", "--case", &case, "He wrote again at 10pm"]);
    let zip = t.path().join("case.zip");
    ok(&["export", "--case", &case, "--out", zip.to_str().unwrap()]);

    let receipt = t.path().join("RECEIPT.json");
    let out = sign(t.path(), &zip, &receipt);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("New key made"), "{said}");
    let r: Value = serde_json::from_slice(&std::fs::read(&receipt).unwrap()).unwrap();
    assert_eq!(r["verdict"], "intact");
    assert_eq!(r["recipient"]["name"], "Jo Bloggs");
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        std::fs::read(&zip).unwrap(),
    ));
    assert_eq!(r["bundle"]["sha256"], sha.as_str());
    assert!(r["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true));
    let text = std::fs::read_to_string(t.path().join("RECEIPT.txt")).unwrap();
    assert!(
        text.contains("INTACT") && text.contains("Bloggs & Co Solicitors"),
        "{text}"
    );
    // The same key signs the next receipt; a wrong passphrase does not open it.
    let again = sign(t.path(), &zip, &t.path().join("again.json"));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(r["recipient"]["key_fingerprint"].as_str().unwrap())
    );
    let mut wrong = safekeep(&vault);
    wrong
        .env("SAFEKEEP_RECIPIENT_KEY", t.path().join("recipient/key.age"))
        .env("SAFEKEEP_PASSPHRASE", "not the passphrase at all")
        .args(["receipt", "sign", zip.to_str().unwrap(), "--name", "X", "--out"])
        .arg(t.path().join("x.json"));
    assert!(fails(run(&mut wrong)).contains("does not open the recipient key"));

    // The sender adds it: it is checked against the case's export and logged.
    let added = run(safekeep(&vault).args(["receipt", "add", receipt.to_str().unwrap(), "--case", &case]));
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(
        String::from_utf8_lossy(&added.stderr)
            .contains("Received intact by Jo Bloggs, Bloggs & Co Solicitors")
    );
    assert!(ok(&["log", "--case", &case]).contains("bundle.received"));
    assert!(ok(&["receipt", "list", "--case", &case]).contains("Received intact by Jo Bloggs"));
    let twice = fails(run(safekeep(&vault).args([
        "receipt",
        "add",
        receipt.to_str().unwrap(),
        "--case",
        &case,
    ])));
    assert!(twice.contains("already recorded"), "{twice}");

    // Forged: any change breaks the signature.
    let forged = t.path().join("forged.json");
    std::fs::write(
        &forged,
        std::fs::read_to_string(&receipt)
            .unwrap()
            .replace("Jo Bloggs", "Someone Else"),
    )
    .unwrap();
    let e = fails(run(safekeep(&vault).args([
        "receipt",
        "add",
        forged.to_str().unwrap(),
        "--case",
        &case,
    ])));
    assert!(e.contains("signature does not verify"), "{e}");
    // Another case's bundle: refused.
    let other = ok(&["case", "new", "Other"]).trim().to_owned();
    ok(&["note", "--case", &other, "Something else"]);
    let other_zip = t.path().join("other.zip");
    ok(&["export", "--case", &other, "--out", other_zip.to_str().unwrap()]);
    let other_receipt = t.path().join("other-receipt.json");
    assert!(sign(t.path(), &other_zip, &other_receipt).status.success());
    let e = fails(run(safekeep(&vault).args([
        "receipt",
        "add",
        other_receipt.to_str().unwrap(),
        "--case",
        &case,
    ])));
    assert!(e.contains("never exported"), "{e}");
    // A bundle altered on the way: the receipt says so (exit 1), and it matches no export.
    let bad = t.path().join("bad.zip");
    let mut bytes = std::fs::read(&zip).unwrap();
    let at = bytes.windows(6).position(|w| w == b"He wro").unwrap();
    bytes[at] = b'S';
    std::fs::write(&bad, &bytes).unwrap();
    let bad_receipt = t.path().join("bad-receipt.json");
    let out = sign(t.path(), &bad, &bad_receipt);
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&std::fs::read(&bad_receipt).unwrap()).unwrap();
    assert_ne!(r["verdict"], "intact");

    // The next bundle carries the receipt in its audit log, and verifies.
    let next = t.path().join("next.zip");
    ok(&["export", "--case", &case, "--out", next.to_str().unwrap()]);
    stdout_of(
        &["verify"],
        run(safekeep(&vault).args(["verify", next.to_str().unwrap()])),
    );
    let unzipped = t.path().join("next");
    assert!(
        run(Command::new(tool("unzip"))
            .arg("-q")
            .arg(&next)
            .arg("-d")
            .arg(&unzipped))
        .status
        .success()
    );
    let log = std::fs::read_dir(unzipped.join("next/data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("log"))
        .unwrap();
    let log_text = if log.is_dir() {
        std::fs::read_dir(&log)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
            .collect::<String>()
    } else {
        std::fs::read_to_string(&log).unwrap()
    };
    assert!(log_text.contains("bundle.received") && log_text.contains("Jo Bloggs"));
}

#[test]
fn an_advocate_opens_a_clients_encrypted_bundle_as_a_case_and_exports_it_again() {
    let t = tempfile::tempdir().unwrap();
    let (client, advocate) = (t.path().join("client"), t.path().join("advocate"));
    let on = |vault: &Path, args: &[&str]| {
        stdout_of(
            args,
            run(safekeep(vault)
                .env("SAFEKEEP_BUNDLE_PASSPHRASE", "a passphrase read out on the phone")
                .args(args)),
        )
    };
    on(&client, &["init"]);
    let case = on(&client, &["case", "new", "Messages"]).trim().to_owned();
    on(&client, &["note", "--case", &case, "He wrote again at 10pm"]);
    let sent = t.path().join("for-advocate.zip");
    on(
        &client,
        &[
            "export",
            "--case",
            &case,
            "--exhibit-prefix",
            "AB",
            "--encrypt",
            "--out",
            sent.to_str().unwrap(),
        ],
    );
    let sent = t.path().join("for-advocate.zip.age");

    on(&advocate, &["init"]);
    let opened = on(&advocate, &["case", "import", sent.to_str().unwrap()]);
    assert_eq!(
        opened.trim(),
        case,
        "the case keeps its id and only the id is on stdout"
    );
    let log = on(&advocate, &["log", "--case", &case]);
    assert!(log.lines().last().unwrap().contains("case.imported"), "{log}");
    on(&advocate, &["note", "--case", &case, "Client called on 3 March"]);
    let again = t.path().join("for-solicitor.zip");
    on(
        &advocate,
        &[
            "export",
            "--case",
            &case,
            "--exhibit-prefix",
            "CD",
            "--out",
            again.to_str().unwrap(),
        ],
    );
    let verified = on(&advocate, &["verify", again.to_str().unwrap(), "--json"]);
    let report: Value = serde_json::from_str(&verified).unwrap();
    assert_eq!(report["verdict"], "intact");
    assert!(report["checks"].as_array().unwrap().iter().any(|c| {
        c["check"]
            .as_str()
            .unwrap()
            .starts_with("Each hand-over verifies")
            && c["ok"] == true
    }));

    let twice = fails(run(safekeep(&advocate)
        .env("SAFEKEEP_BUNDLE_PASSPHRASE", "a passphrase read out on the phone")
        .args(["case", "import"])
        .arg(&sent)));
    assert!(twice.contains("already in this vault"), "{twice}");
    let wrong = fails(run(safekeep(&advocate)
        .env("SAFEKEEP_BUNDLE_PASSPHRASE", "not the passphrase")
        .args(["case", "import"])
        .arg(&sent)));
    assert!(wrong.contains("nothing was imported"), "{wrong}");
}
