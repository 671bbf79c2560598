//! The apply step: the other devices' logs, each file in one transaction once the files it
//! depends on are applied, in as many rounds as make progress.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::fs::sanitize;
use crate::plan::LogSurvey;

/// A log opened and surveyed: its head, its entries (decoded one at a time as they apply) and
/// what its clocks say.
type Surveyed<'b> = (LogHead, LogEntries<'b>, LogSurvey);

/// How many changes of a log were applied, and the decisions taken: `(change id, decision)`.
type Applied = (usize, Vec<(i64, ss::Decision)>);

impl Run<'_, '_> {
    /// Applies the other devices' logs found in the folder (`remotes`); a device using this
    /// device's number, a damaged or misnamed file, or clocks out of range block that device
    /// (said in the report's problems); what was applied of whom goes to its `applied`.
    pub(super) fn apply(&mut self, remotes: &[Remote]) -> Result<()> {
        let mut blocked = self.record_peers(remotes)?;
        let mut counts: Vec<(String, usize)> = Vec::new();
        loop {
            let mut progress = false;
            let applied: HashMap<DeviceId, Seq> = ss::peers(self.conn)?
                .into_iter()
                .map(|p| (p.device_id, p.applied_seq))
                .collect();
            for r in remotes {
                if blocked.contains(&r.id) {
                    continue;
                }
                let (n, stop) = self.apply_next_log(r, &applied)?;
                if stop {
                    blocked.insert(r.id.clone());
                }
                if n > 0 {
                    match counts.iter_mut().find(|(n, _)| *n == r.name) {
                        Some((_, c)) => *c += n,
                        None => counts.push((r.name.clone(), n)),
                    }
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        self.report_waiting(remotes, &blocked)?;
        self.report.applied = counts;
        Ok(())
    }

    /// Records what the folder says of each device with a number (how far it published, its
    /// problem), and reports the devices blocked before anything is applied
    /// ([`plan::apply_blocks`]). Returns their ids.
    fn record_peers(&mut self, remotes: &[Remote]) -> Result<HashSet<DeviceId>> {
        for r in remotes.iter().filter(|r| r.no.is_some()) {
            let seen = plan::seen_seq(r);
            ss::upsert_peer(self.conn, &r.id, r.no, &r.name, seen, r.problem.as_deref())?;
        }
        let mut blocked = HashSet::new();
        for b in plan::apply_blocks(remotes, self.no) {
            if let Some(r) = remotes
                .iter()
                .find(|r| r.id == b.device)
                .filter(|_| b.record)
            {
                ss::upsert_peer(
                    self.conn,
                    &r.id,
                    r.no,
                    &r.name,
                    plan::seen_seq(r),
                    Some(&b.message),
                )?;
            }
            self.report.problems.push(b.message);
            blocked.insert(b.device);
        }
        Ok(blocked)
    }

    /// Says which devices still have changes in the folder that wait for another device's.
    fn report_waiting(&mut self, remotes: &[Remote], blocked: &HashSet<DeviceId>) -> Result<()> {
        for r in remotes
            .iter()
            .filter(|r| !blocked.contains(&r.id) && r.no.is_some())
        {
            let done = ss::peers(self.conn)?
                .into_iter()
                .find(|p| p.device_id == r.id)
                .map_or(Seq::ZERO, |p| p.applied_seq);
            if let Some(msg) = plan::still_waiting(r, done) {
                self.report.problems.push(msg);
            }
        }
        Ok(())
    }

    /// Records `msg` as device `r`'s problem, and reports it.
    fn peer_problem(&mut self, r: &Remote, msg: String) -> Result<()> {
        ss::upsert_peer(self.conn, &r.id, r.no, &r.name, Seq::ZERO, Some(&msg))?;
        self.report.problems.push(msg);
        Ok(())
    }

    /// Applies the next log of device `r` in the folder ([`plan::next_log`]), if it is there,
    /// whole and ready (the changes of other devices it depends on are applied here, by
    /// `applied`). Returns how many changes it applied, and whether that device is blocked
    /// for this sync (a gap, a damaged or foreign file, clocks out of range, changes held
    /// back): said in the report's problems.
    fn apply_next_log(
        &mut self,
        r: &Remote,
        applied: &HashMap<DeviceId, Seq>,
    ) -> Result<(usize, bool)> {
        let done = applied.get(&r.id).copied().unwrap_or_default();
        let (range, path) = match plan::next_log(r, done, &self.me) {
            NextLog::Nothing => return Ok((0, false)),
            NextLog::Gap { message, .. } => {
                self.peer_problem(r, message)?;
                return Ok((0, true));
            }
            NextLog::File { range, path } => (range, path),
        };
        let Some((h, body)) = self.open_log(r, path)? else {
            return Ok((0, true));
        };
        let accepted = ss::peers(self.conn)?
            .into_iter()
            .find(|p| p.device_id == r.id)
            .map_or(Hlc::ZERO, |p| p.accepted_hlc);
        let now_ms = self.now.timestamp_millis();
        let (head, entries, survey) = match survey(&h, &body, r, (range, done), accepted, now_ms) {
            Ok(read) => read,
            Err(why) => {
                self.report.problems.push(not_a_log(path, r, why));
                return Ok((0, true));
            }
        };
        if !plan::log_ready(&head.deps, applied, &self.me, &r.id) {
            return Ok((0, false));
        }
        if let Some(why) = survey.clock {
            self.refuse_clocks(r, path, &why)?;
            return Ok((0, true));
        }
        let last = survey.hold.map_or(range.last, |(seq, _, _)| seq.prev());
        let known: ss::Known = head.known.into_iter().collect();
        let (n, decided) = match self.apply_entries(r, entries, &known, done, last)? {
            Ok(applied) => applied,
            Err(p) => {
                // Rolled back: nothing of the file applied.
                self.report
                    .problems
                    .push(not_a_log(path, r, Some(plan::damage(p))));
                return Ok((0, true));
            }
        };
        drop(body);
        let held = self.note_hold(r, survey.hold)?;
        self.report.decisions.extend(
            decided
                .into_iter()
                .map(|(id, d)| format!("change {id}: {}", d.detail)),
        );
        Ok((n, held))
    }

    /// Reads and opens the log at `path` of device `r`: its header and body, or `None` when
    /// it cannot be read, is not whole yet or cannot be opened (said in the report).
    fn open_log(&mut self, r: &Remote, path: &Path) -> Result<Option<(Header, Vec<u8>)>> {
        let bytes = match read_small(path) {
            Ok(b) => b,
            Err(e) => {
                self.report
                    .problems
                    .push(format!("cannot read {} ({e})", path.display()));
                return Ok(None);
            }
        };
        match open_file_owned(bytes, store::SCHEMA_VERSION as u32, self.key()) {
            Ok(x) => Ok(Some(x)),
            Err(FileProblem::NotWhole(w)) => {
                self.report.problems.push(format!(
                    "{} is not whole yet ({w}); it is skipped until it is",
                    path.display()
                ));
                Ok(None)
            }
            Err(p) => {
                let msg = format!("device {} ({}): {}", short(&r.id), r.name, problem_text(p));
                self.peer_problem(r, msg)?;
                Ok(None)
            }
        }
    }

    /// Refuses a log whose clock values no stint writes (`why`).
    fn refuse_clocks(&mut self, r: &Remote, path: &Path, why: &str) -> Result<()> {
        let msg = format!(
            "device {} ({}): {} is refused: {why}; it is not applied. The file was \
             not written by stint as it is: remove it, or that device's folder, \
             and sync that device again",
            short(&r.id),
            r.name,
            path.display()
        );
        self.peer_problem(r, msg)
    }

    /// Applies the changes `done + 1..=last` of `entries` (of device `r`) in one transaction.
    /// Returns how many it applied and the decisions taken, or what is damaged in the file
    /// (then nothing of it is applied).
    fn apply_entries(
        &mut self,
        r: &Remote,
        entries: LogEntries<'_>,
        known: &ss::Known,
        done: Seq,
        last: Seq,
    ) -> Result<std::result::Result<Applied, FileProblem>> {
        if last <= done {
            return Ok(Ok((0, Vec::new())));
        }
        let mut n = 0;
        let changes = entries
            .take_while(|e| e.as_ref().map_or(true, |e| e.seq <= last))
            .filter(|e| e.as_ref().map_or(true, |e| e.seq > done))
            .map(|e| {
                let e = e?;
                n += 1;
                Ok(RemoteChange {
                    device_id: r.id.clone(),
                    device_name: r.name.clone(),
                    hlc: e.hlc,
                    at: e.at,
                    operation: sanitize(&e.operation),
                    summary: sanitize(&e.summary),
                    ops: e.ops,
                })
            });
        let now = self.now.timestamp();
        let applied = ss::apply_file(
            self.conn,
            &r.id,
            last,
            changes,
            known,
            now,
            store::SCHEMA_VERSION,
        )?;
        Ok(applied.map(|decided| (n, decided)))
    }

    /// Holds back device `r`'s changes stamped too far ahead (`hold`: the first held change's
    /// sequence number and stamp, and the newest held stamp), or clears a hold. Returns
    /// whether changes are held (the device is then blocked for this sync).
    fn note_hold(&mut self, r: &Remote, hold: Option<(Seq, Hlc, Hlc)>) -> Result<bool> {
        let Some((seq, first_hlc, newest)) = hold else {
            ss::set_held(self.conn, &r.id, None)?;
            return Ok(false);
        };
        let msg = format!(
            "device {} ({}): its changes from number {seq} on are held back: \
             its clock read {} when it made them, more than a day ahead of this \
             device's clock ({}). They are applied when this clock gets there; \
             if that device's clock is right, apply them now with `stint sync \
             accept {}`",
            short(&r.id),
            r.name,
            first_hlc,
            self.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            short(&r.id)
        );
        ss::set_held(self.conn, &r.id, Some(newest))?;
        self.peer_problem(r, msg)?;
        Ok(true)
    }
}

/// The name, the (authenticated) header `h` and the entries of the log `range` of
/// device `r` must agree: a sealed log copied under another name must not mark changes
/// applied that it lacks. A first pass over the entries keeps a few figures (their count and
/// order, bad clocks, what waits, [`plan::survey_log`]); the apply decodes one change at a
/// time: memory holds the file and one change, never the whole log decoded.
///
/// # Errors
/// Why it is not that log (`None`: its header is another file's).
fn survey<'b>(
    h: &Header,
    body: &'b [u8],
    r: &Remote,
    (range, done): (SeqRange, Seq),
    accepted: Hlc,
    now_ms: i64,
) -> std::result::Result<Surveyed<'b>, Option<String>> {
    if !plan::header_names_log(h, r, range) {
        return Err(None);
    }
    let (head, entries) =
        read_log(body, h.format).ok_or_else(|| Some("its head is damaged or cut".to_owned()))?;
    let survey =
        plan::survey_log(&head, entries.clone(), (range, done), accepted, now_ms).map_err(Some)?;
    Ok((head, entries, survey))
}

/// "PATH is not a log of device …", and why when known.
fn not_a_log(path: &Path, r: &Remote, why: Option<String>) -> String {
    format!(
        "{} is not a log of device {}{}; it is skipped",
        path.display(),
        short(&r.id),
        why.map(|w| format!(" ({w})")).unwrap_or_default()
    )
}
