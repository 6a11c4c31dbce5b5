//! `safekeep import chat`: a conversation export sealed as one item, its messages read
//! beside it, and how they were read.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::vault::{ChatError, ChatFormat, DateOrder, ReadOptions};
use safekeep_core::{Error, Vault};

use crate::cmd::shared_args::ContextArgs;
use crate::print;

/// `safekeep import chat`.
#[derive(Debug, clap::Args)]
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

/// Seals a conversation export as one item and prints its id. When every date could be
/// day or month first and a person is at the terminal, asks them; otherwise the error
/// names the two flags.
pub fn run(dir: &Path, args: ChatArgs) -> Result<ExitCode> {
    let mut vault = crate::cmd::open(dir)?;
    let record = import(&mut vault, args)?;
    println!("{}", record.id);
    conversation_read(&record);
    crate::cmd::stamp_new_items(&mut vault)?;
    print::fingerprints_waiting(&vault)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the export and seals it, asking once for the date order when it is ambiguous.
fn import(vault: &mut Vault, args: ChatArgs) -> Result<safekeep_core::item::ItemRecord> {
    let mut options = read_options(&args);
    let bar = print::ImportBar::default();
    let context: safekeep_core::item::Context = args.context.into();
    let attempt = |vault: &mut Vault, options: &ReadOptions| match (&args.item, &args.case_id) {
        (Some(item), _) => vault.import_conversation_from_item(item, options, context.clone()),
        (None, case) => vault.import_conversation(
            case.as_deref().unwrap_or_default(),
            &args.paths,
            options,
            context.clone(),
            &mut |p| bar.advance(&p),
            &|| false,
        ),
    };
    let mut result = attempt(vault, &options);
    if let Err(Error::Conversation(ChatError::AmbiguousDateOrder { example })) = &result
        && let Some(order) = ask_order(example)
    {
        options.date_order = Some(order);
        result = attempt(vault, &options);
    }
    bar.finish();
    Ok(result?)
}

fn read_options(args: &ChatArgs) -> ReadOptions {
    ReadOptions {
        format: match args.format {
            ChatFormatArg::Auto => None,
            ChatFormatArg::Whatsapp => Some(ChatFormat::Whatsapp),
            ChatFormatArg::Telegram => Some(ChatFormat::Telegram),
            ChatFormatArg::Instagram => Some(ChatFormat::Instagram),
            ChatFormatArg::Facebook => Some(ChatFormat::Facebook),
            ChatFormatArg::X => Some(ChatFormat::X),
            ChatFormatArg::Sms => Some(ChatFormat::AndroidSms),
            ChatFormatArg::Snapchat => Some(ChatFormat::Snapchat),
            ChatFormatArg::Discord => Some(ChatFormat::Discord),
            ChatFormatArg::Tiktok => Some(ChatFormat::Tiktok),
            ChatFormatArg::Email => Some(ChatFormat::Email),
        },
        zone: args.timezone.clone(),
        date_order: if args.day_first {
            Some(DateOrder::DayFirst)
        } else if args.month_first {
            Some(DateOrder::MonthFirst)
        } else {
            None
        },
    }
}

/// Asks whether `example` is day or month first; `None` without a terminal or an answer.
fn ask_order(example: &str) -> Option<DateOrder> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    let (a, b) = example.split_once(['/', '.', '-'])?;
    let b = b.split(['/', '.', '-']).next()?;
    eprint!(
        "Every date in this export could be read two ways. Is {example} day {a} of month {b} (type d), or month {a}, day {b} (type m)? "
    );
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).ok()?;
    match line.trim().to_ascii_lowercase().as_str() {
        "d" | "day" => Some(DateOrder::DayFirst),
        "m" | "month" => Some(DateOrder::MonthFirst),
        _ => None,
    }
}

/// Says on stderr how a conversation export was read (stdout holds only the item id).
fn conversation_read(record: &safekeep_core::item::ItemRecord) {
    let Some(r) = record
        .capture
        .as_ref()
        .and_then(|c| serde_json::from_value::<safekeep_core::vault::Reading>(c["reading"].clone()).ok())
    else {
        return;
    };
    eprintln!(
        "Kept the export as it is ({} file(s)) and read {} message(s) from it: {} ({}).",
        record.artifacts.len(),
        r.messages,
        r.format.label(),
        r.variant
    );
    eprintln!("Times: {}.", r.timezone_basis);
    if let (Some(order), Some(basis)) = (r.date_order, &r.date_order_basis) {
        eprintln!("Dates read {}: {basis}.", order.label());
    }
    if r.attachments_missing > 0 {
        eprintln!(
            "{} attachment(s) the messages mention are not in the export ({} found).",
            r.attachments_missing, r.attachments_found
        );
    }
    for w in &r.warnings {
        eprintln!("Warning: {w}.");
    }
    eprintln!("See the messages with `safekeep messages {}`.", record.id);
}
