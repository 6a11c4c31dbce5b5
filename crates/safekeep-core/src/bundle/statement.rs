//! `data/report/statement-draft.txt`: the skeleton of a witness statement (section 9,
//! Criminal Justice Act 1967; Criminal Procedure Rules r. 16.2) that the person completes
//! in their own words with a solicitor or officer. It produces each exhibit by its
//! reference and says factually how Safekeep captured it. It is marked as a draft at the
//! top and bottom: it is not a statement until completed, checked and signed.
//!
//! Incident-log entries with an "impact" field are also gathered, at the end, into a
//! draft impact summary for a Victim Personal Statement: the person's own words, quoted
//! unchanged, labelled as a draft they change or discard.

use std::io::Write;
use std::path::Path;

use super::context::BagContext;
use super::exhibits::Exhibit;
use super::scratch::Scratch;
use crate::item::ItemKind;
use crate::item_view::ItemTimestamp;

/// The draft being written an exhibit at a time: its paragraphs go to a sealed scratch
/// file, so that a case of any size is never held in memory.
pub(super) struct StatementDraft {
    paragraphs: Scratch,
    /// Each incident-log entry's impact, with its exhibit reference and when it started:
    /// a few short texts, so kept in memory.
    impacts: Vec<(String, Option<String>, String)>,
}

impl StatementDraft {
    /// Starts a draft whose scratch file goes in `dir`.
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        Ok(Self {
            paragraphs: Scratch::new(dir)?,
            impacts: Vec::new(),
        })
    }

    /// Adds an exhibit's paragraph, and its impact (if it has one) to the summary.
    pub fn add(&mut self, ex: &Exhibit) -> std::io::Result<()> {
        if let Some(i) = &ex.view.record.context.incident
            && let Some(impact) = &i.impact
        {
            self.impacts
                .push((ex.reference.clone(), i.started.clone(), impact.clone()));
        }
        let mut p = paragraph(ex);
        p.push('\n');
        self.paragraphs.write_all(p.as_bytes())
    }

    /// Writes the whole draft to `out`.
    pub fn finish(self, ctx: &BagContext, out: &mut dyn Write) -> std::io::Result<()> {
        let head = format!(
            "\
DRAFT ONLY - TO BE COMPLETED WITH A SOLICITOR OR POLICE OFFICER
This is not a statement until it is completed in your own words, checked and signed.
Safekeep wrote the exhibit paragraphs below from what it recorded; change anything
that is not right. Remove these two lines when it is final.

WITNESS STATEMENT
(Criminal Justice Act 1967, s. 9; Magistrates' Courts Act 1980, s. 5B;
Criminal Procedure Rules, r. 16.2)

Statement of: ..............................................
Age if under 18: ........   Occupation: ..........................

This statement (consisting of ..... page(s) each signed by me) is true to the best of
my knowledge and belief and I make it knowing that, if it is tendered in evidence, I
shall be liable to prosecution if I have wilfully stated in it anything which I know
to be false, or do not believe to be true.

Signature: ......................   Date: ....................

[In your own words: who you are; what happened, in order; when you first saw each
thing; who you believe is responsible and why; how it has affected you.]

EXHIBITS
I kept the evidence below with Safekeep, an evidence-preservation application, on my
computer. Safekeep recorded each item's SHA-256 fingerprint when it was captured; the
bundle \"{bag}\" that holds them was exported on {exported} and signed with the key
whose fingerprint is {fp}.

",
            bag = ctx.bag,
            exported = ctx.exported_at,
            fp = ctx.fingerprint,
        );
        out.write_all(head.as_bytes())?;
        std::io::copy(&mut self.paragraphs.finish()?.0, out)?;
        out.write_all(impact_summary(&self.impacts).as_bytes())?;
        out.write_all(
            b"\
Signature: ......................   Date: ....................

DRAFT ONLY - TO BE COMPLETED WITH A SOLICITOR OR POLICE OFFICER
",
        )
    }
}

/// The draft impact summary for a Victim Personal Statement, empty when no entry says
/// what it did to the person.
fn impact_summary(impacts: &[(String, Option<String>, String)]) -> String {
    if impacts.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "\
IMPACT SUMMARY - DRAFT, IN YOUR OWN WORDS
(For a Victim Personal Statement, which you can make with the police to say how the
crime has affected you. Safekeep gathered below what you wrote under \"what it did to
you\" in your incident log, unchanged. It is only a draft: change, add to or remove
anything, and decide with the officer whether to use it.)

",
    );
    for (reference, started, impact) in impacts {
        let when = started
            .as_deref()
            .map(|t| format!(", from {t}"))
            .unwrap_or_default();
        s.push_str(&format!("- ({reference}{when}) {impact}\n"));
    }
    s.push('\n');
    s
}

/// The person's incident-log answers, as sentences in the first person.
fn incident_sentences(i: &crate::item::Incident) -> String {
    let mut p = String::new();
    match (&i.started, &i.ended) {
        (Some(s), Some(e)) => p.push_str(&format!("I recorded that it began on {s} and ended on {e}. ")),
        (Some(s), None) => p.push_str(&format!("I recorded that it began on {s}. ")),
        (None, Some(e)) => p.push_str(&format!("I recorded that it ended on {e}. ")),
        (None, None) => {}
    }
    if let Some(w) = &i.place {
        p.push_str(&format!("It happened at (or on) {w}. "));
    }
    match (&i.people, &i.relationship) {
        (Some(who), Some(how)) => {
            p.push_str(&format!("I believe it was done by {who}, whom I know as {how}. "))
        }
        (Some(who), None) => p.push_str(&format!("I believe it was done by {who}. ")),
        (None, Some(how)) => p.push_str(&format!("I know the person responsible as {how}. ")),
        (None, None) => {}
    }
    if let Some(w) = &i.witnesses {
        p.push_str(&format!("Others who saw it or know about it: {w}. "));
    }
    if let Some(r) = &i.reported_to {
        p.push_str(&format!("I reported it to {r}. "));
    }
    if let Some(r) = &i.references {
        p.push_str(&format!("References I was given: {r}. "));
    }
    p
}

fn paragraph(ex: &Exhibit) -> String {
    let r = &ex.view.record;
    let when = format!(
        "{} (UTC; the computer's clock, local offset {})",
        r.captured_at, r.utc_offset
    );
    let source = r
        .capture
        .as_ref()
        .and_then(|c| c.get("url"))
        .and_then(|u| u.as_str())
        .or(r.context.source_url.as_deref());
    let how = match (r.kind, source) {
        (ItemKind::Screenshot, _) => {
            format!("a picture of my computer screen, which I captured with Safekeep on {when}")
        }
        (ItemKind::Video, _) => {
            let ended = r
                .capture
                .as_ref()
                .and_then(|c| c.get("ended_at"))
                .and_then(|e| e.as_str())
                .map(|e| format!(" until {e}"))
                .unwrap_or_default();
            format!("a video recording of my computer screen, which I made with Safekeep from {when}{ended}")
        }
        (ItemKind::WebPage, Some(url)) if r.capture.as_ref().is_some_and(|c| c.get("browser").is_some()) => {
            format!(
                "a copy of the web page at {url} as I saw it in Safekeep's browser on {when}; it holds everything that page loaded (a web archive file), pictures of it and its content as shown"
            )
        }
        (ItemKind::WebPage, Some(url)) => format!(
            "a copy of the web page at {url}, which Safekeep fetched at my request on {when}; it holds what the website sent (a web archive file) and, where it could, how the page looked"
        ),
        (ItemKind::Note, _) => format!("a written record I made in Safekeep on {when}"),
        (ItemKind::Conversation, _) => conversation_method(r, &when),
        (_, _) => {
            let name = r
                .artifacts
                .first()
                .and_then(|a| a.original_name.as_deref())
                .unwrap_or("a file");
            format!("a copy of \"{name}\", a file I had saved and added to Safekeep on {when}, unchanged")
        }
    };
    let mut p = format!("I produce as exhibit {} {how}. ", ex.reference);
    p.push_str(&format!("It is titled \"{}\". ", r.title));
    if let Some(d) = &r.context.description {
        p.push_str(&format!("It shows: {d}. "));
    }
    if let Some(i) = &r.context.incident {
        p.push_str(&incident_sentences(i));
    }
    if let Some(u) = source.filter(|_| r.kind != ItemKind::WebPage) {
        p.push_str(&format!("I saw it at {u}. "));
    }
    if r.kind == ItemKind::Conversation && r.artifacts.len() > 3 {
        p.push_str(&format!(
            "Its {} files are listed with their SHA-256 fingerprints in the exhibit's metadata.json and the bundle's manifest. ",
            r.artifacts.len()
        ));
    } else {
        for (i, a) in r.artifacts.iter().enumerate() {
            let name = ex.files.get(i).map(String::as_str).unwrap_or("");
            p.push_str(&format!("The SHA-256 fingerprint of {name} is {}. ", a.sha256));
        }
    }
    for t in &ex.transcripts {
        p.push_str(&format!(
            "Messages {}–{} of it are set out as a transcript in the report{}. ",
            t.from,
            t.to,
            t.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
        ));
    }
    if let Some(ItemTimestamp::Stamped { tsa, gen_time, .. }) = &ex.view.timestamp {
        p.push_str(&format!(
            "An independent time-stamp authority ({tsa}) certified that this record existed by {gen_time}. "
        ));
    }
    p.push_str("[Say what it is, where and when you first saw it, and why it matters.]\n");
    p
}

/// How a conversation came to be, in the person's words.
fn conversation_method(r: &crate::item::ItemRecord, when: &str) -> String {
    let reading = r.capture.as_ref().map(|c| &c["reading"]);
    let text = |k: &str| reading.and_then(|x| x[k].as_str()).unwrap_or("").to_owned();
    let platform = reading
        .and_then(|x| serde_json::from_value::<safekeep_chat::Format>(x["format"].clone()).ok())
        .map_or("the messaging service", |f| f.label());
    format!(
        "the conversation export that {platform} gave me, which I added to Safekeep on {when} unchanged; Safekeep read its {} messages from it ({}), reading times as follows: {}",
        reading.and_then(|x| x["messages"].as_u64()).unwrap_or(0),
        text("parser"),
        text("timezone_basis")
    )
}
