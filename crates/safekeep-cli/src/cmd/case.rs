//! `safekeep case new | list | rename | safeguard | import`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use safekeep_core::Vault;
use std::io::Write;

use safekeep_core::vault::{Safeguard, SafeguardChange, Service, Under18};

use crate::cli::CaseCommand;
use crate::output;

/// Runs a case subcommand.
pub fn run(dir: &Path, command: CaseCommand) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    match command {
        CaseCommand::New { title, under_18 } => {
            let answer = under_18.as_deref().map(Under18::parse).transpose()?;
            println!("{}", vault.create_case_answering(&title, answer)?);
        }
        CaseCommand::Safeguard {
            case_id,
            under_18,
            withdraw_pictures,
            service,
            reference,
            json,
        } => safeguard(
            &mut vault,
            &case_id,
            under_18,
            withdraw_pictures,
            service.zip(reference),
            json,
        )?,
        CaseCommand::List { json } => output::cases(&vault.cases()?, json)?,
        CaseCommand::Rename { case_id, title } => vault.rename_case(&case_id, &title)?,
        CaseCommand::Import {
            bundle,
            bundle_passphrase_file,
            identity,
            json,
        } => {
            let key =
                super::bundle::bundle_key(&bundle, bundle_passphrase_file.as_deref(), identity.as_deref())?;
            let bar = output::bytes_bar("Checking the bundle");
            let got = vault.import_case(&bundle, key.as_ref(), &|p| output::handover_progress(&bar, p))?;
            bar.finish_and_clear();
            output::imported_case(&got, json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `case safeguard`: records the answer and a reference when given, then shows the result.
fn safeguard(
    vault: &mut Vault,
    case_id: &str,
    under_18: Option<String>,
    withdraw: bool,
    reference: Option<(String, String)>,
    json: bool,
) -> Result<()> {
    let change = match under_18 {
        Some(a) => Some(vault.answer_under_18(case_id, Under18::parse(&a)?, withdraw)?),
        None => None,
    };
    if let Some((service, reference)) = reference {
        vault.record_service_reference(case_id, Service::parse(&service)?, &reference)?;
    }
    print(&vault.safeguard(case_id)?, change.as_ref(), json)
}

/// Prints a case's safeguard, and what a change withdrew.
fn print(s: &Safeguard, change: Option<&SafeguardChange>, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let v = serde_json::json!({ "safeguard": s, "change": change });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    let answer = match s.under_18 {
        None => "not answered (you never have to)",
        Some(Under18::Yes) => "yes",
        Some(Under18::No) => "no",
        Some(Under18::NotSure) => "not sure",
    };
    writeln!(out, "Under 18 when the images were made: {answer}")?;
    if s.no_images {
        writeln!(
            out,
            "This is a no-images case: pictures and videos are not kept. This is not your fault.\n\
Please do not keep or send the image. These services can have it taken down without anyone keeping a copy:\n\
  Report Remove (Childline and IWF, UK, for under-18s): report images, videos or web addresses; the IWF reviews them and has them removed.\n\
  Take It Down (NCMEC, outside the UK): makes a fingerprint of the image on your own device, so platforms can find and remove copies.\n\
Record their reference with: safekeep case safeguard CASE --service report-remove --reference REF"
        )?;
    }
    for r in &s.references {
        writeln!(
            out,
            "{} reference {} (recorded {})",
            r.service.name(),
            r.reference,
            r.recorded_at
        )?;
    }
    if let Some(c) = change {
        for id in &c.withdrawn {
            writeln!(out, "Withdrawn, its stored files deleted: {id}")?;
        }
        for (id, why) in &c.kept {
            writeln!(out, "Still holds pictures or videos: {id} ({why})")?;
        }
        if !c.kept.is_empty() {
            writeln!(
                out,
                "To withdraw them: safekeep case safeguard CASE --under-18 yes --withdraw-pictures"
            )?;
        }
    }
    Ok(())
}
