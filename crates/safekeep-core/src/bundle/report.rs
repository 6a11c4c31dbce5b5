//! `data/report/index.html`: the exhibit list a person reads and prints.
//!
//! One self-contained page: no scripts, no network, no fonts to fetch. Images are shown
//! blurred and revealed one at a time by a click (a CSS checkbox, so it works with
//! scripts disabled); what the machine recorded is kept apart from what people typed.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::Path;

use super::context::BagContext;
use super::exhibits::Exhibit;
use super::format;
use super::scratch::Scratch;

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#111;max-width:64rem;margin:2rem auto;padding:0 1rem}
h1,h2,h3{line-height:1.2}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #888;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}
code,.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
.warn{border:2px solid #8a4b00;background:#fff4e0;padding:.75rem 1rem}
.machine{border-left:4px solid #235;padding-left:1rem}
.person{border-left:4px solid #663;padding-left:1rem}
.thumb{display:inline-block;position:relative}
.thumb input{position:absolute;opacity:0}
.thumb img{max-width:20rem;max-height:14rem;filter:blur(24px);transition:none}
.thumb input:checked ~ img{filter:none}
.thumb label{display:block;cursor:pointer;text-decoration:underline;margin:.25rem 0}
.thumb input:focus-visible + label{outline:3px solid #05c}
section.item{border-top:2px solid #333;margin-top:2rem;padding-top:.5rem}
@media print{.thumb img{filter:blur(24px)!important}}
";

/// The report being written an exhibit at a time: the rows of its exhibit list and its
/// sections go to two sealed scratch files, joined by [`HtmlReport::finish`], so that a
/// case of any size is never held in memory.
pub(super) struct HtmlReport {
    list: Scratch,
    sections: Scratch,
    buf: String,
    exhibits: usize,
}

impl HtmlReport {
    /// Starts a report whose scratch files go in `dir`.
    pub fn new(dir: &Path) -> io::Result<Self> {
        Ok(Self {
            list: Scratch::new(dir)?,
            sections: Scratch::new(dir)?,
            buf: String::new(),
            exhibits: 0,
        })
    }

    /// Adds an exhibit's row and section.
    pub fn add(&mut self, ex: &Exhibit) -> io::Result<()> {
        self.exhibits += 1;
        self.buf.clear();
        list_row(&mut self.buf, ex);
        self.list.write_all(self.buf.as_bytes())?;
        self.buf.clear();
        item_section(&mut self.buf, ex);
        self.sections.write_all(self.buf.as_bytes())
    }

    /// Writes the whole report to `out`.
    pub fn finish(self, ctx: &BagContext, events: u64, out: &mut dyn io::Write) -> io::Result<()> {
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'\">\
<title>Exhibits — {title}</title><style>{STYLE}</style></head><body>\n\
<h1>Evidence bundle: {title}</h1>\n\
<p class=\"warn\"><strong>Content warning.</strong> Some exhibits may be sexually explicit or distressing. \
Images below are blurred; select “Show image” to reveal one. They stay blurred when printed.</p>\n\
<table><tr><th>Case id</th><td><code>{case}</code></td></tr>\
<tr><th>Exported (UTC)</th><td>{time}</td></tr>\
<tr><th>Exhibits</th><td>{n} (references {prefix}/1 to {prefix}/{n})</td></tr>\
<tr><th>Audit log</th><td>{events} events, in <code>data/audit-log.jsonl</code></td></tr>\
<tr><th>Signing key fingerprint</th><td><code>{fp}</code></td></tr></table>\n",
            title = esc(&ctx.case_title),
            case = esc(&ctx.case_id),
            time = esc(&ctx.exported_at),
            n = self.exhibits,
            prefix = esc(&ctx.prefix),
            fp = esc(&ctx.fingerprint),
        );
        if let Some(why) = &ctx.no_images {
            let _ = writeln!(
                h,
                "<p class=\"warn\" id=\"no-images-case\"><strong>No-images case.</strong> {}</p>",
                esc(why)
            );
        }
        h.push_str(
            "<h2>Exhibit list</h2>\n<table><tr><th>Ref</th><th>Title</th><th>Kind</th><th>Captured (UTC / local offset)</th>\
<th>Incident time</th><th>Source</th><th>Platform / account</th><th>Size</th><th>SHA-256</th></tr>\n",
        );
        out.write_all(h.as_bytes())?;
        io::copy(&mut self.list.finish()?.0, out)?;
        out.write_all(b"</table>\n")?;
        io::copy(&mut self.sections.finish()?.0, out)?;
        h.clear();
        proves(&mut h);
        h.push_str("</body></html>\n");
        out.write_all(h.as_bytes())
    }
}

fn list_row(h: &mut String, ex: &Exhibit) {
    let r = &ex.view.record;
    let c = &r.context;
    let size: u64 = r.artifacts.iter().map(|a| a.size).sum();
    let sha = r
        .artifacts
        .iter()
        .map(|a| esc(&a.sha256))
        .collect::<Vec<_>>()
        .join("<br>");
    let _ = writeln!(
        h,
        "<tr><td><a href=\"#{id}\">{reference}</a></td><td>{title}</td><td>{kind}</td><td>{cap}<br>{off}</td>\
<td>{inc}</td><td>{src}</td><td>{who}</td><td>{size}&nbsp;bytes</td><td class=\"hash\">{sha}</td></tr>",
        id = esc(&ex.folder),
        reference = esc(&ex.reference),
        title = esc(&r.title),
        kind = r.kind.label(),
        cap = esc(&r.captured_at),
        off = esc(&r.utc_offset),
        inc = esc(c.incident_time.as_deref().unwrap_or("—")),
        src = esc(c.source_url.as_deref().unwrap_or("—")),
        who = esc(&match (c.platform.as_deref(), c.poster_account.as_deref()) {
            (Some(p), Some(a)) => format!("{p} / {a}"),
            (Some(x), None) | (None, Some(x)) => x.to_owned(),
            (None, None) => "—".to_owned(),
        }),
    );
}

fn item_section(h: &mut String, ex: &Exhibit) {
    let r = &ex.view.record;
    let c = &r.context;
    let _ = writeln!(
        h,
        "<section class=\"item\" id=\"{id}\"><h2>{reference}: {title}</h2>\n<div class=\"machine\"><h3>Recorded by the computer</h3><table>\
<tr><th>Item id</th><td><code>{item}</code></td></tr><tr><th>Kind</th><td>{kind}</td></tr>\
<tr><th>Captured</th><td>{cap} (UTC); local offset {off}</td></tr><tr><th>Clock</th><td>{clock}</td></tr>\
<tr><th>Captured with</th><td>{app} on host {host}</td></tr></table>",
        id = esc(&ex.folder),
        reference = esc(&ex.reference),
        title = esc(&r.title),
        item = esc(&r.id),
        kind = r.kind.label(),
        cap = esc(&r.captured_at),
        off = esc(&r.utc_offset),
        clock = esc(&r.clock_source),
        app = esc(&r.app_version),
        host = esc(r.host_shown()),
    );
    h.push_str("<table><tr><th>File</th><th>Type</th><th>Size</th><th>SHA-256</th></tr>");
    for (a, name) in r.artifacts.iter().zip(&ex.files) {
        let original = a
            .original_name
            .as_deref()
            .map(|n| format!("<br>originally “{}”", esc(n)))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<tr><td><code>{name}</code>{original}</td><td>{mt}</td><td>{size}&nbsp;bytes</td><td class=\"hash\">{sha}</td></tr>",
            name = esc(name),
            mt = esc(&a.media_type),
            size = a.size,
            sha = esc(&a.sha256),
        );
    }
    h.push_str("</table>\n");
    let marked = |sha: &str| {
        ex.transcripts
            .iter()
            .flat_map(|t| &t.messages)
            .flat_map(|m| &m.attachments)
            .any(|x| x.sha256.as_deref() == Some(sha))
    };
    for (i, (a, name)) in r.artifacts.iter().zip(&ex.files).enumerate() {
        // A conversation's pictures can number thousands: only those its marked
        // messages carry are shown.
        if a.media_type.starts_with("image/")
            && (r.kind != crate::item::ItemKind::Conversation || marked(&a.sha256))
        {
            let _ = writeln!(
                h,
                "<div class=\"thumb\"><input type=\"checkbox\" id=\"r-{id}-{i}\"><label for=\"r-{id}-{i}\">Show image ({mt}, {size} bytes) — may be distressing</label>\
<img src=\"../items/{id}/{name}\" alt=\"Exhibit {reference}, blurred\"></div>",
                id = esc(&ex.folder),
                mt = esc(&a.media_type),
                size = a.size,
                name = esc(name),
                reference = esc(&ex.reference),
            );
        }
    }
    for t in &ex.transcripts {
        let _ = write!(
            h,
            "<h3>{reference}, messages {from}–{to}</h3>{note}<p class=\"small\">Read from the export by Safekeep; the export itself is in this folder, unchanged.</p><table><tr><th>#</th><th>Sent</th><th>From</th><th>Message</th></tr>",
            reference = esc(&ex.reference),
            from = t.from,
            to = t.to,
            note = t
                .note
                .as_deref()
                .map(|n| format!("<p>{}</p>", esc(n)))
                .unwrap_or_default(),
        );
        for m in &t.messages {
            let attachments: String = m
                .attachments
                .iter()
                .map(|a| {
                    format!(
                        "<br>Attachment {}: {}",
                        esc(a.name.as_deref().unwrap_or("(media)")),
                        a.sha256
                            .as_deref()
                            .map(|s| format!("<span class=\"hash\">SHA-256 {s}</span>"))
                            .unwrap_or_else(|| esc(a.missing.as_deref().unwrap_or("")))
                    )
                })
                .collect();
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{attachments}</td></tr>",
                m.index,
                esc(m.sent_at_local.as_deref().or(m.sent_at.as_deref()).unwrap_or("")),
                esc(m.sender.as_deref().unwrap_or("")),
                esc(&m.text),
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</div>\n<div class=\"person\"><h3>What the person who captured it said</h3><table>");
    for (k, v) in c.labelled() {
        let _ = write!(h, "<tr><th>{k}</th><td>{}</td></tr>", esc(v.unwrap_or("—")));
    }
    h.push_str("</table>");
    if !ex.view.annotations.is_empty() {
        h.push_str("<h3>Added later (the item itself was not changed)</h3><ul>");
        for a in &ex.view.annotations {
            let text = a.body.describe();
            let _ = write!(h, "<li>{} — {}</li>", esc(&a.created_at), esc(&text));
        }
        h.push_str("</ul>");
    }
    h.push_str("</div></section>\n");
}

/// The checks table and how to verify, from the same text the PDF report prints.
fn proves(h: &mut String) {
    h.push_str(
        "<h2>What these checks prove, and what they do not</h2>\n<table><tr><th>Check</th><th>Proves</th><th>Does not prove</th></tr>\n",
    );
    for (check, proves, not) in format::CHECKS {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(check),
            esc(proves),
            esc(not)
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<h2>How to verify</h2>\n<p>{}</p>",
        esc(format::HOW_TO_VERIFY)
    );
}
