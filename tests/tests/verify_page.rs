//! safekeep-verify.html in headless Chromium agrees with `safekeep verify`, verdict by
//! verdict and check by check, on the bundles the native verifier is tested on: intact
//! ones (plain, encrypted, an unzipped folder, a web capture with its signed WACZ,
//! timestamped by a self-made authority with and without its root, handed over and
//! exported again, a conversation export) and every case of the tamper corpus
//! (crates/safekeep-core/tests/testdata/tamper.txt), zip and folder forms. The page makes
//! no request of any kind, and is axe-clean with a result shown.
//!
//! The page is built by `scripts/build-verify-page` (which `make test` runs first).
#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../../crates/safekeep-core/tests/corpus/mod.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use safekeep_capture::web::cdp::{Browser, Launch, Page};
use safekeep_core::Vault;
use safekeep_core::bundle::ExportOptions;
use safekeep_core::bundle::encrypted::{BundleEncryption, BundleKey};
use safekeep_core::bundle::verify::verify_kept;
use safekeep_core::timestamp_trust::TrustList;
use serde_json::{Value, json};

fn page_path() -> PathBuf {
    let page = safekeep_e2e::repo().join("target/web/safekeep-verify.html");
    assert!(
        page.is_file(),
        "{} is missing: run scripts/build-verify-page (make test does)",
        page.display()
    );
    page.canonicalize().unwrap()
}

/// One bundle to check both ways.
struct Subject {
    name: String,
    target: PathBuf,
    key: Option<String>,
    passphrase: Option<String>,
    /// Timestamp-authority roots given to both (a PEM file): the page's "More options".
    roots: Option<PathBuf>,
    /// Check it the way browsers without JavaScript Promise Integration do (Firefox and
    /// Safari today): the worker reads with FileReaderSync.
    without_jspi: bool,
}

/// What the native verifier says, with the bundle's own path shown as the page shows it
/// (the page knows a dropped file by its name only).
fn native(s: &Subject) -> Value {
    let key = s
        .passphrase
        .as_ref()
        .map(|p| BundleKey::Passphrase(zeroize_string(p)));
    // The page knows the pinned authorities only; a browser gives it no system store.
    let roots = s.roots.as_ref().map_or_else(Vec::new, |p| {
        safekeep_core::timestamp_token::certificates_from_pem(&std::fs::read(p).unwrap()).unwrap()
    });
    let (report, _) = verify_kept(
        &s.target,
        s.key.as_deref(),
        key.as_ref(),
        &TrustList::pinned().with(roots),
        &|_| {},
    );
    normalise(serde_json::to_value(report).unwrap(), &s.target)
}

fn zeroize_string(p: &str) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(p.to_owned())
}

fn normalise(mut report: Value, target: &Path) -> Value {
    let full = target.display().to_string();
    let name = target.file_name().unwrap().to_string_lossy().into_owned();
    if let Some(checks) = report["checks"].as_array_mut() {
        for c in checks {
            if let Some(details) = c["details"].as_array_mut() {
                for d in details {
                    if let Some(text) = d.as_str() {
                        *d = json!(text.replace(&full, &name));
                    }
                }
            }
        }
    }
    report
}

async fn in_page(page: &Page, s: &Subject) -> Value {
    let url = format!("file://{}", page_path().display());
    page.goto(&url).await.unwrap();
    let doc = page
        .call_raw("DOM.getDocument", json!({"depth": 0}))
        .await
        .unwrap();
    let root = doc["root"]["nodeId"].as_i64().unwrap();
    if s.without_jspi {
        page.evaluate(
            "const w = document.getElementById('worker'); \
             w.textContent = 'delete WebAssembly.Suspending; delete WebAssembly.promising;\\n' + w.textContent; true",
        )
        .await
        .unwrap();
    }
    if let Some(roots) = &s.roots {
        choose_file(page, root, "#trust-roots", roots).await;
    }
    let input = if s.target.is_dir() {
        "#bundle-folder"
    } else {
        "#bundle-file"
    };
    if let Some(k) = &s.key {
        page.evaluate(&format!(
            "document.getElementById('expect-key').value = {}; true",
            json!(k)
        ))
        .await
        .unwrap();
    }
    choose_file(page, root, input, &s.target).await;
    if let Some(p) = &s.passphrase {
        wait(page, "!document.getElementById('encrypted').hidden", &s.name).await;
        page.evaluate(&format!(
            "document.getElementById('passphrase').value = {}; document.getElementById('check').click(); true",
            json!(p)
        ))
        .await
        .unwrap();
    }
    wait(
        page,
        "document.body.dataset.state === 'done' || document.body.dataset.state === 'error'",
        &s.name,
    )
    .await;
    let reads = page.evaluate("window.safekeepReads || ''").await.unwrap();
    let expected_reads = if s.without_jspi {
        "file-reader-sync"
    } else {
        "promise-integration"
    };
    assert_eq!(reads, json!(expected_reads), "{}", s.name);
    let answer = page
        .evaluate("JSON.stringify(window.safekeepAnswer)")
        .await
        .unwrap();
    let answer: Value = serde_json::from_str(answer.as_str().unwrap()).unwrap();
    assert!(
        answer.get("error").is_none(),
        "{}: the page said {answer}",
        s.name
    );
    answer["report"].clone()
}

/// Gives the file input `selector` (under the document node `root`) the file `path`, as
/// a person choosing it does.
async fn choose_file(page: &Page, root: i64, selector: &str, path: &Path) {
    let node = page
        .call_raw("DOM.querySelector", json!({"nodeId": root, "selector": selector}))
        .await
        .unwrap()["nodeId"]
        .as_i64()
        .unwrap();
    page.call_raw(
        "DOM.setFileInputFiles",
        json!({"nodeId": node, "files": [path.display().to_string()]}),
    )
    .await
    .unwrap();
}

async fn wait(page: &Page, expr: &str, what: &str) {
    let start = Instant::now();
    loop {
        if page.evaluate(expr).await.unwrap() == json!(true) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{what}: the page never reached {expr}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Verdict, fingerprint, and each check's name, outcome and details must be the same.
fn disagreement(name: &str, native: &Value, page: &Value) -> Option<String> {
    for field in [
        "verdict",
        "bag",
        "key_fingerprint",
        "tagmanifest_sha256",
        "files",
        "bytes",
    ] {
        if native[field] != page[field] {
            return Some(format!(
                "{name}: {field} differs: safekeep verify {} / page {} ({})",
                native[field], page[field], page["checks"]
            ));
        }
    }
    if native["checks"] != page["checks"] {
        return Some(format!(
            "{name}: the checks differ:\n  safekeep verify: {}\n  page:            {}",
            native["checks"], page["checks"]
        ));
    }
    None
}

fn subjects(dir: &Path) -> Vec<Subject> {
    let mut out = Vec::new();
    let cases = corpus::corpus(&dir.join("corpus"));
    // The corpus's fresh export, intact, and the same bag unzipped into a folder.
    let intact = dir.join("corpus").join(format!("{}.zip", corpus::BAG));
    let unzipped = dir.join("unzipped");
    let bytes = std::fs::read(&intact).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    zip.extract(&unzipped).unwrap();
    out.push(Subject {
        name: "intact zip".into(),
        target: intact,
        key: None,
        passphrase: None,
        roots: None,
        without_jspi: false,
    });
    out.push(Subject {
        name: "intact folder".into(),
        target: unzipped.join(corpus::BAG),
        key: None,
        passphrase: None,
        roots: None,
        without_jspi: false,
    });
    // Encrypted with a passphrase (a small work factor: the test is about agreement).
    let enc_dir = dir.join("encrypted");
    std::fs::create_dir_all(&enc_dir).unwrap();
    let (mut vault, case) = corpus::fixture(&enc_dir);
    let out_path = enc_dir.join("bundle.zip.age");
    vault
        .export(
            &case,
            &ExportOptions {
                out: out_path.clone(),
                exhibit_prefix: "AB".into(),
                encryption: Some(BundleEncryption::Passphrase {
                    passphrase: zeroize_string("a long shared passphrase"),
                    work_factor: 10,
                }),
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap();
    out.push(Subject {
        name: "encrypted".into(),
        target: out_path.clone(),
        key: None,
        passphrase: Some("a long shared passphrase".into()),
        roots: None,
        without_jspi: false,
    });
    out.push(Subject {
        name: "encrypted, wrong passphrase".into(),
        target: out_path,
        key: None,
        passphrase: Some("not the passphrase at all".into()),
        roots: None,
        without_jspi: false,
    });
    out.push(web_capture_bundle(&dir.join("web")));
    out.extend(timestamped_bundle(&dir.join("stamped")));
    out.push(handed_over_bundle(
        &dir.join("handed-over"),
        &dir.join("corpus").join(format!("{}.zip", corpus::BAG)),
    ));
    out.push(conversation_bundle(&dir.join("conversation")));
    for c in cases {
        out.push(Subject {
            name: format!("tamper case {}", c.name),
            target: c.target,
            key: c.key,
            passphrase: None,
            roots: None,
            without_jspi: false,
        });
    }
    // The same checks through the other way of reading: an intact bundle, an encrypted
    // one and an altered one.
    let again: Vec<Subject> = out
        .iter()
        .filter(|s| {
            [
                "intact zip",
                "encrypted",
                "tamper case payload-flip-unzipped",
                "tamper case zip64-and-payload-flip",
            ]
            .contains(&s.name.as_str())
        })
        .map(|s| Subject {
            name: format!("{} (read without JSPI)", s.name),
            target: s.target.clone(),
            key: s.key.clone(),
            passphrase: s.passphrase.clone(),
            roots: s.roots.clone(),
            without_jspi: true,
        })
        .collect();
    assert_eq!(again.len(), 4);
    out.extend(again);
    out
}

/// A case with a page captured in Safekeep's browser (so a signed WACZ), exported.
fn web_capture_bundle(dir: &Path) -> Subject {
    let port = safekeep_e2e::serve_html(b"<!doctype html><title>post</title><p>a post about me</p>");
    let dir = dir.to_path_buf();
    // On a thread of its own: the capture runs its own async runtime.
    let out = std::thread::spawn(move || {
        std::fs::create_dir_all(&dir).unwrap();
        let (mut vault, _) = corpus::fixture(&dir);
        let case = vault.create_case("A web page").unwrap();
        let request = safekeep_capture::web::browser::BrowserRequest {
            url: format!("http://127.0.0.1:{port}/post"),
            program: None,
            show: false,
            scroll: None,
            also_fetch: false,
            extra_authorities: Vec::new(),
            load_timeout: Duration::from_secs(30),
            max_body: safekeep_capture::web::DEFAULT_MAX_BODY,
            context: Default::default(),
            media: false,
            keep_downloads: false,
        };
        safekeep_capture::web::browser::capture_url_to_vault(&mut vault, &case, &request).unwrap();
        let out = dir.join("web.zip");
        vault
            .export(
                &case,
                &ExportOptions {
                    out: out.clone(),
                    exhibit_prefix: "WB".into(),
                    ..Default::default()
                },
                &mut |_| {},
            )
            .unwrap();
        out
    })
    .join()
    .unwrap();
    Subject {
        name: "a web capture (signed WACZ)".into(),
        target: out,
        key: None,
        passphrase: None,
        roots: None,
        without_jspi: false,
    }
}

/// A case whose items were timestamped by a self-made `openssl ts` authority, exported:
/// checked without its root (the page and `verify` both say "not recognised") and with it.
fn timestamped_bundle(dir: &Path) -> Vec<Subject> {
    std::fs::create_dir_all(dir).unwrap();
    let tsa = dir.join("tsa");
    corpus::self_made_authority(&tsa);
    let (mut vault, case) = corpus::fixture(dir);
    vault
        .enable_timestamps(vec![safekeep_core::vault::Authority {
            url: "http://tsa.example/self-made".into(),
            certificates: Some(std::fs::read_to_string(tsa.join("root.pem")).unwrap()),
        }])
        .unwrap();
    assert!(corpus::stamp_all(&mut vault, &tsa) > 0);
    let out = dir.join("stamped.zip");
    corpus::export_case(&mut vault, &case, &out, "TS");
    let subject = |name: &str, roots: Option<PathBuf>| Subject {
        name: name.into(),
        target: out.clone(),
        key: None,
        passphrase: None,
        roots,
        without_jspi: false,
    };
    vec![
        subject("timestamped by an authority the page does not know", None),
        subject(
            "timestamped, the authority's root given",
            Some(tsa.join("root.pem")),
        ),
    ]
}

/// The corpus's bundle opened as a case in a second vault (a hand-over) and exported again.
fn handed_over_bundle(dir: &Path, received: &Path) -> Subject {
    std::fs::create_dir_all(dir).unwrap();
    let mut advocate = Vault::init(
        &dir.join("advocate"),
        corpus::env(21),
        Some("correct horse battery staple"),
    )
    .unwrap();
    let got = advocate.import_case(received, None, &|_| {}).unwrap();
    let out = dir.join("handed-over.zip");
    corpus::export_case(&mut advocate, &got.case_id, &out, "AB");
    Subject {
        name: "handed over and exported again".into(),
        target: out,
        key: None,
        passphrase: None,
        roots: None,
        without_jspi: false,
    }
}

/// A case holding a WhatsApp conversation export (a folder of a chat and its media).
fn conversation_bundle(dir: &Path) -> Subject {
    std::fs::create_dir_all(dir).unwrap();
    let (mut vault, case) = corpus::fixture(dir);
    let export_dir = safekeep_e2e::repo().join("tests/fixtures/conversations/whatsapp-android-en");
    vault
        .import_conversation(
            &case,
            &[export_dir],
            &safekeep_core::vault::ReadOptions {
                zone: Some("Europe/London".into()),
                ..Default::default()
            },
            Default::default(),
            &mut |_| {},
            &|| false,
        )
        .unwrap();
    let out = dir.join("conversation.zip");
    corpus::export_case(&mut vault, &case, &out, "CV");
    Subject {
        name: "a conversation export".into(),
        target: out,
        key: None,
        passphrase: None,
        roots: None,
        without_jspi: false,
    }
}

/// axe-core's WCAG 2.x A and AA rules find nothing on the page as shown.
async fn axe_clean(page: &Page, what: &str) {
    let axe = safekeep_e2e::repo().join("target/npm/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&axe)
        .unwrap_or_else(|e| panic!("{} ({e}); `make deps-test` installs axe-core", axe.display()));
    page.evaluate(&format!("{source}\n;typeof window.axe"))
        .await
        .unwrap();
    let violations = page.evaluate(safekeep_e2e::AXE_RUN).await.unwrap();
    assert_eq!(violations, json!([]), "axe-core on {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_agrees_with_safekeep_verify_on_every_bundle() {
    let t = tempfile::tempdir().unwrap();
    let subjects = subjects(t.path());
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
        command_timeout: Duration::from_secs(120),
    })
    .await
    .unwrap();
    let page = browser.new_page().await.unwrap();
    page.call_raw("Network.enable", json!({})).await.unwrap();
    let mut requests = page.connection().listen_raw(
        safekeep_capture::web::cdp::Sessions::One(page.session().to_owned()),
        Some(&["Network.requestWillBeSent"]),
    );
    let mut failures = Vec::new();
    for s in &subjects {
        let expected = native(s);
        let got = in_page(&page, s).await;
        if s.name.starts_with("a web capture") {
            let checks = expected["checks"].to_string();
            assert!(checks.contains("1 of 1 WACZ files signed"), "{checks}");
        }
        // The new intact kinds are what they claim to be, so agreeing on them means something.
        let verdict = expected["verdict"].as_str().unwrap_or_default().to_owned();
        match s.name.as_str() {
            "timestamped by an authority the page does not know" => {
                assert_eq!(verdict, "unrecognised_timestamp", "{expected}");
            }
            "timestamped, the authority's root given"
            | "handed over and exported again"
            | "a conversation export" => assert_eq!(verdict, "intact", "{}: {expected}", s.name),
            _ => {}
        }
        if s.name == "handed over and exported again" {
            assert!(expected["checks"].to_string().contains("hand-over"), "{expected}");
        }
        if s.name == "tamper case dir-symlink" {
            // The one difference, documented (docs/verify-in-a-browser.md): a browser
            // never shows a page the symbolic links in a chosen folder, so the page judges
            // the files it was given; `safekeep verify` refuses the link. Should browsers
            // ever list links, this fails and the page must learn to refuse them.
            assert_eq!(expected["verdict"], json!("altered"));
            assert_eq!(got["verdict"], json!("intact"), "{got}");
            continue;
        }
        if let Some(d) = disagreement(&s.name, &expected, &got) {
            failures.push(d);
        }
    }
    assert!(subjects.len() >= 38, "{} bundles checked", subjects.len());
    assert!(
        failures.is_empty(),
        "{} of {} bundles judged differently:\n{}",
        failures.len(),
        subjects.len(),
        failures.join("\n")
    );
    // With a result shown (an altered bundle: the longest), axe-core finds nothing.
    let altered = subjects
        .iter()
        .find(|s| s.name == "tamper case zip64-and-payload-flip")
        .unwrap();
    in_page(&page, altered).await;
    axe_clean(&page, "the verifier page showing an altered bundle").await;
    // Only the page itself and the worker made from it were ever loaded.
    let mut seen = 0;
    while let Ok(event) = requests.try_recv() {
        let url = event.params["request"]["url"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            url.starts_with("file://") || url.starts_with("blob:"),
            "the page requested {url}"
        );
        seen += 1;
    }
    assert!(seen >= subjects.len(), "the request listener saw {seen} loads");
    // The page's policy refuses every request, from the page and from a worker it makes
    // (which inherits it): a local server that answers anything sees no connection.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    server.set_nonblocking(true).unwrap();
    let tried = page
        .evaluate(&format!(
            "(async () => {{
               const url = 'http://127.0.0.1:{port}/';
               const page = await fetch(url).then(() => 'fetched', () => 'refused');
               new Image().src = url + 'image.png';
               const worker = await new Promise((resolve) => {{
                 const w = new Worker(URL.createObjectURL(new Blob([
                   `fetch('${{url}}worker').then(() => postMessage('fetched'), () => postMessage('refused'))`
                 ], {{ type: 'text/javascript' }})));
                 w.onmessage = (e) => resolve(e.data);
               }});
               return page + ' ' + worker;
             }})()"
        ))
        .await
        .unwrap();
    assert_eq!(tried, json!("refused refused"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(server.accept().is_err(), "the page reached a server");
}
