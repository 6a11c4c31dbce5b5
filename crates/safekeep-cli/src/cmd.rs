//! One module per subcommand; each parses, calls one core function, and prints.

mod annotate;
mod backup;
mod browser;
mod bundle;
mod capture;
mod case;
mod chat;
mod check;
mod import;
mod init;
mod list;
mod note;
mod receipt;
pub mod receive;
pub(crate) mod removal;
mod secure;
mod timestamp;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::{Context as _, Result};
use safekeep_core::keyring::{KdfParams, KdfPolicy};
use safekeep_core::vault::{Protection, Unlock};
use safekeep_core::{Environment, Vault};

use crate::cli::{self, Cli, Command, ContextArgs};
use crate::passphrase;

/// `--passphrase-file`, global to every subcommand.
static PASSPHRASE_FILE: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Test-only switch: the cheapest key derivation and bundle scrypt, so that test suites
/// that open a vault hundreds of times run in seconds. Honoured only by builds made with
/// the `insecure-test-kdf` feature (`make test` and the benchmarks); every other build
/// refuses to run while it is set, so that no real vault or bundle is made weak by a
/// leftover variable.
const FAST_KDF_ENV: &str = "SAFEKEEP_INSECURE_FAST_KDF";

/// The version recorded in every item this binary captures.
pub const APP_VERSION: &str = concat!("safekeep-cli ", env!("CARGO_PKG_VERSION"));

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    if fast_kdf_asked() && !cfg!(feature = "insecure-test-kdf") {
        anyhow::bail!(
            "{FAST_KDF_ENV} is set, but it is only for Safekeep's own tests and would make a vault or bundle easy to break into; nothing was done. Unset it (unset {FAST_KDF_ENV}) and run the command again"
        );
    }
    let dir = || vault_dir(cli.vault.clone());
    let _ = PASSPHRASE_FILE.set(cli.passphrase_file.clone());
    match cli.command {
        Command::Init { no_passphrase } => init::init(&dir()?, no_passphrase),
        Command::Encrypt => secure::encrypt(&dir()?),
        Command::Passphrase(p) => secure::passphrase(&dir()?, p),
        Command::Key => init::key(&dir()?),
        Command::HostName { record } => init::host_name(&dir()?, record.as_deref()),
        Command::Backup { dir: to } => backup::backup(&dir()?, &to),
        Command::Restore {
            dir: from,
            recovery_key_file,
        } => backup::restore(&from, &dir()?, recovery_key_file.as_deref()),
        Command::Case(c) => case::run(&dir()?, c),
        Command::Import {
            what: Some(cli::ImportCommand::Chat(args)),
            ..
        } => chat::import(&dir()?, args),
        Command::Import {
            what: None,
            case_id,
            context,
            files,
        } => import::run(&dir()?, case_id.as_deref().unwrap_or_default(), context, &files),
        Command::Browser(b) => browser::run(&dir()?, b),
        Command::Receive(args) => receive::run(&dir()?, args),
        Command::Receipt(r) => receipt::run(&dir, r),
        Command::Messages { item, json, from, to } => chat::messages(&dir()?, &item, json, from, to),
        Command::Capture(c) => capture::run(&dir()?, c),
        Command::Note {
            case_id,
            context,
            incident,
            text,
        } => note::run(&dir()?, &case_id, context, incident, &text),
        Command::List {
            case_id,
            filter,
            json,
        } => list::list(&dir()?, case_id.as_deref(), &filter, json),
        Command::Show { item, json } => list::show(&dir()?, &item, json),
        Command::Log { case_id, json } => list::log(&dir()?, &case_id, json),
        Command::Annotate { item, what } => annotate::annotate(&dir()?, &item, what),
        Command::Withdraw {
            item,
            reason,
            keep_files,
        } => annotate::withdraw(&dir()?, &item, &reason, keep_files),
        Command::Takedown { case_id, out, json } => {
            annotate::takedown(&dir()?, &case_id, out.as_deref(), json)
        }
        Command::Timestamp(t) => timestamp::run(&dir()?, t),
        Command::Removal(r) => removal::run(&dir()?, r),
        Command::Check { repair, json } => check::run(&dir()?, repair, json),
        Command::Export {
            case_id,
            out,
            exhibit_prefix,
            encryption,
            report,
            json,
        } => bundle::export(&dir()?, &case_id, out, exhibit_prefix, (encryption, report), json),
        Command::Report {
            case_id,
            out,
            exhibit_prefix,
            report,
        } => bundle::report(&dir()?, &case_id, &out, &exhibit_prefix, &report),
        Command::Verify {
            bundle,
            expect_key,
            bundle_passphrase_file,
            identity,
            trust_tsa_root,
            json,
        } => bundle::verify(
            &bundle,
            expect_key.as_deref(),
            (bundle_passphrase_file.as_deref(), identity.as_deref()),
            &trust_tsa_root,
            json,
        ),
    }
}

fn vault_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    given
        .or_else(safekeep_core::vault::default_dir)
        .context("cannot tell where your data folder is; give the vault folder with --vault DIR")
}

/// Test-only: the vault's clock starts at this RFC 3339 instant and steps a millisecond
/// a reading, so that the removal clock's 48 hours can be tested across a change of the
/// clocks. Honoured only where [`FAST_KDF_ENV`] is (test builds, with it set).
const TEST_NOW_ENV: &str = "SAFEKEEP_TEST_NOW";

/// The real clock and randomness (and, only under [`FAST_KDF_ENV`], a cheap KDF and
/// [`TEST_NOW_ENV`]'s clock).
pub fn environment() -> Environment {
    let mut env = Environment::system(APP_VERSION);
    if fast_kdf() {
        env.kdf = KdfPolicy::Fixed(KdfParams::INSECURE_FAST);
        if let Some(t) = std::env::var(TEST_NOW_ENV)
            .ok()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        {
            env.clock = Box::new(safekeep_core::clock::SteppingClock::new(
                t,
                chrono::Duration::milliseconds(1),
            ));
        }
    }
    env
}

/// Whether the test-only cheap key derivation is on.
pub fn fast_kdf() -> bool {
    cfg!(feature = "insecure-test-kdf") && fast_kdf_asked()
}

fn fast_kdf_asked() -> bool {
    std::env::var_os(FAST_KDF_ENV).is_some_and(|v| v == "1")
}

/// The vault passphrase from `--passphrase-file`, SAFEKEEP_PASSPHRASE, or the terminal.
pub fn vault_passphrase(dir: &std::path::Path) -> Result<zeroize::Zeroizing<String>> {
    passphrase::existing(
        PASSPHRASE_FILE.get().and_then(Option::as_deref),
        passphrase::VAULT_ENV,
        "vault passphrase",
        &format!("Passphrase for the vault in {}: ", dir.display()),
    )
}

/// `--passphrase-file`, for other secrets read the way the vault's is.
pub fn passphrase_file() -> Option<&'static std::path::Path> {
    PASSPHRASE_FILE.get().and_then(Option::as_deref)
}

/// A new vault passphrase, from the same sources (asked twice on a terminal).
pub fn new_vault_passphrase() -> Result<zeroize::Zeroizing<String>> {
    passphrase::new(
        PASSPHRASE_FILE.get().and_then(Option::as_deref),
        Some(passphrase::VAULT_ENV),
        "vault passphrase",
    )
}

/// After a capture: if timestamping is on, asks for the new item's timestamp now (an
/// item that cannot get one stays queued, and the user is told).
pub fn stamp_new_items(vault: &mut Vault) -> Result<()> {
    if vault.timestamp_settings()?.enabled {
        crate::output::stamped(&safekeep_capture::timestamp::run(vault)?, false)?;
    }
    Ok(())
}

/// Opens the vault and first computes the perceptual fingerprints of pictures and
/// videos that still wait for one (imports leave them queued), on every core, with a
/// progress bar when there are many: for the commands that show or export them.
pub fn open_fingerprinted(dir: &std::path::Path) -> Result<Vault> {
    let mut vault = open(dir)?;
    let waiting = vault.fingerprints_waiting_count()?;
    if waiting > 0 {
        let bar = crate::output::count_bar(waiting, "Fingerprinting pictures and videos");
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        vault.fingerprint_waiting(threads, &mut |done, _| bar.set_position(done))?;
        bar.finish_and_clear();
    }
    Ok(vault)
}

/// Opens (and, if encrypted, unlocks) the vault with the real clock and randomness.
pub fn open(dir: &std::path::Path) -> Result<Vault> {
    let secret = match safekeep_core::vault::protection(dir) {
        Protection::Encrypted => Some(vault_passphrase(dir)?),
        Protection::Plain | Protection::None => None,
    };
    let unlock = secret.as_ref().map(|s| Unlock::Passphrase(s));
    Ok(Vault::open(dir, environment(), unlock)?)
}

impl From<ContextArgs> for safekeep_core::item::Context {
    fn from(a: ContextArgs) -> Self {
        Self {
            title: a.title,
            description: a.description,
            incident_time: a.incident_time,
            source_url: a.source_url,
            platform: a.platform,
            poster_account: a.account,
            incident: None,
        }
    }
}

impl ContextArgs {
    /// The context of a note: these fields and the incident log's answers.
    pub fn with_incident(self, incident: cli::IncidentArgs) -> safekeep_core::item::Context {
        safekeep_core::item::Context {
            incident: Some(Box::new(incident.into())),
            ..self.into()
        }
    }
}

impl From<cli::IncidentArgs> for safekeep_core::item::Incident {
    fn from(a: cli::IncidentArgs) -> Self {
        Self {
            started: a.started,
            ended: a.ended,
            place: a.place,
            people: a.who,
            relationship: a.known_as,
            witnesses: a.witnesses,
            impact: a.impact,
            reported_to: a.reported_to,
            references: a.references,
        }
    }
}
