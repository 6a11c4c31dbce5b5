//! What several CLI test files share.
#![allow(clippy::unwrap_used, dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use std::process::Command;

/// A third-party tool: from the tools venv `make deps-test` fills, else from PATH. Panics
/// (the test fails, it does not skip) when it is missing.
pub fn tool(name: &str) -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/tools-venv/bin")
        .join(name);
    if venv.exists() {
        return venv;
    }
    // A shared CARGO_TARGET_DIR (a git worktree building into its main checkout's target/).
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        let venv = Path::new(&target).join("tools-venv/bin").join(name);
        if venv.exists() {
            return venv;
        }
    }
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "{name} is not installed; `make deps-test` installs it"
    );
    PathBuf::from(String::from_utf8(found.stdout).unwrap().trim())
}

/// The passphrase of every test vault.
pub const PASS: &str = "correct horse battery staple";

/// `safekeep` on the vault in `vault`, unlocked with [`PASS`], with the test-only cheap
/// key derivation and stdin closed. Callers add their arguments and environment.
pub fn safekeep(vault: &Path) -> Command {
    let mut cmd = <Command as assert_cmd::cargo::CommandCargoExt>::cargo_bin("safekeep").unwrap();
    cmd.env("SAFEKEEP_VAULT", vault)
        .env("SAFEKEEP_PASSPHRASE", PASS)
        .env("SAFEKEEP_INSECURE_FAST_KDF", "1")
        .stdin(std::process::Stdio::null());
    cmd
}

/// The bytes of the file called `name` in `item` (as `--json` printed it), read back
/// from the vault (decrypted, checked against its hash).
pub fn stored_file(vault: &Path, item: &serde_json::Value, name: &str) -> Vec<u8> {
    let v = safekeep_core::Vault::open(
        vault,
        safekeep_core::Environment::system("test"),
        Some(safekeep_core::vault::Unlock::Passphrase(PASS)),
    )
    .unwrap();
    let i = item["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .position(|a| a["original_name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {item}"));
    v.artifact_bytes(item["id"].as_str().unwrap(), i, u64::MAX)
        .unwrap()
        .1
}

/// The stdout of a command that must have succeeded (its stderr in the failure message).
pub fn stdout_of(args: &[&str], out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The certificates the HTTPS server presents, DER, leaf first.
pub struct Chain {
    pub ders: Vec<Vec<u8>>,
    pub root_pem: PathBuf,
}

/// Writes chain.pem (leaf, intermediate, root), leaf.key and root.pem into `dir`.
pub fn make_chain(dir: &Path) -> Chain {
    let ca = |name: &str| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p
    };
    let root = CertifiedIssuer::self_signed(ca("Safekeep Test Root"), KeyPair::generate().unwrap()).unwrap();
    let inter = CertifiedIssuer::signed_by(
        ca("Safekeep Test Intermediate"),
        KeyPair::generate().unwrap(),
        &root,
    )
    .unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, "localhost");
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf.signed_by(&leaf_key, &inter).unwrap();
    fs::write(
        dir.join("chain.pem"),
        format!("{}{}{}", leaf.pem(), inter.pem(), root.pem()),
    )
    .unwrap();
    fs::write(dir.join("leaf.key"), leaf_key.serialize_pem()).unwrap();
    fs::write(dir.join("root.pem"), root.pem()).unwrap();
    Chain {
        ders: vec![leaf.der().to_vec(), inter.der().to_vec(), root.der().to_vec()],
        root_pem: dir.join("root.pem"),
    }
}

/// Child processes stopped (and reaped) when the test ends, however it ends. SIGTERM,
/// so that Xvfb removes its socket and lock file.
pub struct Kill(pub Vec<std::process::Child>);

impl Drop for Kill {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = Command::new("kill").arg("-TERM").arg(c.id().to_string()).status();
            // openbox has been seen to outlive a TERM (the test then hung for minutes in
            // CI): give each a moment, then SIGKILL (harmless for Xvfb, openbox, display).
            let start = std::time::Instant::now();
            while matches!(c.try_wait(), Ok(None)) && start.elapsed() < std::time::Duration::from_secs(3) {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Starts an Xvfb on a display number it picks itself (`-displayfd`: race-free when tests
/// run in parallel) and returns it with its ":N" once it accepts connections.
pub fn xvfb(size: &str, extra: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new("Xvfb")
        // -noreset: with no client left, Xvfb would reset and refuse the next connection.
        .args([
            "-displayfd",
            "1",
            "-noreset",
            "-screen",
            "0",
            size,
            "-nolisten",
            "tcp",
        ])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("Xvfb is installed by `make deps-test`");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let n: u32 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Xvfb did not start: {line:?}"));
    (child, format!(":{n}"))
}

/// The loopback HTTP and HTTPS servers of tests/fixtures/web_server.py, serving the files
/// in `site` and presenting the chain [`make_chain`] wrote into `dir`; each request is
/// logged. Stopped when dropped.
pub struct WebServers {
    child: std::process::Child,
    _stdin: std::process::ChildStdin,
    pub http: u16,
    pub https: u16,
    log: PathBuf,
}

impl Drop for WebServers {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl WebServers {
    pub fn start(site: &Path, dir: &Path) -> Self {
        use std::io::BufRead;
        let log = dir.join("requests.log");
        let mut child = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/web_server.py"))
            .arg(site)
            .arg(dir.join("chain.pem"))
            .arg(dir.join("leaf.key"))
            .arg(&log)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut port = || -> u16 {
            lines
                .next()
                .unwrap()
                .unwrap()
                .split(' ')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap()
        };
        let (http, https) = (port(), port());
        Self {
            child,
            _stdin: stdin,
            http,
            https,
            log,
        }
    }

    /// Every request the servers received: (path, user agent).
    pub fn requests(&self) -> Vec<(String, String)> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let (p, ua) = l.split_once('\t').unwrap();
                (p.to_owned(), ua.to_owned())
            })
            .collect()
    }

    pub fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http)
    }

    pub fn https(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.https)
    }
}

/// Runs FFmpeg quietly, failing the test with its message if it fails.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new(tool("ffmpeg"))
        .args(["-v", "error", "-nostdin", "-y"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
