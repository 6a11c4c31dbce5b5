//! The harness the end-to-end tests share: tauri-driver started and stopped properly,
//! a WebDriver session on the real app, and small helpers to wait for, read and drive
//! the page. The tests themselves live in `tests/`.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc, missing_docs)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// tauri-driver, stopped with SIGTERM (SIGKILL would orphan WebKitWebDriver). While it
/// lives no other test of the same binary has an app open: tests that count the
/// windows on the X display, or capture the screen, must see only their own app.
pub struct Driver {
    child: Child,
    /// `SAFEKEEP_VAULT=…` exactly as given to tauri-driver. Every process started under
    /// it (WebKitWebDriver, the app, a browser the app started) inherits it, so it finds
    /// them even after their parents have gone.
    marker: Vec<u8>,
    _alone: MutexGuard<'static, ()>,
}

/// Held by the one [`Driver`] running at a time.
static ONE_APP: Mutex<()> = Mutex::new(());

impl Drop for Driver {
    fn drop(&mut self) {
        signal("TERM", self.child.id());
        let _ = self.child.wait();
        // The app usually ends when its WebDriver session closes, but not always: seen
        // here and in CI, an app outlived tauri-driver as an orphan for minutes (until
        // the X server ended), keeping the vault's lock and its window on the shared
        // display, so the next test found the vault in use or counted two windows. End
        // whatever this driver started that is still running, then wait for it to go.
        let left = end_processes_with(&self.marker);
        if !left.is_empty() {
            eprintln!("processes of this test that would not end: {left:?}");
        }
        let start = Instant::now();
        while any_windows() > 0 && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn signal(name: &str, pid: u32) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// Live processes (not this one) whose environment holds `marker`.
fn processes_with(marker: &[u8]) -> Vec<u32> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me && alive(pid))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|kv| kv == marker))
        })
        .collect()
}

/// Running or sleeping: not gone and not a zombie (whose files, and so its vault lock
/// and X connection, are already closed).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
        !matches!(state, None | Some('Z' | 'X' | 'x'))
    })
}

/// Sends SIGTERM, then SIGKILL after five seconds, to every process with `marker`;
/// returns those still alive after five more.
fn end_processes_with(marker: &[u8]) -> Vec<u32> {
    for (sig, grace) in [("TERM", 5), ("KILL", 5)] {
        let pids = processes_with(marker);
        if pids.is_empty() {
            return pids;
        }
        for &pid in &pids {
            signal(sig, pid);
        }
        let start = Instant::now();
        while !processes_with(marker).is_empty() && start.elapsed() < Duration::from_secs(grace) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    processes_with(marker)
}

/// Safekeep windows on the display, shown or not.
fn any_windows() -> usize {
    Command::new("xdotool")
        .args(["search", "--name", "^Safekeep$"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
        .unwrap_or(0)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start_driver(home: &Path) -> (Driver, u16) {
    let alone = ONE_APP.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (port, native) = (free_port(), free_port());
    let bin = std::env::var_os("TAURI_DRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cargo_bin =
                Path::new(&std::env::var("HOME").unwrap_or_default()).join(".cargo/bin/tauri-driver");
            if cargo_bin.exists() {
                cargo_bin
            } else {
                PathBuf::from("tauri-driver")
            }
        });
    // The app's private run folders (Safekeep's browser's profile…) go into the test's
    // own runtime folder, where a test can see what is left.
    let run = home.join("run");
    let _ = std::fs::create_dir(&run);
    let child = Command::new(&bin)
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .env("SAFEKEEP_VAULT", home.join("vault"))
        .env("XDG_RUNTIME_DIR", &run)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {} ({e}); `make deps-test` installs it",
                bin.display()
            )
        });
    let mut marker = b"SAFEKEEP_VAULT=".to_vec();
    marker.extend_from_slice(home.join("vault").as_os_str().as_encoded_bytes());
    let driver = Driver {
        child,
        marker,
        _alone: alone,
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "tauri-driver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (driver, port)
}

pub async fn connect(port: u16) -> Client {
    // SAFEKEEP_APP: a copy of the app binary to drive instead (a build from another
    // worktree sharing the target folder cannot then replace it mid-run).
    let app = std::env::var_os("SAFEKEEP_APP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo().join("target/debug/safekeep-app"));
    assert!(
        app.exists(),
        "build the app first: cargo build -p safekeep-app (make test does)"
    );
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert("tauri:options".into(), json!({ "application": app }));
    // tauri-driver listens before WebKitWebDriver behind it is ready: a session asked for
    // too early is dropped mid-answer, so ask again for a few seconds.
    let start = Instant::now();
    loop {
        match ClientBuilder::native()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return c,
            Err(e) if start.elapsed() < Duration::from_secs(10) => {
                eprintln!("no WebDriver session yet ({e}); trying again");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("no WebDriver session: {e}"),
        }
    }
}

/// As [`until`], but for up to 3 minutes: Safekeep's browser starts and loads beside a
/// busy build in CI. On time-out, shows what the page's alert says.
pub async fn until_long(c: &Client, expr: &str) {
    let start = Instant::now();
    while js(c, &format!("Boolean({expr})")).await != json!(true) {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "timed out waiting for {expr}; the page says: {}",
            js(c, "document.getElementById('alert').textContent").await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the JavaScript expression is truthy.
pub async fn until(c: &Client, expr: &str) {
    let start = Instant::now();
    loop {
        // A page between two documents (locking reloads it) has no elements yet: an
        // error counts as "not yet", and the last one is shown if time runs out.
        let v = c
            .execute(
                &format!("try {{ return Boolean({expr}); }} catch (e) {{ return String(e); }}"),
                vec![],
            )
            .await
            .unwrap();
        if v == json!(true) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for: {expr} (last: {v})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn visible(c: &Client, screen: &str) {
    until(c, &format!("!document.getElementById('screen-{screen}').hidden")).await;
}

pub async fn js(c: &Client, expr: &str) -> Value {
    c.execute(&format!("return {expr};"), vec![]).await.unwrap()
}

/// Runs a page function returning a promise; resolves to its value or `{error}`.
pub async fn run_async(c: &Client, body: &str, args: Vec<Value>) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         Promise.resolve().then(() => {body}).then((r) => done(r ?? null), (e) => done({{ error: e }}));"
    );
    c.execute_async(&script, args).await.unwrap()
}

/// Whether the first timeline image is blurred.
pub async fn thumb_blurred(c: &Client) -> bool {
    js(
        c,
        "document.querySelector('#timeline .thumb').classList.contains('blurred')",
    )
    .await
        == json!(true)
}

/// Clicks like a person would (WebDriver's pointer); says where the element was if it
/// could not be clicked.
pub async fn click(c: &Client, css: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    if let Err(err) = e.click().await {
        let at = js(
            c,
            &format!(
                "(() => {{ const e = document.querySelector({css:?}); const r = e.getBoundingClientRect(); \
                 const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); \
                 return `rect ${{JSON.stringify(r)}}, window ${{innerWidth}}x${{innerHeight}}, scrollY ${{scrollY}}, at its centre: ${{hit && hit.outerHTML.slice(0, 100)}}`; }})()"
            ),
        )
        .await;
        panic!("cannot click {css}: {err} ({at})");
    }
}

pub async fn type_into(c: &Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

pub async fn shot(c: &Client, name: &str) {
    // Let WebKit paint the latest change before capturing.
    c.execute("window.scrollTo(0, 0); return null;", vec![])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Written under target/ so that testing leaves the tree clean; `make screenshots`
    // points SAFEKEEP_SCREENSHOTS at docs/screenshots/ to refresh the committed ones.
    let dir = std::env::var_os("SAFEKEEP_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), c.screenshot().await.unwrap()).unwrap();
}

pub fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

pub const PASS: &str = "correct horse battery staple";

/// A vault made as the app would, but with the cheapest key derivation so tests are quick.
pub fn make_vault(dir: &Path) -> safekeep_core::Vault {
    let mut env = safekeep_core::Environment::system("e2e");
    env.kdf = safekeep_core::keyring::KdfPolicy::Fixed(safekeep_core::keyring::KdfParams::INSECURE_FAST);
    safekeep_core::Vault::init(dir, env, Some(PASS)).unwrap()
}

/// Visible top-level windows called Safekeep on the test's X display, as xdotool sees them.
pub fn visible_windows() -> usize {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "^Safekeep$"])
        .output()
        .expect("xdotool is installed by `make deps-test`");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// From the lock screen: unlock, then open the only case.
pub async fn unlock_and_open_first_case(c: &Client) {
    visible(c, "lock").await;
    type_into(c, "#unlock-pass", PASS).await;
    click(c, "#unlock-go").await;
    visible(c, "cases").await;
    click(c, "#case-list button.case").await;
    visible(c, "case").await;
}

/// Opens the vault once the app has exited and let go of it. An app ends within a second
/// or two on a quiet machine; once, in a full `make test` on two busy cores, one took
/// more than 15 s after its WebDriver session closed, hence the long wait.
pub async fn reopen_after_exit(vault: &Path) -> safekeep_core::Vault {
    let start = Instant::now();
    loop {
        match safekeep_core::Vault::open(
            vault,
            safekeep_core::Environment::system("e2e"),
            Some(safekeep_core::vault::Unlock::Passphrase(PASS)),
        ) {
            Ok(v) => return v,
            Err(safekeep_core::Error::Locked(_)) if start.elapsed() < Duration::from_secs(60) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

/// Real key presses, as a keyboard sends them (WebDriver actions): the keys of `chord`
/// go down in order and come up in reverse.
pub async fn press(c: &Client, chord: &[char]) -> Result<(), fantoccini::error::CmdError> {
    let mut seq = KeyActions::new("keyboard".into());
    for &k in chord {
        seq = seq.then(KeyAction::Down { value: k });
    }
    for &k in chord.iter().rev() {
        seq = seq.then(KeyAction::Up { value: k });
    }
    c.perform_actions(seq).await
}

/// Loads axe-core (installed by `make deps-test`) into the page.
pub async fn inject_axe(c: &Client) {
    let path = repo().join("target/npm/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} ({e}); `make deps-test` installs axe-core", path.display()));
    let loaded = c
        .execute(&format!("{source}\n;return typeof window.axe;"), vec![])
        .await
        .unwrap();
    assert_eq!(loaded, json!("object"));
}

/// Runs axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the document; a promise of the
/// violations, one line each (empty when clean).
pub const AXE_RUN: &str = "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] }, resultTypes: ['violations'] })
           .then((r) => r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ` + v.nodes.map((n) => n.target.join(' ') + ' ' + n.failureSummary).join(' | ')))";

/// A loopback HTTP server that answers every request with `body` as HTML, until the test
/// ends; returns its port.
pub fn serve_html(body: &'static [u8]) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(body);
        }
    });
    port
}

/// axe-core's WCAG 2.0/2.1/2.2 A and AA rules find nothing on what is shown now.
pub async fn axe_clean(c: &Client, what: &str) {
    if js(c, "typeof window.axe").await != json!("object") {
        inject_axe(c).await;
    }
    let violations = run_async(c, AXE_RUN, vec![]).await;
    assert_eq!(violations, json!([]), "axe-core on {what}");
}
