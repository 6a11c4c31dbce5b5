//! The command line as clap reads it: the global flags and the list of subcommands. Each
//! subcommand's own arguments live in its module under `cmd/`; the doc comments here and
//! there are the help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::cmd;

/// Safekeep keeps evidence of online abuse (images, web pages, messages, a written log of
/// what happened) safe on your own computer, sealed so that nobody can change it without
/// it showing, and exports it in a form a solicitor or the police can check.
///
/// Start with `safekeep init`, then `safekeep case new "A title"`, then add evidence with
/// `safekeep import` or `safekeep note`. Nothing is sent over the network, except to fetch a
/// web page you ask `safekeep capture url` to capture (the site sees your internet address)
/// and, once `safekeep timestamp enable` is on, one unrevealing code per item to the
/// time-stamp authority.
#[derive(Debug, Parser)]
#[command(name = "safekeep", version, max_term_width = 100)]
pub struct Cli {
    /// The vault folder to use. Defaults to Safekeep's folder in your user data folder.
    #[arg(long, global = true, env = "SAFEKEEP_VAULT", value_name = "DIR")]
    pub vault: Option<PathBuf>,

    /// Read the vault's passphrase from the first line of this file (for scripts). Without
    /// it, SAFEKEEP_PASSPHRASE is used if set, else you are asked (nothing is shown as you type).
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty vault (and its signing key) in the vault folder.
    ///
    /// The vault is encrypted with a passphrase you choose now. It cannot be recovered if
    /// you forget it, so a one-time recovery key is printed: write it down, keep it apart
    /// from the computer.
    Init(cmd::init::Args),
    /// Encrypt an existing unencrypted vault in place, with a new passphrase.
    ///
    /// Safe to interrupt: the vault stays usable (unencrypted until the switch, encrypted
    /// after it). Prints a one-time recovery key.
    Encrypt,
    /// Change the vault's passphrase (optionally with new keys), set a new one with the
    /// recovery key, or make a new recovery key.
    #[command(subcommand)]
    Passphrase(cmd::passphrase::Command),
    /// Show the fingerprint of this vault's signing key, to read out or compare with a bundle.
    Key,
    /// Whether new captures record this computer's name ("on", the default, or "off").
    ///
    /// A name like "Sams-laptop" identifies the computer, and sometimes its owner, in
    /// every bundle and report. Items already captured keep what was sealed in them.
    /// Without an argument, prints the current choice.
    HostName(cmd::host_name::Args),
    /// Back the vault up into a folder: a USB drive, or a folder a cloud client syncs.
    ///
    /// The backup is as encrypted as the vault and its names reveal nothing; each run
    /// copies only what changed and checks what it wrote. A run cut short leaves the
    /// previous backup as it was. Restore it with `safekeep restore`.
    Backup(cmd::backup::Args),
    /// Make a working vault from a backup, e.g. on a new computer.
    ///
    /// Give the new vault's folder with --vault (it must not exist yet). Asks for the
    /// vault's passphrase, or use --recovery-key-file if it is forgotten. Everything is
    /// checked before the vault appears.
    Restore(cmd::restore::Args),
    /// Create, list or rename cases. A case groups the evidence about one situation.
    #[command(subcommand)]
    Case(cmd::case::Command),
    /// Add files you already saved (screenshots, downloads) to a case, or a conversation
    /// export with `safekeep import chat`.
    ///
    /// Each file becomes one item; a folder's files are imported too, recursively, each
    /// keeping its path inside the folder. The original bytes are kept exactly, and their
    /// SHA-256 fingerprint is recorded. Prints one item id per file, in order. A file the
    /// case already holds (same path or name, size and SHA-256) is not imported again, so
    /// an interrupted import can simply be run again. (A file named `chat` in this folder:
    /// write it as ./chat.)
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Import(cmd::import::Args),
    /// Receive from a phone's LocalSend app straight into a case (PIN, sealed as it arrives).
    ///
    /// Safekeep shows up in the phone's LocalSend app (free, for Android and iPhone) under a
    /// neutral name, for as long as this command runs, on this Wi-Fi only: nothing goes
    /// through the internet. The phone must give the PIN printed here, and each transfer is
    /// accepted here (y / n / a = always from this phone) unless --yes. Each file is sealed
    /// into the case as it arrives and its SHA-256 checked against the one the phone
    /// declared; a file that does not match, or does not arrive whole, is not kept. Prints one
    /// item id and file name per file kept. Nothing arriving? This computer's firewall must
    /// allow TCP and UDP port 53317 (docs/capture.md). Ctrl-C stops: nothing listens any more.
    Receive(cmd::receive::Args),
    /// Safekeep's browser: log in to sites there, then capture pages as you see them.
    #[command(subcommand)]
    Browser(cmd::browser::Command),
    /// Receipts: the recipient of a bundle signs what they received; the sender adds the
    /// receipt to the case.
    #[command(subcommand)]
    Receipt(cmd::receipt::Command),
    /// Print the messages of an imported conversation, oldest first.
    Messages(cmd::messages::Args),
    /// Capture what is on the screen now, or a web page by its address, as evidence.
    #[command(subcommand)]
    Capture(cmd::capture::Command),
    /// Write an entry in the incident log: what happened, in your own words.
    ///
    /// The text is sealed like any other evidence. Prints the new item id.
    Note(cmd::note::Args),
    /// List items, oldest first; with --case, search and filter them.
    List(cmd::list::Args),
    /// Show everything recorded about one item.
    Show(cmd::show::Args),
    /// Show a case's audit log: every change, in order, with its hash.
    Log(cmd::log::Args),
    /// Add a tag, a note, a corrected description, or a report you made, to an item.
    ///
    /// The item itself never changes; the annotation is added beside it and logged.
    Annotate(cmd::annotate::Args),
    /// Withdraw an item captured by mistake. The audit log keeps a record that it existed
    /// (its hash), and by default its stored file is deleted.
    Withdraw(cmd::withdraw::Args),
    /// Export a case as an evidence bundle (a .zip) for a solicitor or the police.
    ///
    /// The bundle holds the original files, their SHA-256 hashes, the case's audit log, a
    /// readable exhibit list, and a signature by this vault's key. Anyone can check it
    /// with standard tools; README.txt inside explains how. Prints the bundle's SHA-256.
    Export(cmd::export::Args),
    /// Save a case's printable PDF report on its own, without exporting a bundle.
    ///
    /// The same report every bundle holds (data/report/report.pdf): cover, exhibit list,
    /// timeline, each exhibit with its hashes and blurred thumbnails, and what the checks
    /// prove. Exhibit references match those of an export made now with the same prefix.
    Report(cmd::report::Args),
    /// Check a bundle: has anything been altered since it was exported? Needs no vault.
    ///
    /// Works on the .zip or on a folder someone already unzipped. Exit status: 0 intact,
    /// 1 altered or inconsistent, 2 not a bundle or unreadable. Writes nothing.
    Verify(cmd::verify::Args),
    /// Trusted timestamps (RFC 3161) from independent time-stamp authorities: proof that
    /// each item existed no later than the authority's time, checkable with `openssl ts`.
    ///
    /// Off until you turn it on: it sends, per item, one hash of a salted commitment that
    /// reveals nothing about the evidence. New items are then timestamped as they are
    /// captured; without a connection they wait and are retried.
    #[command(subcommand)]
    Timestamp(cmd::timestamp::Command),
    /// What to ask platforms to take down: addresses, reports and where they stand,
    /// StopNCII and police references, and each file's SHA-256 and PDQ hash.
    ///
    /// Prints open requests and the whole list; with --out, writes takedown.csv and
    /// takedown.txt (no pictures, no evidence files) to send to a platform or helpline.
    Takedown(cmd::takedown::Args),
    /// Removal requests for the person to send themselves (Safekeep sends nothing): a
    /// TAKE IT DOWN Act request (US), an intimate image content report (UK), a search
    /// de-listing request or a host's abuse letter, drafted from the case; and their
    /// clock (sent, deadline, overdue, follow-up). See docs/removal.md.
    #[command(subcommand)]
    Removal(cmd::removal::Command),
    /// Check the whole vault: every audit log, every record, every stored file.
    ///
    /// Exits 0 only if everything is intact.
    Check(cmd::check::Args),
}
