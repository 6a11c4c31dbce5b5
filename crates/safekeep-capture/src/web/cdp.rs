//! The DevTools protocol over a pipe: how Safekeep drives Chromium, Chrome or Edge
//! without the browser listening on any network port (docs/security.md § "Safekeep's
//! browser").
//!
//! A browser started with `--remote-debugging-port` accepts, from any account on the
//! computer and any app allowed to use the network, a connection that can read every
//! cookie and drive every logged-in tab, without a password. Started with
//! `--remote-debugging-pipe`, it speaks the protocol only on two file descriptors it
//! inherits from Safekeep (3: commands in, 4: answers and events out); on Windows, two
//! inherited pipe handles (`--remote-debugging-io-pipes`). Nothing else can reach it.
//!
//! The message types are chromiumoxide's (generated from the protocol's definition);
//! the transport, sessions and the few page operations Safekeep needs are here.

mod browser;
mod connection;
mod page;

pub use browser::{Browser, Launch};
pub use connection::{CdpError, Connection, EventStream, RawEvent, Sessions};
pub use page::Page;
