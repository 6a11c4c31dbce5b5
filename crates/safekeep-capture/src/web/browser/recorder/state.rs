//! The recorder's state machine: what one tab's `Network` events (and its children's)
//! do to the recording, as plain methods that return what the event loop must start
//! (`Action`). Nothing here waits or talks to the browser, so it is tested from recorded
//! event sequences (`tests` below).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use chromiumoxide::cdp::browser_protocol::network::{
    EventDataReceived, EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent,
    EventRequestWillBeSentExtraInfo, EventResponseReceived, EventResponseReceivedExtraInfo, Headers,
    ResourceType, Response,
};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use super::frames;
use super::hop::{Hop, Streaming, finish_stream, write_stream};
use super::{RecordLimits, Recorded};
use crate::web::spool::{Body, Spool};

/// What the event loop must do after a state change.
#[derive(Debug)]
pub(super) enum Action {
    /// Read the finished body whole.
    Fetch(Target),
    /// Ask the browser to stream the body.
    Stream(Target),
}

/// The body an action is about.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) id: String,
    pub(super) key: u64,
    pub(super) generation: u64,
    /// See [`Hop::session`].
    pub(super) session: Option<String>,
    /// See [`Hop::also`].
    pub(super) also: Option<String>,
    /// A document (a frame's, when the tab's session cannot hand its body over).
    pub(super) document: bool,
}

impl Target {
    pub(super) fn of(hop: &Hop, generation: u64) -> Self {
        Self {
            id: hop.request_id.clone(),
            key: hop.key,
            generation,
            session: hop.session.clone(),
            also: hop.also.clone(),
            document: hop.resource_type == "Document",
        }
    }
}

/// Which headers an `…ExtraInfo` event gives: those the browser sent or received.
#[derive(Debug, Clone, Copy)]
pub(super) enum Extra {
    Request,
    Response,
}

#[derive(Debug)]
pub(super) enum Late {
    Response(Box<Response>),
    Finished,
    Failed(String),
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) generation: u64,
    /// The recording of the page still shown while a top-level navigation has not
    /// committed (see the module docs).
    pub(super) shown: Option<Box<State>>,
    /// The loader id of that navigation.
    pub(super) uncommitted: Option<String>,
    /// The loader id of the last document the main frame committed (its commit can be
    /// seen before its request: the events come on separate streams).
    pub(super) last_committed: Option<String>,
    pub(super) next_key: u64,
    pub(super) navigated_at: Option<DateTime<Utc>>,
    /// The hop now in progress for each request id.
    pub(super) open: HashMap<String, Hop>,
    /// Hops with a final answer (redirected, finished or failed).
    pub(super) done: Vec<Hop>,
    pub(super) hops: HashMap<String, usize>,
    pub(super) extra_request: HashMap<String, Vec<Vec<(String, String)>>>,
    pub(super) extra_response: HashMap<String, Vec<Vec<(String, String)>>>,
    pub(super) early: HashMap<String, VecDeque<Late>>,
    pub(super) failed: Vec<Value>,
    pub(super) bodies_pending: usize,
    /// Finished hops whose body the browser is still handing over.
    pub(super) fetching: std::collections::HashSet<u64>,
    pub(super) body_bytes: u64,
    pub(super) last_activity: Option<Instant>,
}

impl State {
    pub(super) fn on_request(
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
    pub(super) fn on_commit(&mut self, loader: &str) {
        self.last_committed = Some(loader.to_owned());
        if self.uncommitted.as_deref() == Some(loader) {
            self.uncommitted = None;
            self.shown = None;
        }
    }

    /// The recording of the page on screen: while a navigation has not committed, the
    /// one before it.
    pub(super) fn on_screen_mut(&mut self) -> &mut Self {
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
    pub(super) fn on_late(&mut self, id: &str, late: Late, limits: RecordLimits) -> Vec<Action> {
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
    pub(super) fn on_extra(&mut self, which: Extra, id: &str, given: &Headers) {
        let map = match which {
            Extra::Request => &mut self.extra_request,
            Extra::Response => &mut self.extra_response,
        };
        map.entry(id.to_owned()).or_default().push(headers(given));
    }

    /// A `Network` event of a cross-site frame or a worker of the tab ([`frames`]), as the
    /// tab's own events are handled.
    pub(super) fn on_child_event(
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
    pub(super) fn on_data(
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
    pub(super) fn on_stream(
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
    pub(super) fn generation_mut(&mut self, generation: u64) -> Option<&mut Self> {
        if self.generation == generation {
            Some(self)
        } else {
            self.shown.as_deref_mut().filter(|s| s.generation == generation)
        }
    }

    pub(super) fn recorded(&self, hop: &Hop, partial: Option<&Body>) -> Option<Recorded> {
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

/// A DevTools `Headers` object as ordered pairs; a value holding several lines (how the
/// browser joins repeated headers such as `Set-Cookie`) becomes one pair per line.
pub(super) fn headers(h: &Headers) -> Vec<(String, String)> {
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

/// The state machine replayed from event sequences as Chromium sends them (the DevTools
/// protocol's JSON), without a browser: each test feeds the events in the order they
/// arrived and checks what the event loop is told to do and what the capture would take.
#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const FRAME: &str = "F1";
    const LIMITS: RecordLimits = RecordLimits {
        max_body: 1 << 20,
        max_total: 4 << 20,
    };

    /// `Network.requestWillBeSent` for `id`: a top-level document when `loader == id` and
    /// the type is `Document`.
    fn request(
        id: &str,
        loader: &str,
        url: &str,
        kind: &str,
        redirect: Option<Value>,
    ) -> EventRequestWillBeSent {
        let mut e = json!({
            "requestId": id, "loaderId": loader, "documentURL": url,
            "request": {"url": url, "method": "GET", "headers": {"Accept": "*/*"},
                        "initialPriority": "High", "referrerPolicy": "strict-origin-when-cross-origin"},
            "timestamp": 1.0, "wallTime": 1_765_000_000.5, "initiator": {"type": "other"},
            "redirectHasExtraInfo": false, "type": kind, "frameId": FRAME,
        });
        if let Some(r) = redirect {
            e["redirectResponse"] = r;
        }
        serde_json::from_value(e).unwrap()
    }

    fn response(url: &str, status: i64, mime: &str) -> Value {
        json!({
            "url": url, "status": status, "statusText": "", "headers": {"Content-Type": mime},
            "mimeType": mime, "charset": "", "connectionReused": false, "connectionId": 1.0,
            "encodedDataLength": 10.0, "securityState": "secure", "protocol": "h2",
        })
    }

    fn answered(url: &str, status: i64, mime: &str) -> Late {
        Late::Response(Box::new(
            serde_json::from_value(response(url, status, mime)).unwrap(),
        ))
    }

    fn names(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .map(|a| match a {
                Action::Fetch(t) => format!("fetch {}", t.id),
                Action::Stream(t) => format!("stream {}", t.id),
            })
            .collect()
    }

    /// What a capture now would hold: the urls and statuses of the page on screen, in
    /// the order sent (as `Recorder::take` orders them).
    fn on_screen(s: &mut State) -> Vec<(String, u16)> {
        let s = s.on_screen_mut();
        let mut hops: Vec<&Hop> = s.done.iter().chain(s.open.values()).collect();
        hops.sort_by_key(|h| (h.sent_at, h.key));
        hops.into_iter()
            .filter_map(|h| s.recorded(h, None))
            .map(|r| (r.url, r.status))
            .collect()
    }

    #[test]
    fn a_page_and_its_picture_tell_the_loop_what_to_read_and_how() {
        let mut s = State::default();
        let doc = request("L1", "L1", "https://x.example/post", "Document", None);
        assert!(names(&s.on_request(&doc, FRAME, LIMITS, None)).is_empty());
        s.on_commit("L1");
        // A document's body is streamed as it arrives; a picture's is read whole once
        // finished (the browser's stream hands pictures over as nothing).
        let a = s.on_late("L1", answered("https://x.example/post", 200, "text/html"), LIMITS);
        assert_eq!(names(&a), ["stream L1"]);
        let img = request("R2", "L1", "https://x.example/p.png", "Image", None);
        s.on_request(&img, FRAME, LIMITS, None);
        assert!(
            names(&s.on_late(
                "R2",
                answered("https://x.example/p.png", 200, "image/png"),
                LIMITS
            ))
            .is_empty()
        );
        assert_eq!(names(&s.on_late("R2", Late::Finished, LIMITS)), ["fetch R2"]);
        // The document finishes before the browser answered the request to stream it:
        // no second read, but it counts as being handed over.
        assert!(names(&s.on_late("L1", Late::Finished, LIMITS)).is_empty());
        assert_eq!(s.bodies_pending, 2);
        assert_eq!(
            on_screen(&mut s),
            [
                ("https://x.example/post".to_owned(), 200),
                ("https://x.example/p.png".to_owned(), 200)
            ]
        );
    }

    #[test]
    fn a_navigation_that_never_commits_leaves_the_page_on_screen() {
        let mut s = State::default();
        s.on_request(
            &request("L1", "L1", "https://x.example/a", "Document", None),
            FRAME,
            LIMITS,
            None,
        );
        s.on_commit("L1");
        s.on_late("L1", answered("https://x.example/a", 200, "text/html"), LIMITS);
        s.on_late("L1", Late::Finished, LIMITS);
        // A link whose answer is a download: a new top-level request that never commits.
        s.on_request(
            &request("L2", "L2", "https://x.example/file.zip", "Document", None),
            FRAME,
            LIMITS,
            None,
        );
        s.on_late(
            "L2",
            answered("https://x.example/file.zip", 200, "application/zip"),
            LIMITS,
        );
        s.on_late("L2", Late::Failed("net::ERR_ABORTED".into()), LIMITS);
        assert_eq!(on_screen(&mut s), [("https://x.example/a".to_owned(), 200)]);
        // The next navigation commits: from then on the tab's recording is its own.
        s.on_request(
            &request("L3", "L3", "https://x.example/b", "Document", None),
            FRAME,
            LIMITS,
            None,
        );
        s.on_late("L3", answered("https://x.example/b", 200, "text/html"), LIMITS);
        assert_eq!(on_screen(&mut s), [("https://x.example/a".to_owned(), 200)]);
        s.on_commit("L3");
        assert_eq!(on_screen(&mut s), [("https://x.example/b".to_owned(), 200)]);
        // A commit seen before its own request (the events come on separate streams)
        // is not mistaken for an uncommitted navigation.
        s.on_commit("L4");
        s.on_request(
            &request("L4", "L4", "https://x.example/c", "Document", None),
            FRAME,
            LIMITS,
            None,
        );
        s.on_late("L4", answered("https://x.example/c", 200, "text/html"), LIMITS);
        assert_eq!(on_screen(&mut s), [("https://x.example/c".to_owned(), 200)]);
    }

    #[test]
    fn an_event_that_comes_before_its_request_waits_for_it() {
        let mut s = State::default();
        s.on_request(
            &request("L1", "L1", "https://x.example/", "Document", None),
            FRAME,
            LIMITS,
            None,
        );
        s.on_commit("L1");
        assert!(
            s.on_late(
                "R9",
                answered("https://x.example/api", 200, "application/json"),
                LIMITS
            )
            .is_empty()
        );
        let later = request("R9", "L1", "https://x.example/api", "Fetch", None);
        assert_eq!(names(&s.on_request(&later, FRAME, LIMITS, None)), ["stream R9"]);
        assert!(s.early.is_empty());
    }

    #[test]
    fn a_redirect_is_a_hop_of_its_own_with_no_body() {
        let mut s = State::default();
        s.on_request(
            &request("L1", "L1", "https://x.example/old", "Document", None),
            FRAME,
            LIMITS,
            None,
        );
        s.on_commit("L1");
        let moved = request(
            "L1",
            "L1",
            "https://x.example/new",
            "Document",
            Some(response("https://x.example/old", 301, "text/html")),
        );
        s.on_request(&moved, FRAME, LIMITS, None);
        s.on_late("L1", answered("https://x.example/new", 200, "text/html"), LIMITS);
        let hops = on_screen(&mut s);
        assert_eq!(
            hops,
            [
                ("https://x.example/old".to_owned(), 301),
                ("https://x.example/new".to_owned(), 200)
            ]
        );
        let redirect = &s.done[0];
        assert_eq!(redirect.body_note.as_deref(), Some("a redirect: no body kept"));
        assert_eq!((redirect.hop, s.open["L1"].hop), (0, 1));
    }

    #[test]
    fn a_streamed_body_is_kept_only_when_it_adds_up_to_what_the_browser_received() {
        let spool = Spool::new().unwrap();
        for (reported, expect_fetch) in [(5i64, false), (9, true)] {
            let mut s = State::default();
            s.on_request(
                &request("L1", "L1", "https://x.example/v", "Document", None),
                FRAME,
                LIMITS,
                None,
            );
            s.on_commit("L1");
            let target = match s
                .on_late("L1", answered("https://x.example/v", 200, "text/html"), LIMITS)
                .pop()
            {
                Some(Action::Stream(t)) => t,
                other => panic!("{other:?}"),
            };
            // Before the browser answers the request to stream: lengths only, then a
            // chunk that waits; the answer holds what it had buffered.
            s.on_data("L1", 2, None, LIMITS);
            s.on_data("L1", reported - 2, Some(Ok(b"cde".to_vec())), LIMITS);
            assert!(s.on_stream(&spool, &target, Ok(b"ab".to_vec()), LIMITS).is_none());
            let finished = s.on_late("L1", Late::Finished, LIMITS);
            if expect_fetch {
                // It streamed less than the browser received: read it whole instead.
                assert_eq!(names(&finished), ["fetch L1"]);
                assert!(s.done[0].body.is_none());
            } else {
                assert!(finished.is_empty());
                let hop = &s.done[0];
                assert!(hop.body_streamed);
                let mut got = Vec::new();
                match hop.body.as_ref().unwrap() {
                    Body::Spooled(f) => {
                        std::io::Read::read_to_end(&mut f.open().unwrap(), &mut got).unwrap();
                    }
                    other => panic!("{other:?}"),
                }
                assert_eq!(got, b"abcde");
                assert_eq!(s.body_bytes, 5);
            }
        }
    }

    #[test]
    fn a_body_over_the_cap_is_given_up_with_the_reason() {
        let spool = Spool::new().unwrap();
        let limits = RecordLimits {
            max_body: 4,
            max_total: 100,
        };
        let mut s = State::default();
        s.on_request(
            &request("L1", "L1", "https://x.example/v", "Document", None),
            FRAME,
            limits,
            None,
        );
        s.on_commit("L1");
        let Some(Action::Stream(target)) = s
            .on_late("L1", answered("https://x.example/v", 200, "text/html"), limits)
            .pop()
        else {
            panic!("no stream asked")
        };
        assert!(
            s.on_stream(&spool, &target, Ok(b"abcdef".to_vec()), limits)
                .is_none()
        );
        s.on_late("L1", Late::Finished, limits);
        let recorded = s.recorded(&s.done[0], None).unwrap();
        assert!(recorded.body.is_none());
        assert_eq!(recorded.body_note.as_deref(), Some("larger than 0 MiB: not kept"));
    }
}
