//! Safekeep's browser (issue #18): on a 1280×8000 page with 200 resources served from
//! loopback, (1) the page load with recording on against the same load with recording
//! off, alternating in the same run, and (2) "Capture this page" to a sealed item in an
//! encrypted vault (screenshots, MHTML, DOM, WARC, WACZ, store). Then the peak memory of
//! this process after recording a page that fetches one large body (default 200 MiB).
//! Prints a Markdown table for docs/performance.md.
//!
//! `cargo bench -p safekeep-capture --bench browser [-- RUNS [BIG_MIB]]` (10, 200).
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use safekeep_capture::web::browser::{BrowserOptions, Session, recorder::RecordLimits, store};
use safekeep_capture::web::render::find_browser;
use safekeep_core::keyring::{KdfParams, KdfPolicy};
use safekeep_core::{Environment, Vault};

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let runs: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10);
    let big_mib: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    std::fs::create_dir_all(site.join("img")).unwrap();
    let mut html = String::from(
        "<!doctype html><meta charset=utf-8><title>Bench</title><link rel=stylesheet href=style.css>\
         <body style=\"margin:0;height:8000px\">",
    );
    for i in 0..199 {
        // 199 small distinct PNGs (+ the stylesheet = 200 resources besides the document).
        let png = tiny_png(i as u8);
        std::fs::write(site.join(format!("img/{i}.png")), png).unwrap();
        html.push_str(&format!(
            "<img src=\"img/{i}.png\" width=60 height=60 style=\"position:absolute;left:{}px;top:{}px\">",
            (i % 20) * 64,
            (i / 20) * 790
        ));
    }
    html.push_str("</body>");
    std::fs::write(site.join("index.html"), html).unwrap();
    std::fs::write(
        site.join("style.css"),
        "body { font-family: sans-serif; background: #fafafa }",
    )
    .unwrap();
    {
        // Written a MiB at a time, so this process's peak memory stays the recorder's.
        use std::io::Write;
        let mut f = std::fs::File::create(site.join("big.bin")).unwrap();
        let chunk = vec![0x5a_u8; 1 << 20];
        for _ in 0..big_mib {
            f.write_all(&chunk).unwrap();
        }
    }
    std::fs::write(
        site.join("big.html"),
        "<!doctype html><title>Big</title><p id=s>loading</p>\
         <script>fetch('big.bin').then(r => r.arrayBuffer()).then(b => { document.getElementById('s').textContent = b.byteLength; });</script>",
    )
    .unwrap();

    let mut server = Command::new("python3")
        .args([
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&site)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .split_whitespace()
        .skip_while(|w| *w != "port")
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let page = url::Url::parse(&format!("http://127.0.0.1:{port}/index.html")).unwrap();

    let mut env = Environment::system("bench");
    env.kdf = KdfPolicy::Fixed(KdfParams::INSECURE_FAST);
    let mut vault = Vault::init(&work.path().join("vault"), env, Some("benchmark passphrase")).unwrap();
    let case = vault.create_case("bench").unwrap();
    let profile = work.path().join("profile");
    let program = find_browser(None).unwrap();
    let session = Session::launch(BrowserOptions {
        program,
        profile,
        headless: true,
        extra_authorities: Vec::new(),
        limits: RecordLimits {
            max_body: 1 << 30,
            max_total: 1 << 30,
        },
        load_timeout: Duration::from_secs(60),
        wacz_signer: None,
    })
    .unwrap();

    // One warm-up of each, so the first run's cold caches count for neither side.
    session.timed_load(&page, false).unwrap();
    session.timed_load(&page, true).unwrap();
    let (mut off, mut on, mut capture, mut requests, mut warc) = (vec![], vec![], vec![], 0, 0);
    let (mut bodies_kept, mut streamed) = (0, 0);
    let mut not_kept = std::collections::BTreeMap::<String, usize>::new();
    for run in 0..runs {
        // Alternate which goes first, so neither always meets the warmer caches.
        if run % 2 == 0 {
            off.push(session.timed_load(&page, false).unwrap().1.as_secs_f64());
        }
        let (tab, took) = session.timed_load(&page, true).unwrap();
        on.push(took.as_secs_f64());
        if run % 2 == 1 {
            off.push(session.timed_load(&page, false).unwrap().1.as_secs_f64());
        }
        let tab = tab.unwrap();
        session.settle(&tab);
        let began = Instant::now();
        let shot = session.capture(&tab, None, false).unwrap();
        let sealed = store(&mut vault, &case, shot, began).unwrap();
        capture.push(began.elapsed().as_secs_f64());
        requests = sealed.summary.requests;
        not_kept.clear();
        for x in sealed
            .item
            .capture
            .as_ref()
            .and_then(|c| c["exchanges"].as_array())
            .into_iter()
            .flatten()
        {
            if let Some(note) = x["body_not_kept"].as_str() {
                *not_kept.entry(note.to_owned()).or_default() += 1;
            }
        }
        streamed = sealed.item.capture.as_ref().map_or(0, |c| {
            c["exchanges"]
                .as_array()
                .map_or(0, |xs| xs.iter().filter(|x| x["body_streamed"] == true).count())
        });
        bodies_kept = sealed.item.capture.as_ref().map_or(0, |c| {
            c["exchanges"].as_array().map_or(0, |xs| {
                xs.iter().filter(|x| x["body_bytes"].as_u64().is_some()).count()
            })
        });
        warc = sealed
            .item
            .artifacts
            .iter()
            .find(|a| a.original_name.as_deref() == Some("page.warc.gz"))
            .map_or(0, |a| a.size);
    }
    let rss_before = peak_rss_mib();
    let big_page = url::Url::parse(&format!("http://127.0.0.1:{port}/big.html")).unwrap();
    let (tab, _) = session.timed_load(&big_page, true).unwrap();
    let tab = tab.unwrap();
    session.settle(&tab);
    let began = Instant::now();
    let shot = session.capture(&tab, None, false).unwrap();
    let sealed = store(&mut vault, &case, shot, began).unwrap();
    let big_secs = began.elapsed().as_secs_f64();
    let rss_after = peak_rss_mib();
    session.close();
    let _ = server.kill();
    let _ = server.wait();

    let (off_m, on_m, cap_m) = (median(off), median(on), median(capture));
    println!("| measure (median of {runs}) | value |");
    println!("|---|---|");
    println!("| page load, recording off | {:.3} s |", off_m);
    println!("| page load, recording on | {:.3} s |", on_m);
    println!("| ratio on / off (target ≤ 1.25×) | {:.2}× |", on_m / off_m);
    println!(
        "| \"Capture this page\" to sealed item (target ≤ 1.5 s) | {:.3} s |",
        cap_m
    );
    println!(
        "| requests recorded per capture (bodies kept, of them streamed) | {requests} ({bodies_kept}, {streamed}) |"
    );
    println!("| page.warc.gz | {warc} B |");
    let kept: u64 = sealed.item.capture.as_ref().map_or(0, |c| {
        c["exchanges"]
            .as_array()
            .map_or(0, |xs| xs.iter().filter_map(|x| x["body_bytes"].as_u64()).sum())
    });
    println!(
        "| page fetching a {big_mib} MiB body: capture + seal | {big_secs:.2} s, {} requests, {} MiB of bodies kept |",
        sealed.summary.requests,
        kept >> 20
    );
    println!(
        "| peak RSS of this process before / after that capture | {rss_before:.0} / {rss_after:.0} MiB |"
    );
    if let Some(xs) = sealed
        .item
        .capture
        .as_ref()
        .and_then(|c| c["exchanges"].as_array().cloned())
    {
        for x in xs
            .iter()
            .filter(|x| x["url"].as_str().is_some_and(|u| u.ends_with("big.bin")))
        {
            println!(
                "\nbig.bin: status {}, body kept {}, streamed {}, note: {}",
                x["status"], x["body_bytes"], x["body_streamed"], x["body_not_kept"]
            );
        }
    }
    for (note, n) in &not_kept {
        println!("\nbodies not kept ({n}): {note}");
    }
    println!("\nbrowser: {}", session_version_note());
}

fn session_version_note() -> String {
    let program = find_browser(None).unwrap();
    Command::new(program)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// A 4×4 PNG of one grey level: small, valid, distinct per `shade`.
fn tiny_png(shade: u8) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 4, 4);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[shade; 16]).unwrap();
    }
    out
}
