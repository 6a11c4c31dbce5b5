//! Trusted timestamps in a bundle (docs/timestamps.md § "In a bundle"): for each exhibit
//! with a token, `signature/timestamps/<AB-1>.tsr` (the token), `.commitment` (exactly
//! the bytes it covers: prefix, salt, the item's sealed record) and `.chain.pem` (the
//! authority's chain, signer first, root last); for the bundle itself, `bundle.tsr` and
//! `bundle.chain.pem` over `tagmanifest-sha256.txt`. Each is checkable from the bag folder
//! with the `openssl ts -verify` line that README.txt prints.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use super::exhibits::Exhibit;
use super::scratch::Scratch;
use super::shell_quote::ShellLine;

/// What README.txt calls a token whose authority the exporting vault did not recognise
/// (docs/timestamps.md § "Whose timestamp it is").
const UNRECOGNISED_WORDS: &str =
    "timestamp by an authority the computer that opened this case did not recognise";

pub use safekeep_bundle::format::timestamps::{BUNDLE_STEM, DIR, stem};

/// A token obtained for an item and checked against its authority's trust.
#[derive(Debug, Clone)]
pub struct ObtainedToken {
    /// The authority's address.
    pub tsa: String,
    /// The token (DER).
    pub token: Vec<u8>,
    /// The chain it verified against, PEM, signer first.
    pub chain_pem: String,
}

/// Asks an authority for a token over a 32-byte imprint (the tag manifest's SHA-256).
/// Supplied by the network side (`safekeep-capture`); the core never opens a socket.
#[derive(Clone)]
pub struct Stamper(pub Arc<StampFn>);

/// The function a [`Stamper`] wraps: imprint in, a token (or why not) out.
pub type StampFn = dyn Fn(&[u8; 32]) -> Result<ObtainedToken, String> + Send + Sync;

impl fmt::Debug for Stamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Stamper")
    }
}

/// The `openssl ts -verify` command for the token `stem` over `data`, run from the bag
/// folder. Every name is a quoted argument (`shell_quote`): `stem` comes from an
/// exhibit reference, which may have arrived in someone else's bundle.
pub(crate) fn openssl_command(stem: &str, data: &str) -> ShellLine {
    ShellLine::new("openssl")
        .flag("ts")
        .flag("-verify")
        .flag("-data")
        .arg(data)
        .flag("-in")
        .arg(format!("{DIR}{stem}.tsr"))
        .flag("-token_in")
        .flag("-CAfile")
        .arg(format!("{DIR}{stem}.chain.pem"))
}

/// README.txt's section on timestamps, gathered an exhibit at a time: a line for each
/// exhibit goes to a sealed scratch file (a case can have 50,000).
pub(super) struct ReadmeStamps {
    lines: Scratch,
    any: bool,
}

impl ReadmeStamps {
    /// Starts the section, its scratch file in `dir`.
    pub fn new(dir: &Path) -> io::Result<Self> {
        Ok(Self {
            lines: Scratch::new(dir)?,
            any: false,
        })
    }

    /// Adds an exhibit's line.
    pub fn add(&mut self, ex: &Exhibit) -> io::Result<()> {
        let reference = &ex.reference;
        let line = match ex.stamp() {
            Some(s) => {
                self.any = true;
                let stem = stem(reference);
                let (gen_time, tsa) = (s.gen_time, super::format::one_line(s.tsa));
                let what = if s.recognised {
                    format!("timestamped {gen_time} by {tsa}")
                } else {
                    format!(
                        "NOT A TRUSTED TIMESTAMP: a {UNRECOGNISED_WORDS}. It states\n     {gen_time} ({tsa}); the command checks only that it matches its own\n     chain. It proves nothing until you recognise the root yourself"
                    )
                };
                format!(
                    "   {reference}: {what}\n     {}\n\n",
                    openssl_command(&stem, &format!("{DIR}{stem}.commitment")).for_both("     "),
                )
            }
            None => format!("   {reference}: no trusted timestamp\n\n"),
        };
        self.lines.write_all(line.as_bytes())
    }

    /// Writes the section; `bundle_requested` when the bundle itself is being stamped.
    pub fn finish(self, bundle_requested: bool, out: &mut dyn Write) -> io::Result<()> {
        if !self.any && !bundle_requested {
            return out.write_all(
                b"5. Trusted timestamps: none. The capture times come from the capturing\n   \
computer's clock only.\n\n",
            );
        }
        out.write_all(
            b"5. Trusted timestamps (RFC 3161; needs OpenSSL)\n\n   \
A time-stamp authority (TSA) signed that a hash existed no later than its time.\n   \
Each item's token covers the file signature/timestamps/<exhibit>.commitment: a\n   \
fixed prefix, a random salt, then the item's sealed record (which holds every\n   \
file's SHA-256), so the authority never saw anything that identifies the\n   \
evidence. Each command below prints \"Verification: OK\", but only against the\n   \
chain stored beside the token, which whoever made this bundle chose: anyone can\n   \
run a time-stamp authority. The root certificate is the last one in the\n   \
.chain.pem file: compare its fingerprint with the one the authority publishes\n   \
(openssl x509 -noout -fingerprint -sha256). `safekeep verify` says whether this\n   \
computer recognises each authority.\n\n",
        )?;
        io::copy(&mut self.lines.finish()?.0, out)?;
        if bundle_requested {
            write!(
                out,
                "   The bundle as a whole, if signature/timestamps/{BUNDLE_STEM}.tsr is present\n   \
(it covers tagmanifest-sha256.txt, and through it every file):\n     {}\n\n",
                openssl_command(BUNDLE_STEM, "tagmanifest-sha256.txt").for_both("     ")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's `openssl ts -verify` line, as printed for a hostile reference (one the
    /// grammar refuses, in case it ever did not), run as a reader would run it: `openssl`
    /// fails on the missing files, and no command hidden in the reference runs.
    #[test]
    fn the_printed_openssl_line_runs_no_command_hidden_in_a_reference() {
        let dir = tempfile::tempdir().expect("temp dir");
        let marker = dir.path().join("pwned");
        for reference in [
            "XX/1;touch${IFS}pwned",
            "XX/1';touch pwned;'",
            "XX/$(touch pwned)",
            "XX/`touch pwned`",
            "XX/1\ntouch pwned",
        ] {
            let s = stem(reference);
            let line = openssl_command(&s, &format!("{DIR}{s}.commitment")).posix();
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&line)
                .current_dir(dir.path())
                .output()
                .expect("sh runs");
            assert!(!out.status.success(), "{line}: openssl found no such files");
            assert!(!marker.exists(), "{line} ran a command");
        }
        let plain = openssl_command("AB-1", "signature/timestamps/AB-1.commitment");
        assert_eq!(
            plain.for_both("  "),
            "openssl ts -verify -data signature/timestamps/AB-1.commitment -in signature/timestamps/AB-1.tsr -token_in -CAfile signature/timestamps/AB-1.chain.pem",
            "the usual line reads as before, the same in both shells"
        );
    }
}
