//! Perceptual fingerprints (PDQ) of new pictures, made in the background: an import or
//! capture returns as soon as its files are sealed, and this thread hashes the queued
//! pictures on the cores the page is not using. The vault is held only to read the
//! queue and to store results, never while a picture is decoded, so the app stays
//! responsive; the queue lives in the vault, so closing the app loses nothing.

use std::num::NonZero;
use std::time::Duration;

use safekeep_core::vault::fingerprint_all;
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// How often an idle worker looks at the queue.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Starts the worker. Background work: it never counts as use (no auto-lock delay).
pub fn spawn_worker(app: AppHandle) {
    std::thread::spawn(move || {
        // Leave one core to the page and the commands.
        let threads =
            std::thread::available_parallelism().map_or(1, |n| NonZero::get(n).saturating_sub(1).max(1));
        loop {
            let state = app.state::<AppState>();
            let work = state.in_background(|v| {
                v.fingerprints_waiting(threads * 2)
                    .map(|w| (w, v.blobs().clone()))
            });
            let Some(Ok((batch, store))) = work.filter(|w| w.as_ref().is_ok_and(|(b, _)| !b.is_empty()))
            else {
                if !fingerprint_one_video(&app) {
                    std::thread::sleep(IDLE_POLL);
                }
                continue;
            };
            let done = fingerprint_all(&store, &batch, threads);
            // The vault may have been locked meanwhile: then the results wait for the next unlock.
            state.in_background(|v| v.store_fingerprints(&done));
        }
    });
}

/// Fingerprints the oldest waiting video, if there is one and FFmpeg is installed;
/// whether one was done.
fn fingerprint_one_video(app: &AppHandle) -> bool {
    let Some(ffmpeg) = safekeep_core::vpdq::ffmpeg_on_path() else {
        return false;
    };
    let state = app.state::<AppState>();
    let work = state.in_background(|v| v.videos_waiting(1).map(|mut w| (w.pop(), v.blobs().clone())));
    let Some(Ok((Some(video), store))) = work else {
        return false;
    };
    let frames = safekeep_core::vault::video_fingerprint_of(&store, &video, &ffmpeg);
    state
        .in_background(|v| v.store_video_fingerprint(&video, frames.as_deref()))
        .is_some_and(|r| r.is_ok())
}
