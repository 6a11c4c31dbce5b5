//! Reading cases, items and the log.

use serde::Serialize;

use super::{Annotation, Error, Result, Vault};
use crate::db::{annotations, cases, events, items};
use crate::item::ItemRecord;

/// An item with everything later attached to it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    /// The sealed record, unchanged since capture.
    #[serde(flatten)]
    pub record: ItemRecord,
    /// When and why it was withdrawn, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
    /// Notes, tags, corrections and reports, oldest first.
    pub annotations: Vec<Annotation>,
}

/// A withdrawal of an item.
#[derive(Debug, Clone, Serialize)]
pub struct Withdrawal {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Why.
    pub reason: String,
}

impl Vault {
    /// Lists every case, oldest first.
    pub fn cases(&self) -> Result<Vec<cases::CaseRow>> {
        Ok(cases::list(self.conn())?)
    }

    /// Lists items in capture order, of one case (id or prefix) or of all cases.
    pub fn items(&self, case_id: Option<&str>) -> Result<Vec<ItemView>> {
        let case = case_id.map(|c| self.resolve_case(c)).transpose()?;
        items::list(self.conn(), case.as_ref().map(|c| c.id.as_str()))?
            .into_iter()
            .map(|row| self.view(row))
            .collect()
    }

    /// Reads one item (id or prefix).
    pub fn item(&self, item_id: &str) -> Result<ItemView> {
        let id = self.resolve_item(item_id)?;
        let row =
            items::get(self.conn(), &id)?.ok_or_else(|| Error::Invalid(format!("item {id} vanished")))?;
        self.view(row)
    }

    /// Lists a case's audit events in chain order.
    pub fn events(&self, case_id: &str) -> Result<Vec<events::EventRow>> {
        let case = self.resolve_case(case_id)?;
        Ok(events::list(self.conn(), &case.id)?)
    }

    fn view(&self, row: items::ItemRow) -> Result<ItemView> {
        let record: ItemRecord = serde_json::from_str(&row.record).map_err(|e| {
            Error::Invalid(format!(
                "the stored record of item {} cannot be read ({e}); run `safekeep check`",
                row.id
            ))
        })?;
        let annotations = annotations::list(self.conn(), &row.id)?
            .iter()
            .map(|b| serde_json::from_str(b))
            .collect::<std::result::Result<Vec<Annotation>, _>>()
            .map_err(|e| Error::Invalid(format!("an annotation of item {} cannot be read ({e})", row.id)))?;
        Ok(ItemView {
            record,
            withdrawn: match (row.withdrawn_at, row.withdrawn_reason) {
                (Some(at), reason) => Some(Withdrawal {
                    at,
                    reason: reason.unwrap_or_default(),
                }),
                _ => None,
            },
            annotations,
        })
    }
}
