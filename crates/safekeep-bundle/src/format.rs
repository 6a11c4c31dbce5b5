//! Names, constants and small text formats of the bundle, as docs/bundle-format.md
//! specifies them. Both `export` and `verify` use these, so they cannot disagree.

/// Version of the bundle format, in `bag-info.txt` and every `metadata.json`.
pub const BUNDLE_VERSION: u32 = 1;

/// "`bagit.txt` is exactly `BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n`."
pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

/// Tag files covered by the tag manifest, in order.
pub const TAG_FILES: [&str; 4] = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "README.txt"];

/// Name of the payload manifest.
pub const MANIFEST: &str = "manifest-sha256.txt";
/// Name of the tag manifest, the file that is signed.
pub const TAG_MANIFEST: &str = "tagmanifest-sha256.txt";
/// The raw 64-byte Ed25519 signature of the tag manifest.
pub const SIGNATURE: &str = "signature/tagmanifest-sha256.txt.sig";
/// The signing key's public half, PEM SubjectPublicKeyInfo.
pub const PUBLIC_KEY: &str = "signature/vault-key.pem";
/// The audit log.
pub const AUDIT_LOG: &str = "data/audit-log.jsonl";
/// The human-readable report.
pub const REPORT: &str = "data/report/index.html";
/// The printable report (PDF/A-2u where it can be; docs/report.md).
pub const REPORT_PDF: &str = "data/report/report.pdf";
/// The witness statement draft.
pub const STATEMENT_DRAFT: &str = "data/report/statement-draft.txt";
/// Where the signed tag files of the bundles a case was handed over in are kept, one
/// numbered folder per hand-over (docs/handover.md).
pub const HANDOVER_DIR: &str = "data/handover/";
/// The files of a bundle's own that prove a hand-over: its tag files and signature, and
/// its bundle timestamp when it had one. Names inside `data/handover/<k>/`; the first
/// seven are required.
pub const HANDOVER_FILES: [(&str, &str); 9] = [
    ("bagit.txt", "bagit.txt"),
    ("bag-info.txt", "bag-info.txt"),
    ("manifest-sha256.txt", MANIFEST),
    ("tagmanifest-sha256.txt", TAG_MANIFEST),
    ("README.txt", "README.txt"),
    ("vault-key.pem", PUBLIC_KEY),
    ("tagmanifest-sha256.txt.sig", SIGNATURE),
    ("bundle.tsr", "signature/timestamps/bundle.tsr"),
    ("bundle.chain.pem", "signature/timestamps/bundle.chain.pem"),
];
/// How many of [`HANDOVER_FILES`] every hand-over has.
pub const HANDOVER_REQUIRED: usize = 7;
/// Where item folders live.
pub const ITEMS_DIR: &str = "data/items/";
/// Each item's metadata file.
pub const METADATA: &str = "metadata.json";

/// Longest slug in an item folder name.
const SLUG_MAX: usize = 40;

/// Checks an exhibit prefix: "1–4 ASCII letters, upper case".
pub fn valid_prefix(prefix: &str) -> bool {
    (1..=4).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_uppercase())
}

/// Returns the exhibit reference, e.g. `AB/3`.
pub fn exhibit_ref(prefix: &str, n: usize) -> String {
    format!("{prefix}/{n}")
}

/// "lower-cased, runs of other characters replaced by `-`, at most 40 characters
/// (`item` if nothing remains)".
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= SLUG_MAX {
            break;
        }
    }
    let s = out.trim_matches('-').to_owned();
    if s.is_empty() { "item".to_owned() } else { s }
}

/// Returns the item folder name `<prefix>-<n>-<slug>`.
pub fn item_folder(prefix: &str, n: usize, title: &str) -> String {
    format!("{prefix}-{n}-{}", slug(title))
}

/// Whether Windows refuses `name` as a file or folder name: a device name (`CON`, `PRN`,
/// `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`, in any case, with or without an
/// extension), or a name ending in a dot or a space (Windows drops them, so two names
/// could become one).
pub fn reserved_on_windows(name: &str) -> bool {
    let base = name
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    let device = matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (base.len() == 4
            && (base.starts_with("COM") || base.starts_with("LPT"))
            && base.as_bytes()[3].is_ascii_digit());
    device || name.ends_with('.') || name.ends_with(' ')
}

/// Returns the bag folder name for an output file: its stem reduced to `[A-Za-z0-9._-]`,
/// with `-bundle` added to a name Windows reserves (`con.zip` → `con-bundle`).
pub fn bag_name(file_stem: &str) -> String {
    let s: String = file_stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches(['-', '.']).to_owned();
    if s.is_empty() {
        "safekeep-bundle".to_owned()
    } else if reserved_on_windows(&s) {
        format!("{s}-bundle")
    } else {
        s
    }
}

/// Two-part extensions kept whole, because tools recognise files by them (ReplayWeb.page
/// and pywb open `.warc.gz`, not `.gz`).
const COMPOUND_EXTENSIONS: [&str; 2] = ["warc.gz", "tar.gz"];

/// The WACZ of a web capture, in the item and in a bundle alike: beside `page.warc.gz`
/// (named by its role, `wacz`, it would be `wacz.wacz`).
pub const WACZ_FILE_NAME: &str = "page.wacz";

/// Roles whose file keeps one fixed name everywhere.
const NAMED_ROLES: [(&str, &str); 1] = [("wacz", WACZ_FILE_NAME)];

/// Names an artifact's file: `<role>.<ext>`, or `<role>-<i+1>.<ext>` when the role repeats
/// (a role of [`NAMED_ROLES`] has its fixed name).
pub fn artifact_file_name(
    role: &str,
    index: usize,
    repeated: bool,
    original_name: Option<&str>,
    media_type: &str,
) -> String {
    if let Some((_, name)) = NAMED_ROLES.iter().find(|(r, _)| *r == role).filter(|_| !repeated) {
        return (*name).to_owned();
    }
    let role = slug(role);
    let compound = original_name.map(str::to_ascii_lowercase).and_then(|n| {
        COMPOUND_EXTENSIONS
            .iter()
            .find(|e| n.ends_with(&format!(".{e}")))
            .copied()
    });
    let ext = original_name
        .and_then(|n| n.rsplit_once('.').map(|(_, e)| e))
        .filter(|e| (1..=8).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_ascii_lowercase)
        .or_else(|| extension_for(media_type).map(str::to_owned))
        .unwrap_or_else(|| "bin".to_owned());
    let ext = compound.map(str::to_owned).unwrap_or(ext);
    if repeated {
        format!("{role}-{}.{ext}", index + 1)
    } else {
        format!("{role}.{ext}")
    }
}

fn extension_for(media_type: &str) -> Option<&'static str> {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    Some(match essence {
        "text/plain" => "txt",
        "text/html" => "html",
        "application/json" => "json",
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "application/zip" => "zip",
        "application/warc" => "warc",
        _ => return None,
    })
}

/// Whether an artifact of this media type is worth deflating (text); media that is
/// already compressed, or unknown binary, is stored.
pub fn deflate_media(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence.starts_with("text/")
        || matches!(
            essence,
            "application/json"
                | "application/xml"
                | "image/svg+xml"
                | "message/rfc822"
                | "application/x-empty"
        )
}

/// Formats one manifest line, `<sha256 hex>  <path>\n`.
pub fn manifest_line(sha256_hex: &str, path: &str) -> String {
    format!("{sha256_hex}  {path}\n")
}

/// Parses a manifest in `sha256sum` format into `(hash, path)` pairs.
pub fn parse_manifest(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let Some((hash, path)) = line.split_once(' ') else {
            return Err(format!("line {} is not \"<hash>  <path>\"", n + 1));
        };
        let path = path
            .strip_prefix(' ')
            .or_else(|| path.strip_prefix('*'))
            .unwrap_or(path);
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("line {} does not start with a SHA-256 hash", n + 1));
        }
        out.push((hash.to_ascii_lowercase(), path.to_owned()));
    }
    Ok(out)
}

/// Parses `bag-info.txt` into `(label, value)` pairs, joining continuation lines.
pub fn parse_bag_info(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                None => return Err(format!("line {} continues nothing", n + 1)),
            }
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!("line {} is not \"Label: value\"", n + 1));
        };
        out.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    Ok(out)
}

/// Makes a value fit on one `bag-info.txt` (or README) line, with nothing a terminal
/// would act on ([`inert_text`]).
pub fn one_line(value: &str) -> String {
    inert_text(&value.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `text` with every control character (C0, DEL, C1: a terminal's escape sequences start
/// with them) and every bidirectional-formatting character (which can make a line read
/// differently from what it holds) written as a visible `\u{…}` escape. Text from a
/// bundle, a page or a certificate is someone else's: printed raw, `ESC [ 2 J` clears the
/// screen and a fake "INTACT" can be drawn over the real verdict. Newlines and tabs are
/// kept only where `keep_lines` is set.
pub fn inert_text(text: &str) -> String {
    inert(text, false)
}

/// As [`inert_text`], keeping newlines (for multi-line messages).
pub fn inert_lines(text: &str) -> String {
    inert(text, true)
}

/// Whether `c` is a bidirectional-formatting character: it can make a line read in
/// another order than the one it holds.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn inert(text: &str, keep_lines: bool) -> String {
    let acts = |c: char| (c.is_control() && !(keep_lines && c == '\n')) || is_bidi_control(c);
    if !text.chars().any(acts) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if acts(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What each check proves and does not (check, proves, does not prove), as the reports
/// print it.
pub const CHECKS: [(&str, &str, &str); 5] = [
    (
        "SHA-256 of each file (manifest-sha256.txt)",
        "The file is byte for byte the one exported.",
        "When the file was made, or by whom.",
    ),
    (
        "Hash-chained audit log",
        "No event was removed or edited after the fact without breaking the chain.",
        "That the capturing computer's clock was right.",
    ),
    (
        "Ed25519 signature",
        "The bundle came from the Safekeep vault holding the key with the fingerprint on the cover.",
        "That the key holder is honest.",
    ),
    (
        "RFC 3161 trusted timestamp (where present)",
        "An independent time-stamp authority saw the item's sealed record, with its hashes, by the time in the token.",
        "That the content is genuine, or when it was first posted online.",
    ),
    (
        "PDQ perceptual hash (pictures)",
        "Two pictures whose PDQ hashes differ in at most 31 of 256 bits very probably show the same image, even resized or recompressed.",
        "That two pictures are byte for byte identical (SHA-256 says that), or who made either.",
    ),
];

/// How to check a bundle, in one paragraph.
pub const HOW_TO_VERIFY: &str = "Follow README.txt at the top of the bundle: sha256sum -c manifest-sha256.txt (Linux), shasum -a 256 -c manifest-sha256.txt (macOS) or PowerShell Get-FileHash (Windows) for the files; bagit.py --validate for the bag; openssl pkeyutl -verify for the signature; openssl ts -verify for the timestamps; or safekeep verify for all of them.";

/// Where a bundle's trusted timestamps lie (docs/timestamps.md § "In a bundle").
pub mod timestamps {
    /// The folder inside the bag.
    pub const DIR: &str = "signature/timestamps/";
    /// File stem of the bundle's own token.
    pub const BUNDLE_STEM: &str = "bundle";

    /// `AB/1` → `AB-1`.
    pub fn stem(reference: &str) -> String {
        reference.replace('/', "-")
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn text_from_elsewhere_cannot_act_on_a_terminal() {
        let hostile = "/\u{1b}[2J\u{1b}[H\u{2714} INTACT\u{1b}[8m\u{202e}gpj.exe\r\nx\u{9b}31m";
        let shown = super::inert_text(hostile);
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{shown}"
        );
        assert!(shown.contains("\\u{1b}[2J"), "{shown}");
        assert_eq!(super::one_line("Posts  by\n@x"), "Posts by @x");
        assert_eq!(super::inert_lines("a\nb\u{7}"), "a\nb\\u{7}");
        assert_eq!(super::inert_text("Évidence ✔"), "Évidence ✔");
    }
    use super::*;

    #[test]
    fn names_windows_refuses_are_never_made() {
        for bad in [
            "CON",
            "con.txt",
            "Nul",
            "aux.tar.gz",
            "COM1",
            "lpt9.log",
            "photo.",
            "photo ",
        ] {
            assert!(reserved_on_windows(bad), "{bad}");
        }
        for good in ["console", "com10", "COM", "nul-1", "photo.jpg", "AB-1-con"] {
            assert!(!reserved_on_windows(good), "{good}");
        }
        assert_eq!(bag_name("con"), "con-bundle");
        assert_eq!(bag_name("LPT1"), "LPT1-bundle");
    }

    #[test]
    fn names_are_ascii_and_bounded() {
        assert_eq!(slug("Post by @Someone — 21:40!"), "post-by-someone-21-40");
        assert_eq!(slug("ЖЖЖ"), "item");
        assert!(slug(&"a".repeat(100)).len() <= 40);
        assert_eq!(item_folder("AB", 3, "x"), "AB-3-x");
        assert_eq!(bag_name("my case (2026)"), "my-case--2026");
        assert_eq!(
            artifact_file_name("original", 0, false, Some("IMG 1.JPEG"), "image/jpeg"),
            "original.jpeg"
        );
        assert_eq!(
            artifact_file_name("original", 0, false, Some("weird.ext!"), "image/png"),
            "original.png"
        );
        assert_eq!(artifact_file_name("shot", 1, true, None, "x/y"), "shot-2.bin");
        assert_eq!(
            artifact_file_name("page", 0, false, Some("page.WARC.gz"), "application/warc"),
            "page.warc.gz"
        );
        assert_eq!(
            artifact_file_name("wacz", 1, false, Some("page.wacz"), "application/wacz"),
            WACZ_FILE_NAME
        );
        assert!(valid_prefix("AB") && !valid_prefix("ab") && !valid_prefix("ABCDE") && !valid_prefix(""));
    }

    #[test]
    fn manifests_round_trip() {
        let h = "a".repeat(64);
        let text = manifest_line(&h, "data/x y.txt");
        assert_eq!(
            parse_manifest(&text).expect("parses"),
            vec![(h, "data/x y.txt".to_owned())]
        );
        assert!(parse_manifest("nothash  data/x\n").is_err());
    }
}
