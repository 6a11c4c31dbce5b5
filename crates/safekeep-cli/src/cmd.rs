//! Runs one parsed command line: the dispatch to each subcommand's module (one file per
//! subcommand: its arguments, its `run` and its printing), and how every subcommand opens
//! the vault (folder, passphrase, clock and key derivation).

pub mod annotate;
pub mod backup;
pub mod browser;
pub mod capture;
pub mod case;
pub mod check;
pub mod encrypt;
pub mod export;
pub mod host_name;
pub mod import;
pub mod init;
pub mod key;
pub mod list;
pub mod log;
pub mod messages;
pub mod note;
pub mod passphrase;
pub mod receipt;
pub mod receive;
pub mod removal;
pub mod report;
pub mod restore;
pub mod shared_args;
pub mod show;
pub mod takedown;
pub mod timestamp;
pub mod verify;
pub mod withdraw;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::{Context as _, Result};
use safekeep_core::keyring::{KdfParams, KdfPolicy};
use safekeep_core::vault::{Protection, Unlock};
use safekeep_core::{Environment, Vault};

use crate::args::{Cli, Command};
use crate::secret;

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
        Command::Init(args) => init::run(&dir()?, args),
        Command::Encrypt => encrypt::run(&dir()?),
        Command::Passphrase(command) => passphrase::run(&dir()?, command),
        Command::Key => key::run(&dir()?),
        Command::HostName(args) => host_name::run(&dir()?, args),
        Command::Backup(args) => backup::run(&dir()?, args),
        Command::Restore(args) => restore::run(&dir()?, args),
        Command::Case(command) => case::run(&dir()?, command),
        Command::Import(args) => import::run(&dir()?, args),
        Command::Receive(args) => receive::run(&dir()?, args),
        Command::Browser(command) => browser::run(&dir()?, command),
        Command::Receipt(command) => receipt::run(&dir, command),
        Command::Messages(args) => messages::run(&dir()?, args),
        Command::Capture(command) => capture::run(&dir()?, command),
        Command::Note(args) => note::run(&dir()?, args),
        Command::List(args) => list::run(&dir()?, args),
        Command::Show(args) => show::run(&dir()?, args),
        Command::Log(args) => log::run(&dir()?, args),
        Command::Annotate(args) => annotate::run(&dir()?, args),
        Command::Withdraw(args) => withdraw::run(&dir()?, args),
        Command::Export(args) => export::run(&dir()?, args),
        Command::Report(args) => report::run(&dir()?, args),
        Command::Verify(args) => verify::run(args),
        Command::Timestamp(command) => timestamp::run(&dir()?, command),
        Command::Takedown(args) => takedown::run(&dir()?, args),
        Command::Removal(command) => removal::run(&dir()?, command),
        Command::Check(args) => check::run(&dir()?, args),
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
    secret::existing(
        PASSPHRASE_FILE.get().and_then(Option::as_deref),
        secret::VAULT_ENV,
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
    secret::new(
        PASSPHRASE_FILE.get().and_then(Option::as_deref),
        Some(secret::VAULT_ENV),
        "vault passphrase",
    )
}

/// After a capture: if timestamping is on, asks for the new item's timestamp now (an
/// item that cannot get one stays queued, and the user is told).
pub fn stamp_new_items(vault: &mut Vault) -> Result<()> {
    if vault.timestamp_settings()?.enabled {
        crate::print::stamped(&safekeep_capture::timestamp::run(vault)?, false)?;
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
        let bar = crate::print::count_bar(waiting, "Fingerprinting pictures and videos");
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
