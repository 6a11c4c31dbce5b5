//! Names Safekeep proposes for the files it writes outside the vault (bundles, reports,
//! takedown packs).
//!
//! A file name travels further than its contents: it shows in a shared mailbox, a
//! download list, a "recent files" menu and the bag folder inside the bundle. So a
//! proposed name is a date and a short random word ("2026-12-07-maple"), never the case
//! title, which often names the subject ("Posts by @someone"); and a name the person types
//! is checked for the title so that the app can warn before it is used
//! (docs/security.md § "Nothing names the evidence outside the vault").

use chrono::NaiveDate;
use rand::Rng;

/// Ordinary words that say nothing about evidence, people or places.
const WORDS: [&str; 48] = [
    "acorn", "amber", "apple", "aspen", "birch", "bramble", "breeze", "cedar", "clover", "comet", "coral",
    "daisy", "delta", "ember", "fern", "field", "finch", "harbor", "hazel", "heron", "island", "juniper",
    "lantern", "lark", "linen", "maple", "meadow", "willow", "nutmeg", "oak", "orchid", "otter", "pebble",
    "pine", "plum", "quartz", "raven", "river", "saffron", "sage", "spruce", "stone", "thistle", "tulip",
    "valley", "walnut", "wren", "yarrow",
];

/// A neutral file stem: `YYYY-MM-DD-word` for `today`, the word drawn from `rng`.
pub fn stem(today: NaiveDate, rng: &mut dyn rand::RngCore) -> String {
    let word = WORDS[rng.random_range(0..WORDS.len())];
    format!("{}-{word}", today.format("%Y-%m-%d"))
}

/// Whether `file_name` (a name or a path: only its last part counts) gives away the case
/// `title`: the whole title, or one of its words of four or more characters that is not only
/// digits (a year is in every proposed name; a handle like `@someone` counts without its
/// `@`), ignoring case, spaces and punctuation.
pub fn names_the_case(file_name: &str, title: &str) -> bool {
    let last = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let name = folded(last);
    let whole = folded(title);
    if !whole.is_empty() && name.contains(&whole) {
        return true;
    }
    title
        .split(|c: char| !c.is_alphanumeric())
        .map(folded)
        .filter(|w| w.chars().count() >= 4 && !w.chars().all(|c| c.is_ascii_digit()))
        .any(|w| name.contains(&w))
}

/// Lower case, letters and digits only.
fn folded(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_stem_is_a_date_and_a_word() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        let s = stem(day, &mut rng);
        let (date, word) = s.split_at(11);
        assert_eq!(date, "2026-12-07-");
        assert!(WORDS.contains(&word), "{s}");
    }

    #[test]
    fn a_name_holding_the_title_or_a_handle_is_caught() {
        let title = "Posts by @someone, 2026";
        assert!(names_the_case("Posts by @someone, 2026.zip.age", title));
        assert!(names_the_case("/home/a/Documents/someone-report.pdf", title));
        assert!(names_the_case("POSTS_BY.zip", title));
        assert!(names_the_case("C:\\Users\\a\\SOMEONE.zip", title));
        assert!(!names_the_case("2026-12-07-maple.zip", title));
        assert!(!names_the_case("/home/posts/2026-12-07-maple.zip", "Posts by @x"));
        assert!(!names_the_case("2026-12-07-maple.zip", "by @x"));
        assert!(!names_the_case("2026-12-07-maple.zip", ""));
    }
}
