//! `safekeep removal`: removal requests drafted from the case for the person to send
//! themselves (Safekeep sends nothing), and their clock. See docs/removal.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;
use clap::{Args, Subcommand};
use safekeep_core::removal::person::Person;
use safekeep_core::removal::{self, DraftOptions, Drafted, RequestKind, RequestStatus, deadline, rdap};

/// What `safekeep removal` does.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Save your name, contact details and typed signature for requests (kept only in
    /// the encrypted vault; never in a bundle). Without options, shows them.
    Me(MeArgs),
    /// What to do before reporting: addresses not captured yet, and the helpline's advice.
    Before {
        /// The case (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
    },
    /// Draft a request for an item; prints its text to copy. Sends nothing.
    Draft(DraftArgs),
    /// Print a request's full text; with --pdf, also save it as a PDF.
    Show {
        /// The request id (or the start of it).
        request: String,
        /// Save the request as a PDF here.
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
    },
    /// Record when you sent a request; its deadline starts then.
    Sent(SentArgs),
    /// Record what became of a request (removed, refused…).
    Outcome {
        /// The request id (or the start of it).
        request: String,
        /// What happened.
        outcome: String,
    },
    /// Every request of a case: sent or not, deadline, overdue, re-captures since.
    List {
        /// The case (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        /// Your time zone (IANA name). Default: this computer's.
        #[arg(long, value_name = "ZONE")]
        tz: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Draft the follow-up of a sent request that was not acted on.
    FollowUp {
        /// The request id (or the start of it).
        request: String,
        /// Your time zone (IANA name). Default: this computer's.
        #[arg(long, value_name = "ZONE")]
        tz: Option<String>,
        /// Save the follow-up as a PDF here.
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
    },
    /// Look up the abuse contacts of an item's site with RDAP (this asks IANA and the
    /// registry over the network; the site itself is not contacted). Kept in the case.
    Lookup(LookupArgs),
    /// The platform directory: where each platform takes reports, with its source and date.
    Platforms,
}

/// The arguments of `safekeep removal me` (its help text is on `Command::Me`).
#[derive(Debug, clap::Args)]
pub struct MeArgs {
    /// Your full name.
    #[arg(long, requires = "contact")]
    pub name: Option<String>,
    /// How the platform can reach you: an e-mail or postal address.
    #[arg(long, requires = "name")]
    pub contact: Option<String>,
    /// Your typed electronic signature (default: /Your Name/).
    #[arg(long, requires = "name")]
    pub signature: Option<String>,
}

/// The arguments of `safekeep removal sent` (its help text is on `Command::Sent`).
#[derive(Debug, clap::Args)]
pub struct SentArgs {
    /// The request id (or the start of it).
    pub request: String,
    /// When you sent it: 2026-03-27 10:00 (your local time) or RFC 3339. Default: now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// The platform's ticket or reference number.
    #[arg(long)]
    pub reference: Option<String>,
    /// Your time zone (IANA name, e.g. Europe/London). Default: this computer's.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

/// The arguments of `safekeep removal lookup` (its help text is on `Command::Lookup`).
#[derive(Debug, clap::Args)]
pub struct LookupArgs {
    /// The item.
    pub item: String,
    /// The address to look up (default: the item's first).
    #[arg(long)]
    pub address: Option<String>,
    /// Where the RDAP bootstrap files are.
    #[arg(long, env = "SAFEKEEP_RDAP_BOOTSTRAP", default_value = rdap::IANA_BOOTSTRAP, hide_default_value = true)]
    pub rdap_bootstrap: String,
}

/// `safekeep removal draft`.
#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The item the request is about.
    pub item: String,
    /// take-it-down (US), uk-report (UK), search-delisting or host-abuse.
    #[arg(long, default_value = "take-it-down")]
    pub kind: String,
    /// The address to name (default: every address of the item).
    #[arg(long)]
    pub address: Option<String>,
    /// You act for the person depicted (an advocate): their name. You are the sender.
    #[arg(long, value_name = "NAME")]
    pub on_behalf_of: Option<String>,
    /// The imagery is synthetic (made or altered by a computer).
    #[arg(long, conflicts_with = "real")]
    pub synthetic: bool,
    /// The imagery is real.
    #[arg(long)]
    pub real: bool,
    /// A search result address (search-delisting; repeat for more).
    #[arg(long = "search-result", value_name = "URL")]
    pub search_results: Vec<String>,
    /// First look up the site's abuse contact with RDAP (network; see `removal lookup`).
    #[arg(long)]
    pub rdap: bool,
    /// Where the RDAP bootstrap files are.
    #[arg(long, env = "SAFEKEEP_RDAP_BOOTSTRAP", default_value = rdap::IANA_BOOTSTRAP, hide_default_value = true)]
    pub rdap_bootstrap: String,
    /// Save the request as a PDF here.
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs one `safekeep removal` command.
pub fn run(dir: &Path, command: Command) -> Result<ExitCode> {
    match command {
        Command::Me(a) => me(dir, a.name, a.contact, a.signature),
        Command::Before { case_id } => before(dir, &case_id),
        Command::Draft(args) => draft(dir, args),
        Command::Show { request, pdf } => show(dir, &request, pdf.as_deref()),
        Command::Sent(a) => sent(dir, &a.request, a.at.as_deref(), a.reference, a.tz.as_deref()),
        Command::Outcome { request, outcome } => {
            println!("{}", super::open(dir)?.removal_outcome(&request, &outcome)?.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::List { case_id, tz, json } => list(dir, &case_id, tz.as_deref(), json),
        Command::FollowUp { request, tz, pdf } => follow_up(dir, &request, tz.as_deref(), pdf.as_deref()),
        Command::Lookup(a) => lookup(dir, &a.item, a.address, &a.rdap_bootstrap),
        Command::Platforms => platforms(),
    }
}

fn me(
    dir: &Path,
    name: Option<String>,
    contact: Option<String>,
    signature: Option<String>,
) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    if let (Some(name), Some(contact)) = (name, contact) {
        vault.set_removal_person(&Person {
            name,
            contact,
            signature,
        })?;
        eprintln!(
            "Saved in the encrypted vault. They appear only in the requests you draft, never in a bundle."
        );
        return Ok(ExitCode::SUCCESS);
    }
    match vault.removal_person()? {
        Some(p) => println!(
            "Name: {}\nContact: {}\nSignature: {}",
            p.name,
            p.contact,
            p.signature()
        ),
        None => println!("Not set yet: safekeep removal me --name \"Your Name\" --contact you@example.org"),
    }
    Ok(ExitCode::SUCCESS)
}

fn before(dir: &Path, case_id: &str) -> Result<ExitCode> {
    let b = super::open(dir)?.before_reporting(case_id)?;
    println!("Before reporting\n\n{}\n({})\n", b.advice, b.source);
    if b.not_captured.is_empty() {
        println!("Every address in this case has been captured.");
    } else {
        println!("Not captured yet (capture them first: safekeep capture url ADDRESS --case {case_id}):");
        b.not_captured.iter().for_each(|u| println!("  {}", one_line(u)));
    }
    Ok(ExitCode::SUCCESS)
}

fn draft(dir: &Path, a: DraftArgs) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    if a.rdap {
        let address = vault.address_for(&a.item, a.address.as_deref())?;
        print_lookups(&safekeep_capture::rdap::look_up_to_vault(
            &mut vault,
            &a.item,
            &address,
            &a.rdap_bootstrap,
        )?);
    }
    let synthetic = (a.synthetic || a.real).then_some(a.synthetic);
    let opts = DraftOptions {
        kind: RequestKind::parse(&a.kind)?,
        item: a.item,
        address: a.address,
        on_behalf_of: a.on_behalf_of,
        synthetic,
        search_results: a.search_results,
    };
    let d = vault.draft_removal(&opts)?;
    finish(&d, a.pdf.as_deref(), a.json)
}

fn show(dir: &Path, request: &str, pdf: Option<&Path>) -> Result<ExitCode> {
    let (title, text) = super::open(dir)?.removal_text(request)?;
    if let Some(p) = pdf {
        removal::pdf::save_request_pdf(&title, &text, p)?;
        eprintln!("Wrote {}", p.display());
    }
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn sent(
    dir: &Path,
    request: &str,
    at: Option<&str>,
    reference: Option<String>,
    tz: Option<&str>,
) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let zone = deadline::zone(tz)?;
    let at = match at {
        Some(t) => deadline::parse_sent(t, zone)?,
        None => vault.clock().now().with_timezone(&Utc),
    };
    vault.mark_removal_sent(request, at, reference)?;
    let now = vault.clock().now().with_timezone(&Utc);
    print_status(&vault.removal_status(request, now, zone)?);
    Ok(ExitCode::SUCCESS)
}

fn list(dir: &Path, case_id: &str, tz: Option<&str>, json: bool) -> Result<ExitCode> {
    let vault = super::open(dir)?;
    let now = vault.clock().now().with_timezone(&Utc);
    let all = vault.removal_requests(case_id, now, deadline::zone(tz)?)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"requests": all, "now": deadline::utc(now)}))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let overdue = all.iter().filter(|s| s.overdue).count();
    println!("{} request(s); {overdue} overdue\n", all.len());
    all.iter().for_each(print_status);
    Ok(ExitCode::SUCCESS)
}

fn follow_up(dir: &Path, request: &str, tz: Option<&str>, pdf: Option<&Path>) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let now = vault.clock().now().with_timezone(&Utc);
    let d = vault.draft_follow_up(request, now, deadline::zone(tz)?)?;
    finish(&d, pdf, false)
}

fn lookup(dir: &Path, item: &str, address: Option<String>, bootstrap: &str) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let address = vault.address_for(item, address.as_deref())?;
    print_lookups(&safekeep_capture::rdap::look_up_to_vault(
        &mut vault, item, &address, bootstrap,
    )?);
    Ok(ExitCode::SUCCESS)
}

fn platforms() -> Result<ExitCode> {
    let d = removal::directory::directory();
    println!("Platform directory, compiled {}. {}\n", d.compiled, d.note);
    for p in &d.platforms {
        println!(
            "{} ({}): report at {}\n  US covered platform: {}; UK user-to-user: {}\n  Source: {} (checked: {})\n",
            p.name,
            p.hosts.join(", "),
            p.report_page.as_deref().unwrap_or("unknown"),
            p.us_covered_platform,
            p.uk_user_to_user,
            p.source,
            p.checked.as_deref().unwrap_or("never")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn finish(d: &Drafted, pdf: Option<&Path>, json: bool) -> Result<ExitCode> {
    if let Some(p) = pdf {
        removal::pdf::save_request_pdf(&d.title, &d.text, p)?;
        eprintln!("Wrote {}", p.display());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(d)?);
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("Before reporting: {}", d.before_reporting.advice);
    for u in &d.before_reporting.not_captured {
        eprintln!("  Not captured yet: {}", one_line(u));
    }
    match &d.platform {
        Some(p) => eprintln!(
            "{}: report at {} (directory entry: {}, checked {}).",
            p.name,
            p.report_page
                .as_deref()
                .unwrap_or("an address not in the directory"),
            p.source,
            p.checked.as_deref().unwrap_or("never")
        ),
        None => eprintln!(
            "{} is not in Safekeep's platform directory: this is a generic request.",
            one_line(&d.recipient)
        ),
    }
    eprintln!(
        "Request {} (SHA-256 {}). Safekeep sends nothing: copy it below, send it yourself, then record it with `safekeep removal sent {}`.\n",
        d.request_id, d.sha256, d.request_id
    );
    print!("{}", d.text);
    Ok(ExitCode::SUCCESS)
}

fn print_status(s: &RequestStatus) {
    let state = match (&s.sent_at, s.open, s.overdue) {
        (_, false, _) => format!("closed ({})", s.outcome.as_deref().unwrap_or("")),
        (None, _, _) => "drafted, not sent yet".to_owned(),
        (Some(_), true, true) => "OVERDUE".to_owned(),
        (Some(_), true, false) => "open, waiting".to_owned(),
    };
    println!(
        "{} — {}\n  Request {} about item {} ({}): {state}",
        one_line(&s.title),
        one_line(&s.item_title),
        s.request_id,
        s.item_id,
        s.kind
    );
    if let Some(sent) = &s.sent_at {
        println!(
            "  Sent {sent}{}",
            s.reference
                .as_ref()
                .map(|r| format!(", reference {}", one_line(r)))
                .unwrap_or_default()
        );
    }
    if let (Some(d), Some(shown)) = (&s.deadline, &s.deadline_shown) {
        println!("  Deadline {shown} [{d}]");
    }
    for r in &s.recaptures {
        let when = if r.at_or_after_deadline {
            "at or after the deadline"
        } else {
            "before the deadline"
        };
        println!("  Re-captured {} ({when}): item {}", r.captured_at, r.item_id);
    }
    if s.check_again_offered {
        println!(
            "  The deadline has passed: capture the address again to show whether it is still up: safekeep capture url --check-again {}",
            s.item_id
        );
    }
    println!();
}

fn print_lookups(found: &[safekeep_core::vault::Annotation]) {
    for a in found {
        eprintln!("RDAP: {}", one_line(&a.body.describe()));
    }
    if found.iter().all(|a| matches!(&a.body, safekeep_core::vault::AnnotationBody::RdapLookup { abuse_emails, .. } if abuse_emails.is_empty())) {
        eprintln!("No abuse contact was found: the letter is drafted without one.");
    }
}

fn one_line(s: &str) -> String {
    safekeep_core::bundle::format::one_line(s)
}
