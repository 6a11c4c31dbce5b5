//! Printing that several subcommands share: progress bars on stderr (an import's, a
//! count's, a byte spinner), the recovery key shown once, a timestamp run, and a captured
//! web page (by `capture url` and `browser open`).

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
