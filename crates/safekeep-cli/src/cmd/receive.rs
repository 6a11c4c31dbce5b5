//! `safekeep receive`: receive files from a phone's LocalSend app straight into a case,
//! for as long as the command runs (docs/capture.md § "From a phone").

use std::io::{BufRead, IsTerminal, Write};
use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result};
use safekeep_capture::phone::{self, Limits, Pin, ReceiveEvent, ReceiveOptions, Receiver};

/// The arguments of `safekeep receive` (its help text is on `Command::Receive`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case to add to (its id, or the start of it).
    #[arg(long = "case", value_name = "ID")]
    case_id: String,
    /// The name phones see. Everyone on this network sees it: it must not name Safekeep,
    /// the case or this computer. Default: a random name like "Sunny Plum".
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Accept every transfer that gives the right PIN, without asking.
    #[arg(long, short = 'y')]
    yes: bool,
    /// Stop after the first transfer has ended.
    #[arg(long)]
    once: bool,
    /// The port (LocalSend's is 53317; phones that find this computer by themselves
    /// use whatever it announces).
    #[arg(long, default_value_t = phone::DEFAULT_PORT)]
    port: u16,
    /// Listen on this address only (default: every network of this computer).
    #[arg(long, value_name = "ADDRESS")]
    bind: Option<IpAddr>,
    /// Do not announce on the network: phones must type the address shown.
    #[arg(long)]
    no_announce: bool,
    /// Largest file accepted, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 4096)]
    max_file_mib: u64,
    /// Most files in one transfer.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_files: usize,
    /// Print one JSON object per line: first {"event":"receiving", pin, address, port,
    /// url, fingerprint, name}, then each event as it happens.
    #[arg(long)]
    json: bool,
}

/// Receives until Ctrl-C (or the first transfer's end with `--once`); exits non-zero
/// when any file was refused.
pub fn run(dir: &std::path::Path, args: Args) -> Result<ExitCode> {
    let vault = super::open(dir)?;
    let options = options(&vault, &args)?;
    let vault = Arc::new(Mutex::new(vault));
    let (receiver, events) = Receiver::start(options, vault.clone())?;
    let stop = stop_on_signals()?;
    print_start(&receiver, args.json)?;
    let refused = follow(&receiver, &events, &stop, &args)?;
    receiver.stop();
    eprintln!("Stopped receiving: nothing listens any more.");
    let mut vault = Arc::try_unwrap(vault)
        .map_err(|_| anyhow::anyhow!("the receiver still holds the vault"))?
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    super::stamp_new_items(&mut vault)?;
    Ok(if refused {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A flag that Ctrl-C (or SIGTERM) sets, so that receiving stops cleanly.
fn stop_on_signals() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    Ok(stop)
}

/// What the receiver is told: the case, a name phones see, a fresh PIN, and the limits.
fn options(vault: &safekeep_core::Vault, args: &Args) -> Result<ReceiveOptions> {
    let case = vault.resolve_case(&args.case_id)?.id;
    let alias = phone::choose_alias(vault, &case, args.name.as_deref())?;
    let mut options = ReceiveOptions::new(&case, &alias, Pin::draw(&mut rand::rng()));
    options.port = args.port;
    options.bind = args.bind.unwrap_or(options.bind);
    options.announce = !args.no_announce;
    options.accept_all = args.yes;
    options.limits = Limits {
        max_file_size: args.max_file_mib.saturating_mul(1 << 20),
        max_files: args.max_files,
        ..Limits::default()
    };
    Ok(options)
}

fn print_start(r: &Receiver, json: bool) -> Result<()> {
    if json {
        let start = serde_json::json!({
            "event": "receiving", "pin": r.pin(), "address": r.address().to_string(), "port": r.port(),
            "url": r.url(), "fingerprint": r.fingerprint(), "name": r.alias(),
        });
        println!("{start}");
    } else {
        println!(
            "Receiving. On the phone, open LocalSend, pick the files, and send to \"{}\".",
            r.alias()
        );
        println!("PIN: {}", r.pin());
        println!(
            "If the phone does not list it: {} (address {}, port {})",
            r.url(),
            r.address(),
            r.port()
        );
        println!("Fingerprint LocalSend shows: {}", r.fingerprint());
        println!(
            "Nothing arriving? Allow Safekeep through this computer's firewall (docs/capture.md). Ctrl-C stops."
        );
    }
    std::io::stdout()
        .flush()
        .context("could not write to the terminal")
}

/// Prints events and answers incoming transfers until asked to stop; returns whether any
/// file was refused.
fn follow(
    receiver: &Receiver,
    events: &std::sync::mpsc::Receiver<ReceiveEvent>,
    stop: &AtomicBool,
    args: &Args,
) -> Result<bool> {
    let mut refused = false;
    let mut bar: Option<indicatif::ProgressBar> = None;
    while !stop.load(Ordering::Relaxed) {
        let event = match events.recv_timeout(Duration::from_millis(200)) {
            Ok(e) => e,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if args.json {
            println!("{}", serde_json::to_string(&event)?);
        } else {
            show_progress(&mut bar, &event);
            match &bar {
                Some(b) => b.suspend(|| print_event(&event)),
                None => print_event(&event),
            }
        }
        match &event {
            ReceiveEvent::Incoming { transfer, .. } => {
                let (accept, this_phone) = ask()?;
                receiver.decide(transfer, accept, this_phone);
            }
            ReceiveEvent::Refused { .. } | ReceiveEvent::TransferRefused { .. } => refused = true,
            ReceiveEvent::Finished { refused: n, .. } => {
                refused |= *n > 0;
                if args.once {
                    break;
                }
            }
            ReceiveEvent::Declined { .. } | ReceiveEvent::MessageKept { .. } if args.once => break,
            _ => {}
        }
    }
    Ok(refused)
}

/// One bar on stderr for the transfer being received: the file and the bytes of the
/// whole transfer; cleared when the transfer ends.
fn show_progress(bar: &mut Option<indicatif::ProgressBar>, event: &ReceiveEvent) {
    match event {
        ReceiveEvent::Progress {
            file_name,
            done,
            total,
            ..
        } => {
            let b = bar.get_or_insert_with(|| {
                let b = indicatif::ProgressBar::with_draw_target(
                    Some(*total),
                    indicatif::ProgressDrawTarget::stderr(),
                );
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "Receiving {msg} [{bar:30}] {bytes}/{total_bytes}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                b
            });
            b.set_message(file_name.clone());
            b.set_position(*done);
        }
        ReceiveEvent::Finished { .. } | ReceiveEvent::Declined { .. } => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
        }
        _ => {}
    }
}

/// Asks on the terminal (or reads a line from standard input): y, n, or a (always from
/// this phone until receiving stops). No answer declines.
fn ask() -> Result<(bool, bool)> {
    if std::io::stdin().is_terminal() {
        eprint!("Accept? [y]es / [n]o / [a]lways from this phone: ");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => (true, false),
        "a" | "always" => (true, true),
        _ => (false, false),
    })
}

/// What happens, for the person at the terminal. Every string the phone chose (its name,
/// model, file names, and reasons that quote them) is shown inert: a sender could
/// otherwise write terminal escape sequences (rewrite the prompt, set the window title).
fn print_event(event: &ReceiveEvent) {
    use safekeep_core::bundle::format::one_line as shown;
    match event {
        ReceiveEvent::Incoming {
            sender,
            device_model,
            files,
            bytes,
            message,
            ..
        } => {
            let sender = shown(sender);
            let model = device_model
                .as_deref()
                .map(|m| format!(" ({})", shown(m)))
                .unwrap_or_default();
            if *message {
                eprintln!("\"{sender}\"{model} sends a text message.");
            } else {
                eprintln!("\"{sender}\"{model} wants to send {files} file(s), {bytes} bytes.");
            }
        }
        ReceiveEvent::Accepted { .. } => eprintln!("Accepted."),
        ReceiveEvent::Declined { .. } => eprintln!("Declined: nothing was received."),
        ReceiveEvent::PinRefused { attempts_left: 0 } => eprintln!(
            "Too many wrong PINs: every phone is now refused. Stop (Ctrl-C) and start again for a new PIN."
        ),
        ReceiveEvent::PinRefused { attempts_left } => {
            eprintln!("A phone gave a wrong PIN ({attempts_left} attempts left).")
        }
        ReceiveEvent::TransferRefused { reason } => eprintln!("Refused a transfer: {}.", shown(reason)),
        ReceiveEvent::Progress { .. } => {}
        ReceiveEvent::Kept {
            item_id,
            file_name,
            conversation,
            ..
        } => {
            println!("{item_id}\t{}", shown(file_name));
            if let Some(format) = conversation {
                eprintln!(
                    "\"{}\" is a {} chat export. To read its messages into the case: safekeep import chat --item {item_id}",
                    shown(file_name),
                    format.label()
                );
            }
        }
        ReceiveEvent::Refused {
            file_name, reason, ..
        } => eprintln!("Refused \"{}\": {}.", shown(file_name), shown(reason)),
        ReceiveEvent::MessageKept { item_id } => println!("{item_id}\t(text message, kept as a note)"),
        ReceiveEvent::Finished { kept, refused, .. } => {
            eprintln!("Transfer over: {kept} file(s) kept, {refused} not kept.")
        }
        ReceiveEvent::Notice { message } => eprintln!("Note: {}.", shown(message)),
        _ => {}
    }
}
