//! The report's chronology: one entry per exhibit, at its incident time where the person
//! gave one and its capture time otherwise, interleaved with the reports made to
//! platforms, police and StopNCII, and the removal requests sent (docs/report.md,
//! "Timeline").
//!
//! Entries are ordered by instant (UTC), so times typed with different offsets sort
//! correctly; each shows the time in UTC and, when it was given with another offset, as
//! given. A date without a time sorts at the start of that day (UTC). A report date that
//! cannot be read sorts at the moment the report was recorded, and shows the text as given.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use super::super::exhibits::Exhibit;
use crate::item_view::AnnotationBody;

/// The basis of an entry placed at its capture time.
pub(super) const CAPTURED: &str = "captured";

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// Sort key.
    pub at: DateTime<Utc>,
    /// The time as shown.
    pub when: String,
    /// What the time is.
    pub basis: &'static str,
    /// What happened.
    pub what: String,
}

/// A timeline being gathered an exhibit at a time.
pub(super) struct Timeline {
    /// Leave out exhibits placed at their capture time (a large case's exhibit list
    /// already has them in capture order).
    compact: bool,
    out: Vec<Entry>,
    reports: Vec<(Entry, Vec<String>)>,
}

impl Timeline {
    pub(super) fn new(compact: bool) -> Self {
        Self {
            compact,
            out: Vec::new(),
            reports: Vec::new(),
        }
    }

    /// Adds an exhibit's entry and the reports recorded about it.
    pub(super) fn add(&mut self, ex: &Exhibit) {
        let r = &ex.view.record;
        let captured = parse(&r.captured_at).unwrap_or_default();
        let incident = incident_time(ex).and_then(|t| parse(&t).map(|at| (at, t)));
        let what = || format!("{} {}: {}", ex.reference, r.kind.label(), r.title);
        match incident {
            Some((at, given)) => self.out.push(Entry {
                at,
                when: shown(at, &given),
                basis: "incident time (as the person gave it)",
                what: format!("{} (captured {})", what(), shown(captured, &r.captured_at)),
            }),
            None if !self.compact => self.out.push(Entry {
                at: captured,
                when: shown(captured, &r.captured_at),
                basis: CAPTURED,
                what: what(),
            }),
            None => {}
        }
        for a in &ex.view.annotations {
            let recorded = parse(&a.created_at).unwrap_or(captured);
            let entry = match &a.body {
                AnnotationBody::Report {
                    reported_to,
                    reported_on,
                    reference,
                    outcome,
                } => {
                    let mut what = format!("Reported to {reported_to}");
                    if let Some(reference) = reference {
                        what.push_str(&format!(", reference {reference}"));
                    }
                    if let Some(outcome) = outcome {
                        what.push_str(&format!(". Outcome: {outcome}"));
                    }
                    match reported_on.as_deref().map(|d| (d, parse(d))) {
                        Some((given, Some(at))) => Entry {
                            at,
                            when: shown(at, given),
                            basis: "reported",
                            what,
                        },
                        Some((given, None)) => Entry {
                            at: recorded,
                            when: format!("{given} (as given; recorded {})", shown(recorded, "")),
                            basis: "reported",
                            what,
                        },
                        None => Entry {
                            at: recorded,
                            when: shown(recorded, ""),
                            basis: "report recorded",
                            what,
                        },
                    }
                }
                AnnotationBody::CrimeReference { reference, force } => Entry {
                    at: recorded,
                    when: shown(recorded, ""),
                    basis: "recorded",
                    what: match force {
                        Some(f) => format!("Police crime reference {reference} ({f})"),
                        None => format!("Police crime reference {reference}"),
                    },
                },
                // A removal request the person sent (docs/removal.md): when, to whom.
                AnnotationBody::RemovalSent {
                    request,
                    sent_at,
                    reference,
                } => {
                    let to = ex.view.annotations.iter().find_map(|q| match &q.body {
                        AnnotationBody::RemovalRequest { title, .. } if q.id == *request => {
                            Some(title.clone())
                        }
                        _ => None,
                    });
                    let at = parse(sent_at).unwrap_or(recorded);
                    let mut what = format!("Sent: {}", to.unwrap_or_else(|| "removal request".into()));
                    if let Some(r) = reference {
                        what.push_str(&format!(", reference {r}"));
                    }
                    Entry {
                        at,
                        when: shown(at, sent_at),
                        basis: "reported",
                        what,
                    }
                }
                AnnotationBody::Stopncii { case_number } => Entry {
                    at: recorded,
                    when: shown(recorded, ""),
                    basis: "recorded",
                    what: format!("StopNCII.org case {case_number}"),
                },
                _ => continue,
            };
            // One report about several exhibits is one event.
            match self.reports.iter_mut().find(|(e, _)| *e == entry) {
                Some((_, refs)) => refs.push(ex.reference.clone()),
                None => self.reports.push((entry, vec![ex.reference.clone()])),
            }
        }
    }

    /// The entries, oldest first (ties keep exhibit order, reports after exhibits).
    pub(super) fn finish(self) -> Vec<Entry> {
        let mut out = self.out;
        for (mut entry, refs) in self.reports {
            entry.what = format!("{} (about {})", entry.what, refs.join(", "));
            out.push(entry);
        }
        out.sort_by_key(|e| e.at);
        out
    }
}

/// The incident time in force: the latest one given in a later context annotation, else
/// the one given at capture.
pub(super) fn incident_time(ex: &Exhibit) -> Option<String> {
    ex.view
        .annotations
        .iter()
        .rev()
        .find_map(|a| match &a.body {
            AnnotationBody::Context { context } => context.incident_time.clone(),
            _ => None,
        })
        .or_else(|| ex.view.record.context.incident_time.clone())
}

/// Reads an RFC 3339 time or a bare `YYYY-MM-DD` date (as the start of that day, UTC).
fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::<FixedOffset>::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// `2026-03-01 20:40:00 UTC`, plus the time as given when it had another offset.
fn shown(at: DateTime<Utc>, given: &str) -> String {
    let utc = at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let given = given.trim();
    if given.len() == 10 {
        return format!("{given} (date only)");
    }
    match DateTime::<FixedOffset>::parse_from_rfc3339(given) {
        Ok(t) if t.offset().local_minus_utc() != 0 => {
            format!("{utc} (given as {})", t.format("%Y-%m-%d %H:%M:%S %:z"))
        }
        _ => utc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_other_offsets_are_shown_in_utc_and_as_given() {
        let at = parse("2026-03-01T21:40:00+01:00").expect("rfc 3339");
        assert_eq!(
            shown(at, "2026-03-01T21:40:00+01:00"),
            "2026-03-01 20:40:00 UTC (given as 2026-03-01 21:40:00 +01:00)"
        );
        assert_eq!(shown(at, "2026-03-01T20:40:00Z"), "2026-03-01 20:40:00 UTC");
        let day = parse("2026-03-01").expect("a date");
        assert_eq!(day.to_rfc3339(), "2026-03-01T00:00:00+00:00");
        assert_eq!(shown(day, "2026-03-01"), "2026-03-01 (date only)");
        assert_eq!(parse("last Tuesday"), None);
    }
}
