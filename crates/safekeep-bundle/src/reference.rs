//! The grammar of exhibit references and item folder names (docs/bundle-format.md §
//! "Exhibit references and folder names"):
//!
//! ```text
//! reference = prefix "/" number            e.g. AB/12
//! folder    = prefix "-" number "-" slug   e.g. AB-12-screenshot-of-post
//! prefix    = 1*4 ( "A"–"Z" )
//! number    = ( "1"–"9" ) 0*8 ( "0"–"9" )  1 to 999999999, no leading zero
//! slug      = word *( "-" word ), at most 40 characters
//! word      = 1*( "a"–"z" / "0"–"9" )
//! ```
//!
//! Why a grammar: a received bundle's references are written into the receiver's own
//! bundles (folder names, file names under `signature/timestamps/`, the commands
//! README.txt prints). It admits exactly what Safekeep writes ([`super::format::exhibit_ref`],
//! [`super::format::item_folder`]) and nothing with a shell or path meta-character, so a
//! reference is always data. The commands are quoted as well (`shell_quote`), in case.

use super::format;

/// Longest number in a reference: nine digits.
const NUMBER_DIGITS_MAX: usize = 9;
/// Longest slug (the same limit [`format::slug`] keeps).
const SLUG_MAX: usize = 40;

/// Why a reference or folder name is not one the format allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The reference is not `<prefix>/<number>`.
    #[error(
        "the exhibit reference {0:?} is not of the form AB/12 (1 to 4 capital letters, \"/\", a number from 1 without leading zeros): it was not written by Safekeep"
    )]
    Reference(String),
    /// The folder is not `<prefix>-<number>-<slug>` for its reference.
    #[error(
        "the item folder {folder:?} is not \"{stem}-\" followed by lower-case letters and digits in words joined by \"-\" (at most 40 characters): it was not written by Safekeep"
    )]
    Folder {
        /// The folder name.
        folder: String,
        /// What it must start with: the reference with `/` as `-`.
        stem: String,
    },
    /// The exhibit prefix is not 1–4 capital letters.
    #[error("the exhibit prefix {0:?} is not 1 to 4 capital letters: it was not written by Safekeep")]
    Prefix(String),
}

/// Checks an exhibit reference against the grammar; returns its prefix and number.
pub fn check_reference(reference: &str) -> Result<(&str, u32), NameError> {
    let bad = || NameError::Reference(reference.to_owned());
    let (prefix, number) = reference.split_once('/').ok_or_else(bad)?;
    if !format::valid_prefix(prefix) || !valid_number(number) {
        return Err(bad());
    }
    Ok((prefix, number.parse().map_err(|_| bad())?))
}

/// Checks an exhibit prefix (`Safekeep-Exhibit-Prefix`) against the grammar.
pub fn check_prefix(prefix: &str) -> Result<(), NameError> {
    if format::valid_prefix(prefix) {
        Ok(())
    } else {
        Err(NameError::Prefix(prefix.to_owned()))
    }
}

/// Checks an item folder's name against the grammar and its reference (which must
/// itself be valid: see [`check_reference`]).
pub fn check_folder(folder: &str, reference: &str) -> Result<(), NameError> {
    check_reference(reference)?;
    let stem = format::timestamps::stem(reference);
    let slug = folder
        .strip_prefix(stem.as_str())
        .and_then(|rest| rest.strip_prefix('-'));
    match slug {
        Some(slug) if valid_slug(slug) => Ok(()),
        _ => Err(NameError::Folder {
            folder: folder.to_owned(),
            stem,
        }),
    }
}

fn valid_number(n: &str) -> bool {
    (1..=NUMBER_DIGITS_MAX).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
}

fn valid_slug(slug: &str) -> bool {
    slug.len() <= SLUG_MAX
        && slug
            .split('-')
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_safekeep_writes_is_admitted() {
        for (prefix, n, title) in [
            ("AB", 1, "Screenshot of post"),
            ("ABCD", 999_999_999, ""),
            (
                "Z",
                12,
                "!!! 🙂 @someone's post, 9pm — reported ... and a very long title indeed",
            ),
            ("XY", 3, "--a--b--"),
        ] {
            let reference = format::exhibit_ref(prefix, n);
            let folder = format::item_folder(prefix, n, title);
            assert_eq!(check_reference(&reference), Ok((prefix, n as u32)), "{reference}");
            assert_eq!(check_folder(&folder, &reference), Ok(()), "{folder}");
        }
    }

    #[test]
    fn shell_and_path_syntax_is_refused() {
        for r in [
            "XX/1;touch${IFS}x",
            "XX/1 ",
            "XX/01",
            "XX/0",
            "xx/1",
            "ABCDE/1",
            "/1",
            "AB/",
            "AB/1/2",
            "AB/1234567890",
            "AB/1\n",
            "AB/$(id)",
            "AB/1'",
            "../1",
            "",
        ] {
            assert!(check_reference(r).is_err(), "{r:?}");
        }
        for f in [
            "AB-1-x;touch${IFS}y",
            "AB-1-",
            "AB-1",
            "AB-1-a--b",
            "AB-1--a",
            "AB-1-A",
            "AB-1-a b",
            "AB-1-a'b",
            "AB-2-a",
            "AB-1-a.b",
            "AB-1-..",
            "AB-10-a",
        ] {
            assert!(check_folder(f, "AB/1").is_err(), "{f:?}");
        }
        assert!(check_folder(&format!("AB-1-{}", "a".repeat(41)), "AB/1").is_err());
        assert!(check_folder("AB-1-item", "AB/1;x").is_err());
        assert!(check_prefix("AB").is_ok() && check_prefix("A;B").is_err());
    }
}
