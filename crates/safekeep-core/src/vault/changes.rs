//! Changes that add to the record without altering evidence: cases, renames,
//! annotations and withdrawals. Each is one transaction with its audit event.

use serde_json::json;

use super::{Error, Result, Vault, append_event};
use crate::audit_log::event_type;
use crate::canonical;
use crate::clock::utc_rfc3339;
use crate::db::{annotations, artifacts, cases, items};
use crate::item_view::{Annotation, AnnotationBody};

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
    /// `remove_blobs` its stored files are deleted, except those another item holds too (the
    /// same bytes imported twice, or a conversation read from a received file): those stay
    /// for it. Returns the other items that keep a file of it, which the event names
    /// (`blobs_kept_for`) so that the log never says a file was deleted that was not.
    pub fn withdraw(&mut self, item_id: &str, reason: &str, remove_blobs: bool) -> Result<Vec<String>> {
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
        let mut kept_for: Vec<String> = Vec::new();
        for name in arts.iter().filter_map(|a| a.blob.as_deref()) {
            for other in artifacts::other_users(&self.conn, name, &item_id)? {
                if !kept_for.contains(&other) {
                    kept_for.push(other);
                }
            }
        }
        let at = utc_rfc3339(&self.now());
        let mut data = json!({
            "item_id": item_id,
            "reason": reason,
            "artifact_sha256": arts.iter().map(|a| a.sha256.clone()).collect::<Vec<_>>(),
            "blobs_removed": remove_blobs && kept_for.is_empty(),
        });
        if remove_blobs && !kept_for.is_empty() {
            data["blobs_kept_for"] = json!(kept_for);
        }
        let tx = self.conn.transaction()?;
        items::set_withdrawn(&tx, &row.case_id, &item_id, &at, &reason)?;
        if remove_blobs {
            artifacts::clear_blobs(&tx, &item_id)?;
            crate::db::perceptual_queue::forget_item(&tx, &item_id)?;
        }
        append_event(&tx, &row.case_id, &at, event_type::ITEM_WITHDRAWN, data)?;
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
        Ok(if remove_blobs { kept_for } else { Vec::new() })
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
