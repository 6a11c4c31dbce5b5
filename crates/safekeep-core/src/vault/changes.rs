//! Changes that add to the record without altering evidence: cases, renames,
//! annotations and withdrawals. Each is one transaction with its audit event.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Error, Result, Vault, append_event};
use crate::audit_log::event_type;
use crate::canonical;
use crate::clock::utc_rfc3339;
use crate::db::{annotations, artifacts, cases, items};

/// What an annotation says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnnotationBody {
    /// A label for grouping and finding items.
    Tag {
        /// The label.
        tag: String,
    },
    /// A later note about the item.
    Note {
        /// The text.
        text: String,
    },
    /// A corrected description; the original stays in the sealed record.
    DescriptionCorrection {
        /// The corrected description.
        description: String,
    },
    /// What the person says about a capture, given after it (the moment on screen may
    /// be gone by the time they have typed it, so it is never asked before).
    Context {
        /// The same fields as an item's own context.
        context: crate::item::Context,
    },
    /// A report of the content to a platform, the police or a hotline.
    Report {
        /// Who it was reported to.
        reported_to: String,
        /// When (a date or RFC 3339 time, as the person gave it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported_on: Option<String>,
        /// Ticket, case or crime reference number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// What happened (removed, refused, pending…).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<String>,
    },
    /// Somewhere else the same content appears (a repost, a mirror).
    AppearsAt {
        /// Its full web address.
        url: String,
    },
    /// The case number StopNCII.org gave when the person made hashes there.
    Stopncii {
        /// The case number.
        case_number: String,
    },
    /// A run of a conversation's messages marked as an exhibit (numbers as `safekeep
    /// messages` shows them). The conversation itself does not change; the report prints
    /// the run as a transcript under the item's exhibit.
    Messages {
        /// The first message of the run.
        from: u32,
        /// The last message of the run.
        to: u32,
        /// Why the run matters, if the person said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The crime reference number the police gave.
    CrimeReference {
        /// The reference.
        reference: String,
        /// The police force or service, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        force: Option<String>,
    },
    /// A removal request drafted from the item (docs/removal.md). The text kept here has
    /// the person's own details withheld (bundles carry annotations); the full text, as
    /// sent, is kept only in the encrypted vault, and `sha256` is its SHA-256.
    RemovalRequest {
        /// What sort of request (`take_it_down`, `uk_report`, `search_delisting`,
        /// `host_abuse`, `follow_up`).
        request_kind: String,
        /// The template and its version, `id@version`.
        template: String,
        /// Who it is addressed to.
        recipient: String,
        /// Its title.
        title: String,
        /// The text with the person's details withheld.
        text: String,
        /// SHA-256 of the full text as drafted (hex).
        sha256: String,
        /// Hours the recipient has to act once it is sent, where a duty or the
        /// platform's stated time applies.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline_hours: Option<u32>,
        /// The request this one follows up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follows: Option<String>,
    },
    /// When the person sent a removal request (they send it; Safekeep sends nothing).
    RemovalSent {
        /// The request's annotation id.
        request: String,
        /// When it was sent, RFC 3339 UTC.
        sent_at: String,
        /// The recipient's ticket or reference number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// What became of a removal request (removed, refused…).
    RemovalOutcome {
        /// The request's annotation id.
        request: String,
        /// What happened.
        outcome: String,
    },
    /// An RDAP look-up the person asked for: what was asked, what was answered (bounded)
    /// and the abuse contacts found in it.
    RdapLookup {
        /// The host name or address looked up.
        target: String,
        /// Every address asked, in order.
        asked: Vec<String>,
        /// The last answer's JSON text (at most 64 KiB), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<String>,
        /// SHA-256 of the whole last answer (hex), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer_sha256: Option<String>,
        /// Abuse e-mail addresses found.
        abuse_emails: Vec<String>,
        /// The registrar or network holder named, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        holder: Option<String>,
        /// Why the look-up failed, if it did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

impl AnnotationBody {
    /// Describes the annotation in one line for people.
    pub fn describe(&self) -> String {
        match self {
            Self::Tag { tag } => format!("tag: {tag}"),
            Self::Note { text } => format!("note: {text}"),
            Self::DescriptionCorrection { description } => format!("corrected description: {description}"),
            Self::Context { context } => format!(
                "context: {}",
                context
                    .labelled()
                    .iter()
                    .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Self::Report {
                reported_to,
                reported_on,
                reference,
                outcome,
            } => format!(
                "reported to {reported_to}{}{}{}",
                reported_on
                    .as_ref()
                    .map(|d| format!(" on {d}"))
                    .unwrap_or_default(),
                reference
                    .as_ref()
                    .map(|r| format!(", reference {r}"))
                    .unwrap_or_default(),
                outcome
                    .as_ref()
                    .map(|o| format!(", outcome: {o}"))
                    .unwrap_or_default()
            ),
            Self::AppearsAt { url } => format!("also appears at {url}"),
            Self::Stopncii { case_number } => format!("StopNCII case number {case_number}"),
            Self::Messages { from, to, note } => format!(
                "messages {from}–{to} marked as an exhibit{}",
                note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
            ),
            Self::CrimeReference { reference, force } => format!(
                "police crime reference {reference}{}",
                force.as_ref().map(|f| format!(" ({f})")).unwrap_or_default()
            ),
            Self::RemovalRequest {
                title,
                recipient,
                sha256,
                ..
            } => format!("removal request drafted: {title}, to {recipient} (SHA-256 {sha256})"),
            Self::RemovalSent {
                request,
                sent_at,
                reference,
            } => format!(
                "removal request {request} sent at {sent_at}{}",
                reference
                    .as_ref()
                    .map(|r| format!(", reference {r}"))
                    .unwrap_or_default()
            ),
            Self::RemovalOutcome { request, outcome } => {
                format!("removal request {request}: {outcome}")
            }
            Self::RdapLookup {
                target,
                abuse_emails,
                error,
                ..
            } => match error {
                Some(e) => format!("RDAP look-up of {target} failed: {e}"),
                None => format!(
                    "RDAP look-up of {target}: abuse contact {}",
                    if abuse_emails.is_empty() {
                        "none found".to_owned()
                    } else {
                        abuse_emails.join(", ")
                    }
                ),
            },
        }
    }
}

/// An annotation as stored and as it appears in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// UUID.
    pub id: String,
    /// The item it is about.
    pub item_id: String,
    /// When it was added, RFC 3339 UTC.
    pub created_at: String,
    /// What it says.
    #[serde(flatten)]
    pub body: AnnotationBody,
}

impl Vault {
    /// Creates a case and returns its id.
    pub fn create_case(&mut self, title: &str) -> Result<String> {
        self.create_case_with(title, |_, _, _| Ok(()))
    }

    /// Creates a case and calls `then` (with the case id and time) inside the same
    /// transaction, for events that must exist from the case's first moment.
    pub(super) fn create_case_with(
        &mut self,
        title: &str,
        then: impl FnOnce(&rusqlite::Transaction<'_>, &str, &str) -> Result<()>,
    ) -> Result<String> {
        let title = non_empty(
            title,
            "a case needs a title, for example \"Messages from X, 2026\"",
        )?;
        let id = self.new_id();
        let at = utc_rfc3339(&self.now());
        let tx = self.conn.transaction()?;
        cases::insert(&tx, &id, &title, &at)?;
        append_event(&tx, &id, &at, event_type::CASE_CREATED, json!({ "title": title }))?;
        then(&tx, &id, &at)?;
        tx.commit()?;
        Ok(id)
    }

    /// Renames a case; the id never changes and the old title stays in the log.
    pub fn rename_case(&mut self, case_id: &str, title: &str) -> Result<()> {
        let case = self.resolve_case(case_id)?;
        let title = non_empty(title, "the new title is empty")?;
        let at = utc_rfc3339(&self.now());
        let tx = self.conn.transaction()?;
        cases::set_title(&tx, &case.id, &title)?;
        append_event(
            &tx,
            &case.id,
            &at,
            event_type::CASE_RENAMED,
            json!({ "from": case.title, "to": title }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Attaches an annotation to an item and returns it.
    pub fn annotate(&mut self, item_id: &str, body: AnnotationBody) -> Result<Annotation> {
        let item_id = self.resolve_item(item_id)?;
        let empty = match &body {
            AnnotationBody::Tag { tag } => tag.trim().is_empty(),
            AnnotationBody::Note { text } => text.trim().is_empty(),
            AnnotationBody::DescriptionCorrection { description } => description.trim().is_empty(),
            AnnotationBody::Report { reported_to, .. } => reported_to.trim().is_empty(),
            AnnotationBody::AppearsAt { url } => {
                let u = url.trim();
                if !(u.starts_with("http://") || u.starts_with("https://")) || u.contains(char::is_whitespace)
                {
                    return Err(Error::Invalid(format!(
                        "\"{url}\" is not a web address: give the full address, starting with https://"
                    )));
                }
                false
            }
            AnnotationBody::Stopncii { case_number } => case_number.trim().is_empty(),
            AnnotationBody::CrimeReference { reference, .. } => reference.trim().is_empty(),
            AnnotationBody::RemovalRequest { text, .. } => text.trim().is_empty(),
            AnnotationBody::RemovalSent { request, .. } | AnnotationBody::RemovalOutcome { request, .. } => {
                request.trim().is_empty()
            }
            AnnotationBody::RdapLookup { target, .. } => target.trim().is_empty(),
            AnnotationBody::Messages { from, to, .. } => {
                self.check_message_range(&item_id, *from, *to)?;
                false
            }
            AnnotationBody::Context { context } => {
                super::capture::validate_context(context)?;
                context.title.is_none()
                    && context
                        .labelled()
                        .iter()
                        .all(|(_, v)| v.is_none_or(|v| v.trim().is_empty()))
            }
        };
        if empty {
            return Err(Error::Invalid(
                "the annotation is empty; nothing was added".into(),
            ));
        }
        let row = items::get(&self.conn, &item_id)?
            .ok_or_else(|| Error::Invalid(format!("item {item_id} vanished")))?;
        let annotation = Annotation {
            id: self.new_id(),
            item_id: item_id.clone(),
            created_at: utc_rfc3339(&self.now()),
            body,
        };
        let value = serde_json::to_value(&annotation).map_err(|e| Error::Invalid(e.to_string()))?;
        let text = canonical::to_bytes(&value).map_err(|e| Error::Invalid(e.to_string()))?;
        let text = String::from_utf8(text).map_err(|e| Error::Invalid(e.to_string()))?;
        let tx = self.conn.transaction()?;
        annotations::insert(&tx, &annotation.id, &item_id, &annotation.created_at, &text)?;
        append_event(
            &tx,
            &row.case_id,
            &annotation.created_at,
            event_type::ITEM_ANNOTATED,
            json!({ "annotation": value }),
        )?;
        tx.commit()?;
        Ok(annotation)
    }

    /// Withdraws an item captured by mistake. The log keeps its hashes; with
    /// `remove_blobs` its stored files are deleted (unless another item holds the same bytes).
    pub fn withdraw(&mut self, item_id: &str, reason: &str, remove_blobs: bool) -> Result<()> {
        let item_id = self.resolve_item(item_id)?;
        let reason = non_empty(
            reason,
            "say briefly why the item is withdrawn, for example \"captured the wrong window\"",
        )?;
        let row = items::get(&self.conn, &item_id)?
            .ok_or_else(|| Error::Invalid(format!("item {item_id} vanished")))?;
        if row.withdrawn_at.is_some() {
            return Err(Error::Invalid(format!(
                "item {item_id} was already withdrawn; nothing was changed"
            )));
        }
        if let Some((reference, _)) = self.handed_over(&row.case_id)?.get(&item_id) {
            return Err(Error::Invalid(format!(
                "item {item_id} is exhibit {reference} of the bundle this case was handed over in: it stays as its sender sealed it. Add a note to it instead; nothing was changed"
            )));
        }
        let arts = artifacts::list(&self.conn, Some(&item_id))?;
        let at = utc_rfc3339(&self.now());
        let tx = self.conn.transaction()?;
        items::set_withdrawn(&tx, &row.case_id, &item_id, &at, &reason)?;
        if remove_blobs {
            artifacts::clear_blobs(&tx, &item_id)?;
            crate::db::perceptual_queue::forget_item(&tx, &item_id)?;
        }
        append_event(
            &tx,
            &row.case_id,
            &at,
            event_type::ITEM_WITHDRAWN,
            json!({
                "item_id": item_id,
                "reason": reason,
                "artifact_sha256": arts.iter().map(|a| a.sha256.clone()).collect::<Vec<_>>(),
                "blobs_removed": remove_blobs,
            }),
        )?;
        tx.commit()?;
        if remove_blobs {
            // After the commit: a crash here leaves an unreferenced blob for `check --repair`.
            for name in arts.iter().filter_map(|a| a.blob.as_deref()) {
                if artifacts::blob_users(&self.conn, name)? == 0 {
                    self.blobs
                        .remove(name)
                        .map_err(|e| Error::storage(self.blobs.path_of(name), e))?;
                }
            }
        }
        Ok(())
    }
}

fn non_empty(text: &str, why: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        Err(Error::Invalid(why.to_owned()))
    } else {
        Ok(t.to_owned())
    }
}
