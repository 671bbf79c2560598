//! The MCP tool catalogue: one rmcp handler, served on stdio (and later over HTTP).
//!
//! Tool names are a contract (DESIGN.md, "MCP tool catalogue"). Business errors are tool
//! results with `isError: true` whose text says what to do next. rmcp answers arguments that do
//! not fit the input schema with a tool error naming the field, and an unknown tool or method
//! with a JSON-RPC error.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult,
    PaginatedRequestParams, ResultType,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool, tool_handler, tool_router};

use super::dto::*;
use super::dto_billing::*;
use crate::service::{
    DeleteClient, DeleteProject, DeleteTag, HttpCaller, InvoiceChanges, ListClients, ListInvoices,
    ListProjects, ListTags, Scope, Service, ServiceError, StopTimer, TimeSummary,
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

/// What a client reads when a tool call panicked: no panic text (it may hold data or paths).
pub const PANIC_MESSAGE: &str = "internal error in stint; the call wrote nothing (its transaction \
     was rolled back); please report this with the tool name and arguments";

/// Runs a tool call future, turning a panic inside it into a JSON-RPC internal error
/// (`-32603`, message [`PANIC_MESSAGE`]) so the server goes on serving the next request.
///
/// This is the last line of defence: every tool call of [`StintServer`] goes through it. A
/// write that panics is rolled back, because rusqlite's `Transaction` rolls back when dropped
/// during unwinding. The panic itself is logged to stderr with the tool's name.
///
/// # Errors
/// Whatever `call` returns, or the internal error above when it panicked.
pub async fn contain_panics<T>(
    tool: &str,
    call: impl std::future::Future<Output = Result<T, ErrorData>>,
) -> Result<T, ErrorData> {
    use futures::FutureExt as _;
    match std::panic::AssertUnwindSafe(call).catch_unwind().await {
        Ok(answer) => answer,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(tool, panic = %what, "a tool call panicked");
            Err(ErrorData::internal_error(PANIC_MESSAGE, None))
        }
    }
}

/// The scope a tool needs over HTTP (DESIGN.md, "HTTP front end"): `read` for read-only
/// tools; `write` for writes that add or change data; `admin` for deletes, invoice state
/// changes and settings.
pub fn required_scope(tool: &str) -> Scope {
    match tool {
        "delete_track" | "delete_project" | "delete_tag" | "delete_client" | "delete_invoice"
        | "mark_invoice_sent" | "mark_invoice_paid" | "void_invoice" | "update_settings" => {
            Scope::Admin
        }
        "start_timer" | "stop_timer" | "create_track" | "update_track" | "create_project"
        | "update_project" | "create_tag" | "update_tag" | "create_client" | "update_client"
        | "create_invoice" | "update_invoice" => Scope::Write,
        _ => Scope::Read,
    }
}

/// Where a request came from: stdio (no HTTP request parts), or HTTP with the caller the HTTP
/// layer authenticated. An HTTP request without an authenticated caller is
/// `Http(None)`, which gets no tools (fail closed).
enum Origin {
    Stdio,
    Http(Option<HttpCaller>),
}

/// The origin of a request; the HTTP layer puts an [`HttpCaller`] in the request's extensions.
fn origin_of(context: &RequestContext<RoleServer>) -> Origin {
    match context.extensions.get::<axum::http::request::Parts>() {
        None => Origin::Stdio,
        Some(p) => Origin::Http(p.extensions.get::<HttpCaller>().cloned()),
    }
}

/// The stint MCP server: the tool router over a [`Service`].
#[derive(Debug, Clone)]
pub struct StintServer {
    svc: Service,
    tool_router: Arc<ToolRouter<Self>>,
}

impl StintServer {
    /// A server whose tools call `svc`. The tool router is built once per process: over HTTP
    /// rmcp makes a server per request.
    pub fn new(svc: Service) -> Self {
        static ROUTER: std::sync::OnceLock<Arc<ToolRouter<StintServer>>> =
            std::sync::OnceLock::new();
        StintServer {
            svc,
            tool_router: Arc::clone(ROUTER.get_or_init(|| Arc::new(Self::tool_router()))),
        }
    }

    /// Runs a tool call on the blocking pool: tools do SQLite work (and may wait for another
    /// process's write), which must not stall the async workers serving other requests.
    pub(crate) async fn call_blocking(
        self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let tool = request.name.clone();
        let handle = tokio::runtime::Handle::current();
        if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
            // stdio: one request at a time on one thread; no pool of threads to keep free.
            let router = Arc::clone(&self.tool_router);
            return contain_panics(
                &tool,
                router.call(ToolCallContext::new(&self, request, context)),
            )
            .await;
        }
        let name = tool.clone();
        tokio::task::spawn_blocking(move || {
            let router = Arc::clone(&self.tool_router);
            handle.block_on(contain_panics(
                &name,
                router.call(ToolCallContext::new(&self, request, context)),
            ))
        })
        .await
        .map_err(|e| {
            tracing::error!(tool = %tool, error = %e, "a tool call did not finish");
            ErrorData::internal_error(PANIC_MESSAGE, None)
        })?
    }

    /// The tool list a caller sees: `None` on stdio (every tool); over HTTP, the tools within
    /// the caller's scope, and none without an authenticated caller (`Some(None)`).
    pub(crate) fn tools_for(&self, http_scope: Option<Option<Scope>>) -> ListToolsResult {
        let tools = self.tool_router.list_all();
        let tools = match http_scope {
            None => tools,
            Some(None) => Vec::new(),
            Some(Some(scope)) => tools
                .into_iter()
                .filter(|t| required_scope(&t.name) <= scope)
                .collect(),
        };
        let mut result = ListToolsResult::with_all_items(tools);
        result.result_type = Some(ResultType::COMPLETE);
        result
    }

    /// This server acting for an HTTP caller (its audit name, redaction, no file writes).
    pub(crate) fn for_http(&self, caller: &HttpCaller) -> StintServer {
        StintServer {
            svc: self.svc.for_caller(caller.caller()),
            tool_router: Arc::clone(&self.tool_router),
        }
    }

    /// Why an HTTP caller may not make this call, or `None` when it may: a scope below the
    /// tool's [`required_scope`], or an argument that names a file to write (`path` of
    /// `export_invoice_csv`), which no HTTP caller may send.
    pub(crate) fn http_refusal(
        &self,
        caller: &HttpCaller,
        request: &CallToolRequestParams,
    ) -> Option<String> {
        if !self.tool_router.has_route(&request.name) {
            return None;
        }
        let needed = required_scope(&request.name);
        if needed > caller.scope() {
            return Some(format!(
                "{} has scope {}, but {} needs scope {}; use a token with that scope \
                 (stint token create --scope {})",
                caller.describe(),
                caller.scope().as_str(),
                request.name,
                needed.as_str(),
                needed.as_str()
            ));
        }
        let path_given = request
            .arguments
            .as_ref()
            .is_some_and(|a| a.get("path").is_some_and(|p| !p.is_null()));
        if path_given && !caller.caller().may_write_files {
            return Some(format!(
                "{} cannot write files on the server over HTTP; leave out path to get the \
                 content in the answer, or run the export with `stint` on that machine",
                request.name
            ));
        }
        None
    }

    fn track_written(&self, w: crate::service::TrackWritten) -> Json<TrackWrittenOut> {
        let now = self.svc.now();
        Json(TrackWrittenOut {
            track: TrackOut::new(&w.track, now),
            overlaps: w.overlaps.iter().map(|t| t.0).collect(),
            overlap_count: w.overlap_count,
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
            overlap_count: r.overlap_count,
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

    // ----- invoices -------------------------------------------------------------------------

    #[tool(
        name = "create_invoice",
        description = "Generate a draft invoice from billable, finished, uninvoiced tracks of a client and/or projects in a period, or preview it with `dry_run`.",
        title = "Create invoice",
        annotations(
            title = "Create invoice",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn create_invoice(
        &self,
        Parameters(a): Parameters<CreateInvoiceArgs>,
    ) -> Result<Json<InvoiceResultOut>, String> {
        let req: crate::service::NewInvoice = a.into();
        let dry_run = req.dry_run;
        let inv = self.svc.create_invoice(req).map_err(fail)?;
        Ok(Json(InvoiceResultOut {
            invoice: InvoiceOut::new(inv, dry_run),
        }))
    }

    #[tool(
        name = "list_invoices",
        description = "List invoices, newest first, optionally by status or client, one page at a time.",
        title = "List invoices",
        annotations(
            title = "List invoices",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_invoices(
        &self,
        Parameters(a): Parameters<ListInvoicesArgs>,
    ) -> Result<Json<InvoicePageOut>, String> {
        let page = self
            .svc
            .list_invoices(ListInvoices {
                status: a.status,
                client: a.client.map(|r| r.0),
                limit: a.limit,
                cursor: a.cursor,
            })
            .map_err(fail)?;
        Ok(Json(InvoicePageOut {
            invoices: page
                .items
                .into_iter()
                .map(|i| InvoiceOut::new(i, false))
                .collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(
        name = "get_invoice",
        description = "Get one invoice with its lines, by id or number.",
        title = "Get invoice",
        annotations(
            title = "Get invoice",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_invoice(
        &self,
        Parameters(a): Parameters<InvoiceRefArgs>,
    ) -> Result<Json<InvoiceResultOut>, String> {
        let inv = self.svc.get_invoice(&a.invoice_id.0).map_err(fail)?;
        Ok(Json(InvoiceResultOut {
            invoice: InvoiceOut::new(inv, false),
        }))
    }

    #[tool(
        name = "update_invoice",
        description = "Change the notes, tax rate or due date of a draft invoice.",
        title = "Update invoice",
        annotations(
            title = "Update invoice",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn update_invoice(
        &self,
        Parameters(a): Parameters<UpdateInvoiceArgs>,
    ) -> Result<Json<InvoiceResultOut>, String> {
        let inv = self
            .svc
            .update_invoice(
                &a.invoice_id.0,
                InvoiceChanges {
                    notes: a.notes,
                    tax_rate_percent: a.tax_rate_percent.map(|d| d.0),
                    due_date: a.due_date,
                },
            )
            .map_err(fail)?;
        Ok(Json(InvoiceResultOut {
            invoice: InvoiceOut::new(inv, false),
        }))
    }

    #[tool(
        name = "mark_invoice_sent",
        description = "Issue a draft invoice: give it the next invoice number and an issue date, and freeze it.",
        title = "Mark invoice sent",
        annotations(
            title = "Mark invoice sent",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn mark_invoice_sent(
        &self,
        Parameters(a): Parameters<MarkSentArgs>,
    ) -> Result<Json<InvoiceResultOut>, String> {
        let inv = self
            .svc
            .mark_invoice_sent(&a.invoice_id.0, a.issue_date.as_deref())
            .map_err(fail)?;
        Ok(Json(InvoiceResultOut {
            invoice: InvoiceOut::new(inv, false),
        }))
    }

    #[tool(
        name = "mark_invoice_paid",
        description = "Record that a sent invoice was paid.",
        title = "Mark invoice paid",
        annotations(
            title = "Mark invoice paid",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn mark_invoice_paid(
        &self,
        Parameters(a): Parameters<InvoiceRefArgs>,
    ) -> Result<Json<InvoiceResultOut>, String> {
        let inv = self.svc.mark_invoice_paid(&a.invoice_id.0).map_err(fail)?;
        Ok(Json(InvoiceResultOut {
            invoice: InvoiceOut::new(inv, false),
        }))
    }

    #[tool(
        name = "void_invoice",
        description = "Void a draft or sent invoice, keeping its number and releasing its tracks for editing and re-invoicing.",
        title = "Void invoice",
        annotations(
            title = "Void invoice",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn void_invoice(
        &self,
        Parameters(a): Parameters<InvoiceRefArgs>,
    ) -> Result<Json<InvoiceResultOut>, String> {
        let inv = self.svc.void_invoice(&a.invoice_id.0).map_err(fail)?;
        Ok(Json(InvoiceResultOut {
            invoice: InvoiceOut::new(inv, false),
        }))
    }

    #[tool(
        name = "delete_invoice",
        description = "Delete a draft invoice and release its tracks; issued invoices are voided instead.",
        title = "Delete invoice",
        annotations(
            title = "Delete invoice",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn delete_invoice(
        &self,
        Parameters(a): Parameters<InvoiceRefArgs>,
    ) -> Result<Json<InvoiceResultOut>, String> {
        let inv = self.svc.delete_invoice(&a.invoice_id.0).map_err(fail)?;
        Ok(Json(InvoiceResultOut {
            invoice: InvoiceOut::new(inv, false),
        }))
    }

    #[tool(
        name = "export_invoice_csv",
        description = "Export an invoice as RFC 4180 CSV text (in the answer), one row per line item plus subtotal, tax and total. On stdio only, `path` also writes it to a new file (never overwritten, mode 0600); over HTTP no file is written.",
        title = "Export invoice as CSV",
        annotations(
            title = "Export invoice as CSV",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn export_invoice_csv(
        &self,
        Parameters(a): Parameters<ExportCsvArgs>,
    ) -> Result<Json<CsvExportOut>, String> {
        let (inv, csv, path) = match a.path.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => {
                let (inv, csv, written) = self
                    .svc
                    .export_invoice_csv_to(&a.invoice_id.0, std::path::Path::new(p), false)
                    .map_err(fail)?;
                (inv, csv, Some(written.display().to_string()))
            }
            None => {
                let (inv, csv) = self.svc.export_invoice_csv(&a.invoice_id.0).map_err(fail)?;
                (inv, csv, None)
            }
        };
        Ok(Json(CsvExportOut {
            invoice_id: inv.id.0,
            number: inv.number.clone(),
            rows: csv.lines().count().saturating_sub(1),
            csv,
            path,
        }))
    }

    // ----- analytics ------------------------------------------------------------------------

    #[tool(
        name = "time_summary",
        description = "Sum tracked time in a range grouped by one or two of day, week, month, year, project, client and tag, with rounded and unrounded durations and billable amounts.",
        title = "Time summary",
        annotations(
            title = "Time summary",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn time_summary(
        &self,
        Parameters(a): Parameters<TimeSummaryArgs>,
    ) -> Result<Json<SummaryOut>, String> {
        let s = self
            .svc
            .time_summary(TimeSummary {
                from: a.from,
                to: a.to,
                group_by: a.group_by,
                project: a.project.map(|r| r.0),
                client: a.client.map(|r| r.0),
                tag: a.tag.map(|r| r.0),
                billable: a.billable,
            })
            .map_err(fail)?;
        Ok(Json((&s).into()))
    }

    #[tool(
        name = "top_projects",
        description = "Rank the projects with the most tracked time in a range, with each one's share.",
        title = "Top projects",
        annotations(
            title = "Top projects",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn top_projects(
        &self,
        Parameters(a): Parameters<TopProjectsArgs>,
    ) -> Result<Json<TopProjectsOut>, String> {
        let limit = a.limit.unwrap_or(5).clamp(1, 500) as usize;
        let (s, shares) = self.svc.top_projects(&a.from, &a.to, limit).map_err(fail)?;
        Ok(Json(TopProjectsOut {
            from: s.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            to: s.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            projects: s
                .rows
                .iter()
                .zip(shares)
                .map(|(r, share)| TopProjectOut {
                    project_id: r.keys[0].id,
                    project: r.keys[0].value.clone(),
                    share_percent: share,
                    figures: (&r.figures).into(),
                })
                .collect(),
            totals: (&s.totals).into(),
        }))
    }

    #[tool(
        name = "budget_status",
        description = "Show hours and money used against each project's budget in its current period, with ok, alert or over.",
        title = "Budget status",
        annotations(
            title = "Budget status",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn budget_status(
        &self,
        Parameters(a): Parameters<BudgetStatusArgs>,
    ) -> Result<Json<BudgetsOut>, String> {
        let reports = self
            .svc
            .budget_status(a.project.as_ref().map(|r| r.0.as_str()))
            .map_err(fail)?;
        Ok(Json(BudgetsOut {
            budgets: reports.iter().map(Into::into).collect(),
        }))
    }

    #[tool(
        name = "unbilled_summary",
        description = "Sum billable, finished work not yet on an invoice, by client and project, with amounts per currency.",
        title = "Unbilled work",
        annotations(
            title = "Unbilled work",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn unbilled_summary(
        &self,
        Parameters(a): Parameters<UnbilledSummaryArgs>,
    ) -> Result<Json<SummaryOut>, String> {
        let s = self
            .svc
            .unbilled_summary(
                a.client.as_ref().map(|r| r.0.as_str()),
                a.from.as_deref(),
                a.to.as_deref(),
            )
            .map_err(fail)?;
        Ok(Json((&s).into()))
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
    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(match origin_of(&context) {
            Origin::Stdio => self.tools_for(None),
            Origin::Http(None) => self.tools_for(Some(None)),
            Origin::Http(Some(caller)) => self.tools_for(Some(Some(caller.scope()))),
        })
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = match origin_of(&context) {
            Origin::Stdio => return self.clone().call_blocking(request, context).await,
            Origin::Http(None) => {
                return Err(ErrorData::invalid_request(
                    "this request carries no authenticated caller; send Authorization: Bearer <secret>",
                    None,
                ));
            }
            Origin::Http(Some(caller)) => caller,
        };
        if let Some(refusal) = self.http_refusal(&caller, &request) {
            return Ok(CallToolResult::error(vec![ContentBlock::text(refusal)]).into());
        }
        self.for_http(&caller).call_blocking(request, context).await
    }

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
