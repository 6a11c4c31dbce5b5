//! Slowing repeated wrong guesses at the lock screen, also across restarts.
//!
//! After [`FREE_TRIES`] wrong secrets each further try must wait, the wait doubling up to
//! [`MAX_DELAY`]. The running wait is kept in the app's settings (its end and its length,
//! nothing else), so quitting — quick exit is one key — and starting again does not reset
//! it. Before a wait starts only "a wrong try since the last right one" is kept (end and
//! length 0), never a count: a restart then leaves one free try, not three, so quitting
//! after every two wrong tries gains nothing. The lockout only slows a guesser at this window;
//! against someone who copies the folder, the Argon2id cost and the passphrase's strength
//! are what protect (docs/security.md).

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// Wrong guesses allowed before each further one must wait.
pub const FREE_TRIES: u32 = 3;
/// The first wait; it doubles with each further wrong guess, up to [`MAX_DELAY`].
pub const FIRST_DELAY: Duration = Duration::from_secs(30);
/// The longest wait.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

/// A running wait as the settings keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedWait {
    /// When the wait ends, in seconds since the Unix epoch.
    pub until_unix: u64,
    /// How long it was, in seconds (the next wrong guess doubles it).
    pub seconds: u64,
}

/// Counts wrong passphrases and says how long to wait before the next try.
#[derive(Debug, Default)]
pub struct Lockout {
    failures: u32,
    until: Option<SystemTime>,
}

impl Lockout {
    /// The lockout a previous run left, as of `now`. A wait ending further ahead than the
    /// longest wait (the clock was turned back, or the file edited) ends at `now` plus the
    /// longest wait.
    pub fn restore(saved: Option<SavedWait>, now: SystemTime) -> Self {
        let Some(saved) = saved else {
            return Self::default();
        };
        if saved.seconds == 0 {
            return Self {
                failures: FREE_TRIES - 1,
                until: None,
            };
        }
        let delay = Duration::from_secs(saved.seconds).clamp(FIRST_DELAY, MAX_DELAY);
        let doublings = (delay.as_secs() / FIRST_DELAY.as_secs()).max(1).ilog2();
        let until = SystemTime::UNIX_EPOCH + Duration::from_secs(saved.until_unix);
        Self {
            failures: FREE_TRIES + doublings,
            until: Some(until.min(now + MAX_DELAY)),
        }
    }

    /// What to keep in the settings: the running wait, if one was ever started since the
    /// last right secret; else, after a wrong try, only that there was one.
    pub fn saved(&self) -> Option<SavedWait> {
        if self.failures == 0 {
            return None;
        }
        let Some(until) = self.until else {
            return Some(SavedWait {
                until_unix: 0,
                seconds: 0,
            });
        };
        Some(SavedWait {
            until_unix: until
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            seconds: self.delay().as_secs(),
        })
    }

    /// The time left before another try is allowed, if any.
    pub fn wait(&self, now: SystemTime) -> Option<Duration> {
        self.until
            .and_then(|u| u.duration_since(now).ok())
            .filter(|d| !d.is_zero())
    }

    /// Records a wrong guess.
    pub fn failed(&mut self, now: SystemTime) {
        self.failures += 1;
        if self.failures >= FREE_TRIES {
            self.until = Some(now + self.delay());
        }
    }

    /// Forgets the wrong guesses after a right one.
    pub fn succeeded(&mut self) {
        *self = Self::default();
    }

    fn delay(&self) -> Duration {
        let doublings = self.failures.saturating_sub(FREE_TRIES).min(10);
        FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_three_wrong_tries_and_reset_on_success() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut l = Lockout::default();
        l.failed(t0);
        l.failed(t0);
        assert_eq!(l.wait(t0), None, "two mistakes are free");
        let strike = l.saved().expect("a wrong try is kept, not counted");
        assert_eq!(strike.seconds, 0);
        let mut restarted = Lockout::restore(Some(strike), t0);
        assert_eq!(restarted.wait(t0), None);
        restarted.failed(t0);
        assert_eq!(
            restarted.wait(t0),
            Some(FIRST_DELAY),
            "a restart leaves one free try"
        );
        l.failed(t0);
        assert_eq!(l.wait(t0), Some(FIRST_DELAY));
        assert_eq!(l.wait(t0 + FIRST_DELAY), None);
        l.failed(t0);
        assert_eq!(l.wait(t0), Some(FIRST_DELAY * 2));
        for _ in 0..20 {
            l.failed(t0);
        }
        assert_eq!(l.wait(t0), Some(MAX_DELAY));
        l.succeeded();
        assert_eq!(l.wait(t0), None);
        assert_eq!(l.saved(), None);
    }

    #[test]
    fn a_wait_survives_a_restart_and_keeps_doubling() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut l = Lockout::default();
        for _ in 0..4 {
            l.failed(t0);
        }
        let saved = l.saved().expect("a wait is running");
        assert_eq!(saved.seconds, 60);
        let later = t0 + Duration::from_secs(10);
        let mut restarted = Lockout::restore(Some(saved), later);
        assert_eq!(restarted.wait(later), Some(Duration::from_secs(50)));
        let after = t0 + Duration::from_secs(61);
        assert_eq!(restarted.wait(after), None);
        restarted.failed(after);
        assert_eq!(restarted.wait(after), Some(Duration::from_secs(120)));
    }

    #[test]
    fn a_wait_from_the_far_future_is_cut_to_the_longest() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let saved = SavedWait {
            until_unix: 4_000_000_000,
            seconds: 1 << 40,
        };
        let l = Lockout::restore(Some(saved), now);
        assert_eq!(l.wait(now), Some(MAX_DELAY));
    }
}
