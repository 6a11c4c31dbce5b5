//! A phone's worth of files at once: folders imported recursively with their paths
//! kept, files the case already holds never imported twice, imports killed at random
//! moments leave only whole items (a re-run imports the rest), and the perceptual
//! fingerprints computed off the import path survive a kill too.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{safekeep, stdout_of};
use rand::{Rng, SeedableRng};
use serde_json::Value;
use sha2::{Digest, Sha256};

struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    vault: PathBuf,
    case: String,
}

impl Env {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let vault = root.join("vault");
        stdout_of(&["init"], safekeep(&vault).arg("init").output().unwrap());
        let case = stdout_of(
            &["case"],
            safekeep(&vault).args(["case", "new", "Phone"]).output().unwrap(),
        )
        .trim()
        .to_owned();
        Self {
            _tmp: tmp,
            root,
            vault,
            case,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        safekeep(&self.vault).args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        stdout_of(args, self.run(args))
    }

    fn import(&self, paths: &[&Path]) -> Output {
        let mut cmd = safekeep(&self.vault);
        cmd.args(["import", "--case", &self.case]).args(paths);
        cmd.output().unwrap()
    }

    fn items(&self) -> Vec<Value> {
        serde_json::from_str::<Value>(&self.ok(&["list", "--json"]))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

/// `n` small files (1–50 KiB) in nested folders, by relative path, with their SHA-256.
fn phone(root: &Path, n: usize, seed: u64) -> BTreeMap<String, String> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut want = BTreeMap::new();
    for i in 0..n {
        let rel = format!("DCIM/{:03}/IMG_{i:05}.bin", i % 7);
        let path = root.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut data = vec![0u8; rng.random_range(1024..50 * 1024)];
        rng.fill(&mut data[..]);
        std::fs::write(&path, &data).unwrap();
        want.insert(rel, hex::encode(Sha256::digest(&data)));
    }
    want
}

/// Every item's (source path, SHA-256), failing on duplicates.
fn imported(items: &[Value]) -> BTreeMap<String, String> {
    let mut got = BTreeMap::new();
    for item in items {
        let a = &item["artifacts"][0];
        let path = a["source_path"].as_str().unwrap().to_owned();
        let sha = a["sha256"].as_str().unwrap().to_owned();
        assert!(
            got.insert(path.clone(), sha).is_none(),
            "{path} was imported twice"
        );
    }
    got
}

#[test]
fn folders_import_recursively_keep_their_paths_and_are_not_imported_twice() {
    let e = Env::new();
    let folder = e.root.join("Screenshots");
    let want = phone(&folder, 12, 1);
    std::fs::write(folder.join("notes.txt"), b"what he said").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(folder.join("notes.txt"), folder.join("link-to-notes")).unwrap();
    let out = e.import(&[&folder]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a refused link makes the exit status say so"
    );
    #[cfg(unix)]
    assert!(stderr.contains("it is a link, not a file"), "{stderr}");
    assert!(stderr.contains("13 were kept safely"), "{stderr}");
    let ids: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(ids.len(), 13, "one id per file");
    let items = e.items();
    let got = imported(&items);
    for (path, sha) in &want {
        assert_eq!(got.get(path), Some(sha), "{path}");
    }
    assert!(got.contains_key("notes.txt"));
    // In name order, the order the person sees in their file manager.
    let order: Vec<&str> = items
        .iter()
        .map(|i| i["artifacts"][0]["source_path"].as_str().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(order, sorted);

    // Again, with one more file: only that one is new; the ids printed are the same.
    std::fs::write(folder.join("later.txt"), b"and then").unwrap();
    let again = e.import(&[&folder]);
    let again_ids: BTreeSet<String> = String::from_utf8(again.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(e.items().len(), 14);
    assert!(ids.iter().all(|id| again_ids.contains(id)));
    assert_eq!(again_ids.len(), 14);
    // A changed file under the same name is new evidence, not a duplicate.
    std::fs::write(folder.join("notes.txt"), b"what he said, edited").unwrap();
    e.import(&[&folder.join("notes.txt")]);
    assert_eq!(e.items().len(), 15);
    assert!(e.ok(&["check"]).contains("intact"));
}

#[test]
fn killed_batch_imports_leave_whole_items_and_a_rerun_imports_the_rest() {
    let files = Env::new();
    let folder = files.root.join("phone");
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("crash test seed {seed} (set CRASH_SEED to repeat)");
    let want = phone(&folder, 2000, seed);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    // How long a whole import takes here, measured on a vault of its own.
    let started = Instant::now();
    assert!(files.import(&[&folder]).status.success());
    let full = started.elapsed();
    let mut kills = 0;
    // Vault after vault until at least 20 imports were killed part-way.
    while kills < 20 {
        let e = Env::new();
        for round in 0..40 {
            let left = 1.0 - imported(&e.items()).len() as f64 / want.len() as f64;
            let mut child = safekeep(&e.vault)
                .args(["import", "--case", &e.case])
                .arg(&folder)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(full.mul_f64(left * rng.random_range(0.05..0.9)));
            let finished = child.try_wait().unwrap().is_some();
            child.kill().unwrap();
            child.wait().unwrap();
            kills += usize::from(!finished);
            // Whatever the moment: no problem, and every listed item whole and there once.
            // (Files a kill left unreferenced are orphans, reported apart from problems.)
            let check: Value = serde_json::from_slice(&e.run(&["check", "--json"]).stdout).unwrap();
            assert_eq!(check["problems"], serde_json::json!([]), "round {round}: {check}");
            let got = imported(&e.items());
            for (path, sha) in &got {
                assert_eq!(want.get(path), Some(sha), "round {round}: {path} is not whole");
            }
            if finished || got.len() == want.len() || kills >= 20 {
                break;
            }
        }
        // A re-run imports the rest, and adopts or clears what the kills left.
        let out = e.import(&[&folder]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(imported(&e.items()), want);
        assert!(
            e.ok(&["check"]).contains("intact"),
            "no orphan is left once the import finished"
        );
    }
    eprintln!("{kills} imports killed part-way; one import takes {full:?} here");
}

/// A 64×64 picture unlike the others (a gradient turned by `n`).
fn picture(path: &Path, n: u32) {
    let (w, h) = (64u32, 64u32);
    let mut enc = png::Encoder::new(std::fs::File::create(path).unwrap(), w, h);
    enc.set_color(png::ColorType::Rgb);
    let data: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            let v = ((x * (n % 5 + 1) + y * (n / 5 + 1)) * 4 % 256) as u8;
            [v, 255 - v, v ^ (n as u8).wrapping_mul(37)]
        })
        .collect();
    enc.write_header().unwrap().write_image_data(&data).unwrap();
}

#[test]
fn fingerprints_wait_off_the_import_path_and_survive_a_kill() {
    let e = Env::new();
    let folder = e.root.join("pictures");
    std::fs::create_dir_all(&folder).unwrap();
    for n in 0..40 {
        picture(&folder.join(format!("p{n:02}.png")), n);
    }
    let out = e.import(&[&folder]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("40 picture(s) or video(s) wait for their perceptual (PDQ) fingerprint"),
        "{said}"
    );
    // A listing computes them; killed part-way, the queue keeps what was not done.
    let mut child = safekeep(&e.vault)
        .args(["list", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap();
    child.wait().unwrap();
    let items = e.items();
    assert_eq!(items.len(), 40);
    let mut seen = BTreeSet::new();
    for item in &items {
        let a = &item["artifacts"][0];
        assert!(a["pdq_pending"].is_null(), "{a}");
        assert_eq!(a["pdq"].as_str().map(str::len), Some(64), "{a}");
        seen.insert(a["pdq"].as_str().unwrap().to_owned());
    }
    assert!(
        seen.len() > 30,
        "distinct pictures get distinct fingerprints ({})",
        seen.len()
    );
    // The same pictures imported again elsewhere get the same fingerprints.
    let other = Env::new();
    other.import(&[&folder]);
    let again: BTreeSet<String> = other
        .items()
        .iter()
        .map(|i| i["artifacts"][0]["pdq"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(again, seen);
    assert!(e.ok(&["check"]).contains("intact"));
}

/// `safekeep list --case ID` with search and filters finds in the vault what the app's
/// timeline finds; filters without a case, and a bad date, are refused with what to do.
#[test]
fn list_searches_and_filters_a_case() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    let run = |args: &[&str]| stdout_of(args, safekeep(&vault).args(args).output().unwrap());
    run(&["init"]);
    let case = run(&["case", "new", "Phone"]).trim().to_owned();
    let folder = t.path().join("phone");
    std::fs::create_dir_all(folder.join("Download")).unwrap();
    for name in ["threat-1.txt", "threat-2.txt", "holiday.txt"] {
        std::fs::write(folder.join("Download").join(name), name).unwrap();
    }
    let ids = run(&["import", "--case", &case, folder.to_str().unwrap()]);
    let ids: Vec<&str> = ids.lines().collect();
    run(&["note", "--case", &case, "He sent it again"]);
    run(&["annotate", ids[0], "--tag", "keep"]); // holiday.txt: a folder is imported in name order
    let titles = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["list", "--case", &case, "--json"];
        args.extend_from_slice(extra);
        let v: Value = serde_json::from_str(&run(&args)).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&[]).len(), 4);
    assert_eq!(titles(&["--search", "threat"]), ["threat-1.txt", "threat-2.txt"]);
    assert_eq!(
        titles(&["--search", "download"]).len(),
        3,
        "folder paths are searchable"
    );
    assert_eq!(
        titles(&["--search", "again"]),
        ["He sent it again"],
        "an entry's own words"
    );
    assert_eq!(titles(&["--kind", "note"]), ["He sent it again"]);
    assert_eq!(titles(&["--tag", "keep"]), ["holiday.txt"]);
    assert_eq!(titles(&["--to", "2000-01-01"]).len(), 0);
    assert_eq!(titles(&["--from", "2000-01-01", "--search", "threat"]).len(), 2);

    let no_case = safekeep(&vault)
        .args(["list", "--search", "threat"])
        .output()
        .unwrap();
    assert!(!no_case.status.success());
    assert!(String::from_utf8_lossy(&no_case.stderr).contains("--case"));
    let bad = safekeep(&vault)
        .args(["list", "--case", &case, "--from", "yesterday"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("write it as 2026-03-01"));
}
