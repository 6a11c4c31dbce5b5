//! `safekeep backup` killed with SIGKILL at random moments: whatever the moment, the
//! backup folder restores to a consistent vault (the previous backup or the new one),
//! and the next run completes it.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{safekeep, stdout_of};
use rand::{Rng, SeedableRng};

fn items_in(vault: &Path) -> usize {
    let out = stdout_of(
        &["list", "--json"],
        safekeep(vault).args(["list", "--json"]).output().unwrap(),
    );
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

fn restores_consistently(backup: &Path, to: &Path) -> usize {
    let out = safekeep(to)
        .args(["restore", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = safekeep(to).args(["check"]).output().unwrap();
    assert!(
        check.status.success(),
        "check of the restored vault: {}",
        String::from_utf8_lossy(&check.stdout)
    );
    let n = items_in(to);
    std::fs::remove_dir_all(to).unwrap();
    n
}

#[test]
fn a_backup_killed_at_any_moment_still_restores() {
    let t = tempfile::tempdir().unwrap();
    let vault = t.path().join("vault");
    let run = |args: &[&str]| stdout_of(args, safekeep(&vault).args(args).output().unwrap());
    run(&["init"]);
    let case = run(&["case", "new", "Kill"]).trim().to_owned();
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let mut add = |n: usize, tag: &str| {
        let folder = t.path().join(format!("in-{tag}"));
        std::fs::create_dir_all(&folder).unwrap();
        for i in 0..n {
            let bytes: Vec<u8> = (0..64 * 1024).map(|_| rng.random()).collect();
            std::fs::write(folder.join(format!("f{i:04}.bin")), bytes).unwrap();
        }
        run(&["import", "--case", &case, folder.to_str().unwrap()]);
    };
    add(150, "a");
    let backup = t.path().join("backup");
    run(&["backup", backup.to_str().unwrap()]);
    // How long a run takes when there is little to copy (the quickest of three, so a
    // slow moment does not stretch it): kill moments are chosen within it.
    let quick = (0..3)
        .map(|_| {
            let started = Instant::now();
            run(&["backup", backup.to_str().unwrap()]);
            started.elapsed()
        })
        .min()
        .unwrap();
    let mut had = vec![150usize];
    let mut at_least = 150;
    let mut killed = 0;
    let restored = t.path().join("restored");
    assert_eq!(restores_consistently(&backup, &restored), 150);

    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let mut total = 150;
    for round in 0..20 {
        if round % 4 == 0 {
            add(40, &format!("r{round}"));
            total += 40;
            had.push(total);
        }
        let mut child = safekeep(&vault)
            .args(["backup", backup.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A moment within the time a run takes (process start, unlock, snapshot, copies,
        // verification), so that nearly every run is cut short somewhere.
        std::thread::sleep(Duration::from_micros(
            rng.random_range(0..quick.as_micros() as u64 * 9 / 10 + 1),
        ));
        let _ = child.kill();
        let finished = child.wait().unwrap().success();
        let n = restores_consistently(&backup, &restored);
        assert!(
            had.contains(&n) && n >= at_least && (!finished || n == total),
            "round {round}: restored {n} items; the vault has had {had:?}, at least {at_least} were backed up, finished: {finished}"
        );
        at_least = n;
        killed += usize::from(!finished);
    }
    assert!(killed >= 15, "only {killed} of 20 runs were cut short");
    run(&["backup", backup.to_str().unwrap()]);
    assert_eq!(
        restores_consistently(&backup, &restored),
        total,
        "the next run completes it"
    );
}
