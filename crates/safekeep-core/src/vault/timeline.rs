//! A case's timeline a page at a time, searched and filtered in SQLite
//! (`db::item_search`), so that no screen holds all of a 50,000-item case.

use serde::{Deserialize, Serialize};

use super::{Error, ItemView, Result, Vault};
use crate::db::item_search::{self, After, Facets, Filter};
use crate::db::items;

/// Most items one page may hold.
pub const MAX_PAGE: u32 = 500;

/// What a page asks for. Field names are the app's (`camelCase` over the channel).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TimelineQuery {
    /// Words to search for (each as the start of a word).
    pub search: Option<String>,
    /// One kind of item.
    pub kind: Option<String>,
    /// One platform.
    pub platform: Option<String>,
    /// One tag.
    pub tag: Option<String>,
    /// Captured at or after (RFC 3339).
    pub from: Option<String>,
    /// Captured before (RFC 3339).
    pub until: Option<String>,
    /// The `next` of the previous page; none for the first page.
    pub after: Option<String>,
    /// Items per page (1 to [`MAX_PAGE`]; 100 when not given).
    pub limit: Option<u32>,
}

/// One page of a timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelinePage {
    /// The items, oldest first.
    pub items: Vec<ItemView>,
    /// Where the next page starts; none when this is the last.
    pub next: Option<String>,
    /// How many items the filters let through in all (on the first page only, where the
    /// count is asked for; later pages repeat nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

impl Vault {
    /// One page of a case's items (id or prefix), oldest first, filtered.
    pub fn timeline(&self, case_id: &str, query: &TimelineQuery) -> Result<TimelinePage> {
        let case = self.resolve_case(case_id)?;
        let filter = Filter {
            search: non_blank(&query.search),
            kind: non_blank(&query.kind),
            platform: non_blank(&query.platform),
            tag: non_blank(&query.tag),
            from: instant(&query.from)?,
            until: instant(&query.until)?,
        };
        let after = query.after.as_deref().map(parse_cursor).transpose()?;
        let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
        let conn = self.conn();
        let mut rows = item_search::page(conn, &case.id, &filter, after.as_ref(), limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = more
            .then(|| rows.last().map(|(rowid, _, at)| format!("{at}|{rowid}")))
            .flatten();
        let items = rows
            .into_iter()
            .map(|(_, id, _)| {
                let row =
                    items::get(conn, &id)?.ok_or_else(|| Error::Invalid(format!("item {id} vanished")))?;
                self.view(row)
            })
            .collect::<Result<_>>()?;
        let total = after
            .is_none()
            .then(|| item_search::count(conn, &case.id, &filter))
            .transpose()?;
        Ok(TimelinePage { items, next, total })
    }

    /// Every item of a case that the query lets through, oldest first (all pages; for the
    /// command line, which prints them all).
    pub fn search_items(&self, case_id: &str, query: &TimelineQuery) -> Result<Vec<ItemView>> {
        let mut q = TimelineQuery {
            limit: Some(MAX_PAGE),
            after: None,
            ..query.clone()
        };
        let mut all = Vec::new();
        loop {
            let page = self.timeline(case_id, &q)?;
            all.extend(page.items);
            match page.next {
                Some(next) => q.after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// The kinds, platforms and tags a case's items have, with counts, for the filters.
    pub fn timeline_facets(&self, case_id: &str) -> Result<Facets> {
        let case = self.resolve_case(case_id)?;
        Ok(item_search::facets(self.conn(), &case.id)?)
    }
}

impl Vault {
    /// Adds every incident-log entry's words to the search index (once, when a vault made
    /// before the index is upgraded). An entry that cannot be read is left out of search
    /// and nothing else: `check` is what reports damage.
    pub(super) fn index_note_words(&self) -> Result<()> {
        for (id, blob) in item_search::notes(self.conn())? {
            let mut text = String::new();
            let read = self
                .blobs()
                .open(&blob)
                .and_then(|mut f| std::io::Read::read_to_string(&mut f, &mut text));
            if read.is_ok() {
                item_search::add_words(self.conn(), &id, &text)?;
            }
        }
        Ok(())
    }
}

fn non_blank(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A filter's time as the stored form (RFC 3339 UTC with milliseconds), so that string
/// comparison in SQLite is time order.
fn instant(value: &Option<String>) -> Result<Option<String>> {
    let Some(v) = non_blank(value) else {
        return Ok(None);
    };
    let t = chrono::DateTime::parse_from_rfc3339(&v).map_err(|_| {
        Error::Invalid(format!(
            "\"{v}\" is not a date and time Safekeep can read; use a form like 2026-03-01T00:00:00Z"
        ))
    })?;
    Ok(Some(crate::clock::utc_rfc3339(&t)))
}

fn parse_cursor(cursor: &str) -> Result<After> {
    cursor
        .rsplit_once('|')
        .and_then(|(at, rowid)| {
            Some(After {
                captured_at: at.to_owned(),
                rowid: rowid.parse().ok()?,
            })
        })
        .ok_or_else(|| Error::Invalid("that page of the timeline is out of date; open the case again".into()))
}
