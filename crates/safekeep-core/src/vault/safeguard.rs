//! The under-18 safeguard of a case: the person's answer, whether the case keeps pictures
//! and videos, and the references of the services that take such images down.
//!
//! Spec: `docs/safeguarding.md`. Why: making or possessing an indecent image of a person
//! under 18 is an offence in England and Wales whoever it shows, and the NSPCC tells
//! professionals "never view the image". Report Remove and Take It Down exist so that an
//! image is reported *without being kept*. A case whose answer is "yes" or "not sure" is a
//! **no-images case**: no picture or video is sealed into it (refused before a byte is
//! written to the vault), and captures keep addresses, text and account names only.
//!
//! The answer lives only in the case's audit log (`case.safeguard` events, the latest
//! wins), so it is sealed, travels in every bundle and hand-over, and needs no schema
//! change. Unanswered is the default: the question is never required.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Error, Result, Vault, append_event};
use crate::audit_log::event_type;
use crate::clock::utc_rfc3339;
use crate::db::{events, items};
use crate::item::{ItemKind, ItemRecord};

/// The answer to "Is the person in the images under 18, or were they when the images
/// were made?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Under18 {
    /// They are, or were.
    Yes,
    /// They were not.
    No,
    /// The person does not know: treated as yes.
    NotSure,
}

impl Under18 {
    /// Checks whether this answer makes the case a no-images case ("not sure" does: the
    /// harm of keeping a child's image outweighs the loss of a picture).
    pub fn no_images(self) -> bool {
        !matches!(self, Self::No)
    }

    /// Reads `yes`, `no` or `not-sure`/`not_sure`.
    pub fn parse(given: &str) -> Result<Self> {
        match given.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "yes" => Ok(Self::Yes),
            "no" => Ok(Self::No),
            "not_sure" => Ok(Self::NotSure),
            _ => Err(Error::Invalid(format!(
                "\"{given}\" is not an answer Safekeep knows: give yes, no or not-sure"
            ))),
        }
    }
}

/// A service that takes down images of under-18s without anyone keeping a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Report Remove (Childline and the IWF, UK, for under-18s).
    ReportRemove,
    /// Take It Down (NCMEC, outside the UK).
    TakeItDown,
}

impl Service {
    /// Reads `report-remove` or `take-it-down`.
    pub fn parse(given: &str) -> Result<Self> {
        match given.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "report_remove" => Ok(Self::ReportRemove),
            "take_it_down" => Ok(Self::TakeItDown),
            _ => Err(Error::Invalid(format!(
                "\"{given}\" is not a service Safekeep knows: give report-remove or take-it-down"
            ))),
        }
    }

    /// The service's name for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::ReportRemove => "Report Remove (Childline and IWF)",
            Self::TakeItDown => "Take It Down (NCMEC)",
        }
    }
}

/// A reference number a service gave, as recorded in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceReference {
    /// Which service.
    pub service: Service,
    /// The reference, exactly as typed.
    pub reference: String,
    /// When it was recorded, RFC 3339 UTC.
    pub recorded_at: String,
}

/// A case's safeguard, read from its audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Safeguard {
    /// The latest answer; `None` while unanswered.
    pub under_18: Option<Under18>,
    /// Whether the case keeps no pictures or videos.
    pub no_images: bool,
    /// References recorded for Report Remove or Take It Down, oldest first.
    pub references: Vec<ServiceReference>,
}

/// What [`Vault::answer_under_18`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SafeguardChange {
    /// Items withdrawn (their stored files deleted) because they held pictures or videos.
    pub withdrawn: Vec<String>,
    /// Items that hold pictures or videos and were kept, each with why (an item that
    /// arrived in a hand-over stays as its sender sealed it).
    pub kept: Vec<(String, String)>,
}

/// The reason written into each `item.withdrawn` event of a switch to no-images.
pub const WITHDRAW_REASON: &str =
    "the person in the images is, or may have been, under 18: this case keeps no pictures or videos";

/// Checks whether a media type is a picture or a video.
pub fn is_picture_or_video(media_type: &str) -> bool {
    let t = media_type.trim().to_ascii_lowercase();
    t.starts_with("image/") || t.starts_with("video/")
}

/// Names what a file on disk is from its first bytes and name, without storing it.
pub(super) fn sniff_file(path: &Path) -> Option<String> {
    let mut head = Vec::with_capacity(8192);
    File::open(path).ok()?.take(8192).read_to_end(&mut head).ok()?;
    Some(super::capture::sniff(&head, path))
}

/// Refuses a file on disk for a no-images case when it is a picture or video, or a zip
/// that holds one (or cannot be looked into).
pub(super) fn refuse_picture(path: &Path) -> Result<()> {
    match sniff_file(path) {
        Some(t) if is_picture_or_video(&t) => Err(Error::NoImagesCase {
            path: path.to_path_buf(),
            media_type: t,
        }),
        Some(t) if t == ZIP => refuse_zip_of_pictures(path),
        _ => Ok(()),
    }
}

/// Most entries of a zip looked into for a no-images case.
const ZIP_ENTRIES_CHECKED: usize = 100_000;

/// Looks into a zip for a no-images case, which keeps a file whole or not at all: every
/// entry by its name and by its first bytes (a picture renamed `.dat` is still one). A
/// zip inside it, one that cannot be read, or one with encrypted entries is refused too:
/// what it holds could not be checked. Reads at most 8 KiB of each entry.
fn refuse_zip_of_pictures(path: &Path) -> Result<()> {
    let unchecked = |why: String| Error::Input {
        path: path.to_path_buf(),
        reason: format!(
            "this is a no-images case, and what this zip holds could not be checked for pictures ({why}); nothing of it was stored. To keep a chat, export it again choosing \"Without media\""
        ),
    };
    let file = File::open(path).map_err(|e| unchecked(e.to_string()))?;
    match zip_picture(std::io::BufReader::new(file)).map_err(unchecked)? {
        Some((name, media_type)) => Err(Error::NoImagesCase {
            path: PathBuf::from(format!("{} ({})", path.display(), name.escape_debug())),
            media_type,
        }),
        None => Ok(()),
    }
}

/// The first entry of a zip that is a picture, a video or another zip (by name or by its
/// first 8 KiB), as its name and what it is; `Err` says why the zip could not be looked
/// into (unreadable, encrypted, more than [`ZIP_ENTRIES_CHECKED`] entries).
fn zip_picture<R: Read + std::io::Seek>(reader: R) -> std::result::Result<Option<(String, String)>, String> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| e.to_string())?;
    if zip.len() > ZIP_ENTRIES_CHECKED {
        return Err(format!("it holds {} files", zip.len()));
    }
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_or_else(|_| format!("entry #{}", i + 1), std::borrow::Cow::into_owned);
        let mut head = Vec::with_capacity(8192);
        (&mut entry)
            .take(8192)
            .read_to_end(&mut head)
            .map_err(|e| format!("{}: {e}", name.escape_debug()))?;
        let sniffed = super::capture::sniff(&head, Path::new(&name));
        let named = mime_guess::from_path(&name).first_raw().unwrap_or("");
        if let Some(t) = [sniffed.as_str(), named]
            .into_iter()
            .find(|t| is_picture_or_video(t) || *t == ZIP)
        {
            let what = if t == ZIP {
                "a zip inside the zip, which could hold pictures".to_owned()
            } else {
                t.to_owned()
            };
            return Ok(Some((name, what)));
        }
    }
    Ok(None)
}

const ZIP: &str = "application/zip";

/// Checks whether an item of a no-images case may hold pictures: a screen capture or
/// recording, which the person made after the warning to keep the image off screen.
fn may_hold_pictures(record: &ItemRecord) -> bool {
    matches!(record.kind, ItemKind::Screenshot | ItemKind::Video)
}

/// Refuses a record about to be committed to a no-images case that holds a picture or
/// video: the last guard, whatever path the item took (web capture, download, export).
pub(super) fn refuse_record(record: &ItemRecord) -> Result<()> {
    if may_hold_pictures(record) {
        return Ok(());
    }
    match record
        .artifacts
        .iter()
        .find(|a| is_picture_or_video(&a.media_type))
    {
        Some(a) => Err(Error::NoImagesCase {
            path: a
                .source_path
                .clone()
                .or_else(|| a.original_name.clone())
                .unwrap_or_else(|| a.role.clone())
                .into(),
            media_type: a.media_type.clone(),
        }),
        None => Ok(()),
    }
}

impl Vault {
    /// Returns a case's safeguard as its audit log records it.
    pub fn safeguard(&self, case_id: &str) -> Result<Safeguard> {
        let case = self.resolve_case(case_id)?;
        let mut out = Safeguard::default();
        for row in events::of_type(&self.conn, &case.id, event_type::CASE_SAFEGUARD)? {
            let data = event_data(&row.body);
            out.under_18 = serde_json::from_value(data["under_18"].clone()).ok();
        }
        out.no_images = out.under_18.is_some_and(Under18::no_images);
        for row in events::of_type(&self.conn, &case.id, event_type::CASE_SERVICE_REFERENCE)? {
            let data = event_data(&row.body);
            if let Ok(service) = serde_json::from_value(data["service"].clone()) {
                out.references.push(ServiceReference {
                    service,
                    reference: data["reference"].as_str().unwrap_or("").to_owned(),
                    recorded_at: row.at,
                });
            }
        }
        Ok(out)
    }

    /// Refuses a screen capture or recording of a no-images case unless the person has
    /// confirmed the image is off screen (`understood`): the edges ask, this decides.
    pub fn check_screen_capture(&self, case_id: &str, understood: bool) -> Result<()> {
        if !understood && self.is_no_images_case(case_id)? {
            return Err(Error::ScreenWarningNeeded);
        }
        Ok(())
    }

    /// Checks whether a case keeps no pictures or videos.
    pub fn is_no_images_case(&self, case_id: &str) -> Result<bool> {
        Ok(self.safeguard(case_id)?.no_images)
    }

    /// Creates a case with the answer to the under-18 question (`None`: not answered) in
    /// one transaction, so a no-images case never exists without its answer.
    pub fn create_case_answering(&mut self, title: &str, under_18: Option<Under18>) -> Result<String> {
        let id = self.create_case_with(title, |tx, id, at| match under_18 {
            Some(answer) => {
                append_event(tx, id, at, event_type::CASE_SAFEGUARD, answer_data(answer)).map(drop)
            }
            None => Ok(()),
        })?;
        Ok(id)
    }

    /// Records the answer to the under-18 question for an existing case. With
    /// `withdraw_pictures`, a case that becomes no-images has every item holding a
    /// picture or video withdrawn and its stored files deleted ([`Vault::withdraw`]), and
    /// every web page captured before (its archive may hold image bodies).
    pub fn answer_under_18(
        &mut self,
        case_id: &str,
        answer: Under18,
        withdraw_pictures: bool,
    ) -> Result<SafeguardChange> {
        let case = self.resolve_case(case_id)?;
        let at = utc_rfc3339(&self.now());
        let tx = self.conn.transaction()?;
        append_event(
            &tx,
            &case.id,
            &at,
            event_type::CASE_SAFEGUARD,
            answer_data(answer),
        )?;
        tx.commit()?;
        let mut change = SafeguardChange::default();
        if !answer.no_images() {
            return Ok(change);
        }
        for item_id in self.items_with_pictures(&case.id)? {
            if !withdraw_pictures {
                change.kept.push((item_id, "not asked to withdraw it".into()));
                continue;
            }
            match self.withdraw(&item_id, WITHDRAW_REASON, true) {
                Ok(_) => change.withdrawn.push(item_id),
                Err(e) => change.kept.push((item_id, e.to_string())),
            }
        }
        Ok(change)
    }

    /// Lists the case's items (not withdrawn) that hold a picture or a video, or may (a
    /// web page captured while the case still kept images, a zip holding one or that
    /// cannot be looked into): what a switch to no-images offers to withdraw.
    pub fn items_with_pictures(&self, case_id: &str) -> Result<Vec<String>> {
        let case = self.resolve_case(case_id)?;
        let mut out = Vec::new();
        for row in items::list(&self.conn, Some(&case.id))? {
            if row.withdrawn_at.is_some() {
                continue;
            }
            let Ok(record) = serde_json::from_str::<ItemRecord>(&row.record) else {
                continue;
            };
            let web_with_bodies = record.kind == ItemKind::WebPage
                && record
                    .capture
                    .as_ref()
                    .and_then(|c| c.get("no_images_case"))
                    .is_none();
            if web_with_bodies
                || record
                    .artifacts
                    .iter()
                    .any(|a| is_picture_or_video(&a.media_type))
                || self.zip_may_hold_pictures(&record)
            {
                out.push(record.id);
            }
        }
        Ok(out)
    }

    /// Whether a zip of the item holds a picture, a video or another zip, or could not be
    /// looked into (larger than [`super::CHAT_DETECT_MAX`], unreadable): a zip is kept
    /// whole, so a switch to no-images offers to withdraw it.
    fn zip_may_hold_pictures(&self, record: &ItemRecord) -> bool {
        record.artifacts.iter().enumerate().any(|(i, a)| {
            a.media_type == ZIP
                && (a.size > super::CHAT_DETECT_MAX
                    || self
                        .artifact_bytes(&record.id, i, super::CHAT_DETECT_MAX)
                        .map_err(|e| e.to_string())
                        .and_then(|(_, bytes)| zip_picture(std::io::Cursor::new(bytes)))
                        .map_or(true, |found| found.is_some()))
        })
    }

    /// Records the reference number Report Remove or Take It Down gave, as an event of
    /// the case's log (sealed like everything else; nothing is sent anywhere).
    pub fn record_service_reference(
        &mut self,
        case_id: &str,
        service: Service,
        reference: &str,
    ) -> Result<()> {
        let case = self.resolve_case(case_id)?;
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(Error::Invalid(
                "the reference is empty: type the number the service gave you; nothing was recorded".into(),
            ));
        }
        let at = utc_rfc3339(&self.now());
        let tx = self.conn.transaction()?;
        append_event(
            &tx,
            &case.id,
            &at,
            event_type::CASE_SERVICE_REFERENCE,
            json!({ "service": service, "reference": reference }),
        )?;
        tx.commit()?;
        Ok(())
    }
}

fn answer_data(answer: Under18) -> serde_json::Value {
    json!({ "under_18": answer, "no_images": answer.no_images() })
}

fn event_data(body: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(body)
        .map(|v| v["data"].clone())
        .unwrap_or_default()
}

/// Refuses a zipped conversation export that holds pictures or videos (judged by their
/// names inside the zip): Safekeep seals a zip whole, so it cannot keep the chat without
/// them. The words say how to keep the text: unzip it and import the folder.
pub(super) fn refuse_zip_with_pictures(
    disk: &[(std::path::PathBuf, Option<String>)],
    export: &safekeep_chat::Export,
) -> Result<()> {
    let picture = first_picture(export);
    match (picture, disk.first()) {
        (Some(f), Some((zip, _))) => Err(Error::Input {
            path: zip.clone(),
            reason: format!(
                "it holds pictures or videos ({} and perhaps others), and this is a no-images case, so the zip cannot be kept whole. Nothing was stored. To keep the messages: unzip it and import the folder; Safekeep keeps the chat's text and leaves the pictures and videos out",
                f.path
            ),
        }),
        _ => Ok(()),
    }
}

/// Refuses, for a no-images case, an export whose chat file holds pictures or videos
/// inside it (an SMS backup's MMS parts, an e-mail's attachments): they cannot be left
/// out of the sealed file.
pub(super) fn refuse_pictures_inside(
    disk: &[(std::path::PathBuf, Option<String>)],
    reading: &safekeep_chat::Reading,
) -> Result<()> {
    match (reading.pictures_inside, disk.first()) {
        (0, _) | (_, None) => Ok(()),
        (n, Some((path, _))) => Err(Error::Input {
            path: path.clone(),
            reason: format!(
                "it holds {n} picture(s) or video(s) inside it (sent as MMS, or attached to an e-mail), and this is a no-images case, so it cannot be kept. Nothing was stored. To keep the messages: make the SMS backup again in SMS Backup & Restore without MMS media, or import only the e-mails that carry no pictures"
            ),
        }),
    }
}

/// Refuses, for a no-images case, an export already sealed as an item (read again as a
/// conversation) that holds pictures or videos, as files of its zip or inside its chat
/// file: the sealed file is kept whole or not read at all.
pub(super) fn refuse_export_with_pictures(
    export: &safekeep_chat::Export,
    reading: &safekeep_chat::Reading,
) -> Result<()> {
    let picture = first_picture(export);
    if picture.is_none() && reading.pictures_inside == 0 {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "this export holds pictures or videos ({}), and this is a no-images case, so its messages were not read into it. To keep the messages: export the chat again choosing \"Without media\" and add that; please do not unzip this one on the computer",
        picture.map_or_else(
            || format!("{} inside its messages", reading.pictures_inside),
            |f| f.path.clone()
        )
    )))
}

/// The first file of `export` whose name says it is a picture or a video.
fn first_picture(export: &safekeep_chat::Export) -> Option<&safekeep_chat::ExportFile> {
    export.files().iter().find(|f| {
        mime_guess::from_path(&f.path)
            .first()
            .is_some_and(|m| is_picture_or_video(m.essence_str()))
    })
}

/// A file of an export left out of a no-images case, as the record names it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Removed {
    /// Its path inside the export.
    path: String,
    /// What it was sniffed as.
    media_type: String,
    /// Its size in bytes.
    size: u64,
}

/// The export's disk files, their metadata and their paths inside the export without the
/// pictures and videos, and what was left out.
#[allow(clippy::type_complexity)]
pub(super) fn leave_out_pictures(
    disk: Vec<(std::path::PathBuf, Option<String>)>,
    seen: Vec<Option<std::fs::Metadata>>,
    inside: Vec<String>,
) -> (
    Vec<(std::path::PathBuf, Option<String>)>,
    Vec<Option<std::fs::Metadata>>,
    Vec<String>,
    Vec<Removed>,
) {
    let (mut d, mut s, mut i, mut removed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((file, meta), path) in disk.into_iter().zip(seen).zip(inside) {
        match sniff_file(&file.0) {
            Some(t) if is_picture_or_video(&t) => removed.push(Removed {
                path,
                media_type: t,
                size: meta.as_ref().map_or(0, std::fs::Metadata::len),
            }),
            _ => {
                d.push(file);
                s.push(meta);
                i.push(path);
            }
        }
    }
    (d, s, i, removed)
}

impl Safeguard {
    /// Returns what a bundle and a report say about a no-images case, in plain words, or
    /// `None` for a case that keeps pictures. One paragraph, no line breaks.
    pub fn statement(&self) -> Option<String> {
        let answer = match self.under_18? {
            Under18::Yes => "the person in the images is, or was when they were made, under 18",
            Under18::NotSure => {
                "it is not known whether the person in the images was under 18 when they were made, so Safekeep treats them as a child"
            }
            Under18::No => return None,
        };
        let mut s = format!(
            "This is a no-images case: {answer}. So that nobody keeps or passes on an indecent image of a child, Safekeep kept no pictures or videos in it. Files that were pictures or videos were refused; web captures keep addresses, page text and account names but no image or video; anything left out is named as removed in its exhibit's metadata. A screen capture, if any, was made after a warning to keep the image off screen. To have the images taken down without anyone keeping a copy: Report Remove (Childline and the IWF, UK, for under-18s) or Take It Down (NCMEC, elsewhere)."
        );
        for r in &self.references {
            s.push_str(&format!(" {} reference: {}.", r.service.name(), r.reference));
        }
        Some(s)
    }
}
