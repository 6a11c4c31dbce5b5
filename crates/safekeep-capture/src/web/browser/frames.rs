//! Cross-site frames and workers of a tab. Chromium runs a frame from another site (an
//! embedded post, a video player) and every dedicated worker as a DevTools target of its
//! own, whose requests the tab's session never reports. The recorder follows them on
//! the same pipe ([`crate::web::cdp`]), each on a session of its own:
//!
//! 1. on the tab's session, `Target.setAutoAttach` with `waitForDebuggerOnStart`: every
//!    child the tab gets is attached (flat sessions), held before it runs;
//! 2. on each child that is a frame or a worker: `Network.enable`, the tab's user agent,
//!    the same auto-attach (for its own children), then `Runtime.runIfWaitingForDebugger`.
//!    Commands on one session run in order, so recording is on before the child loads
//!    anything.
//!
//! The children's `Network` events go to the tab's recorder, which reads or streams
//! their bodies back through the child's session ([`Children::call`]). Service workers
//! and shared workers serve many tabs: they are let run, not recorded (a page's request a
//! service worker answered is in the tab's own recording, with the body it got).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chromiumoxide::types::MethodId;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::web::cdp::{Connection, Page, RawEvent, Sessions};

/// Child target types whose traffic belongs to the tab.
const RECORDED: [&str; 2] = ["iframe", "worker"];

/// A `Network` event of a child target.
#[derive(Debug)]
pub struct ChildEvent {
    /// The child's session.
    pub session: String,
    /// E.g. `Network.requestWillBeSent`.
    pub method: String,
    /// The event's parameters.
    pub params: Value,
}

/// Sends commands to the tab's children.
#[derive(Debug, Clone)]
pub struct Children {
    conn: Connection,
}

impl Children {
    /// Runs `method` on a child's session and returns its result.
    pub async fn call(&self, session: &str, method: MethodId, params: Value) -> Result<Value, String> {
        self.conn
            .call_raw(Some(session), &method, params)
            .await
            .map_err(|e| format!("the frame did not answer ({e})"))
    }
}

/// Follows the children of the tab `page`. `network` is the `Network.enable` parameters
/// the tab got. Returns the command handle, the children's events and the task that
/// sets children up as they attach (abort it to stop).
pub async fn follow(
    page: &Page,
    network: Value,
) -> Result<
    (
        Children,
        mpsc::UnboundedReceiver<ChildEvent>,
        tokio::task::JoinHandle<()>,
    ),
    String,
> {
    let conn = page.connection().clone();
    let children: Arc<Mutex<HashSet<String>>> = Arc::default();
    let parents: Arc<Mutex<HashSet<String>>> = Arc::default();
    lock(&parents).insert(page.session().to_owned());
    let mut attached = conn.listen_raw(
        Sessions::Set(Arc::clone(&parents)),
        Some(&["Target.attachedToTarget"]),
    );
    let mut child_events = conn.listen_raw(Sessions::Set(Arc::clone(&children)), None);
    page.call_raw("Target.setAutoAttach", auto_attach())
        .await
        .map_err(|e| format!("the browser would not report the tab's frames ({e})"))?;
    let (events, event_rx) = mpsc::unbounded_channel();
    let user_agent = page.user_agent_override().map(str::to_owned);
    let task_conn = conn.clone();
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                biased;
                Some(e) = attached.recv() => {
                    let child = e.params["sessionId"].as_str().unwrap_or_default().to_owned();
                    let kind = e.params["targetInfo"]["type"].as_str().unwrap_or_default();
                    let mut steps = Vec::new();
                    if RECORDED.contains(&kind) {
                        lock(&children).insert(child.clone());
                        lock(&parents).insert(child.clone());
                        steps.push(("Network.enable", network.clone()));
                        if let Some(ua) = &user_agent {
                            steps.push(("Network.setUserAgentOverride", json!({"userAgent": ua})));
                        }
                        steps.push(("Target.setAutoAttach", auto_attach()));
                    }
                    steps.push(("Runtime.runIfWaitingForDebugger", json!({})));
                    // Sent without waiting: commands of one session run in order.
                    for (method, params) in steps {
                        if task_conn.send(Some(&child), method, params).is_err() {
                            return;
                        }
                    }
                }
                Some(RawEvent { session, method, params }) = child_events.recv() => {
                    if let Some(session) = session.filter(|_| method.starts_with("Network.")) {
                        let event = ChildEvent { session, method, params };
                        if events.send(event).is_err() {
                            return;
                        }
                    }
                }
                else => return,
            }
        }
    });
    Ok((Children { conn }, event_rx, task))
}

fn auto_attach() -> Value {
    json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true})
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
