//! Safekeep's browser as someone else on the same computer would try it: while it is open,
//! no program Safekeep started listens on a network port (the DevTools protocol goes over
//! a pipe); its profile is private; `kill -9` of Safekeep takes the browser with it, and
//! the next start removes the folder it left. And, as the person expects, a login whose
//! cookie has no expiry (a session cookie) lasts to the next start of the browser.
//! Needs Debian's Chromium and Xvfb (`make test` installs them); fails, never skips.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A loopback HTTP site: `/set` logs in with a session cookie (no expiry), every other
/// page is plain. Each request is logged with the Cookie header it carried.
struct Site {
    port: u16,
    log: Arc<Mutex<Vec<(String, String)>>>,
    secret: String,
}

impl Site {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let secret = format!("sess{:x}", rand_u64());
        let (l, s) = (Arc::clone(&log), secret.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (l, s) = (Arc::clone(&l), s.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut first = String::new();
                    if reader.read_line(&mut first).is_err() {
                        return;
                    }
                    let path = first.split(' ').nth(1).unwrap_or("/").to_owned();
                    let mut cookie = String::new();
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line
                            .strip_prefix("Cookie: ")
                            .or_else(|| line.strip_prefix("cookie: "))
                        {
                            cookie = v.trim().to_owned();
                        }
                    }
                    l.lock().unwrap().push((path.clone(), cookie));
                    let set = if path == "/set" {
                        format!("Set-Cookie: sid={s}; Path=/; HttpOnly\r\n")
                    } else {
                        String::new()
                    };
                    let body = format!("<!doctype html><title>Page</title><h1>PAGE {path}</h1>");
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n{set}Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Self { port, log, secret }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut b)
        .unwrap();
    u64::from_le_bytes(b)
}

struct T {
    tmp: tempfile::TempDir,
    vault: PathBuf,
    case: String,
}

impl T {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["tmp", "run", "cache"] {
            fs::create_dir(tmp.path().join(d)).unwrap();
        }
        let mut t = Self {
            vault: tmp.path().join("vault"),
            tmp,
            case: String::new(),
        };
        t.ok(&["init"]);
        t.case = t.ok(&["case", "new", "Trace"]).trim().to_owned();
        t
    }

    fn cmd(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = common::safekeep(&self.vault);
        cmd.env_remove("SAFEKEEP_BROWSER")
            .env("TMPDIR", self.tmp.path().join("tmp"))
            .env("XDG_RUNTIME_DIR", self.run_dir())
            .env("XDG_CACHE_HOME", self.tmp.path().join("cache"))
            .args(args);
        cmd
    }

    fn ok(&self, args: &[&str]) -> String {
        common::stdout_of(args, self.cmd(args).output().unwrap())
    }

    fn run_dir(&self) -> PathBuf {
        self.tmp.path().join("run")
    }

    /// The browser's run folders under the runtime folder.
    fn browser_folders(&self) -> Vec<PathBuf> {
        fs::read_dir(self.run_dir())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("safekeep-run-browser-")
            })
            .collect()
    }
}

#[test]
fn a_session_cookie_login_lasts_to_the_next_browser_start() {
    let t = T::new();
    let site = Site::start();
    t.ok(&[
        "capture",
        "url",
        &site.url("/set"),
        "--case",
        &t.case,
        "--browser",
    ]);
    t.ok(&[
        "capture",
        "url",
        &site.url("/check"),
        "--case",
        &t.case,
        "--browser",
    ]);
    let log = site.log.lock().unwrap().clone();
    let check = log
        .iter()
        .find(|(p, _)| p == "/check")
        .expect("/check was loaded");
    assert!(
        check.1.contains(&format!("sid={}", site.secret)),
        "the login made in the first run was sent in the second: {log:?}"
    );
    // Between runs it is sealed in the vault, never in the clear.
    for f in walk(t.tmp.path()) {
        let bytes = fs::read(&f).unwrap_or_default();
        assert!(
            !bytes
                .windows(site.secret.len())
                .any(|w| w == site.secret.as_bytes()),
            "the session cookie is in the clear in {}",
            f.display()
        );
    }
    // "Forget my logins" forgets it.
    t.ok(&["browser", "forget"]);
    t.ok(&[
        "capture",
        "url",
        &site.url("/again"),
        "--case",
        &t.case,
        "--browser",
    ]);
    let log = site.log.lock().unwrap().clone();
    let again = log.iter().find(|(p, _)| p == "/again").unwrap();
    assert!(!again.1.contains(&site.secret), "{log:?}");
}

#[test]
fn the_open_browser_listens_on_no_port_and_dies_with_a_killed_safekeep_leaving_nothing_readable() {
    let t = T::new();
    let site = Site::start();
    let (mut xvfb, display) = common::xvfb("1280x900x24", &[]);
    let mut open = t.cmd(&["browser", "open", &site.url("/page"), "--case", &t.case]);
    let mut cli = open
        .env("DISPLAY", &display)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = BufReader::new(cli.stderr.take().unwrap());
    let mut line = String::new();
    let began = Instant::now();
    while !line.contains("is open") {
        line.clear();
        assert!(said.read_line(&mut line).unwrap() > 0, "the browser did not open");
        assert!(began.elapsed() < Duration::from_secs(60));
    }
    // Wait for the page, so the browser has done everything it does at start.
    while !site.log.lock().unwrap().iter().any(|(p, _)| p == "/page") {
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "the page was not loaded"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    let cli_pid = cli.id();
    let family = descendants(cli_pid);
    assert!(family.len() >= 2, "the browser and its helpers run: {family:?}");

    // No TCP listener belongs to Safekeep or anything it started.
    let listening = listening_inodes();
    for pid in family.iter().copied().chain([cli_pid]) {
        for inode in socket_inodes(pid) {
            assert!(
                !listening.contains(&inode),
                "process {pid} ({}) listens on a TCP port",
                fs::read_to_string(format!("/proc/{pid}/comm"))
                    .unwrap_or_default()
                    .trim()
            );
        }
    }

    // The profile is private: nothing in it is open to other accounts.
    let folders = t.browser_folders();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let profile = folders[0].clone();
    assert!(!profile.join("DevToolsActivePort").exists());
    for f in std::iter::once(profile.clone()).chain(walk_all(&profile)) {
        let Ok(meta) = fs::symlink_metadata(&f) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        let mode = meta.permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is {:o}", f.display(), mode & 0o777);
    }

    // kill -9 of Safekeep: the browser ends with it.
    cli.kill().unwrap();
    cli.wait().unwrap();
    let began = Instant::now();
    while family.iter().any(|p| alive(*p)) {
        assert!(
            began.elapsed() < Duration::from_secs(15),
            "still running after Safekeep was killed: {:?}",
            family.iter().filter(|p| alive(**p)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // What it left is private, and the next start (later: its lock file is aged to say
    // so) removes it.
    assert!(profile.is_dir());
    assert_eq!(
        fs::metadata(&profile).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(profile.join("safekeep-in-use.lock"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    t.ok(&[
        "capture",
        "url",
        &site.url("/next"),
        "--case",
        &t.case,
        "--browser",
    ]);
    assert!(
        !profile.exists(),
        "the folder a crash left was removed at the next start"
    );
    assert!(t.browser_folders().is_empty(), "{:?}", t.browser_folders());
    let _ = xvfb.kill();
    let _ = xvfb.wait();
}

/// Every process descended from `root`, by parent links in /proc.
fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let ppid: u32 = after.split(' ').nth(1).unwrap().parse().unwrap();
        parent_of.push((pid, ppid));
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s[s.rfind(')').unwrap() + 2..].chars().next();
            state != Some('Z') && state != Some('X')
        })
        .unwrap_or(false)
}

/// Inodes of every TCP socket in the LISTEN state (IPv4 and IPv6).
fn listening_inodes() -> HashSet<String> {
    let mut out = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in fs::read_to_string(table).unwrap_or_default().lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.get(3) == Some(&"0A") {
                out.insert(cols[9].to_owned());
            }
        }
    }
    out
}

/// Inodes of the sockets process `pid` holds open.
fn socket_inodes(pid: u32) -> Vec<String> {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    fds.flatten()
        .filter_map(|fd| fs::read_link(fd.path()).ok())
        .filter_map(|l| {
            l.to_string_lossy()
                .strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
                .map(str::to_owned)
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    walk_all(dir).into_iter().filter(|p| p.is_file()).collect()
}

fn walk_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.push(p.clone());
            out.extend(walk_all(&p));
        } else {
            out.push(p);
        }
    }
    out
}
