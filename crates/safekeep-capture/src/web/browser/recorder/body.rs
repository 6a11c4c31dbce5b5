//! Reading bodies from the browser: through the tab's DevTools session or a child's,
//! whole once finished (`Network.getResponseBody`) or streamed
//! (`Network.streamResourceContent`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::network::{
    GetResponseBodyParams, RequestId, StreamResourceContentParams,
};
use chromiumoxide::types::Command;

use super::frames::Children;
use super::state::{Action, State, Target};
use super::{RecordLimits, lock};
use crate::web::cdp::Page;
use crate::web::spool::{Body, Spool};

/// The sessions `target`'s body can be read through, the reporting one first.
pub(super) fn vias(target: &Target, page: &Page, children: Option<&Children>) -> Vec<Via> {
    let mut vias = vec![Via::new(page, children, target.session.as_deref())];
    if let (Some(c), Some(also)) = (children, &target.also) {
        vias.push(Via::Child(c.clone(), also.clone()));
    }
    vias
}

/// The DevTools session a body is read through: the tab's, or a child's.
#[derive(Debug, Clone)]
pub(super) enum Via {
    Page(Page),
    Child(Children, String),
}

impl Via {
    pub(super) fn new(page: &Page, children: Option<&Children>, session: Option<&str>) -> Self {
        match (children, session) {
            (Some(c), Some(s)) => Self::Child(c.clone(), s.to_owned()),
            _ => Self::Page(page.clone()),
        }
    }

    /// Runs `cmd` on this session.
    async fn call<C: Command>(&self, cmd: C) -> Result<C::Response, String> {
        match self {
            Self::Page(page) => page.execute(cmd).await.map_err(|e| e.to_string()),
            Self::Child(children, session) => {
                let params = serde_json::to_value(&cmd).map_err(|e| e.to_string())?;
                let result = children.call(session, cmd.identifier(), params).await?;
                serde_json::from_value(result).map_err(|e| e.to_string())
            }
        }
    }

    /// `Network.getResponseBody`: the body and whether it is base64.
    pub(super) async fn body(&self, id: &str) -> Result<(String, bool), String> {
        let r = self
            .call(GetResponseBodyParams::new(RequestId::new(id.to_owned())))
            .await?;
        Ok((r.body, r.base64_encoded))
    }

    /// `Network.streamResourceContent`: what was buffered before, base64.
    async fn stream(&self, id: &str) -> Result<String, String> {
        let r = self
            .call(StreamResourceContentParams::new(RequestId::new(id.to_owned())))
            .await?;
        Ok(AsRef::<str>::as_ref(&r.buffered_data).to_owned())
    }
}

/// Bodies read whole that are at least this large go to the spool at once, so that a
/// recording holds at most small bodies in memory.
const SPOOL_FROM: usize = 64 << 10;

/// Reads a finished body whole (`Network.getResponseBody`): for responses the browser
/// would not stream.
pub(super) async fn fetch_body(
    vias: Vec<Via>,
    children: Option<Children>,
    state: Arc<Mutex<State>>,
    spool: Arc<Spool>,
    target: Target,
    limits: RecordLimits,
) {
    let Target { key, generation, .. } = target;
    let mut answer = Err("no session to read it through".to_owned());
    for via in &vias {
        answer = via.body(&target.id).await;
        if answer.is_ok() {
            break;
        }
    }
    // A cross-site frame's document the tab's session does not hold: the frame's
    // session may not have said yet that it has it (its events come on the second
    // connection, at their own pace). Wait for it a little.
    if answer.is_err()
        && target.document
        && target.also.is_none()
        && let Some(children) = &children
    {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let also = {
                let mut s = lock(&state);
                s.generation_mut(generation)
                    .and_then(|s| s.done.iter().find(|h| h.key == key).and_then(|h| h.also.clone()))
            };
            if let Some(session) = also {
                answer = Via::Child(children.clone(), session).body(&target.id).await;
                break;
            }
        }
    }
    let (body, note) = match answer {
        Ok((body, base64)) => match decode(body, base64) {
            Ok(b) => (Some(b), None),
            Err(e) => (
                None,
                Some(format!(
                    "the browser's copy of the body was not valid base64 ({e})"
                )),
            ),
        },
        Err(e) => (None, Some(format!("the browser no longer held the body ({e})"))),
    };
    let over_one = body.as_ref().is_some_and(|b| b.len() as u64 > limits.max_body);
    let (body, note) = match body {
        Some(b) if b.len() >= SPOOL_FROM && !over_one => match spool.put(&b) {
            Ok(file) => (Some(Body::Spooled(file)), note),
            Err(e) => (
                None,
                Some(format!(
                    "the encrypted staging file could not be written ({e}): not kept"
                )),
            ),
        },
        other => (other.map(Body::Memory), note),
    };
    let kept = body.as_ref().map_or(0, Body::len);
    let mut s = lock(&state);
    s.bodies_pending = s.bodies_pending.saturating_sub(1);
    s.fetching.remove(&key);
    s.last_activity = Some(Instant::now());
    let Some(s) = s.generation_mut(generation) else {
        return;
    };
    let over_total = s.body_bytes + kept > limits.max_total;
    if let Some(hop) = s.done.iter_mut().find(|h| h.key == key) {
        if over_one {
            hop.body_note = Some(format!("larger than {} MiB: not kept", limits.max_body >> 20));
        } else if over_total {
            hop.body_note = Some(format!(
                "the capture already holds {} MiB of bodies: not kept",
                limits.max_total >> 20
            ));
        } else {
            hop.body = body;
            hop.body_note = note;
        }
    }
    if !over_one && !over_total {
        s.body_bytes += kept;
    }
}

/// Asks the browser to stream a response's body (see the module docs); falls back to
/// reading it whole when it will not.
pub(super) async fn stream_body(
    vias: Vec<Via>,
    children: Option<Children>,
    state: Arc<Mutex<State>>,
    spool: Arc<Spool>,
    target: Target,
    limits: RecordLimits,
) {
    let Some(via) = vias.first() else { return };
    let buffered = via.stream(&target.id).await.and_then(|b| {
        data_encoding::BASE64
            .decode(b.as_bytes())
            .map_err(|e| e.to_string())
    });
    let action = lock(&state).on_stream(&spool, &target, buffered, limits);
    if let Some(Action::Fetch(target)) = action {
        fetch_body(vias, children, state, spool, target, limits).await;
    }
}

pub(super) fn decode(body: String, base64: bool) -> Result<Vec<u8>, String> {
    if base64 {
        data_encoding::BASE64
            .decode(body.as_bytes())
            .map_err(|e| e.to_string())
    } else {
        Ok(body.into_bytes())
    }
}
