//! The per-case, append-only, hash-chained audit log.
//!
//! Spec: `docs/vault.md` § "Audit log". Each case has its own chain. Event `n` (1-based)
//! is the canonical JSON object
//! `{"v":1,"case":<case id>,"seq":n,"at":<RFC 3339 UTC>,"type":<event type>,"data":{…}}`
//! and `hash_n = SHA-256(hash_{n-1} ‖ canonical_bytes(event_n))`, where hashes are the raw
//! 32 bytes and `hash_0` is 32 zero bytes. Hashes are written as lowercase hex.
//!
//! The same [`ChainVerifier`] checks the vault's table and a bundle's `audit-log.jsonl`,
//! so the vault and every verifier agree on what an intact chain is.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::canonical;

/// Version of the event encoding, the `"v"` member of every event.
pub const EVENT_VERSION: u64 = 1;

/// The hash that precedes the first event of every chain.
pub const GENESIS_PREV: [u8; 32] = [0u8; 32];

/// Event types, the `"type"` member. Stable strings: bundles and verifiers rely on them.
pub mod event_type {
    /// A case was opened. `data`: `{"title"}`.
    pub const CASE_CREATED: &str = "case.created";
    /// A case was renamed. `data`: `{"from","to"}`.
    pub const CASE_RENAMED: &str = "case.renamed";
    /// The person answered the under-18 question for the case (docs/safeguarding.md).
    /// `data`: `{"under_18": "yes"|"no"|"not_sure", "no_images": bool}`; the latest such
    /// event decides whether the case keeps pictures and videos.
    pub const CASE_SAFEGUARD: &str = "case.safeguard";
    /// A reference number from Report Remove or Take It Down was recorded for the case.
    /// `data`: `{"service": "report_remove"|"take_it_down", "reference"}`.
    pub const CASE_SERVICE_REFERENCE: &str = "case.service_reference";
    /// An item was captured. `data`: `{"item": <sealed item record>}`.
    pub const ITEM_CAPTURED: &str = "item.captured";
    /// A note, tag, correction or report was attached to an item. `data`: `{"annotation"}`.
    pub const ITEM_ANNOTATED: &str = "item.annotated";
    /// An item was withdrawn. `data`: `{"item_id","reason","artifact_sha256":[…],"blobs_removed"}`.
    pub const ITEM_WITHDRAWN: &str = "item.withdrawn";
    /// A verified RFC 3161 token was stored for an item (docs/timestamps.md). `data`:
    /// `{"item_id","tsa","gen_time","serial","imprint","token_sha256"}`.
    pub const ITEM_TIMESTAMPED: &str = "item.timestamped";
    /// A bundle was exported. `data`: see `docs/bundle-format.md`.
    pub const BUNDLE_EXPORTED: &str = "bundle.exported";
    /// The recipient of an exported bundle signed a receipt for it, and it was added to
    /// the case. `data`: `receipt` (the whole signed receipt), `exported_seq` (the
    /// `bundle.exported` event it answers) — docs/receipts.md.
    pub const BUNDLE_RECEIVED: &str = "bundle.received";
    /// A verified bundle became this case in the receiving vault (`case import`,
    /// docs/handover.md): the events before it are the sender's, exactly as signed; this
    /// and those after it are the receiver's. `data`: `handover` (1, 2, … within the
    /// chain), `events` (how many came before), `bag`, `bundle_sha256`, `manifest_sha256`,
    /// `tagmanifest_sha256`, `key_fingerprint`, `exhibit_prefix`, `exported_at`,
    /// `exhibits` (`[{"ref","item_id","folder"}…]`, every exhibit of that bundle).
    pub const CASE_IMPORTED: &str = "case.imported";
    /// The vault was backed up. `data`: `backup` (the backup folder's id, derived from
    /// the vault's keys), `snapshot`, `items`, `blobs`, `copied` (docs/backup.md).
    pub const VAULT_BACKED_UP: &str = "vault.backed_up";
    /// The vault was restored from a backup. `data`: `backup`, `snapshot`, `backed_up_at`.
    pub const VAULT_RESTORED: &str = "vault.restored";
}

/// One event before it is chained.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The case whose chain holds the event.
    pub case_id: String,
    /// 1-based position in the chain.
    pub seq: u64,
    /// When it happened, RFC 3339 UTC.
    pub at: String,
    /// One of [`event_type`].
    pub kind: String,
    /// Type-specific members.
    pub data: Value,
}

impl Event {
    /// Returns the event as the JSON object that is hashed.
    pub fn to_value(&self) -> Value {
        json!({
            "v": EVENT_VERSION,
            "case": self.case_id,
            "seq": self.seq,
            "at": self.at,
            "type": self.kind,
            "data": self.data,
        })
    }

    /// Returns the canonical bytes of the event.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Events are built from strings and integers only; a float here is a programming
        // error caught by the unit tests, and would still produce a verifiable chain
        // because the stored body is exactly these bytes.
        canonical::to_bytes(&self.to_value()).unwrap_or_default()
    }

    /// Returns the canonical bytes of the event with the member `key` of its data given
    /// in canonical form (see [`canonical::Raw`]).
    pub fn canonical_bytes_with(&self, key: &str, raw: &[u8]) -> Vec<u8> {
        let raw = canonical::Raw {
            path: &["data", key],
            bytes: raw,
        };
        canonical::to_bytes_with(&self.to_value(), raw).unwrap_or_default()
    }

    /// Parses an event object, checking the members every event has.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let obj = v.as_object().ok_or("it is not a JSON object")?;
        let version = obj.get("v").and_then(Value::as_u64);
        if version != Some(EVENT_VERSION) {
            return Err(format!("unknown event version {:?}", obj.get("v")));
        }
        if obj.len() != 6 {
            return Err("it has members other than v, case, seq, at, type and data".into());
        }
        let text = |k: &str| {
            obj.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(format!("its \"{k}\" is missing or not text"))
        };
        Ok(Self {
            case_id: text("case")?,
            seq: obj
                .get("seq")
                .and_then(Value::as_u64)
                .ok_or("its \"seq\" is missing or not a number")?,
            at: text("at")?,
            kind: text("type")?,
            data: obj.get("data").cloned().ok_or("its \"data\" is missing")?,
        })
    }
}

/// Returns `SHA-256(prev ‖ canonical)`.
pub fn chain_hash(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical);
    h.finalize().into()
}

/// Where and how a chain is broken, in words a solicitor can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event #{seq}: {problem}")]
pub struct ChainBreak {
    /// The first event (1-based) at which the chain stops being verifiable.
    pub seq: u64,
    /// What is wrong there.
    pub problem: String,
}

/// Checks a chain one stored event at a time, from genesis.
#[derive(Debug)]
pub struct ChainVerifier {
    case_id: String,
    prev: [u8; 32],
    next_seq: u64,
}

impl ChainVerifier {
    /// Starts checking the chain of `case_id`.
    pub fn new(case_id: &str) -> Self {
        Self {
            case_id: case_id.to_owned(),
            prev: GENESIS_PREV,
            next_seq: 1,
        }
    }

    /// Number of events accepted so far.
    pub fn len(&self) -> u64 {
        self.next_seq - 1
    }

    /// Whether no event has been accepted yet.
    pub fn is_empty(&self) -> bool {
        self.next_seq == 1
    }

    /// The hash of the last accepted event (hex), or of genesis.
    pub fn head(&self) -> String {
        hex::encode(self.prev)
    }

    /// Accepts the next stored event: its exact stored bytes, the sequence number it was
    /// stored under, and its recorded previous hash and hash (hex). Returns the parsed event.
    pub fn push(
        &mut self,
        stored_seq: u64,
        body: &[u8],
        recorded_prev: Option<&str>,
        recorded_hash: &str,
    ) -> Result<Event, ChainBreak> {
        let expected = self.next_seq;
        let brk = |seq, problem: String| Err(ChainBreak { seq, problem });
        if stored_seq != expected {
            return brk(
                expected,
                if stored_seq > expected {
                    format!(
                        "is missing: the log jumps from #{} to #{stored_seq} (an event was deleted)",
                        expected - 1
                    )
                } else {
                    format!(
                        "appears out of order or twice (found #{stored_seq} after #{})",
                        expected - 1
                    )
                },
            );
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return brk(expected, format!("is not readable JSON ({e}): it was edited"));
            }
        };
        let event = match Event::from_value(&value) {
            Ok(e) => e,
            Err(why) => return brk(expected, format!("is malformed: {why}")),
        };
        if event.seq != stored_seq {
            return brk(
                expected,
                format!("says it is #{} but is stored as #{stored_seq}", event.seq),
            );
        }
        if event.case_id != self.case_id {
            return brk(
                expected,
                format!(
                    "belongs to case {} not {}: it was moved between logs",
                    event.case_id, self.case_id
                ),
            );
        }
        let canonical = match canonical::to_bytes(&value) {
            Ok(c) => c,
            Err(e) => return brk(expected, e.to_string()),
        };
        if canonical != body {
            return brk(
                expected,
                "is not in canonical form, so it was edited after it was recorded".into(),
            );
        }
        if let Some(p) = recorded_prev
            && p != hex::encode(self.prev)
        {
            return brk(
                expected,
                format!(
                    "does not follow event #{}: it records the previous hash as {p} but event #{} hashes to {} (an event before it was edited, removed or inserted)",
                    expected - 1,
                    expected - 1,
                    hex::encode(self.prev)
                ),
            );
        }
        let hash = chain_hash(&self.prev, body);
        if hex::encode(hash) != recorded_hash {
            return brk(
                expected,
                "was changed after it was recorded: its contents no longer match its hash".into(),
            );
        }
        self.prev = hash;
        self.next_seq += 1;
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64) -> Event {
        Event {
            case_id: "c1".into(),
            seq,
            at: "2026-01-01T00:00:00.000Z".into(),
            kind: event_type::CASE_CREATED.into(),
            data: json!({"title": format!("t{seq}")}),
        }
    }

    fn chain(n: u64) -> Vec<(u64, Vec<u8>, String, String)> {
        let mut prev = GENESIS_PREV;
        (1..=n)
            .map(|s| {
                let b = ev(s).canonical_bytes();
                let h = chain_hash(&prev, &b);
                let row = (s, b, hex::encode(prev), hex::encode(h));
                prev = h;
                row
            })
            .collect()
    }

    fn verify(rows: &[(u64, Vec<u8>, String, String)]) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::new("c1");
        for (s, b, p, h) in rows {
            v.push(*s, b, Some(p), h)?;
        }
        Ok(v.len())
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn deleted_event_is_found() {
        let mut rows = chain(5);
        rows.remove(2);
        assert_eq!(verify(&rows).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn edited_event_is_found_even_if_rehashed() {
        let mut rows = chain(5);
        rows[1].1 = ev(2).canonical_bytes().replace_title();
        assert_eq!(verify(&rows).map_err(|b| b.seq), Err(2));
        // Re-hash the edited event: the break moves to the next event's link.
        let prev = hex::decode(&rows[1].2).expect("hex");
        let prev: [u8; 32] = prev.try_into().expect("32");
        rows[1].3 = hex::encode(chain_hash(&prev, &rows[1].1));
        assert_eq!(verify(&rows).map_err(|b| b.seq), Err(3));
    }

    trait ReplaceTitle {
        fn replace_title(self) -> Vec<u8>;
    }
    impl ReplaceTitle for Vec<u8> {
        fn replace_title(self) -> Vec<u8> {
            String::from_utf8(self)
                .expect("utf8")
                .replace("t2", "tX")
                .into_bytes()
        }
    }

    #[test]
    fn non_canonical_body_is_found() {
        let mut rows = chain(2);
        rows[0].1 = String::from_utf8(rows[0].1.clone())
            .expect("utf8")
            .replacen('{', "{ ", 1)
            .into_bytes();
        assert_eq!(verify(&rows).map_err(|b| b.seq), Err(1));
    }
}
