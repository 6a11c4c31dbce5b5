//! Receipts added to a case (docs/receipts.md): a receipt is accepted only when its
//! signature verifies and it is for a bundle this case exported — the same file SHA-256
//! and tag-manifest SHA-256 as a `bundle.exported` event of the case's chain — and only
//! once. It then becomes a `bundle.received` event, with the whole receipt in it, so the
//! next bundle's audit log carries it too.

use serde_json::{Value, json};

use super::{Error, Result, Vault, append_event};
use crate::audit_log::event_type;
use crate::db::events;
use crate::receipt::Receipt;

/// A receipt recorded in a case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReceivedReceipt {
    /// The receipt as signed.
    pub receipt: Receipt,
    /// The `bundle.exported` event it answers (its position in the chain).
    pub exported_seq: u64,
    /// When it was added to the case.
    pub added_at: String,
}

impl Vault {
    /// Checks a receipt (the bytes of a RECEIPT.json) against the case's exports and
    /// records it as a `bundle.received` event.
    pub fn add_receipt(&mut self, case_id: &str, bytes: &[u8]) -> Result<ReceivedReceipt> {
        let case = self.resolve_case(case_id)?;
        let receipt = Receipt::read_verified(bytes)?;
        let list = events::list(self.conn(), &case.id)?;
        let data = |e: &events::EventRow| {
            serde_json::from_str::<Value>(&e.body)
                .map(|v| v["data"].clone())
                .unwrap_or(Value::Null)
        };
        let exported = list
            .iter()
            .filter(|e| e.kind == event_type::BUNDLE_EXPORTED)
            .find(|e| {
                let d = data(e);
                d["bundle_sha256"].as_str() == Some(receipt.bundle.sha256.as_str())
                    && receipt
                        .bundle
                        .tagmanifest_sha256
                        .as_deref()
                        .is_none_or(|t| d["tagmanifest_sha256"].as_str() == Some(t))
            })
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "this receipt is for a bundle this case never exported (a file with SHA-256 {}). Check that it is the receipt for this case's bundle; nothing was recorded",
                    receipt.bundle.sha256
                ))
            })?;
        let seen = list
            .iter()
            .filter(|e| e.kind == event_type::BUNDLE_RECEIVED)
            .any(|e| data(e)["receipt"]["signature"].as_str() == Some(receipt.signature.as_str()));
        if seen {
            return Err(Error::Invalid(
                "this receipt is already recorded in the case; nothing was changed".into(),
            ));
        }
        let value = serde_json::to_value(&receipt).map_err(|e| Error::Invalid(e.to_string()))?;
        let at = crate::clock::utc_rfc3339(&self.now());
        let tx = self.conn_mut().transaction()?;
        append_event(
            &tx,
            &case.id,
            &at,
            event_type::BUNDLE_RECEIVED,
            json!({ "receipt": value, "exported_seq": exported.seq }),
        )?;
        tx.commit()?;
        Ok(ReceivedReceipt {
            receipt,
            exported_seq: exported.seq,
            added_at: at,
        })
    }

    /// The receipts recorded in a case, oldest first.
    pub fn receipts(&self, case_id: &str) -> Result<Vec<ReceivedReceipt>> {
        let case = self.resolve_case(case_id)?;
        let mut out = Vec::new();
        for e in events::list(self.conn(), &case.id)? {
            if e.kind != event_type::BUNDLE_RECEIVED {
                continue;
            }
            let v: Value = serde_json::from_str(&e.body).unwrap_or(Value::Null);
            if let Ok(receipt) = serde_json::from_value::<Receipt>(v["data"]["receipt"].clone()) {
                out.push(ReceivedReceipt {
                    receipt,
                    exported_seq: v["data"]["exported_seq"].as_u64().unwrap_or(0),
                    added_at: e.at.clone(),
                });
            }
        }
        Ok(out)
    }
}
