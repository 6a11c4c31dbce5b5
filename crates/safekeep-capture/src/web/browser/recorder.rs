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

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::network::{
    EnableParams, EventDataReceived, EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent,
    EventRequestWillBeSentExtraInfo, EventResponseReceived, EventResponseReceivedExtraInfo,
    GetResponseBodyParams, Headers, Request, RequestId, ResourceType, Response, StreamResourceContentParams,
};
use chromiumoxide::cdp::browser_protocol::page::EventFrameNavigated;
use chromiumoxide::types::Command;

use crate::web::cdp::Page;
use chrono::{DateTime, TimeZone, Utc};
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::frames::{self, Children};
use crate::web::spool::{Body, Spool, SpoolWriter};

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

#[derive(Debug)]
struct Hop {
    key: u64,
    request_id: String,
    hop: usize,
    request: Request,
    sent_at: DateTime<Utc>,
    resource_type: String,
    response: Option<Response>,
    body: Option<Body>,
    body_note: Option<String>,
    /// The child target's session that reported it (a cross-site frame or a worker), on
    /// the recorder's second connection; `None` for the tab's own session.
    session: Option<String>,
    /// A child's session that reported events of a request the tab's session reported:
    /// a cross-site frame's own navigation, whose body only the frame's session holds.
    also: Option<String>,
    stream: Streaming,
    /// Streamed parts already sealed: a capture taken while the body was still arriving
    /// took these as the body so far; the stream went on in a new file.
    parts: Vec<crate::web::spool::Spooled>,
    /// Body bytes the browser said it received (`dataReceived`'s decoded lengths).
    received: u64,
    /// `body` is the stream (see [`Recorded::body_streamed`]).
    body_streamed: bool,
}

impl Hop {
    /// Bytes streamed so far, over every part.
    fn streamed(&self) -> u64 {
        let parts: u64 = self.parts.iter().map(crate::web::spool::Spooled::len).sum();
        parts
            + match &self.stream {
                Streaming::On(w) => w.written(),
                _ => 0,
            }
    }

    /// Seals what has streamed so far as a part and goes on in a new file; returns the
    /// body so far. For a capture taken while the body is still arriving.
    fn cut(&mut self, spool: &Arc<Spool>) -> Option<Body> {
        if self.streamed() == 0 {
            return None;
        }
        let Streaming::On(writer) = std::mem::take(&mut self.stream) else {
            return None;
        };
        match writer.finish() {
            Ok(part) => self.parts.push(part),
            Err(e) => {
                self.body_note = Some(format!(
                    "the encrypted staging file could not be finished ({e}): not kept"
                ));
                self.stream = Streaming::Dropped;
                self.parts.clear();
                return None;
            }
        }
        match spool.create() {
            Ok(next) => self.stream = Streaming::On(next),
            Err(e) => {
                self.body_note = Some(format!(
                    "the rest of the body could not be written to the encrypted staging folder ({e})"
                ));
                self.stream = Streaming::Dropped;
            }
        }
        Some(Body::Parts(self.parts.clone()))
    }
}

/// Where a hop's body stands with streaming.
#[derive(Debug, Default)]
enum Streaming {
    /// Not streamed: read whole with `getResponseBody` once finished.
    #[default]
    Off,
    /// Asked to stream; the answer (with what was buffered before) not yet seen.
    Asked {
        /// Chunks that arrived before the answer.
        early: Vec<Vec<u8>>,
        /// The browser reported the response finished meanwhile.
        finished: bool,
    },
    /// Streaming into the spool.
    On(SpoolWriter),
    /// Given up (over a cap, or the spool failed): the note says why.
    Dropped,
}

/// What the event loop must do after a state change.
#[derive(Debug)]
enum Action {
    /// Read the finished body whole.
    Fetch(Target),
    /// Ask the browser to stream the body.
    Stream(Target),
}

/// The body an action is about.
#[derive(Debug, Clone)]
struct Target {
    id: String,
    key: u64,
    generation: u64,
    /// See [`Hop::session`].
    session: Option<String>,
    /// See [`Hop::also`].
    also: Option<String>,
    /// A document (a frame's, when the tab's session cannot hand its body over).
    document: bool,
}

impl Target {
    fn of(hop: &Hop, generation: u64) -> Self {
        Self {
            id: hop.request_id.clone(),
            key: hop.key,
            generation,
            session: hop.session.clone(),
            also: hop.also.clone(),
            document: hop.resource_type == "Document",
        }
    }

    /// The sessions its body can be read through, the reporting one first.
    fn vias(&self, page: &Page, children: Option<&Children>) -> Vec<Via> {
        let mut vias = vec![Via::new(page, children, self.session.as_deref())];
        if let (Some(c), Some(also)) = (children, &self.also) {
            vias.push(Via::Child(c.clone(), also.clone()));
        }
        vias
    }
}

/// The DevTools session a body is read through: the tab's, or a child's.
#[derive(Debug, Clone)]
enum Via {
    Page(Page),
    Child(Children, String),
}

impl Via {
    fn new(page: &Page, children: Option<&Children>, session: Option<&str>) -> Self {
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
    async fn body(&self, id: &str) -> Result<(String, bool), String> {
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

/// Which headers an `…ExtraInfo` event gives: those the browser sent or received.
#[derive(Debug, Clone, Copy)]
enum Extra {
    Request,
    Response,
}

#[derive(Debug)]
enum Late {
    Response(Box<Response>),
    Finished,
    Failed(String),
}

#[derive(Debug, Default)]
struct State {
    generation: u64,
    /// The recording of the page still shown while a top-level navigation has not
    /// committed (see the module docs).
    shown: Option<Box<State>>,
    /// The loader id of that navigation.
    uncommitted: Option<String>,
    /// The loader id of the last document the main frame committed (its commit can be
    /// seen before its request: the events come on separate streams).
    last_committed: Option<String>,
    next_key: u64,
    navigated_at: Option<DateTime<Utc>>,
    /// The hop now in progress for each request id.
    open: HashMap<String, Hop>,
    /// Hops with a final answer (redirected, finished or failed).
    done: Vec<Hop>,
    hops: HashMap<String, usize>,
    extra_request: HashMap<String, Vec<Vec<(String, String)>>>,
    extra_response: HashMap<String, Vec<Vec<(String, String)>>>,
    early: HashMap<String, VecDeque<Late>>,
    failed: Vec<Value>,
    bodies_pending: usize,
    /// Finished hops whose body the browser is still handing over.
    fetching: std::collections::HashSet<u64>,
    body_bytes: u64,
    last_activity: Option<Instant>,
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
                    let vias = t.vias(&page, children.as_ref());
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

impl State {
    fn on_request(
        &mut self,
        e: &EventRequestWillBeSent,
        main_frame: &str,
        limits: RecordLimits,
        session: Option<&str>,
    ) -> Vec<Action> {
        self.last_activity = Some(Instant::now());
        let id = e.request_id.inner().clone();
        // A request the tab's session reported already (a cross-site frame's navigation)
        // is one hop, not two (see `on_child_event`).
        if session.is_some() && e.redirect_response.is_none() && self.hops.contains_key(&id) {
            return Vec::new();
        }
        let top_level = e.r#type == Some(ResourceType::Document)
            && e.frame_id.as_ref().is_some_and(|f| f.inner() == main_frame)
            && e.request_id.inner() == e.loader_id.inner()
            && e.redirect_response.is_none();
        let sent_at = wall_time(*e.wall_time.inner());
        if top_level {
            let generation = self.generation + 1;
            let mut old = std::mem::take(self);
            let (next_key, last_activity, bodies_pending) =
                (old.next_key, old.last_activity, old.bodies_pending);
            let fetching = std::mem::take(&mut old.fetching);
            let last_committed = old.last_committed.take();
            let committed_already = last_committed.as_deref() == Some(id.as_str());
            // While one navigation is uncommitted the page shown is still the one before.
            let shown = match (old.uncommitted.take(), old.shown.take()) {
                (Some(_), Some(before)) => before,
                _ => Box::new(old.without_counters()),
            };
            *self = Self {
                generation,
                next_key,
                navigated_at: Some(sent_at),
                last_activity,
                bodies_pending,
                fetching,
                shown: (!committed_already).then_some(shown),
                uncommitted: (!committed_already).then(|| id.clone()),
                last_committed,
                ..Self::default()
            };
        }
        if let Some(redirect) = &e.redirect_response
            && let Some(mut hop) = self.open.remove(&id)
        {
            hop.response = Some(redirect.clone());
            hop.body_note = Some("a redirect: no body kept".into());
            hop.stream = Streaming::Dropped;
            self.done.push(hop);
        }
        let hop = self.hops.entry(id.clone()).or_insert(0);
        let key = self.next_key;
        self.next_key += 1;
        self.open.insert(
            id.clone(),
            Hop {
                key,
                request_id: id.clone(),
                hop: *hop,
                request: e.request.clone(),
                sent_at,
                resource_type: e
                    .r#type
                    .as_ref()
                    .map_or_else(|| "Other".to_owned(), |t| t.as_ref().to_owned()),
                response: None,
                body: None,
                body_note: None,
                session: session.map(str::to_owned),
                also: None,
                stream: Streaming::Off,
                parts: Vec::new(),
                body_streamed: false,
                received: 0,
            },
        );
        *hop += 1;
        let mut actions = Vec::new();
        if let Some(late) = self.early.remove(&id) {
            for l in late {
                actions.extend(self.on_late(&id, l, limits));
            }
        }
        actions
    }

    /// The main frame committed a document: the recording of its navigation is the
    /// tab's from now on, the one before it is dropped.
    fn on_commit(&mut self, loader: &str) {
        self.last_committed = Some(loader.to_owned());
        if self.uncommitted.as_deref() == Some(loader) {
            self.uncommitted = None;
            self.shown = None;
        }
    }

    /// The recording of the page on screen: while a navigation has not committed, the
    /// one before it.
    fn on_screen_mut(&mut self) -> &mut Self {
        if self.uncommitted.is_some() && self.shown.is_some() {
            self.shown.as_deref_mut().unwrap_or_else(|| unreachable!())
        } else {
            self
        }
    }

    /// This state as the recording of a page kept on screen: its hops and what it
    /// knows of them; the counters shared by every generation stay with the tab.
    fn without_counters(self) -> Self {
        Self {
            fetching: Default::default(),
            bodies_pending: 0,
            ..self
        }
    }

    /// A response, a finish or a failure. Returns what the event loop must start: a
    /// response's streaming, a finished body's reading.
    fn on_late(&mut self, id: &str, late: Late, limits: RecordLimits) -> Vec<Action> {
        self.last_activity = Some(Instant::now());
        let generation = self.generation;
        let Some(hop) = self.open.get_mut(id) else {
            self.early.entry(id.to_owned()).or_default().push_back(late);
            return Vec::new();
        };
        match late {
            Late::Response(r) => {
                hop.response = Some(*r);
                if NOT_STREAMED.contains(&hop.resource_type.as_str()) {
                    return Vec::new();
                }
                hop.stream = Streaming::Asked {
                    early: Vec::new(),
                    finished: false,
                };
                vec![Action::Stream(Target::of(hop, generation))]
            }
            Late::Finished => {
                let Some(mut hop) = self.open.remove(id) else {
                    return Vec::new();
                };
                let key = hop.key;
                let mut actions = Vec::new();
                match std::mem::take(&mut hop.stream) {
                    Streaming::On(writer) => match finish_stream(&mut hop, writer, self.body_bytes, limits) {
                        Some(kept) => self.body_bytes += kept,
                        None => {
                            self.bodies_pending += 1;
                            self.fetching.insert(key);
                            actions.push(Action::Fetch(Target::of(&hop, generation)));
                        }
                    },
                    Streaming::Asked { early, .. } => {
                        hop.stream = Streaming::Asked {
                            early,
                            finished: true,
                        };
                        self.bodies_pending += 1;
                        self.fetching.insert(key);
                    }
                    Streaming::Off if hop.response.is_some() => {
                        self.bodies_pending += 1;
                        self.fetching.insert(key);
                        actions.push(Action::Fetch(Target::of(&hop, generation)));
                    }
                    Streaming::Off | Streaming::Dropped => {}
                }
                self.done.push(hop);
                actions
            }
            Late::Failed(why) => {
                let Some(mut hop) = self.open.remove(id) else {
                    return Vec::new();
                };
                // What streamed before the failure (a connection cut in the middle of a
                // video) is kept as far as it came.
                if let Streaming::On(writer) = std::mem::replace(&mut hop.stream, Streaming::Dropped)
                    && writer.written() > 0
                    && let Ok(part) = writer.finish()
                {
                    hop.parts.push(part);
                }
                if hop.response.is_some() {
                    let kept = hop.streamed();
                    if kept > 0 {
                        hop.body = Some(Body::Parts(std::mem::take(&mut hop.parts)));
                        hop.body_streamed = true;
                        self.body_bytes += kept;
                        hop.body_note = Some(format!(
                            "the body did not finish loading ({why}); kept as far as it came ({kept} bytes)"
                        ));
                    } else {
                        hop.body_note = Some(format!("the body did not finish loading ({why})"));
                    }
                    self.done.push(hop);
                } else {
                    self.failed.push(json!({
                        "url": hop.request.url,
                        "method": hop.request.method,
                        "type": hop.resource_type,
                        "sent_at": hop.sent_at.to_rfc3339(),
                        "error": why,
                    }));
                }
                Vec::new()
            }
        }
    }

    /// The headers as sent or received (`…ExtraInfo`), one set per hop of `id`.
    fn on_extra(&mut self, which: Extra, id: &str, given: &Headers) {
        let map = match which {
            Extra::Request => &mut self.extra_request,
            Extra::Response => &mut self.extra_response,
        };
        map.entry(id.to_owned()).or_default().push(headers(given));
    }

    /// A `Network` event of a cross-site frame or a worker of the tab ([`frames`]), as the
    /// tab's own events are handled.
    fn on_child_event(
        &mut self,
        e: frames::ChildEvent,
        main_frame: &str,
        limits: RecordLimits,
    ) -> Vec<Action> {
        fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Option<T> {
            serde_json::from_value(params).ok()
        }
        let session = Some(e.session.as_str());
        // A cross-site frame's navigation: the tab's session reports the request and its
        // response, the frame's session the body arriving and the finish.
        if let Some(id) = e.params["requestId"].as_str() {
            let hop = match self.open.get_mut(id) {
                Some(hop) => Some(hop),
                None => self.done.iter_mut().rev().find(|h| h.request_id == id),
            };
            if let Some(hop) = hop.filter(|h| h.session.is_none()) {
                hop.also = Some(e.session.clone());
            }
        }
        match e.method.as_str() {
            "Network.requestWillBeSent" => parse::<EventRequestWillBeSent>(e.params)
                .map(|ev| self.on_request(&ev, main_frame, limits, session))
                .unwrap_or_default(),
            "Network.requestWillBeSentExtraInfo" => {
                if let Some(ev) = parse::<EventRequestWillBeSentExtraInfo>(e.params) {
                    self.on_extra(Extra::Request, ev.request_id.inner(), &ev.headers);
                }
                Vec::new()
            }
            "Network.responseReceivedExtraInfo" => {
                if let Some(ev) = parse::<EventResponseReceivedExtraInfo>(e.params) {
                    self.on_extra(Extra::Response, ev.request_id.inner(), &ev.headers);
                }
                Vec::new()
            }
            "Network.responseReceived" => parse::<EventResponseReceived>(e.params)
                .map(|ev| {
                    let id = ev.request_id.inner().clone();
                    self.on_late(&id, Late::Response(Box::new(ev.response)), limits)
                })
                .unwrap_or_default(),
            "Network.dataReceived" => {
                if let Some(ev) = parse::<EventDataReceived>(e.params) {
                    let chunk = ev.data.as_ref().map(|d| {
                        data_encoding::BASE64
                            .decode(AsRef::<[u8]>::as_ref(d))
                            .map_err(|e| e.to_string())
                    });
                    self.on_data(ev.request_id.inner(), ev.data_length, chunk, limits);
                }
                Vec::new()
            }
            "Network.loadingFinished" => parse::<EventLoadingFinished>(e.params)
                .map(|ev| self.on_late(ev.request_id.inner(), Late::Finished, limits))
                .unwrap_or_default(),
            "Network.loadingFailed" => parse::<EventLoadingFailed>(e.params)
                .map(|ev| self.on_late(ev.request_id.inner(), Late::Failed(ev.error_text), limits))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// A chunk of a body (`chunk` is set once the browser streams it to us; before, only
    /// its length is reported).
    fn on_data(
        &mut self,
        id: &str,
        length: i64,
        chunk: Option<Result<Vec<u8>, String>>,
        limits: RecordLimits,
    ) {
        self.last_activity = Some(Instant::now());
        let state: &mut Self = if self.open.contains_key(id) {
            self
        } else {
            match self.shown.as_deref_mut() {
                Some(shown) if shown.open.contains_key(id) => shown,
                _ => return,
            }
        };
        let total = state.body_bytes;
        let Some(hop) = state.open.get_mut(id) else {
            return;
        };
        hop.received += u64::try_from(length).unwrap_or(0);
        let Some(chunk) = chunk else {
            return;
        };
        match (&mut hop.stream, chunk) {
            (Streaming::Asked { early, .. }, Ok(bytes)) => early.push(bytes),
            (Streaming::On(_), Ok(bytes)) => write_stream(hop, &bytes, total, limits),
            (Streaming::Asked { .. } | Streaming::On(_), Err(e)) => {
                hop.stream = Streaming::Dropped;
                hop.body_note = Some(format!(
                    "the browser sent a chunk of the body that was not valid base64 ({e}): not kept"
                ));
            }
            (Streaming::Off | Streaming::Dropped, _) => {}
        }
    }

    /// The browser answered the request to stream a body: `buffered` is what it held
    /// before. Returns a read of the whole body when it would not stream it.
    fn on_stream(
        &mut self,
        spool: &Arc<Spool>,
        target: &Target,
        buffered: Result<Vec<u8>, String>,
        limits: RecordLimits,
    ) -> Option<Action> {
        let key = target.key;
        let state = self.generation_mut(target.generation)?;
        let total = state.body_bytes;
        let hop = state
            .open
            .values_mut()
            .chain(state.done.iter_mut())
            .find(|h| h.key == key)?;
        let Streaming::Asked { early, finished } = std::mem::take(&mut hop.stream) else {
            return None;
        };
        let writer = buffered.and_then(|b| {
            spool
                .create()
                .map(|w| (b, w))
                .map_err(|e| format!("the encrypted staging file could not be made ({e})"))
        });
        let (buffered, writer) = match writer {
            Ok(w) => w,
            // Not streamable (from the memory cache, a data: address…): read it whole
            // once finished (`Off`).
            Err(_) if finished => {
                return Some(Action::Fetch(target.clone()));
            }
            Err(_) => return None,
        };
        hop.stream = Streaming::On(writer);
        write_stream(hop, &buffered, total, limits);
        for chunk in early {
            write_stream(hop, &chunk, total, limits);
        }
        if !finished {
            return None;
        }
        let kept = match std::mem::take(&mut hop.stream) {
            Streaming::On(writer) => finish_stream(hop, writer, total, limits),
            other => {
                hop.stream = other;
                Some(0)
            }
        };
        let Some(kept) = kept else {
            // Still counted as being handed over: the read whole releases it.
            return Some(Action::Fetch(target.clone()));
        };
        state.body_bytes += kept;
        // The counters of bodies being handed over are the tab's, kept at the top.
        self.bodies_pending = self.bodies_pending.saturating_sub(1);
        self.fetching.remove(&key);
        None
    }

    /// The recording of `generation`: this one, or the page still shown.
    fn generation_mut(&mut self, generation: u64) -> Option<&mut Self> {
        if self.generation == generation {
            Some(self)
        } else {
            self.shown.as_deref_mut().filter(|s| s.generation == generation)
        }
    }

    fn recorded(&self, hop: &Hop, partial: Option<&Body>) -> Option<Recorded> {
        let response = hop.response.as_ref()?;
        let extra = |map: &HashMap<String, Vec<Vec<(String, String)>>>| {
            map.get(&hop.request_id).and_then(|v| v.get(hop.hop)).cloned()
        };
        let request_headers = extra(&self.extra_request).unwrap_or_else(|| headers(&hop.request.headers));
        let response_headers = extra(&self.extra_response).unwrap_or_else(|| headers(&response.headers));
        let post_data = hop.request.post_data_entries.as_ref().map(|entries| {
            entries
                .iter()
                .filter_map(|e| e.bytes.as_ref())
                .filter_map(|b| data_encoding::BASE64.decode(AsRef::<[u8]>::as_ref(b)).ok())
                .flatten()
                .collect()
        });
        let unfinished = self.open.contains_key(&hop.request_id);
        Some(Recorded {
            url: hop.request.url.clone(),
            method: hop.request.method.clone(),
            sent_at: hop.sent_at,
            request_headers,
            post_data,
            status: u16::try_from(response.status).unwrap_or(0),
            status_text: response.status_text.clone(),
            response_headers,
            mime: response.mime_type.clone(),
            protocol: response.protocol.clone(),
            remote: response
                .remote_ip_address
                .clone()
                .map(|ip| (ip, response.remote_port.and_then(|p| u16::try_from(p).ok()).unwrap_or(0))),
            from_cache: response.from_disk_cache == Some(true) || response.from_service_worker == Some(true),
            security_state: serde_json::to_value(&response.security_state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            security: response
                .security_details
                .as_ref()
                .and_then(|d| serde_json::to_value(d).ok()),
            resource_type: hop.resource_type.clone(),
            body: if unfinished {
                partial.cloned()
            } else {
                hop.body.clone()
            },
            body_streamed: if unfinished {
                matches!(partial, Some(Body::Parts(_)))
            } else {
                hop.body_streamed
            },
            body_note: match (unfinished, partial) {
                (true, Some(_)) => Some(
                    "the browser had not reported this response finished when the page was captured; the body is what it held then".into(),
                ),
                (true, None) => Some("still loading when the page was captured: the body is not kept".into()),
                (false, _) => hop.body_note.clone(),
            },
        })
    }
}

/// Resource types whose bodies the browser's stream hands over as nothing (the renderer
/// keeps them itself; measured with Chromium 156): asking would only cost a round trip
/// each, so they are read whole once finished.
const NOT_STREAMED: [&str; 3] = ["Image", "Stylesheet", "Font"];

/// Bodies read whole that are at least this large go to the spool at once, so that a
/// recording holds at most small bodies in memory.
const SPOOL_FROM: usize = 64 << 10;

/// Reads a finished body whole (`Network.getResponseBody`): for responses the browser
/// would not stream.
async fn fetch_body(
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
async fn stream_body(
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

/// Appends a chunk to a streaming body, or gives the body up when it passes a cap or the
/// staging file fails. `total` is the bodies already kept by the recording.
fn write_stream(hop: &mut Hop, chunk: &[u8], total: u64, limits: RecordLimits) {
    let after = hop.streamed() + chunk.len() as u64;
    let Streaming::On(writer) = &mut hop.stream else {
        return;
    };
    let note = if after > limits.max_body {
        Some(format!("larger than {} MiB: not kept", limits.max_body >> 20))
    } else if total + after > limits.max_total {
        Some(format!(
            "the capture already holds {} MiB of bodies: not kept",
            limits.max_total >> 20
        ))
    } else {
        writer
            .write_all(chunk)
            .err()
            .map(|e| format!("the encrypted staging file could not be written ({e}): not kept"))
    };
    if let Some(note) = note {
        hop.stream = Streaming::Dropped;
        hop.body_note = Some(note);
    }
}

/// Seals a streamed body and makes it the hop's; returns the bytes kept, or `None` when
/// the stream does not hold the body the browser reported (it streams only what its
/// network agent buffers; a resource the renderer keeps elsewhere, such as an image,
/// comes as nothing) and the body must be read whole instead.
fn finish_stream(hop: &mut Hop, writer: SpoolWriter, total: u64, limits: RecordLimits) -> Option<u64> {
    let written = hop.streamed() + writer.written();
    if written != hop.received {
        hop.parts.clear();
        return None;
    }
    if total + written > limits.max_total {
        hop.body_note = Some(format!(
            "the capture already holds {} MiB of bodies: not kept",
            limits.max_total >> 20
        ));
        return Some(0);
    }
    Some(match writer.finish() {
        Ok(file) if hop.parts.is_empty() => {
            hop.body = Some(Body::Spooled(file));
            hop.body_streamed = true;
            written
        }
        Ok(file) => {
            let mut parts = std::mem::take(&mut hop.parts);
            parts.push(file);
            hop.body = Some(Body::Parts(parts));
            hop.body_streamed = true;
            written
        }
        Err(e) => {
            hop.body_note = Some(format!(
                "the encrypted staging file could not be finished ({e}): not kept"
            ));
            0
        }
    })
}

fn decode(body: String, base64: bool) -> Result<Vec<u8>, String> {
    if base64 {
        data_encoding::BASE64
            .decode(body.as_bytes())
            .map_err(|e| e.to_string())
    } else {
        Ok(body.into_bytes())
    }
}

/// A DevTools `Headers` object as ordered pairs; a value holding several lines (how the
/// browser joins repeated headers such as `Set-Cookie`) becomes one pair per line.
fn headers(h: &Headers) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(map) = h.inner().as_object() {
        for (name, value) in map {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            for line in value.split('\n') {
                out.push((name.clone(), line.to_owned()));
            }
        }
    }
    out
}

fn wall_time(seconds: f64) -> DateTime<Utc> {
    let micros = (seconds * 1e6) as i64;
    Utc.timestamp_micros(micros).single().unwrap_or_else(Utc::now)
}
