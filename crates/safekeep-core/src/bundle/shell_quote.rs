//! Command lines that README.txt prints, built from quoted arguments.
//!
//! Why: README.txt tells solicitors to paste its commands into a terminal as they are,
//! and some arguments come from data (an exhibit reference, which may have arrived in
//! someone else's bundle). The grammar (`reference`) already admits no shell syntax;
//! quoting makes each argument one word whatever it holds, in both shells a reader may
//! use:
//!
//! - POSIX `sh` (Linux, macOS): inside `'…'` every character is literal except `'`,
//!   written `'\''` (close, an escaped quote, reopen). POSIX.1-2017 XCU § 2.2.3.
//! - PowerShell: inside `'…'` every character is literal except the four single quotes
//!   PowerShell recognises (`'`, U+2018, U+2019, U+201A, U+201B), each written twice
//!   (about_Quoting_Rules).
//!
//! An argument made only of `[A-Za-z0-9._/-]`, not starting with `-`, means the same
//! bare in both shells, and is left bare so that the usual commands read as before.
//! Invariant: [`ShellLine::posix`] and [`ShellLine::powershell`] each give exactly the
//! program and arguments given, one word each, with nothing expanded or run — for
//! PowerShell, as PowerShell itself parses the line; Windows PowerShell 5.1 then passes an
//! argument holding `"` or ending in `\` to a native program split or altered. The
//! reference grammar admits neither, so no README line carries one.

use std::borrow::Cow;

/// The single-quote characters PowerShell treats as `'` (about_Quoting_Rules).
const POWERSHELL_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// Whether `arg` means the same unquoted in `sh` and PowerShell.
fn bare(arg: &str) -> bool {
    !arg.is_empty()
        && !arg.starts_with('-')
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-'))
}

/// Returns `arg` as one POSIX shell word.
pub fn posix(arg: &str) -> Cow<'_, str> {
    if bare(arg) {
        return Cow::Borrowed(arg);
    }
    Cow::Owned(format!("'{}'", arg.replace('\'', r"'\''")))
}

/// Returns `arg` as one PowerShell word.
pub fn powershell(arg: &str) -> Cow<'_, str> {
    if bare(arg) {
        return Cow::Borrowed(arg);
    }
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('\'');
    for c in arg.chars() {
        if POWERSHELL_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Cow::Owned(out)
}

/// A command: a program, options written by Safekeep, and arguments that are data.
#[derive(Debug, Clone, Default)]
pub struct ShellLine {
    words: Vec<Word>,
}

#[derive(Debug, Clone)]
enum Word {
    /// Written by Safekeep, a constant: never quoted.
    Literal(&'static str),
    /// Anything else: always passed through the quoting rules.
    Data(String),
}

impl ShellLine {
    /// Starts a command line with `program`.
    pub fn new(program: &'static str) -> Self {
        Self {
            words: vec![Word::Literal(program)],
        }
    }

    /// Adds an option or word Safekeep itself wrote (a constant).
    pub fn flag(mut self, word: &'static str) -> Self {
        self.words.push(Word::Literal(word));
        self
    }

    /// Adds an argument that is data: it is quoted.
    pub fn arg(mut self, value: impl Into<String>) -> Self {
        self.words.push(Word::Data(value.into()));
        self
    }

    fn render(&self, quote: fn(&str) -> Cow<'_, str>) -> String {
        self.words
            .iter()
            .map(|w| match w {
                Word::Literal(s) => Cow::Borrowed(*s),
                Word::Data(s) => quote(s),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The line for a POSIX shell.
    pub fn posix(&self) -> String {
        self.render(posix)
    }

    /// The line for PowerShell.
    pub fn powershell(&self) -> String {
        self.render(powershell)
    }

    /// The line for both shells when they read it alike, else a line for each, labelled;
    /// every line after the first starts with `indent`.
    pub fn for_both(&self, indent: &str) -> String {
        let (sh, ps) = (self.posix(), self.powershell());
        if sh == ps {
            sh
        } else {
            format!("Linux, macOS: {sh}\n{indent}Windows (PowerShell): {ps}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare_and_everything_else_is_quoted() {
        assert_eq!(
            posix("signature/timestamps/AB-1.tsr"),
            "signature/timestamps/AB-1.tsr"
        );
        assert_eq!(powershell("AB-1.tsr"), "AB-1.tsr");
        assert_eq!(posix(""), "''");
        assert_eq!(powershell(""), "''");
        assert_eq!(posix("-in"), "'-in'");
        assert_eq!(posix("6360 5828"), "'6360 5828'");
        assert_eq!(posix("a'b"), r"'a'\''b'");
        assert_eq!(powershell("a'b"), "'a''b'");
        assert_eq!(powershell("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(powershell("$(id);`n"), "'$(id);`n'");
        assert_eq!(posix("$(id);`x`"), "'$(id);`x`'");
    }

    #[test]
    fn powershell_quoting_leaves_no_quote_unpaired() {
        // Inside '…', PowerShell ends the string at any single quote not doubled: after
        // quoting, every run of quote characters between the outer two is of even length.
        for hostile in [
            "'; Remove-Item x; '",
            "\u{2018}; calc; \u{2019}",
            "''''",
            "a'\u{201B}b",
            "--%",
        ] {
            let q = powershell(hostile);
            let inner = q
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .expect("quoted");
            let mut run = 0;
            for c in inner.chars().chain(std::iter::once('x')) {
                if POWERSHELL_QUOTES.contains(&c) {
                    run += 1;
                } else {
                    assert_eq!(run % 2, 0, "{hostile:?} → {q}");
                    run = 0;
                }
            }
            let unquoted: String = {
                let mut out = String::new();
                let mut chars = inner.chars().peekable();
                while let Some(c) = chars.next() {
                    out.push(c);
                    if POWERSHELL_QUOTES.contains(&c) {
                        chars.next();
                    }
                }
                out
            };
            assert_eq!(unquoted, hostile, "reads back as given");
        }
    }

    #[test]
    fn a_hostile_argument_cannot_break_out_of_sh() {
        let dir = tempfile::tempdir().expect("temp dir");
        let marker = dir.path().join("broke-out");
        let m = marker.display();
        let hostile = [
            format!("x;touch {m}"),
            format!("x';touch {m};'"),
            format!("$(touch {m})"),
            format!("`touch {m}`"),
            format!("x\ntouch {m}"),
            format!("x|touch {m}"),
            format!("x&&touch {m}"),
            format!("XX/1;touch${{IFS}}{m}"),
            "*".to_owned(),
        ];
        for h in &hostile {
            let line = ShellLine::new("printf").arg("%s\n").arg(h.clone()).posix();
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&line)
                .current_dir(dir.path())
                .output()
                .expect("sh runs");
            assert!(out.status.success(), "{line}");
            assert!(!marker.exists(), "{line} ran a command");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                format!("{h}\n"),
                "{line} passed the argument whole"
            );
        }
    }
}
