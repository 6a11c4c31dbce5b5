//! Bundle export and verification: a real vault, real zips, a data-driven tamper corpus
//! (testdata/tamper.txt, written by `corpus/`) and a property test of random corruption.
#![allow(clippy::unwrap_used, missing_docs)]

mod corpus;

use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;

use proptest::prelude::*;
use safekeep_core::bundle::{ExportError, ExportOptions, Verdict, verify::verify_path};
use safekeep_core::item::Context;
use safekeep_core::{Vault, canonical};
use sha2::{Digest, Sha256};
use zip::ZipArchive;

use corpus::*;

fn never_panics_ok(path: &Path, key: Option<&str>) -> safekeep_core::bundle::VerifyReport {
    verify_path(path, key, None, &|_| {})
}

#[test]
fn a_fresh_export_verifies_and_is_recorded() {
    let t = tempfile::tempdir().unwrap();
    let (mut v, case) = fixture(t.path());
    let out = t.path().join("case.zip");
    let s = v
        .export(
            &case[..8],
            &ExportOptions {
                out: out.clone(),
                exhibit_prefix: "AB".into(),
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(s.items, 3, "the withdrawn item is not an exhibit");
    assert_eq!(s.sha256, hex::encode(Sha256::digest(fs::read(&out).unwrap())));
    let r = never_panics_ok(&out, Some(&s.key_fingerprint.to_lowercase().replace(' ', "")));
    assert_eq!(r.verdict, Verdict::Intact, "{:#?}", r.checks);
    assert_eq!(r.key_fingerprint.as_deref(), Some(v.key().fingerprint().as_str()));
    let last = v.events(&case).unwrap().pop().unwrap();
    assert_eq!(last.kind, "bundle.exported");
    assert!(last.body.contains(&s.sha256));
    assert!(!out.with_file_name("case.zip.part").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a bundle is the person's own, wherever it is saved");
    }
    let names: Vec<String> = read_bag(&fs::read(&out).unwrap(), "case")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("bagit.txt"));
    assert!(names.iter().all(|n| {
        n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
    }));
    assert!(names.contains(&"data/items/AB-1-screenshot-of-post/original.png".to_owned()));
    assert!(names.contains(&"data/items/AB-3-what-happened/note.txt".to_owned()));
}

/// A case of several pages of exhibits (the export walks them a page at a time, twice):
/// every exhibit once, numbered in capture order across pages with a withdrawn item
/// left out, and the same exhibits in the payload, both reports, the statement draft,
/// the README and the export's event.
#[test]
fn a_case_of_many_pages_exports_every_exhibit_once_in_order() {
    let t = tempfile::tempdir().unwrap();
    let mut v = Vault::init(
        &t.path().join("vault"),
        env(3),
        Some("correct horse battery staple"),
    )
    .unwrap();
    let case = v.create_case("Many messages").unwrap();
    let folder = t.path().join("messages");
    fs::create_dir(&folder).unwrap();
    for i in 0..601 {
        fs::write(folder.join(format!("m{i:04}.txt")), format!("message {i}\n")).unwrap();
    }
    let imported = v
        .import_files(&case, &[folder], &Context::default(), &mut |_| {}, &|| false)
        .unwrap();
    let ids: Vec<String> = imported
        .into_iter()
        .map(|(_, r)| match r.unwrap() {
            safekeep_core::vault::Imported::New(rec) => rec.id,
            other => panic!("{other:?}"),
        })
        .collect();
    v.withdraw(&ids[300], "sent twice", true).unwrap();
    let kept: Vec<&String> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 300)
        .map(|(_, id)| id)
        .collect();
    let out = t.path().join("case.zip");
    let s = v
        .export(
            &case,
            &ExportOptions {
                out: out.clone(),
                exhibit_prefix: "AB".into(),
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(s.items, 600);
    let r = never_panics_ok(&out, None);
    assert_eq!(r.verdict, Verdict::Intact, "{:#?}", r.checks);
    let entries = read_bag(&fs::read(&out).unwrap(), "case");
    let text =
        |name: &str| String::from_utf8(entries.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap();
    let metas: Vec<serde_json::Value> = entries
        .iter()
        .filter(|(n, _)| n.ends_with("/metadata.json"))
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    assert_eq!(metas.len(), 600);
    for (n, (meta, id)) in metas.iter().zip(&kept).enumerate() {
        assert_eq!(meta["exhibit"], format!("AB/{}", n + 1));
        assert_eq!(meta["item"]["id"].as_str(), Some(id.as_str()));
    }
    let html = text("data/report/index.html");
    let statement = text("data/report/statement-draft.txt");
    let readme = text("README.txt");
    for n in [1, 256, 257, 300, 301, 512, 513, 600] {
        let reference = format!("AB/{n}");
        assert_eq!(
            html.matches(&format!(">{reference}<")).count(),
            1,
            "{reference} in the list"
        );
        assert_eq!(
            html.matches(&format!(">{reference}: ")).count(),
            1,
            "{reference}'s section"
        );
        assert_eq!(
            statement.matches(&format!("exhibit {reference} ")).count(),
            1,
            "{reference} in the statement"
        );
    }
    assert!(!html.contains("AB/601"));
    assert_eq!(html.matches("<section class=\"item\"").count(), 600);
    assert!(readme.contains("Trusted timestamps: none"));
    let manifest = text("manifest-sha256.txt");
    assert_eq!(
        manifest.lines().filter(|l| l.contains("/metadata.json")).count(),
        600
    );
    let event: serde_json::Value =
        serde_json::from_str(&v.events(&case).unwrap().pop().unwrap().body).unwrap();
    let listed = event["data"]["exhibits"].as_array().unwrap();
    assert_eq!(listed.len(), 600);
    for (n, (x, id)) in listed.iter().zip(&kept).enumerate() {
        assert_eq!(x["ref"], format!("AB/{}", n + 1));
        assert_eq!(x["item_id"].as_str(), Some(id.as_str()));
    }
    // The event's body is canonical, as if it had been built as one value.
    let body = v.events(&case).unwrap().pop().unwrap().body;
    assert_eq!(canonical::to_bytes(&event).unwrap(), body.as_bytes());
}

#[test]
fn exports_are_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (pa, _) = export(a.path());
    let (pb, _) = export(b.path());
    assert_eq!(fs::read(pa).unwrap(), fs::read(pb).unwrap());
}

#[test]
fn export_refuses_bad_requests_and_leaves_nothing() {
    let t = tempfile::tempdir().unwrap();
    let (mut v, case) = fixture(t.path());
    let out = t.path().join("x.zip");
    let opts = |p: &str| ExportOptions {
        out: out.clone(),
        exhibit_prefix: p.into(),
        ..Default::default()
    };
    assert!(matches!(
        v.export(&case, &opts("ab1"), &mut |_| {}),
        Err(ExportError::BadPrefix(_))
    ));
    let empty = v.create_case("Nothing yet").unwrap();
    assert!(matches!(
        v.export(&empty, &opts("AB"), &mut |_| {}),
        Err(ExportError::Empty(_))
    ));
    fs::write(&out, b"someone's file").unwrap();
    assert!(matches!(
        v.export(&case, &opts("AB"), &mut |_| {}),
        Err(ExportError::Exists(_))
    ));
    assert_eq!(fs::read(&out).unwrap(), b"someone's file");
    fs::remove_file(&out).unwrap();
    // A blob altered inside the vault can never be exported as evidence.
    let item = &v.items(Some(&case)).unwrap()[1];
    let sha: [u8; 32] = hex::decode(&item.record.artifacts[0].sha256)
        .unwrap()
        .try_into()
        .unwrap();
    let blob = v.blobs().path_of(&v.blobs().name_for(&sha));
    let mut bytes = fs::read(&blob).unwrap();
    bytes[0] ^= 1;
    fs::write(&blob, bytes).unwrap();
    let err = v.export(&case, &opts("AB"), &mut |_| {}).unwrap_err();
    assert!(matches!(err, ExportError::Damaged { .. }), "{err}");
    let left: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !out.exists() && !t.path().join("x.zip.part").exists(),
        "left behind: {left:?}"
    );
    let missing = v.export(
        &case,
        &ExportOptions {
            out: t.path().join("no/such/dir/x.zip"),
            exhibit_prefix: "AB".into(),
            ..Default::default()
        },
        &mut |_| {},
    );
    assert!(matches!(missing, Err(ExportError::Write { .. })));
}

#[test]
fn tamper_corpus() {
    let t = tempfile::tempdir().unwrap();
    let cases = corpus(t.path());
    let mut failures = Vec::new();
    for case in &cases {
        let report = never_panics_ok(&case.target, case.key.as_deref());
        let found: String = report
            .checks
            .iter()
            .filter(|c| !c.ok)
            .flat_map(|c| c.details.iter().chain([&c.check]))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        let code = report.verdict.exit_code().to_string();
        let missing: Vec<&str> = if case.expected == "-" {
            vec![]
        } else {
            case.expected
                .split("&&")
                .map(str::trim)
                .filter(|e| !found.to_lowercase().contains(&e.to_lowercase()))
                .collect()
        };
        if code != case.exit || !missing.is_empty() {
            failures.push(format!(
                "{}: expected exit {} with {:?}, got exit {code}; failed checks:\n{found}\n",
                case.name, case.exit, case.expected
            ));
        }
    }
    let count = cases.len();
    assert!(count >= 30, "the corpus must hold at least 30 cases");
    assert!(
        failures.is_empty(),
        "{} of {count} tamper cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------- property test

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Random corruption of a bundle's bytes is never reported intact unless every bag
    /// file still reads back byte-identical; verify never panics.
    #[test]
    fn random_corruption_is_never_reported_intact(mutations in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..4)) {
        let t = tempfile::tempdir().unwrap();
        let bundle = cached_bundle();
        let mut bytes = bundle.clone();
        for (at, value, kind) in &mutations {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match kind {
                0 | 1 => bytes[i] ^= value | 1,
                2 => bytes.truncate(i),
                _ => bytes.insert(i, *value),
            }
        }
        let p = t.path().join("m.zip");
        fs::write(&p, &bytes).unwrap();
        let r = verify_path(&p, None, None, &|_| {});
        if r.verdict == Verdict::Intact {
            let orig = read_entries(&bundle);
            let mut z = ZipArchive::new(Cursor::new(&bytes)).unwrap();
            prop_assert_eq!(z.len(), orig.len());
            for (name, data) in orig {
                let mut f = z.by_name(&format!("{BAG}/{name}")).unwrap();
                let mut got = Vec::new();
                f.read_to_end(&mut got).unwrap();
                prop_assert_eq!(got, data, "{} changed but was reported intact", name);
            }
        }
    }
}

fn cached_bundle() -> Vec<u8> {
    static BUNDLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BUNDLE
        .get_or_init(|| {
            let t = tempfile::tempdir().unwrap();
            fs::read(export(t.path()).0).unwrap()
        })
        .clone()
}
