//! One tab: its session on the connection, and the page operations captures use.

use std::sync::Arc;
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, EventLoadEventFired, NavigateParams, PrintToPdfParams,
    Viewport,
};
use chromiumoxide::cdp::browser_protocol::target::{CloseTargetParams, GetTargetInfoParams, TargetId};
use chromiumoxide::types::{Command, MethodType};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::connection::{CdpError, Connection, EventStream};

/// What every tab of a browser is set up with.
#[derive(Debug)]
pub(crate) struct PageSetup {
    /// A fixed viewport, CSS pixels, at one device pixel each.
    pub viewport: Option<(u32, u32)>,
    /// The user agent to send instead of the browser's own.
    pub user_agent: Option<String>,
}

/// A tab, attached over its own session. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Page {
    conn: Connection,
    session: Arc<str>,
    target: Arc<str>,
    setup: Arc<PageSetup>,
}

/// Serializes the document as the browser holds it (doctype and DOM). Run in an
/// isolated world, so the page's own scripts cannot change what it returns.
const CONTENT: &str = "(() => { let s = ''; if (document.doctype) { s = new XMLSerializer().serializeToString(document.doctype); } if (document.documentElement) { s += document.documentElement.outerHTML; } return s; })()";

impl Page {
    pub(crate) fn new(conn: Connection, session: &str, target: &str, setup: Arc<PageSetup>) -> Self {
        Self {
            conn,
            session: session.into(),
            target: target.into(),
            setup,
        }
    }

    /// Turns on the events captures wait for and applies the browser's tab setup.
    pub(crate) async fn init(&self) -> Result<(), CdpError> {
        self.call_raw("Page.enable", json!({})).await?;
        if let Some((w, h)) = self.setup.viewport {
            self.execute(SetDeviceMetricsOverrideParams::new(
                i64::from(w),
                i64::from(h),
                1.0,
                false,
            ))
            .await?;
        }
        if let Some(ua) = &self.setup.user_agent {
            self.call_raw("Emulation.setUserAgentOverride", json!({"userAgent": ua}))
                .await?;
        }
        Ok(())
    }

    /// The user agent tabs send instead of the browser's own, when there is one (for the
    /// tab's frames and workers too).
    pub fn user_agent_override(&self) -> Option<&str> {
        self.setup.user_agent.as_deref()
    }

    /// The connection it is on.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Its session id.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// Its target id, which is also its main frame's id.
    pub fn target_id(&self) -> &str {
        &self.target
    }

    /// Runs a typed command on the tab's session.
    pub async fn execute<C: Command>(&self, cmd: C) -> Result<C::Response, CdpError> {
        self.conn.call(Some(&self.session), cmd).await
    }

    /// Runs `method` on the tab's session.
    pub async fn call_raw(&self, method: &str, params: Value) -> Result<Value, CdpError> {
        self.conn.call_raw(Some(&self.session), method, params).await
    }

    /// The tab's events of type `E`.
    pub fn event_listener<E: MethodType + DeserializeOwned>(&self) -> EventStream<E> {
        self.conn.listen(Some(&self.session))
    }

    /// Navigates and waits for the `load` event. A navigation the browser refuses (no
    /// such host, say) is an error.
    pub async fn goto(&self, url: &str) -> Result<(), CdpError> {
        let mut loaded = self.event_listener::<EventLoadEventFired>();
        let nav = self.execute(NavigateParams::new(url)).await?;
        if let Some(error) = nav.error_text.filter(|e| !e.is_empty()) {
            return Err(CdpError::Refused(error));
        }
        if nav.loader_id.is_none() {
            // Within the same document: there is no load to wait for.
            return Ok(());
        }
        loaded.next().await.map(drop).ok_or(CdpError::Closed)
    }

    /// Evaluates `expression` in the page's own world and returns its value.
    pub async fn evaluate(&self, expression: &str) -> Result<Value, CdpError> {
        self.evaluate_in(expression, None).await
    }

    /// Evaluates `expression` in a world of Safekeep's own beside the page's, where the
    /// page's scripts cannot change what the DOM's properties and methods return.
    pub async fn evaluate_isolated(&self, expression: &str) -> Result<Value, CdpError> {
        let world = self
            .call_raw(
                "Page.createIsolatedWorld",
                json!({"frameId": &*self.target, "worldName": "safekeep"}),
            )
            .await?;
        let context = world["executionContextId"]
            .as_i64()
            .ok_or_else(|| CdpError::Answer("no execution context".into()))?;
        self.evaluate_in(expression, Some(context)).await
    }

    async fn evaluate_in(&self, expression: &str, context: Option<i64>) -> Result<Value, CdpError> {
        let mut params = json!({"expression": expression, "returnByValue": true, "awaitPromise": true});
        if let Some(c) = context {
            params["contextId"] = c.into();
        }
        let mut answer = self.call_raw("Runtime.evaluate", params).await?;
        if let Some(e) = answer.get("exceptionDetails") {
            let text = e["exception"]["description"]
                .as_str()
                .or_else(|| e["text"].as_str())
                .unwrap_or("the script failed");
            return Err(CdpError::Refused(text.to_owned()));
        }
        Ok(answer["result"]["value"].take())
    }

    /// The address the tab shows.
    pub async fn url(&self) -> Result<String, CdpError> {
        Ok(self.info().await?.url)
    }

    /// The tab's title.
    pub async fn title(&self) -> Result<String, CdpError> {
        Ok(self.info().await?.title)
    }

    async fn info(&self) -> Result<chromiumoxide::cdp::browser_protocol::target::TargetInfo, CdpError> {
        let params = GetTargetInfoParams::builder()
            .target_id(TargetId::new(&*self.target))
            .build();
        Ok(self.conn.call(None, params).await?.target_info)
    }

    /// The document as HTML (see [`CONTENT`]).
    pub async fn content(&self) -> Result<String, CdpError> {
        match self.evaluate_isolated(CONTENT).await? {
            Value::String(s) => Ok(s),
            _ => Err(CdpError::Answer("the document could not be serialized".into())),
        }
    }

    /// Replaces the document with `html` (the welcome page).
    pub async fn set_content(&self, html: &str) -> Result<(), CdpError> {
        self.call_raw(
            "Page.setDocumentContent",
            json!({"frameId": &*self.target, "html": html}),
        )
        .await
        .map(drop)
    }

    /// Shows the tab in front.
    pub async fn bring_to_front(&self) -> Result<(), CdpError> {
        self.call_raw("Page.bringToFront", json!({})).await.map(drop)
    }

    /// The whole page, top to bottom, as PNG: the viewport is stretched to the page's
    /// height for the picture, then put back.
    pub async fn screenshot_full_page(&self) -> Result<Vec<u8>, CdpError> {
        let metrics = self.call_raw("Page.getLayoutMetrics", json!({})).await?;
        let size = &metrics["cssContentSize"];
        let (width, height) = (
            size["width"].as_f64().unwrap_or(0.0).ceil(),
            size["height"].as_f64().unwrap_or(0.0).ceil(),
        );
        #[allow(clippy::cast_possible_truncation)]
        self.execute(SetDeviceMetricsOverrideParams::new(
            width as i64,
            height as i64,
            1.0,
            false,
        ))
        .await?;
        let shot = self
            .execute(
                CaptureScreenshotParams::builder()
                    .format(CaptureScreenshotFormat::Png)
                    .clip(Viewport {
                        x: 0.0,
                        y: 0.0,
                        width,
                        height,
                        scale: 1.0,
                    })
                    .capture_beyond_viewport(true)
                    .build(),
            )
            .await;
        self.restore_viewport().await?;
        decode(AsRef::<[u8]>::as_ref(&shot?.data))
    }

    /// Puts the tab's viewport back as the browser set it up.
    async fn restore_viewport(&self) -> Result<(), CdpError> {
        match self.setup.viewport {
            Some((w, h)) => self
                .execute(SetDeviceMetricsOverrideParams::new(
                    i64::from(w),
                    i64::from(h),
                    1.0,
                    false,
                ))
                .await
                .map(drop),
            None => self
                .call_raw("Emulation.clearDeviceMetricsOverride", json!({}))
                .await
                .map(drop),
        }
    }

    /// The page printed to PDF.
    pub async fn pdf(&self, params: PrintToPdfParams) -> Result<Vec<u8>, CdpError> {
        let printed = self.execute(params).await?;
        decode(AsRef::<[u8]>::as_ref(&printed.data))
    }

    /// Closes the tab.
    pub async fn close(&self) -> Result<(), CdpError> {
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            self.conn
                .call(None, CloseTargetParams::new(TargetId::new(&*self.target))),
        )
        .await
        .map_err(|_| CdpError::Timeout)??;
        Ok(())
    }
}

fn decode(b64: &[u8]) -> Result<Vec<u8>, CdpError> {
    data_encoding::BASE64
        .decode(b64)
        .map_err(|e| CdpError::Answer(e.to_string()))
}
