//! The command line, as clap reads it. Doc comments here are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    Init {
        /// Do not encrypt the vault. Not recommended: anyone who can open the folder can
        /// see everything in it. Only for a computer that is already encrypted and not shared.
        #[arg(long)]
        no_passphrase: bool,
    },
    /// Encrypt an existing unencrypted vault in place, with a new passphrase.
    ///
    /// Safe to interrupt: the vault stays usable (unencrypted until the switch, encrypted
    /// after it). Prints a one-time recovery key.
    Encrypt,
    /// Change the vault's passphrase (optionally with new keys), set a new one with the
    /// recovery key, or make a new recovery key.
    #[command(subcommand)]
    Passphrase(PassphraseCommand),
    /// Show the fingerprint of this vault's signing key, to read out or compare with a bundle.
    Key,
    /// Whether new captures record this computer's name ("on", the default, or "off").
    ///
    /// A name like "Sams-laptop" identifies the computer, and sometimes its owner, in
    /// every bundle and report. Items already captured keep what was sealed in them.
    /// Without an argument, prints the current choice.
    HostName {
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        record: Option<String>,
    },
    /// Back the vault up into a folder: a USB drive, or a folder a cloud client syncs.
    ///
    /// The backup is as encrypted as the vault and its names reveal nothing; each run
    /// copies only what changed and checks what it wrote. A run cut short leaves the
    /// previous backup as it was. Restore it with `safekeep restore`.
    Backup {
        /// The backup folder (empty, new, or this vault's earlier backup).
        dir: PathBuf,
    },
    /// Make a working vault from a backup, e.g. on a new computer.
    ///
    /// Give the new vault's folder with --vault (it must not exist yet). Asks for the
    /// vault's passphrase, or use --recovery-key-file if it is forgotten. Everything is
    /// checked before the vault appears.
    Restore {
        /// The backup folder.
        dir: PathBuf,
        /// Unlock with the recovery key in this file instead of the passphrase.
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
    },
    /// Create, list or rename cases. A case groups the evidence about one situation.
    #[command(subcommand)]
    Case(CaseCommand),
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
    Import {
        /// Import a conversation export instead of files.
        #[command(subcommand)]
        what: Option<ImportCommand>,
        /// The case to add to (its id, or the start of it).
        #[arg(long = "case", value_name = "ID", required = true)]
        case_id: Option<String>,
        #[command(flatten)]
        context: ContextArgs,
        /// The files and folders to import.
        #[arg(required = true, value_name = "FILE_OR_FOLDER")]
        files: Vec<PathBuf>,
    },
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
    Receive(crate::cmd::receive::Args),
    /// Safekeep's browser: log in to sites there, then capture pages as you see them.
    #[command(subcommand)]
    Browser(BrowserCommand),
    /// Receipts: the recipient of a bundle signs what they received; the sender adds the
    /// receipt to the case.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
    /// Print the messages of an imported conversation, oldest first.
    Messages {
        /// The conversation item's id (or the start of it).
        item: String,
        /// Print a JSON array: {index, sender, sent_at (RFC 3339 UTC), sent_at_as_written,
        /// text, kind (message|system|deleted), attachments: [{name, sha256}], …}.
        #[arg(long)]
        json: bool,
        /// From message number N (the first is 1).
        #[arg(long, value_name = "N")]
        from: Option<u32>,
        /// Up to message number M.
        #[arg(long, value_name = "M")]
        to: Option<u32>,
    },
    /// Capture what is on the screen now, or a web page by its address, as evidence.
    #[command(subcommand)]
    Capture(CaptureCommand),
    /// Write an entry in the incident log: what happened, in your own words.
    ///
    /// The text is sealed like any other evidence. Prints the new item id.
    Note {
        /// The case to add to (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        #[command(flatten)]
        context: ContextArgs,
        /// The incident log's questions, all optional.
        #[command(flatten)]
        incident: IncidentArgs,
        /// What happened. Use - to read the text from standard input.
        text: String,
    },
    /// List items, oldest first; with --case, search and filter them.
    List {
        /// Only this case's items.
        #[arg(long = "case", value_name = "ID")]
        case_id: Option<String>,
        /// Search and filters (need --case).
        #[command(flatten)]
        filter: ListFilter,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show everything recorded about one item.
    Show {
        /// The item's id (or the start of it).
        item: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a case's audit log: every change, in order, with its hash.
    Log {
        /// The case (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        /// Print the events as JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Add a tag, a note, a corrected description, or a report you made, to an item.
    ///
    /// The item itself never changes; the annotation is added beside it and logged.
    Annotate {
        /// The item's id (or the start of it).
        item: String,
        #[command(flatten)]
        what: AnnotateArgs,
    },
    /// Withdraw an item captured by mistake. The audit log keeps a record that it existed
    /// (its hash), and by default its stored file is deleted.
    Withdraw {
        /// The item's id (or the start of it).
        item: String,
        /// Why it is withdrawn, e.g. "captured the wrong window".
        #[arg(long)]
        reason: String,
        /// Keep the stored file instead of deleting it.
        #[arg(long)]
        keep_files: bool,
    },
    /// Export a case as an evidence bundle (a .zip) for a solicitor or the police.
    ///
    /// The bundle holds the original files, their SHA-256 hashes, the case's audit log, a
    /// readable exhibit list, and a signature by this vault's key. Anyone can check it
    /// with standard tools; README.txt inside explains how. Prints the bundle's SHA-256.
    Export {
        /// The case to export (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        /// The bundle file to create, e.g. case.zip. It must not exist yet.
        #[arg(long, value_name = "FILE.zip")]
        out: std::path::PathBuf,
        /// The initials of the person producing the exhibits; exhibits are numbered AB/1, AB/2…
        #[arg(long, value_name = "AB", default_value = "SK")]
        exhibit_prefix: String,
        #[command(flatten)]
        encryption: ExportEncryptionArgs,
        #[command(flatten)]
        report: ReportArgs,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Save a case's printable PDF report on its own, without exporting a bundle.
    ///
    /// The same report every bundle holds (data/report/report.pdf): cover, exhibit list,
    /// timeline, each exhibit with its hashes and blurred thumbnails, and what the checks
    /// prove. Exhibit references match those of an export made now with the same prefix.
    Report {
        /// The case (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        /// The PDF file to create, e.g. report.pdf. It must not exist yet.
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// The initials of the person producing the exhibits; exhibits are numbered AB/1, AB/2…
        #[arg(long, value_name = "AB", default_value = "SK")]
        exhibit_prefix: String,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Check a bundle: has anything been altered since it was exported? Needs no vault.
    ///
    /// Works on the .zip or on a folder someone already unzipped. Exit status: 0 intact,
    /// 1 altered or inconsistent, 2 not a bundle or unreadable. Writes nothing.
    Verify {
        /// The bundle (.zip) or the unzipped bundle folder.
        bundle: std::path::PathBuf,
        /// Also require the bundle to be signed by the key with this fingerprint
        /// (as read out by the person who exported it, or from `safekeep key`).
        #[arg(long, value_name = "FINGERPRINT")]
        expect_key: Option<String>,
        /// For an encrypted bundle (.age): read its passphrase from this file. Without it
        /// (or --identity), SAFEKEEP_BUNDLE_PASSPHRASE is used, else you are asked.
        #[arg(long, value_name = "FILE", conflicts_with = "identity")]
        bundle_passphrase_file: Option<PathBuf>,
        /// For a bundle encrypted to an age public key: the age identity file that opens it.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
        /// Also recognise time-stamp authorities whose tokens chain to a root in this PEM
        /// file (one you obtained from the authority yourself). Without it, a timestamp is
        /// recognised only when its root is among this computer's trusted roots or
        /// Safekeep's list of known authorities; any other is reported as by an authority
        /// this computer does not recognise (exit status 3).
        #[arg(long, value_name = "FILE")]
        trust_tsa_root: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Trusted timestamps (RFC 3161) from independent time-stamp authorities: proof that
    /// each item existed no later than the authority's time, checkable with `openssl ts`.
    ///
    /// Off until you turn it on: it sends, per item, one hash of a salted commitment that
    /// reveals nothing about the evidence. New items are then timestamped as they are
    /// captured; without a connection they wait and are retried.
    #[command(subcommand)]
    Timestamp(TimestampCommand),
    /// What to ask platforms to take down: addresses, reports and where they stand,
    /// StopNCII and police references, and each file's SHA-256 and PDQ hash.
    ///
    /// Prints open requests and the whole list; with --out, writes takedown.csv and
    /// takedown.txt (no pictures, no evidence files) to send to a platform or helpline.
    Takedown {
        /// The case (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        /// Write the takedown pack into this folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Removal requests for the person to send themselves (Safekeep sends nothing): a
    /// TAKE IT DOWN Act request (US), an intimate image content report (UK), a search
    /// de-listing request or a host's abuse letter, drafted from the case; and their
    /// clock (sent, deadline, overdue, follow-up). See docs/removal.md.
    #[command(subcommand)]
    Removal(crate::cmd::removal::RemovalCommand),
    /// Check the whole vault: every audit log, every record, every stored file.
    ///
    /// Exits 0 only if everything is intact.
    Check {
        /// Remove leftover files that no item uses (left by an interrupted import).
        /// Nothing else is ever changed.
        #[arg(long)]
        repair: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `safekeep capture …`
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once per run")]
pub enum CaptureCommand {
    /// Capture every monitor (default), one monitor, or one window, and seal it as a new
    /// item. Prints the new item id.
    ///
    /// The picture is stored as a lossless PNG exactly as the screen showed it, with what
    /// the computer knows about the capture (monitor, resolution, window title, times).
    Screen {
        /// The case to add to (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        /// Only this monitor (1, 2…; `safekeep capture list` shows them).
        #[arg(long, value_name = "N", conflicts_with = "window")]
        monitor: Option<usize>,
        /// Only the window whose title contains this text.
        #[arg(long, value_name = "TITLE")]
        window: Option<String>,
        /// Wait this many seconds first (time to bring the right thing on screen).
        #[arg(long, value_name = "S", default_value_t = 0)]
        delay: u64,
        /// Continue a series (a long conversation captured in overlapping shots): give
        /// the previous shot's item id.
        #[arg(long, value_name = "ITEM")]
        again: Option<String>,
        /// In a no-images case: you have made sure no picture or video of the person is
        /// on screen. Without it such a capture is refused.
        #[arg(long)]
        no_images_case_understood: bool,
        #[command(flatten)]
        context: ContextArgs,
        /// Print the item and where the time went as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record the screen (all monitors, one monitor or one window's area) to an MP4 video
    /// with FFmpeg and seal it as a new item. Prints the new item id.
    ///
    /// Stops after --duration, or when you press Ctrl-C (the video is finished properly
    /// either way). No sound is recorded.
    Video {
        /// The case to add to (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        /// Only this monitor (1, 2…; `safekeep capture list` shows them).
        #[arg(long, value_name = "N", conflicts_with = "window")]
        monitor: Option<usize>,
        /// Only the area of the window whose title contains this text (the recording
        /// ends if that window closes).
        #[arg(long, value_name = "TITLE")]
        window: Option<String>,
        /// Stop after this many seconds (default: when you press Ctrl-C; at most 4 hours).
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
        /// Wait this many seconds first (time to bring the right thing on screen).
        #[arg(long, value_name = "S", default_value_t = 0)]
        delay: u64,
        /// The FFmpeg program (default: `ffmpeg` on the PATH).
        #[arg(long, value_name = "PATH")]
        ffmpeg: Option<PathBuf>,
        /// In a no-images case: you have made sure no picture or video of the person will
        /// be on screen. Without it such a recording is refused.
        #[arg(long)]
        no_images_case_understood: bool,
        #[command(flatten)]
        context: ContextArgs,
        /// Print the item as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Capture a web page by its address and seal it as a new item. Prints the new item id.
    ///
    /// Keeps what the server sent (a WARC file with every request and response, the
    /// certificate chain and the addresses used) and, with an installed Chromium, Chrome
    /// or Edge, how the page looked (full-page PNG, PDF, MHTML, DOM).
    ///
    /// With --browser, the page is loaded once in Safekeep's browser (with the logins you
    /// made there: `safekeep browser open`), and everything that load fetched — including
    /// what its scripts loaded — is recorded and sealed with screenshots of that same load
    /// (WARC and WACZ; login cookies removed).
    Url {
        /// The page's address (https:// is assumed when left out).
        #[arg(required_unless_present = "check_again")]
        url: Option<String>,
        /// The case to add to (its id, or the start of it).
        #[arg(long = "case", value_name = "ID", required_unless_present = "check_again")]
        case_id: Option<String>,
        /// Capture the address of this earlier web-page item again, as a new item linked
        /// to it, and say whether the content is still up, changed, or gone.
        #[arg(long, value_name = "ITEM", conflicts_with = "url")]
        check_again: Option<String>,
        /// Fetch only: do not render the page in a browser.
        #[arg(long)]
        no_render: bool,
        /// The browser program to use (default: an installed Chromium, Chrome or Edge;
        /// or SAFEKEEP_BROWSER).
        #[arg(long, value_name = "PATH", conflicts_with = "no_render")]
        browser_program: Option<PathBuf>,
        /// Load and record the page in Safekeep's browser, with your logins there.
        #[arg(long, conflicts_with_all = ["no_render", "check_again"])]
        browser: bool,
        /// With --browser: scroll down first to load more (feeds), for at most 20 s and
        /// 50,000 pixels.
        #[arg(long, requires = "browser")]
        scroll: bool,
        /// With --browser: show the browser's window while capturing.
        #[arg(long, requires = "browser")]
        show: bool,
        /// With --browser: also fetch the address directly, without your logins, as a
        /// second, independent witness (the server's raw bytes and its own certificates).
        #[arg(long, requires = "browser")]
        also_fetch: bool,
        /// With --browser: also keep, as items of their own, the files the page starts
        /// downloading by itself (an address that is itself a download is always kept).
        #[arg(long, requires = "browser")]
        keep_downloads: bool,
        /// Also keep the videos the page shows (<video>, video links, HLS streams) as
        /// files of the same item: with yt-dlp when it is installed (it knows more sites,
        /// and keeps each video's details from the site), otherwise fetched by Safekeep.
        /// With --browser: the complete videos the page loaded (nothing more is fetched).
        #[arg(long)]
        media: bool,
        /// With --media: do not use yt-dlp, even when it is installed.
        #[arg(long, requires = "media", conflicts_with = "browser")]
        no_yt_dlp: bool,
        /// Capture even if the site's certificate does not verify. The record says it
        /// did not verify, and why.
        #[arg(long)]
        accept_invalid_certificate: bool,
        /// Also trust this certificate authority (a PEM file), e.g. your organisation's.
        #[arg(long = "ca-file", value_name = "PEM")]
        ca_files: Vec<PathBuf>,
        /// Largest response to keep, in MiB; a larger one stops the capture.
        #[arg(long, value_name = "MIB", default_value_t = 200,
              value_parser = clap::value_parser!(u64).range(1..))]
        max_body_mib: u64,
        /// Seconds allowed for each request, and for the browser to load the page.
        #[arg(long, value_name = "S", default_value_t = 30,
              value_parser = clap::value_parser!(u64).range(1..))]
        timeout: u64,
        /// Redirects to follow.
        #[arg(long, value_name = "N", default_value_t = 10)]
        max_redirects: usize,
        #[command(flatten)]
        context: ContextArgs,
        /// Print the item and a summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the monitors and windows that can be captured.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `safekeep browser …`
#[derive(Debug, Subcommand)]
pub enum BrowserCommand {
    /// Open Safekeep's browser in a window, with its own profile (never your everyday
    /// browser's). Log in to sites there as usual; Safekeep never sees your passwords.
    /// With --case, press Enter in this terminal to capture the tab you are looking at.
    /// Your logins are kept encrypted in the vault when the window closes.
    Open {
        /// A page to open in it (http or https), e.g. one you were sent.
        url: Option<String>,
        /// The case captures go into.
        #[arg(long = "case", value_name = "ID")]
        case_id: Option<String>,
        /// The browser program (default: an installed Chromium, Chrome or Edge).
        #[arg(long, value_name = "PATH")]
        browser_program: Option<PathBuf>,
        /// Also trust this certificate authority (a PEM file) in the browser, for this run.
        #[arg(long = "ca-file", value_name = "PEM")]
        ca_files: Vec<PathBuf>,
        /// Also fetch each captured page's address directly, without your logins, as a
        /// second witness.
        #[arg(long)]
        also_fetch: bool,
        /// With --case: keep every file downloaded in the browser, without asking one
        /// by one when it closes.
        #[arg(long, requires = "case_id")]
        keep_downloads: bool,
    },
    /// Forget my logins: delete the browser's stored profile (cookies, site data).
    Forget,
}

/// `safekeep timestamp …`
#[derive(Debug, Subcommand)]
pub enum TimestampCommand {
    /// Turn timestamping on, and queue every item that has no timestamp yet.
    Enable {
        /// A time-stamp authority's address; repeat for fallbacks, tried in order.
        /// Default: DigiCert's and Sectigo's free public authorities.
        #[arg(long = "tsa", value_name = "URL")]
        tsa: Vec<String>,
        /// The certificate (PEM) to trust for the --tsa at the same position. Without it
        /// an authority must chain to this computer's trusted roots.
        #[arg(long = "tsa-certs", value_name = "PEM")]
        tsa_certs: Vec<PathBuf>,
    },
    /// Turn timestamping off. Nothing more is sent; queued items keep waiting.
    Disable,
    /// Show whether timestamping is on, the authorities, and how many items wait.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ask for every waiting item's timestamp now.
    Run {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `safekeep passphrase …`
#[derive(Debug, Subcommand)]
pub enum PassphraseCommand {
    /// Change the passphrase (you need the current one). Quick: your data is not
    /// re-encrypted and the recovery key stays valid. It does not lock out copies: a copy
    /// of the vault or a backup made before still opens with the old passphrase. To lock
    /// those out, add --new-keys.
    Change {
        /// Read the new passphrase from this file instead of asking.
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
        /// Also replace every key and lock out old copies: re-encrypts the whole vault
        /// under new keys, gives every stored file a new name and prints a new recovery
        /// key, so the old passphrase and recovery key open nothing added from now on.
        /// Takes about as long as encrypting the vault; safe to interrupt.
        #[arg(long)]
        new_keys: bool,
    },
    /// Forgot the passphrase? Open the vault with the recovery key and set a new one.
    Recover {
        /// Read the recovery key from this file instead of asking.
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
        /// Read the new passphrase from this file instead of asking.
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Make a new recovery key (the old one no longer opens this vault). It does not lock
    /// out copies made before: use `passphrase change --new-keys` for that.
    NewRecoveryKey,
}

/// What the PDF report holds.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Add to the PDF report an annex showing the pictures UNBLURRED (every page of it is
    /// marked so). Off by default: the report's pictures are blurred.
    #[arg(long)]
    pub unblurred_annex: bool,
    /// How many exhibits get a full section of their own in the PDF report (the first
    /// N; default 250). Beyond that the exhibit list gives one compact entry per exhibit
    /// with every file's SHA-256. `--full-sections all` gives every exhibit its section.
    #[arg(long, value_name = "N|all", value_parser = parse_full_sections)]
    pub full_sections: Option<usize>,
}

/// What `safekeep list --case ID` narrows to; every filter given must match.
#[derive(Debug, Args, Default)]
pub struct ListFilter {
    /// Words to find (each as the start of a word) in titles, descriptions, file names,
    /// addresses, tags, notes and written entries.
    #[arg(long, value_name = "WORDS", requires = "case_id")]
    pub search: Option<String>,
    /// Only items of this kind (file, note, screenshot, web_page, …).
    #[arg(long, requires = "case_id")]
    pub kind: Option<String>,
    /// Only items with this tag.
    #[arg(long, requires = "case_id")]
    pub tag: Option<String>,
    /// Only items from this platform (as written at capture or later).
    #[arg(long, requires = "case_id")]
    pub platform: Option<String>,
    /// Only items captured on or after this day (YYYY-MM-DD, UTC) or time (RFC 3339).
    #[arg(long, value_name = "DATE", requires = "case_id", value_parser = parse_from)]
    pub from: Option<String>,
    /// Only items captured on or before this day (YYYY-MM-DD, UTC; the whole day) or
    /// before this time (RFC 3339).
    #[arg(long, value_name = "DATE", requires = "case_id", value_parser = parse_to)]
    pub to: Option<String>,
}

impl ListFilter {
    /// The filters as the vault's timeline query.
    pub fn query(&self) -> safekeep_core::vault::TimelineQuery {
        safekeep_core::vault::TimelineQuery {
            search: self.search.clone(),
            kind: self.kind.clone(),
            tag: self.tag.clone(),
            platform: self.platform.clone(),
            from: self.from.clone(),
            until: self.to.clone(),
            ..Default::default()
        }
    }

    /// Whether any filter was given.
    pub fn is_empty(&self) -> bool {
        [
            &self.search,
            &self.kind,
            &self.tag,
            &self.platform,
            &self.from,
            &self.to,
        ]
        .iter()
        .all(|f| f.is_none())
    }
}

/// A day or an RFC 3339 time as the RFC 3339 time it starts at (plus `days`).
fn day_or_time(value: &str, days: i64) -> Result<String, String> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = day + chrono::Duration::days(days);
        return Ok(format!("{start}T00:00:00Z"));
    }
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.to_rfc3339())
        .map_err(|_| {
            format!("\"{value}\" is not a date: write it as 2026-03-01, or a time as 2026-03-01T21:40:00Z")
        })
}

fn parse_from(value: &str) -> Result<String, String> {
    day_or_time(value, 0)
}

fn parse_to(value: &str) -> Result<String, String> {
    if value.len() == 10 {
        day_or_time(value, 1)
    } else {
        day_or_time(value, 0)
    }
}

fn parse_full_sections(value: &str) -> Result<usize, String> {
    if value.eq_ignore_ascii_case("all") {
        return Ok(usize::MAX);
    }
    value
        .parse()
        .map_err(|_| format!("\"{value}\" is not a number of exhibits: give a number such as 250, or all"))
}

/// Encrypting an exported bundle for sending it.
#[derive(Debug, Args)]
pub struct ExportEncryptionArgs {
    /// Encrypt the bundle with a passphrase (an age file, `.zip.age`), to send it safely.
    /// Tell the passphrase to the recipient by another channel (a phone call, not the same
    /// email). The standard `age` tool or `safekeep verify` opens it.
    #[arg(long)]
    pub encrypt: bool,
    /// Encrypt to this age public key (age1…) instead of a passphrase. Repeat for several.
    #[arg(long, value_name = "AGE1…")]
    pub recipient: Vec<String>,
    /// Read the bundle's passphrase from this file. Without it, SAFEKEEP_BUNDLE_PASSPHRASE
    /// is used if set, else you are asked twice.
    #[arg(long, value_name = "FILE", requires = "encrypt")]
    pub bundle_passphrase_file: Option<PathBuf>,
}

/// `safekeep case …`
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Create a case and print its id.
    New {
        /// A title only you and your advocate will see, e.g. "Posts by @example, 2026".
        title: String,
        /// Is the person in the images under 18, or were they when the images were made?
        /// yes, no or not-sure; you never have to answer. Yes or not-sure makes it a
        /// no-images case: pictures and videos are not kept (docs/safeguarding.md).
        #[arg(long = "under-18", value_name = "ANSWER")]
        under_18: Option<String>,
    },
    /// Show or change a case's under-18 safeguard, and record the reference Report
    /// Remove (Childline and IWF, UK) or Take It Down (NCMEC) gave you.
    ///
    /// Report Remove and Take It Down have images of under-18s taken down without anyone
    /// keeping a copy. A no-images case keeps messages, addresses and account names, and
    /// never pictures or videos. Nothing is sent anywhere by this command.
    Safeguard {
        /// The case's id (or the start of it).
        case_id: String,
        /// Your answer: yes, no or not-sure.
        #[arg(long = "under-18", value_name = "ANSWER")]
        under_18: Option<String>,
        /// With --under-18 yes or not-sure: withdraw the case's pictures and videos now and
        /// delete their stored files (their hashes stay in the log).
        #[arg(long, requires = "under_18")]
        withdraw_pictures: bool,
        /// Record a reference number from this service: report-remove or take-it-down.
        #[arg(long, value_name = "SERVICE", requires = "reference")]
        service: Option<String>,
        /// The reference number the service gave.
        #[arg(long, value_name = "REF", requires = "service")]
        reference: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List cases.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Rename a case. Its id stays the same and the old title stays in the log.
    Rename {
        /// The case's id (or the start of it).
        case_id: String,
        /// The new title.
        title: String,
    },
    /// Open a bundle someone sent you (an advocate receiving a client's bundle) as a case
    /// of your vault, to add notes, takedown tracking and new captures to it.
    ///
    /// The bundle must pass every check of `safekeep verify`, or nothing is stored. Its
    /// items, records, annotations, timestamps and whole audit log are kept exactly, and
    /// stay as their sender sealed them; your own changes continue the same chain. Bundles
    /// you export from it carry the sender's signed files too, so both can be checked.
    /// Prints the case's id.
    Import {
        /// The bundle (.zip, .zip.age, or the unzipped bundle folder).
        bundle: PathBuf,
        /// For an encrypted bundle: read its passphrase from this file. Without it (or
        /// --identity), SAFEKEEP_BUNDLE_PASSPHRASE is used, else you are asked.
        #[arg(long, value_name = "FILE", conflicts_with = "identity")]
        bundle_passphrase_file: Option<PathBuf>,
        /// For a bundle encrypted to an age public key: the age identity file that opens it.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
        /// Print what was imported as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// What you know about the evidence. All optional; you can add more later with `annotate`.
#[derive(Debug, Args)]
pub struct ContextArgs {
    /// A short title for lists.
    #[arg(long)]
    pub title: Option<String>,
    /// What it shows and why it matters.
    #[arg(long)]
    pub description: Option<String>,
    /// When it happened, if you know (e.g. 2026-03-01T21:40:00+00:00).
    #[arg(long, value_name = "RFC3339")]
    pub incident_time: Option<String>,
    /// Where you saw it (the full web address).
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
    /// The platform or service, e.g. Instagram.
    #[arg(long)]
    pub platform: Option<String>,
    /// The account, handle or profile address of whoever posted it.
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,
}

/// The structured incident-log fields of `safekeep note`, sealed in the note's record.
#[derive(Debug, Args, Default)]
pub struct IncidentArgs {
    /// When it started (e.g. 2026-03-01T21:40:00+00:00, or just 2026-03-01).
    #[arg(long, value_name = "WHEN")]
    pub started: Option<String>,
    /// When it ended, if it went on for a while (same forms as --started).
    #[arg(long, value_name = "WHEN")]
    pub ended: Option<String>,
    /// Where it happened: a platform, an app or a place.
    #[arg(long = "where", value_name = "PLACE")]
    pub place: Option<String>,
    /// Who did it: names, account names or handles.
    #[arg(long, value_name = "ACCOUNTS")]
    pub who: Option<String>,
    /// How you know them (e.g. an ex-partner, someone met online).
    #[arg(long, value_name = "HOW")]
    pub known_as: Option<String>,
    /// Who else saw it or knows about it.
    #[arg(long)]
    pub witnesses: Option<String>,
    /// What it did to you, in your own words.
    #[arg(long)]
    pub impact: Option<String>,
    /// Who you reported it to, and when.
    #[arg(long, value_name = "WHO")]
    pub reported_to: Option<String>,
    /// Reference numbers you were given (crime reference, report numbers).
    #[arg(long)]
    pub references: Option<String>,
}

/// `safekeep receipt …`.
#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// For the recipient (solicitor, police officer, advocate): check a bundle you
    /// received and sign a receipt saying what you received, when, and what every check
    /// found. Needs no vault.
    ///
    /// The receipt is signed with your own key, made on first use and kept in your
    /// settings folder under a passphrase (--passphrase-file, SAFEKEEP_PASSPHRASE, or
    /// asked); its fingerprint is printed, to read out to the sender. Writes RECEIPT.json
    /// and, beside it, the same as text (.txt). Exit status 0 when the bundle is intact.
    Sign {
        /// The bundle (.zip, or .zip.age) as you received it.
        bundle: PathBuf,
        /// Your name.
        #[arg(long)]
        name: String,
        /// Your firm, force or service.
        #[arg(long, default_value = "")]
        organisation: String,
        /// Where to write the receipt (it must not exist yet).
        #[arg(long, value_name = "RECEIPT.json")]
        out: PathBuf,
        /// Your recipient key file. Defaults to SAFEKEEP_RECIPIENT_KEY, else
        /// recipient-key.age in Safekeep's settings folder.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// For an encrypted bundle: read its passphrase from this file.
        #[arg(long, value_name = "FILE", conflicts_with = "identity")]
        bundle_passphrase_file: Option<PathBuf>,
        /// For a bundle encrypted to an age public key: the identity file that opens it.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
        /// Time-stamp the receipt (RFC 3161) with DigiCert's and Sectigo's free public
        /// authorities: proof that it existed then. Sends one hash of the signed receipt.
        #[arg(long)]
        timestamp: bool,
        /// Time-stamp the receipt with this authority instead; repeat for fallbacks.
        #[arg(long = "tsa", value_name = "URL")]
        tsa: Vec<String>,
        /// The certificate (PEM) to trust for the --tsa at the same position.
        #[arg(long = "tsa-certs", value_name = "PEM")]
        tsa_certs: Vec<PathBuf>,
    },
    /// For the sender: add the receipt the recipient sent back to the case it is about.
    /// It is checked (its signature, and that this case exported that very bundle) and
    /// recorded in the case's audit log as `bundle.received`.
    Add {
        /// The RECEIPT.json file.
        file: PathBuf,
        /// The case (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
    },
    /// List the receipts recorded in a case.
    List {
        /// The case (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// What `safekeep import` can import besides files.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Add a conversation export (WhatsApp "Export chat", Telegram Desktop "Export chat
    /// history" as JSON, Instagram's or Facebook's "Download your information" as JSON, an
    /// X archive) to a case, as one item.
    ///
    /// The export is kept exactly as given: a .zip as one file, a folder or loose files
    /// (a WhatsApp .txt and its media) each as they are. Its messages are read beside it,
    /// numbered, with their senders and times; see them with `safekeep messages ITEM`.
    /// Prints the new item's id.
    ///
    /// `--item ID` reads an export already kept as an item of its own (a WhatsApp chat
    /// received from a phone as a zip) into a conversation item of the same case, which
    /// shares the sealed file; the first item stays as it is.
    Chat(ChatArgs),
}

/// `safekeep import chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The case to add to (its id, or the start of it).
    #[arg(
        long = "case",
        value_name = "ID",
        required_unless_present = "item",
        conflicts_with = "item"
    )]
    pub case_id: Option<String>,
    /// Read the export kept as this item (its id, or the start of it) instead of files on
    /// this computer; the conversation joins that item's case.
    #[arg(long, value_name = "ID", conflicts_with = "paths")]
    pub item: Option<String>,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Which platform the export is from.
    #[arg(long, value_enum, default_value_t = ChatFormatArg::Auto)]
    pub format: ChatFormatArg,
    /// The time zone the phone or computer that made the export was in, as an IANA name
    /// (Europe/London, America/New_York…). WhatsApp and older Telegram exports write local
    /// times without saying which zone; this computer's zone is assumed otherwise.
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
    /// Dates such as 03/04/2026 are day first (3 April). Only needed when every date of
    /// the export could be read either way.
    #[arg(long, conflicts_with = "month_first")]
    pub day_first: bool,
    /// Dates such as 03/04/2026 are month first (March 4).
    #[arg(long)]
    pub month_first: bool,
    /// The export: one .zip, one folder, or the loose files of one export.
    #[arg(required_unless_present = "item", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// `--format` of `safekeep import chat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChatFormatArg {
    /// Recognise it from its files.
    Auto,
    /// WhatsApp "Export chat".
    Whatsapp,
    /// Telegram Desktop, JSON.
    Telegram,
    /// Instagram "Download your information", JSON.
    Instagram,
    /// Facebook / Messenger "Download your information", JSON.
    Facebook,
    /// X archive.
    X,
    /// Android text messages saved by "SMS Backup & Restore" (XML).
    Sms,
    /// Snapchat "My Data", JSON.
    Snapchat,
    /// Discord data package.
    Discord,
    /// TikTok "Download your data", JSON.
    Tiktok,
    /// E-mail: .eml files or a mailbox (.mbox).
    Email,
}

/// Exactly one kind of annotation.
#[derive(Debug, Args)]
pub struct AnnotateArgs {
    /// Mark a run of a conversation's messages as an exhibit, e.g. 120-134 (or one
    /// number). With --note, say why it matters.
    #[arg(long, value_name = "FROM-TO", conflicts_with_all = ["tag", "correct_description", "reported_to"])]
    pub messages: Option<String>,
    /// Add a tag.
    #[arg(long, conflicts_with_all = ["note", "correct_description", "reported_to"])]
    pub tag: Option<String>,
    /// Add a note.
    #[arg(long, conflicts_with_all = ["correct_description", "reported_to"])]
    pub note: Option<String>,
    /// Record a corrected description (the original stays on record).
    #[arg(long, value_name = "TEXT", conflicts_with = "reported_to")]
    pub correct_description: Option<String>,
    /// Record that you reported it, and to whom (a platform, the police, a hotline).
    #[arg(long, value_name = "WHO")]
    pub reported_to: Option<String>,
    /// When you reported it (with --reported-to).
    #[arg(long, value_name = "DATE", requires = "reported_to")]
    pub reported_on: Option<String>,
    /// The ticket, case or crime reference number you were given (with --reported-to).
    #[arg(long, requires = "reported_to")]
    pub reference: Option<String>,
    /// What happened: removed, refused, pending… (with --reported-to). Record a later
    /// outcome by giving the same --reported-to and --reference again.
    #[arg(long, requires = "reported_to")]
    pub outcome: Option<String>,
    /// Record another address where the same content appears (a repost, a mirror).
    #[arg(long, value_name = "URL", conflicts_with_all = ["tag", "note", "correct_description", "reported_to", "stopncii", "crime_reference"])]
    pub appears_at: Option<String>,
    /// Record the case number StopNCII.org gave you.
    #[arg(long, value_name = "CASE_NUMBER", conflicts_with_all = ["tag", "note", "correct_description", "reported_to", "crime_reference"])]
    pub stopncii: Option<String>,
    /// Record the crime reference number the police gave you.
    #[arg(long, value_name = "REFERENCE", conflicts_with_all = ["tag", "note", "correct_description", "reported_to"])]
    pub crime_reference: Option<String>,
    /// The police force or service (with --crime-reference).
    #[arg(long, requires = "crime_reference")]
    pub force: Option<String>,
}
