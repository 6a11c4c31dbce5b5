//! "Receive from a phone": a LocalSend v2 receiver that streams what a phone sends
//! straight into a case, sealed as it arrives (docs/capture.md § "From a phone").
//!
//! The receiver exists only between [`Receiver::start`] and [`Receiver::stop`] (or its
//! drop): the app starts it while the "Receive from a phone" screen is open and stops it
//! on Cancel, lock, auto-lock and quick exit; the CLI while `safekeep receive` runs. Once
//! stopped, nothing listens: the port is closed and no announcement is sent.
//!
//! Who may send is settled three ways, because the abuser may be on the same network:
//! the PIN shown on screen (always required, limited attempts), the person accepting
//! each transfer (unless they chose "accept from this phone" for the run), and limits on
//! size and count. What the phone says (names, dates, hashes, its model) is recorded as
//! what the phone said, never used as a path or trusted as fact.

mod discovery;
pub mod protocol;
mod server;
pub mod session;
mod store;
pub mod tls;

use safekeep_core::Coded;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use safekeep_core::vault::Vault;
use serde::Serialize;

pub use session::{AliasError, Limits, Pin, check_alias, neutral_alias};

/// LocalSend's port, for HTTPS and multicast alike.
pub const DEFAULT_PORT: u16 = 53317;

/// LocalSend's multicast group.
pub const MULTICAST_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 167);

/// What the source of a received item is called in its capture record.
pub const SOURCE: &str = "phone, received with LocalSend";

/// Gives the receiver the open vault for a moment, or says it is locked.
///
/// The CLI holds its vault in a mutex; the app in its state, where it becomes `None` on
/// lock. Files are staged and sealed inside `with_vault`, so the vault stays open for
/// the whole of one file.
pub trait VaultAccess: Send + Sync + 'static {
    /// Runs `f` with the vault; returns `false` without running it when the vault is
    /// not open.
    fn with_vault(&self, f: &mut dyn FnMut(&mut Vault)) -> bool;
}

impl VaultAccess for Mutex<Vault> {
    fn with_vault(&self, f: &mut dyn FnMut(&mut Vault)) -> bool {
        let mut vault = self.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut vault);
        true
    }
}

/// How to receive.
#[derive(Debug, Clone)]
pub struct ReceiveOptions {
    /// The case every item goes into.
    pub case_id: String,
    /// The name announced on the network (see [`check_alias`]).
    pub alias: String,
    /// The PIN phones must give.
    pub pin: Pin,
    /// Address to listen on: every interface for phones, loopback in tests.
    pub bind: IpAddr,
    /// HTTPS port (`0`: any free port).
    pub port: u16,
    /// Whether to announce on and answer LocalSend's multicast group.
    pub announce: bool,
    /// The multicast port (LocalSend's is 53317).
    pub multicast_port: u16,
    /// Size and count limits.
    pub limits: Limits,
    /// Accept every transfer that gives the right PIN without asking (the CLI's `--yes`).
    pub accept_all: bool,
    /// How long a transfer waits for the person's answer before it is declined.
    pub decision_timeout: Duration,
}

impl ReceiveOptions {
    /// Receiving into `case_id` as `alias` with `pin`, on LocalSend's port, announced,
    /// asking the person about each transfer.
    pub fn new(case_id: &str, alias: &str, pin: Pin) -> Self {
        Self {
            case_id: case_id.to_owned(),
            alias: alias.to_owned(),
            pin,
            bind: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: DEFAULT_PORT,
            announce: true,
            multicast_port: DEFAULT_PORT,
            limits: Limits::default(),
            accept_all: false,
            decision_timeout: Duration::from_secs(300),
        }
    }
}

/// Something the person should see, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReceiveEvent {
    /// A phone gave the right PIN and asks to send: answer with [`Receiver::decide`].
    Incoming {
        /// Names the transfer in [`Receiver::decide`].
        transfer: String,
        /// The sender's alias (as the phone calls itself).
        sender: String,
        /// Its model, when it gives one.
        device_model: Option<String>,
        /// Its type (`mobile`, `desktop`…), when it gives one.
        device_type: Option<String>,
        /// How many files.
        files: usize,
        /// Their declared total size.
        bytes: u64,
        /// Whether it is a text message rather than files.
        message: bool,
    },
    /// A transfer was accepted (by the person, or because they said so for the run).
    Accepted {
        /// The transfer.
        transfer: String,
    },
    /// A transfer was declined or not answered in time: nothing was received.
    Declined {
        /// The transfer.
        transfer: String,
    },
    /// A request came with a wrong or no PIN.
    PinRefused {
        /// Attempts left before every transfer is refused for the rest of the run.
        attempts_left: u32,
    },
    /// A transfer was refused before anything was received (too big, too many files…).
    TransferRefused {
        /// Why, in words.
        reason: String,
    },
    /// Bytes of a file arrived.
    Progress {
        /// The transfer.
        transfer: String,
        /// The file's name on the phone.
        file_name: String,
        /// Bytes of this file so far.
        file_done: u64,
        /// Its declared size.
        file_size: u64,
        /// Bytes of the whole transfer so far.
        done: u64,
        /// The whole transfer's declared size.
        total: u64,
    },
    /// A file arrived whole, its hash checked, and is sealed as an item.
    Kept {
        /// The transfer.
        transfer: String,
        /// The new item.
        item_id: String,
        /// The file's name on the phone.
        file_name: String,
        /// Its size.
        size: u64,
        /// The platform whose conversation export it is, when Safekeep recognises one
        /// (a WhatsApp chat sent as a zip): the person is offered to read its messages
        /// (`Vault::import_conversation_from_item`). Nothing is read without asking.
        #[serde(skip_serializing_if = "Option::is_none")]
        conversation: Option<safekeep_core::vault::ChatFormat>,
    },
    /// A file was refused: nothing of it is kept.
    Refused {
        /// The transfer.
        transfer: String,
        /// The file's name on the phone.
        file_name: String,
        /// Why, in words.
        reason: String,
    },
    /// A text message was kept as a note.
    MessageKept {
        /// The new note.
        item_id: String,
    },
    /// A transfer ended (all files done, or cancelled by the phone).
    Finished {
        /// The transfer.
        transfer: String,
        /// Files kept.
        kept: usize,
        /// Files refused or not sent.
        refused: usize,
    },
    /// Something that does not stop receiving (e.g. no multicast on this network).
    Notice {
        /// What happened, in words.
        message: String,
    },
}

/// Why receiving could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// The port is taken (often: LocalSend itself is open on this computer).
    #[error(
        "port {port} is in use, often by the LocalSend app on this computer: close it and try again, or choose another port ({source})"
    )]
    PortInUse {
        /// The port.
        port: u16,
        /// What the system said.
        source: std::io::Error,
    },
    /// Anything else about the network.
    #[error("receiving could not start: {0}")]
    Network(#[from] std::io::Error),
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// The alias to announce for a run into `case_id`: `given` when it passes
/// [`check_alias`] against the case's title and this computer's name, else the reason;
/// a neutral random name when none is given.
pub fn choose_alias(vault: &Vault, case_id: &str, given: Option<&str>) -> Result<String, AliasError> {
    match given {
        None => Ok(neutral_alias(&mut rand::rng())),
        Some(alias) => {
            let title = vault.resolve_case(case_id).map(|c| c.title).unwrap_or_default();
            let host = gethostname::gethostname().to_string_lossy().into_owned();
            check_alias(alias, &title, &host).map(|()| alias.trim().to_owned())
        }
    }
}

impl Coded for ReceiveError {
    /// A stable code for the app.
    fn code(&self) -> &'static str {
        match self {
            Self::PortInUse { .. } => "port_in_use",
            Self::Network(_) => "network",
            Self::Tls(_) => "tls",
        }
    }
}

impl Coded for AliasError {
    /// A stable code for the app.
    fn code(&self) -> &'static str {
        "bad_alias"
    }
}

/// A running receiver. Dropping it stops it.
pub struct Receiver {
    runtime: Option<tokio::runtime::Runtime>,
    shared: Arc<server::Shared>,
    local: SocketAddr,
    fingerprint: String,
    pin: Pin,
    alias: String,
}

impl Receiver {
    /// Starts receiving into `options.case_id` through `vault`; returns the receiver and
    /// the events the person should see. The certificate and key are made for this run,
    /// in memory only.
    pub fn start(
        options: ReceiveOptions,
        vault: Arc<dyn VaultAccess>,
    ) -> Result<(Self, std::sync::mpsc::Receiver<ReceiveEvent>), ReceiveError> {
        let run_tls = tls::for_this_run()?;
        // What a receiver killed mid-file left in staging (sealed, but no use to anyone).
        vault.with_vault(&mut |v| v.clear_stale_staging());
        let addr = SocketAddr::new(options.bind, options.port);
        let listener = std::net::TcpListener::bind(addr).map_err(|source| match source.kind() {
            std::io::ErrorKind::AddrInUse => ReceiveError::PortInUse {
                port: options.port,
                source,
            },
            _ => ReceiveError::Network(source),
        })?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("phone-receiver")
            .enable_all()
            .build()?;
        let (events, rx) = std::sync::mpsc::channel();
        let me = protocol::DeviceInfo {
            alias: options.alias.clone(),
            version: protocol::PROTOCOL_VERSION.to_owned(),
            device_model: None,
            device_type: Some("desktop".to_owned()),
            fingerprint: run_tls.fingerprint.clone(),
            port: Some(local.port()),
            protocol: Some("https".to_owned()),
            download: false,
            announce: None,
        };
        let pin = options.pin.clone();
        let alias = options.alias.clone();
        let shared = Arc::new(server::Shared::new(options, me, vault, events));
        {
            let _in_runtime = runtime.enter();
            let listener = tokio::net::TcpListener::from_std(listener)?;
            runtime.spawn(server::serve(listener, run_tls.config, Arc::clone(&shared)));
            if shared.options.announce {
                runtime.spawn(discovery::run(Arc::clone(&shared)));
            }
        }
        let receiver = Self {
            runtime: Some(runtime),
            shared,
            local,
            fingerprint: run_tls.fingerprint,
            pin,
            alias,
        };
        Ok((receiver, rx))
    }

    /// Answers an [`ReceiveEvent::Incoming`]: `accept`, and with `this_phone` also every
    /// later transfer from the same phone until receiving stops. Returns `false` when
    /// the transfer is no longer waiting (it timed out or the phone gave up).
    pub fn decide(&self, transfer: &str, accept: bool, this_phone: bool) -> bool {
        self.shared.decide(transfer, accept, this_phone)
    }

    /// The port phones connect to.
    pub fn port(&self) -> u16 {
        self.local.port()
    }

    /// The address phones connect to: the address listened on, or when that is every
    /// interface, this computer's address on the network it would reach the group by.
    pub fn address(&self) -> IpAddr {
        if !self.local.ip().is_unspecified() {
            return self.local.ip();
        }
        discovery::lan_address().unwrap_or(self.local.ip())
    }

    /// What to type into a phone, or put in the QR code: `https://ADDRESS:PORT`.
    pub fn url(&self) -> String {
        match self.address() {
            IpAddr::V6(a) => format!("https://[{a}]:{}", self.port()),
            IpAddr::V4(a) => format!("https://{a}:{}", self.port()),
        }
    }

    /// The fingerprint LocalSend shows for this computer (SHA-256 of this run's certificate).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The PIN phones must give.
    pub fn pin(&self) -> &str {
        self.pin.as_str()
    }

    /// The name announced.
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// Stops receiving: closes the port, ends every connection, abandons every file not
    /// yet whole (deleted from staging), and waits (up to 10 s) until that is done.
    pub fn stop(mut self) {
        self.shut_down();
    }

    /// Stops at once without waiting (quick exit: the process ends next). Uploads in
    /// progress are abandoned; what they staged is removed the next time receiving starts.
    pub fn stop_now(mut self) {
        self.shared.stopping();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }

    fn shut_down(&mut self) {
        self.shared.stopping();
        if let Some(runtime) = self.runtime.take() {
            // Dropping a runtime inside another (the app's commands run in one) panics;
            // a plain thread may wait for it.
            let done = std::thread::spawn(move || runtime.shutdown_timeout(Duration::from_secs(10)));
            let _ = done.join();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shut_down();
    }
}
