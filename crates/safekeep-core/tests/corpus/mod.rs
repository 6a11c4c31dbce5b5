//! The tamper corpus (testdata/tamper.txt), the vault fixture it starts from and a
//! self-made `openssl ts` authority, shared by `tests/bundle.rs` (the native verifier),
//! `tests/handover.rs` and the in-browser verifier's test (`tests/tests/verify_page.rs`,
//! which includes this file), so that they judge the very same bundles.
#![allow(dead_code, clippy::unwrap_used)]

use std::fs;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration};
use rand::{RngCore, SeedableRng};
use safekeep_core::audit_log::chain_hash;
use safekeep_core::bundle::ExportOptions;
use safekeep_core::clock::SteppingClock;
use safekeep_core::item::Context;
use safekeep_core::signing::VaultKey;
use safekeep_core::vault::AnnotationBody;
use safekeep_core::{Environment, Vault, canonical};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

pub const BAG: &str = "bundle";

pub fn env(seed: u64) -> Environment {
    Environment {
        clock: Box::new(SteppingClock::new(
            DateTime::parse_from_rfc3339("2026-03-01T21:40:00+01:00").unwrap(),
            Duration::seconds(1),
        )),
        rng: Box::new(rand::rngs::StdRng::seed_from_u64(seed)),
        app_version: "safekeep-test".into(),
        host: "test-host".into(),
        kdf: safekeep_core::keyring::KdfPolicy::Fixed(safekeep_core::keyring::KdfParams::INSECURE_FAST),
    }
}

/// A vault with one case: AB/1 an image, AB/2 a random file, AB/3 a note, an annotation,
/// and a withdrawn item. Returns the vault, the case id and its folder.
pub fn fixture(dir: &Path) -> (Vault, String) {
    let mut v = Vault::init(&dir.join("vault"), env(11), Some("correct horse battery staple")).unwrap();
    let case = v.create_case("Posts by @someone").unwrap();
    let png = [&b"\x89PNG\r\n\x1a\n"[..], &[3u8; 2048]].concat();
    fs::write(dir.join("post.png"), &png).unwrap();
    let mut random = vec![0u8; 300_000];
    rand::rngs::StdRng::seed_from_u64(5).fill_bytes(&mut random);
    fs::write(dir.join("attachment.bin"), &random).unwrap();
    fs::write(dir.join("mistake.txt"), b"wrong file").unwrap();
    // Fixed modification times, so that two fixtures export byte-identical bundles.
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_772_000_000);
    for f in ["post.png", "attachment.bin", "mistake.txt"] {
        fs::File::options()
            .write(true)
            .open(dir.join(f))
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    let titled = |t: &str| Context {
        title: Some(t.into()),
        ..Context::default()
    };
    let a = v
        .import_file(
            &case,
            &dir.join("post.png"),
            titled("Screenshot of post"),
            &mut |_| {},
        )
        .unwrap();
    v.import_file(
        &case,
        &dir.join("attachment.bin"),
        titled("Random attachment"),
        &mut |_| {},
    )
    .unwrap();
    v.add_note(
        &case,
        "What happened: he posted it at 9pm.",
        titled("What happened"),
    )
    .unwrap();
    v.annotate(
        &a.id,
        AnnotationBody::Report {
            reported_to: "Example".into(),
            reported_on: None,
            reference: Some("T-1".into()),
            outcome: None,
        },
    )
    .unwrap();
    let m = v
        .import_file(&case, &dir.join("mistake.txt"), Context::default(), &mut |_| {})
        .unwrap();
    v.withdraw(&m.id, "wrong file", true).unwrap();
    (v, case)
}

pub fn export(dir: &Path) -> (PathBuf, String) {
    let (mut v, case) = fixture(dir);
    let out = dir.join(format!("{BAG}.zip"));
    let s = v
        .export(
            &case,
            &ExportOptions {
                out: out.clone(),
                exhibit_prefix: "AB".into(),
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap();
    (out, s.key_fingerprint)
}

pub fn read_entries(zip_bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    read_bag(zip_bytes, BAG)
}

pub fn read_bag(zip_bytes: &[u8], bag: &str) -> Vec<(String, Vec<u8>)> {
    let mut z = ZipArchive::new(Cursor::new(zip_bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let name = f
                .name()
                .unwrap()
                .strip_prefix(&format!("{bag}/"))
                .unwrap()
                .to_owned();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (name, b)
        })
        .collect()
}

// ---------------------------------------------------------------- tamper corpus

/// Splits an operation into words; "…" groups words and understands \n and \\.
pub fn words(op: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any, mut chars) = (false, false, op.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '\\' if quoted => match chars.next() {
                Some('n') => cur.push('\n'),
                Some(o) => cur.push(o),
                None => {}
            },
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[derive(Default)]
pub struct ZipTricks {
    zip64: bool,
    raw_adds: Vec<(String, Vec<u8>)>,
    symlinks: Vec<(String, String)>,
    duplicates: Vec<String>,
    bombs: Vec<(String, usize)>,
    truncate: usize,
    encrypt_flag: bool,
    declared_size: Vec<String>,
    not_zip: bool,
    dir_symlinks: Vec<(String, String)>,
}

pub fn get<'a>(entries: &'a mut [(String, Vec<u8>)], name: &str) -> &'a mut Vec<u8> {
    &mut entries
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no entry {name}"))
        .1
}

pub fn manifest_of(entries: &[(String, Vec<u8>)], names: &[&str]) -> Vec<u8> {
    entries
        .iter()
        .filter(|(n, _)| names.contains(&n.as_str()) || names.is_empty() && n.starts_with("data/"))
        .map(|(n, b)| format!("{}  {n}\n", hex::encode(Sha256::digest(b))))
        .collect::<String>()
        .into_bytes()
}

pub fn log_lines(entries: &mut [(String, Vec<u8>)]) -> Vec<String> {
    String::from_utf8(get(entries, "data/audit-log.jsonl").clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

pub fn set_log(entries: &mut [(String, Vec<u8>)], lines: &[String]) {
    *get(entries, "data/audit-log.jsonl") = lines
        .iter()
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes();
}

pub fn apply(
    op: &[String],
    entries: &mut Vec<(String, Vec<u8>)>,
    tricks: &mut ZipTricks,
    other: &VaultKey,
    key: &mut Option<String>,
    own: &str,
) {
    let arg = |i: usize| op[i].clone();
    let bag = |s: String| s.replace("BAG", BAG);
    match op[0].as_str() {
        "none" => {}
        "flip" => {
            let b = get(entries, &arg(1));
            let off: i64 = arg(2).parse().unwrap();
            let i = if off < 0 {
                b.len() - off.unsigned_abs() as usize
            } else {
                off as usize
            };
            b[i] ^= 1;
        }
        "append" => get(entries, &arg(1)).extend_from_slice(arg(2).as_bytes()),
        "set" => *get(entries, &arg(1)) = arg(2).into_bytes(),
        "replace" => {
            let b = get(entries, &arg(1));
            let s = String::from_utf8(b.clone()).unwrap();
            assert!(s.contains(&arg(2)), "{} lacks {:?}", arg(1), arg(2));
            *b = s.replacen(&arg(2), &arg(3), 1).into_bytes();
        }
        "drop-line" => {
            let b = get(entries, &arg(1));
            let s = String::from_utf8(b.clone()).unwrap();
            *b = s
                .lines()
                .filter(|l| !l.contains(&arg(2)))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
                .into_bytes();
        }
        "remove" => {
            let p = arg(1);
            let before = entries.len();
            entries.retain(|(n, _)| !(n == &p || p.ends_with('/') && n.starts_with(&p)));
            assert!(entries.len() < before, "nothing to remove at {p}");
        }
        "remove-all" => entries.clear(),
        "add" => entries.push((arg(1), arg(2).into_bytes())),
        "rename" => entries.iter_mut().find(|(n, _)| *n == arg(1)).unwrap().0 = arg(2),
        "json" => {
            let b = get(entries, &arg(1));
            let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
            *v.pointer_mut(&arg(2)).unwrap() =
                serde_json::from_str(&arg(3)).unwrap_or(serde_json::Value::String(arg(3)));
            *b = serde_json::to_vec_pretty(&v).unwrap();
        }
        "rehash" => *get(entries, "manifest-sha256.txt") = manifest_of(entries, &[]),
        "rehash-tags" => {
            *get(entries, "tagmanifest-sha256.txt") = manifest_of(
                entries,
                &["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "README.txt"],
            )
        }
        "oxum" | "oxum-fix" => {
            let data: Vec<_> = entries.iter().filter(|(n, _)| n.starts_with("data/")).collect();
            let oxum = if op[0] == "oxum" {
                arg(1)
            } else {
                format!(
                    "{}.{}",
                    data.iter().map(|(_, b)| b.len()).sum::<usize>(),
                    data.len()
                )
            };
            let b = get(entries, "bag-info.txt");
            let s = String::from_utf8(b.clone()).unwrap();
            *b = s
                .lines()
                .map(|l| {
                    if l.starts_with("Payload-Oxum:") {
                        format!("Payload-Oxum: {oxum}\n")
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect::<String>()
                .into_bytes();
        }
        "log-drop" => {
            let mut l = log_lines(entries);
            l.remove(arg(1).parse::<usize>().unwrap() - 1);
            set_log(entries, &l);
        }
        "log-swap" => {
            let mut l = log_lines(entries);
            l.swap(
                arg(1).parse::<usize>().unwrap() - 1,
                arg(2).parse::<usize>().unwrap() - 1,
            );
            set_log(entries, &l);
        }
        "log-replace" => {
            let mut l = log_lines(entries);
            let i = arg(1).parse::<usize>().unwrap() - 1;
            assert!(l[i].contains(&arg(2)), "log line {} lacks {:?}", i + 1, arg(2));
            l[i] = l[i].replace(&arg(2), &arg(3));
            set_log(entries, &l);
        }
        "log-insert" => {
            let mut l = log_lines(entries);
            l.insert(arg(1).parse::<usize>().unwrap() - 1, arg(2));
            set_log(entries, &l);
        }
        "log-rechain" => {
            let mut prev = [0u8; 32];
            let l: Vec<String> = log_lines(entries)
                .iter()
                .map(|line| {
                    let v: serde_json::Value = serde_json::from_str(line).unwrap();
                    let body = canonical::to_bytes(&v["event"]).unwrap();
                    let h = chain_hash(&prev, &body);
                    let out = format!(
                        "{{\"event\":{},\"hash\":\"{}\",\"prev_hash\":\"{}\"}}",
                        String::from_utf8(body).unwrap(),
                        hex::encode(h),
                        hex::encode(prev)
                    );
                    prev = h;
                    out
                })
                .collect();
            set_log(entries, &l);
        }
        "sig-other" => {
            *get(entries, "signature/tagmanifest-sha256.txt.sig") =
                other.sign(get(entries, "tagmanifest-sha256.txt")).to_vec()
        }
        "pem-other" => *get(entries, "signature/vault-key.pem") = other.public_pem().into_bytes(),
        "resign-other" => {
            apply(&words("sig-other"), entries, tricks, other, key, own);
            apply(&words("pem-other"), entries, tricks, other, key, own);
        }
        "forge-other" => {
            let fp = other.fingerprint();
            let b = get(entries, "bag-info.txt");
            let s = String::from_utf8(b.clone()).unwrap();
            *b = s
                .lines()
                .map(|l| {
                    if l.starts_with("Safekeep-Key-Fingerprint:") {
                        format!("Safekeep-Key-Fingerprint: {fp}\n")
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect::<String>()
                .into_bytes();
            apply(&words("rehash-tags"), entries, tricks, other, key, own);
            apply(&words("resign-other"), entries, tricks, other, key, own);
        }
        "expect-key" => {
            *key = Some(if arg(1) == "own" {
                own.to_owned()
            } else {
                other.fingerprint()
            })
        }
        "zip64" => tricks.zip64 = true,
        "zip-add" => tricks.raw_adds.push((bag(arg(1)), arg(2).into_bytes())),
        "zip-symlink" => tricks.symlinks.push((bag(arg(1)), arg(2))),
        "zip-duplicate" => tricks.duplicates.push(bag(arg(1))),
        "zip-bomb" => tricks.bombs.push((bag(arg(1)), arg(2).parse().unwrap())),
        "zip-truncate" => tricks.truncate = arg(1).parse().unwrap(),
        "zip-encrypt-flag" => tricks.encrypt_flag = true,
        "zip-declared-size" => tricks.declared_size.push(bag(arg(1))),
        "not-zip" => tricks.not_zip = true,
        "dir-symlink" => tricks.dir_symlinks.push((arg(1), arg(2))),
        other => panic!("unknown operation {other}"),
    }
}

pub fn positions(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

pub fn write_zip(entries: &[(String, Vec<u8>)], t: &ZipTricks) -> Vec<u8> {
    if t.not_zip {
        return b"This is a letter, not a bundle.\n".repeat(20);
    }
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(t.zip64);
    for (n, b) in entries {
        z.start_file(format!("{BAG}/{n}"), opts).unwrap();
        z.write_all(b).unwrap();
    }
    for (n, b) in &t.raw_adds {
        z.start_file(n.as_str(), opts).unwrap();
        z.write_all(b).unwrap();
    }
    for (n, target) in &t.symlinks {
        z.add_symlink(n.as_str(), target.as_str(), opts).unwrap();
    }
    for n in &t.duplicates {
        let placeholder = format!("{}#", &n[..n.len() - 1]);
        z.start_file(placeholder.as_str(), opts).unwrap();
        z.write_all(b"<p>second copy</p>").unwrap();
    }
    for (n, mib) in &t.bombs {
        z.start_file(n.as_str(), opts.compression_method(CompressionMethod::Deflated))
            .unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..*mib {
            z.write_all(&zeros).unwrap();
        }
    }
    let mut bytes = z.finish().unwrap().into_inner();
    for n in &t.duplicates {
        let placeholder = format!("{}#", &n[..n.len() - 1]);
        for p in positions(&bytes, placeholder.as_bytes()) {
            bytes[p..p + n.len()].copy_from_slice(n.as_bytes());
        }
    }
    if t.encrypt_flag {
        for p in positions(&bytes, b"PK\x03\x04") {
            bytes[p + 6] |= 1;
        }
        for p in positions(&bytes, b"PK\x01\x02") {
            bytes[p + 8] |= 1;
        }
    }
    for n in &t.declared_size {
        for p in positions(&bytes, b"PK\x01\x02") {
            let len = u16::from_le_bytes([bytes[p + 28], bytes[p + 29]]) as usize;
            if &bytes[p + 46..p + 46 + len] == n.as_bytes() {
                bytes[p + 24] = bytes[p + 24].wrapping_add(1);
            }
        }
    }
    bytes.truncate(bytes.len() - t.truncate);
    bytes
}

/// Writes the bag as an unzipped folder. `Err` names why the case cannot be set up on
/// this system (only ever on Windows; see the link below).
pub fn write_dir(root: &Path, entries: &[(String, Vec<u8>)], t: &ZipTricks) -> Result<PathBuf, String> {
    let bag = root.join(BAG);
    for (n, b) in entries {
        let p = bag.join(n);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, b).unwrap();
    }
    fs::create_dir_all(&bag).unwrap();
    // The link points at a real file outside the folder verified: a dangling link is not
    // what an attacker would leave, and Wine does not list one at all.
    for (n, outside) in &t.dir_symlinks {
        let target = root.parent().unwrap().join(outside);
        fs::write(&target, b"not part of the bundle\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, bag.join(n)).unwrap();
        // Needs Developer Mode (or administrator) on real Windows. Wine 8's
        // CreateSymbolicLinkW reports success and makes nothing (checked with `cmd /c
        // mklink`: no file appears), so there the case cannot be set up at all.
        #[cfg(windows)]
        {
            std::os::windows::fs::symlink_file(target, bag.join(n))
                .expect("symbolic links must be allowed for this test (Developer Mode on Windows)");
            if fs::symlink_metadata(bag.join(n)).is_err() {
                return Err("this system said it made the symbolic link but there is none (Wine 8: CreateSymbolicLinkW is a stub)".into());
            }
        }
    }
    Ok(root.to_path_buf())
}

/// One case of the corpus, written to disk.
pub struct Case {
    /// Its name in testdata/tamper.txt.
    pub name: String,
    /// The exit status `safekeep verify` must give.
    pub exit: String,
    /// Words the failed checks must contain ("-": none), `&&`-separated.
    pub expected: String,
    /// The bundle: a zip file or a folder.
    pub target: PathBuf,
    /// The fingerprint verify is told to expect, if any.
    pub key: Option<String>,
}

/// Writes every case of the corpus under `dir` from one fresh export. A case that needs
/// a link this system cannot make (Wine) is left out, with a note on stderr.
pub fn corpus(dir: &Path) -> Vec<Case> {
    let (bundle, own) = export(dir);
    let original = read_entries(&fs::read(&bundle).unwrap());
    let other = VaultKey::generate(&mut rand::rngs::StdRng::seed_from_u64(99));
    let text = include_str!("../testdata/tamper.txt");
    let mut cases = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let cols: Vec<&str> = line.splitn(5, '|').map(str::trim).collect();
        let [name, exit, expected, form, ops] = cols[..] else {
            panic!("bad corpus line: {line}")
        };
        let mut entries = original.clone();
        let mut tricks = ZipTricks::default();
        let mut key = None;
        for op in ops.split(" ; ") {
            apply(&words(op), &mut entries, &mut tricks, &other, &mut key, &own);
        }
        let case_dir = dir.join(name);
        fs::create_dir_all(&case_dir).unwrap();
        let target = if form == "dir" {
            match write_dir(&case_dir, &entries, &tricks) {
                Ok(dir) => dir,
                Err(why) => {
                    // Only Windows may lack links; anywhere else this is a failure.
                    if !cfg!(windows) {
                        panic!("{name}: {why}");
                    }
                    eprintln!("tamper case {name} skipped: {why}");
                    continue;
                }
            }
        } else {
            let p = case_dir.join(format!("{BAG}.zip"));
            fs::write(&p, write_zip(&entries, &tricks)).unwrap();
            p
        };
        cases.push(Case {
            name: name.to_owned(),
            exit: exit.to_owned(),
            expected: expected.to_owned(),
            target,
            key,
        });
    }
    cases
}

/// Runs `openssl` in `dir`; panics with its output if it fails.
pub fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-made time-stamp authority in `dir` (as anyone can make with `openssl ts`): a
/// root `root.pem` and a signer `tsa.crt` with a critical timeStamping EKU.
pub fn self_made_authority(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-subj",
            "/CN=Self-made TSA Root",
            "-days",
            "10",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=Self-made TSA",
        ],
    );
    fs::write(
        dir.join("tsa.ext"),
        "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-out",
            "tsa.crt",
            "-days",
            "5",
            "-extfile",
            "tsa.ext",
        ],
    );
    let d = dir.display();
    fs::write(
        dir.join("tsa.cnf"),
        format!(
            "[ tsa ]\ndefault_tsa = c\n[ c ]\nserial = {d}/tsa.serial\ncrypto_device = builtin\nsigner_cert = {d}/tsa.crt\nsigner_key = {d}/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\nordering = yes\ness_cert_id_alg = sha256\n"
        ),
    )
    .unwrap();
    fs::write(dir.join("tsa.serial"), "01\n").unwrap();
}

/// Timestamps every waiting item of `v` with the self-made authority in `dir`.
pub fn stamp_all(v: &mut Vault, dir: &Path) -> usize {
    use safekeep_core::timestamp_token;
    let chain_pem = format!(
        "{}{}",
        fs::read_to_string(dir.join("tsa.crt")).unwrap(),
        fs::read_to_string(dir.join("root.pem")).unwrap()
    );
    let work = v.timestamp_work().unwrap();
    for (k, p) in work.pending.iter().enumerate() {
        let nonce = (k as u64 + 1).to_be_bytes();
        fs::write(
            dir.join("q.tsq"),
            timestamp_token::request(&p.imprint, &nonce).unwrap(),
        )
        .unwrap();
        openssl(
            dir,
            &[
                "ts",
                "-reply",
                "-config",
                "tsa.cnf",
                "-queryfile",
                "q.tsq",
                "-out",
                "r.tsr",
            ],
        );
        let token =
            timestamp_token::token_from_response(&fs::read(dir.join("r.tsr")).unwrap(), &nonce).unwrap();
        v.record_timestamp(
            &p.item_id,
            &safekeep_core::vault::ObtainedToken {
                tsa: "http://tsa.example/self-made".into(),
                token,
                chain_pem: chain_pem.clone(),
            },
        )
        .unwrap();
    }
    work.pending.len()
}

/// Exports `case` of `v` to `out` with exhibit prefix `prefix`.
pub fn export_case(v: &mut Vault, case: &str, out: &Path, prefix: &str) {
    v.export(
        case,
        &ExportOptions {
            out: out.to_path_buf(),
            exhibit_prefix: prefix.into(),
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap();
}
