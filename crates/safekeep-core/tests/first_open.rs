//! The first SQLite use in a process, from many threads at once: every encrypted vault
//! opens. SQLite marks itself initialised before SQLCipher's own initialisation has
//! run, so without `db::open`'s one-time start a thread could get "An error occurred
//! with PRAGMA key or rekey" (seen in CI). This must stay the only test in this file:
//! the race exists only before the process's first open.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::{Arc, Barrier};

use rand::SeedableRng;
use safekeep_core::clock::SystemClock;
use safekeep_core::keyring::{KdfParams, KdfPolicy};
use safekeep_core::{Environment, Vault};

#[test]
fn many_threads_open_encrypted_vaults_at_start() {
    let t = tempfile::tempdir().unwrap();
    let threads = 16;
    let start = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let dir = t.path().join(format!("vault-{i}"));
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                let env = Environment {
                    clock: Box::new(SystemClock),
                    rng: Box::new(rand::rngs::StdRng::seed_from_u64(i as u64)),
                    app_version: "safekeep-test".into(),
                    host: "test-host".into(),
                    kdf: KdfPolicy::Fixed(KdfParams::INSECURE_FAST),
                };
                start.wait();
                Vault::init(&dir, env, Some("correct horse battery staple")).map(|_| ())
            })
        })
        .collect();
    let failed: Vec<String> = handles
        .into_iter()
        .filter_map(|h| h.join().unwrap().err().map(|e| e.to_string()))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {threads} failed: {failed:?}",
        failed.len()
    );
}
