//! Reading cases, items and the log.

use super::{Annotation, Error, ItemView, Result, Vault, Withdrawal};
use crate::db::{self, annotations, artifacts, cases, events, items};
use crate::item::ItemRecord;

/// The meta key of [`Vault::records_host_name`].
const HOST_NAME_KEY: &str = "record_host_name";

impl Vault {
    /// Lists every case, oldest first.
    pub fn cases(&self) -> Result<Vec<cases::CaseRow>> {
        Ok(cases::list(self.conn())?)
    }

    /// Lists items in capture order, of one case (id or prefix) or of all cases.
    pub fn items(&self, case_id: Option<&str>) -> Result<Vec<ItemView>> {
        let case = case_id.map(|c| self.resolve_case(c)).transpose()?;
        items::list(self.conn(), case.as_ref().map(|c| c.id.as_str()))?
            .into_iter()
            .map(|row| self.view(row))
            .collect()
    }

    /// Reads one item (id or prefix), with the items whose pictures look like its own.
    pub fn item(&self, item_id: &str) -> Result<ItemView> {
        let mut view = self.item_without_similar(item_id)?;
        view.similar = self.similar_images(&view.record.id)?;
        view.similar_videos = self.similar_videos(&view.record.id)?;
        Ok(view)
    }

    /// Reads one item without the "looks like" scan over every stored hash (for previews
    /// and series, which do not show it).
    fn item_without_similar(&self, item_id: &str) -> Result<ItemView> {
        let id = self.resolve_item(item_id)?;
        let row =
            items::get(self.conn(), &id)?.ok_or_else(|| Error::Invalid(format!("item {id} vanished")))?;
        self.view(row)
    }

    /// For "capture again": the series that `item_id` starts or belongs to (a scrolling
    /// conversation captured as numbered, overlapping shots) and the next shot's number.
    /// A series is named by its first item's id; that item is shot 1.
    pub fn next_in_series(&self, item_id: &str) -> Result<(String, u64)> {
        let first = self.item_without_similar(item_id)?.record;
        let series_of = |r: &crate::item::ItemRecord| {
            r.capture
                .as_ref()
                .and_then(|c| c.get("series"))
                .and_then(|s| Some((s.get("id")?.as_str()?.to_owned(), s.get("index")?.as_u64()?)))
        };
        let id = series_of(&first).map_or(first.id.clone(), |(id, _)| id);
        let last = self
            .items(Some(&first.case_id))?
            .iter()
            .filter_map(|v| series_of(&v.record).filter(|(sid, _)| *sid == id).map(|(_, i)| i))
            .max()
            .unwrap_or(1);
        Ok((id, last + 1))
    }

    /// Lists a case's audit events in chain order.
    pub fn events(&self, case_id: &str) -> Result<Vec<events::EventRow>> {
        let case = self.resolve_case(case_id)?;
        Ok(events::list(self.conn(), &case.id)?)
    }

    /// Opens one stored file for reading (decrypted), with its media type and size,
    /// without reading it. Bytes read this way are authenticated chunk by chunk when the
    /// vault is encrypted, but not checked against the file's SHA-256 (that needs every
    /// byte: [`Self::artifact_bytes`], `check` and exports do it).
    pub fn artifact_reader(
        &self,
        item_id: &str,
        index: usize,
    ) -> Result<(String, u64, crate::blob_store::BlobReader)> {
        let view = self.item_without_similar(item_id)?;
        let artifact =
            view.record.artifacts.get(index).ok_or_else(|| {
                Error::Invalid(format!("item {} has no file #{}", view.record.id, index + 1))
            })?;
        let row = artifacts::list(self.conn(), Some(&view.record.id))?
            .into_iter()
            .nth(index)
            .and_then(|a| a.blob)
            .ok_or_else(|| Error::Invalid("this file was removed when the item was withdrawn".into()))?;
        let reader = self
            .blobs()
            .open(&row)
            .map_err(|e| Error::storage(self.blobs().path_of(&row), e))?;
        Ok((artifact.media_type.clone(), artifact.size, reader))
    }

    /// Reads one stored file of an item for display, if it is at most `limit` bytes.
    /// Returns its media type and bytes; the bytes are checked against the sealed hash so
    /// that the screen never shows something other than the evidence.
    pub fn artifact_bytes(&self, item_id: &str, index: usize, limit: u64) -> Result<(String, Vec<u8>)> {
        let view = self.item_without_similar(item_id)?;
        let (media_type, size, mut reader) = self.artifact_reader(&view.record.id, index)?;
        if size > limit {
            return Err(Error::Invalid(format!(
                "file #{} is {size} bytes, too large to preview here ({limit} at most); it is kept safely in the vault",
                index + 1,
            )));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        std::io::Read::read_to_end(&mut reader, &mut bytes).map_err(|e| {
            Error::Invalid(format!(
                "file #{} could not be read ({e}); run `safekeep check`",
                index + 1
            ))
        })?;
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        if view.record.artifacts.get(index).is_none_or(|a| a.sha256 != sha) {
            return Err(Error::Invalid(
                "the stored file no longer matches its hash; run `safekeep check`".into(),
            ));
        }
        Ok((media_type, bytes))
    }

    /// A poster for video file `index` of `item_id`: its first frame, blurred in the
    /// pixels as a report's thumbnail is (so the page never holds it sharp), as a JPEG.
    /// Needs FFmpeg; the error says so when it is missing.
    pub fn video_poster(&self, item_id: &str, index: usize) -> Result<Vec<u8>> {
        let (media_type, size, reader) = self.artifact_reader(item_id, index)?;
        if !crate::vpdq::is_video(&media_type) {
            return Err(Error::Invalid(format!("file #{} is not a video", index + 1)));
        }
        let ffmpeg = crate::vpdq::ffmpeg_on_path().ok_or_else(|| {
            Error::Invalid(
                "FFmpeg, which reads videos, is not installed, so no poster frame can be shown".into(),
            )
        })?;
        let glance = crate::vpdq::glance(&ffmpeg, reader, size, 1, 1)
            .map_err(|e| Error::Invalid(format!("no poster frame could be made ({e})")))?;
        let frame = glance
            .frames
            .first()
            .ok_or_else(|| Error::Invalid("the video has no picture to show".into()))?;
        crate::picture::jpeg(&crate::picture::blurred_thumbnail(frame))
            .map_err(|e| Error::Invalid(format!("no poster frame could be made ({e})")))
    }

    /// The producer's initials used for exhibit references, if set.
    pub fn producer_initials(&self) -> Result<Option<String>> {
        Ok(db::meta::get(self.conn(), "producer_initials")?)
    }

    /// Sets the producer's initials (1–4 letters) used for exhibit references.
    pub fn set_producer_initials(&mut self, initials: &str) -> Result<()> {
        let i = initials.trim().to_uppercase();
        if !crate::bundle::format::valid_prefix(&i) {
            return Err(Error::Invalid(format!(
                "\"{initials}\" should be 1 to 4 letters: the initials of the person producing the exhibits, for example AB"
            )));
        }
        Ok(db::meta::set(self.conn(), "producer_initials", &i)?)
    }

    /// Whether captures record this computer's host name (on unless the person turned it
    /// off: a name like "Sams-laptop" identifies the computer, and sometimes its owner, in
    /// every bundle and report).
    pub fn records_host_name(&self) -> bool {
        db::meta::get(self.conn(), HOST_NAME_KEY)
            .ok()
            .flatten()
            .as_deref()
            != Some("off")
    }

    /// Turns recording the host name in new captures on or off. Items already captured
    /// keep what was sealed in them.
    pub fn set_records_host_name(&mut self, on: bool) -> Result<()> {
        Ok(db::meta::set(
            self.conn(),
            HOST_NAME_KEY,
            if on { "on" } else { "off" },
        )?)
    }

    pub(crate) fn view(&self, row: items::ItemRow) -> Result<ItemView> {
        let record: ItemRecord = serde_json::from_str(&row.record).map_err(|e| {
            Error::Invalid(format!(
                "the stored record of item {} cannot be read ({e}); run `safekeep check`",
                row.id
            ))
        })?;
        let annotations = annotations::list(self.conn(), &row.id)?
            .iter()
            .map(|b| serde_json::from_str(b))
            .collect::<std::result::Result<Vec<Annotation>, _>>()
            .map_err(|e| Error::Invalid(format!("an annotation of item {} cannot be read ({e})", row.id)))?;
        Ok(ItemView {
            record,
            withdrawn: match (row.withdrawn_at, row.withdrawn_reason) {
                (Some(at), reason) => Some(Withdrawal {
                    at,
                    reason: reason.unwrap_or_default(),
                }),
                _ => None,
            },
            timestamp: self.item_timestamp(&row.id)?,
            pdq: self.item_pdq(&row.id)?,
            pdq_waiting: self.item_pdq_waiting(&row.id)?,
            similar: Vec::new(),
            vpdq: self.item_vpdq(&row.id)?,
            similar_videos: Vec::new(),
            annotations,
        })
    }
}
