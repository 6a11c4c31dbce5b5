//! `README.txt`: how a person checks the bundle, with or without Safekeep.

use std::io::{self, Write};

use super::context::BagContext;
use super::shell_quote::ShellLine;

/// Writes the README for a bag; `timestamps` writes its section on timestamps.
pub(super) fn render(
    ctx: &BagContext,
    timestamps: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    handovers: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let bag = &ctx.bag;
    let fp = &ctx.fingerprint;
    let head = format!(
        "\
SAFEKEEP EVIDENCE BUNDLE
========================

Case:              {title}
Case id:           {case}
Exported:          {time}
Exhibit prefix:    {prefix}
Signing key:       {fp}

{no_images}This folder is a BagIt bag (RFC 8493). The evidence is in data/items/, one folder
per exhibit, with the original files exactly as captured and a metadata.json that
records when and how each was captured. data/report/index.html is a readable
exhibit list (images in it are blurred until clicked); data/report/report.pdf is
the same as a printable PDF/A report with a timeline (its pictures are blurred,
unless it ends with an annex marked UNBLURRED). data/report/statement-draft.txt
is a draft witness statement to complete. data/audit-log.jsonl is the case's
hash-chained log of every change since the case was opened.

WARNING: some exhibits may be sexually explicit or distressing images. Opening
the files in data/items/ shows them unblurred.

A web page captured by its address keeps what the server sent in page.warc.gz
(a standard web archive: open it with ReplayWeb.page or pywb) and how the page
looked in full-page.png and print.pdf. One captured in Safekeep's browser also
has page.wacz, the same archive packaged with its index (open it in
ReplayWeb.page). Login secrets (passwords, tokens, session cookies) were removed
before anything was written, each marked removed-by-safekeep or [removed by
Safekeep: a login secret]; metadata.json counts what was removed. Opening a
captured .html or .mhtml file in a browser can make the browser contact the site
(which may be the abuser's); prefer the PNG and PDF, or open them with the
network disconnected.

WHAT THE CHECKS PROVE
- SHA-256 hashes (manifest-sha256.txt): each file is byte for byte the one that
  was exported. They do not prove when a file was made, or by whom.
- The audit log: no event was removed or edited after the fact without breaking
  the chain. It does not prove the capturing computer's clock was right.
- The Ed25519 signature: the bundle came from the Safekeep vault holding the key
  with the fingerprint above. It does not prove the key holder is honest; compare
  the fingerprint with the one the person who gave you the bundle reads to you.

HOW TO CHECK THIS BUNDLE
Unzip the bundle, then open a terminal in the folder {bag}/ (the one that holds
this README.txt).

1. Every file is unchanged

   Linux:    sha256sum -c --strict manifest-sha256.txt
   macOS:    shasum -a 256 -c manifest-sha256.txt
   Both print \"OK\" for every file. Any \"FAILED\" line means that file was changed.

   Windows (PowerShell):
     Get-Content manifest-sha256.txt | ForEach-Object {{
       $h, $p = $_ -split '  ', 2
       $a = (Get-FileHash -Algorithm SHA256 -LiteralPath $p).Hash.ToLower()
       if ($a -eq $h) {{ \"OK      $p\" }} else {{ \"FAILED  $p\" }} }}

   Then check that the manifest itself, bag-info.txt and this README are intact:
   run the same command on tagmanifest-sha256.txt.

2. Nothing was added or removed (BagIt validation; needs Python)

     pip install bagit
     bagit.py --validate .

3. The signature (needs OpenSSL 3)

     openssl pkeyutl -verify -pubin -inkey signature/vault-key.pem -rawin \\
       -in tagmanifest-sha256.txt -sigfile signature/tagmanifest-sha256.txt.sig

   It prints \"Signature Verified Successfully\". The signature covers
   tagmanifest-sha256.txt, which covers everything else.

4. Everything at once, including the audit log (needs Safekeep)

     {verify_zip}
     (or: {verify_dir})

   It needs no vault, changes nothing, and explains each check in plain words.
   Exit status 0 means intact.

5. Everything at once, in a web browser (nothing to install, nothing uploaded)

   Open safekeep-verify.html, published beside safekeep.exe with Safekeep's
   releases (check its SHA-256 against the published one), and drop this
   bundle's .zip, .zip.age or unzipped folder on it. It makes the checks of 4
   on this computer and sends nothing anywhere. Use the published copy only:
   never one that came inside a bundle or with the message that brought it,
   which could have been made to say \"intact\".

",
        title = super::format::one_line(&ctx.case_title),
        case = ctx.case_id,
        time = ctx.exported_at,
        prefix = ctx.prefix,
        no_images = ctx
            .no_images
            .as_ref()
            .map(|why| format!("NO-IMAGES CASE. {}\n\n", wrap(why, 80)))
            .unwrap_or_default(),
        verify_zip = ShellLine::new("safekeep")
            .flag("verify")
            .arg(format!("{bag}.zip"))
            .flag("--expect-key")
            .arg(fp.as_str())
            .for_both("     "),
        verify_dir = ShellLine::new("safekeep")
            .flag("verify")
            .arg(format!("path/to/{bag}"))
            .for_both("     "),
    );
    out.write_all(head.as_bytes())?;
    timestamps(out)?;
    writeln!(
        out,
        "{handovers}The exact format is documented in Safekeep's docs/bundle-format.md."
    )
}

/// A hand-over recorded in a case's chain (a `case.imported` event).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Handover {
    /// 1 for the first hand-over of the case.
    pub handover: u32,
    /// Events of the chain before it (the sender's).
    pub events: u64,
    /// The sender's key.
    pub key_fingerprint: String,
    /// The bundle's folder name.
    pub bag: String,
    /// When the sender exported it.
    pub exported_at: String,
    /// When it was opened here (or by whoever opened it).
    pub imported_at: String,
    /// Exhibits it held.
    pub exhibits: usize,
}

/// The README's section about hand-overs, one line for each `case.imported` event of
/// the log. Empty when the case never changed hands.
pub(super) fn handover_section(handovers: &[Handover]) -> String {
    if handovers.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "HAND-OVERS
This case was handed over: someone else's Safekeep vault recorded its first
events, exported them as a bundle, and this vault opened that bundle as a case
(its audit log says so in a case.imported event). The signed tag files of each
bundle it arrived in are kept, unchanged, in data/handover/<n>/:
",
    );
    for h in handovers {
        s.push_str(&format!(
            "  data/handover/{}/  events 1 to {}, signed by key {}\n",
            h.handover, h.events, h.key_fingerprint
        ));
    }
    s.push_str(
        "To check one by hand, inside data/handover/<n>/:
   openssl pkeyutl -verify -pubin -inkey vault-key.pem -rawin \\
     -in tagmanifest-sha256.txt -sigfile tagmanifest-sha256.txt.sig
   sha256sum -c --ignore-missing tagmanifest-sha256.txt
then compare the line for data/audit-log.jsonl in its manifest-sha256.txt with
   head -n <events> ../../audit-log.jsonl | sha256sum
Its exhibits keep their references; exhibits added since have this bundle's
prefix. `safekeep verify` does all of this.

",
    );
    s
}

/// Breaks a paragraph into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += n;
    }
    out
}
