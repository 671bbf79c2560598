//! Report queries: time summed in SQL by project, client or tag, and the spans of tracks in a
//! range for grouping by local day, week, month or year.
//!
//! Time counts only inside the range: a track is clipped to `[start, end)`, and a running track
//! counts up to `now`. Rounding per entry is done in SQL with the same rule as
//! [`crate::domain::rounding::round_seconds`], on each track's clipped part.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params_from_iter, types::Value};
use rust_decimal::Decimal;

use super::{Result, decimal_col, from_ts};
use crate::domain::settings::{Rounding, RoundingMode};
use crate::domain::{ClientId, ProjectId, TagId};

/// A dimension to group by in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    Project,
    Client,
    Tag,
}

/// Which tracks count, and how to round them.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// Unix seconds, UTC: time inside `[start, end)` counts.
    pub start: i64,
    pub end: i64,
    /// Running tracks count up to here.
    pub now: i64,
    pub project_id: Option<ProjectId>,
    pub client_id: Option<ClientId>,
    pub tag_id: Option<TagId>,
    pub billable: Option<bool>,
    pub invoiced: Option<bool>,
    /// Leave running timers out.
    pub finished_only: bool,
    pub rounding: Rounding,
}

/// One SQL group: the dimension values, then sums per billable flag, rate and currency.
#[derive(Debug, Clone)]
pub struct AggRow {
    /// `(id, name)` per requested dimension; `None` for "no project" / "no client" / "untagged".
    pub keys: Vec<(Option<i64>, Option<String>)>,
    pub billable: bool,
    /// Track, else project, else client rate; `None` means the default rate applies.
    pub rate: Option<Decimal>,
    /// Project, else client currency; `None` means the default currency applies.
    pub currency: Option<String>,
    pub seconds: i64,
    /// Sum of each track's clipped seconds rounded per entry.
    pub entry_rounded_seconds: i64,
    pub tracks: i64,
    pub running: i64,
}

fn filters(q: &ReportQuery, sql: &mut String, args: &mut Vec<Value>) {
    args.extend([Value::from(q.start), Value::from(q.end), Value::from(q.now)]);
    sql.push_str(" WHERE t.start_at < ?2 AND ifnull(t.end_at, ?3) > ?1");
    let mut push = |cond: &str, v: Value| {
        args.push(v);
        sql.push_str(&format!(
            " AND {cond}",
            cond = cond.replace('?', &format!("?{}", args.len()))
        ));
    };
    if let Some(p) = q.project_id {
        push("t.project_id = ?", p.0.into());
    }
    if let Some(c) = q.client_id {
        push("p.client_id = ?", c.0.into());
    }
    if let Some(t) = q.tag_id {
        push(
            "EXISTS (SELECT 1 FROM track_tags x WHERE x.track_id = t.id AND x.tag_id = ?)",
            t.0.into(),
        );
    }
    if let Some(b) = q.billable {
        push("t.billable = ?", b.into());
    }
    if let Some(i) = q.invoiced {
        push("(t.invoice_id IS NOT NULL) = ?", i.into());
    }
    if q.finished_only {
        sql.push_str(" AND t.end_at IS NOT NULL");
    }
}

fn rounding_sql(r: Rounding) -> String {
    let inc = i64::from(r.increment_minutes) * 60;
    match r.mode {
        RoundingMode::None => "secs".to_owned(),
        RoundingMode::Up => format!("((secs + {inc} - 1) / {inc}) * {inc}"),
        RoundingMode::Down => format!("(secs / {inc}) * {inc}"),
        RoundingMode::Nearest => format!("((secs + {}) / {inc}) * {inc}", inc / 2),
    }
}

/// Sums time by the given dimensions (and by billable flag, rate and currency) in SQL.
pub fn aggregate(conn: &Connection, q: &ReportQuery, dims: &[Dim]) -> Result<Vec<AggRow>> {
    let mut cols = Vec::new();
    let mut join_tags = false;
    for d in dims {
        match d {
            Dim::Project => cols.push(("t.project_id", "p.name")),
            Dim::Client => cols.push(("p.client_id", "c.name")),
            Dim::Tag => {
                join_tags = true;
                cols.push(("tt.tag_id", "g.name"));
            }
        }
    }
    let mut sql = String::from(
        "WITH parts AS (SELECT t.billable AS billable, (t.end_at IS NULL) AS running,
        max(0, min(ifnull(t.end_at, ?3), ?2) - max(t.start_at, ?1)) AS secs,
        coalesce(t.hourly_rate, p.hourly_rate, c.hourly_rate) AS rate,
        coalesce(p.currency, c.currency) AS currency",
    );
    for (i, (id, name)) in cols.iter().enumerate() {
        sql.push_str(&format!(", {id} AS k{i}, {name} AS n{i}"));
    }
    sql.push_str(
        " FROM tracks t LEFT JOIN projects p ON p.id = t.project_id
          LEFT JOIN clients c ON c.id = p.client_id",
    );
    if join_tags {
        sql.push_str(
            " LEFT JOIN track_tags tt ON tt.track_id = t.id LEFT JOIN tags g ON g.id = tt.tag_id",
        );
    }
    let mut args = Vec::new();
    filters(q, &mut sql, &mut args);
    let keys: Vec<String> = (0..cols.len()).map(|i| format!("k{i}, n{i}")).collect();
    let key_list = if keys.is_empty() {
        String::new()
    } else {
        format!("{}, ", keys.join(", "))
    };
    sql.push_str(&format!(
        ") SELECT {key_list}billable, rate, currency, sum(secs), sum({}), count(*), sum(running)
           FROM parts GROUP BY {key_list}billable, rate, currency",
        rounding_sql(q.rounding)
    ));
    let mut stmt = conn.prepare_cached(&sql)?;
    let n = cols.len();
    let rows = stmt.query_map(params_from_iter(args), |r| {
        let mut keys = Vec::with_capacity(n);
        for i in 0..n {
            keys.push((
                r.get::<_, Option<i64>>(2 * i)?,
                r.get::<_, Option<String>>(2 * i + 1)?,
            ));
        }
        let b = 2 * n;
        Ok(AggRow {
            keys,
            billable: r.get(b)?,
            rate: decimal_col(r.get(b + 1)?),
            currency: r.get(b + 2)?,
            seconds: r.get(b + 3)?,
            entry_rounded_seconds: r.get(b + 4)?,
            tracks: r.get(b + 5)?,
            running: r.get(b + 6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A track overlapping the range, for grouping by local day in Rust.
#[derive(Debug, Clone)]
pub struct Span {
    pub start: DateTime<Utc>,
    /// `None` while running.
    pub end: Option<DateTime<Utc>>,
    pub billable: bool,
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    pub rate: Option<Decimal>,
    pub currency: Option<String>,
    /// `(id, name)` of each tag.
    pub tags: Vec<(i64, String)>,
}

/// Tracks overlapping the query's range, by start.
pub fn spans(conn: &Connection, q: &ReportQuery, with_tags: bool) -> Result<Vec<Span>> {
    let mut sql = String::from(
        "SELECT t.start_at, t.end_at, t.billable, t.project_id, p.name, p.client_id, c.name,
                coalesce(t.hourly_rate, p.hourly_rate, c.hourly_rate), coalesce(p.currency, c.currency)",
    );
    if with_tags {
        sql.push_str(
            ", (SELECT group_concat(g.id || char(31) || g.name, char(30)) FROM track_tags tt
                 JOIN tags g ON g.id = tt.tag_id WHERE tt.track_id = t.id)",
        );
    } else {
        sql.push_str(", NULL");
    }
    sql.push_str(
        " FROM tracks t LEFT JOIN projects p ON p.id = t.project_id
          LEFT JOIN clients c ON c.id = p.client_id",
    );
    let mut args = Vec::new();
    filters(q, &mut sql, &mut args);
    sql.push_str(" ORDER BY t.start_at, t.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        let tags: Option<String> = r.get(9)?;
        Ok(Span {
            start: from_ts(r.get(0)?),
            end: r.get::<_, Option<i64>>(1)?.map(from_ts),
            billable: r.get(2)?,
            project_id: r.get(3)?,
            project_name: r.get(4)?,
            client_id: r.get(5)?,
            client_name: r.get(6)?,
            rate: decimal_col(r.get(7)?),
            currency: r.get(8)?,
            tags: tags
                .unwrap_or_default()
                .split('\u{1e}')
                .filter_map(|p| {
                    let (id, name) = p.split_once('\u{1f}')?;
                    Some((id.parse().ok()?, name.to_owned()))
                })
                .collect(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
