//! Where each removal request stands: sent or not, its deadline (the duty's hours from
//! the moment sent), overdue or not, its outcome, and the re-captures of its item made
//! since (`check again`: proof of whether the content stayed up). Read from the item's
//! annotations with the current time passed in; nothing here writes but the two records
//! the person makes (sent, outcome).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::RemovalError;
use super::deadline::{self, shown};
use crate::vault::{Annotation, AnnotationBody, ItemView, Vault};

type Res<T> = Result<T, RemovalError>;

/// Where one request stands.
#[derive(Debug, Clone, Serialize)]
pub struct RequestStatus {
    /// The request's id.
    pub request_id: String,
    /// Its item.
    pub item_id: String,
    /// The item's title.
    pub item_title: String,
    /// The request's title.
    pub title: String,
    /// `take_it_down`, `uk_report`…
    pub kind: String,
    /// Who it is for.
    pub recipient: String,
    /// SHA-256 of its full text.
    pub sha256: String,
    /// When it was drafted (UTC).
    pub drafted_at: String,
    /// When it was sent (UTC), if the person recorded it.
    pub sent_at: Option<String>,
    /// The recipient's reference.
    pub reference: Option<String>,
    /// Its deadline (UTC), once sent, where one applies.
    pub deadline: Option<String>,
    /// The deadline as the person reads it, in their zone.
    pub deadline_shown: Option<String>,
    /// The latest outcome recorded.
    pub outcome: Option<String>,
    /// No closing outcome yet.
    pub open: bool,
    /// Open and past its deadline.
    pub overdue: bool,
    /// Re-captures of the item since it was sent (`check again`).
    pub recaptures: Vec<Recapture>,
    /// The deadline has passed and no re-capture since shows whether it is still up:
    /// offer `check again`.
    pub check_again_offered: bool,
    /// The request it follows up, if any.
    pub follows: Option<String>,
}

/// A re-capture of the item a request is about.
#[derive(Debug, Clone, Serialize)]
pub struct Recapture {
    /// The new item.
    pub item_id: String,
    /// When it was captured (UTC).
    pub captured_at: String,
    /// Captured at or after the deadline.
    pub at_or_after_deadline: bool,
}

impl Vault {
    /// Records when the person sent a request. Refused if the time is in the future or
    /// before the content was captured or the request drafted.
    pub fn mark_removal_sent(
        &mut self,
        request_id: &str,
        sent_at: DateTime<Utc>,
        reference: Option<String>,
    ) -> Res<Annotation> {
        let (view, request) = self.find_request(request_id)?;
        let now = self.clock().now().with_timezone(&Utc);
        let captured = parse_utc(&view.record.captured_at).unwrap_or(now);
        let drafted = parse_utc(&request.created_at).unwrap_or(captured);
        // A request drafted a moment ago may say it was sent this same minute.
        let drafted = drafted - chrono::Duration::seconds(59);
        deadline::check_sent(sent_at, now, captured.max(drafted).min(now))?;
        Ok(self.annotate(
            &view.record.id,
            AnnotationBody::RemovalSent {
                request: request.id.clone(),
                sent_at: deadline::utc(sent_at),
                reference: reference.filter(|r| !r.trim().is_empty()),
            },
        )?)
    }

    /// Records what became of a request (removed, refused…).
    pub fn removal_outcome(&mut self, request_id: &str, outcome: &str) -> Res<Annotation> {
        let (view, request) = self.find_request(request_id)?;
        Ok(self.annotate(
            &view.record.id,
            AnnotationBody::RemovalOutcome {
                request: request.id,
                outcome: outcome.trim().to_owned(),
            },
        )?)
    }

    /// Every request of a case with its clock at `now`, deadlines shown in `zone`;
    /// overdue ones first.
    pub fn removal_requests(&self, case_id: &str, now: DateTime<Utc>, zone: Tz) -> Res<Vec<RequestStatus>> {
        let case = self.resolve_case(case_id)?;
        let items = self.items(Some(&case.id))?;
        let mut out = Vec::new();
        for view in items.iter().filter(|v| v.withdrawn.is_none()) {
            for a in &view.annotations {
                if matches!(a.body, AnnotationBody::RemovalRequest { .. }) {
                    out.push(request_status(view, a, &items, now, zone));
                }
            }
        }
        out.sort_by_key(|s| (!s.overdue, !s.open, s.deadline.clone(), s.drafted_at.clone()));
        Ok(out)
    }

    /// Where one request stands at `now`.
    pub fn removal_status(&self, request_id: &str, now: DateTime<Utc>, zone: Tz) -> Res<RequestStatus> {
        let (view, a) = self.find_request(request_id)?;
        let items = self.items(Some(&view.record.case_id))?;
        Ok(request_status(&view, &a, &items, now, zone))
    }
}

/// Where request `a` (an annotation of `view`) stands at `now`; `items` are the case's
/// items, searched for re-captures.
pub(super) fn request_status(
    view: &ItemView,
    a: &Annotation,
    items: &[ItemView],
    now: DateTime<Utc>,
    zone: Tz,
) -> RequestStatus {
    let AnnotationBody::RemovalRequest {
        request_kind,
        recipient,
        title,
        sha256,
        deadline_hours,
        follows,
        ..
    } = &a.body
    else {
        unreachable!("only called with removal requests")
    };
    let mut sent: Option<(String, Option<String>)> = None;
    let mut outcome = None;
    for b in &view.annotations {
        match &b.body {
            AnnotationBody::RemovalSent {
                request,
                sent_at,
                reference,
            } if *request == a.id => {
                sent = Some((sent_at.clone(), reference.clone()));
            }
            AnnotationBody::RemovalOutcome { request, outcome: o } if *request == a.id => {
                outcome = Some(o.clone())
            }
            _ => {}
        }
    }
    let open = !outcome.as_deref().is_some_and(crate::takedown::closes);
    let sent_utc = sent.as_ref().and_then(|(s, _)| parse_utc(s));
    let due = sent_utc
        .zip(*deadline_hours)
        .map(|(s, h)| deadline::deadline(s, h));
    let overdue = open && due.is_some_and(|d| deadline::overdue(d, now));
    let recaptures: Vec<Recapture> = items
        .iter()
        .filter(|v| {
            v.record
                .capture
                .as_ref()
                .and_then(|c| c.get("check_again_of")?.get("item_id")?.as_str())
                == Some(view.record.id.as_str())
        })
        .filter_map(|v| {
            let at = parse_utc(&v.record.captured_at)?;
            (sent_utc? <= at).then(|| Recapture {
                item_id: v.record.id.clone(),
                captured_at: v.record.captured_at.clone(),
                at_or_after_deadline: due.is_some_and(|d| at >= d),
            })
        })
        .collect();
    let check_again_offered =
        open && due.is_some_and(|d| now >= d) && !recaptures.iter().any(|r| r.at_or_after_deadline);
    RequestStatus {
        request_id: a.id.clone(),
        item_id: view.record.id.clone(),
        item_title: view.record.title.clone(),
        title: title.clone(),
        kind: request_kind.clone(),
        recipient: recipient.clone(),
        sha256: sha256.clone(),
        drafted_at: a.created_at.clone(),
        sent_at: sent.as_ref().map(|(s, _)| s.clone()),
        reference: sent.and_then(|(_, r)| r),
        deadline: due.map(deadline::utc),
        deadline_shown: due.map(|d| shown(d, zone)),
        outcome,
        open,
        overdue,
        recaptures,
        check_again_offered,
        follows: follows.clone(),
    }
}

/// An RFC 3339 time as UTC.
pub(super) fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
