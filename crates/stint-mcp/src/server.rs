//! The rmcp handler of stint, served on stdio and over HTTP: tools (their code in
//! `mcp::tools`, one module per toolset; titles, annotations and scopes from the table in
//! [`super::catalog`]), prompts, resources and completions, and who the caller is.
//!
//! Tool names are a contract. Business errors are tool results with `isError: true` whose text
//! says what to do next. Arguments that do not fit the input schema get a tool error naming
//! the argument path and what it takes (rmcp's serde text rewritten by the `arg_errors`
//! module), and an unknown tool or method a JSON-RPC error.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::Json;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult,
    PaginatedRequestParams, ResultType,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool_handler};

use stint_api::dto::*;
use stint_service::{HttpCaller, Scope, Service, ServiceError};

/// What the server tells a client about itself at `initialize`.
const INSTRUCTIONS: &str = "stint is the user's local time tracker. Start and stop timers, log \
finished work as tracks, and manage projects, clients and tags. Projects, clients and tags are \
accepted by id or exact name (case-insensitive). Times accept RFC 3339, local date-times such as \
'2026-11-20 09:00' (in the user's configured time zone, see get_settings), '09:00' for today, \
'yesterday 17:30' and 'now'; durations accept '1h30m', '90m', '1.5h', '01:30' and 'PT1H30M'. \
Date ranges given as dates include both days. Lists are paged: pass next_cursor back as cursor. \
Errors say what to send instead.";

/// A service error as the text of a tool error, in the tools' words (see
/// [`stint_service::Words`]); store errors are logged too.
pub(crate) fn fail(e: ServiceError) -> String {
    if let ServiceError::Store(inner) = &e {
        tracing::warn!(error = %inner, "store error in a tool call");
    }
    e.render(&stint_domain::words::ApiWords)
}

/// What a client reads when a tool call panicked: no panic text (it may hold data or paths).
pub(crate) const PANIC_MESSAGE: &str = "internal error in stint; the call wrote nothing (its transaction \
     was rolled back); please report this with the tool name and arguments";

/// Runs a tool call future, turning a panic inside it into a JSON-RPC internal error
/// (`-32603`, message `PANIC_MESSAGE`) so the server goes on serving the next request, and
/// bounding every error it returns (`bound_error`).
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
        Ok(answer) => answer.map_err(bound_error),
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

/// The longest error message a tool call answers with, in characters. Argument errors from
/// serde quote the value they could not read (`invalid type: string "..."`); a caller that sends
/// megabytes must not get them back.
pub(crate) const MAX_ERROR_CHARS: usize = 1_000;

/// The most bytes of `data` (as JSON) an error keeps; larger data is dropped.
const MAX_ERROR_DATA_BYTES: usize = 4_096;

/// Bounds a tool call's JSON-RPC error: the message is cut to [`MAX_ERROR_CHARS`] characters
/// (with the original length said), and `data` over 4 KiB is dropped. Applied to every tool call
/// by [`contain_panics`], so no argument error can echo an oversized input, whichever
/// deserializer wrote it.
pub(crate) fn bound_error(mut e: ErrorData) -> ErrorData {
    if let Some((cut, _)) = e.message.char_indices().nth(MAX_ERROR_CHARS) {
        let total = e.message.chars().count();
        e.message = format!("{}… (message cut: {total} characters)", &e.message[..cut]).into();
    }
    if e.data
        .as_ref()
        .is_some_and(|d| d.to_string().len() > MAX_ERROR_DATA_BYTES)
    {
        e.data = None;
    }
    e
}

/// Bounds the text of a tool call that ended in a tool error (`isError: true`): each text block
/// is cut to [`MAX_ERROR_CHARS`] characters. rmcp answers an argument that does not deserialize
/// with such a result, quoting the value; this keeps that answer small, whatever was sent.
pub(crate) fn bound_tool_error(mut answer: CallToolResponse) -> CallToolResponse {
    if let CallToolResponse::Complete(result) = &mut answer
        && result.is_error == Some(true)
    {
        for block in &mut result.content {
            if let ContentBlock::Text(t) = block
                && let Some((cut, _)) = t.text.char_indices().nth(MAX_ERROR_CHARS)
            {
                let total = t.text.chars().count();
                t.text = format!("{}… (message cut: {total} characters)", &t.text[..cut]);
            }
        }
    }
    answer
}

/// The scope a tool needs over HTTP, from the catalogue's table of tool kinds
/// ([`super::catalog::TOOLS`]); `None` for a tool outside it, which no caller may call. The
/// conformance suite's diagnostic tools need scope read when they are served at all.
pub(crate) fn required_scope(tool: &str) -> Option<Scope> {
    super::catalog::required_scope(tool)
        .or_else(|| super::apps::required_scope(tool))
        .or_else(|| {
            (super::conformance::enabled() && super::conformance::is_fixture(tool))
                .then_some(Scope::Read)
        })
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
    pub(crate) svc: Service,
    /// The team's tools are listed whatever the database holds (`--toolsets` named `team`).
    pub(crate) team_listed: bool,
    /// A drafts session: its drafts tools are listed without the team's.
    pub(crate) drafts_listed: bool,
    /// Served over HTTP (`stint serve`): no notification can reach the client, so resource
    /// subscriptions are not announced (and refused).
    pub(crate) over_http: bool,
    tool_router: Arc<ToolRouter<Self>>,
    /// `tool_router` plus the tools only MCP Apps clients see (`show_week`).
    ui_router: Arc<ToolRouter<Self>>,
    /// Log level, subscriptions and what the subscribed client last heard.
    pub(crate) session: Arc<super::notify::Session>,
}

impl StintServer {
    /// A server whose tools call `svc`: every tool is callable; the team's tools (toolset
    /// `team`: [`super::catalog::TEAM_TOOLS`]) are listed once the database has a team
    /// ([`Service::team_features`]). The tool routers are built once per process: over HTTP rmcp
    /// makes a server per request.
    pub fn new(svc: Service) -> Self {
        static UI_ROUTER: std::sync::OnceLock<Arc<ToolRouter<StintServer>>> =
            std::sync::OnceLock::new();
        let tool_router = Self::full_router();
        let ui_router =
            Arc::clone(UI_ROUTER.get_or_init(|| Arc::new(with_apps(&tool_router, true))));
        StintServer {
            svc,
            team_listed: false,
            drafts_listed: false,
            over_http: false,
            tool_router,
            ui_router,
            session: Arc::default(),
        }
    }

    /// This server as a client of `context` sees it: with the MCP Apps tools when the client
    /// announced the extension ([`super::apps::announced`]).
    fn routed_for(&self, context: &RequestContext<RoleServer>) -> StintServer {
        let mut server = self.clone();
        if super::apps::announced(context.client_capabilities().as_ref()) {
            server.tool_router = Arc::clone(&self.ui_router);
        }
        server
    }

    /// Every tool, the team tools included, built once per process.
    fn full_router() -> Arc<ToolRouter<StintServer>> {
        static FULL: std::sync::OnceLock<Arc<ToolRouter<StintServer>>> = std::sync::OnceLock::new();
        Arc::clone(FULL.get_or_init(|| {
            let mut router = super::tools::router();
            if super::conformance::enabled() {
                router.merge(super::conformance::router());
            }
            super::catalog::finish(&mut router);
            Arc::new(router)
        }))
    }

    /// A server with only the tools of `toolsets` (see [`super::catalog::Toolset`]); prompts,
    /// resources and completions stay. Naming `team` (`team_named`) lists the team's tools whatever the
    /// database holds; a `drafts_session` (`stint mcp --drafts`) lists the drafts tools it may
    /// use ([`super::catalog::DRAFTS_SESSION_TOOLS`]). MCP Apps clients also get `show_week`
    /// when the analytics toolset is served.
    pub fn with_toolsets(
        svc: Service,
        toolsets: &[super::catalog::Toolset],
        team_named: bool,
        drafts_session: bool,
    ) -> Self {
        let mut server = Self::new(svc);
        server.drafts_listed = drafts_session;
        server.team_listed = team_named;
        if toolsets.len() < super::catalog::Toolset::ALL.len() {
            let mut router = (*server.tool_router).clone();
            super::catalog::keep_toolsets(&mut router, toolsets);
            let analytics = toolsets.contains(&super::catalog::Toolset::Analytics);
            server.ui_router = Arc::new(with_apps(&router, analytics));
            server.tool_router = Arc::new(router);
        }
        server
    }

    /// Runs a tool call on the blocking pool: tools do SQLite work (and may wait for another
    /// process's write), which must not stall the async workers serving other requests.
    pub(crate) async fn call_blocking(
        self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let tool = request.name.clone();
        let schema = self
            .tool_router
            .get(&tool)
            .map(|t| std::sync::Arc::clone(&t.input_schema));
        let args = request.arguments.clone();
        let explain = move |answer: CallToolResponse| {
            super::arg_errors::rewrite(answer, &tool, schema.as_deref(), args.as_ref())
        };
        let tool = request.name.clone();
        let handle = tokio::runtime::Handle::current();
        if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
            // stdio: one request at a time on one thread; no pool of threads to keep free.
            let router = Arc::clone(&self.tool_router);
            return contain_panics(
                &tool,
                router.call(ToolCallContext::new(&self, request, context)),
            )
            .await
            .map(explain)
            .map(bound_tool_error);
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
        .map(explain)
        .map(bound_tool_error)
    }

    /// The service acting for the caller of `context`: on stdio the local user; over HTTP the
    /// authenticated caller (audit name, redaction of client contact details).
    ///
    /// # Errors
    /// An HTTP request without an authenticated caller (fail closed).
    fn svc_for(&self, context: &RequestContext<RoleServer>) -> Result<Service, ErrorData> {
        match origin_of(context) {
            Origin::Stdio => Ok(self.svc.clone()),
            Origin::Http(Some(caller)) => Ok(self.svc.for_caller(caller.caller())),
            Origin::Http(None) => Err(ErrorData::invalid_request(
                "this request carries no authenticated caller; send Authorization: Bearer <secret>",
                None,
            )),
        }
    }

    /// The tool list a caller sees: `None` on stdio (every tool); over HTTP, the tools within
    /// the caller's scope, and none without an authenticated caller (`Some(None)`).
    pub(crate) fn tools_for(&self, http_scope: Option<Option<Scope>>) -> ListToolsResult {
        self.tools_listed(http_scope, self.team_listing(&self.svc))
    }

    /// Which team tools `svc`'s caller is listed ([`super::catalog::TeamListing`]).
    pub(crate) fn team_listing(&self, svc: &Service) -> super::catalog::TeamListing {
        use super::catalog::TeamListing;
        if self.team_listed {
            return TeamListing::ALL;
        }
        let mut listing = TeamListing::of(svc.team_features().unwrap_or_default());
        if self.drafts_listed {
            listing.0 |= TeamListing::DRAFTS;
        }
        listing
    }

    /// [`StintServer::tools_for`], with the team's tools (toolset `team`) that `team` lists: a
    /// solo user's catalogue does not carry them (issue 21); they stay callable, so the first
    /// person or milestone can be added by an assistant too. A drafts session lists only the
    /// drafts tools it may use.
    pub(crate) fn tools_listed(
        &self,
        http_scope: Option<Option<Scope>>,
        team: super::catalog::TeamListing,
    ) -> ListToolsResult {
        let mut tools = self.tool_router.list_all();
        let drafts_only = self.drafts_listed && !self.team_listed;
        tools.retain(|t| {
            let name = t.name.as_ref();
            match super::catalog::spec(name) {
                Some(s) if s.toolset == super::catalog::Toolset::Team => {
                    team.lists(name)
                        && (!drafts_only
                            || !name.contains("draft")
                            || super::catalog::DRAFTS_SESSION_TOOLS.contains(&name))
                }
                _ => true,
            }
        });
        for t in &mut tools {
            // Unknown arguments are refused with the list of those a tool takes
            // (`arg_errors`), so the listing leaves out each schema's top-level
            // `"additionalProperties": false` (29 bytes a tool) to keep the team's catalogue
            // within 48,000 bytes.
            if t.input_schema.get("additionalProperties") == Some(&serde_json::Value::Bool(false)) {
                let mut schema = (*t.input_schema).clone();
                schema.remove("additionalProperties");
                t.input_schema = Arc::new(schema);
            }
        }
        let tools = match http_scope {
            None => tools,
            Some(None) => Vec::new(),
            Some(Some(scope)) => tools
                .into_iter()
                .filter(|t| required_scope(&t.name).is_some_and(|n| n <= scope))
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
            team_listed: self.team_listed,
            drafts_listed: self.drafts_listed,
            over_http: self.over_http,
            tool_router: Arc::clone(&self.tool_router),
            ui_router: Arc::clone(&self.ui_router),
            session: Arc::clone(&self.session),
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
        // A routed tool outside the catalogue table needs more than any caller has.
        let Some(needed) = required_scope(&request.name) else {
            return Some(format!(
                "{} is not in stint's tool catalogue; no token may call it",
                request.name
            ));
        };
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

    pub(crate) fn track_written(&self, w: stint_service::TrackWritten) -> Json<TrackWrittenOut> {
        Json(TrackWrittenOut::new(&w, self.svc.now()))
    }

    /// A tool call as the caller of `context` may make it: on stdio always; over HTTP within
    /// the token's scope ([`Self::http_refusal`]), and never without an authenticated caller.
    async fn call_routed(
        self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = match origin_of(&context) {
            Origin::Stdio => return self.call_blocking(request, context).await,
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
}

/// `router` with the MCP Apps tools (`show_week`, of the analytics toolset) when `show_week`
/// is wanted, finished as the catalogue's are.
fn with_apps(router: &ToolRouter<StintServer>, show_week: bool) -> ToolRouter<StintServer> {
    let mut router = router.clone();
    if show_week {
        let mut apps = super::tools::apps_router();
        super::catalog::finish(&mut apps);
        for route in apps.map.values_mut() {
            super::apps::finish_show_week(&mut route.attr);
        }
        router.merge(apps);
    }
    router
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for StintServer {
    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let this = self.routed_for(&context);
        let mut list = match origin_of(&context) {
            Origin::Stdio => this.tools_for(None),
            Origin::Http(None) => this.tools_for(Some(None)),
            Origin::Http(Some(caller)) => this.tools_for(Some(Some(caller.scope()))),
        };
        if super::apps::announced(context.client_capabilities().as_ref()) {
            super::apps::link(&mut list.tools);
        }
        Ok(list)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let peer = context.peer.clone();
        let answer = self
            .routed_for(&context)
            .call_routed(request, context)
            .await;
        self.session.after_request(&self.svc, &peer).await;
        answer
    }

    #[allow(deprecated)]
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.session.set_level(request.level);
        Ok(())
    }

    #[allow(deprecated)]
    async fn subscribe(
        &self,
        request: rmcp::model::SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let svc = self.svc_for(&context)?;
        if matches!(origin_of(&context), Origin::Http(_)) {
            // Over HTTP each request is answered alone (plain JSON, no stream): no update
            // notification could ever reach the client.
            return Err(ErrorData::invalid_request(
                "resource subscriptions need a connection that stays open (`stint mcp` on \
                 stdio); over HTTP read stint://timers/running again when you need it",
                None,
            ));
        }
        self.session.subscribe(&svc, &request.uri)
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: rmcp::model::UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.session.unsubscribe(&request.uri);
        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListPromptsResult, ErrorData> {
        let svc = match origin_of(&context) {
            Origin::Http(Some(caller)) => self.svc.for_caller(caller.caller()),
            _ => self.svc.clone(),
        };
        let team = self.team_listing(&svc).0 & super::catalog::TeamListing::PEOPLE != 0;
        Ok(rmcp::model::ListPromptsResult::with_all_items(
            super::prompts::list(team),
        ))
    }

    async fn get_prompt(
        &self,
        request: rmcp::model::GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetPromptResponse, ErrorData> {
        let svc = self.svc_for(&context)?;
        super::blocking::run(move || {
            super::prompts::get(&svc, &request.name, request.arguments.as_ref())
        })
        .await
        .map(Into::into)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListResourcesResult, ErrorData> {
        let mut list = super::resources::list();
        if super::apps::announced(context.client_capabilities().as_ref()) {
            list.extend(super::apps::resources());
        }
        self.session.after_request(&self.svc, &context.peer).await;
        Ok(rmcp::model::ListResourcesResult::with_all_items(list))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListResourceTemplatesResult, ErrorData> {
        Ok(rmcp::model::ListResourceTemplatesResult::with_all_items(
            super::resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: rmcp::model::ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ReadResourceResponse, ErrorData> {
        // Every caller has at least scope read, which is all a resource needs.
        let svc = self.svc_for(&context)?;
        if let Some(app) = super::apps::read(&request.uri) {
            return Ok(app.into());
        }
        super::blocking::run(move || super::resources::read(&svc, &request.uri))
            .await
            .map(Into::into)
    }

    async fn complete(
        &self,
        request: rmcp::model::CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CompleteResult, ErrorData> {
        let svc = self.svc_for(&context)?;
        super::blocking::run(move || super::completions::complete(&svc, &request))
            .await
            .map(rmcp::model::CompleteResult::new)
    }

    // Logging is deprecated by SEP-2577 in the newest revision; older clients still use it.
    #[allow(deprecated)]
    fn get_info(&self) -> rmcp::model::ServerConfig {
        let mut info = rmcp::model::Implementation::new("stint", env!("CARGO_PKG_VERSION"));
        info.title = Some("stint time tracker".to_owned());
        let mut capabilities = rmcp::model::ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_logging()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_completions()
            .build();
        if self.over_http
            && let Some(resources) = capabilities.resources.as_mut()
        {
            // Stateless HTTP answers carry no notifications: subscriptions are stdio only.
            resources.subscribe = None;
        }
        rmcp::model::ServerConfig::new(capabilities)
            .with_server_info(info)
            .with_instructions(INSTRUCTIONS.to_owned())
    }
}
