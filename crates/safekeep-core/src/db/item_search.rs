//! `item_text` and the timeline's indexes (schema version 5): what lets a case of 50,000
//! items be paged, searched and filtered in SQLite instead of in the app's memory
//! (docs/app.md § "Timeline at scale").
//!
//! `item_text` is a full-text index (FTS5) with one row per item, `rowid` = the item's
//! rowid, holding the words a person would search for: the title, what they said about
//! it, file names and folders, addresses, and later tags, notes and reports. Triggers
//! keep it in step with every insert, whichever code path makes it, inside the same
//! transaction; items and annotations are never deleted, so nothing else can make it
//! stale. It lives in the vault's database, so it is as encrypted as the records it
//! repeats.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

/// The record and annotation fields whose words are searchable (JSON keys at any depth).
/// Hashes, ids, times and media types are left out: they would match everything.
macro_rules! searched_keys {
    () => {
        "'title', 'description', 'source_url', 'platform', 'poster_account', 'original_name', \
         'source_path', 'url', 'window', 'tag', 'text', 'reported_to', 'reference', 'force'"
    };
}

/// Creates the full-text index, its triggers and the filter indexes, and fills the index
/// from what the vault already holds (schema version 5).
pub const MIGRATION_5: &str = concat!(
    "
CREATE VIRTUAL TABLE item_text USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER item_text_on_item AFTER INSERT ON items BEGIN
    INSERT INTO item_text (rowid, body)
    SELECT new.rowid, coalesce(group_concat(value, ' '), '')
    FROM json_tree(new.record) WHERE type = 'text' AND key IN (",
    searched_keys!(),
    ");
END;
CREATE TRIGGER item_text_on_annotation AFTER INSERT ON annotations BEGIN
    UPDATE item_text SET body = body || ' ' || (
        SELECT coalesce(group_concat(value, ' '), '')
        FROM json_tree(new.body) WHERE type = 'text' AND key IN (",
    searched_keys!(),
    "))
    WHERE rowid = (SELECT rowid FROM items WHERE id = new.item_id);
END;
INSERT INTO item_text (rowid, body)
SELECT items.rowid,
       (SELECT coalesce(group_concat(value, ' '), '')
        FROM json_tree(items.record) WHERE type = 'text' AND key IN (",
    searched_keys!(),
    "))
       || ' ' ||
       (SELECT coalesce(group_concat(j.value, ' '), '')
        FROM annotations a, json_tree(a.body) j
        WHERE a.item_id = items.id AND j.type = 'text' AND j.key IN (",
    searched_keys!(),
    "))
FROM items;
CREATE INDEX items_by_kind ON items(case_id, kind, captured_at);
CREATE INDEX items_by_platform ON items(case_id, json_extract(record, '$.context.platform'));
CREATE INDEX annotations_by_tag ON annotations(json_extract(body, '$.tag'))
    WHERE json_extract(body, '$.kind') = 'tag';
CREATE INDEX annotations_by_platform ON annotations(json_extract(body, '$.context.platform'))
    WHERE json_extract(body, '$.kind') = 'context';"
);

/// Adds words to an item's searchable text: an incident-log entry's own text, which
/// is in its sealed file rather than in its record.
pub fn add_words(conn: &Connection, item_id: &str, words: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE item_text SET body = body || ' ' || ?2 WHERE rowid = (SELECT rowid FROM items WHERE id = ?1)",
        [item_id, words],
    )?;
    Ok(())
}

/// Items of kind `note` (their id and the blob of their text), for filling the index of
/// a vault made before it.
pub fn notes(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare(
        "SELECT items.id, artifacts.blob FROM items JOIN artifacts ON artifacts.item_id = items.id
         WHERE items.kind = 'note' AND artifacts.idx = 0 AND artifacts.blob IS NOT NULL",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Which items of a case a page is taken from. Every field narrows; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Words, each matched as the start of a word in the searchable text.
    pub search: Option<String>,
    /// Item kind, as stored (`screenshot`, `note`, …).
    pub kind: Option<String>,
    /// Platform, as the person wrote it at capture or later.
    pub platform: Option<String>,
    /// A tag given later.
    pub tag: Option<String>,
    /// Captured at or after this RFC 3339 UTC time.
    pub from: Option<String>,
    /// Captured before this RFC 3339 UTC time.
    pub until: Option<String>,
}

/// Where a page starts: after the item captured at `captured_at` with this rowid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    /// The previous page's last capture time.
    pub captured_at: String,
    /// Its rowid (the tie-breaker between items captured in the same millisecond).
    pub rowid: i64,
}

/// The words of a search as an FTS5 query: each word a quoted prefix, all required.
/// Quoting makes every character literal, so nothing a person types is FTS syntax.
pub fn match_expression(search: &str) -> Option<String> {
    let words: Vec<String> = search
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Binds `value` as the next numbered parameter and returns its placeholder.
fn bind(args: &mut Vec<Value>, value: impl Into<Value>) -> String {
    args.push(value.into());
    format!("?{}", args.len())
}

fn where_clause(case_id: &str, filter: &Filter, args: &mut Vec<Value>) -> String {
    // The case is always ?1 (the subqueries below rely on it).
    let mut sql = format!("items.case_id = {}", bind(args, case_id.to_owned()));
    if let Some(q) = filter.search.as_deref().and_then(match_expression) {
        let q = bind(args, q);
        sql += &format!(" AND items.rowid IN (SELECT rowid FROM item_text WHERE item_text MATCH {q})");
    }
    if let Some(k) = &filter.kind {
        sql += &format!(" AND items.kind = {}", bind(args, k.clone()));
    }
    if let Some(p) = &filter.platform {
        let p = bind(args, p.clone());
        sql += &format!(
            " AND items.rowid IN (
                SELECT rowid FROM items WHERE case_id = ?1 AND json_extract(record, '$.context.platform') = {p}
                UNION
                SELECT i.rowid FROM annotations a CROSS JOIN items i ON i.id = a.item_id
                WHERE json_extract(a.body, '$.kind') = 'context' AND json_extract(a.body, '$.context.platform') = {p})"
        );
    }
    // Filters on annotations select rowids, which the index that orders the page holds,
    // so a page never reads the records of items that do not match.
    if let Some(t) = &filter.tag {
        let t = bind(args, t.clone());
        sql += &format!(
            " AND items.rowid IN (SELECT i.rowid FROM annotations a CROSS JOIN items i ON i.id = a.item_id
                WHERE json_extract(a.body, '$.kind') = 'tag' AND json_extract(a.body, '$.tag') = {t})"
        );
    }
    if let Some(f) = &filter.from {
        sql += &format!(" AND items.captured_at >= {}", bind(args, f.clone()));
    }
    if let Some(u) = &filter.until {
        sql += &format!(" AND items.captured_at < {}", bind(args, u.clone()));
    }
    sql
}

/// One page of a case's items in capture order: `(rowid, id, captured_at)`, at most
/// `limit`.
pub fn page(
    conn: &Connection,
    case_id: &str,
    filter: &Filter,
    after: Option<&After>,
    limit: u32,
) -> rusqlite::Result<Vec<(i64, String, String)>> {
    let mut args = Vec::new();
    let mut sql = format!(
        "SELECT items.rowid, items.id, items.captured_at FROM items WHERE {}",
        where_clause(case_id, filter, &mut args)
    );
    if let Some(a) = after {
        let (at, rowid) = (bind(&mut args, a.captured_at.clone()), bind(&mut args, a.rowid));
        sql += &format!(" AND (items.captured_at, items.rowid) > ({at}, {rowid})");
    }
    sql.push_str(&format!(" ORDER BY items.captured_at, items.rowid LIMIT {limit}"));
    let mut st = conn.prepare_cached(&sql)?;
    st.query_map(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}

/// How many of a case's items the filter lets through.
pub fn count(conn: &Connection, case_id: &str, filter: &Filter) -> rusqlite::Result<u64> {
    let mut args = Vec::new();
    let sql = format!(
        "SELECT count(*) FROM items WHERE {}",
        where_clause(case_id, filter, &mut args)
    );
    conn.prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| r.get(0))
}

/// The values a case's filters can take, each with how many items have it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Facets {
    /// Item kinds.
    pub kinds: Vec<(String, u64)>,
    /// Platforms, as written at capture or later.
    pub platforms: Vec<(String, u64)>,
    /// Tags.
    pub tags: Vec<(String, u64)>,
}

/// Reads a case's facets. Annotation queries start from the annotations (`CROSS JOIN`
/// fixes the order): starting from the case's items made SQLite read every item's row.
pub fn facets(conn: &Connection, case_id: &str) -> rusqlite::Result<Facets> {
    let counted = |sql: &str| -> rusqlite::Result<Vec<(String, u64)>> {
        conn.prepare_cached(sql)?
            .query_map([case_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    };
    Ok(Facets {
        kinds: counted("SELECT kind, count(*) FROM items WHERE case_id = ?1 GROUP BY kind ORDER BY kind")?,
        platforms: counted(
            "SELECT p, count(DISTINCT r) FROM (
                SELECT rowid AS r, json_extract(record, '$.context.platform') AS p
                FROM items WHERE case_id = ?1 AND json_extract(record, '$.context.platform') IS NOT NULL
                UNION ALL
                SELECT i.rowid, json_extract(a.body, '$.context.platform') FROM annotations a
                CROSS JOIN items i ON i.id = a.item_id
                WHERE json_extract(a.body, '$.kind') = 'context' AND i.case_id = ?1
                  AND json_extract(a.body, '$.context.platform') IS NOT NULL)
             WHERE p != '' GROUP BY p ORDER BY p",
        )?,
        tags: counted(
            "SELECT json_extract(a.body, '$.tag') AS t, count(DISTINCT i.rowid) FROM annotations a
             CROSS JOIN items i ON i.id = a.item_id
             WHERE json_extract(a.body, '$.kind') = 'tag' AND i.case_id = ?1
             GROUP BY t ORDER BY t",
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::match_expression;

    #[test]
    fn searches_are_quoted_prefixes() {
        assert_eq!(match_expression("  "), None);
        assert_eq!(match_expression("\" * ( )"), None);
        assert_eq!(
            match_expression("Insta \"abuser\" OR"),
            Some("\"Insta\"* \"abuser\"* \"OR\"*".into())
        );
    }
}
