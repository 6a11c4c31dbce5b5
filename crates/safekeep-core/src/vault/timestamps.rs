//! Trusted timestamps kept in the vault (docs/timestamps.md): the setting, the queue of
//! items waiting for a token, and the tokens themselves.
//!
//! No network here. [`Vault::timestamp_work`] says what to ask for (salted commitments
//! only); whoever talks to the authorities hands back tokens through
//! [`Vault::record_timestamp`], which verifies each one again before storing it and
//! records it as an `item.timestamped` event. While timestamping is off the work list is
//! empty, so nothing can be sent.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Error, Result, Vault, append_event};
use crate::audit_log::event_type;
use crate::bundle::timestamps::ObtainedToken;
use crate::clock::utc_rfc3339;
use crate::db::{self, items, meta, timestamps};
use crate::item_view::ItemTimestamp;
use crate::timestamp_token::{self, TokenError};

const ENABLED_KEY: &str = "timestamp.enabled";
const AUTHORITIES_KEY: &str = "timestamp.authorities";

/// Free public authorities offered when the user names none. Their certificates chain to
/// roots in the operating system's trust store, so no pinned file is needed.
pub const DEFAULT_AUTHORITIES: [&str; 2] = ["http://timestamp.digicert.com", "http://timestamp.sectigo.com"];

/// A time-stamp authority the user chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authority {
    /// Where requests go (`http://` or `https://`).
    pub url: String,
    /// The certificates to trust for its tokens (PEM). Absent: the operating system's
    /// trusted roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<String>,
}

/// Whether timestamping is on, and with which authorities.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampSettings {
    /// Requests are made only while this is true.
    pub enabled: bool,
    /// Tried in order until one answers.
    pub authorities: Vec<Authority>,
}

/// Settings plus how far the queue has got.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampStatus {
    /// The settings.
    #[serde(flatten)]
    pub settings: TimestampSettings,
    /// Items holding a token.
    pub stamped: u64,
    /// Items waiting for one.
    pub waiting: u64,
    /// The most recent failure among waiting items, to show why they wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// One commitment to get a token for.
#[derive(Debug, Clone)]
pub struct PendingStamp {
    /// The item.
    pub item_id: String,
    /// SHA-256 of the item's commitment: the only thing an authority sees.
    pub imprint: [u8; 32],
}

/// What to ask the authorities for now; empty while timestamping is off.
#[derive(Debug, Clone)]
pub struct TimestampWork {
    /// Tried in order.
    pub authorities: Vec<Authority>,
    /// Oldest first.
    pub pending: Vec<PendingStamp>,
}

impl Vault {
    /// The timestamp settings.
    pub fn timestamp_settings(&self) -> Result<TimestampSettings> {
        let enabled = meta::get(self.conn(), ENABLED_KEY)?.as_deref() == Some("1");
        let authorities = match meta::get(self.conn(), AUTHORITIES_KEY)? {
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                Error::Invalid(format!("the stored time-stamp authorities cannot be read ({e})"))
            })?,
            None => Vec::new(),
        };
        Ok(TimestampSettings { enabled, authorities })
    }

    /// The trust list this vault judges timestamps' authorities by: this computer's
    /// trusted roots, Safekeep's pinned authorities, and the certificates the person gave
    /// for their own authorities (`--tsa-certs`, Settings), whom they chose to trust.
    pub fn timestamp_trust(&self) -> Result<crate::timestamp_trust::TrustList> {
        let mut own = Vec::new();
        for a in self.timestamp_settings()?.authorities {
            if let Some(pem) = &a.certificates {
                own.extend(timestamp_token::certificates_from_pem(pem.as_bytes()).map_err(|e| {
                    Error::Invalid(format!(
                        "the certificates stored for the time-stamp authority {} cannot be read ({e}); give them again in the timestamp settings",
                        a.url
                    ))
                })?);
            }
        }
        Ok(crate::timestamp_trust::TrustList::system().with(own))
    }

    /// Turns timestamping on with `authorities` (the default list when empty) and queues
    /// every item that has no timestamp yet. Returns how many were queued.
    pub fn enable_timestamps(&mut self, mut authorities: Vec<Authority>) -> Result<usize> {
        if authorities.is_empty() {
            authorities = DEFAULT_AUTHORITIES
                .iter()
                .map(|u| Authority {
                    url: (*u).to_owned(),
                    certificates: None,
                })
                .collect();
        }
        for a in &mut authorities {
            a.url = check_authority_url(&a.url)?;
            if let Some(pem) = &a.certificates {
                let certs = timestamp_token::certificates_from_pem(pem.as_bytes()).map_err(|e| {
                    Error::Invalid(format!("the certificates for {} cannot be used: {e}", a.url))
                })?;
                if certs.is_empty() {
                    return Err(Error::Invalid(format!(
                        "the certificate file for {} holds no certificate. Give the authority's root certificate in PEM",
                        a.url
                    )));
                }
            }
        }
        let list = serde_json::to_string(&authorities).map_err(|e| Error::Invalid(e.to_string()))?;
        let now = utc_rfc3339(&self.now());
        let unqueued = timestamps::unqueued_items(self.conn())?;
        let salts: Vec<String> = unqueued.iter().map(|_| self.new_salt()).collect();
        let tx = self.conn_mut().transaction()?;
        meta::set(&tx, AUTHORITIES_KEY, &list)?;
        meta::set(&tx, ENABLED_KEY, "1")?;
        for (id, salt) in unqueued.iter().zip(&salts) {
            timestamps::queue(&tx, id, salt, &now)?;
        }
        tx.commit()?;
        Ok(unqueued.len())
    }

    /// Turns timestamping off: nothing more is sent; queued items stay queued.
    pub fn disable_timestamps(&mut self) -> Result<()> {
        Ok(meta::set(self.conn(), ENABLED_KEY, "0")?)
    }

    /// Settings and queue counts.
    pub fn timestamp_status(&self) -> Result<TimestampStatus> {
        let (stamped, waiting) = timestamps::counts(self.conn())?;
        let last_error = timestamps::waiting(self.conn())?
            .into_iter()
            .filter(|r| r.last_error.is_some())
            .max_by(|a, b| a.last_attempt_at.cmp(&b.last_attempt_at))
            .and_then(|r| r.last_error);
        Ok(TimestampStatus {
            settings: self.timestamp_settings()?,
            stamped,
            waiting,
            last_error,
        })
    }

    /// One item's timestamp state, if it was ever queued.
    pub fn item_timestamp(&self, item_id: &str) -> Result<Option<ItemTimestamp>> {
        Ok(
            timestamps::get(self.conn(), item_id)?.map(|r| match (r.token, r.gen_time) {
                (Some(_), Some(gen_time)) if r.authority_recognised => ItemTimestamp::Stamped {
                    tsa: r.tsa.unwrap_or_default(),
                    gen_time,
                    signer: r.signer.unwrap_or_default(),
                },
                (Some(_), Some(gen_time)) => ItemTimestamp::Unrecognised {
                    tsa: r.tsa.unwrap_or_default(),
                    gen_time,
                    signer: r.signer.unwrap_or_default(),
                },
                _ => ItemTimestamp::Waiting {
                    since: r.queued_at,
                    attempts: r.attempts,
                    last_error: r.last_error,
                },
            }),
        )
    }

    /// What to request now: every waiting commitment, or nothing while timestamping is off.
    pub fn timestamp_work(&self) -> Result<TimestampWork> {
        let settings = self.timestamp_settings()?;
        if !settings.enabled {
            return Ok(TimestampWork {
                authorities: Vec::new(),
                pending: Vec::new(),
            });
        }
        let pending = timestamps::waiting(self.conn())?
            .into_iter()
            .map(|r| {
                Ok(PendingStamp {
                    imprint: self.imprint(&r)?,
                    item_id: r.item_id,
                })
            })
            .collect::<Result<_>>()?;
        Ok(TimestampWork {
            authorities: settings.authorities,
            pending,
        })
    }

    /// Stores a token for a waiting item after verifying it against the item's own
    /// commitment and `chain_pem`, and records an `item.timestamped` event.
    pub fn record_timestamp(&mut self, item_id: &str, got: &ObtainedToken) -> Result<ItemTimestamp> {
        let row = timestamps::get(self.conn(), item_id)?
            .ok_or_else(|| Error::Invalid(format!("item {item_id} is not queued for a timestamp")))?;
        let imprint = self.imprint(&row)?;
        let chain = timestamp_token::certificates_from_pem(got.chain_pem.as_bytes()).map_err(token_error)?;
        let verified = timestamp_token::verify_stored(&got.token, &imprint, &chain).map_err(token_error)?;
        let case_id = items::get(self.conn(), item_id)?
            .map(|r| r.case_id)
            .ok_or_else(|| Error::Invalid(format!("item {item_id} vanished")))?;
        let at = utc_rfc3339(&self.now());
        let tx = self.conn_mut().transaction()?;
        let stamp = timestamps::Stamp {
            tsa: &got.tsa,
            token: &got.token,
            chain_pem: &got.chain_pem,
            gen_time: &verified.gen_time,
            signer: &verified.signer,
            authority_recognised: true,
        };
        if timestamps::stamped(&tx, item_id, &at, &stamp)? {
            append_event(
                &tx,
                &case_id,
                &at,
                event_type::ITEM_TIMESTAMPED,
                json!({
                    "item_id": item_id,
                    "tsa": got.tsa,
                    "gen_time": verified.gen_time,
                    "serial": verified.serial,
                    "imprint": hex::encode(imprint),
                    "token_sha256": hex::encode(Sha256::digest(&got.token)),
                }),
            )?;
        }
        tx.commit()?;
        Ok(ItemTimestamp::Stamped {
            tsa: got.tsa.clone(),
            gen_time: verified.gen_time,
            signer: verified.signer,
        })
    }

    /// Records that no authority gave a token this time; the item stays queued.
    pub fn record_timestamp_failure(&mut self, item_id: &str, why: &str) -> Result<()> {
        let at = utc_rfc3339(&self.now());
        Ok(timestamps::failed(self.conn(), item_id, &at, why)?)
    }

    /// An item's commitment (docs/timestamps.md) and its stored token, for bundles.
    pub(crate) fn item_token(&self, item_id: &str) -> Result<Option<(Vec<u8>, timestamps::TimestampRow)>> {
        let Some(row) = timestamps::get(self.conn(), item_id)?.filter(|r| r.token.is_some()) else {
            return Ok(None);
        };
        Ok(Some((self.commitment(&row)?, row)))
    }

    /// 32 fresh random bytes, hex.
    pub(crate) fn new_salt(&mut self) -> String {
        let mut salt = [0u8; 32];
        self.env.rng.fill_bytes(&mut salt);
        hex::encode(salt)
    }

    fn commitment(&self, row: &timestamps::TimestampRow) -> Result<Vec<u8>> {
        let salt: [u8; 32] = hex::decode(&row.salt)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                Error::Invalid(format!("the timestamp salt of item {} is damaged", row.item_id))
            })?;
        let item = db::items::get(self.conn(), &row.item_id)?
            .ok_or_else(|| Error::Invalid(format!("item {} vanished", row.item_id)))?;
        Ok(timestamp_token::commitment(&salt, item.record.as_bytes()))
    }

    fn imprint(&self, row: &timestamps::TimestampRow) -> Result<[u8; 32]> {
        Ok(Sha256::digest(self.commitment(row)?).into())
    }
}

fn token_error(e: TokenError) -> Error {
    Error::Invalid(format!("the time-stamp token was not stored: {e}"))
}

/// Accepts `http://` and `https://` addresses with a host; returns them trimmed.
fn check_authority_url(url: &str) -> Result<String> {
    let u = url.trim();
    let rest = u
        .strip_prefix("http://")
        .or_else(|| u.strip_prefix("https://"))
        .ok_or_else(|| {
            Error::Invalid(format!(
                "\"{url}\" is not a time-stamp authority address: it must start with http:// or https://"
            ))
        })?;
    if rest.is_empty() || rest.starts_with('/') || u.chars().any(char::is_whitespace) {
        return Err(Error::Invalid(format!(
            "\"{url}\" has no host name. Give the authority's full address, e.g. {}",
            DEFAULT_AUTHORITIES[0]
        )));
    }
    Ok(u.to_owned())
}
