//! Times as exports write them. WhatsApp writes the phone's local time with no offset,
//! Telegram's `date` is the exporting computer's local time (its `date_unixtime` is
//! exact), Instagram, Facebook and X give exact times. Local times are read in one IANA
//! zone, named by the person or else this computer's, and the reading says which and
//! why: the offset then follows the zone's rules on each message's own date (summer time
//! included).

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::Error;

/// The order of a date's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// 31/12/2026: most of the world.
    DayFirst,
    /// 12/31/2026: the United States and a few others.
    MonthFirst,
    /// 2026-12-31.
    YearFirst,
}

impl DateOrder {
    /// How people say it.
    pub fn label(self) -> &'static str {
        match self {
            Self::DayFirst => "day first",
            Self::MonthFirst => "month first",
            Self::YearFirst => "year first",
        }
    }
}

/// The zone local times are read in.
#[derive(Debug, Clone)]
pub struct Zone {
    /// Its IANA name.
    pub name: String,
    /// Why it was chosen.
    pub basis: String,
    tz: Tz,
}

impl Zone {
    /// The zone the person gave, else this computer's, else UTC (said so).
    pub fn choose(given: Option<&str>) -> Result<Self, Error> {
        if let Some(name) = given {
            let tz: Tz = name
                .trim()
                .parse()
                .map_err(|_| Error::UnknownZone(name.to_owned()))?;
            return Ok(Self {
                name: tz.name().to_owned(),
                basis: "given by the person".into(),
                tz,
            });
        }
        match iana_time_zone::get_timezone()
            .ok()
            .and_then(|n| n.parse::<Tz>().ok())
        {
            Some(tz) => Ok(Self {
                name: tz.name().to_owned(),
                basis: "this computer's time zone when the export was read (none was given)".into(),
                tz,
            }),
            None => Ok(Self {
                name: "UTC".into(),
                basis: "this computer's time zone could not be found and none was given, so UTC was assumed"
                    .into(),
                tz: Tz::UTC,
            }),
        }
    }

    /// Reads a local time in this zone: the instant, and a note when the local time was
    /// ambiguous (it happened twice when clocks went back: the earlier is taken) or did
    /// not exist (clocks went forward: read an hour later).
    pub fn local(&self, naive: NaiveDateTime) -> (DateTime<Utc>, Option<String>) {
        match self.tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => (t.with_timezone(&Utc), None),
            LocalResult::Ambiguous(a, b) => {
                let (early, late) = if a <= b { (a, b) } else { (b, a) };
                (
                    early.with_timezone(&Utc),
                    Some(format!(
                        "this local time happened twice in {} when clocks went back; the earlier ({}) was assumed, the later would be {}",
                        self.name,
                        early.fixed_offset().to_rfc3339_opts(SecondsFormat::Secs, false),
                        late.fixed_offset().to_rfc3339_opts(SecondsFormat::Secs, false)
                    )),
                )
            }
            LocalResult::None => {
                let later = naive + chrono::Duration::hours(1);
                let t = self
                    .tz
                    .from_local_datetime(&later)
                    .earliest()
                    .map_or_else(|| Utc.from_utc_datetime(&naive), |t| t.with_timezone(&Utc));
                (
                    t,
                    Some(format!(
                        "this local time did not exist in {} (clocks went forward); it was read an hour later",
                        self.name
                    )),
                )
            }
        }
    }

    /// The instant as this zone shows it.
    pub fn show(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.tz).fixed_offset()
    }
}

/// RFC 3339 UTC with seconds, as `sent_at` is written.
pub(crate) fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// RFC 3339 with the zone's offset, as `sent_at_local` is written.
pub(crate) fn local(zone: &Zone, t: DateTime<Utc>) -> String {
    zone.show(t).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The instant of a Unix time in seconds or milliseconds.
pub(crate) fn from_unix_ms(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}
