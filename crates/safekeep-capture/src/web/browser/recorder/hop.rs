//! One request's hop and its body as it streams: the parts sealed so far, the writer,
//! and the caps a body must stay within.

use std::io::Write;
use std::sync::Arc;

use chromiumoxide::cdp::browser_protocol::network::{Request, Response};
use chrono::{DateTime, Utc};

use super::RecordLimits;
use crate::web::spool::{Body, Spool, SpoolWriter};

#[derive(Debug)]
pub(super) struct Hop {
    pub(super) key: u64,
    pub(super) request_id: String,
    pub(super) hop: usize,
    pub(super) request: Request,
    pub(super) sent_at: DateTime<Utc>,
    pub(super) resource_type: String,
    pub(super) response: Option<Response>,
    pub(super) body: Option<Body>,
    pub(super) body_note: Option<String>,
    /// The child target's session that reported it (a cross-site frame or a worker), on
    /// the recorder's second connection; `None` for the tab's own session.
    pub(super) session: Option<String>,
    /// A child's session that reported events of a request the tab's session reported:
    /// a cross-site frame's own navigation, whose body only the frame's session holds.
    pub(super) also: Option<String>,
    pub(super) stream: Streaming,
    /// Streamed parts already sealed: a capture taken while the body was still arriving
    /// took these as the body so far; the stream went on in a new file.
    pub(super) parts: Vec<crate::web::spool::Spooled>,
    /// Body bytes the browser said it received (`dataReceived`'s decoded lengths).
    pub(super) received: u64,
    /// `body` is the stream (see [`Recorded::body_streamed`]).
    pub(super) body_streamed: bool,
}

impl Hop {
    /// Bytes streamed so far, over every part.
    pub(super) fn streamed(&self) -> u64 {
        let parts: u64 = self.parts.iter().map(crate::web::spool::Spooled::len).sum();
        parts
            + match &self.stream {
                Streaming::On(w) => w.written(),
                _ => 0,
            }
    }

    /// Seals what has streamed so far as a part and goes on in a new file; returns the
    /// body so far. For a capture taken while the body is still arriving.
    pub(super) fn cut(&mut self, spool: &Arc<Spool>) -> Option<Body> {
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
pub(super) enum Streaming {
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

/// Appends a chunk to a streaming body, or gives the body up when it passes a cap or the
/// staging file fails. `total` is the bodies already kept by the recording.
pub(super) fn write_stream(hop: &mut Hop, chunk: &[u8], total: u64, limits: RecordLimits) {
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
pub(super) fn finish_stream(
    hop: &mut Hop,
    writer: SpoolWriter,
    total: u64,
    limits: RecordLimits,
) -> Option<u64> {
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
