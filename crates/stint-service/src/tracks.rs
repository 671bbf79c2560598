//! Use cases for timers and tracks.

use chrono::{DateTime, Duration, Utc};

use super::catalog::{resolve_client, resolve_project, resolve_tag, resolve_tags};
use super::placement::{duplicate, project_within};
use super::tasks::{track_placement, track_replacement};
use super::{
    Ctx, Page, Result, Service, ServiceError, clean, decode_cursor, encode_cursor, page_size,
    paginate,
};
use stint_domain::entities::Track;
use stint_domain::limits::{MAX_LISTED_IDS, check_instant, check_search, check_text};
use stint_domain::money::parse_rate;
use stint_domain::msg;
use stint_domain::time::{
    Bound, Range, parse_duration, parse_range_bound, read_end, read_instant, show_instant,
};
use stint_domain::track::validate_span;
use stint_domain::words::{Act, Arg, Msg};
use stint_domain::{DomainError, TrackId};
use stint_store::tracks::{self, TrackFields, TrackFilter};

/// Input of `start_timer`.
#[derive(Debug, Clone, Default)]
pub struct StartTimer {
    pub description: Option<String>,
    /// Project id or exact name.
    pub project: Option<String>,
    /// Tag ids or exact names.
    pub tags: Vec<String>,
    /// Defaults to the project's `billable_by_default` (false without a project).
    pub billable: Option<bool>,
    /// When the work started; defaults to now.
    pub start: Option<String>,
    /// Task id, or exact name within the project (docs/rules.md, "Tasks"); a task alone
    /// picks its project.
    pub task: Option<String>,
    /// Client id or exact name: picks `project` among the projects of that name (two clients
    /// may each have one).
    pub client: Option<String>,
}

/// Result of `start_timer`: the new timer, the timers it stopped or replaced, and overlapping
/// tracks.
#[derive(Debug, Clone)]
pub struct TimerStarted {
    pub track: Track,
    pub stopped: Vec<Track>,
    /// Running timers that started in the same second as the new one (stopping them would
    /// record zero seconds, so they were deleted), as they were: a person correcting themselves
    /// ("no, I'm on the website") right after starting a timer.
    pub replaced: Vec<Track>,
    /// The first [`MAX_LISTED_IDS`] (20) overlapping tracks, by start.
    pub overlaps: Vec<TrackId>,
    /// How many tracks overlap in all.
    pub overlap_count: i64,
}

/// Input of `continue_timer`.
#[derive(Debug, Clone, Default)]
pub struct ContinueTimer {
    /// The track to continue; the finished track that started last when left out.
    pub track_id: Option<i64>,
}

/// Result of `continue_timer`: the timer started, and the track whose project, tags,
/// description and billable flag it took.
#[derive(Debug, Clone)]
pub struct TimerContinued {
    pub started: TimerStarted,
    /// The track continued, as it is after the call (stopped, if it was the running timer).
    pub from: Track,
}

/// Input of `stop_timer`.
#[derive(Debug, Clone, Default)]
pub struct StopTimer {
    /// Which timer; may be left out when exactly one runs.
    pub track_id: Option<i64>,
    /// When the work ended; defaults to now.
    pub end: Option<String>,
}

/// Input of `create_track`: two of `start`, `end` and `duration` (`start` may be empty when
/// `end` and `duration` are given: the track then ends at `end`).
#[derive(Debug, Clone, Default)]
pub struct NewTrack {
    pub description: Option<String>,
    pub project: Option<String>,
    pub tags: Vec<String>,
    pub billable: Option<bool>,
    pub start: String,
    pub end: Option<String>,
    pub duration: Option<String>,
    pub hourly_rate: Option<String>,
    /// Task id, or exact name within the project.
    pub task: Option<String>,
    /// Client id or exact name: picks `project` among the projects of that name.
    pub client: Option<String>,
    /// Record the track even when one with the same project, start, end and description
    /// exists (refused otherwise, naming it).
    pub allow_duplicate: bool,
}

/// A written track and the other tracks it overlaps.
#[derive(Debug, Clone)]
pub struct TrackWritten {
    pub track: Track,
    /// The first [`MAX_LISTED_IDS`] (20) overlapping tracks, by start.
    pub overlaps: Vec<TrackId>,
    /// How many tracks overlap in all.
    pub overlap_count: i64,
    /// Set when the track is longer than 12 hours and was not given by two full date-times or
    /// a duration (a phrase, a bare time or `now` was involved): a likely misreading, recorded
    /// as asked but said out loud.
    pub warning: Option<Msg>,
    /// `stop_timer` only: the timer ran less than a second, so it was deleted instead of
    /// recorded as a zero-second track; `track` is the timer as it was (still without an
    /// end). Undoing the change brings it back.
    pub discarded: bool,
}

/// A track longer than this (12 hours), read from phrases rather than two full date-times,
/// is flagged in the answer.
pub(crate) const LONG_TRACK_SECONDS: i64 = 12 * 3600;

/// The warning for a track written from `start` to `end` when it is longer than
/// [`LONG_TRACK_SECONDS`] and `exact` is false (a phrase such as `yesterday 9am`, a bare time,
/// or `now` was involved); `None` otherwise. Times are shown in `tz`.
pub(crate) fn long_track_warning(
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    exact: bool,
    tz: chrono_tz::Tz,
) -> Option<Msg> {
    let end = end?;
    let seconds = (end - start).num_seconds();
    (!exact && seconds > LONG_TRACK_SECONDS).then(|| {
        msg![
            format!(
                "this track is {} long ({} to {}), more than 12 hours; if that is not what you \
                 meant, correct it with ",
                stint_domain::time::format_hmm(seconds),
                show_instant(start, tz),
                show_instant(end, tz)
            ),
            Act::EditTrack,
            " (a bare end time such as \"11:30\" is read as the first 11:30 after the start)",
        ]
    })
}

/// Input of `update_track`: `None` leaves a field as it is; an empty text clears project and
/// hourly rate; `tags` replaces the tags.
#[derive(Debug, Clone, Default)]
pub struct TrackChanges {
    pub description: Option<String>,
    pub project: Option<String>,
    pub tags: Option<Vec<String>>,
    pub billable: Option<bool>,
    pub start: Option<String>,
    pub end: Option<String>,
    /// Sets the end to start + duration.
    pub duration: Option<String>,
    pub hourly_rate: Option<String>,
    /// Task id or exact name within the (new) project; empty removes the task.
    pub task: Option<String>,
    /// Client id or exact name: picks `project` among the projects of that name.
    pub client: Option<String>,
}

/// Input of `list_tracks`. Dates include whole local days; date-times are half-open.
#[derive(Debug, Clone, Default)]
pub struct ListTracks {
    pub from: Option<String>,
    pub to: Option<String>,
    pub project: Option<String>,
    pub client: Option<String>,
    pub tag: Option<String>,
    pub billable: Option<bool>,
    pub invoiced: Option<bool>,
    pub running: Option<bool>,
    pub search: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Task id, or exact name (within `project` when given).
    pub task: Option<String>,
    /// Tracks of one person: a name, an id, `me` or `owner` (none: everyone the caller may
    /// read; a member's token reads only its own).
    pub person: Option<String>,
}

/// The range of a user's `from` and `to` (either may be empty or left out), in the configured
/// zone: dates are whole local days, named periods (`last week`) whole periods, date-times exact.
/// A named period as `from` with no `to` is that whole period; otherwise a missing `from` is
/// `default_from` and a missing `to` is `default_to`.
///
/// # Errors
/// Unreadable bounds (the message lists the forms); an empty or backwards range.
pub(crate) fn user_range(
    ctx: &Ctx<'_>,
    from: Option<&str>,
    to: Option<&str>,
    default_from: DateTime<Utc>,
    default_to: DateTime<Utc>,
) -> Result<Range> {
    let bound = |s: Option<&str>| -> Result<Option<Bound>> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Ok(Some(parse_range_bound(
                s,
                ctx.tz,
                ctx.now,
                ctx.settings.week_start,
            )?)),
            None => Ok(None),
        }
    };
    Ok(Range::from_optional(
        bound(from)?,
        bound(to)?,
        default_from,
        default_to,
        ctx.tz,
    )?)
}

/// The store filter for the conditions of `req` (range, project, client, tag, flags, search),
/// with names resolved and times parsed in the configured zone. `limit` and `cursor` are left
/// to the caller.
pub(crate) fn track_filter(ctx: &Ctx<'_>, req: &ListTracks) -> Result<TrackFilter> {
    let range = match (clean(req.from.clone()), clean(req.to.clone())) {
        (None, None) => None,
        (from, to) => {
            let r = user_range(
                ctx,
                from.as_deref(),
                to.as_deref(),
                DateTime::<Utc>::UNIX_EPOCH,
                add_seconds(ctx.now, 1)?,
            )?;
            Some((r.start, r.end))
        }
    };
    // With both, the project is the client's of that name (two clients may each have one).
    let project = match clean(req.project.clone()) {
        Some(p) => {
            let p = project_within(ctx, Some(&p), req.client.as_deref())?.unwrap_or(p);
            Some(resolve_project(ctx, &p)?)
        }
        None => None,
    };
    Ok(TrackFilter {
        range,
        task_id: match clean(req.task.clone()) {
            Some(k) => Some(super::tasks::resolve_task(ctx, project.as_ref(), &k)?.id),
            None => None,
        },
        project_id: project.map(|p| p.id),
        client_id: match clean(req.client.clone()) {
            Some(c) => Some(resolve_client(ctx, &c)?.id),
            None => None,
        },
        tag_id: match clean(req.tag.clone()) {
            Some(t) => Some(resolve_tag(ctx, &t)?.id),
            None => None,
        },
        billable: req.billable,
        invoiced: req.invoiced,
        running: req.running,
        draft: None,
        search: match clean(req.search.clone()) {
            Some(s) => {
                check_search(&s)?;
                Some(s)
            }
            None => None,
        },
        person: super::people::person_filter(ctx, req.person.as_deref())?,
    })
}

/// Track `id`, if this caller may see it (another person's track is "not found" to a member:
/// its existence is not theirs to know).
pub(crate) fn load_track(ctx: &Ctx<'_>, id: i64) -> Result<Track> {
    tracks::get(ctx.tx, TrackId(id))?
        .filter(|t| ctx.sees_track(t))
        .ok_or_else(|| {
            ServiceError::NotFound(msg![
                format!("no track has id {id}; find the right one with "),
                Act::ListTracks,
                " (or ",
                Act::ListRunningTimers,
                " for timers)",
            ])
        })
}

/// Refuses changes to a track that is on an invoice, naming the invoice.
pub(crate) fn ensure_not_invoiced(ctx: &Ctx<'_>, track: &Track, action: &str) -> Result<()> {
    let Some(invoice) = track.invoice_id else {
        return Ok(());
    };
    let (number, status) =
        tracks::invoice_label(ctx.tx, invoice)?.unwrap_or((None, "unknown".to_owned()));
    let label = match number {
        Some(n) => format!("invoice {n} (id {invoice}, {status})"),
        None => format!("draft invoice id {invoice}"),
    };
    let how = match status.as_str() {
        "draft" => msg![
            "delete that draft invoice (",
            Act::DeleteInvoice,
            ") first to release it"
        ],
        "paid" => msg![
            "a paid invoice is final, so its tracks stay as billed; record a correction as a new \
             track instead"
        ],
        _ => msg![
            "void that invoice (",
            Act::VoidInvoice,
            ") first to release it"
        ],
    };
    Err(ServiceError::Conflict(msg![
        format!(
            "track {} is billed on {label}, so it cannot be {action}; ",
            track.id
        ),
        how,
    ]))
}

fn parse_opt_instant(ctx: &Ctx<'_>, input: Option<&str>) -> Result<Option<DateTime<Utc>>> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(read_instant(s, ctx.tz, ctx.now)?.at)),
        None => Ok(None),
    }
}

fn add_seconds(t: DateTime<Utc>, seconds: i64) -> Result<DateTime<Utc>> {
    Duration::try_seconds(seconds)
        .and_then(|d| t.checked_add_signed(d))
        .ok_or_else(|| {
            DomainError::Invalid(format!("a duration of {seconds} seconds is too long").into())
                .into()
        })
}

/// A description as stored: trimmed, at most 10 000 characters, no control characters but tab
/// and line breaks.
fn description(d: Option<String>) -> Result<String> {
    let d = d.map(|d| d.trim().to_owned()).unwrap_or_default();
    check_text("description", &d)?;
    Ok(d)
}

impl Service {
    /// Starts a timer. Unless the setting `allow_concurrent_timers` is on, running timers are
    /// stopped first, at the new timer's start, and returned in `stopped`; a running timer that
    /// started in the same second as the new one is deleted instead (it would last zero
    /// seconds) and returned in `replaced`.
    ///
    /// # Errors
    /// A start in the future; an unknown project or tag; a running timer that began after the
    /// requested start (it cannot be stopped before it began).
    pub fn start_timer(&self, req: StartTimer) -> Result<TimerStarted> {
        let args = format!("{req:?}");
        let reload = |ctx: &Ctx<'_>, ids: &[i64]| reload_started(ctx, ids.first(), ids.get(1..));
        self.write_once("start_timer", &args, started_ids, reload, |ctx| {
            start_in(ctx, req)
        })
    }

    /// Starts a timer now with the project, tags, description and billable flag of track
    /// `track_id`, or of the finished track that started last (the work before an
    /// interruption). Running timers are stopped (or replaced) as by [`Service::start_timer`].
    ///
    /// # Errors
    /// No such track; no finished track yet; the track's project archived since.
    pub fn continue_timer(&self, req: ContinueTimer) -> Result<TimerContinued> {
        let args = format!("{req:?}");
        // Recorded ids: the new timer, the track continued, then the timers stopped.
        let ids = |v: &TimerContinued| {
            let mut ids = started_ids(&v.started);
            ids.insert(1.min(ids.len()), v.from.id.0);
            ids
        };
        let reload = |ctx: &Ctx<'_>, ids: &[i64]| {
            let started = reload_started(ctx, ids.first(), ids.get(2..))?;
            // The track continued is gone only when it was the running timer, replaced in the
            // same second: the new timer has its fields.
            let from = match ids.get(1) {
                Some(id) => tracks::get(ctx.tx, TrackId(*id))?,
                None => None,
            }
            .unwrap_or_else(|| started.track.clone());
            Ok(TimerContinued { started, from })
        };
        self.write_once("continue_timer", &args, ids, reload, |ctx| {
            let from = match req.track_id {
                Some(id) => load_track(ctx, id)?,
                None => {
                    let filter = TrackFilter {
                        running: Some(false),
                        person: Some(ctx.acting.person),
                        ..TrackFilter::default()
                    };
                    tracks::list(ctx.tx, &filter, None, 1)?
                        .into_iter()
                        .next()
                        .ok_or_else(|| {
                            ServiceError::Conflict(msg![
                                "there is no finished track to continue yet; start a timer \
                                 with ",
                                Act::StartTimer,
                            ])
                        })?
                }
            };
            let started = start_in(
                ctx,
                StartTimer {
                    description: Some(from.description.clone()),
                    project: from.project_id.map(|p| p.0.to_string()),
                    tags: from.tags.iter().map(|(id, _)| id.0.to_string()).collect(),
                    billable: Some(from.billable),
                    start: None,
                    task: from.task_id.map(|k| k.0.to_string()),
                    client: None,
                },
            )?;
            // Continuing the running timer itself stopped (or replaced) it.
            let from = match started.replaced.iter().find(|t| t.id == from.id) {
                Some(t) => t.clone(),
                None => load_track(ctx, from.id.0)?,
            };
            Ok(TimerContinued { started, from })
        })
    }

    /// Stops a running timer (the only one, or `track_id`) at `end` or now. A timer stopped
    /// within its first second (the end is its start, to the second) is discarded: deleted as
    /// one undoable change and answered with `discarded` set, never refused, so a stop always
    /// stops (ARCHITECTURE.md, "Timers and tracks").
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when nothing runs, when several run and no id was given, or
    /// when the track is not running; an end before the start or in the future.
    pub fn stop_timer(&self, req: StopTimer) -> Result<TrackWritten> {
        self.write("stop_timer", |ctx| {
            let track = timer_to_stop(ctx, req.track_id)?;
            ctx.check_writes(track.person_id, &format!("track {}", track.id))?;
            // A bare time of day ends at the first such time after the timer's start.
            let (end, exact) = match clean(req.end.clone()) {
                Some(e) => {
                    let r = read_end(&e, ctx.tz, ctx.now, track.start)?;
                    (r.at, r.exact)
                }
                None => (ctx.now, false),
            };
            if end == track.start {
                // A stop always stops (ARCHITECTURE.md, "Timers and tracks"): a timer that
                // ran less than a second would record zero seconds, so it is discarded; the
                // change log keeps it, so undo brings it back.
                return discard_timer(ctx, track);
            }
            validate_span(track.start, Some(end), ctx.now, ctx.tz)?;
            // In drafts mode the stop of an approved timer is held as a draft of the change.
            let base = super::drafts::edit_base(ctx, &track)?;
            let mut f = TrackFields::from(&base);
            f.end = Some(end);
            let written = super::drafts::write_track_edit(ctx, &base, &f, None)?;
            let (overlaps, overlap_count) = tracks::overlapping(
                ctx.tx,
                track.person_id,
                track.start,
                Some(end),
                Some(track.id),
                MAX_LISTED_IDS,
            )?;
            ctx.audit("track", &[written.0], None)?;
            Ok(TrackWritten {
                warning: long_track_warning(track.start, Some(end), exact, ctx.tz),
                track: load_track(ctx, written.0)?,
                overlaps,
                overlap_count,
                discarded: false,
            })
        })
    }

    /// Running timers, oldest first.
    pub fn list_running_timers(&self) -> Result<Vec<Track>> {
        self.read(|ctx| Ok(tracks::running_of(ctx.tx, ctx.acting.person)?))
    }

    /// Records a finished track from two of `start`, `end` and `duration`.
    ///
    /// A retried request (same request id) gets the first answer again, reloaded (see
    /// `replayed_track`).
    ///
    /// # Errors
    /// Fewer or more than two of start, end and duration; a start computed from end and
    /// duration before 1900; an end before the start, a zero duration, an end in
    /// the future; unknown project or tags; a bad rate.
    pub fn create_track(&self, req: NewTrack) -> Result<TrackWritten> {
        let args = format!("{req:?}");
        let ids = |v: &TrackWritten| vec![v.track.id.0];
        let (replay_start, replay_end) = (req.start.clone(), req.end.clone());
        let reload = |ctx: &Ctx<'_>, ids: &[i64]| {
            replayed_track(ctx, ids, &replay_start, replay_end.as_deref())
        };
        self.write_once("create_track", &args, ids, reload, |ctx| {
            record_track(ctx, &req)
        })
    }

    /// Reads one track.
    pub fn get_track(&self, track_id: i64) -> Result<Track> {
        self.read(|ctx| load_track(ctx, track_id))
    }

    /// Lists tracks, newest first, paged.
    pub fn list_tracks(&self, req: ListTracks) -> Result<Page<Track>> {
        self.read(|ctx| {
            let size = page_size(req.limit)?;
            let filter = track_filter(ctx, &req)?;
            let after = match req.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
                Some(c) => {
                    let parts = decode_cursor("tracks", c)?;
                    match parts.as_slice() {
                        [s, i] => match (s.parse(), i.parse()) {
                            (Ok(s), Ok(i)) => Some((s, i)),
                            _ => return Err(super::bad_cursor(c)),
                        },
                        _ => return Err(super::bad_cursor(c)),
                    }
                }
                None => None,
            };
            let rows = tracks::list(ctx.tx, &filter, after, size + 1)?;
            Ok(paginate(rows, size, |t| {
                encode_cursor(
                    "tracks",
                    &[t.start.timestamp().to_string(), t.id.0.to_string()],
                )
            }))
        })
    }

    /// Changes fields of a track.
    ///
    /// # Errors
    /// The track is on an invoice (the message names it); the new span breaks the rules; an
    /// unknown project or tag; both `end` and `duration`.
    pub fn update_track(&self, track_id: i64, req: TrackChanges) -> Result<TrackWritten> {
        self.write("update_track", |ctx| {
            let track = load_track(ctx, track_id)?;
            ctx.check_writes(track.person_id, &format!("track {track_id}"))?;
            ensure_not_invoiced(ctx, &track, "edited")?;
            // In drafts mode an approved track's edit builds on the edit already held back.
            let base = super::drafts::edit_base(ctx, &track)?;
            let mut f = TrackFields::from(&base);
            if let Some(d) = req.description {
                f.description = description(Some(d))?;
            }
            // An empty project clears it; a named one may be picked within `client`.
            let project = match req.project.as_deref().map(str::trim) {
                Some("") => Some(String::new()),
                p => project_within(ctx, p, req.client.as_deref())?,
            };
            (f.project_id, f.task_id) = track_replacement(
                ctx,
                (f.project_id, f.task_id),
                project.as_deref(),
                req.task.as_deref(),
            )?;
            if let Some(b) = req.billable {
                f.billable = b;
            }
            if let Some(r) = req.hourly_rate {
                f.hourly_rate = match clean(Some(r)) {
                    Some(r) => Some(parse_rate(&r)?),
                    None => None,
                };
            }
            let exact = change_span(ctx, &mut f, req.start, req.end, req.duration)?;
            validate_span(f.start, f.end, ctx.now, ctx.tz)?;
            let tags = match req.tags {
                Some(tags) => Some(resolve_tags(ctx, &tags)?),
                None => None,
            };
            let written = super::drafts::write_track_edit(ctx, &base, &f, tags.as_deref())?;
            let (overlaps, overlap_count) = tracks::overlapping(
                ctx.tx,
                f.person_id,
                f.start,
                f.end,
                Some(track.id),
                MAX_LISTED_IDS,
            )?;
            ctx.audit("track", &[written.0], None)?;
            Ok(TrackWritten {
                warning: long_track_warning(f.start, f.end, exact, ctx.tz),
                track: load_track(ctx, written.0)?,
                overlaps,
                overlap_count,
                discarded: false,
            })
        })
    }

    /// Deletes a track (a running timer too) and returns it as it was.
    ///
    /// # Errors
    /// The track is on an invoice; no such track.
    pub fn delete_track(&self, track_id: i64) -> Result<Track> {
        self.write("delete_track", |ctx| {
            let track = load_track(ctx, track_id)?;
            ctx.check_writes(track.person_id, &format!("track {track_id}"))?;
            ensure_not_invoiced(ctx, &track, "deleted")?;
            super::drafts::may_delete_track(ctx, &track)?;
            tracks::delete(ctx.tx, track.id)?;
            ctx.audit("track", &[track.id.0], Some(&track.description))?;
            Ok(track)
        })
    }
}

/// The answer to a replayed `create_track`: the track first written (`ids[0]`) as it is now,
/// with its overlaps and the long-track warning of the first answer.
fn replayed_track(
    ctx: &Ctx<'_>,
    ids: &[i64],
    start: &str,
    end: Option<&str>,
) -> Result<TrackWritten> {
    let track = load_track(ctx, ids.first().copied().unwrap_or(0))?;
    let (overlaps, overlap_count) = tracks::overlapping(
        ctx.tx,
        track.person_id,
        track.start,
        track.end,
        Some(track.id),
        MAX_LISTED_IDS,
    )?;
    // Whether the span was given by two full date-times does not depend on the clock, so a
    // replay gives the first answer's warning again.
    let given_exact = match end {
        Some(e) => {
            let read = |x: &str| read_instant(x, ctx.tz, ctx.now).is_ok_and(|r| r.exact);
            read(start) && read(e)
        }
        None => true,
    };
    Ok(TrackWritten {
        warning: long_track_warning(track.start, track.end, given_exact, ctx.tz),
        track,
        overlaps,
        overlap_count,
        discarded: false,
    })
}

/// The write of `create_track`: reads and checks the span, then the project, task, tags, rate
/// and description, refuses a duplicate, inserts the track and its tags, and answers with its
/// overlaps and the long-track warning.
fn record_track(ctx: &Ctx<'_>, req: &NewTrack) -> Result<TrackWritten> {
    let (start, end, exact) = given_span(
        ctx,
        clean(Some(req.start.clone())),
        clean(req.end.clone()),
        clean(req.duration.clone()),
    )?;
    validate_span(start, Some(end), ctx.now, ctx.tz)?;
    let (fields, tag_ids) = new_track_fields(ctx, req, start, end)?;
    let id = tracks::insert(ctx.tx, &fields, ctx.now)?;
    tracks::set_tags(ctx.tx, id, &tag_ids)?;
    let (overlaps, overlap_count) = tracks::overlapping(
        ctx.tx,
        ctx.acting.person,
        start,
        Some(end),
        Some(id),
        MAX_LISTED_IDS,
    )?;
    ctx.audit("track", &[id.0], None)?;
    Ok(TrackWritten {
        warning: long_track_warning(start, Some(end), exact, ctx.tz),
        track: load_track(ctx, id.0)?,
        overlaps,
        overlap_count,
        discarded: false,
    })
}

/// The span of a new track, `(start, end, exact)`, from two of its start, end and duration
/// (each already [`clean`]ed), read in the configured zone.
///
/// `exact`: the span was given by two full date-times, or by a duration; anything else longer
/// than 12 hours is flagged (see `long_track_warning`).
///
/// # Errors
/// All three given, or fewer than two; a time or duration that does not read; a start
/// computed from end and duration out of range.
fn given_span(
    ctx: &Ctx<'_>,
    start: Option<String>,
    end: Option<String>,
    duration: Option<String>,
) -> Result<(DateTime<Utc>, DateTime<Utc>, bool)> {
    match (start, end, duration) {
        (Some(s), Some(e), None) => {
            let start = read_instant(&s, ctx.tz, ctx.now)?;
            // A bare time of day ends at the first such time after the start.
            let end = read_end(&e, ctx.tz, ctx.now, start.at)?;
            Ok((start.at, end.at, start.exact && end.exact))
        }
        (Some(s), None, Some(d)) => {
            let start = read_instant(&s, ctx.tz, ctx.now)?.at;
            Ok((start, add_seconds(start, parse_duration(&d)?)?, true))
        }
        // "45 minutes ending now".
        (None, Some(e), Some(d)) => {
            let end = read_instant(&e, ctx.tz, ctx.now)?.at;
            let start = add_seconds(end, -parse_duration(&d)?)?;
            Ok((check_instant(start, &format!("{e} minus {d}"))?, end, true))
        }
        (Some(_), Some(_), Some(_)) => Err(DomainError::Invalid(msg![
            "give two of ",
            Arg::Start,
            ", ",
            Arg::End,
            " and ",
            Arg::Duration,
            ", not all three",
        ])
        .into()),
        (None, _, _) => Err(DomainError::Invalid(msg![
            "a track needs a start with an end or a duration, or an end with a \
             duration (e.g. ",
            Arg::Start,
            " \"9am\" and ",
            Arg::End,
            " \"11:00\", or ",
            Arg::End,
            " \"now\" and ",
            Arg::Duration,
            " \"45m\"); to track ongoing work, use ",
            Act::StartTimer,
        ])
        .into()),
        (Some(_), None, None) => Err(DomainError::Invalid(msg![
            "a track needs an end or a duration (e.g. ",
            Arg::End,
            " \"11:00\" or ",
            Arg::Duration,
            " \"1h30m\"); to track ongoing work, use ",
            Act::StartTimer,
        ])
        .into()),
    }
}

/// The fields and tag ids of a new track over `start..end`, in this order: the project (within
/// its client), the task and billable default, the tags, the rate, the description, then the
/// duplicate check (the same project, span and description; skipped with `allow_duplicate`).
fn new_track_fields(
    ctx: &Ctx<'_>,
    req: &NewTrack,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(TrackFields, Vec<stint_domain::TagId>)> {
    let project = project_within(ctx, req.project.as_deref(), req.client.as_deref())?;
    let (project_id, task_id, default_billable) =
        track_placement(ctx, project.as_deref(), req.task.as_deref())?;
    let tag_ids = resolve_tags(ctx, &req.tags)?;
    let hourly_rate = match clean(req.hourly_rate.clone()) {
        Some(r) => Some(parse_rate(&r)?),
        None => None,
    };
    let text = description(req.description.clone())?;
    if !req.allow_duplicate
        && let Some(id) = tracks::find_same(ctx.tx, project_id, start, end, &text)?
    {
        return Err(duplicate(
            "track",
            id.0,
            stint_domain::words::Act::EditTrack,
        ));
    }
    let fields = TrackFields {
        start,
        end: Some(end),
        timezone: ctx.tz.name().to_owned(),
        description: text,
        project_id,
        billable: req.billable.unwrap_or(default_billable),
        hourly_rate,
        task_id,
        draft: ctx.drafts(),
        draft_of: None,
        person_id: ctx.acting.person,
    };
    Ok((fields, tag_ids))
}

/// The ids a start records for a replay: the new timer, then the timers it stopped (replaced
/// timers are deleted, so a replay answers without them).
fn started_ids(v: &TimerStarted) -> Vec<i64> {
    std::iter::once(v.track.id.0)
        .chain(v.stopped.iter().map(|t| t.id.0))
        .collect()
}

/// Rebuilds a start's answer for a replay from the new timer's id and the stopped timers' ids.
fn reload_started(
    ctx: &Ctx<'_>,
    track: Option<&i64>,
    stopped: Option<&[i64]>,
) -> Result<TimerStarted> {
    let track = load_track(ctx, track.copied().unwrap_or(0))?;
    let stopped = stopped
        .unwrap_or_default()
        .iter()
        .map(|id| load_track(ctx, *id))
        .collect::<Result<_>>()?;
    let (overlaps, overlap_count) = tracks::overlapping(
        ctx.tx,
        track.person_id,
        track.start,
        track.end,
        Some(track.id),
        MAX_LISTED_IDS,
    )?;
    Ok(TimerStarted {
        track,
        stopped,
        replaced: Vec::new(),
        overlaps,
        overlap_count,
    })
}

/// Moves the span of an edited track `f` to a new `start` and a new `end` or `duration`
/// (each optional, blank as not given; the end read after the new start), and says whether
/// the span is `exact`: every time sent was a full date-time (or a duration); a span longer
/// than 12 hours made from a phrase is flagged (see `long_track_warning`).
///
/// # Errors
/// Both `end` and `duration`; a time or duration that does not read.
fn change_span(
    ctx: &Ctx<'_>,
    f: &mut TrackFields,
    start: Option<String>,
    end: Option<String>,
    duration: Option<String>,
) -> Result<bool> {
    let mut exact = true;
    if let Some(s) = clean(start) {
        let r = read_instant(&s, ctx.tz, ctx.now)?;
        (f.start, exact) = (r.at, r.exact);
    }
    match (clean(end), clean(duration)) {
        (Some(_), Some(_)) => {
            return Err(DomainError::Invalid(msg![
                "give either ",
                Arg::End,
                " or ",
                Arg::Duration,
                ", not both",
            ])
            .into());
        }
        (Some(e), None) => {
            // A bare time of day ends at the first such time after the start.
            let r = read_end(&e, ctx.tz, ctx.now, f.start)?;
            f.end = Some(r.at);
            exact &= r.exact;
        }
        (None, Some(d)) => f.end = Some(add_seconds(f.start, parse_duration(&d)?)?),
        (None, None) => {}
    }
    Ok(exact)
}

/// The timer a stop names (`track_id`), or else the acting person's only running timer.
///
/// # Errors
/// [`ServiceError::Conflict`] when the named track is not running, when nothing runs, or when
/// several run (each message lists the running timers or says what to do); an unknown track.
fn timer_to_stop(ctx: &Ctx<'_>, track_id: Option<i64>) -> Result<Track> {
    let running = tracks::running_of(ctx.tx, ctx.acting.person)?;
    let track = match track_id {
        Some(id) => {
            let t = load_track(ctx, id)?;
            if !t.is_running() {
                return Err(ServiceError::Conflict(
                    format!(
                        "track {id} is not running (it ended at {}); running timers: {}",
                        t.end.map(|e| show_instant(e, ctx.tz)).unwrap_or_default(),
                        describe_running(&running, ctx.tz)
                    )
                    .into(),
                ));
            }
            t
        }
        None => match running.len() {
            0 => {
                return Err(ServiceError::Conflict(msg![
                    "no timer is running, so there is nothing to stop; start one with ",
                    Act::StartTimer,
                    ", or record finished work with ",
                    Act::CreateTrack,
                ]));
            }
            1 => running.into_iter().next().expect("one"),
            n => {
                return Err(ServiceError::Conflict(msg![
                    format!(
                        "{n} timers are running ({}); give ",
                        describe_running(&running, ctx.tz)
                    ),
                    Arg::TimerId,
                    " to say which to stop",
                ]));
            }
        },
    };
    Ok(track)
}

/// Starts a timer in `ctx` (see [`Service::start_timer`]).
fn start_in(ctx: &Ctx<'_>, req: StartTimer) -> Result<TimerStarted> {
    let start = parse_opt_instant(ctx, req.start.as_deref())?.unwrap_or(ctx.now);
    validate_span(start, None, ctx.now, ctx.tz)?;
    let project = project_within(ctx, req.project.as_deref(), req.client.as_deref())?;
    let (project_id, task_id, default_billable) =
        track_placement(ctx, project.as_deref(), req.task.as_deref())?;
    let tag_ids = resolve_tags(ctx, &req.tags)?;
    let (stopped, replaced) = make_room_for_timer(ctx, start)?;
    let fields = TrackFields {
        start,
        end: None,
        timezone: ctx.tz.name().to_owned(),
        description: description(req.description.clone())?,
        project_id,
        billable: req.billable.unwrap_or(default_billable),
        hourly_rate: None,
        task_id,
        draft: ctx.drafts(),
        draft_of: None,
        person_id: ctx.acting.person,
    };
    let id = tracks::insert(ctx.tx, &fields, ctx.now)?;
    tracks::set_tags(ctx.tx, id, &tag_ids)?;
    for r in &replaced {
        tracks::delete(ctx.tx, r.id)?;
    }
    let (overlaps, overlap_count) = tracks::overlapping(
        ctx.tx,
        ctx.acting.person,
        start,
        None,
        Some(id),
        MAX_LISTED_IDS,
    )?;
    let mut ids = vec![id.0];
    ids.extend(stopped.iter().map(|t| t.0));
    ids.extend(replaced.iter().map(|t| t.id.0));
    let detail = timer_start_detail(&stopped, &replaced);
    ctx.audit("track", &ids, detail.as_deref())?;
    let stopped = stopped
        .into_iter()
        .map(|t| load_track(ctx, t.0))
        .collect::<Result<_>>()?;
    Ok(TimerStarted {
        track: load_track(ctx, id.0)?,
        stopped,
        replaced,
        overlaps,
        overlap_count,
    })
}

/// Makes room for a timer starting at `start` (unless concurrent timers are allowed): each
/// running timer of the acting person is stopped at `start`, or replaced when it started at
/// `start` itself. Gives the stopped timers' ids and the replaced timers (for the caller to
/// delete once the new timer is in).
///
/// # Errors
/// A running timer that started after `start` (a conflict that says what to do).
fn make_room_for_timer(ctx: &Ctx<'_>, start: DateTime<Utc>) -> Result<(Vec<TrackId>, Vec<Track>)> {
    let mut stopped = Vec::new();
    let mut replaced = Vec::new();
    if ctx.settings.allow_concurrent_timers {
        return Ok((stopped, replaced));
    }
    for running in tracks::running_of(ctx.tx, ctx.acting.person)? {
        if running.start == start {
            // Stopping it would record zero seconds: the new timer replaces it (the caller
            // deletes it after the new timer is in, so that the new timer never reuses its id).
            replaced.push(running);
            continue;
        }
        if running.start > start {
            let show = |t: DateTime<Utc>| show_instant(t, ctx.tz);
            return Err(ServiceError::Conflict(msg![
                format!(
                    "timer {} has been running since {}, which is not before the new \
                     start {}; stop it at an earlier end (",
                    running.id,
                    show(running.start),
                    show(start)
                ),
                Act::StopTimerAt,
                "), or start the new timer later",
            ]));
        }
        // In drafts mode the stop of an approved timer is held as a draft of the change.
        let base = super::drafts::edit_base(ctx, &running)?;
        let mut f = TrackFields::from(&base);
        f.end = Some(start);
        stopped.push(super::drafts::write_track_edit(ctx, &base, &f, None)?);
    }
    Ok((stopped, replaced))
}

/// The audit note of a started timer: the timers it stopped and replaced, `None` if none.
fn timer_start_detail(stopped: &[TrackId], replaced: &[Track]) -> Option<String> {
    let list = |ids: &mut dyn Iterator<Item = TrackId>| {
        ids.map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
    };
    let mut details = Vec::new();
    if !stopped.is_empty() {
        details.push(format!("stopped {}", list(&mut stopped.iter().copied())));
    }
    if !replaced.is_empty() {
        details.push(format!(
            "replaced {}",
            list(&mut replaced.iter().map(|t| t.id))
        ));
    }
    (!details.is_empty()).then(|| details.join("; "))
}

/// Discards `timer`, stopped within its first second (see [`Service::stop_timer`]): deletes
/// it and its tag links as the call's one change, and answers with the timer as it was.
fn discard_timer(ctx: &Ctx<'_>, timer: Track) -> Result<TrackWritten> {
    tracks::delete(ctx.tx, timer.id)?;
    ctx.audit(
        "track",
        &[timer.id.0],
        Some("discarded: stopped within its first second"),
    )?;
    Ok(TrackWritten {
        track: timer,
        overlaps: Vec::new(),
        overlap_count: 0,
        warning: None,
        discarded: true,
    })
}

/// The running timers for a message, with their starts in the configured zone `tz`.
fn describe_running(running: &[Track], tz: chrono_tz::Tz) -> String {
    if running.is_empty() {
        return "none".to_owned();
    }
    running
        .iter()
        .map(|t| {
            let what = if t.description.is_empty() {
                t.project_name
                    .clone()
                    .unwrap_or_else(|| "no description".to_owned())
            } else {
                t.description.clone()
            };
            format!("id {} \"{what}\" since {}", t.id, show_instant(t.start, tz))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
