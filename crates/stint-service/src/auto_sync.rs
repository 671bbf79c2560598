//! Auto-sync for `stint mcp` and `stint serve` ([`Service::start_auto_sync`]): a thread woken
//! by this process's writes through a channel (no polling of the database), timed on the
//! service's [`Clock`](crate::Clock), stopped when its [`AutoSync`] handle is dropped. When to
//! sync is a pure function ([`next_step`]) of what happened and the time.

use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::Service;
use stint_store::sync as ss;

/// A write is sent once nothing more was written for this long (so a burst of writes makes
/// one log), or at the latest [`LATEST`] after the first of them.
const QUIET: TimeDelta = TimeDelta::seconds(2);
const LATEST: TimeDelta = TimeDelta::seconds(10);
/// How long a thread whose database no longer syncs waits before looking again.
const IDLE: Duration = Duration::from_secs(5);

/// What wakes the thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// This process committed a write.
    Write,
    /// The handle was dropped.
    Stop,
}

/// The running auto-sync thread; dropping it stops the thread (after the sync in progress, if
/// any) and waits for it to end.
#[derive(Debug)]
pub struct AutoSync {
    wake: mpsc::Sender<Wake>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for AutoSync {
    fn drop(&mut self) {
        let _ = self.wake.send(Wake::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What the thread knows: when it last synced, the writes waiting (first and last), and the
/// earliest next try after failures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Timing {
    pub last_sync: Option<DateTime<Utc>>,
    pub pending: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub not_before: Option<DateTime<Utc>>,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    SyncNow,
    /// Sleep this long unless woken.
    Wait(Duration),
}

/// When to sync: at once the first time; after writes, [`QUIET`] after the last of them or
/// [`LATEST`] after the first; otherwise `every` after the last sync; never before
/// `not_before` (the back-off after failures).
pub(crate) fn next_step(t: &Timing, now: DateTime<Utc>, every: TimeDelta) -> Step {
    let Some(last) = t.last_sync else {
        return Step::SyncNow;
    };
    let due = match t.pending {
        Some((first, changed)) => (changed + QUIET).min(first + LATEST),
        None => last + every,
    };
    let due = t.not_before.map_or(due, |nb| due.max(nb));
    if now >= due {
        Step::SyncNow
    } else {
        Step::Wait((due - now).to_std().unwrap_or(Duration::from_millis(1)))
    }
}

/// The back-off after `failures` failed syncs in a row: 2, 4, 8 ... seconds, at most five
/// minutes.
pub(crate) fn back_off(failures: u32) -> TimeDelta {
    TimeDelta::seconds(2i64.saturating_pow(failures.min(9)).min(300))
}

fn auto_sync_every() -> TimeDelta {
    let secs = std::env::var("STINT_SYNC_INTERVAL")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|s| (1..=86_400).contains(s))
        .unwrap_or(30);
    TimeDelta::seconds(secs)
}

impl Service {
    /// Tells a running auto-sync thread that this process committed a write.
    pub(crate) fn wrote(&self) {
        let mut wakers = self
            .inner
            .auto_sync
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        wakers.retain(|w| w.send(Wake::Write).is_ok());
    }

    /// Starts syncing on its own in a background thread, for `stint mcp` and `stint serve`:
    /// once now, after this process's writes (two seconds after the last one, ten at most),
    /// and every `STINT_SYNC_INTERVAL` seconds (30 by default) to receive the other devices'
    /// changes and send those other processes wrote. `None` unless this database syncs through
    /// a folder and auto-sync is on (`stint sync auto on|off`). Keep the handle for as long as
    /// it should run: dropping it stops the thread. Problems are logged, never fatal.
    pub fn start_auto_sync(&self) -> Option<AutoSync> {
        if !matches!(self.auto_sync_folder(), Ok(Some(_))) {
            return None;
        }
        let (tx, rx) = mpsc::channel();
        self.inner
            .auto_sync
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx.clone());
        let svc = self.clone();
        let thread = std::thread::Builder::new()
            .name("stint-auto-sync".to_owned())
            .spawn(move || svc.auto_sync_loop(&rx, auto_sync_every()))
            .ok()?;
        Some(AutoSync {
            wake: tx,
            thread: Some(thread),
        })
    }

    fn auto_sync_loop(&self, rx: &mpsc::Receiver<Wake>, every: TimeDelta) {
        let mut timing = Timing::default();
        let mut failures: u32 = 0;
        loop {
            let Ok(Some(folder)) = self.auto_sync_folder() else {
                match rx.recv_timeout(IDLE) {
                    Ok(Wake::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    _ => continue,
                }
            };
            let now = self.now();
            let wait = match next_step(&timing, now, every) {
                Step::SyncNow => {
                    match self.sync_bound(&folder) {
                        Ok(r) => {
                            failures = 0;
                            timing.not_before = None;
                            log_report(&folder, &r);
                        }
                        Err(e) => {
                            failures = failures.saturating_add(1);
                            let wait = back_off(failures);
                            timing.not_before = Some(self.now() + wait);
                            tracing::warn!(
                                "sync with {} failed: {e}; next try in {} s",
                                folder.display(),
                                wait.num_seconds()
                            );
                        }
                    }
                    timing.last_sync = Some(self.now());
                    timing.pending = None;
                    continue;
                }
                Step::Wait(d) => d,
            };
            match rx.recv_timeout(wait) {
                Ok(Wake::Write) => {
                    // Only a write that left something to send counts (a sync's own
                    // bookkeeping does not).
                    let waiting = self
                        .read(|ctx| Ok(ss::unpublished_count(ctx.tx)?))
                        .unwrap_or(0);
                    if waiting > 0 {
                        let now = self.now();
                        timing.pending = Some((timing.pending.map_or(now, |p| p.0), now));
                    }
                }
                Ok(Wake::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
    }
}

fn log_report(folder: &std::path::Path, r: &super::SyncReport) {
    if r.published > 0 || !r.applied.is_empty() {
        tracing::info!(
            published = r.published,
            applied = r.applied.iter().map(|a| a.1).sum::<usize>(),
            "synced with {}",
            folder.display()
        );
    }
    for d in &r.decisions {
        tracing::info!("sync decided: {d}");
    }
    for p in &r.problems {
        tracing::warn!("sync: {p}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn when_to_sync() {
        let every = TimeDelta::seconds(30);
        let ms = |s: u64| Step::Wait(Duration::from_secs(s));
        let synced = |s| Timing {
            last_sync: Some(at(s)),
            ..Timing::default()
        };
        let cases = [
            // (timing, now, step)
            (Timing::default(), 0, Step::SyncNow),
            (synced(0), 10, ms(20)),
            (synced(0), 30, Step::SyncNow),
            // A write at 5: two quiet seconds.
            (
                Timing {
                    pending: Some((at(5), at(5))),
                    ..synced(0)
                },
                6,
                ms(1),
            ),
            (
                Timing {
                    pending: Some((at(5), at(5))),
                    ..synced(0)
                },
                7,
                Step::SyncNow,
            ),
            // Writes since 5, the last at 14: ten seconds after the first at the latest.
            (
                Timing {
                    pending: Some((at(5), at(14))),
                    ..synced(0)
                },
                15,
                Step::SyncNow,
            ),
            // After failures, not before the back-off ends.
            (
                Timing {
                    not_before: Some(at(40)),
                    ..synced(0)
                },
                35,
                ms(5),
            ),
        ];
        for (timing, now, want) in cases {
            assert_eq!(
                next_step(&timing, at(now), every),
                want,
                "{timing:?} at {now}"
            );
        }
        assert_eq!(
            (1..=10)
                .map(|f| back_off(f).num_seconds())
                .collect::<Vec<_>>(),
            [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
        );
    }
}
