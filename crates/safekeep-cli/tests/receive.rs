//! `safekeep receive` against a real, independent LocalSend implementation (PyPI
//! `localsendd`, pinned in scripts/install-deps) on loopback: files arrive byte-exact
//! with their declared hashes checked; a wrong PIN, a declared hash that does not match,
//! an oversized file and a cut-off upload are refused with nothing half-stored; the
//! person declines or accepts; receiving stops (nothing listens) when stopped; the
//! announced name is the chosen one; kill -9 mid-file leaves `check` clean.
//!
//! What no honest LocalSend app sends (a wrong hash, a cut-off body) comes from
//! tests/fixtures/localsend/raw.py, which speaks the protocol with Python's http.client.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{safekeep, stdout_of, tool};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/localsend")
        .join(name)
}

struct Env {
    tmp: tempfile::TempDir,
    vault: PathBuf,
    case: String,
}

impl Env {
    fn new() -> Self {
        Self::with_case(&[])
    }

    /// A vault whose one case is made with `case new "Messages from J"` and `args`.
    fn with_case(args: &[&str]) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let vault = tmp.path().join("vault");
        stdout_of(&["init"], safekeep(&vault).arg("init").output().unwrap());
        let case = stdout_of(
            &["case"],
            safekeep(&vault)
                .args(["case", "new", "Messages from J"])
                .args(args)
                .output()
                .unwrap(),
        )
        .trim()
        .to_owned();
        Self { tmp, vault, case }
    }

    fn file(&self, name: &str, size: usize, seed: u8) -> PathBuf {
        let path = self.tmp.path().join(name);
        let bytes: Vec<u8> = (0..size)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn items(&self) -> Vec<Value> {
        let out = stdout_of(
            &["list"],
            safekeep(&self.vault).args(["list", "--json"]).output().unwrap(),
        );
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn check_clean(&self) {
        let out = safekeep(&self.vault).arg("check").output().unwrap();
        assert!(
            out.status.success(),
            "check: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts `safekeep receive --json` on loopback, any free port, not announced on the
    /// network, with `extra` arguments.
    fn receive(&self, extra: &[&str]) -> Receiving {
        self.start_receiving(&[&["--no-announce"], extra].concat())
    }

    /// [`Env::receive`], announced on LocalSend's multicast group.
    fn receive_announced(&self, extra: &[&str]) -> Receiving {
        self.start_receiving(extra)
    }

    fn start_receiving(&self, extra: &[&str]) -> Receiving {
        let mut cmd = safekeep(&self.vault);
        cmd.args([
            "receive",
            "--case",
            &self.case,
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--json",
        ])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        let start = match events.recv_timeout(Duration::from_secs(30)) {
            Ok(v) => v,
            Err(_) => {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!("receive did not start: {}", String::from_utf8_lossy(&out.stderr));
            }
        };
        assert_eq!(start["event"], "receiving");
        Receiving {
            stdin: child.stdin.take(),
            child,
            events,
            pin: start["pin"].as_str().unwrap().to_owned(),
            port: start["port"].as_u64().unwrap() as u16,
            start,
        }
    }
}

struct Receiving {
    child: Child,
    stdin: Option<ChildStdin>,
    events: mpsc::Receiver<Value>,
    pin: String,
    port: u16,
    start: Value,
}

impl Receiving {
    /// Waits for an event named `name`; returns it.
    fn wait_for(&self, name: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let e = self
                .events
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {name} event"));
            if e["event"] == name {
                return e;
            }
        }
    }

    fn answer(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    fn wrong_pin(&self) -> String {
        let first = if self.pin.starts_with('1') { '2' } else { '1' };
        format!("{first}{}", &self.pin[1..])
    }

    /// Ctrl-C, then checks that nothing listens on the port any more.
    fn stop(mut self) {
        signal(self.child.id(), "INT");
        let status = wait_timeout(&mut self.child, Duration::from_secs(20));
        assert!(status.is_some(), "receive did not stop on Ctrl-C");
        assert!(
            TcpStream::connect(("127.0.0.1", self.port)).is_err(),
            "something still listens on port {} after receiving stopped",
            self.port
        );
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: u32, sig: &str) {
    assert!(
        Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

fn wait_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A LocalSend device on this computer: a localsendd daemon of its own (its own state,
/// certificate, port and control socket).
struct Phone {
    daemon: Child,
    socket: PathBuf,
    _home: tempfile::TempDir,
}

impl Phone {
    fn new(alias: &str) -> Self {
        // A short path: a unix socket's path must fit in about 100 bytes.
        let home = tempfile::Builder::new().prefix("ls").tempdir_in("/tmp").unwrap();
        let socket = home.path().join("s");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let daemon = Command::new(tool("localsendd"))
            .args(["--port", &port.to_string(), "--socket"])
            .arg(&socket)
            .args(["--alias", alias, "--device-type", "mobile", "--download-dir"])
            .arg(home.path().join("dl"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_RUNTIME_DIR", home.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "localsendd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            daemon,
            socket,
            _home: home,
        }
    }

    /// Sends `files` to the receiver with `pin`; returns localsendd's result.
    fn send(&self, port: u16, pin: &str, files: &[&Path]) -> Value {
        let out = Command::new(tool("python"))
            .arg(fixture("send.py"))
            .arg(&self.socket)
            .args(["127.0.0.1", &port.to_string(), pin])
            .args(files)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "send.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn devices(&self) -> String {
        let out = Command::new(tool("localsendctl"))
            .arg("--socket")
            .arg(&self.socket)
            // --scan announces again and waits; without it `devices` answers at once
            // with whatever the daemon heard so far.
            .args(["devices", "--scan", "--wait-for", "4"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Phone {
    fn drop(&mut self) {
        signal(self.daemon.id(), "TERM");
        if wait_timeout(&mut self.daemon, Duration::from_secs(5)).is_none() {
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }
}

/// Runs raw.py; returns its JSON line.
fn raw(args: &[&str]) -> Value {
    let out = Command::new(tool("python"))
        .arg(fixture("raw.py"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "raw.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

fn sha256_hex(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn files_from_a_phone_arrive_byte_exact_with_their_hashes_checked() {
    let env = Env::new();
    let big = env.file("VID_20261207.bin", 3 << 20, 1);
    let small = env.file("Screenshot_1.txt", 1000, 2);
    let receiving = env.receive(&["--yes"]);
    let phone = Phone::new("Test Phone");
    let result = phone.send(receiving.port, &receiving.pin, &[&big, &small]);
    assert_eq!(result["kind"], "sent", "{result}");
    let finished = receiving.wait_for("finished");
    assert_eq!(
        (finished["kept"].as_u64(), finished["refused"].as_u64()),
        (Some(2), Some(0))
    );
    let fingerprint = receiving.start["fingerprint"].as_str().unwrap().to_owned();
    receiving.stop();

    let items = env.items();
    assert_eq!(items.len(), 2);
    for path in [&big, &small] {
        let name = path.file_name().unwrap().to_str().unwrap();
        let item = items.iter().find(|i| i["title"] == name).unwrap();
        assert_eq!(
            common::stored_file(&env.vault, item, name),
            std::fs::read(path).unwrap()
        );
        let c = &item["capture"];
        assert_eq!(c["source"], "phone, received with LocalSend");
        assert_eq!(c["sha256_declared"], sha256_hex(path));
        assert_eq!(c["sha256_computed"], sha256_hex(path));
        assert_eq!(c["sender"]["alias"], "Test Phone");
        assert_eq!(c["sender"]["device_type"], "mobile");
        assert_eq!(c["sender"]["certificate_sha256"].as_str().unwrap().len(), 64);
        assert_eq!(c["receiver_certificate_sha256"], fingerprint.as_str());
        assert_eq!(c["file"]["name"], name);
        assert!(c["receiving_started"].is_string() && c["receiving_finished"].is_string());
    }
    env.check_clean();
}

#[test]
fn a_wrong_pin_is_refused_and_too_many_lock_everyone_out() {
    let env = Env::new();
    let file = env.file("a.bin", 5000, 3);
    let receiving = env.receive(&["--yes"]);
    let phone = Phone::new("Test Phone");
    let result = phone.send(receiving.port, &receiving.wrong_pin(), &[&file]);
    assert_eq!(result["kind"], "pin_required", "{result}");
    assert_eq!(receiving.wait_for("pin_refused")["attempts_left"], 4);
    for _ in 0..4 {
        phone.send(receiving.port, &receiving.wrong_pin(), &[&file]);
    }
    // Five wrong PINs: even the right one is refused for the rest of the run.
    let result = phone.send(receiving.port, &receiving.pin, &[&file]);
    assert_eq!(result["code"], 429, "{result}");
    receiving.stop();
    assert!(env.items().is_empty());
    env.check_clean();
}

#[test]
fn a_declared_hash_that_does_not_match_keeps_nothing() {
    let env = Env::new();
    let file = env.file("b.bin", 200_000, 4);
    let receiving = env.receive(&["--yes"]);
    let port = receiving.port.to_string();
    let got = raw(&[
        "wrong-hash",
        "127.0.0.1",
        &port,
        &receiving.pin,
        file.to_str().unwrap(),
    ]);
    assert_eq!(got["upload"], 422, "{got}");
    let refused = receiving.wait_for("refused");
    assert!(
        refused["reason"].as_str().unwrap().contains("SHA-256"),
        "{refused}"
    );
    receiving.stop();
    assert!(env.items().is_empty());
    env.check_clean();
}

#[test]
fn an_oversized_file_is_refused_before_a_byte_arrives() {
    let env = Env::new();
    let file = env.file("c.bin", (1 << 20) + 1, 5);
    let receiving = env.receive(&["--yes", "--max-file-mib", "1"]);
    let phone = Phone::new("Test Phone");
    let result = phone.send(receiving.port, &receiving.pin, &[&file]);
    assert_eq!(result["code"], 413, "{result}");
    assert!(
        receiving.wait_for("transfer_refused")["reason"]
            .as_str()
            .unwrap()
            .contains("c.bin")
    );
    receiving.stop();
    assert!(env.items().is_empty());
}

#[test]
fn a_cut_off_upload_keeps_nothing_and_the_next_transfer_still_works() {
    let env = Env::new();
    let file = env.file("d.bin", 2 << 20, 6);
    let receiving = env.receive(&["--yes"]);
    let port = receiving.port.to_string();
    let got = raw(&[
        "cut-off",
        "127.0.0.1",
        &port,
        &receiving.pin,
        file.to_str().unwrap(),
    ]);
    assert_eq!(got["upload"], "half sent");
    let refused = receiving.wait_for("refused");
    assert!(refused["reason"].as_str().unwrap().contains("whole"), "{refused}");
    let phone = Phone::new("Test Phone");
    let result = phone.send(receiving.port, &receiving.pin, &[&file]);
    assert_eq!(result["kind"], "sent", "{result}");
    receiving.stop();
    let items = env.items();
    assert_eq!(items.len(), 1, "only the whole file is kept");
    assert_eq!(
        common::stored_file(&env.vault, &items[0], "d.bin"),
        std::fs::read(&file).unwrap()
    );
    env.check_clean();
}

#[test]
fn the_person_declines_or_accepts_each_transfer_and_messages_become_notes() {
    let env = Env::new();
    let file = env.file("e.bin", 1000, 7);
    let mut receiving = env.receive(&[]);
    let phone = Phone::new("Test Phone");
    let (pin, port) = (receiving.pin.clone(), receiving.port);
    std::thread::scope(|s| {
        let sent = s.spawn(|| phone.send(port, &pin, &[&file]));
        let incoming = receiving.wait_for("incoming");
        assert_eq!(
            (incoming["sender"].as_str(), incoming["files"].as_u64()),
            (Some("Test Phone"), Some(1))
        );
        assert_eq!(incoming["bytes"], 1000);
        receiving.answer("n");
        assert_eq!(sent.join().unwrap()["kind"], "declined");
    });
    std::thread::scope(|s| {
        let sent = s.spawn(|| phone.send(port, &pin, &[&file]));
        receiving.wait_for("incoming");
        receiving.answer("y");
        assert_eq!(sent.join().unwrap()["kind"], "sent");
    });
    receiving.wait_for("finished");
    let port = port.to_string();
    std::thread::scope(|s| {
        let sent = s.spawn(|| raw(&["message", "127.0.0.1", &port, &pin, "he said he would post it"]));
        assert_eq!(receiving.wait_for("incoming")["message"], true);
        receiving.answer("y");
        assert_eq!(sent.join().unwrap()["prepare"], 204);
    });
    receiving.wait_for("message_kept");
    receiving.stop();
    let items = env.items();
    assert_eq!(items.len(), 2);
    assert!(items.iter().any(|i| i["kind"] == "note"));
}

#[test]
fn the_announced_name_is_the_chosen_one_and_never_safekeep() {
    let env = Env::new();
    let refused = safekeep(&env.vault)
        .args([
            "receive",
            "--case",
            &env.case,
            "--name",
            "Safekeep receiver",
            "--port",
            "0",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("must not mention Safekeep"));

    let receiving = env.receive_announced(&["--name", "Sunny Plum"]);
    let port = receiving.port.to_string();
    // HTTP discovery (the fallback phones use when multicast is blocked).
    let answer = raw(&["register", "127.0.0.1", &port]);
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["body"]["alias"], "Sunny Plum");
    assert_eq!(answer["body"]["fingerprint"], receiving.start["fingerprint"]);
    assert_eq!(answer["body"]["download"], false);
    // Multicast: an independent LocalSend device on this computer hears the announcement.
    // Asked again a few times: under a loaded test run the daemon may start listening
    // after the receiver's first announcement, and hears the next answer only.
    let phone = Phone::new("Test Phone");
    let mut seen = String::new();
    for _ in 0..4 {
        seen = phone.devices();
        if seen.contains("Sunny Plum") {
            break;
        }
    }
    assert!(seen.contains("Sunny Plum"), "{seen}");
    receiving.stop();
}

#[test]
fn kill_9_during_a_transfer_leaves_check_clean_and_no_item() {
    let env = Env::new();
    let file = env.file("f.bin", 4 << 20, 8);
    let receiving = env.receive(&["--yes"]);
    let port = receiving.port.to_string();
    let mut stall = Command::new(tool("python"))
        .arg(fixture("raw.py"))
        .args([
            "stall",
            "127.0.0.1",
            &port,
            &receiving.pin,
            file.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(stall.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("half sent"), "{line}");
    std::thread::sleep(Duration::from_millis(500));
    signal(receiving.child.id(), "KILL");
    let _ = stall.kill();
    let _ = stall.wait();
    drop(receiving);
    // No problem and no item; the sealed part-file the kill left is an orphan, which
    // the next receiving clears.
    let out = safekeep(&env.vault).args(["check", "--json"]).output().unwrap();
    let check: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(check["problems"], serde_json::json!([]), "{check}");
    assert!(env.items().is_empty());
    env.receive(&[]).stop();
    env.check_clean();
}

#[test]
fn a_no_images_case_refuses_pictures_whatever_they_are_called() {
    let env = Env::with_case(&["--under-18", "not-sure"]);
    let text = env.tmp.path().join("what-he-said.txt");
    std::fs::write(&text, "He said he would post it").unwrap();
    let photo = env.tmp.path().join("photo.png");
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, 2, 2);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header().unwrap().write_image_data(&[200; 12]).unwrap();
    }
    std::fs::write(&photo, &png).unwrap();
    let disguised = env.tmp.path().join("notes.bin");
    std::fs::write(&disguised, &png).unwrap();
    let receiving = env.receive(&["--yes"]);
    let phone = Phone::new("Test Phone");
    // The photo is taken out of the offer by its name; the disguised one is refused by
    // its bytes when it arrives (and localsendd then stops sending).
    phone.send(receiving.port, &receiving.pin, &[&text, &photo, &disguised]);
    let first = receiving.wait_for("refused");
    assert_eq!(first["file_name"], "photo.png", "{first}");
    let second = receiving.wait_for("refused");
    assert_eq!(second["file_name"], "notes.bin", "{second}");
    assert!(
        second["reason"].as_str().unwrap().contains("no pictures"),
        "{second}"
    );
    // A zip can hold pictures Safekeep cannot look at before keeping it: a WhatsApp chat
    // exported with media is refused by its name, and by its bytes when renamed.
    let chat = zip_of(
        &env.tmp.path().join("WhatsApp Chat - J.zip"),
        &[
            ("_chat.txt", b"[25/12/2026, 21:41:30] J: hello\n".as_slice()),
            ("00000003-PHOTO-2026-12-25-21-43-10.jpg", png.as_slice()),
        ],
    );
    let renamed = env.tmp.path().join("chat.bin");
    std::fs::copy(&chat, &renamed).unwrap();
    phone.send(receiving.port, &receiving.pin, &[&chat, &renamed]);
    let by_name = receiving.wait_for("refused");
    assert_eq!(by_name["file_name"], "WhatsApp Chat - J.zip", "{by_name}");
    assert!(
        by_name["reason"].as_str().unwrap().contains("Without media"),
        "{by_name}"
    );
    let by_bytes = receiving.wait_for("refused");
    assert_eq!(by_bytes["file_name"], "chat.bin", "{by_bytes}");
    assert!(
        by_bytes["reason"]
            .as_str()
            .unwrap()
            .contains("a zip can hold them"),
        "{by_bytes}"
    );
    receiving.stop();
    let items = env.items();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["title"], "what-he-said.txt");
    env.check_clean();
}

#[test]
fn a_transfer_cut_off_keeps_every_whole_file_and_nothing_partial() {
    let env = Env::new();
    let whole = env.file("first.bin", 300_000, 9);
    let cut = env.file("second.bin", 3 << 20, 10);
    let receiving = env.receive(&["--yes"]);
    let port = receiving.port.to_string();
    let got = raw(&[
        "whole-then-cut",
        "127.0.0.1",
        &port,
        &receiving.pin,
        whole.to_str().unwrap(),
        cut.to_str().unwrap(),
    ]);
    assert_eq!(got["upload"], 200, "{got}");
    let finished = receiving.wait_for("finished");
    assert_eq!(
        (finished["kept"].as_u64(), finished["refused"].as_u64()),
        (Some(1), Some(1))
    );
    receiving.stop();
    let items = env.items();
    assert_eq!(items.len(), 1);
    assert_eq!(
        common::stored_file(&env.vault, &items[0], "first.bin"),
        std::fs::read(&whole).unwrap()
    );
    env.check_clean();
}

/// A zip of `(name, bytes)` at `path`.
fn zip_of(path: &Path, files: &[(&str, &[u8])]) -> PathBuf {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in files {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
    path.to_path_buf()
}

#[test]
fn a_whatsapp_chat_sent_as_a_zip_is_offered_and_read_into_a_conversation_sharing_its_file() {
    let env = Env::new();
    // As WhatsApp on an iPhone shares "Export chat": one zip with _chat.txt and the media.
    let photo = b"\xff\xd8\xff\xe0 not really a photo".as_slice();
    let chat = zip_of(
        &env.tmp.path().join("WhatsApp Chat - J.zip"),
        &[
            (
                "_chat.txt",
                "[25/12/2026, 21:41:30] J: If you tell anyone I send the pictures to everyone\n[25/12/2026, 21:42:02] Me: Stop messaging me\n[25/12/2026, 21:43:10] J: \u{200e}<attached: 00000003-PHOTO-2026-12-25-21-43-10.jpg>\n"
                    .as_bytes(),
            ),
            ("00000003-PHOTO-2026-12-25-21-43-10.jpg", photo),
        ],
    );
    let other = zip_of(
        &env.tmp.path().join("holiday.zip"),
        &[("notes/list.txt", b"milk, bread".as_slice())],
    );
    let receiving = env.receive(&["--yes"]);
    let phone = Phone::new("Test Phone");
    assert_eq!(
        phone.send(receiving.port, &receiving.pin, &[&chat, &other])["kind"],
        "sent"
    );
    let mut kept = [receiving.wait_for("kept"), receiving.wait_for("kept")];
    kept.sort_by_key(|k| k["file_name"].as_str().unwrap().to_owned());
    receiving.stop();
    // Recognised, and only offered: nothing is read unasked.
    assert_eq!(kept[0]["file_name"], "WhatsApp Chat - J.zip");
    assert_eq!(kept[0]["conversation"], "whatsapp", "{}", kept[0]);
    assert!(kept[1].get("conversation").is_none(), "{}", kept[1]);
    assert_eq!(env.items().len(), 2);
    let received = kept[0]["item_id"].as_str().unwrap();

    let id = stdout_of(
        &["import chat --item"],
        safekeep(&env.vault)
            .args(["import", "chat", "--item", received])
            .output()
            .unwrap(),
    );
    let id = id.lines().next().unwrap().trim();
    let items = env.items();
    let conv = items.iter().find(|i| i["id"] == id).unwrap();
    let first = items.iter().find(|i| i["id"] == received).unwrap();
    assert_eq!(conv["kind"], "conversation");
    assert_eq!(conv["case_id"], env.case.as_str());
    assert_eq!(conv["capture"]["read_from_item"]["id"], received);
    assert_eq!(
        conv["capture"]["read_from_item"]["how_it_arrived"],
        "phone, received with LocalSend"
    );
    assert_eq!(conv["artifacts"][0]["sha256"], first["artifacts"][0]["sha256"]);
    assert_eq!(conv["artifacts"][0]["sha256"], sha256_hex(&chat));
    assert_eq!(conv["capture"]["reading"]["messages"], 3);
    let messages: Value = serde_json::from_str(&stdout_of(
        &["messages"],
        safekeep(&env.vault)
            .args(["messages", id, "--json"])
            .output()
            .unwrap(),
    ))
    .unwrap();
    assert_eq!(messages[0]["sender"], "J");
    assert!(
        messages[0]["text"]
            .as_str()
            .unwrap()
            .contains("pictures to everyone")
    );
    assert_eq!(
        messages[0]["sent_at"].as_str().unwrap().get(..10),
        Some("2026-12-25")
    );
    let attachment = &messages[2]["attachments"][0];
    assert_eq!(attachment["sha256"], hex::encode(Sha256::digest(photo)));

    // Read once only; something that is not an export is refused with the reason.
    let again = safekeep(&env.vault)
        .args(["import", "chat", "--item", received])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains(&format!("already read as a conversation: item {id}")),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let not_chat = safekeep(&env.vault)
        .args(["import", "chat", "--item", kept[1]["item_id"].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(!not_chat.status.success());
    assert!(
        String::from_utf8_lossy(&not_chat.stderr).contains("not a conversation export"),
        "{}",
        String::from_utf8_lossy(&not_chat.stderr)
    );
    assert_eq!(env.items().len(), 3);

    // The file is shared, not copied: withdrawing the received item keeps the
    // conversation's file, whole, and says so.
    let withdrawn = safekeep(&env.vault)
        .args(["withdraw", received, "--reason", "kept as the conversation"])
        .output()
        .unwrap();
    assert!(withdrawn.status.success());
    assert!(
        String::from_utf8_lossy(&withdrawn.stderr).contains(&format!("item(s) {id} hold the same file")),
        "{}",
        String::from_utf8_lossy(&withdrawn.stderr)
    );
    let items = env.items();
    let conv = items.iter().find(|i| i["id"] == id).unwrap();
    assert_eq!(
        common::stored_file(&env.vault, conv, "WhatsApp Chat - J.zip"),
        std::fs::read(&chat).unwrap()
    );
    env.check_clean();
}
