//! Timewarrior and Watson files.
//!
//! - Timewarrior `timew export`: a JSON array of intervals `{"id", "start", "end"?, "tags"?,
//!   "annotation"?}` with UTC stamps such as `20240325T073000Z`; its data files
//!   (`~/.timewarrior/data/YYYY-MM.data`) hold the same as lines
//!   `inc 20240325T073000Z - 20240325T083000Z # tag "tag two" # "annotation"`. Timewarrior has
//!   no projects: tags become tags and the annotation the description. An interval is
//!   recognised by its values (its `id` is only its position).
//! - Watson: the `frames` file, a JSON array of `[start, stop, project, id, tags, updated_at]`
//!   with Unix seconds, and `watson log --json`, an array of `{"id", "project", "start",
//!   "stop", "tags", "note"?}` with RFC 3339 times. A frame is recognised by its id, so the two
//!   forms of the same frames import once.
//!
//! Intervals without an end (running) are skipped and counted.

use std::io::{BufRead, Read};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::{Checker, Entry, Identity, Result, RowResult, When, bad};

/// Whether `name` is a Timewarrior month file (`2024-03.data`).
pub(super) fn is_timewarrior_month_file(name: &str) -> bool {
    let b = name.as_bytes();
    name.len() == 12
        && name.ends_with(".data")
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
}

/// A Timewarrior stamp, `20240325T073000Z`.
fn timew_stamp(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

fn read_all(mut input: impl Read) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| bad(1, format!("cannot read the file ({e})")))?;
    Ok(bytes)
}

fn json_error(e: &serde_json::Error, what: &str) -> crate::ServiceError {
    bad(e.line() as u64, format!("this is not {what} ({e})"))
}

#[derive(Debug, Deserialize)]
struct TimewInterval {
    start: String,
    end: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    annotation: Option<String>,
}

/// Reads `timew export` JSON, or a Timewarrior data file (lines starting with `inc`).
pub(super) fn read_timewarrior(mut input: impl BufRead, checker: &mut Checker) -> Result<()> {
    let head = input
        .fill_buf()
        .map_err(|e| bad(1, format!("cannot read the file ({e})")))?;
    let text = String::from_utf8_lossy(head);
    if text.trim_start().starts_with("inc") {
        return read_timewarrior_data(input, checker);
    }
    let bytes = read_all(input)?;
    let intervals: Vec<serde_json::Value> = serde_json::from_slice(&bytes)
        .map_err(|e| json_error(&e, "`timew export` JSON (an array of intervals)"))?;
    for (i, value) in intervals.into_iter().enumerate() {
        let line = i as u64 + 1;
        // `timew export` numbers intervals as `timew` shows them: @1 is the newest.
        let place = match value.get("id").and_then(serde_json::Value::as_u64) {
            Some(id) => format!("Timewarrior interval @{id}"),
            None => format!("Timewarrior interval {line} of the file"),
        };
        let outcome = match serde_json::from_value::<TimewInterval>(value) {
            Ok(interval) => push_timew(checker, line, Some(place), interval),
            Err(e) => Err(checker.bad_entry(place, format!("not a Timewarrior interval ({e})"))),
        };
        checker.settle(outcome);
    }
    Ok(())
}

/// Checks one interval: `line` of a data file, or the `place` of an exported one.
fn push_timew(
    checker: &mut Checker,
    line: u64,
    place: Option<String>,
    i: TimewInterval,
) -> RowResult<()> {
    let refuse = |reason: String| match &place {
        Some(p) => checker.bad_entry(p.clone(), reason),
        None => checker.bad(line, reason),
    };
    let stamp = |s: &str| {
        timew_stamp(s).ok_or_else(|| {
            refuse(format!(
                "{s:?} is not a Timewarrior time (20240325T073000Z)"
            ))
        })
    };
    let start = stamp(&i.start)?;
    let end = match &i.end {
        None => {
            checker.running();
            return Ok(());
        }
        Some(e) => stamp(e)?,
    };
    let mut e = Entry::new(
        line,
        When::Instant(start),
        Some(When::Instant(end)),
        Identity::Content,
    );
    e.place = place;
    e.tags = i.tags.iter().map(|t| t.trim().to_owned()).collect();
    e.description = i.annotation.unwrap_or_default().trim().to_owned();
    checker.push(e)
}

/// One word of a data line: its text, and whether it was quoted.
fn words(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ' ' {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let mut word = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            word.push(n);
                        }
                    }
                    '"' => break,
                    c => word.push(c),
                }
            }
            out.push((word, true));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            out.push((word, false));
        }
    }
    out
}

/// Reads a Timewarrior data file: `inc START [- END] [# TAGS] [# "ANNOTATION"]` per line.
pub(super) fn read_timewarrior_data(input: impl BufRead, checker: &mut Checker) -> Result<()> {
    for (i, line) in input.lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| bad(n, format!("cannot read the line ({e})")))?;
        let outcome = timew_data_line(checker, n, line.trim());
        checker.settle(outcome);
    }
    Ok(())
}

/// Checks line `n` of a Timewarrior data file.
fn timew_data_line(checker: &mut Checker, n: u64, line: &str) -> RowResult<()> {
    if line.is_empty() {
        return Ok(());
    }
    let w = words(line);
    if w.first().map(|(s, _)| s.as_str()) != Some("inc") || w.len() < 2 {
        return Err(checker.bad(
            n,
            "not a Timewarrior interval (inc START - END # TAGS); import the data folder \
             or `timew export`",
        ));
    }
    let start = w[1].0.clone();
    let mut rest = &w[2..];
    let mut end = None;
    if rest.first().is_some_and(|(s, q)| s == "-" && !q) {
        end = rest.get(1).map(|(s, _)| s.clone());
        rest = rest.get(2..).unwrap_or(&[]);
    }
    let mut tags = Vec::new();
    let mut annotation = None;
    if rest.first().is_some_and(|(s, q)| s == "#" && !q) {
        let after = &rest[1..];
        let split = after.iter().position(|(s, q)| s == "#" && !q);
        let (tag_words, ann) = match split {
            Some(p) => (&after[..p], Some(&after[p + 1..])),
            None => (after, None),
        };
        tags = tag_words.iter().map(|(s, _)| s.clone()).collect();
        annotation = ann.map(|a| {
            a.iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        });
    }
    push_timew(
        checker,
        n,
        None,
        TimewInterval {
            start,
            end,
            tags,
            annotation,
        },
    )
}

#[derive(Debug, Deserialize)]
struct WatsonLogFrame {
    id: String,
    project: String,
    start: DateTime<chrono::FixedOffset>,
    stop: Option<DateTime<chrono::FixedOffset>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default, alias = "notes")]
    note: Option<String>,
}

/// Reads Watson's `frames` file or `watson log --json`.
pub(super) fn read_watson(input: impl Read, checker: &mut Checker) -> Result<()> {
    let bytes = read_all(input)?;
    let frames: Vec<serde_json::Value> = serde_json::from_slice(&bytes)
        .map_err(|e| json_error(&e, "a Watson frames file or `watson log --json`"))?;
    for (i, value) in frames.into_iter().enumerate() {
        let outcome = watson_frame(checker, i as u64 + 1, value);
        checker.settle(outcome);
    }
    Ok(())
}

/// Checks the `n`th frame of a Watson file; errors name the frame by its id.
fn watson_frame(checker: &mut Checker, n: u64, value: serde_json::Value) -> RowResult<()> {
    let id_of = |v: &serde_json::Value| {
        match v {
            serde_json::Value::Array(items) => items.get(3).and_then(serde_json::Value::as_str),
            v => v.get("id").and_then(serde_json::Value::as_str),
        }
        .map(str::to_owned)
    };
    let place = match id_of(&value) {
        Some(id) => format!("Watson frame {id}"),
        None => format!("Watson frame {n} of the file (it has no id)"),
    };
    let refuse = |reason: &str| checker.bad_entry(place.clone(), reason);
    let frame = match value {
        serde_json::Value::Array(items) => {
            // [start, stop, project, id, tags, updated_at]
            let secs = |v: Option<&serde_json::Value>| {
                v.and_then(serde_json::Value::as_f64)
                    .and_then(|s| DateTime::from_timestamp(s.round() as i64, 0))
            };
            let start = secs(items.first()).ok_or_else(|| refuse("no start (Unix seconds)"))?;
            let stop = secs(items.get(1));
            let project = items
                .get(2)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let id = items
                .get(3)
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| refuse("no id"))?
                .to_owned();
            let tags = items
                .get(4)
                .and_then(serde_json::Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (id, project, start, stop, tags, String::new())
        }
        value => {
            let f: WatsonLogFrame = serde_json::from_value(value)
                .map_err(|e| refuse(&format!("not a Watson frame ({e})")))?;
            (
                f.id,
                f.project,
                f.start.with_timezone(&Utc),
                f.stop.map(|s| s.with_timezone(&Utc)),
                f.tags,
                f.note.unwrap_or_default(),
            )
        }
    };
    let (id, project, start, stop, tags, note) = frame;
    let Some(stop) = stop else {
        checker.running();
        return Ok(());
    };
    let mut e = Entry::new(
        n,
        When::Instant(start),
        Some(When::Instant(stop)),
        Identity::Source { id, key_at: None },
    );
    e.place = Some(place);
    e.project = Some(project.trim().to_owned());
    e.tags = tags.iter().map(|t: &String| t.trim().to_owned()).collect();
    e.description = note.trim().to_owned();
    checker.push(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_line_words_keep_quoted_tags_and_hashes() {
        let w = words(
            r#"inc 20240325T100000Z - 20240325T111500Z # meeting "a \"b\" #" # "Standup notes""#,
        );
        let texts: Vec<&str> = w.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            texts,
            [
                "inc",
                "20240325T100000Z",
                "-",
                "20240325T111500Z",
                "#",
                "meeting",
                "a \"b\" #",
                "#",
                "Standup notes"
            ]
        );
        assert!(w[6].1 && !w[7].1);
        assert!(is_timewarrior_month_file("2024-03.data"));
        assert!(!is_timewarrior_month_file("undo.data"));
    }
}
