//! One DevTools connection over the browser's pipe: commands out, answers and events in.
//!
//! The pipe carries JSON messages each ended by a NUL byte (Chromium's
//! `--remote-debugging-pipe`). Every session (the browser's, each tab's, each frame's
//! and worker's) shares it, told apart by `sessionId` (flat sessions). One thread reads
//! and hands each message out in the order it came: an answer to the command waiting for
//! it, an event to every listener whose filter takes it, so each listener sees its
//! events in the browser's order. One thread writes.
//!
//! Invariant: when the browser ends (the pipe closes), every waiting command fails and
//! every listener's stream ends, so nothing waits for a browser that is gone.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use chromiumoxide::types::{Command, MethodType};
use futures_util::Stream;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

/// Largest message accepted from the browser (a full-page screenshot or a body in
/// base64 can be large; a runaway one must not take all memory).
const MAX_MESSAGE: u64 = 512 << 20;

/// Which sessions a listener hears.
#[derive(Debug, Clone)]
pub enum Sessions {
    /// The browser's own (messages without a session).
    Browser,
    /// One session.
    One(String),
    /// Any session in a set that grows (a tab's frames and workers as they attach).
    Set(Arc<Mutex<HashSet<String>>>),
}

impl Sessions {
    fn takes(&self, session: Option<&str>) -> bool {
        match (self, session) {
            (Self::Browser, None) => true,
            (Self::One(s), Some(t)) => s == t,
            (Self::Set(set), Some(t)) => lock(set).contains(t),
            _ => false,
        }
    }
}

/// An event as it came: its session, method and parameters.
#[derive(Debug, Clone)]
pub struct RawEvent {
    /// The session it belongs to (`None`: the browser's).
    pub session: Option<String>,
    /// E.g. `Network.requestWillBeSent`.
    pub method: String,
    /// Its parameters.
    pub params: Value,
}

struct Listener {
    sessions: Sessions,
    /// `None`: every method.
    methods: Option<Vec<String>>,
    tx: mpsc::UnboundedSender<RawEvent>,
}

type Reply = oneshot::Sender<Result<Value, CdpError>>;

#[derive(Default)]
struct Shared {
    pending: Mutex<HashMap<u64, Reply>>,
    listeners: Mutex<Vec<Listener>>,
    closed: AtomicBool,
    next_id: AtomicU64,
}

/// What went wrong with a command.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CdpError {
    /// The browser refused the command, saying why.
    #[error("{0}")]
    Refused(String),
    /// The browser ended or closed the connection.
    #[error("the browser has closed")]
    Closed,
    /// No answer in time.
    #[error("the browser did not answer in time")]
    Timeout,
    /// An answer that is not what the protocol says.
    #[error("the browser's answer could not be read ({0})")]
    Answer(String),
}

/// A connection to one browser; cheap to clone.
#[derive(Clone)]
pub struct Connection {
    shared: Arc<Shared>,
    out: mpsc::UnboundedSender<Vec<u8>>,
    timeout: Duration,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Starts the reader and writer threads over the browser's pipe ends: `from_browser`
    /// is what the browser writes (its fd 4), `to_browser` what it reads (its fd 3).
    /// Commands not answered within `timeout` fail.
    pub fn start(
        from_browser: impl Read + Send + 'static,
        to_browser: impl Write + Send + 'static,
        timeout: Duration,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let (out, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let reader_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("safekeep-cdp-read".into())
            .spawn(move || read_loop(from_browser, &reader_shared))?;
        let writer_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("safekeep-cdp-write".into())
            .spawn(move || {
                let mut to_browser = to_browser;
                while let Some(mut msg) = out_rx.blocking_recv() {
                    msg.push(0);
                    if to_browser
                        .write_all(&msg)
                        .and_then(|()| to_browser.flush())
                        .is_err()
                    {
                        break;
                    }
                }
                close(&writer_shared);
            })?;
        Ok(Self { shared, out, timeout })
    }

    /// Whether the browser has gone.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// Runs a typed command on `session` (`None`: the browser) and returns its answer.
    pub async fn call<C: Command>(&self, session: Option<&str>, cmd: C) -> Result<C::Response, CdpError> {
        let params = serde_json::to_value(&cmd).map_err(|e| CdpError::Answer(e.to_string()))?;
        let result = self.call_raw(session, &cmd.identifier(), params).await?;
        C::response_from_value(result).map_err(|e| CdpError::Answer(e.to_string()))
    }

    /// Runs `method` with `params` on `session` and returns the answer's `result`.
    pub async fn call_raw(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, CdpError> {
        let rx = self.send(session, method, params)?;
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(CdpError::Closed),
            Err(_) => Err(CdpError::Timeout),
        }
    }

    /// Sends a command without waiting for its answer; the answer arrives on the
    /// returned channel.
    pub fn send(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<oneshot::Receiver<Result<Value, CdpError>>, CdpError> {
        if self.is_closed() {
            return Err(CdpError::Closed);
        }
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = s.into();
        }
        let (tx, rx) = oneshot::channel();
        lock(&self.shared.pending).insert(id, tx);
        if self.out.send(msg.to_string().into_bytes()).is_err() {
            lock(&self.shared.pending).remove(&id);
            return Err(CdpError::Closed);
        }
        Ok(rx)
    }

    /// Every event of `sessions` whose method is one of `methods` (all when `None`), in
    /// the order the browser sent them. The stream ends when the browser does.
    pub fn listen_raw(
        &self,
        sessions: Sessions,
        methods: Option<&[&str]>,
    ) -> mpsc::UnboundedReceiver<RawEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        if !self.is_closed() {
            lock(&self.shared.listeners).push(Listener {
                sessions,
                methods: methods.map(|m| m.iter().map(|s| (*s).to_owned()).collect()),
                tx,
            });
        }
        rx
    }

    /// The events of type `E` on `session` (`None`: the browser's), typed.
    pub fn listen<E>(&self, session: Option<&str>) -> EventStream<E>
    where
        E: MethodType + DeserializeOwned,
    {
        let sessions = session.map_or(Sessions::Browser, |s| Sessions::One(s.to_owned()));
        let method = E::method_id();
        EventStream {
            rx: self.listen_raw(sessions, Some(&[method.as_ref()])),
            kind: PhantomData,
        }
    }
}

/// Typed events; ends when the browser does. Events that do not parse are skipped.
#[derive(Debug)]
pub struct EventStream<E> {
    rx: mpsc::UnboundedReceiver<RawEvent>,
    kind: PhantomData<fn() -> E>,
}

impl<E: DeserializeOwned> Stream for EventStream<E> {
    type Item = Arc<E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(raw)) => {
                    if let Ok(e) = serde_json::from_value::<E>(raw.params) {
                        return Poll::Ready(Some(Arc::new(e)));
                    }
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

fn read_loop(from_browser: impl Read, shared: &Shared) {
    let mut reader = BufReader::with_capacity(1 << 16, from_browser);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match (&mut reader).take(MAX_MESSAGE).read_until(0, &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if buf.last() != Some(&0) {
            // Cut off by the cap, or the pipe ended mid-message: the connection can no
            // longer be read in step.
            break;
        }
        buf.pop();
        let Ok(msg) = serde_json::from_slice::<Value>(&buf) else {
            continue;
        };
        dispatch(shared, msg);
    }
    close(shared);
}

fn dispatch(shared: &Shared, mut msg: Value) {
    if let Some(id) = msg.get("id").and_then(Value::as_u64) {
        if let Some(reply) = lock(&shared.pending).remove(&id) {
            let answer = match msg.get("error") {
                Some(e) => Err(CdpError::Refused(
                    e["message"].as_str().unwrap_or("the browser refused").to_owned(),
                )),
                None => Ok(msg["result"].take()),
            };
            let _ = reply.send(answer);
        }
        return;
    }
    let Some(method) = msg.get("method").and_then(Value::as_str).map(str::to_owned) else {
        return;
    };
    let session = msg.get("sessionId").and_then(Value::as_str).map(str::to_owned);
    let params = msg["params"].take();
    let mut listeners = lock(&shared.listeners);
    listeners.retain(|l| !l.tx.is_closed());
    let takers: Vec<&Listener> = listeners
        .iter()
        .filter(|l| {
            l.sessions.takes(session.as_deref()) && l.methods.as_ref().is_none_or(|m| m.contains(&method))
        })
        .collect();
    // The last taker gets the parameters themselves; only the others get copies (a
    // streamed body's chunk usually has one taker).
    if let Some((last, rest)) = takers.split_last() {
        for l in rest {
            let _ = l.tx.send(RawEvent {
                session: session.clone(),
                method: method.clone(),
                params: params.clone(),
            });
        }
        let _ = last.tx.send(RawEvent {
            session,
            method,
            params,
        });
    }
}

fn close(shared: &Shared) {
    shared.closed.store(true, Ordering::Release);
    for (_, reply) in lock(&shared.pending).drain() {
        let _ = reply.send(Err(CdpError::Closed));
    }
    lock(&shared.listeners).clear();
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A browser's side of the pipe played by the test: reads commands, answers with
    /// what the test scripts.
    #[tokio::test]
    async fn answers_and_events_reach_their_waiters_in_order_and_a_closed_pipe_ends_all() {
        let (from_browser_r, mut from_browser_w) = std::io::pipe().expect("pipe");
        let (to_browser_r, to_browser_w) = std::io::pipe().expect("pipe");
        let conn = Connection::start(from_browser_r, to_browser_w, Duration::from_secs(5)).expect("start");
        let mut events = conn.listen_raw(Sessions::One("S1".into()), Some(&["Network.dataReceived"]));
        let mut others = conn.listen_raw(Sessions::Browser, None);
        let browser = std::thread::spawn(move || {
            let mut commands = BufReader::new(to_browser_r);
            let mut buf = Vec::new();
            commands.read_until(0, &mut buf).expect("command");
            buf.pop();
            let cmd: Value = serde_json::from_slice(&buf).expect("json");
            assert_eq!(cmd["method"], "Browser.getVersion");
            assert_eq!(cmd["sessionId"], "S1");
            let mut say = |v: Value| {
                from_browser_w.write_all(v.to_string().as_bytes()).expect("write");
                from_browser_w.write_all(&[0]).expect("nul");
            };
            say(json!({"method": "Network.dataReceived", "sessionId": "S1", "params": {"n": 1}}));
            say(json!({"method": "Network.dataReceived", "sessionId": "S2", "params": {"n": 9}}));
            say(json!({"method": "Target.targetCreated", "params": {"n": 3}}));
            say(json!({"method": "Network.dataReceived", "sessionId": "S1", "params": {"n": 2}}));
            say(json!({"id": cmd["id"], "result": {"product": "Chrome/1"}}));
            drop(from_browser_w);
        });
        let answer = conn
            .call_raw(Some("S1"), "Browser.getVersion", json!({}))
            .await
            .expect("answer");
        assert_eq!(answer["product"], "Chrome/1");
        assert_eq!(events.recv().await.expect("1").params["n"], 1);
        assert_eq!(events.recv().await.expect("2").params["n"], 2);
        assert_eq!(others.recv().await.expect("3").params["n"], 3);
        browser.join().expect("browser");
        assert!(events.recv().await.is_none(), "the stream ends with the pipe");
        let late = conn.call_raw(None, "Browser.close", json!({})).await;
        assert!(matches!(late, Err(CdpError::Closed)), "{late:?}");
    }
}
