//! Times safekeep-verify.html checking one bundle in headless Chromium, and samples the
//! tab's memory (the renderer process, where the page and its worker run) every 100 ms.
//! Used by bench/verify-page.sh; prints `SECONDS PEAK_RSS_ANON_KIB VERDICT`, and the
//! verifier's WebAssembly memory on stderr.
//!
//!     cargo run -p safekeep-e2e --example verify_page_bench -- BUNDLE [PAGE INPUT]
//!
//! PAGE and INPUT (a CSS selector) name another page to give the file to, for a baseline.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use safekeep_capture::web::cdp::{Browser, Launch};
use serde_json::json;

/// Which resident memory is counted: anonymous memory (the tab's own; `RssAnon`). File
/// pages the browser maps to read the bundle are the page cache, given back on demand.
const FIELD: &str = "RssAnon:";

/// Resident memory of the browser's renderer processes (KiB), from /proc.
fn renderer_rss(browser_pid: u32) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let child_of_browser = is_descendant(pid, browser_pid);
        if child_of_browser && cmd.windows(15).any(|w| w == b"--type=renderer") {
            total += status
                .lines()
                .find_map(|l| l.strip_prefix(FIELD))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    total
}

/// Whether `pid` descends from `ancestor` (its parent, grandparent, … up to 8 levels).
fn is_descendant(pid: u32, ancestor: u32) -> bool {
    let mut p = pid;
    for _ in 0..8 {
        let status = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
        let Some(ppid) = status
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .and_then(|p| p.trim().parse::<u32>().ok())
        else {
            return false;
        };
        if ppid == ancestor {
            return true;
        }
        if ppid <= 1 {
            return false;
        }
        p = ppid;
    }
    false
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bundle = PathBuf::from(std::env::args().nth(1).expect("give a bundle"))
        .canonicalize()
        .unwrap();
    let page_path = safekeep_e2e::repo()
        .join("target/web/safekeep-verify.html")
        .canonicalize()
        .unwrap();
    let t = tempfile::tempdir().unwrap();
    let program = safekeep_capture::web::render::find_browser(None).unwrap();
    let profile = t.path().join("profile");
    let browser = Browser::launch(&Launch {
        program: &program,
        profile: &profile,
        headless: true,
        window: (1200, 900),
        fixed_viewport: false,
        extra: Vec::new(),
        ignore_certificate_errors: false,
        command_timeout: Duration::from_secs(600),
    })
    .await
    .unwrap();
    let page = browser.new_page().await.unwrap();
    let page_path = match std::env::args().nth(2) {
        Some(other) => PathBuf::from(other).canonicalize().unwrap(),
        None => page_path,
    };
    let input = std::env::args().nth(3).unwrap_or_else(|| "#bundle-file".into());
    page.goto(&format!("file://{}", page_path.display()))
        .await
        .unwrap();
    let doc = page
        .call_raw("DOM.getDocument", json!({"depth": 0}))
        .await
        .unwrap();
    let root = doc["root"]["nodeId"].as_i64().unwrap();
    let node = page
        .call_raw("DOM.querySelector", json!({"nodeId": root, "selector": input}))
        .await
        .unwrap()["nodeId"]
        .as_i64()
        .unwrap();
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done, pid) = (peak.clone(), done.clone(), browser.pid());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(renderer_rss(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let start = Instant::now();
    page.call_raw(
        "DOM.setFileInputFiles",
        json!({"nodeId": node, "files": [bundle.display().to_string()]}),
    )
    .await
    .unwrap();
    loop {
        let state = page.evaluate("document.body.dataset.state").await.unwrap();
        if state == json!("done") || state == json!("error") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let verdict = page
        .evaluate("window.safekeepAnswer ? ((window.safekeepAnswer.report || {}).verdict || window.safekeepAnswer.error) : 'none'")
        .await
        .unwrap();
    let wasm = page.evaluate("window.safekeepVerifierMemory").await.unwrap();
    eprintln!("WebAssembly memory at the end: {wasm} bytes");
    println!(
        "{secs:.2} {} {}",
        peak.load(Ordering::Relaxed),
        verdict.as_str().unwrap_or("?")
    );
}
