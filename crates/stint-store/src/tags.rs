//! Rows of `tags` and `track_tags`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Cols, Result, to_ts};
use stint_domain::TagId;
use stint_domain::entities::Tag;
use stint_domain::names::name_key;

fn from_row(r: &Row<'_>) -> rusqlite::Result<Tag> {
    let c = Cols::new(r, "tags", "tag", 0)?;
    Ok(Tag {
        id: TagId(r.get(0)?),
        name: r.get(1)?,
        created_at: c.ts(2, "created_at")?,
        updated_at: c.ts(3, "updated_at")?,
    })
}

/// Inserts a tag and returns its id.
pub fn insert(conn: &Connection, name: &str, now: DateTime<Utc>) -> Result<TagId> {
    conn.execute(
        "INSERT INTO tags (name, created_at, updated_at, name_key, id) VALUES (?1, ?2, ?2, ?3, ?4)",
        params![
            name,
            to_ts(now),
            name_key(name),
            super::sync::next_id(conn, "tags")?
        ],
    )?;
    Ok(TagId(conn.last_insert_rowid()))
}

/// Renames tag `id`.
pub fn rename(conn: &Connection, id: TagId, name: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE tags SET name = ?2, updated_at = ?3,
           name_key = CASE WHEN name_key IS NULL AND name = ?2 THEN NULL ELSE ?4 END
         WHERE id = ?1",
        params![id.0, name, to_ts(now), name_key(name)],
    )?;
    Ok(())
}

/// The tag with this id.
pub fn get(conn: &Connection, id: TagId) -> Result<Option<Tag>> {
    Ok(conn
        .query_row(
            "SELECT id, name, created_at, updated_at FROM tags WHERE id = ?1",
            [id.0],
            from_row,
        )
        .optional()?)
}

/// Tags named `name` ignoring case in every script (equal [`name_key`]s), by id: one, or
/// several only where names clashed when the keys were filled (see
/// [`super::fill_name_keys`]).
pub fn find_by_name(conn: &Connection, name: &str) -> Result<Vec<Tag>> {
    let Some(key) = stint_domain::names::lookup_key(name) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, created_at, updated_at FROM tags
          WHERE name_key = ?1 OR name_key IS NULL ORDER BY id",
    )?;
    let mut found = Vec::new();
    for t in stmt.query_map([&key], from_row)? {
        let t = t?;
        if name_key(&t.name) == key {
            found.push(t);
        }
    }
    Ok(found)
}

/// Tag names to rank for an unknown-name error (at most
/// `super::MAX_SUGGESTION_CANDIDATES`) and how many tags there are.
pub fn names_for_suggestions(conn: &Connection) -> Result<(Vec<String>, i64)> {
    super::names_for_suggestions(conn, "tags")
}

/// Tags with the number of tracks using each, ordered by name then id, after `(name, id)`.
pub fn list(
    conn: &Connection,
    search: Option<&str>,
    after: Option<(&str, i64)>,
    limit: usize,
) -> Result<Vec<(Tag, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.name, t.created_at, t.updated_at,
                (SELECT count(*) FROM track_tags tt WHERE tt.tag_id = t.id)
           FROM tags t
          WHERE (?1 IS NULL OR ifnull(t.name_key, t.name) LIKE '%' || ?1 || '%' ESCAPE '\\')
            AND (?2 IS NULL OR t.name COLLATE NOCASE > ?2 OR (t.name COLLATE NOCASE = ?2 AND t.id > ?3))
          ORDER BY t.name COLLATE NOCASE, t.id LIMIT ?4",
    )?;
    let (after_name, after_id) = after.map_or((None, 0), |(n, i)| (Some(n), i));
    let rows = stmt.query_map(
        params![
            search.map(super::key_search),
            after_name,
            after_id,
            limit as i64
        ],
        |r| Ok((from_row(r)?, r.get(4)?)),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Number of tracks carrying tag `id`.
pub fn track_count(conn: &Connection, id: TagId) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM track_tags WHERE tag_id = ?1",
        [id.0],
        |r| r.get(0),
    )?)
}

/// Deletes tag `id` and removes it from every track.
pub fn delete(conn: &Connection, id: TagId) -> Result<()> {
    conn.execute("DELETE FROM track_tags WHERE tag_id = ?1", [id.0])?;
    conn.execute("DELETE FROM tags WHERE id = ?1", [id.0])?;
    Ok(())
}
