//! Feeds arbitrary bytes to `safekeep verify` as a bundle file. It must never panic,
//! hang or write anything; every input gets a verdict.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bundle.zip");
    std::fs::write(&path, data).expect("write input");
    // Any verdict is fine (the seed itself is intact); a panic, hang or write is not.
    // Whether changed bytes can pass as intact is the job of the property test.
    let _ = safekeep_bundle::verify::verify_path(&path, None, None, &|_| {});
    assert_eq!(std::fs::read_dir(dir.path()).map(Iterator::count).unwrap_or(0), 1, "verify wrote a file");
});
