//! Timers and tracks: start, continue, stop, list running timers; create, list, get, update and
//! delete tracks.
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto::*;
use stint_api::dto_changes::Replayable;
use stint_service::{ContinueTimer, StopTimer};

#[tool_router(router = tracks_router, vis = "pub(super)")]
impl StintServer {
    #[tool(
        name = "start_timer",
        description = "Start a timer now (or at `start`), stopping the running one unless concurrent timers are allowed."
    )]
    async fn start_timer(
        &self,
        Parameters(a): Parameters<StartTimerArgs>,
    ) -> Result<Json<Replayable<TimerStartedOut>>, String> {
        let rid = a.request_id.clone();
        let (r, replayed) = (self.svc)
            .once(rid.as_deref(), |s| s.start_timer(a.into()))
            .map_err(fail)?;
        Ok(crate::replayable(
            TimerStartedOut::new(&r, None, self.svc.now()),
            replayed,
        ))
    }

    #[tool(
        name = "continue_timer",
        description = "Start a timer now like the last finished track (or `track_id`): project, task, tags, description."
    )]
    async fn continue_timer(
        &self,
        Parameters(a): Parameters<ContinueTimerArgs>,
    ) -> Result<Json<Replayable<TimerStartedOut>>, String> {
        let req = ContinueTimer {
            track_id: a.track_id.map(|i| i.0),
        };
        let (r, replayed) = (self.svc)
            .once(a.request_id.as_deref(), |s| s.continue_timer(req))
            .map_err(fail)?;
        Ok(crate::replayable(
            TimerStartedOut::new(&r.started, Some(r.from.id.0), self.svc.now()),
            replayed,
        ))
    }

    #[tool(
        name = "stop_timer",
        description = "Stop the running timer (or `track_id`) now or at `end` (under a second: discarded, undoable)."
    )]
    async fn stop_timer(
        &self,
        Parameters(a): Parameters<StopTimerArgs>,
    ) -> Result<Json<TimerStoppedOut>, String> {
        let w = self
            .svc
            .stop_timer(StopTimer {
                track_id: a.track_id.map(|i| i.0),
                end: a.end,
            })
            .map_err(fail)?;
        Ok(Json(TimerStoppedOut::new(&w, self.svc.now())))
    }

    #[tool(
        name = "list_running_timers",
        description = "List the timers that are running now, with the time elapsed so far."
    )]
    async fn list_running_timers(&self) -> Result<Json<RunningTimersOut>, String> {
        let timers = self.svc.list_running_timers().map_err(fail)?;
        let now = self.svc.now();
        Ok(Json(RunningTimersOut {
            count: timers.len(),
            timers: timers.iter().map(|t| TrackOut::new(t, now)).collect(),
        }))
    }

    #[tool(
        name = "create_track",
        description = "Record finished work as a track from a start and an end or a duration."
    )]
    async fn create_track(
        &self,
        Parameters(a): Parameters<CreateTrackArgs>,
    ) -> Result<Json<Replayable<TrackWrittenOut>>, String> {
        let rid = a.request_id.clone();
        let (w, replayed) = (self.svc)
            .once(rid.as_deref(), |s| s.create_track(a.into()))
            .map_err(fail)?;
        Ok(crate::replayable(self.track_written(w).0, replayed))
    }

    #[tool(
        name = "list_tracks",
        description = "List tracks, newest first, filtered by range, project, client, tag, flags or text."
    )]
    async fn list_tracks(
        &self,
        Parameters(a): Parameters<ListTracksArgs>,
    ) -> Result<Json<TrackPageOut>, String> {
        let page = self.svc.list_tracks(a.into()).map_err(fail)?;
        let now = self.svc.now();
        Ok(Json(TrackPageOut {
            tracks: page.items.iter().map(|t| TrackOut::new(t, now)).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(name = "get_track", description = "Get one track by id.")]
    async fn get_track(
        &self,
        Parameters(a): Parameters<TrackIdArgs>,
    ) -> Result<Json<TrackResultOut>, String> {
        let t = self.svc.get_track(a.track_id.0).map_err(fail)?;
        Ok(Json(TrackResultOut {
            track: TrackOut::new(&t, self.svc.now()),
        }))
    }

    #[tool(
        name = "update_track",
        description = "Change a track's fields; a track on an invoice is refused."
    )]
    async fn update_track(
        &self,
        Parameters(a): Parameters<UpdateTrackArgs>,
    ) -> Result<Json<TrackWrittenOut>, String> {
        let (id, changes) = a.into_parts();
        let w = self.svc.update_track(id, changes).map_err(fail)?;
        Ok(self.track_written(w))
    }

    #[tool(
        name = "delete_track",
        description = "Delete a track or timer; a track on an invoice is refused."
    )]
    async fn delete_track(
        &self,
        Parameters(a): Parameters<TrackIdArgs>,
    ) -> Result<Json<TrackDeletedOut>, String> {
        let t = self.svc.delete_track(a.track_id.0).map_err(fail)?;
        Ok(Json(TrackDeletedOut {
            deleted: TrackOut::new(&t, self.svc.now()),
        }))
    }
}
