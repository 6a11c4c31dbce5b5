//! The clock of a removal request: when it was sent, when the recipient must have acted
//! (the duty's 48 hours, or the platform's stated time), and whether that has passed.
//!
//! A deadline is elapsed time from the moment sent (48 hours is 48 hours, also across a
//! change of the clocks), computed in UTC and only shown in the person's zone: a request
//! sent at 10:00 GMT on a Friday before the clocks go forward is due at 11:00 BST on the
//! Sunday. The current time is always passed in.

use chrono::{DateTime, Duration, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

use super::RemovalError;

/// When a request sent at `sent_at` must have been acted on.
pub fn deadline(sent_at: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    sent_at + Duration::hours(i64::from(hours))
}

/// Whether the deadline has passed at `now`.
pub fn overdue(deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now > deadline
}

/// The zone named, else this computer's, else UTC.
pub fn zone(given: Option<&str>) -> Result<Tz, RemovalError> {
    if let Some(name) = given {
        return name.trim().parse().map_err(|_| {
            RemovalError::Input(format!(
                "\"{name}\" is not a time zone Safekeep knows; give its IANA name, for example Europe/London"
            ))
        });
    }
    Ok(iana_time_zone::get_timezone()
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(Tz::UTC))
}

/// Reads when a request was sent: RFC 3339 (`2026-03-27T10:00:00Z`), or a local date
/// and time in `zone` (`2026-03-27 10:00`). A local time the clocks skipped is refused; one
/// they repeated is read as the earlier.
pub fn parse_sent(given: &str, zone: Tz) -> Result<DateTime<Utc>, RemovalError> {
    let g = given.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(g) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(g, f).ok())
        .ok_or_else(|| RemovalError::Input(format!(
            "\"{given}\" is not a date and time; write it like 2026-03-27 10:00 (your local time) or 2026-03-27T10:00:00Z"
        )))?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| RemovalError::Input(format!(
            "{given} did not happen in {}: the clocks went forward then. Check the time and give it again",
            zone.name()
        )))
}

/// Refuses a sending time in the future or before the item was captured.
pub fn check_sent(
    sent_at: DateTime<Utc>,
    now: DateTime<Utc>,
    captured_at: DateTime<Utc>,
) -> Result<(), RemovalError> {
    if sent_at > now {
        return Err(RemovalError::SentInFuture {
            sent_at: utc(sent_at),
            now: utc(now),
        });
    }
    if sent_at < captured_at {
        return Err(RemovalError::SentBeforeCapture {
            sent_at: utc(sent_at),
            captured_at: utc(captured_at),
        });
    }
    Ok(())
}

/// An instant as the person reads it: `Sun 29 Mar 2026 11:00 BST (Europe/London)`.
pub fn shown(t: DateTime<Utc>, zone: Tz) -> String {
    format!(
        "{} ({})",
        t.with_timezone(&zone).format("%a %-d %b %Y %H:%M %Z"),
        zone.name()
    )
}

/// RFC 3339 UTC, seconds.
pub fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    #[test]
    fn deadline_is_48_elapsed_hours_across_the_clock_changes() {
        let london: Tz = "Europe/London".parse().expect("zone");
        // Clocks go forward at 01:00 GMT on Sunday 29 March 2026.
        let sent = parse_sent("2026-03-27 10:00", london).expect("sent");
        assert_eq!(utc(sent), "2026-03-27T10:00:00Z");
        let due = deadline(sent, 48);
        assert_eq!(utc(due), "2026-03-29T10:00:00Z");
        assert_eq!(shown(due, london), "Sun 29 Mar 2026 11:00 BST (Europe/London)");
        // Clocks go back at 01:00 UTC on Sunday 25 October 2026.
        let sent = parse_sent("2026-10-23 10:00", london).expect("sent");
        assert_eq!(utc(sent), "2026-10-23T09:00:00Z");
        let due = deadline(sent, 48);
        assert_eq!(shown(due, london), "Sun 25 Oct 2026 09:00 GMT (Europe/London)");
        // Across a month and a year.
        assert_eq!(
            utc(deadline(at("2026-12-31T23:30:00Z"), 48)),
            "2027-01-02T23:30:00Z"
        );
    }

    #[test]
    fn skipped_local_time_is_refused_and_repeated_is_the_earlier() {
        let london: Tz = "Europe/London".parse().expect("zone");
        assert!(parse_sent("2026-03-29 01:30", london).is_err());
        assert_eq!(
            utc(parse_sent("2026-10-25 01:30", london).expect("t")),
            "2026-10-25T00:30:00Z"
        );
        assert!(parse_sent("yesterday", london).is_err());
    }

    #[test]
    fn overdue_only_after_the_deadline() {
        let due = at("2026-03-29T10:00:00Z");
        assert!(!overdue(due, at("2026-03-29T10:00:00Z")));
        assert!(overdue(due, at("2026-03-29T10:00:01Z")));
    }

    #[test]
    fn future_and_before_capture_are_refused() {
        let captured = at("2026-03-01T10:00:00Z");
        let now = at("2026-03-05T10:00:00Z");
        assert!(matches!(
            check_sent(at("2026-03-06T10:00:00Z"), now, captured),
            Err(RemovalError::SentInFuture { .. })
        ));
        assert!(matches!(
            check_sent(at("2026-02-28T10:00:00Z"), now, captured),
            Err(RemovalError::SentBeforeCapture { .. })
        ));
        assert!(check_sent(at("2026-03-02T10:00:00Z"), now, captured).is_ok());
    }
}
