//! WhatsApp "Export chat": a `.txt` (Android: `WhatsApp Chat with NAME.txt`; iOS:
//! `_chat.txt` in a zip), with or without the media files.
//!
//! Android writes `05/01/2024, 21:41 - Name: text`, iOS `[05/01/2024, 21:41:08] Name:
//! text`, each in the phone's language and date format: day/month/year in any order
//! with `/`, `.` or `-`, two- or four-digit years, 12- or 24-hour clocks with `AM`/`PM`
//! (after U+202F on newer phones), words such as `à` between date and time. A line that
//! does not start with a time continues the message before it. Times are the phone's
//! local time with no offset.

mod words;

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;

use crate::time::{self, DateOrder, Zone};
use crate::{
    Attachment, Conversation, Error, Export, Format, Message, MessageKind, NOT_INCLUDED, Reading, attachment,
};

/// Marks a phone puts around text that change nothing a person reads: direction marks,
/// embeddings, isolates, the byte-order mark.
const MARKS: &[char] = &[
    '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}', '\u{feff}',
];

const DATE: &str = r"(?P<a>\d{1,4})[./-](?P<b>\d{1,2})[./-](?P<c>\d{2,4})\.?";
const TIME: &str = r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?(?:[ \u{202f}\u{a0}]?(?P<ampm>[AaPp]\.?[ \u{202f}\u{a0}]?[Mm]\.?))?";

static ANDROID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?P<when>{DATE},?[ \u{{a0}}]*(?:(?P<word>[^\d\s]{{1,6}})[ \u{{a0}}]+)?{TIME}) [-–] (?P<rest>.*)$"
    ))
    .expect("valid pattern")
});
static IOS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^\[(?P<when>{DATE},?[ \u{{a0}}]*(?:(?P<word>[^\d\s\]]{{1,6}})[ \u{{a0}}]+)?{TIME})\] (?P<rest>.*)$"
    ))
    .expect("valid pattern")
});
/// iOS with the time first (Vietnamese phones): `[14:56:01, 18/3/22] Name: text`.
static IOS_TIME_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^\[(?P<when>{TIME},?[ \u{{a0}}]*{DATE})\] (?P<rest>.*)$"
    ))
    .expect("valid pattern")
});
/// The old iOS layout: `13.06.18 21.25.15: Name: text`.
static IOS_OLD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(?P<when>{DATE} {TIME}): (?P<rest>.*)$")).expect("valid pattern")
});
/// A date whose year is a Japanese era's (`3/18/R4`), which is not read.
static JAPANESE_ERA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[?\d{1,2}/\d{1,2}/[MTSHR]\d{1,2}\b").expect("valid pattern"));
/// `NAME (file attached)`, Android.
static FILE_ATTACHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>[^\s()<>][^()<>]*?\.[A-Za-z0-9]{1,5}) \((?P<label>[^()]+)\)$")
        .expect("valid pattern")
});
/// `NAME <attached>`, older iOS (`2015-08-04-PHOTO-00004762.jpg <‎attached>`; the marks
/// are gone by the time it is matched; some exports write `‹` for `<`).
static OLD_ATTACHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>[^\s<>‹][^<>‹]*?\.[A-Za-z0-9]{1,5}) ?[<‹] ?(?P<label>[^<>‹:]{2,20})>$")
        .expect("valid pattern")
});
/// `<attached: NAME>`, iOS.
static ATTACHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<(?P<label>[^<>:]{2,20}) ?: ?(?P<name>[^<>]+\.[A-Za-z0-9]{1,5})>").expect("valid pattern")
});

/// The file of `export` that holds a WhatsApp chat: `_chat.txt`, else a `.txt` named
/// like `WhatsApp Chat with …`, else any `.txt` whose first lines are WhatsApp messages.
pub fn chat_file(export: &Export) -> Option<String> {
    let txt: Vec<&str> = export
        .files()
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.to_ascii_lowercase().ends_with(".txt") && !p.starts_with("__MACOSX/"))
        .collect();
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_owned();
    let mut ranked: Vec<&str> = txt.clone();
    ranked.sort_by_key(|p| {
        let b = base(p);
        (
            b != "_chat.txt",
            !words::FILE_PREFIXES.iter().any(|pre| b.starts_with(pre)),
            p.matches('/').count(),
        )
    });
    ranked
        .into_iter()
        .find(|p| export.head(p, 4096).is_some_and(|h| looks_like_chat(&h)))
        .map(str::to_owned)
}

/// A WhatsApp chat in a layout that is recognised but not read (a Japanese-era year):
/// what to do about it, for the person.
pub fn unread_layout(export: &Export) -> Option<String> {
    export
        .files()
        .iter()
        .filter(|f| f.path.to_ascii_lowercase().ends_with(".txt"))
        .find_map(|f| {
            let head = export.head(&f.path, 4096)?;
            let text = String::from_utf8_lossy(&head);
            let first = text.lines().find(|l| !l.trim().is_empty())?.trim_start_matches(MARKS);
            JAPANESE_ERA.is_match(first).then(|| {
                let shown: String = first.chars().filter(|c| !c.is_control()).take(80).collect();
                format!(
                    "{} looks like a WhatsApp chat whose dates give the year as a Japanese era (\"{shown}\"; R4 is 2022), which Safekeep does not read yet: set the phone's calendar to Gregorian and export the chat again",
                    f.path
                )
            })
        })
}

fn looks_like_chat(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.lines()
        .take(20)
        .any(|l| header(&readable_head(l).unwrap_or_else(|| l.to_owned())).is_some())
}

/// The layouts a message's first line can have. An export is written in one: Android
/// and iOS (both seen in one file when a chat was exported, edited and joined) go
/// together; the rarer layouts are accepted only for a whole file, so that a line a
/// sender typed in another layout cannot pass as a message of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `[date, time] Name: text` or `date, time - Name: text`.
    Usual,
    /// `[time, date] Name: text`.
    TimeFirst,
    /// `date time: Name: text`.
    OldIos,
}

/// One line that starts a message.
struct Header<'a> {
    when: &'a str,
    fields: [u32; 3],
    widths: [usize; 3],
    h: u32,
    m: u32,
    s: u32,
    pm: Option<bool>,
    ios: bool,
    /// Years to take from the written year: 543 for the Buddhist era (`BE`, Thai phones).
    era: u32,
    /// Which layout the line is in (see [`Layout`]).
    layout: Layout,
    rest: &'a str,
}

fn header(line: &str) -> Option<Header<'_>> {
    let line = line.trim_start_matches(MARKS);
    let (c, ios, layout) = match IOS.captures(line) {
        Some(c) => (c, true, Layout::Usual),
        None => match ANDROID.captures(line) {
            Some(c) => (c, false, Layout::Usual),
            None => match IOS_TIME_FIRST.captures(line) {
                Some(c) => (c, true, Layout::TimeFirst),
                None => (IOS_OLD.captures(line)?, true, Layout::OldIos),
            },
        },
    };
    let era = match c.name("word").map(|w| w.as_str().trim_end_matches([',', '.'])) {
        Some("BE" | "พ.ศ") => 543,
        _ => 0,
    };
    let num = |k: &str| c.name(k).map_or(Ok(0), |m| m.as_str().parse::<u32>());
    let width = |k: &str| c.name(k).map_or(0, |m| m.as_str().len());
    let pm = c
        .name("ampm")
        .map(|m| m.as_str().to_ascii_lowercase().starts_with('p'));
    Some(Header {
        when: c.name("when")?.as_str(),
        fields: [num("a").ok()?, num("b").ok()?, num("c").ok()?],
        widths: [width("a"), width("b"), width("c")],
        h: num("h").ok()?,
        m: num("m").ok()?,
        s: num("s").ok()?,
        pm,
        ios,
        era,
        layout,
        rest: c.name("rest")?.as_str(),
    })
}

/// The line with its date and time made readable, when a phone wrote them with
/// direction marks inside, the Arabic comma, Arabic-Indic digits or the Arabic `ص`/`م`
/// (AM/PM); the rest of the line is left as written. `None`: nothing to change.
fn readable_head(line: &str) -> Option<String> {
    let start = line.trim_start_matches(MARKS);
    let end = if start.starts_with('[') {
        start.find("] ")
    } else {
        start.find(" - ").or_else(|| start.find(" – "))
    }?;
    let (head, rest) = start.split_at(end);
    if head.chars().count() > 64 {
        return None;
    }
    let mut out = String::with_capacity(head.len());
    for c in head.chars() {
        match c {
            c if MARKS.contains(&c) => {}
            '،' => out.push(','),
            '\u{0660}'..='\u{0669}' => out.push(char::from(b'0' + (c as u32 - 0x0660) as u8)),
            '\u{06f0}'..='\u{06f9}' => out.push(char::from(b'0' + (c as u32 - 0x06f0) as u8)),
            'ص' => out.push_str("AM"),
            'م' => out.push_str("PM"),
            c => out.push(c),
        }
    }
    (out != head).then(|| out + rest)
}

/// The date and time of a line as written, for a line [`readable_head`] rewrote.
fn written_head(line: &str) -> String {
    let start = line.trim_start_matches(MARKS);
    let end = start
        .find("] ")
        .or_else(|| start.find(" - "))
        .or_else(|| start.find(" – "))
        .unwrap_or(0);
    start[..end].trim_start_matches('[').to_owned()
}

impl Header<'_> {
    /// The local date and time under `order`, if it is a real one.
    fn naive(&self, order: DateOrder) -> Option<NaiveDateTime> {
        let [a, b, c] = self.fields;
        let (y, mo, d, yw) = match order {
            DateOrder::YearFirst => (a, b, c, self.widths[0]),
            DateOrder::DayFirst => (c, b, a, self.widths[2]),
            DateOrder::MonthFirst => (c, a, b, self.widths[2]),
        };
        let y = match (yw <= 2, self.era) {
            (true, 0) => 2000 + y,
            // Two digits of a Buddhist-era year: 65 is 2565, i.e. 2022.
            (true, era) => (2500 + y).checked_sub(era)?,
            (false, era) => y.checked_sub(era)?,
        };
        let h = match self.pm {
            None => self.h,
            // A 24-hour time that also says PM (Arabic phones: `١٤:٥٦:٠٠ م`).
            Some(true) if (13..24).contains(&self.h) => self.h,
            // `00:04 AM`, which some exports write, is four minutes past midnight.
            Some(_) if self.h > 12 => return None,
            Some(true) => self.h % 12 + 12,
            Some(false) => self.h % 12,
        };
        let date = NaiveDate::from_ymd_opt(y as i32, mo, d)?;
        Some(date.and_time(NaiveTime::from_hms_opt(h, self.m, self.s)?))
    }
}

struct Raw {
    when: String,
    fields: [u32; 3],
    widths: [usize; 3],
    time: (u32, u32, u32, Option<bool>),
    ios: bool,
    era: u32,
    body: String,
}

impl Raw {
    fn header(&self) -> Header<'_> {
        Header {
            when: &self.when,
            fields: self.fields,
            widths: self.widths,
            h: self.time.0,
            m: self.time.1,
            s: self.time.2,
            pm: self.time.3,
            ios: self.ios,
            era: self.era,
            layout: Layout::Usual,
            rest: "",
        }
    }
}

/// Reads the WhatsApp chat in `export`.
pub fn read(export: &Export, zone: &Zone, order: Option<DateOrder>) -> Result<Conversation, Error> {
    let path = chat_file(export).ok_or_else(|| {
        Error::NotAnExport(
            "no WhatsApp chat was found: the export holds no .txt file whose lines start with a date and time (like \"05/01/2024, 21:41 - Name: text\")".into(),
        )
    })?;
    let bytes = export.read(&path)?;
    let (text, lossy) = match String::from_utf8(bytes) {
        Ok(t) => (t, false),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
    };
    let mut warnings = Vec::new();
    if lossy {
        warnings.push(format!(
            "{path} is not valid UTF-8 text; the bytes that are not were shown as \u{fffd}"
        ));
    }
    let mut raws: Vec<Raw> = Vec::new();
    let mut before_first: Vec<&str> = Vec::new();
    let mut layout: Option<Layout> = None;
    let mut other_layout = 0;
    for line in text.lines() {
        let readable = readable_head(line);
        let found = match header(readable.as_deref().unwrap_or(line)) {
            Some(h) if layout.is_some_and(|l| l != h.layout) => {
                other_layout += 1;
                None
            }
            other => other,
        };
        match found {
            Some(h)
                if h.naive(DateOrder::DayFirst).is_some()
                    || h.naive(DateOrder::MonthFirst).is_some()
                    || h.naive(DateOrder::YearFirst).is_some() =>
            {
                layout = Some(h.layout);
                raws.push(Raw {
                    // As the phone wrote it, marks and digits and all.
                    when: match &readable {
                        Some(_) => written_head(line),
                        None => h.when.to_owned(),
                    },
                    fields: h.fields,
                    widths: h.widths,
                    time: (h.h, h.m, h.s, h.pm),
                    ios: h.ios,
                    era: h.era,
                    body: h.rest.to_owned(),
                })
            }
            found => {
                if found.is_some() {
                    warnings.push(format!(
                        "a line starts with a date that does not exist and was kept as text of the message before it: {line}"
                    ));
                }
                match raws.last_mut() {
                    Some(r) => {
                        r.body.push('\n');
                        r.body.push_str(line);
                    }
                    None if !line.trim().is_empty() => before_first.push(line),
                    None => {}
                }
            }
        }
    }
    if other_layout > 0 {
        warnings.push(format!(
            "{other_layout} line(s) looked like the start of a message in another layout than the chat's and were kept as text of the message before them"
        ));
    }
    if raws.is_empty() {
        let first: String = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(80)
            .collect();
        let era = if JAPANESE_ERA.is_match(first.trim_start_matches(MARKS)) {
            " Its dates give the year as a Japanese era (R4 is 2022), which Safekeep does not read yet: set the phone's calendar to Gregorian and export the chat again."
        } else {
            ""
        };
        return Err(Error::NotAnExport(format!(
            "{path} holds no WhatsApp messages: no line starts with a date and time as WhatsApp writes them, like \"05/01/2024, 21:41 - Name: text\" (Android) or \"[05/01/2024, 21:41:00] Name: text\" (iPhone). Its first line is: \"{first}\".{era}"
        )));
    }
    let (order, basis) = date_order(&raws, order)?;
    let ios = raws.iter().filter(|r| r.ios).count() * 2 > raws.len();
    let mut messages = Vec::with_capacity(raws.len() + 1);
    if !before_first.is_empty() {
        warnings.push(format!(
            "{} line(s) before the first message were kept as one message without a time",
            before_first.len()
        ));
        messages.push(Message {
            index: 0,
            chat: None,
            sender: None,
            sent_at: None,
            sent_at_local: None,
            sent_at_as_written: String::new(),
            text: before_first.join("\n"),
            kind: MessageKind::System,
            attachments: Vec::new(),
            edited: None,
            reply_to: None,
            forwarded_from: None,
            reactions: Vec::new(),
            note: Some("text before the first message".into()),
        });
    }
    for raw in &raws {
        let naive = raw.header().naive(order).ok_or_else(|| {
            Error::Contradicts(format!("the date {} cannot be read {}", raw.when, order.label()))
        })?;
        let (at, note) = zone.local(naive);
        messages.push(message(export, &path, raw, at, note, zone));
    }
    let chat = chat_name(export, &path);
    Ok(Conversation {
        reading: Reading {
            date_order: Some(order),
            date_order_basis: Some(basis),
            ..Reading::new(
                Format::Whatsapp,
                if ios { "ios" } else { "android" },
                vec![path],
                zone,
                format!(
                    "WhatsApp writes the phone's local time without an offset; read in {}: {}",
                    zone.name, zone.basis
                ),
                chat.into_iter().collect(),
                warnings,
            )
        },
        messages,
    })
}

/// Chooses the order of day and month: from a field above 12, else as the person said,
/// else the one order that keeps the messages in time order; otherwise it must be asked.
fn date_order(raws: &[Raw], given: Option<DateOrder>) -> Result<(DateOrder, String), Error> {
    if raws.iter().all(|r| r.widths[0] == 4) {
        return Ok((
            DateOrder::YearFirst,
            "the dates start with a four-digit year".into(),
        ));
    }
    let day_first = raws.iter().find(|r| r.fields[0] > 12);
    let month_first = raws.iter().find(|r| r.fields[1] > 12);
    match (day_first, month_first) {
        (Some(d), Some(m)) => Err(Error::Contradicts(format!(
            "the dates in this export cannot all be read in one order: {} can only be day first, {} only month first",
            d.when, m.when
        ))),
        (Some(d), None) => {
            if given == Some(DateOrder::MonthFirst) {
                return Err(Error::Contradicts(format!(
                    "--month-first was given, but the export has {}, which can only be day first",
                    d.when
                )));
            }
            Ok((
                DateOrder::DayFirst,
                format!("detected: {} can only be day first", d.when),
            ))
        }
        (None, Some(m)) => {
            if given == Some(DateOrder::DayFirst) {
                return Err(Error::Contradicts(format!(
                    "--day-first was given, but the export has {}, which can only be month first",
                    m.when
                )));
            }
            Ok((
                DateOrder::MonthFirst,
                format!("detected: {} can only be month first", m.when),
            ))
        }
        (None, None) => {
            if let Some(g) = given {
                return Ok((
                    g,
                    "given by the person (every date could be read either way)".into(),
                ));
            }
            let same = raws.iter().all(|r| r.fields[0] == r.fields[1]);
            if same {
                return Ok((
                    DateOrder::DayFirst,
                    "every date has the same day and month, so the order changes nothing".into(),
                ));
            }
            let backwards = |order| {
                raws.windows(2)
                    .filter(|w| w[1].header().naive(order) < w[0].header().naive(order))
                    .count()
            };
            match (backwards(DateOrder::DayFirst), backwards(DateOrder::MonthFirst)) {
                (0, n) if n > 0 => Ok((
                    DateOrder::DayFirst,
                    "detected: only day first keeps the messages in time order".into(),
                )),
                (n, 0) if n > 0 => Ok((
                    DateOrder::MonthFirst,
                    "detected: only month first keeps the messages in time order".into(),
                )),
                _ => Err(Error::AmbiguousDateOrder {
                    example: raws
                        .iter()
                        .find(|r| r.fields[0] != r.fields[1])
                        .map_or_else(String::new, |r| r.when.clone()),
                }),
            }
        }
    }
}

/// Whether `bare` is one of `phrases`, ignoring case (exports differ: `Video omitido`).
fn one_of(phrases: &[&str], bare: &str) -> bool {
    let lower = bare.to_lowercase();
    phrases.iter().any(|p| p.to_lowercase() == lower)
}

/// The document's name in `NAME document omitted` (with an optional `• 2 pages`).
fn document_omitted(bare: &str) -> Option<String> {
    let without_pages = match bare.rsplit_once('•') {
        Some((before, after)) if after.trim().starts_with(|c: char| c.is_ascii_digit()) => before.trim_end(),
        _ => bare,
    };
    words::DOCUMENT_OMITTED.iter().find_map(|p| {
        let n = p.chars().count();
        let split = without_pages.char_indices().rev().nth(n.checked_sub(1)?)?.0;
        let (name, tail) = without_pages.split_at(split);
        let name = name.trim();
        (tail.to_lowercase() == p.to_lowercase() && !name.is_empty()).then(|| name.to_owned())
    })
}

fn message(
    export: &Export,
    chat_path: &str,
    raw: &Raw,
    at: chrono::DateTime<chrono::Utc>,
    note: Option<String>,
    zone: &Zone,
) -> Message {
    let (sender, text) = split_sender(&raw.body);
    let marked = text.starts_with('\u{200e}');
    let mut text = text.trim_start_matches(MARKS).to_owned();
    let mut edited = None;
    for e in words::EDITED {
        if let Some(stripped) = text.trim_end().strip_suffix(e) {
            text = stripped
                .trim_end_matches(|c: char| MARKS.contains(&c) || c.is_whitespace())
                .to_owned();
            edited = Some(String::new());
            break;
        }
    }
    let plain = text.replace(MARKS, "");
    let bare = plain.trim().trim_end_matches('.');
    let mut attachments = Vec::new();
    let mut kind = MessageKind::Message;
    if sender.is_none() {
        kind = MessageKind::System;
    } else if one_of(words::DELETED, bare) {
        kind = MessageKind::Deleted;
    } else if let Some(name) = document_omitted(bare) {
        attachments.push(Attachment {
            name: Some(name),
            sha256: None,
            path: None,
            missing: Some("media left out of the export (it was exported without media)".into()),
        });
    } else if one_of(words::MEDIA_OMITTED, bare) || one_of(words::OMITTED, bare) {
        attachments.push(Attachment {
            name: None,
            sha256: None,
            path: None,
            missing: Some("media left out of the export (it was exported without media)".into()),
        });
    } else {
        let first = plain.lines().next().unwrap_or("").trim();
        if let Some(c) = FILE_ATTACHED.captures(first) {
            let name = c["name"].trim();
            if words::FILE_ATTACHED.contains(&c["label"].trim()) || export.find(name, chat_path).is_some() {
                attachments.push(attachment(export, Some(name), chat_path, NOT_INCLUDED));
            }
        }
        if let Some(c) = OLD_ATTACHED.captures(first) {
            let name = c["name"].trim();
            if words::ATTACHED.contains(&c["label"].trim()) || export.find(name, chat_path).is_some() {
                attachments.push(attachment(export, Some(name), chat_path, NOT_INCLUDED));
            }
        }
        for c in ATTACHED.captures_iter(&plain) {
            let name = c["name"].trim();
            if words::ATTACHED.contains(&c["label"].trim()) || export.find(name, chat_path).is_some() {
                attachments.push(attachment(export, Some(name), chat_path, NOT_INCLUDED));
            }
        }
        // iOS writes system messages as if the chat had sent them, marked at the start;
        // a shared location is marked the same way but is the sender's.
        let location = words::LOCATION.iter().any(|l| bare.starts_with(l)) && bare.contains("https://");
        if raw.ios && marked && attachments.is_empty() && !location {
            kind = MessageKind::System;
        }
    }
    Message {
        index: 0,
        chat: None,
        sender: sender.map(|s| s.replace(MARKS, "").trim().to_owned()),
        sent_at: Some(time::utc(at)),
        sent_at_local: Some(time::local(zone, at)),
        sent_at_as_written: raw.when.clone(),
        text,
        kind,
        attachments,
        edited,
        reply_to: None,
        forwarded_from: None,
        reactions: Vec::new(),
        note,
    }
}

/// `Name: text` → the name and the text; a line with no name is the platform's own.
fn split_sender(body: &str) -> (Option<&str>, &str) {
    let first = body.lines().next().unwrap_or("");
    match first.find(": ") {
        Some(i) if !first[..i].contains(['"', '“', '«']) && !first[..i].trim().is_empty() => {
            (Some(&body[..i]), &body[i + 2..])
        }
        _ => match body.strip_suffix(':') {
            // "Name:" alone: an empty message (a media message exported as nothing).
            Some(name) if !name.contains('\n') && !name.trim().is_empty() => (Some(name), ""),
            _ => (None, body),
        },
    }
}

/// The chat's name, from the file (`WhatsApp Chat with Alice.txt`) or the zip it came in.
fn chat_name(export: &Export, path: &str) -> Option<String> {
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem = base.strip_suffix(".txt").unwrap_or(base);
    let from = if stem == "_chat" {
        export.name()?
    } else {
        stem.to_owned()
    };
    let from = from.strip_suffix(".zip").unwrap_or(&from).to_owned();
    Some(
        words::FILE_PREFIXES
            .iter()
            .find_map(|p| from.strip_prefix(p))
            .unwrap_or(&from)
            .trim()
            .to_owned(),
    )
    .filter(|s| !s.is_empty())
}
