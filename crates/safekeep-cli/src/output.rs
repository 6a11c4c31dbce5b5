//! How results look: tables and details for people, JSON for scripts, progress on stderr.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use safekeep_core::db::cases::CaseRow;
use safekeep_core::db::events::EventRow;
use safekeep_core::vault::{CheckReport, ItemView};

/// Batches smaller than this get no progress bar.
const BAR_THRESHOLD: u64 = 16 << 20;

/// One progress bar on stderr for a whole import: files, bytes and time left, shown
/// once the batch is large enough to take a while.
#[derive(Default)]
pub struct ImportBar {
    bar: std::cell::RefCell<Option<ProgressBar>>,
}

impl ImportBar {
    /// Moves the bar to `p`.
    pub fn advance(&self, p: &safekeep_core::vault::BatchProgress) {
        if p.bytes_total < BAR_THRESHOLD && p.files < 200 {
            return;
        }
        let mut slot = self.bar.borrow_mut();
        let bar = slot.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(Some(p.bytes_total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("Importing {msg} [{bar:30}] {bytes}/{total_bytes} ({eta} left)")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        });
        bar.set_message(format!("file {} of {}", p.files_done.min(p.files), p.files));
        bar.set_position(p.bytes_done);
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}

/// A bar on stderr counting `total` things, shown only when there are enough to wait for.
pub fn count_bar(total: u64, what: &str) -> ProgressBar {
    let target = if total >= 20 {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

/// Says on stderr how many pictures and videos wait for their perceptual fingerprint.
pub fn fingerprints_waiting(vault: &safekeep_core::Vault) -> Result<()> {
    let n = vault.fingerprints_waiting_count()?;
    if n > 0 {
        eprintln!(
            "{n} picture(s) or video(s) wait for their perceptual (PDQ) fingerprint; `safekeep list`, `show`, `takedown`, `report` and `export` compute them first."
        );
    }
    Ok(())
}

/// A spinner counting bytes, for long checks.
/// Shows a recovery key once, on stderr (stdout may be captured by a script or a log).
pub fn recovery_key(key: &safekeep_core::keyring::RecoveryKey) {
    eprintln!();
    eprintln!("  RECOVERY KEY (shown only this once):");
    eprintln!();
    eprintln!("      {}", key.as_str());
    eprintln!();
    eprintln!("  If you forget your passphrase, this key is the only way back in: nobody,");
    eprintln!("  including Safekeep's makers, can recover your evidence without one of them.");
    eprintln!("  Write it on paper and keep it somewhere safe, away from this computer.");
    eprintln!("  Use it with `safekeep passphrase recover`.");
    eprintln!();
}

/// One line per step of `safekeep encrypt`, so progress survives in a log.
pub fn encrypt_step(step: safekeep_core::vault::EncryptStep) {
    use safekeep_core::vault::EncryptStep::*;
    match step {
        Sealing { done, total } if done < total => {
            eprintln!("Encrypting stored file {} of {total}", done + 1)
        }
        Sealing { total, .. } => eprintln!("Encrypted {total} stored files"),
        Database => eprintln!("Encrypting the database"),
        Committed => eprintln!("Switched to the encrypted vault"),
        Finishing { done, total } if done < total => eprintln!("Tidying up: file {} of {total}", done + 1),
        Finishing { .. } => eprintln!("Removed the unencrypted copies"),
    }
}

/// One line per step of `safekeep passphrase change --new-keys`, so progress survives in
/// a log and the moment of the switch is visible.
pub fn rotate_step(step: safekeep_core::vault::EncryptStep) {
    use safekeep_core::vault::EncryptStep::*;
    match step {
        Sealing { done, total } if done < total => {
            eprintln!("Re-encrypting stored file {} of {total}", done + 1)
        }
        Sealing { total, .. } => {
            eprintln!("Re-encrypted {total} stored files, each checked against its SHA-256")
        }
        Database => eprintln!("Re-encrypting the database"),
        Committed => {
            eprintln!("Switched to the new keys: from now on only the new passphrase opens the vault")
        }
        Finishing { done, total } if done < total => eprintln!("Tidying up: file {} of {total}", done + 1),
        Finishing { .. } => eprintln!("Removed the files under the old keys"),
    }
}

/// What a plain passphrase change did, and what it did not do.
pub fn passphrase_changed() {
    eprintln!("The passphrase is changed. Your recovery key is unchanged and still works.");
    eprintln!(
        "This does not lock out copies: a copy of the vault folder or a backup made before still opens with the old passphrase (and with the recovery key). To lock them out, run `safekeep passphrase change --new-keys`."
    );
}

/// What a key rotation did, and what no software can do: copies made before keep the old
/// secrets, so the person is told to make a fresh backup and remove the old one.
pub fn keys_rotated(dir: &std::path::Path, last_backup: Option<&safekeep_core::vault::LastBackup>) {
    eprintln!(
        "Every key of the vault in {} is new, and every stored file has a new name. The old passphrase and the old recovery key no longer open it.",
        dir.display()
    );
    eprintln!(
        "Copies made before still open with the old secrets: a backup or a copy of the vault folder taken before now still opens with the old passphrase or the old recovery key, and shows what the vault held then."
    );
    eprintln!(
        "The signing key is unchanged (so is the fingerprint): whoever holds such a copy could also sign bundles under it. If that may have happened, tell the people who rely on your fingerprint that only bundles you send them directly are yours."
    );
    match last_backup {
        Some(b) => eprintln!(
            "Make a fresh backup now, into a new empty folder (`safekeep backup FOLDER`), then delete the old backup in {} (made {}).",
            b.dir.display(),
            b.at
        ),
        None => eprintln!("Make a fresh backup now, into a new empty folder: `safekeep backup FOLDER`."),
    }
}

/// What replacing the recovery key did, and what it did not do.
pub fn recovery_key_replaced() {
    eprintln!("The old recovery key no longer opens this vault. Your passphrase is unchanged.");
    eprintln!(
        "This does not lock out copies: a copy of the vault folder or a backup made before still opens with the old recovery key. To lock them out, run `safekeep passphrase change --new-keys`."
    );
}

/// Counts down on stderr, one line per second, so the person can switch windows.
pub fn countdown(delay: std::time::Duration) {
    for left in (1..=delay.as_secs()).rev() {
        eprintln!("Capturing in {left}…");
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// Prints a capture: its id (or JSON with the item and timings).
pub fn captured(c: &safekeep_capture::screen::Captured, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(c)?);
    } else {
        for a in &c.item.artifacts {
            eprintln!(
                "Captured {} ({} bytes, SHA-256 {})",
                a.original_name.as_deref().unwrap_or(&a.role),
                a.size,
                a.sha256
            );
        }
        println!("{}", c.item.id);
    }
    Ok(())
}

/// Reports a screen recording: the id on stdout, what was kept on stderr.
pub fn recorded(item: &safekeep_core::item::ItemRecord, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(item)?);
        return Ok(());
    }
    let cap = item.capture.clone().unwrap_or_default();
    eprintln!(
        "Recorded {} ({}, {} frames, {:.1} s; ended because {}).",
        item.title,
        cap["resolution"].as_str().unwrap_or("?"),
        cap["frames"],
        cap["recorded_ms"].as_u64().unwrap_or(0) as f64 / 1000.0,
        cap["ended_because"].as_str().unwrap_or("it ended")
    );
    for a in &item.artifacts {
        eprintln!(
            "Sealed {} ({} bytes, SHA-256 {})",
            a.original_name.as_deref().unwrap_or(&a.role),
            a.size,
            a.sha256
        );
    }
    println!("{}", item.id);
    Ok(())
}

/// Reports a captured web page: the id on stdout, what was kept and skipped on stderr.
pub fn captured_page(c: &safekeep_capture::web::Captured, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(c)?);
        return Ok(());
    }
    let s = &c.summary;
    if let Some(browser) = &s.browser {
        eprintln!(
            "Recorded {} in Safekeep's browser, {browser} (status {}, {} request(s))",
            s.final_url, s.status, s.requests
        );
    } else {
        eprintln!(
            "Fetched {} (status {}, {} request(s))",
            s.final_url, s.status, s.requests
        );
    }
    for a in &c.item.artifacts {
        eprintln!(
            "Kept {} ({} bytes, SHA-256 {})",
            a.original_name.as_deref().unwrap_or(&a.role),
            a.size,
            a.sha256
        );
    }
    if let Some(c) = &s.compared {
        eprintln!("Checked again against item {}: {}", c.item_id, c.verdict);
    }
    if s.certificate_verified == Some(false) {
        eprintln!("Note: the site's certificate did not verify; the record says so and why.");
    }
    if let Some(why) = &s.render_skipped {
        eprintln!("Not rendered: {why}. The fetch was kept.");
    }
    if let Some(m) = &s.media {
        page_videos(m);
    }
    if let Some(a) = &s.account {
        page_account(a);
    }
    if s.login_suspected {
        eprintln!(
            "This looks like a login page. If the content needs you to be logged in, log in with `safekeep browser open`, then capture it with `safekeep capture url --browser`."
        );
    }
    println!("{}", c.item.id);
    Ok(())
}

/// The account the page is about, as the page said it.
fn page_account(a: &safekeep_capture::web::account::Account) {
    let handle = a.handle.as_deref().unwrap_or("an account");
    match (&a.permanent_id, a.id_from) {
        (Some(id), Some(from)) => eprintln!(
            "The page is about {handle} on {}: its permanent ID is {id} (from {from}). Check that this is the account that posted.",
            a.platform
        ),
        _ => eprintln!(
            "The page is about {handle} on {}, but did not give the account's permanent ID: when you report, ask the platform for it, quoting the handle and the address.",
            a.platform
        ),
    }
}

/// What became of the videos a captured page shows.
fn page_videos(m: &safekeep_capture::web::media::Report) {
    if !m.asked {
        eprintln!(
            "This page shows {} video(s), which were not kept. To keep them as well, capture it again with --media.",
            m.found.len()
        );
        return;
    }
    if let Some(v) = &m.yt_dlp {
        eprintln!("Videos kept with yt-dlp {v}; its request log is kept as yt-dlp.log.");
    } else if let Some(why) = &m.yt_dlp_note {
        eprintln!("Safekeep fetched the videos itself: {why}.");
    }
    for k in &m.kept {
        let how = match (k.segments, k.live) {
            (Some(n), true) => format!(", {n} segments of a live stream: what it listed when captured"),
            (Some(n), false) => format!(", {n} stream segments joined in order"),
            (None, _) => String::new(),
        };
        eprintln!("Kept the video {} as {}{how}", k.url, k.file);
    }
    for n in &m.not_kept {
        eprintln!("Not kept: the video {}: {}.", n.url, n.reason);
    }
    if m.kept.is_empty() && m.not_kept.is_empty() {
        eprintln!("No video was found on the page. If it plays one, record the screen while it plays.");
    } else if !m.hosts.is_empty() {
        eprintln!("Sites contacted for the videos: {}", m.hosts.join(", "));
    }
}

/// Lists what can be captured.
pub fn capture_targets(
    monitors: &[safekeep_capture::screen::MonitorInfo],
    windows: std::result::Result<
        Vec<safekeep_capture::screen::WindowInfo>,
        safekeep_capture::screen::CaptureError,
    >,
    json: bool,
) -> Result<()> {
    let (windows, note) = match windows {
        Ok(w) => (w, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "monitors": monitors, "windows": windows, "windows_note": note })
        );
        return Ok(());
    }
    println!("Monitors (use --monitor N):");
    for m in monitors {
        println!(
            "  {}  {} {}×{} (scale {}){}",
            m.number,
            m.name,
            m.width,
            m.height,
            m.scale_factor,
            if m.primary { ", primary" } else { "" }
        );
    }
    println!("Windows (use --window \"part of the title\"):");
    for w in &windows {
        println!("  \"{}\" — {} ({}×{})", w.title, w.app_name, w.width, w.height);
    }
    if let Some(note) = note {
        println!("  ({note})");
    }
    Ok(())
}

/// A progress bar for bytes.
pub fn bytes_bar(message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg}: {bytes} {spinner}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_owned());
    bar
}

/// Prints the new ids on stdout and each failure on stderr; fails if any file failed.
pub fn import_results(
    results: &[(
        std::path::PathBuf,
        Result<safekeep_core::vault::Imported, safekeep_core::Error>,
    )],
) -> Result<ExitCode> {
    use safekeep_core::vault::Imported;
    let (mut failed, mut already) = (0, 0);
    let mut out = io::stdout().lock();
    for (path, r) in results {
        match r {
            Ok(Imported::New(item)) => writeln!(out, "{}", item.id)?,
            Ok(Imported::AlreadyInCase { item_id }) => {
                already += 1;
                writeln!(out, "{item_id}")?;
                if results.len() <= 20 {
                    eprintln!(
                        "safekeep: {} is already in this case as item {item_id}; not imported again.",
                        path.display()
                    );
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("safekeep: {e}");
            }
        }
    }
    out.flush()?;
    let new = results.len() - failed - already;
    if already > 0 && results.len() > 20 {
        eprintln!("safekeep: {already} file(s) were already in this case and were not imported again.");
    }
    if failed == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "safekeep: {failed} of {} file(s) could not be imported (see above); {new} were kept safely{}.",
        results.len(),
        if already > 0 {
            format!(", {already} were already in the case")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::FAILURE)
}

/// Prints cases.
pub fn cases(cases: &[CaseRow], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(cases)?)?;
        return Ok(());
    }
    if cases.is_empty() {
        eprintln!("No cases yet. Create one with: safekeep case new \"A title\"");
    }
    for c in cases {
        writeln!(
            out,
            "{}  {}  {}",
            c.id,
            &c.created_at[..10.min(c.created_at.len())],
            c.title
        )?;
    }
    Ok(())
}

/// Prints items as a table or a JSON array.
pub fn items(items: &[ItemView], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(items)?)?;
        return Ok(());
    }
    if items.is_empty() {
        eprintln!("No items yet. Add some with `safekeep import` or `safekeep note`.");
        return Ok(());
    }
    writeln!(
        out,
        "{:<36}  {:<24}  {:<10}  {:<12}  TITLE",
        "ID", "CAPTURED (UTC)", "KIND", "SHA-256"
    )?;
    for i in items {
        let r = &i.record;
        let sha = r.artifacts.first().map(|a| &a.sha256[..12]).unwrap_or("-");
        let mark = if i.withdrawn.is_some() { " [withdrawn]" } else { "" };
        writeln!(
            out,
            "{:<36}  {:<24}  {:<10}  {:<12}  {}{mark}",
            r.id,
            r.captured_at,
            r.kind.as_str(),
            sha,
            r.title
        )?;
    }
    Ok(())
}

/// Prints one item in full.
pub fn item(view: &ItemView, json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(view)?)?;
        return Ok(());
    }
    let r = &view.record;
    let c = &r.context;
    writeln!(out, "{}\n", r.title)?;
    writeln!(out, "Recorded by the computer")?;
    for (k, v) in [
        ("Item", r.id.as_str()),
        ("Case", &r.case_id),
        ("Kind", r.kind.as_str()),
        ("Captured (UTC)", &r.captured_at),
        ("Local UTC offset", &r.utc_offset),
        ("Clock", &r.clock_source),
        ("Captured with", &r.app_version),
        ("Computer", r.host_shown()),
    ] {
        field(&mut out, k, Some(v))?;
    }
    for (n, a) in r.artifacts.iter().enumerate() {
        writeln!(
            out,
            "  File {}: {} ({}, {} bytes)",
            n + 1,
            a.source_path
                .as_deref()
                .or(a.original_name.as_deref())
                .unwrap_or(&a.role),
            a.media_type,
            a.size
        )?;
        writeln!(out, "    SHA-256 {}", a.sha256)?;
        if let Some((_, pdq)) = view.pdq.iter().find(|(i, _)| *i as usize == n) {
            writeln!(out, "    PDQ {} (quality {})", pdq.hex(), pdq.quality)?;
        }
        if let Some((_, frames)) = view.vpdq.iter().find(|(i, _)| *i as usize == n) {
            writeln!(
                out,
                "    vPDQ: {} frame hashes, one a second (show --json lists them)",
                frames.len()
            )?;
        }
        if view.pdq_waiting.contains(&(n as u32)) {
            if safekeep_core::vpdq::is_video(&a.media_type) {
                writeln!(
                    out,
                    "    Fingerprint pending: FFmpeg makes it and was not found (on Debian or Ubuntu: sudo apt install ffmpeg)"
                )?;
            } else {
                writeln!(out, "    Fingerprint pending")?;
            }
        }
        if let Some(m) = &a.modified_at {
            writeln!(out, "    File last modified {m}")?;
        }
    }
    if let Some(t) = &view.timestamp {
        use safekeep_core::vault::ItemTimestamp;
        match t {
            ItemTimestamp::Stamped {
                tsa,
                gen_time,
                signer,
            } => {
                field(
                    &mut out,
                    "Trusted timestamp",
                    Some(&format!("{gen_time} by {signer} ({tsa})")),
                )?;
            }
            ItemTimestamp::Unrecognised { gen_time, signer, .. } => {
                field(
                    &mut out,
                    "Trusted timestamp",
                    Some(&format!(
                        "none: a timestamp by an authority this computer does not recognise ({gen_time} by {signer})"
                    )),
                )?;
            }
            ItemTimestamp::Waiting { since, .. } => {
                field(
                    &mut out,
                    "Trusted timestamp",
                    Some(&format!("waiting since {since}")),
                )?;
            }
        }
    }
    if let Some(reading) = r
        .capture
        .as_ref()
        .and_then(|c| serde_json::from_value::<safekeep_core::vault::Reading>(c["reading"].clone()).ok())
    {
        writeln!(out, "\nHow the conversation was read")?;
        let read_as = format!(
            "{} ({}), {}, by {}",
            reading.format.label(),
            reading.variant,
            reading.format_basis,
            reading.parser
        );
        field(&mut out, "Read as", Some(&read_as))?;
        field(&mut out, "Chat file", Some(&reading.chat_files.join(", ")))?;
        field(&mut out, "Messages", Some(&reading.messages.to_string()))?;
        field(&mut out, "Times", Some(&reading.timezone_basis))?;
        field(&mut out, "Dates", reading.date_order_basis.as_deref())?;
        for w in &reading.warnings {
            field(&mut out, "Warning", Some(w))?;
        }
    }
    if !view.similar.is_empty() {
        writeln!(out, "\nLooks like (PDQ, within 31 of 256 bits)")?;
        for s in &view.similar {
            let frames = match (s.second, s.other_second) {
                (Some(mine), _) => format!(" (this video's frame at {mine} s)"),
                (None, Some(theirs)) => format!(" (its video's frame at {theirs} s)"),
                (None, None) => String::new(),
            };
            writeln!(
                out,
                "  item {} \"{}\" in case {}: distance {}{frames}",
                s.item_id, s.title, s.case_id, s.distance
            )?;
        }
    }
    if !view.similar_videos.is_empty() {
        writeln!(
            out,
            "\nVideos that look like it (vPDQ: share of each video's seconds found in the other)"
        )?;
        for s in &view.similar_videos {
            writeln!(
                out,
                "  item {} \"{}\" in case {}: {} % of this one in it, {} % of it in this one",
                s.item_id, s.title, s.case_id, s.this_in_other, s.other_in_this
            )?;
        }
    }
    writeln!(out, "\nWhat you said about it")?;
    for (k, v) in c.labelled() {
        field(&mut out, k, v)?;
    }
    for a in &view.annotations {
        let text = a.body.describe();
        writeln!(out, "  {}  {text}", a.created_at)?;
    }
    if let Some(w) = &view.withdrawn {
        writeln!(out, "\nWithdrawn on {}: {}", w.at, w.reason)?;
    }
    Ok(())
}

fn field(out: &mut impl Write, key: &str, value: Option<&str>) -> io::Result<()> {
    if let Some(v) = value {
        writeln!(out, "  {key:<17} {v}")?;
    }
    Ok(())
}

/// Prints a case's audit events.
pub fn events(events: &[EventRow], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    for e in events {
        if json {
            writeln!(out, "{}", e.body)?;
        } else {
            writeln!(out, "#{:<4} {}  {:<15} {}", e.seq, e.at, e.kind, e.hash)?;
        }
    }
    Ok(())
}

/// Prints a check report.
pub fn check_report(report: &CheckReport, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    println!(
        "Checked {} case(s), {} audit event(s), {} item(s), {} stored file(s) ({} bytes).",
        report.cases, report.events, report.items, report.blobs, report.bytes
    );
    for p in &report.problems {
        println!("✘ {p}");
    }
    for o in &report.orphans {
        let done = if report.removed.contains(o) {
            "removed"
        } else {
            "run `safekeep check --repair` to remove it"
        };
        println!("✘ leftover file not used by any item: {} ({done})", o.display());
    }
    if report.is_ok() {
        println!("✔ Everything is intact.");
    }
    Ok(())
}

/// Prints what an export produced.
pub fn export_summary(s: &safekeep_core::bundle::ExportSummary, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(s)?);
        return Ok(());
    }
    eprintln!(
        "Exported {} exhibit(s), {} bytes of evidence, to {}",
        s.items,
        s.payload_bytes,
        s.path.display()
    );
    eprintln!("Signed by key {}", s.key_fingerprint);
    if s.timestamped_items > 0 {
        eprintln!("{} exhibit(s) carry a trusted timestamp", s.timestamped_items);
    }
    match &s.timestamp {
        Some(safekeep_core::bundle::BundleTimestamp::Stamped { tsa, gen_time }) => {
            eprintln!("The bundle was timestamped by {tsa} at {gen_time}");
        }
        Some(safekeep_core::bundle::BundleTimestamp::Failed { why }) => {
            eprintln!("The bundle could not be timestamped ({why}); it is complete without it.");
        }
        None => {}
    }
    eprintln!(
        "Send the key fingerprint by another channel (read it out, or text it) so the recipient can check it."
    );
    eprintln!("SHA-256 of the bundle:");
    println!("{}", s.sha256);
    Ok(())
}

/// Prints a verification report: one ✔/✘ line per check, then the verdict.
pub fn verify_report(r: &safekeep_core::bundle::VerifyReport, json: bool) -> Result<()> {
    use safekeep_core::bundle::Verdict;
    if json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(());
    }
    let mut out = io::stdout().lock();
    for c in &r.checks {
        let mark = match (c.ok, c.unrecognised) {
            (true, false) => "✔",
            (true, true) => "?",
            (false, _) => "✘",
        };
        writeln!(out, "{mark} {}", c.check)?;
        // Details quote the bundle (entry names, certificate names): nothing in them may
        // act on the terminal.
        for d in c.details.iter().filter(|d| !d.is_empty()) {
            writeln!(out, "    {}", safekeep_core::bundle::format::inert_lines(d))?;
        }
    }
    if let Some(fp) = &r.key_fingerprint {
        writeln!(
            out,
            "Signing key fingerprint: {}",
            safekeep_core::bundle::format::inert_text(fp)
        )?;
    }
    let verdict = match r.verdict {
        Verdict::Intact => "INTACT: every check passed. Nothing in the bundle changed since it was exported.",
        Verdict::Altered => {
            "ALTERED OR INCONSISTENT: see the ✘ lines above. Do not rely on this bundle as it is."
        }
        Verdict::NotABundle => "NOT A SAFEKEEP BUNDLE, or it cannot be read.",
        Verdict::UnrecognisedTimestamp => {
            "INTACT, BUT A TIMESTAMP IS BY AN AUTHORITY THIS COMPUTER DOES NOT RECOGNISE (the ? line above): nothing changed since export, but that timestamp proves nothing until you recognise its root (compare its SHA-256 with the one the authority publishes, or give it with --trust-tsa-root)."
        }
    };
    writeln!(out, "{verdict}")?;
    Ok(())
}

/// Reports that timestamping was turned on.
pub fn timestamp_enabled(status: &safekeep_core::vault::TimestampStatus, queued: usize) {
    eprintln!("Timestamping is on. Authorities, tried in order:");
    for a in &status.settings.authorities {
        let trust = if a.certificates.is_some() {
            "your certificate file"
        } else {
            "this computer's trusted roots"
        };
        eprintln!("  {} (trusted via {trust})", a.url);
    }
    eprintln!(
        "Each item sends one hash of a salted commitment, which reveals nothing about the evidence. {queued} item(s) queued."
    );
}

/// Prints the timestamp settings and queue.
pub fn timestamp_status(status: &safekeep_core::vault::TimestampStatus, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(status)?);
        return Ok(());
    }
    let mut out = io::stdout().lock();
    let on = if status.settings.enabled { "on" } else { "off" };
    writeln!(out, "Timestamping: {on}")?;
    for a in &status.settings.authorities {
        writeln!(out, "Authority:    {}", a.url)?;
    }
    writeln!(out, "Timestamped:  {} item(s)", status.stamped)?;
    writeln!(out, "Waiting:      {} item(s)", status.waiting)?;
    if let Some(why) = &status.last_error {
        writeln!(out, "Last failure: {why}")?;
    }
    Ok(())
}

/// Reports a timestamp run: each item's token on stdout, failures on stderr.
pub fn stamped(summary: &safekeep_capture::timestamp::RunSummary, json: bool) -> Result<()> {
    use safekeep_core::vault::ItemTimestamp;
    if json {
        println!("{}", serde_json::to_string_pretty(summary)?);
        return Ok(());
    }
    for s in &summary.stamped {
        if let ItemTimestamp::Stamped { tsa, gen_time, .. } = &s.timestamp {
            eprintln!("Timestamped {} by {tsa} at {gen_time}", s.item_id);
        }
    }
    for w in &summary.waiting {
        eprintln!(
            "Not timestamped yet: {} ({}). It stays queued; `safekeep timestamp run` retries.",
            w.item_id, w.why
        );
    }
    Ok(())
}

/// Prints a case's takedown list (the pack's text form), or JSON with `open` requests.
pub fn takedown(t: &safekeep_core::takedown::Takedown, now: &str, json: bool) -> Result<ExitCode> {
    if json {
        let open: Vec<_> = t
            .open_requests()
            .iter()
            .map(|(i, r)| serde_json::json!({"item_id": i.item_id, "title": i.title, "report": r}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"takedown": t, "open": open}))?
        );
    } else {
        print!("{}", safekeep_core::takedown::to_text(t, now));
    }
    Ok(ExitCode::SUCCESS)
}

/// What a backup did, for the person (stderr).
pub fn backup_summary(s: &safekeep_core::vault::BackupSummary) {
    eprintln!(
        "Backed up {} items ({} stored files; {} copied this time, {}) to {}.\nEvery file copied was read back and checked. The backup is encrypted like the vault: anyone who can see the folder sees only its size and the times it changed.",
        s.items,
        s.blobs,
        s.copied,
        indicatif::HumanBytes(s.bytes_copied),
        s.dir.display()
    );
}

/// What a restore made, for the person (stderr).
pub fn restore_summary(s: &safekeep_core::vault::RestoreSummary) {
    eprintln!(
        "Restored {} cases and {} items (backed up {}) into {}. Every stored file and every audit log was checked.",
        s.cases,
        s.items,
        s.backed_up_at,
        s.vault.display()
    );
}

/// Says on stderr how a conversation export was read (stdout holds only the item id).
pub fn conversation_read(record: &safekeep_core::item::ItemRecord) {
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

/// Prints messages for people: number, time, sender, then the text and attachments.
pub fn messages(list: &[safekeep_core::vault::Message], out: &mut dyn Write) -> std::io::Result<()> {
    use safekeep_core::vault::MessageKind;
    for m in list {
        let when = m
            .sent_at_local
            .as_deref()
            .or(m.sent_at.as_deref())
            .unwrap_or("(no time)");
        let who = match (m.kind, m.sender.as_deref()) {
            (MessageKind::System, Some(s)) => format!("{s} (written by the platform)"),
            (MessageKind::System, None) => "(written by the platform)".into(),
            (MessageKind::Deleted, s) => format!("{} (deleted)", s.unwrap_or("(no sender)")),
            (MessageKind::Message, s) => s.unwrap_or("(no sender)").to_owned(),
        };
        let chat = m.chat.as_deref().map(|c| format!("  [{c}]")).unwrap_or_default();
        writeln!(out, "#{}  {when}  {who}{chat}", m.index)?;
        for line in m.text.lines() {
            writeln!(out, "    {line}")?;
        }
        for a in &m.attachments {
            let name = a.name.as_deref().unwrap_or("(media)");
            match (&a.sha256, &a.missing) {
                (Some(sha), _) => writeln!(out, "    [attachment {name}, SHA-256 {sha}]")?,
                (None, why) => writeln!(
                    out,
                    "    [attachment {name}: {}]",
                    why.as_deref().unwrap_or("no file")
                )?,
            }
        }
        if m.edited.is_some() {
            writeln!(out, "    [edited]")?;
        }
    }
    Ok(())
}

/// Moves the bar of `case import` on.
pub fn handover_progress(bar: &ProgressBar, p: safekeep_core::vault::HandoverProgress) {
    use safekeep_core::vault::HandoverProgress::{Checking, Storing};
    match p {
        Checking { done } => bar.set_position(done),
        Storing { done, .. } => {
            if bar.message() != "Storing its files" {
                bar.set_message("Storing its files");
            }
            bar.set_position(done);
        }
    }
}

/// Prints the case a bundle became: its id on stdout, what it holds on stderr.
pub fn imported_case(c: &safekeep_core::vault::ImportedCase, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(c)?);
        return Ok(());
    }
    println!("{}", c.case_id);
    eprintln!(
        "The bundle \"{}\" passed every check and is now the case \"{}\": {} exhibits and the sender's {} audit events, kept as they were sealed.",
        c.bag, c.title, c.items, c.events
    );
    eprintln!(
        "It was signed by key {}. Read this fingerprint back to the person who sent it, to be sure the bundle is theirs.",
        c.key_fingerprint
    );
    Ok(())
}

/// Says what a receipt that was just added records.
pub fn receipt_added(r: &safekeep_core::receipt::Receipt) {
    eprintln!("{}", receipt_line(r));
    eprintln!("Recorded in the case's audit log as bundle.received (see `safekeep log`).");
}

fn receipt_line(r: &safekeep_core::receipt::Receipt) -> String {
    let state = match r.verdict.as_str() {
        "intact" => "Received intact",
        "altered" => "Received ALTERED",
        _ => "Received UNREADABLE",
    };
    let org = if r.recipient.organisation.is_empty() {
        String::new()
    } else {
        format!(", {}", r.recipient.organisation)
    };
    format!(
        "{state} by {}{org}, on {} (their key {}): {} (SHA-256 {})",
        r.recipient.name, r.received_at, r.recipient.key_fingerprint, r.bundle.file, r.bundle.sha256
    )
}

/// Lists a case's receipts.
pub fn receipts(list: &[safekeep_core::vault::ReceivedReceipt], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(list)?)?;
    } else if list.is_empty() {
        writeln!(out, "No receipt recorded in this case yet.")?;
    } else {
        for r in list {
            writeln!(out, "{}", receipt_line(&r.receipt))?;
        }
    }
    Ok(())
}
