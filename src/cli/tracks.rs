//! The track commands: `stint start`, `stop`, `continue`, `status`, `log`, `tracks`, `edit`
//! and `delete`, one function each, through the same service calls as the track tools.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;

use stint_api::json;
use stint_domain::time::format_hmm;
use stint_domain::track::elapsed_seconds;
use stint_service::{
    ContinueTimer, ListTracks, NewTrack, Service, StartTimer, StopTimer, TrackChanges,
};

use super::{
    ContinueArgs, DeleteArgs, EditArgs, LogArgs, StartArgs, StopArgs, TracksArgs, billable_flag,
    creating, import, label, local_time, out, print_overlaps, print_started, print_tracks,
    print_warning, say_created, shorthand,
};

/// The free words of a start or a log ([`shorthand::split`]) with `-p` and `-t`: the project
/// of `-p` or of the words, the `-t` tags then the `+tag`s. A first word names an existing
/// project only by its exact name (not an id, not an archived project).
fn words(
    svc: &Service,
    words: &[String],
    project: Option<&String>,
    tags: &[String],
) -> shorthand::Words {
    let is_project = |word: &str| {
        svc.get_project(word)
            .is_ok_and(|p| p.name == word && !p.archived)
    };
    let mut w = shorthand::split(words, project.is_some(), is_project);
    w.project = project.cloned().or(w.project);
    w.tags.splice(0..0, tags.iter().cloned());
    w
}

/// `stint start`: starts a timer (stopping the running one), creating missing names.
pub fn start(svc: Service, a: &StartArgs) -> anyhow::Result<ExitCode> {
    let svc = creating(svc, a.no_create, a.create);
    let w = words(&svc, &a.words, a.project.as_ref(), &a.tags);
    let r = svc.start_timer(StartTimer {
        description: w.description,
        project: w.project,
        tags: w.tags,
        billable: billable_flag(a.billable, a.no_billable),
        start: a.at.clone(),
        task: a.task.clone(),
        client: a.client.clone(),
    })?;
    say_created(&svc);
    print_started(&r, None, svc.now());
    Ok(ExitCode::SUCCESS)
}

/// `stint continue`: a new timer like a finished track.
pub fn continue_timer(svc: &Service, a: &ContinueArgs) -> anyhow::Result<ExitCode> {
    let o = out();
    let r = svc.continue_timer(ContinueTimer { track_id: a.id })?;
    if !o.json {
        println!("Continuing #{} {}", r.from.id, label(&r.from));
    }
    print_started(&r.started, Some(r.from.id.0), svc.now());
    Ok(ExitCode::SUCCESS)
}

/// `stint stop`: stops the running timer (or the one of `--id`).
pub fn stop(svc: &Service, a: &StopArgs) -> anyhow::Result<ExitCode> {
    let o = out();
    let w = svc.stop_timer(StopTimer {
        track_id: a.id,
        end: a.at.clone(),
    })?;
    let t = &w.track;
    if o.json {
        println!("{}", json::stopped(&w, svc.now()));
        return Ok(ExitCode::SUCCESS);
    }
    if w.discarded {
        println!(
            "Discarded the timer #{} {} (it ran less than a second); `stint undo` \
             brings it back",
            t.id,
            label(t)
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Stopped #{} {} after {}",
        t.id,
        label(t),
        format_hmm(elapsed_seconds(t.start, t.end, svc.now()))
    );
    print_overlaps(&w.overlaps, w.overlap_count);
    print_warning(w.warning.as_ref());
    Ok(ExitCode::SUCCESS)
}

/// `stint status`: the running timers.
pub fn status(svc: &Service) -> anyhow::Result<ExitCode> {
    let o = out();
    let running = svc.list_running_timers()?;
    if o.json {
        println!("{}", json::running(&running, svc.now()));
        return Ok(ExitCode::SUCCESS);
    }
    if running.is_empty() {
        println!("No timer is running.");
    }
    let now = svc.now();
    for t in &running {
        println!(
            "Running #{} {} since {} ({})",
            t.id,
            label(t),
            local_time(t, t.start),
            format_hmm(elapsed_seconds(t.start, None, now))
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `stint log`: records a finished track from two of start, end and duration.
pub fn log(svc: Service, a: &LogArgs) -> anyhow::Result<ExitCode> {
    let o = out();
    let svc = creating(svc, a.no_create, a.create);
    let given = [&a.start, &a.end, &a.duration]
        .iter()
        .filter(|v| v.is_some())
        .count();
    if given != 2 {
        bail!(
            "give two of --start, --end and --duration (e.g. --start 9am --duration \
             1h30m, or --end now --duration 45m)"
        );
    }
    let words = words(&svc, &a.words, a.project.as_ref(), &a.tags);
    let w = svc.create_track(NewTrack {
        description: words.description,
        project: words.project,
        tags: words.tags,
        billable: billable_flag(a.billable, a.no_billable),
        start: a.start.clone().unwrap_or_default(),
        end: a.end.clone(),
        duration: a.duration.clone(),
        hourly_rate: a.rate.clone(),
        task: a.task.clone(),
        client: a.client.clone(),
        allow_duplicate: a.allow_duplicate,
    })?;
    say_created(&svc);
    if o.json {
        println!("{}", json::written(&w, svc.now()));
        return Ok(ExitCode::SUCCESS);
    }
    let t = &w.track;
    println!(
        "Logged #{} {} {} to {} ({})",
        t.id,
        label(t),
        local_time(t, t.start),
        t.end.map(|e| local_time(t, e)).unwrap_or_default(),
        format_hmm(elapsed_seconds(t.start, t.end, svc.now()))
    );
    print_overlaps(&w.overlaps, w.overlap_count);
    print_warning(w.warning.as_ref());
    Ok(ExitCode::SUCCESS)
}

/// `stint tracks`: a table of the newest tracks, or every matching track as JSON, CSV or
/// iCalendar.
pub fn list(svc: &Service, a: &TracksArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &a.ics {
        return import::tracks_ics(svc, &a.filter(), path, a.force);
    }
    if let Some(path) = &a.csv {
        return csv(svc, a, path);
    }
    // Every matching track, streamed (no --limit): the JSON is an export, like --csv.
    if out().json {
        return import::tracks_json(svc, &a.filter());
    }
    table(svc, a)
}

/// `stint tracks --csv FILE`: every matching track as CSV, to a file or standard output.
fn csv(svc: &Service, a: &TracksArgs, path: &Path) -> anyhow::Result<ExitCode> {
    let rounding = svc.get_settings()?.settings.rounding;
    if path.as_os_str() == "-" {
        let out = std::io::BufWriter::new(std::io::stdout().lock());
        let mut csv = stint_service::TracksCsv::new(out, rounding, svc.now());
        let count = svc.export_tracks_csv(&a.filter(), &mut csv)?;
        csv.finish()?;
        svc.audit_export("export_tracks_csv", "stdout", Some(count))?;
        return Ok(ExitCode::SUCCESS);
    }
    // The CSV goes to a temporary file (mode 0600) beside the target and is renamed at
    // the end, so a failed export leaves no half-written file.
    let out = svc.output_file(path, a.force)?;
    let mut csv = stint_service::TracksCsv::new(std::io::BufWriter::new(out), rounding, svc.now());
    let count = svc.export_tracks_csv(&a.filter(), &mut csv)?;
    let out = csv
        .finish()?
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write the CSV ({})", e.error()))?;
    let written = out.commit()?;
    svc.audit_export(
        "export_tracks_csv",
        &written.display().to_string(),
        Some(count),
    )?;
    eprintln!("Wrote {count} tracks to {}", written.display());
    Ok(ExitCode::SUCCESS)
}

/// `stint tracks`: a table of the newest `--limit` matching tracks.
fn table(svc: &Service, a: &TracksArgs) -> anyhow::Result<ExitCode> {
    let o = out();
    let page = svc.list_tracks(ListTracks {
        limit: Some(a.limit),
        ..a.filter()
    })?;
    if o.json {
        println!("{}", json::tracks(&page, svc.now()));
        return Ok(ExitCode::SUCCESS);
    }
    let tz = svc.get_settings()?.effective_timezone;
    print_tracks(&page.items, svc.now(), tz);
    if page.next_cursor.is_some() {
        println!("(more tracks: raise --limit or narrow --from/--to)");
    }
    Ok(ExitCode::SUCCESS)
}

/// `stint edit`: changes a track.
pub fn edit(svc: &Service, a: &EditArgs) -> anyhow::Result<ExitCode> {
    let o = out();
    let project = match (&a.project, a.no_project) {
        (_, true) => Some(String::new()),
        (p, false) => p.clone(),
    };
    let tags = match (a.tags.is_empty(), a.no_tags) {
        (_, true) => Some(Vec::new()),
        (false, false) => Some(a.tags.clone()),
        (true, false) => None,
    };
    let w = svc.update_track(
        a.id,
        TrackChanges {
            description: a.description.clone(),
            project,
            tags,
            billable: billable_flag(a.billable, a.no_billable),
            start: a.start.clone(),
            end: a.end.clone(),
            duration: a.duration.clone(),
            hourly_rate: a.rate.clone(),
            task: a.task.clone(),
            client: None,
        },
    )?;
    if o.json {
        println!("{}", json::written(&w, svc.now()));
        return Ok(ExitCode::SUCCESS);
    }
    let t = &w.track;
    println!(
        "Updated #{} {} {} to {} ({})",
        t.id,
        label(t),
        local_time(t, t.start),
        t.end
            .map_or_else(|| "now (running)".to_owned(), |e| local_time(t, e)),
        format_hmm(elapsed_seconds(t.start, t.end, svc.now()))
    );
    print_overlaps(&w.overlaps, w.overlap_count);
    print_warning(w.warning.as_ref());
    Ok(ExitCode::SUCCESS)
}

/// `stint delete`: deletes a track (undoable).
pub fn delete(svc: &Service, a: &DeleteArgs) -> anyhow::Result<ExitCode> {
    let o = out();
    let t = svc.delete_track(a.id)?;
    if o.json {
        println!("{}", json::track_deleted(&t, svc.now()));
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Deleted #{} {} {} ({})",
        t.id,
        label(&t),
        local_time(&t, t.start),
        format_hmm(elapsed_seconds(t.start, t.end, svc.now()))
    );
    println!("{}", o.paint.dim("(`stint undo` brings it back)"));
    Ok(ExitCode::SUCCESS)
}
