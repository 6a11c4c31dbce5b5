//! Feeds arbitrary bytes to `safekeep verify` as a bundle file. It must never panic,
//! hang or write anything; every input gets a verdict.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bundle.zip");
    std::fs::write(&path, data).expect("write input");
    let report = safekeep_core::bundle::verify::verify_path(&path, None, &|_| {});
    // Random bytes are never an intact signed bundle.
    assert_ne!(report.verdict, safekeep_core::bundle::Verdict::Intact);
});
