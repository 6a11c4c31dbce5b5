//! Cross-site frames and workers of a tab. Chromium runs a frame from another site (an
//! embedded post, a video player) and every dedicated worker as a DevTools target of its
//! own, whose requests the tab's session never reports. chromiumoxide attaches to those
//! targets but has no way to send them commands, so the recorder follows them over a
//! second DevTools connection of its own:
//!
//! 1. attach to the tab (`Target.attachToTarget`, flat sessions);
//! 2. on that session, `Target.setAutoAttach` with `waitForDebuggerOnStart`: every child
//!    the tab gets is attached to this connection too, held before it runs;
//! 3. on each child that is a frame or a worker: `Network.enable`, the same auto-attach
//!    (for its own children), then `Runtime.runIfWaitingForDebugger`. Commands on one
//!    session run in order, so recording is on before the child loads anything; the
//!    browser holds a child until every client that asked to hold it lets it run.
//!
//! The children's `Network` events go to the tab's recorder, which reads or streams
//! their bodies back through the child's session ([`Children::call`]). Service workers
//! and shared workers serve many tabs: they are let run, not recorded (a page's request a
//! service worker answered is in the tab's own recording, with the body it got).

use std::collections::HashMap;

use async_tungstenite::tokio::connect_async_with_config;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use chromiumoxide::types::MethodId;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

/// Child target types whose traffic belongs to the tab.
const RECORDED: [&str; 2] = ["iframe", "worker"];

/// A `Network` event of a child target.
#[derive(Debug)]
pub struct ChildEvent {
    /// The child's session on the second connection.
    pub session: String,
    /// E.g. `Network.requestWillBeSent`.
    pub method: String,
    /// The event's parameters.
    pub params: Value,
}

type Reply = oneshot::Sender<Result<Value, String>>;

/// Sends commands to the tab's children over the second connection.
#[derive(Debug, Clone)]
pub struct Children {
    commands: mpsc::UnboundedSender<(String, MethodId, Value, Reply)>,
}

impl Children {
    /// Runs `method` on a child's session and returns its result.
    pub async fn call(&self, session: &str, method: MethodId, params: Value) -> Result<Value, String> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send((session.to_owned(), method, params, tx))
            .map_err(|_| "the connection to the frame was closed".to_owned())?;
        rx.await
            .map_err(|_| "the connection to the frame was closed".to_owned())?
    }
}

/// Follows the children of the tab `target` of the browser at `ws_url`. `network` is the
/// `Network.enable` parameters the tab got. Returns the command handle, the children's
/// events and the task running the connection (abort it to stop).
pub async fn follow(
    ws_url: &str,
    target: &str,
    network: Value,
) -> Result<
    (
        Children,
        mpsc::UnboundedReceiver<ChildEvent>,
        tokio::task::JoinHandle<()>,
    ),
    String,
> {
    let config = WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let (ws, _) = connect_async_with_config(ws_url, Some(config))
        .await
        .map_err(|e| format!("a second connection to the browser could not be made ({e})"))?;
    let (sink, mut stream) = ws.split();
    let (events, event_rx) = mpsc::unbounded_channel();
    let mut conn = Conn {
        sink,
        id: 0,
        pending: HashMap::new(),
        events,
        network,
        tab: String::new(),
    };
    // Events that come before an answer (a child attached meanwhile, held until it is
    // let run) are handled after it, never dropped.
    let mut backlog = Vec::new();
    let attach = conn
        .send(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        )
        .await?;
    conn.tab = answer(&mut stream, attach, &mut backlog).await?["sessionId"]
        .as_str()
        .ok_or("the browser did not attach to the tab")?
        .to_owned();
    let tab = conn.tab.clone();
    let auto = conn
        .send(Some(&tab), "Target.setAutoAttach", auto_attach())
        .await?;
    answer(&mut stream, auto, &mut backlog).await?;
    let (commands, mut command_rx) = mpsc::unbounded_channel::<(String, MethodId, Value, Reply)>();
    let task = tokio::spawn(async move {
        for msg in backlog {
            if !conn.handle(msg).await {
                return;
            }
        }
        loop {
            tokio::select! {
                message = stream.next() => {
                    let text = match message {
                        Some(Ok(Message::Text(t))) => t,
                        Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                        Some(Ok(_)) => continue,
                    };
                    let Ok(msg) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                    if !conn.handle(msg).await {
                        break;
                    }
                }
                Some((session, method, params, reply)) = command_rx.recv() => {
                    match conn.send(Some(&session), &method, params).await {
                        Ok(id) => { conn.pending.insert(id, reply); }
                        Err(e) => { let _ = reply.send(Err(e)); }
                    }
                }
            }
        }
    });
    Ok((Children { commands }, event_rx, task))
}

/// The second connection's state.
struct Conn<S> {
    sink: S,
    id: u64,
    pending: HashMap<u64, Reply>,
    events: mpsc::UnboundedSender<ChildEvent>,
    network: Value,
    /// The tab's own session.
    tab: String,
}

impl<S> Conn<S>
where
    S: SinkExt<Message> + Unpin,
    S::Error: std::fmt::Display,
{
    /// Sends a command; returns its id.
    async fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<u64, String> {
        self.id += 1;
        send_text(&mut self.sink, &command(self.id, session, method, params)).await?;
        Ok(self.id)
    }

    /// One message from the browser: an answer, a child attached, a child's event.
    /// Returns `false` when the connection is of no more use.
    async fn handle(&mut self, msg: Value) -> bool {
        if let Some(n) = msg["id"].as_u64() {
            if let Some(reply) = self.pending.remove(&n) {
                let _ = reply.send(result(msg));
            }
            return true;
        }
        let method = msg["method"].as_str().unwrap_or_default();
        if method == "Target.attachedToTarget" {
            let child = msg["params"]["sessionId"].as_str().unwrap_or_default().to_owned();
            let kind = msg["params"]["targetInfo"]["type"].as_str().unwrap_or_default();
            let mut steps = Vec::new();
            if RECORDED.contains(&kind) {
                steps.push(("Network.enable", self.network.clone()));
                steps.push(("Target.setAutoAttach", auto_attach()));
            }
            steps.push(("Runtime.runIfWaitingForDebugger", json!({})));
            for (method, params) in steps {
                if self.send(Some(&child), method, params).await.is_err() {
                    return false;
                }
            }
        } else if method.starts_with("Network.")
            && let Some(session) = msg["sessionId"].as_str()
            && session != self.tab
        {
            let event = ChildEvent {
                session: session.to_owned(),
                method: method.to_owned(),
                params: msg["params"].clone(),
            };
            return self.events.send(event).is_ok();
        }
        true
    }
}

fn command(id: u64, session: Option<&str>, method: &str, params: Value) -> Value {
    let mut msg = json!({"id": id, "method": method, "params": params});
    if let Some(s) = session {
        msg["sessionId"] = s.into();
    }
    msg
}

fn auto_attach() -> Value {
    json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true})
}

async fn send_text<S>(sink: &mut S, msg: &Value) -> Result<(), String>
where
    S: SinkExt<Message> + Unpin,
    S::Error: std::fmt::Display,
{
    sink.send(Message::Text(msg.to_string().into()))
        .await
        .map_err(|e| format!("the second connection to the browser failed ({e})"))
}

/// Reads messages until the answer to command `id`; the others go to `backlog`.
async fn answer<S>(stream: &mut S, id: u64, backlog: &mut Vec<Value>) -> Result<Value, String>
where
    S: StreamExt<Item = Result<Message, async_tungstenite::tungstenite::Error>> + Unpin,
{
    let wait = async {
        while let Some(message) = stream.next().await {
            let Ok(Message::Text(text)) = message else {
                continue;
            };
            let Ok(msg) = serde_json::from_str::<Value>(text.as_str()) else {
                continue;
            };
            if msg["id"].as_u64() == Some(id) {
                return result(msg);
            }
            backlog.push(msg);
        }
        Err("the browser closed the second connection".to_owned())
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), wait)
        .await
        .map_err(|_| "the browser did not answer on the second connection".to_owned())?
}

fn result(mut msg: Value) -> Result<Value, String> {
    match msg.get("error") {
        Some(e) => Err(e["message"].as_str().unwrap_or("the browser refused").to_owned()),
        None => Ok(msg["result"].take()),
    }
}
