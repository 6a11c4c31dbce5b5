//! What one run of the receiver promises the person: the PIN a phone must give, the
//! name announced on the network, and the limits on what may arrive.

use rand::Rng;

/// How many wrong or missing PINs the receiver takes before it refuses every transfer
/// for the rest of the run (the person starts receiving again to get a new PIN).
pub const PIN_ATTEMPTS: u32 = 5;

/// Limits on one transfer, stated in the docs and on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single file, in bytes.
    pub max_file_size: u64,
    /// Most files in one transfer.
    pub max_files: usize,
    /// Largest transfer, all files together, in bytes.
    pub max_total: u64,
}

impl Default for Limits {
    /// 4 GiB a file (a long screen recording), 1,000 files, 16 GiB a transfer.
    fn default() -> Self {
        Self {
            max_file_size: 4 << 30,
            max_files: 1000,
            max_total: 16 << 30,
        }
    }
}

/// The PIN of one run: six digits, drawn when receiving starts, shown on screen and
/// never stored.
#[derive(Clone)]
pub struct Pin(String);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(…)")
    }
}

impl Pin {
    /// Draws a six-digit PIN.
    pub fn draw(rng: &mut dyn rand::RngCore) -> Self {
        Self(format!("{:06}", rng.random_range(0..1_000_000u32)))
    }

    /// A PIN given by the caller (tests, or a person who wants to choose it): 4 to 16
    /// ASCII digits or letters.
    pub fn given(pin: &str) -> Option<Self> {
        let ok = (4..=16).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then(|| Self(pin.to_owned()))
    }

    /// The PIN, to show.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares in time that does not depend on where the first difference is.
    pub fn matches(&self, given: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), given.as_bytes())
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a PIN check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheck {
    /// The right PIN.
    Right,
    /// No PIN: how every LocalSend app learns that one is needed (it then asks the
    /// person and sends again). Costs no attempt: it guesses nothing.
    Missing,
    /// Wrong; this many attempts are left (0: this one used the last, and from now on
    /// every request is [`PinCheck::LockedOut`]).
    Wrong {
        /// Attempts left before every transfer is refused.
        left: u32,
    },
    /// Too many wrong PINs before: nothing more is accepted in this run.
    LockedOut,
}

/// Counts wrong PINs across the whole run, whoever sends them.
#[derive(Debug)]
pub struct PinGuard {
    pin: Pin,
    wrong: u32,
}

impl PinGuard {
    /// Guards with `pin`.
    pub fn new(pin: Pin) -> Self {
        Self { pin, wrong: 0 }
    }

    /// The PIN, to show.
    pub fn pin(&self) -> &Pin {
        &self.pin
    }

    /// Checks a PIN given with a request (`None`: the sender gave none).
    pub fn check(&mut self, given: Option<&str>) -> PinCheck {
        if self.wrong >= PIN_ATTEMPTS {
            return PinCheck::LockedOut;
        }
        let Some(given) = given else {
            return PinCheck::Missing;
        };
        if self.pin.matches(given) {
            return PinCheck::Right;
        }
        self.wrong += 1;
        PinCheck::Wrong {
            left: PIN_ATTEMPTS - self.wrong,
        }
    }
}

const ADJECTIVES: [&str; 24] = [
    "Amber", "Brave", "Bright", "Calm", "Clever", "Cosy", "Gentle", "Golden", "Happy", "Kind", "Lively",
    "Lucky", "Mellow", "Merry", "Nice", "Patient", "Polite", "Quiet", "Silver", "Smart", "Steady", "Sunny",
    "Swift", "Warm",
];
const NOUNS: [&str; 24] = [
    "Apple", "Apricot", "Banana", "Cherry", "Coconut", "Fig", "Grape", "Kiwi", "Lemon", "Lime", "Mango",
    "Melon", "Orange", "Papaya", "Peach", "Pear", "Plum", "Quince", "Walnut", "Heron", "Otter", "Finch",
    "Maple", "Willow",
];

/// Draws a name like the ones LocalSend gives devices itself ("Nice Orange"), so the
/// receiver looks like any other device on the network.
pub fn neutral_alias(rng: &mut dyn rand::RngCore) -> String {
    let a = ADJECTIVES[rng.random_range(0..ADJECTIVES.len())];
    let n = NOUNS[rng.random_range(0..NOUNS.len())];
    format!("{a} {n}")
}

/// Why a chosen alias was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AliasError {
    /// Empty, or longer than 40 characters.
    #[error("the name shown to phones must be 1 to 40 characters; choose another")]
    Length,
    /// It would tell everyone on the network that Safekeep is receiving.
    #[error("the name shown to phones must not mention Safekeep: everyone on this network can see it")]
    NamesSafekeep,
    /// It names the case.
    #[error("the name shown to phones gives away the case's title: everyone on this network can see it")]
    NamesCase,
    /// It names this computer.
    #[error("the name shown to phones is this computer's name: everyone on this network can see it")]
    NamesComputer,
}

/// Checks an alias the person chose: never Safekeep's name, the case's title or this
/// computer's name, because everyone on the network (possibly the abuser) sees it.
pub fn check_alias(alias: &str, case_title: &str, host: &str) -> Result<(), AliasError> {
    let trimmed = alias.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 40 {
        return Err(AliasError::Length);
    }
    let folded: String = trimmed
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if folded.contains("safekeep") {
        return Err(AliasError::NamesSafekeep);
    }
    if safekeep_core::neutral_name::names_the_case(trimmed, case_title) {
        return Err(AliasError::NamesCase);
    }
    let host: String = host
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if host.len() >= 3 && folded.contains(&host) {
        return Err(AliasError::NamesComputer);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn wrong_pins_run_out_and_then_even_the_right_one_is_refused() {
        let mut guard = PinGuard::new(Pin::given("123456").unwrap());
        // A phone asks without a PIN before every transfer: that never runs out.
        for _ in 0..10 {
            assert_eq!(guard.check(None), PinCheck::Missing);
            assert_eq!(guard.check(Some("123456")), PinCheck::Right);
        }
        assert_eq!(guard.check(Some("")), PinCheck::Wrong { left: 4 });
        assert_eq!(guard.check(Some("12345")), PinCheck::Wrong { left: 3 });
        assert_eq!(guard.check(Some("1234567")), PinCheck::Wrong { left: 2 });
        assert_eq!(guard.check(Some("000000")), PinCheck::Wrong { left: 1 });
        assert_eq!(guard.check(Some("000001")), PinCheck::Wrong { left: 0 });
        assert_eq!(guard.check(None), PinCheck::LockedOut);
        assert_eq!(guard.check(Some("123456")), PinCheck::LockedOut);
    }

    #[test]
    fn drawn_pins_are_six_digits_and_aliases_are_neutral() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..100 {
            let pin = Pin::draw(&mut rng);
            assert_eq!(pin.as_str().len(), 6);
            assert!(pin.as_str().bytes().all(|b| b.is_ascii_digit()));
            let alias = neutral_alias(&mut rng);
            assert_eq!(check_alias(&alias, "Posts by @someone", "janes-laptop"), Ok(()));
        }
        assert!(
            format!("{:?}", Pin::given("9876").unwrap())
                .find("9876")
                .is_none()
        );
    }

    #[test]
    fn an_alias_never_gives_away_safekeep_the_case_or_the_computer() {
        assert_eq!(check_alias("Safe Keep", "x", "h"), Err(AliasError::NamesSafekeep));
        assert_eq!(
            check_alias("my SAFEKEEP", "x", "h"),
            Err(AliasError::NamesSafekeep)
        );
        assert_eq!(
            check_alias("Posts by someone", "Posts by @someone", "h"),
            Err(AliasError::NamesCase)
        );
        assert_eq!(
            check_alias("Janes Laptop", "case", "janes-laptop"),
            Err(AliasError::NamesComputer)
        );
        assert_eq!(check_alias("  ", "case", "h"), Err(AliasError::Length));
        assert_eq!(check_alias("Sunny Plum", "case", "janes-laptop"), Ok(()));
    }
}
