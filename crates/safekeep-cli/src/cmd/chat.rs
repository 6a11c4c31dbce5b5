//! `safekeep import chat` and `safekeep messages`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::vault::{ChatError, ChatFormat, DateOrder, ReadOptions};
use safekeep_core::{Error, Vault};

use crate::cli::{ChatArgs, ChatFormatArg};
use crate::output;

/// Seals a conversation export as one item and prints its id. When every date could be
/// day or month first and a person is at the terminal, asks them; otherwise the error
/// names the two flags.
pub fn import(dir: &Path, args: ChatArgs) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let mut options = read_options(&args);
    let bar = output::ImportBar::default();
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
    let mut result = attempt(&mut vault, &options);
    if let Err(Error::Conversation(ChatError::AmbiguousDateOrder { example })) = &result
        && let Some(order) = ask_order(example)
    {
        options.date_order = Some(order);
        result = attempt(&mut vault, &options);
    }
    bar.finish();
    let record = result?;
    println!("{}", record.id);
    output::conversation_read(&record);
    super::stamp_new_items(&mut vault)?;
    output::fingerprints_waiting(&vault)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a conversation's messages (`from..=to`), as text or as JSON.
pub fn messages(dir: &Path, item: &str, json: bool, from: Option<u32>, to: Option<u32>) -> Result<ExitCode> {
    let vault = super::open(dir)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        vault.write_messages_json(item, from, to, &mut out)?;
        writeln!(out)?;
    } else {
        output::messages(&vault.messages(item, from, to)?, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
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
