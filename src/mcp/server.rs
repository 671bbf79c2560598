//! The MCP tool catalogue: one rmcp handler, served on stdio (and later over HTTP).
//!
//! Tool names are a contract (DESIGN.md, "MCP tool catalogue"). Business errors are tool
//! results with `isError: true` whose text says what to do next; only protocol faults (bad
//! arguments for the schema, unknown tool) are JSON-RPC errors.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};

use super::dto::*;
use crate::service::{
    DeleteClient, DeleteProject, DeleteTag, ListClients, ListProjects, ListTags, Service,
    ServiceError, StopTimer,
};

/// What the server tells a client about itself at `initialize`.
const INSTRUCTIONS: &str = "stint is the user's local time tracker. Start and stop timers, log \
finished work as tracks, and manage projects, clients and tags. Projects, clients and tags are \
accepted by id or exact name (case-insensitive). Times accept RFC 3339, local date-times such as \
'2026-11-20 09:00' (in the user's configured time zone, see get_settings), '09:00' for today, \
'yesterday 17:30' and 'now'; durations accept '1h30m', '90m', '1.5h', '01:30' and 'PT1H30M'. \
Date ranges given as dates include both days. Lists are paged: pass next_cursor back as cursor. \
Errors say what to send instead.";

fn fail(e: ServiceError) -> String {
    if let ServiceError::Store(inner) = &e {
        tracing::warn!(error = %inner, "store error in a tool call");
    }
    e.to_string()
}

/// The stint MCP server: the tool router over a [`Service`].
#[derive(Debug, Clone)]
pub struct StintServer {
    svc: Service,
    tool_router: ToolRouter<Self>,
}

impl StintServer {
    /// A server whose tools call `svc`.
    pub fn new(svc: Service) -> Self {
        StintServer {
            svc,
            tool_router: Self::tool_router(),
        }
    }

    fn track_written(&self, w: crate::service::TrackWritten) -> Json<TrackWrittenOut> {
        let now = self.svc.now();
        Json(TrackWrittenOut {
            track: TrackOut::new(&w.track, now),
            overlaps: w.overlaps.iter().map(|t| t.0).collect(),
        })
    }
}

#[tool_router]
impl StintServer {
    // ----- timers ---------------------------------------------------------------------------

    #[tool(
        name = "start_timer",
        description = "Start a timer for work beginning now (or at `start`), stopping the running timer first unless concurrent timers are allowed.",
        annotations(
            title = "Start timer",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn start_timer(
        &self,
        Parameters(a): Parameters<StartTimerArgs>,
    ) -> Result<Json<TimerStartedOut>, String> {
        let r = self.svc.start_timer(a.into()).map_err(fail)?;
        let now = self.svc.now();
        Ok(Json(TimerStartedOut {
            track: TrackOut::new(&r.track, now),
            stopped: r.stopped.iter().map(|t| TrackOut::new(t, now)).collect(),
            overlaps: r.overlaps.iter().map(|t| t.0).collect(),
        }))
    }

    #[tool(
        name = "stop_timer",
        description = "Stop the running timer (or the one given by `track_id`) now or at `end`, turning it into a finished track.",
        annotations(
            title = "Stop timer",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn stop_timer(
        &self,
        Parameters(a): Parameters<StopTimerArgs>,
    ) -> Result<Json<TrackWrittenOut>, String> {
        let w = self
            .svc
            .stop_timer(StopTimer {
                track_id: a.track_id.map(|i| i.0),
                end: a.end,
            })
            .map_err(fail)?;
        Ok(self.track_written(w))
    }

    #[tool(
        name = "list_running_timers",
        description = "List the timers that are running now, with the time elapsed so far.",
        annotations(
            title = "List running timers",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_running_timers(&self) -> Result<Json<RunningTimersOut>, String> {
        let timers = self.svc.list_running_timers().map_err(fail)?;
        let now = self.svc.now();
        Ok(Json(RunningTimersOut {
            count: timers.len(),
            timers: timers.iter().map(|t| TrackOut::new(t, now)).collect(),
        }))
    }

    // ----- tracks ---------------------------------------------------------------------------

    #[tool(
        name = "create_track",
        description = "Record finished work as a track from a start and an end or a duration.",
        annotations(
            title = "Create track",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn create_track(
        &self,
        Parameters(a): Parameters<CreateTrackArgs>,
    ) -> Result<Json<TrackWrittenOut>, String> {
        let w = self.svc.create_track(a.into()).map_err(fail)?;
        Ok(self.track_written(w))
    }

    #[tool(
        name = "list_tracks",
        description = "List tracks, newest first, filtered by date range, project, client, tag, billable, invoiced or text, one page at a time.",
        annotations(
            title = "List tracks",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
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

    #[tool(
        name = "get_track",
        description = "Get one track by id.",
        annotations(
            title = "Get track",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
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
        description = "Change a track's description, project, tags, billable flag, times or rate; tracks on an invoice are refused.",
        annotations(
            title = "Update track",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
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
        description = "Delete a track or running timer for good; tracks on an invoice are refused.",
        annotations(
            title = "Delete track",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
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

    // ----- projects -------------------------------------------------------------------------

    #[tool(
        name = "create_project",
        description = "Create a project, optionally for a client, with its rate, currency, billable default and budget.",
        annotations(
            title = "Create project",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn create_project(
        &self,
        Parameters(a): Parameters<CreateProjectArgs>,
    ) -> Result<Json<ProjectResultOut>, String> {
        let p = self.svc.create_project(a.into()).map_err(fail)?;
        Ok(Json(ProjectResultOut {
            project: (&p).into(),
        }))
    }

    #[tool(
        name = "list_projects",
        description = "List projects by name, optionally for one client or including archived ones, one page at a time.",
        annotations(
            title = "List projects",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_projects(
        &self,
        Parameters(a): Parameters<ListProjectsArgs>,
    ) -> Result<Json<ProjectPageOut>, String> {
        let page = self
            .svc
            .list_projects(ListProjects {
                client: a.client.map(|r| r.0),
                include_archived: a.include_archived.unwrap_or(false),
                search: a.search,
                limit: a.limit,
                cursor: a.cursor,
            })
            .map_err(fail)?;
        Ok(Json(ProjectPageOut {
            projects: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(
        name = "get_project",
        description = "Get one project by id or exact name.",
        annotations(
            title = "Get project",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_project(
        &self,
        Parameters(a): Parameters<ProjectRefArgs>,
    ) -> Result<Json<ProjectResultOut>, String> {
        let p = self.svc.get_project(&a.project.0).map_err(fail)?;
        Ok(Json(ProjectResultOut {
            project: (&p).into(),
        }))
    }

    #[tool(
        name = "update_project",
        description = "Change a project's name, client, color, rate, currency, billable default, budget or archived flag.",
        annotations(
            title = "Update project",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn update_project(
        &self,
        Parameters(a): Parameters<UpdateProjectArgs>,
    ) -> Result<Json<ProjectResultOut>, String> {
        let (project, changes) = a.into_parts();
        let p = self.svc.update_project(&project, changes).map_err(fail)?;
        Ok(Json(ProjectResultOut {
            project: (&p).into(),
        }))
    }

    #[tool(
        name = "delete_project",
        description = "Delete a project without tracks, or archive it with `archive` to keep its tracks.",
        annotations(
            title = "Delete project",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn delete_project(
        &self,
        Parameters(a): Parameters<DeleteProjectArgs>,
    ) -> Result<Json<DeletedOut>, String> {
        let d = self
            .svc
            .delete_project(DeleteProject {
                project: a.project.0,
                archive: a.archive.unwrap_or(false),
            })
            .map_err(fail)?;
        Ok(Json(d.into()))
    }

    // ----- tags -----------------------------------------------------------------------------

    #[tool(
        name = "create_tag",
        description = "Create a tag to label tracks, such as \"meeting\" or \"review\".",
        annotations(
            title = "Create tag",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn create_tag(
        &self,
        Parameters(a): Parameters<CreateTagArgs>,
    ) -> Result<Json<TagResultOut>, String> {
        let t = self.svc.create_tag(&a.name).map_err(fail)?;
        Ok(Json(TagResultOut { tag: (&t).into() }))
    }

    #[tool(
        name = "list_tags",
        description = "List tags by name with how many tracks carry each, one page at a time.",
        annotations(
            title = "List tags",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_tags(
        &self,
        Parameters(a): Parameters<ListTagsArgs>,
    ) -> Result<Json<TagPageOut>, String> {
        let page = self
            .svc
            .list_tags(ListTags {
                search: a.search,
                limit: a.limit,
                cursor: a.cursor,
            })
            .map_err(fail)?;
        Ok(Json(TagPageOut {
            tags: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(
        name = "update_tag",
        description = "Rename a tag.",
        annotations(
            title = "Rename tag",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn update_tag(
        &self,
        Parameters(a): Parameters<UpdateTagArgs>,
    ) -> Result<Json<TagResultOut>, String> {
        let t = self.svc.update_tag(&a.tag.0, &a.name).map_err(fail)?;
        Ok(Json(TagResultOut { tag: (&t).into() }))
    }

    #[tool(
        name = "delete_tag",
        description = "Delete a tag; a tag in use needs `force`, which removes it from its tracks.",
        annotations(
            title = "Delete tag",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn delete_tag(
        &self,
        Parameters(a): Parameters<DeleteTagArgs>,
    ) -> Result<Json<DeletedOut>, String> {
        let d = self
            .svc
            .delete_tag(DeleteTag {
                tag: a.tag.0,
                force: a.force.unwrap_or(false),
            })
            .map_err(fail)?;
        Ok(Json(d.into()))
    }

    // ----- clients --------------------------------------------------------------------------

    #[tool(
        name = "create_client",
        description = "Create a client with contact details, tax id, default hourly rate and currency.",
        annotations(
            title = "Create client",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn create_client(
        &self,
        Parameters(a): Parameters<CreateClientArgs>,
    ) -> Result<Json<ClientResultOut>, String> {
        let c = self.svc.create_client(a.into()).map_err(fail)?;
        Ok(Json(ClientResultOut {
            client: (&c).into(),
        }))
    }

    #[tool(
        name = "list_clients",
        description = "List clients by name, optionally including archived ones, one page at a time.",
        annotations(
            title = "List clients",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_clients(
        &self,
        Parameters(a): Parameters<ListClientsArgs>,
    ) -> Result<Json<ClientPageOut>, String> {
        let page = self
            .svc
            .list_clients(ListClients {
                include_archived: a.include_archived.unwrap_or(false),
                search: a.search,
                limit: a.limit,
                cursor: a.cursor,
            })
            .map_err(fail)?;
        Ok(Json(ClientPageOut {
            clients: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(
        name = "get_client",
        description = "Get one client by id or exact name.",
        annotations(
            title = "Get client",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_client(
        &self,
        Parameters(a): Parameters<ClientRefArgs>,
    ) -> Result<Json<ClientResultOut>, String> {
        let c = self.svc.get_client(&a.client.0).map_err(fail)?;
        Ok(Json(ClientResultOut {
            client: (&c).into(),
        }))
    }

    #[tool(
        name = "update_client",
        description = "Change a client's name, contact details, tax id, notes, rate, currency or archived flag.",
        annotations(
            title = "Update client",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn update_client(
        &self,
        Parameters(a): Parameters<UpdateClientArgs>,
    ) -> Result<Json<ClientResultOut>, String> {
        let (client, changes) = a.into_parts();
        let c = self.svc.update_client(&client, changes).map_err(fail)?;
        Ok(Json(ClientResultOut {
            client: (&c).into(),
        }))
    }

    #[tool(
        name = "delete_client",
        description = "Delete a client without tracks or issued invoices, or archive it with `archive`.",
        annotations(
            title = "Delete client",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn delete_client(
        &self,
        Parameters(a): Parameters<DeleteClientArgs>,
    ) -> Result<Json<DeletedOut>, String> {
        let d = self
            .svc
            .delete_client(DeleteClient {
                client: a.client.0,
                archive: a.archive.unwrap_or(false),
            })
            .map_err(fail)?;
        Ok(Json(d.into()))
    }

    // ----- settings -------------------------------------------------------------------------

    #[tool(
        name = "get_settings",
        description = "Get the settings: time zone, week start, currency, default rate, rounding, invoice numbering, timers and business details.",
        annotations(
            title = "Get settings",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_settings(&self) -> Result<Json<SettingsOut>, String> {
        let v = self.svc.get_settings().map_err(fail)?;
        Ok(Json((&v).into()))
    }

    #[tool(
        name = "update_settings",
        description = "Change one or more settings; each value is checked before any is saved.",
        annotations(
            title = "Update settings",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn update_settings(
        &self,
        Parameters(a): Parameters<UpdateSettingsArgs>,
    ) -> Result<Json<SettingsOut>, String> {
        let v = self.svc.update_settings(a.into()).map_err(fail)?;
        Ok(Json((&v).into()))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for StintServer {
    fn get_info(&self) -> rmcp::model::ServerConfig {
        let mut info = rmcp::model::Implementation::new("stint", env!("CARGO_PKG_VERSION"));
        info.title = Some("stint time tracker".to_owned());
        rmcp::model::ServerConfig::new(
            rmcp::model::ServerCapabilities::builder()
                .enable_tools()
                .build(),
        )
        .with_server_info(info)
        .with_instructions(INSTRUCTIONS.to_owned())
    }
}
