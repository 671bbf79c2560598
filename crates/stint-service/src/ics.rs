//! iCalendar export of tracks (`stint tracks --ics FILE`): one VEVENT per finished track, built
//! with the `icalendar` crate (RFC 5545 text, folded lines, escaped values).
//!
//! Each event has a stable UID (`track-ID@stint`), so importing the file again into a calendar
//! updates its events instead of doubling them; DTSTART and DTEND are UTC; SUMMARY is the
//! description (else the project, else "Time tracked"); CATEGORIES the project and tags;
//! DESCRIPTION the project, client, tags, billable flag and duration. Running timers have no end
//! and are left out.

use std::io::Write;

use icalendar::{Calendar, Component, EventLike};

use super::tracks::ListTracks;
use super::{MAX_PAGE, Result, Service, ServiceError};
use stint_domain::entities::Track;
use stint_domain::time::format_hmm;

/// The iCalendar event of a finished track (`None` for a running timer).
fn event(t: &Track, now: chrono::DateTime<chrono::Utc>) -> Option<icalendar::Event> {
    let end = t.end?;
    let summary = if !t.description.is_empty() {
        t.description.clone()
    } else if let Some(p) = &t.project_name {
        p.clone()
    } else {
        "Time tracked".to_owned()
    };
    let tags: Vec<&str> = t.tags.iter().map(|(_, n)| n.as_str()).collect();
    let mut details = Vec::new();
    if let Some(p) = &t.project_name {
        details.push(format!("Project: {p}"));
    }
    if let Some(c) = &t.client_name {
        details.push(format!("Client: {c}"));
    }
    if !tags.is_empty() {
        details.push(format!("Tags: {}", tags.join(", ")));
    }
    details.push(format!(
        "Billable: {}",
        if t.billable { "yes" } else { "no" }
    ));
    details.push(format!(
        "Duration: {}",
        format_hmm((end - t.start).num_seconds())
    ));
    let mut e = icalendar::Event::new();
    e.uid(&format!("track-{}@stint", t.id.0))
        .summary(&summary)
        .description(&details.join("\n"))
        .starts(t.start)
        .ends(end)
        .timestamp(now)
        .created(t.created_at)
        .last_modified(t.updated_at);
    // One CATEGORIES property per name: the crate escapes commas inside a value, so a list in
    // one property would read back as a single category.
    for c in t.project_name.iter().map(String::as_str).chain(tags) {
        e.add_multi_property("CATEGORIES", c);
    }
    Some(e.done())
}

impl Service {
    /// Calls `f` with every track matching `filter` (its limit and cursor are ignored), newest
    /// first, a page at a time; returns how many there were.
    ///
    /// # Errors
    /// Bad filter values (as `list_tracks`), store errors, and whatever `f` returns.
    pub fn for_each_track(
        &self,
        filter: &ListTracks,
        mut f: impl FnMut(&Track) -> Result<()>,
    ) -> Result<usize> {
        let mut cursor = None;
        let mut count = 0;
        loop {
            let page = self.list_tracks(ListTracks {
                limit: Some(MAX_PAGE as u32),
                cursor: cursor.take(),
                ..filter.clone()
            })?;
            for t in &page.items {
                f(t)?;
                count += 1;
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(count),
            }
        }
    }

    /// Writes the finished tracks matching `filter` to `out` as an iCalendar file (see the
    /// module docs); returns the number of events.
    ///
    /// # Errors
    /// As [`Service::for_each_track`]; writing to `out` failed.
    pub fn export_tracks_ics(&self, filter: &ListTracks, out: &mut dyn Write) -> Result<usize> {
        let now = self.now();
        let mut calendar = Calendar::new();
        calendar.name("stint tracks");
        let mut events = 0;
        self.for_each_track(filter, |t| {
            if let Some(e) = event(t, now) {
                calendar.push(e);
                events += 1;
            }
            Ok(())
        })?;
        write!(out, "{}", calendar.done()).map_err(|e| {
            ServiceError::Conflict(format!(
                "cannot write the calendar ({e}); nothing was kept, free space or pick another path"
            ).into())
        })?;
        Ok(events)
    }
}
