//! The verifier inside `safekeep-verify.html` (docs/verify-in-a-browser.md): every check
//! of `safekeep_bundle::verify`, built for `wasm32-unknown-unknown`, reading the files a
//! person dropped on the page.
//!
//! The page's worker owns the `File` objects and reads slices of them on request
//! (`FileReaderSync`), so a 4 GiB bundle is never held whole: [`request`] turns the
//! worker's request into a [`safekeep_bundle::verify::Bundle`] over a [`request::Reader`],
//! and `wasm` is the thin boundary with the page (linear-memory buffers, three imports).

#![deny(missing_docs)]

pub mod request;
#[cfg(target_arch = "wasm32")]
mod wasm;
