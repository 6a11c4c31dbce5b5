//! Records one tab's traffic from the DevTools protocol's `Network` events: every request
//! the tab makes from its last top-level navigation on, with the headers the browser
//! actually sent and received (`…ExtraInfo` events) and each response body, fetched with
//! `Network.getResponseBody` as soon as the browser reports it complete.
//!
//! Events of one request arrive on separate streams; one task takes them in lifecycle
//! order (`biased` select) and keeps the rare event that still arrives before its request
//! until the request is seen, so nothing depends on the order the streams are polled.
//!
//! Bodies stream to the spool as they arrive (`Network.streamResourceContent`, then each
//! `dataReceived` chunk), sealed under a key only this process holds, so a large video
//! costs disk, not memory. The browser hands over what it had buffered before streaming
//! began in the command's answer and every later chunk in `dataReceived`, so the body is
//! that answer followed by the chunks in order; chunks that arrive before the answer is
//! seen wait for it. A response the browser will not stream (from its memory cache, a
//! `data:` address…) is read whole with `Network.getResponseBody` once finished, and so
//! is one whose stream does not add up to the lengths the browser reported receiving
//! (it streams only what its network agent buffers: an image the renderer keeps itself
//! comes as nothing).
//!
//! Invariants: a new top-level document request of the tab's main frame starts a new
//! recording, but the old one is kept beside it until the new document commits
//! (`Page.frameNavigated` with its loader): a navigation that never commits (a link
//! whose answer is a download, a 204, a cancelled load) leaves the page on screen, so a
//! capture then takes the recording of that page, not of the aborted navigation. Late
//! bodies go to the recording of their generation, or are dropped with it; bodies past
//! the per-body or total cap are not kept, and the record says so.

mod body;
mod hop;
mod state;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::network::{
    EnableParams, EventDataReceived, EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent,
    EventRequestWillBeSentExtraInfo, EventResponseReceived, EventResponseReceivedExtraInfo,
};
use chromiumoxide::cdp::browser_protocol::page::EventFrameNavigated;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::frames::{self, Children};
use crate::web::cdp::Page;
use crate::web::spool::{Body, Spool};
use body::{Via, decode, fetch_body, stream_body};
use hop::Hop;
use state::{Action, Extra, Late, State};

/// How much a recording keeps.
#[derive(Debug, Clone, Copy)]
pub struct RecordLimits {
    /// Largest body kept, bytes.
    pub max_body: u64,
    /// Most body bytes kept for one capture.
    pub max_total: u64,
}

/// One request and its response as the browser saw them.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The address requested.
    pub url: String,
    /// `GET`, `POST`…
    pub method: String,
    /// When the browser sent it.
    pub sent_at: DateTime<Utc>,
    /// Headers as sent (the `ExtraInfo` set when the browser gave one), in order.
    pub request_headers: Vec<(String, String)>,
    /// The request body, when the browser reported one.
    pub post_data: Option<Vec<u8>>,
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub status_text: String,
    /// Headers as received, in order; repeated headers are separate entries.
    pub response_headers: Vec<(String, String)>,
    /// Media type the browser determined.
    pub mime: String,
    /// `h2`, `http/1.1`, `h3`…
    pub protocol: Option<String>,
    /// Remote address and port.
    pub remote: Option<(String, u16)>,
    /// Served from the browser's cache or a service worker, not the network.
    pub from_cache: bool,
    /// `secure`, `insecure`, `neutral`… (the browser's verdict on the connection).
    pub security_state: String,
    /// TLS details the browser reported.
    pub security: Option<Value>,
    /// `Document`, `XHR`, `Fetch`, `Image`, `Media`…
    pub resource_type: String,
    /// The body after content decoding, when kept.
    pub body: Option<Body>,
    /// Why the body is missing, when it is.
    pub body_note: Option<String>,
    /// The body was streamed to the spool as it arrived (not read whole once finished).
    pub body_streamed: bool,
}

/// A tab being recorded. Dropping it stops the recording.
#[derive(Debug)]
pub struct Recorder {
    state: Arc<Mutex<State>>,
    spool: Arc<Spool>,
    task: tokio::task::JoinHandle<()>,
    page: Page,
    limits: RecordLimits,
    children: Option<Children>,
    children_task: Option<tokio::task::JoinHandle<()>>,
    children_note: Option<String>,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(t) = &self.children_task {
            t.abort();
        }
    }
}

/// A finished recording: what the tab loaded since its last top-level navigation.
#[derive(Debug)]
pub struct Recording {
    /// When that navigation began.
    pub navigated_at: Option<DateTime<Utc>>,
    /// Every answered request, in the order sent.
    pub exchanges: Vec<Recorded>,
    /// Requests that got no answer (blocked, cancelled, failed), as described.
    pub failed: Vec<Value>,
    /// Requests still loading when the capture was made.
    pub unfinished: usize,
    /// Why the tab's cross-site frames and workers were not recorded, when they were not.
    pub children_not_recorded: Option<String>,
}

impl Recorder {
    /// Starts recording `page`. Network buffers are raised so that the browser keeps
    /// bodies up to the cap until they are read.
    /// The tab's cross-site frames and workers are followed on sessions of their own
    /// ([`frames`]); when the browser will not report them, they are not recorded, and
    /// the recording says why.
    pub async fn start(page: &Page, limits: RecordLimits, spool: Arc<Spool>) -> Result<Self, String> {
        let fail = |e: crate::web::cdp::CdpError| format!("the browser could not record the tab ({e})");
        let main_frame = page.target_id().to_owned();
        let mut sent = page.event_listener::<EventRequestWillBeSent>();
        let mut sent_extra = page.event_listener::<EventRequestWillBeSentExtraInfo>();
        let mut answered = page.event_listener::<EventResponseReceived>();
        let mut answered_extra = page.event_listener::<EventResponseReceivedExtraInfo>();
        let mut finished = page.event_listener::<EventLoadingFinished>();
        let mut failed = page.event_listener::<EventLoadingFailed>();
        let mut committed = page.event_listener::<EventFrameNavigated>();
        let mut data = page.event_listener::<EventDataReceived>();
        // The protocol's buffer sizes are 32-bit: larger values are refused outright.
        let buffer = i64::try_from(limits.max_total)
            .unwrap_or(i64::MAX)
            .min(i64::from(i32::MAX));
        page.execute(
            EnableParams::builder()
                .max_total_buffer_size(buffer)
                .max_resource_buffer_size(i64::try_from(limits.max_body).unwrap_or(i64::MAX).min(buffer))
                .build(),
        )
        .await
        .map_err(fail)?;
        let network = json!({
            "maxTotalBufferSize": buffer,
            "maxResourceBufferSize": i64::try_from(limits.max_body).unwrap_or(i64::MAX).min(buffer),
        });
        let followed = frames::follow(page, network).await;
        let (children, mut child_events, children_task, children_note) = match followed {
            Ok((c, rx, t)) => (Some(c), Some(rx), Some(t), None),
            Err(e) => (None, None, None, Some(e)),
        };
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let recorder_page = page.clone();
        let recorder_children = children.clone();
        let recorder_spool = Arc::clone(&spool);
        let page = page.clone();
        let task = tokio::spawn(async move {
            let act = |actions: Vec<Action>, state: &Arc<Mutex<State>>| {
                for action in actions {
                    let (state, spool) = (Arc::clone(state), Arc::clone(&spool));
                    let (Action::Fetch(t) | Action::Stream(t)) = &action;
                    let vias = body::vias(t, &page, children.as_ref());
                    match action {
                        Action::Fetch(t) => {
                            tokio::spawn(fetch_body(vias, children.clone(), state, spool, t, limits));
                        }
                        Action::Stream(t) => {
                            tokio::spawn(stream_body(vias, children.clone(), state, spool, t, limits));
                        }
                    }
                }
            };
            loop {
                let state = &shared;
                // Chunks come before the finish that follows them (one stream of events
                // from the browser, so both are queued by the time the finish is seen).
                tokio::select! {
                    biased;
                    Some(e) = sent.next() => {
                        let actions = lock(state).on_request(&e, &main_frame, limits, None);
                        act(actions, state);
                    }
                    Some(e) = sent_extra.next() => lock(state).on_extra(Extra::Request, e.request_id.inner(), &e.headers),
                    Some(e) = answered_extra.next() => lock(state).on_extra(Extra::Response, e.request_id.inner(), &e.headers),
                    Some(e) = answered.next() => {
                        let late = Late::Response(Box::new(e.response.clone()));
                        let actions = lock(state).on_late(e.request_id.inner(), late, limits);
                        act(actions, state);
                    }
                    Some(e) = data.next() => {
                        let chunk = e.data.as_ref().map(|d| {
                            data_encoding::BASE64.decode(AsRef::<[u8]>::as_ref(d)).map_err(|e| e.to_string())
                        });
                        lock(state).on_data(e.request_id.inner(), e.data_length, chunk, limits);
                    }
                    Some(e) = finished.next() => {
                        let actions = lock(state).on_late(e.request_id.inner(), Late::Finished, limits);
                        act(actions, state);
                    }
                    Some(e) = failed.next() => {
                        let late = Late::Failed(e.error_text.clone());
                        let actions = lock(state).on_late(e.request_id.inner(), late, limits);
                        act(actions, state);
                    }
                    Some(e) = committed.next() => {
                        if e.frame.parent_id.is_none() {
                            lock(state).on_commit(e.frame.loader_id.inner());
                        }
                    }
                    Some(e) = async {
                        match child_events.as_mut() {
                            Some(rx) => rx.recv().await,
                            None => std::future::pending().await,
                        }
                    } => {
                        let actions = lock(state).on_child_event(e, &main_frame, limits);
                        act(actions, state);
                    }
                    else => break,
                }
            }
        });
        Ok(Self {
            state,
            spool: recorder_spool,
            task,
            page: recorder_page,
            limits,
            children: recorder_children,
            children_task,
            children_note,
        })
    }

    /// Waits until no request has been in progress for `quiet`, or `limit` has passed.
    /// Returns whether the network settled.
    pub async fn settle(&self, quiet: Duration, limit: Duration) -> bool {
        let began = Instant::now();
        loop {
            // A response whose body is still arriving counts as busy only while bytes
            // arrive: streams, long polls and bodies the page never reads stay open.
            let (busy, last) = {
                let s = lock(&self.state);
                let waiting = s.open.values().filter(|h| h.response.is_none()).count();
                (waiting + s.bodies_pending, s.last_activity)
            };
            let idle_for = last.map_or(quiet, |t| t.elapsed());
            if busy == 0 && idle_for >= quiet {
                return true;
            }
            if began.elapsed() >= limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What has been recorded so far (bodies still being read are waited for, up to
    /// `wait`).
    pub async fn take(&self, wait: Duration) -> Recording {
        let began = Instant::now();
        while lock(&self.state).bodies_pending > 0 && began.elapsed() < wait {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Responses not finished: a streamed one is what has arrived so far (sealed as a
        // part; its stream goes on), else whatever the browser holds of the body.
        let mut partial = HashMap::new();
        let unfinished_ids: Vec<(String, Option<String>)> = {
            let mut guard = lock(&self.state);
            let s = guard.on_screen_mut();
            for hop in s.open.values_mut().filter(|h| h.response.is_some()) {
                if let Some(body) = hop.cut(&self.spool) {
                    partial.insert(hop.request_id.clone(), body);
                }
            }
            s.open
                .values()
                .filter(|h| h.response.is_some() && !partial.contains_key(&h.request_id))
                .map(|h| (h.request_id.clone(), h.session.clone()))
                .collect()
        };
        for (id, session) in unfinished_ids {
            let via = Via::new(&self.page, self.children.as_ref(), session.as_deref());
            if let Ok(Ok((body, base64))) = tokio::time::timeout(Duration::from_secs(2), via.body(&id)).await
                && let Ok(body) = decode(body, base64)
                && (body.len() as u64) <= self.limits.max_body
            {
                partial.insert(id, Body::Memory(body));
            }
        }
        let mut guard = lock(&self.state);
        let waited = began.elapsed().as_secs();
        let late: Vec<u64> = guard.fetching.iter().copied().collect();
        let s = guard.on_screen_mut();
        for hop in s
            .done
            .iter_mut()
            .filter(|h| late.contains(&h.key) && h.body.is_none())
        {
            hop.body_note = Some(format!(
                "the browser was still handing over the body {waited} s after the capture began (very large bodies are slow to read over the DevTools protocol): not kept"
            ));
        }
        let s: &State = s;
        let mut hops: Vec<&Hop> = s.done.iter().collect();
        let unfinished = s.open.values().filter(|h| h.response.is_some()).count();
        hops.extend(s.open.values().filter(|h| h.response.is_some()));
        hops.sort_by_key(|h| (h.sent_at, h.key));
        let exchanges = hops
            .into_iter()
            .filter_map(|h| s.recorded(h, partial.get(&h.request_id)))
            .collect();
        Recording {
            navigated_at: s.navigated_at,
            exchanges,
            failed: s.failed.clone(),
            unfinished,
            children_not_recorded: self.children_note.clone(),
        }
    }

    /// The newest answered request for `url` in this tab's recording, without its body
    /// (for a download, whose bytes the browser saved to a file instead).
    pub fn response_for(&self, url: &str) -> Option<Recorded> {
        let s = lock(&self.state);
        let newest = s
            .done
            .iter()
            .chain(s.open.values())
            .filter(|h| h.request.url == url && h.response.is_some())
            .max_by_key(|h| (h.sent_at, h.key))?;
        let mut found = s.recorded(newest, None)?;
        found.body = None;
        found.body_note = Some("saved by the browser as a download: the file is the item".into());
        Some(found)
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
