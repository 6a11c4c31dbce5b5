//! The boundary with the page's worker (`page/worker.js`): three imports the worker
//! provides and four exports it calls. Everything crossing it is bytes in this module's
//! linear memory; nothing else of the page is reachable from here, and the page gives
//! this module no network, no storage and no DOM.

#![allow(unsafe_code)]

use std::io;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::request::{self, Reader};

#[link(wasm_import_module = "safekeep")]
unsafe extern "C" {
    /// Copies up to `len` bytes of file `file` from `offset` to `dst`; returns how many
    /// (0 at the end), or -1 when the browser could not read the file.
    fn read_at(file: u32, offset: f64, dst: *mut u8, len: u32) -> f64;
    /// Bytes read so far, for the progress bar.
    fn progress(bytes: f64);
    /// Fills `len` bytes at `dst` from the browser's `crypto.getRandomValues`.
    fn random(dst: *mut u8, len: u32);
}

struct Page;

impl Reader for Page {
    fn read_at(&self, file: u32, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: `buf` is valid for `len` bytes of writes; the worker writes at most `len`.
        let n = unsafe { read_at(file, offset as f64, buf.as_mut_ptr(), len) };
        if n < 0.0 {
            return Err(io::Error::other(
                "the browser could not read the file (was it moved or changed?)",
            ));
        }
        Ok((n as usize).min(buf.len()))
    }
}

/// A buffer of `len` bytes for the worker to write the request into.
#[unsafe(no_mangle)]
pub extern "C" fn sk_alloc(len: u32) -> *mut u8 {
    let mut v = vec![0u8; len as usize].into_boxed_slice();
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

/// Frees a buffer from [`sk_alloc`] or an answer from [`sk_verify`].
///
/// # Safety
/// `ptr` and `len` are exactly what [`sk_alloc`] was given and returned, or what
/// [`sk_verify`] and [`sk_answer_len`] returned, and it is freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sk_free(ptr: *mut u8, len: u32) {
    // SAFETY: the caller passes a buffer made by `sk_alloc`/`sk_verify` (a boxed slice).
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len as usize)) });
}

static ANSWER_LEN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Verifies what the request (UTF-8 JSON at `ptr`, `len` bytes, freed here) names;
/// returns the answer's address, its length from [`sk_answer_len`].
///
/// # Safety
/// `ptr`/`len` is a buffer from [`sk_alloc`] holding the request.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sk_verify(ptr: *mut u8, len: u32) -> *mut u8 {
    // SAFETY: per the contract above, a boxed slice from `sk_alloc`; taken back once.
    let bytes =
        Zeroizing::new(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len as usize)) });
    // The request may hold a passphrase: neither copy outlives the check.
    let text = Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
    drop(bytes);
    let report = |n: u64| {
        // SAFETY: a plain number to the worker.
        unsafe { progress(n as f64) }
    };
    let answer = request::answer(&text, Arc::new(Page), &report)
        .into_bytes()
        .into_boxed_slice();
    ANSWER_LEN.store(answer.len() as u32, std::sync::atomic::Ordering::Relaxed);
    Box::into_raw(answer).cast::<u8>()
}

/// The length of the last answer.
#[unsafe(no_mangle)]
pub extern "C" fn sk_answer_len() -> u32 {
    ANSWER_LEN.load(std::sync::atomic::Ordering::Relaxed)
}

/// Randomness for crates that ask for it: the browser's.
fn fill_random(dst: &mut [u8]) -> Result<(), getrandom02::Error> {
    // SAFETY: `dst` is valid for `dst.len()` bytes of writes.
    unsafe { random(dst.as_mut_ptr(), dst.len() as u32) };
    Ok(())
}

getrandom02::register_custom_getrandom!(fill_random);
