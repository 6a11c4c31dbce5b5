//! Where the vault gets the time from.
//!
//! Time is passed in (never read from a global) so that audit chains and bundles are
//! reproducible in tests, and so that the clock's source can be recorded beside every
//! capture: a court weighs "the computer's own clock" differently from a trusted time.

use std::sync::Mutex;

use chrono::{DateTime, Duration, FixedOffset, Local, SecondsFormat, Utc};

/// A source of the current time, with the user's local UTC offset.
pub trait Clock: Send {
    /// Returns the current time in the local offset of the machine.
    fn now(&self) -> DateTime<FixedOffset>;
    /// Names where the time comes from, recorded with every capture.
    fn source(&self) -> String;
}

/// The operating system's clock. It is controlled by whoever controls the computer.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Local::now().fixed_offset()
    }
    fn source(&self) -> String {
        "system clock of the capturing computer (not independently verified)".to_owned()
    }
}

/// A clock for tests: starts at a fixed instant and advances by a fixed step per reading.
#[derive(Debug)]
pub struct SteppingClock {
    next: Mutex<DateTime<FixedOffset>>,
    step: Duration,
}

impl SteppingClock {
    /// Creates a clock whose first reading is `start` and each later one `step` later.
    pub fn new(start: DateTime<FixedOffset>, step: Duration) -> Self {
        Self {
            next: Mutex::new(start),
            step,
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<FixedOffset> {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let now = *next;
        *next = now + self.step;
        now
    }
    fn source(&self) -> String {
        "test clock".to_owned()
    }
}

/// Formats an instant as RFC 3339 in UTC with millisecond precision (`…T…Z`), the one
/// form every stored and exported timestamp uses.
pub fn utc_rfc3339(t: &DateTime<FixedOffset>) -> String {
    t.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Formats the UTC offset of an instant as `+HH:MM` / `-HH:MM`.
pub fn offset_string(t: &DateTime<FixedOffset>) -> String {
    let secs = t.offset().local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_and_offset() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T21:40:05.123+01:00").expect("valid");
        assert_eq!(utc_rfc3339(&t), "2026-03-01T20:40:05.123Z");
        assert_eq!(offset_string(&t), "+01:00");
        let t = DateTime::parse_from_rfc3339("2026-03-01T21:40:05-05:30").expect("valid");
        assert_eq!(offset_string(&t), "-05:30");
    }
}
