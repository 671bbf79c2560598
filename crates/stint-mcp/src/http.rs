//! MCP over HTTP (`stint serve`): rmcp's Streamable HTTP service at `/api/mcp`, behind bearer
//! token authentication, plus `/health`, and the sync routes `/api/sync/...` of
//! [`super::sync_http`] behind the same checks.
//!
//! Authentication fails closed, and the mode is fixed when the server starts ([`AuthMode`]):
//! - [`AuthMode::Tokens`] (the default): every `/api/mcp` request needs `Authorization: Bearer
//!   <secret>` (the scheme is case-insensitive) naming an active token. Without credentials the
//!   answer is 401 with `WWW-Authenticate: Bearer realm="stint"`; with an unknown or revoked
//!   secret, 401 with `error="invalid_token"`. The secret is looked up per request (one indexed
//!   read of its SHA-256 hash), so a revoked token stops working at once; revoking every token
//!   leaves a server that refuses everything, never an open one. `stint serve` refuses to start
//!   in this mode when no active token exists, and says how to create one.
//! - [`AuthMode::Tokenless`] (`stint serve --no-token`): loopback addresses only (refused
//!   otherwise) and a warning at start. Every caller acts as [`HttpCaller::Tokenless`]: scope
//!   `write`, client contact details redacted, no audit token name.
//!
//! No HTTP caller may make the server write a file (`Caller::may_write_files` is false; the
//! `path` argument of exports is refused). Scopes and redaction are applied per tool call by
//! [`super::StintServer`], from the [`HttpCaller`] this layer puts in the request's extensions.
//!
//! Requests:
//! - `Host` must be a plain `host[:port]` (no userinfo) naming loopback, the bound address or an
//!   `--allow-host`; a browser `Origin` must be loopback or an `--allow-origin` (DNS rebinding).
//!   Both are checked here for every `/api/mcp` request, and again by rmcp on its path.
//! - Request bodies may be up to [`MAX_BODY_BYTES`] bytes; larger ones get 413 and
//!   `Connection: close`. Malformed bodies get a JSON-RPC error object (HTTP 400,
//!   `application/json`): not JSON, -32700; a batch array, a non-object, `jsonrpc` other than
//!   `"2.0"`, an `id` that is not a string or integer, or `params` that is not an object,
//!   -32600 Invalid Request (with the request's id when it has a valid one).
//! - A plain JSON-RPC POST (`Content-Type: application/json`, no `Mcp-Session-Id`, no
//!   `initialize`) is served statelessly with one JSON answer, so `curl` scripts work; `ping`
//!   answers `{}`.
//!
//! Connections ([`serve_listener`], [`ServeLimits`]): request headers must arrive within
//! [`ServeLimits::header_read_timeout`], a whole request is answered within
//! [`ServeLimits::request_timeout`] (else 503), and at most
//! [`ServeLimits::max_connections`] connections are open at once. A new connection beyond the
//! limit evicts the oldest connection that has no request in progress, preferring ones that
//! never completed a request (half-sent headers), so slow or idle clients cannot lock
//! well-behaved ones out; when every connection is busy the new one is closed.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::BodyExt as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::StintServer;
use stint_service::{HttpCaller, Scope, Service};

/// Largest request body accepted, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Protocol version stamped on plain JSON-RPC requests that carry none.
const PLAIN_PROTOCOL_VERSION: &str = "2026-07-28";

/// How `stint serve` authenticates callers; fixed when the server starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Every request needs an active bearer token (the default).
    Tokens,
    /// `--no-token`: loopback only; every caller is [`HttpCaller::Tokenless`].
    Tokenless,
}

/// Options of `stint serve`.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub host: IpAddr,
    pub port: u16,
    /// Extra `Host` header values to accept besides loopback names (e.g. a LAN hostname).
    pub allowed_hosts: Vec<String>,
    /// Extra browser origins to accept besides loopback ones (e.g. `https://app.example:443`).
    pub allowed_origins: Vec<String>,
    /// How callers are authenticated.
    pub auth: AuthMode,
}

#[derive(Clone)]
struct AppState {
    svc: Service,
    auth: AuthMode,
    hosts: Arc<Vec<AllowedHost>>,
    origins: Arc<Vec<AllowedOrigin>>,
    direct: Arc<std::sync::OnceLock<Direct>>,
}

/// The `Host` header values the server accepts: the loopback names, `--allow-host`'s, and
/// the address it listens on when that is neither loopback nor unspecified (an IPv6 one in
/// brackets).
fn host_names(opts: &HttpOptions) -> Vec<String> {
    let mut hosts: Vec<String> = vec![
        "localhost".into(),
        "127.0.0.1".into(),
        "::1".into(),
        "[::1]".into(),
    ];
    hosts.extend(opts.allowed_hosts.iter().cloned());
    if !opts.host.is_loopback() && !opts.host.is_unspecified() {
        hosts.push(match opts.host {
            IpAddr::V6(v6) => format!("[{v6}]"),
            IpAddr::V4(v4) => v4.to_string(),
        });
    }
    hosts
}

/// The `Origin` header values the server accepts: loopback pages on any port, and
/// `--allow-origin`'s.
fn origin_patterns(opts: &HttpOptions) -> Vec<String> {
    let mut origins: Vec<String> = vec![
        "http://localhost:*".into(),
        "http://127.0.0.1:*".into(),
        "http://[::1]:*".into(),
    ];
    origins.extend(opts.allowed_origins.iter().cloned());
    origins
}

/// Parses [`host_names`]; the first that does not parse is an error naming `--allow-host`.
fn parse_hosts(hosts: &[String]) -> anyhow::Result<Vec<AllowedHost>> {
    hosts
        .iter()
        .map(|h| {
            AllowedHost::parse(h).ok_or_else(|| {
                anyhow::anyhow!(
                    "--allow-host {h:?} is not a host name or address with an optional :port"
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()
}

/// Parses [`origin_patterns`]; the first that does not parse is an error naming
/// `--allow-origin`.
fn parse_origins(origins: &[String]) -> anyhow::Result<Vec<AllowedOrigin>> {
    origins
        .iter()
        .map(|o| {
            AllowedOrigin::parse(o).ok_or_else(|| {
                anyhow::anyhow!(
                    "--allow-origin {o:?} is not an origin such as https://app.example:443 (or :* for any port)"
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()
}

/// What plain `tools/call` and `tools/list` POSTs are served with, without rmcp's per-request
/// server: the tool router, a peer that stays connected for the server's lifetime (the tools
/// never message the client, but a tool call context needs one), and the tool lists per scope,
/// serialized once.
struct Direct {
    server: StintServer,
    peer: rmcp::Peer<rmcp::RoleServer>,
    _running: rmcp::service::RunningService<rmcp::RoleServer, StintServer>,
    _far_end: tokio::io::DuplexStream,
    /// `result` of `tools/list` for scopes read, write and admin (the index's low part), for
    /// each [`crate::catalog::TeamListing`] (times 3).
    tool_lists: Vec<Bytes>,
}

impl Direct {
    /// Must run inside the Tokio runtime (the peer's task is spawned there).
    fn new(svc: &Service) -> Direct {
        let mut server = StintServer::new(svc.clone());
        server.over_http = true;
        let (near, far) = tokio::io::duplex(4096);
        let running = rmcp::service::serve_directly(server.clone(), near, None);
        let peer = running.peer().clone();
        let list = |scope, team| {
            // As rmcp answers a request of the current protocol version.
            let mut result = rmcp::model::ServerResult::ListToolsResult(
                server.tools_listed(Some(Some(scope)), team),
            );
            result.fill_missing_cache_hints();
            Bytes::from(serde_json::to_vec(&result).unwrap_or_default())
        };
        let tool_lists = (0..=crate::catalog::TeamListing::ALL.0)
            .flat_map(|bits| {
                let team = crate::catalog::TeamListing(bits);
                [Scope::Read, Scope::Write, Scope::Admin].map(|scope| list(scope, team))
            })
            .collect();
        Direct {
            server,
            peer,
            _running: running,
            _far_end: far,
            tool_lists,
        }
    }
}

/// Builds the router: `/api/mcp`, `/health` and the sync routes. `shutdown` stops open MCP streams.
///
/// # Errors
/// An `--allow-host` that is not a plain `host[:port]`, or an `--allow-origin` that is not
/// `scheme://host[:port|:*]`.
pub fn router(
    svc: Service,
    opts: &HttpOptions,
    shutdown: CancellationToken,
) -> anyhow::Result<Router> {
    let hosts = host_names(opts);
    let origins = origin_patterns(opts);
    let allowed_hosts = parse_hosts(&hosts)?;
    let allowed_origins = parse_origins(&origins)?;
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        // The body limit is enforced on the body as sent (see `plain_json_rpc`); the copy passed
        // on may have grown by the `_meta` stamped on plain requests.
        .with_max_request_body_bytes(MAX_BODY_BYTES + 4096)
        .with_cancellation_token(shutdown);
    let factory_svc = svc.clone();
    let mcp = StreamableHttpService::new(
        move || {
            let mut server = StintServer::new(factory_svc.clone());
            server.over_http = true;
            Ok(server)
        },
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let state = AppState {
        svc,
        auth: opts.auth,
        hosts: Arc::new(allowed_hosts),
        origins: Arc::new(allowed_origins),
        direct: Arc::new(std::sync::OnceLock::new()),
    };
    let api = Router::new()
        .route_service("/api/mcp", mcp)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            plain_json_rpc,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), check_host));
    let sync = super::sync_http::routes(state.svc.clone())
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), check_host));
    Ok(Router::new()
        .route("/health", get(health))
        .with_state(state)
        .merge(api)
        .merge(sync))
}

async fn health(State(state): State<AppState>) -> Response {
    let svc = state.svc.clone();
    let schema = tokio::task::spawn_blocking(move || svc.schema_version())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(-1);
    axum::Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": schema,
    }))
    .into_response()
}

// ----- Host and Origin ----------------------------------------------------------------------

/// An accepted `Host`: a lower-case name or address (IPv6 without brackets), and a port when
/// only that port is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    /// Parses a plain `host[:port]`: a DNS name, an IPv4 address or a bracketed IPv6 address
    /// (a bare IPv6 address is accepted for configuration), no userinfo, path or query.
    fn parse(value: &str) -> Option<AllowedHost> {
        let value = value.trim();
        if let Ok(ip) = value.parse::<std::net::Ipv6Addr>() {
            return Some(AllowedHost {
                host: ip.to_string(),
                port: None,
            });
        }
        parse_host_port(value).map(|(host, port)| AllowedHost { host, port })
    }
}

/// Splits a `Host` header value into a lower-case host (IPv6 without brackets) and port;
/// `None` unless it is a plain `host[:port]`.
fn parse_host_port(value: &str) -> Option<(String, Option<u16>)> {
    if value.is_empty() || value.len() > 255 {
        return None;
    }
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        let ip: std::net::Ipv6Addr = v6.parse().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (ip.to_string(), port)
    } else {
        let (host, port) = match value.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (value, None),
        };
        let plain = !host.is_empty()
            && host.len() <= 253
            && host.split('.').enumerate().all(|(i, label)| {
                // A trailing dot (fully qualified) leaves one empty last label.
                (!label.is_empty() || i == host.split('.').count() - 1 && i > 0)
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !plain {
            return None;
        }
        (host.trim_end_matches('.').to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

/// An accepted browser `Origin`: scheme, host, and port (`None` = any port).
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedOrigin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl AllowedOrigin {
    /// Parses `scheme://host[:port]`, where the configured form may use `:*` for any port.
    fn parse(value: &str) -> Option<AllowedOrigin> {
        let (scheme, rest) = value.trim().split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        if let Some(host) = rest.strip_suffix(":*") {
            let (host, None) = parse_host_port(host)? else {
                return None;
            };
            return Some(AllowedOrigin {
                scheme,
                host,
                port: None,
            });
        }
        let (host, port) = parse_host_port(rest.strip_suffix('/').unwrap_or(rest))?;
        let port = port.or_else(|| default_port(&scheme))?;
        Some(AllowedOrigin {
            scheme,
            host,
            port: Some(port),
        })
    }
}

/// Why a request's `Host` or `Origin` is refused, if it is.
fn host_refusal(state: &AppState, headers: &HeaderMap) -> Option<(StatusCode, &'static str)> {
    let Some(host) = headers.get(header::HOST) else {
        return Some((StatusCode::BAD_REQUEST, "Bad Request: send a Host header"));
    };
    let Some((host, port)) = host.to_str().ok().and_then(parse_host_port) else {
        return Some((
            StatusCode::BAD_REQUEST,
            "Bad Request: the Host header must be a plain host[:port]",
        ));
    };
    let host_ok = state
        .hosts
        .iter()
        .any(|a| a.host == host && a.port.is_none_or(|p| Some(p) == port));
    if !host_ok {
        return Some((
            StatusCode::FORBIDDEN,
            "Forbidden: Host header is not allowed (start stint serve with --allow-host NAME)",
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let parsed = origin
            .to_str()
            .ok()
            .and_then(AllowedOrigin::parse)
            .filter(|o| o.port.is_some());
        let ok = parsed.is_some_and(|o| {
            state.origins.iter().any(|a| {
                a.scheme == o.scheme && a.host == o.host && a.port.is_none_or(|p| Some(p) == o.port)
            })
        });
        if !ok {
            return Some((
                StatusCode::FORBIDDEN,
                "Forbidden: Origin is not allowed (start stint serve with --allow-origin ORIGIN)",
            ));
        }
    }
    None
}

/// Refuses a request whose `Host` or `Origin` is not accepted (DNS rebinding).
async fn check_host(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match host_refusal(&state, req.headers()) {
        Some((status, message)) => (status, message).into_response(),
        None => next.run(req).await,
    }
}

// ----- authentication -----------------------------------------------------------------------

/// What the `Authorization` header carries.
#[derive(Debug, PartialEq, Eq)]
enum Credentials<'a> {
    /// No header, or a scheme other than Bearer.
    None,
    /// A Bearer header (scheme matched case-insensitively) and its token, which may be empty.
    Bearer(&'a str),
}

fn credentials(headers: &HeaderMap) -> Credentials<'_> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Credentials::None;
    };
    let value = value.trim();
    let (scheme, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        Credentials::Bearer(rest.trim())
    } else {
        Credentials::None
    }
}

fn unauthorized(invalid_token: bool) -> Response {
    let (challenge, message) = if invalid_token {
        (
            r#"Bearer realm="stint", error="invalid_token""#,
            "the bearer token is unknown or revoked; create one with `stint token create --name NAME --scope read|write|admin`",
        )
    } else {
        (
            r#"Bearer realm="stint""#,
            "send Authorization: Bearer <secret> with a token from `stint token create --name NAME --scope read|write|admin`",
        )
    };
    let mut r = (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": message})),
    )
        .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    r
}

/// Decides who is calling (see the module docs) and records it as an [`HttpCaller`] in the
/// request's extensions.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let caller = match state.auth {
        AuthMode::Tokenless => HttpCaller::Tokenless,
        AuthMode::Tokens => {
            let secret = match credentials(req.headers()) {
                Credentials::None => return unauthorized(false),
                Credentials::Bearer("") => return unauthorized(true),
                Credentials::Bearer(s) => s.to_owned(),
            };
            let svc = state.svc.clone();
            match tokio::task::spawn_blocking(move || svc.authenticate(&secret)).await {
                Ok(Ok(Some(token))) => HttpCaller::Token(token),
                Ok(Ok(None)) => return unauthorized(true),
                Ok(Err(e)) => {
                    tracing::warn!("token check failed: {e}");
                    return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response();
                }
                Err(e) => {
                    return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
                }
            }
        }
    };
    req.extensions_mut().insert(caller);
    next.run(req).await
}

// ----- JSON-RPC bodies ----------------------------------------------------------------------

/// A JSON-RPC error answer with HTTP `status`.
fn rpc_error(status: StatusCode, id: &Value, code: i64, message: &str) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Checks that `msg` is one JSON-RPC 2.0 message MCP accepts; on failure, the JSON-RPC error
/// answer (-32600 Invalid Request, with the message's id when that id is valid).
fn check_message(msg: &Value) -> Result<(), Box<Response>> {
    let invalid = |id: &Value, why: &str| {
        Box::new(rpc_error(
            StatusCode::BAD_REQUEST,
            id,
            -32600,
            &format!("Invalid Request: {why}"),
        ))
    };
    let obj = match msg {
        Value::Object(o) => o,
        Value::Array(_) => {
            return Err(invalid(
                &Value::Null,
                "batches (JSON arrays) are not supported; send one JSON-RPC object per POST",
            ));
        }
        _ => {
            return Err(invalid(
                &Value::Null,
                "the body must be one JSON-RPC object such as {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
            ));
        }
    };
    let id = match obj.get("id") {
        None => None,
        Some(v @ Value::String(_)) => Some(v),
        Some(v @ Value::Number(n)) if n.is_i64() || n.is_u64() => Some(v),
        Some(_) => {
            return Err(invalid(
                &Value::Null,
                "id must be a string or an integer (null is not allowed)",
            ));
        }
    };
    let echo = id.cloned().unwrap_or(Value::Null);
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(&echo, "jsonrpc must be \"2.0\""));
    }
    match obj.get("method") {
        Some(Value::String(m)) if !m.is_empty() => {}
        Some(_) => return Err(invalid(&echo, "method must be a non-empty string")),
        None => {
            let is_response =
                id.is_some() && (obj.contains_key("result") || obj.contains_key("error"));
            if !is_response {
                return Err(invalid(&echo, "a request needs a method"));
            }
        }
    }
    match obj.get("params") {
        None | Some(Value::Object(_)) => {}
        Some(_) => return Err(invalid(&echo, "params must be an object")),
    }
    Ok(())
}

/// Bytes of an oversized body read and discarded before answering 413, so that the client,
/// still sending, gets the answer instead of a reset connection; beyond this the connection is
/// closed at once.
const DRAIN_LIMIT: usize = 4 * MAX_BODY_BYTES;

/// Reads a body of at most [`MAX_BODY_BYTES`]; a longer one is discarded up to
/// [`DRAIN_LIMIT`] and answered with 413.
async fn read_body(body: Body) -> Result<Bytes, Box<Response>> {
    let mut body = body;
    let mut buf = bytes_buf::Buf::default();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(Box::new(rpc_error(
                StatusCode::BAD_REQUEST,
                &Value::Null,
                -32700,
                "Parse error: the request body could not be read",
            )));
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen > DRAIN_LIMIT {
            return Err(Box::new(too_large()));
        }
        if seen <= MAX_BODY_BYTES {
            buf.push(data);
        } else {
            buf.clear();
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(Box::new(too_large()));
    }
    Ok(buf.into_bytes())
}

mod bytes_buf {
    use axum::body::Bytes;

    /// Body chunks; one chunk (the usual case) is returned without a copy.
    #[derive(Debug, Default)]
    pub(super) struct Buf(Vec<Bytes>);

    impl Buf {
        pub(super) fn push(&mut self, b: Bytes) {
            self.0.push(b);
        }
        pub(super) fn clear(&mut self) {
            self.0.clear();
        }
        pub(super) fn into_bytes(mut self) -> Bytes {
            match self.0.len() {
                0 => Bytes::new(),
                1 => self.0.pop().unwrap_or_default(),
                _ => Bytes::from(self.0.concat()),
            }
        }
    }
}

fn too_large() -> Response {
    let mut r = rpc_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &Value::Null,
        -32600,
        &format!("the request body is larger than {MAX_BODY_BYTES} bytes; send less per call"),
    );
    // The rest of the body is not read: the connection cannot carry another request.
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// Reads and checks a POST body (size, JSON, JSON-RPC shape), answers `ping`, and lets a
/// plain JSON-RPC POST through rmcp's stateless path: a request without a session,
/// `initialize` or `_meta` protocol version gets the `_meta` of the current protocol, and the
/// `Accept` header rmcp expects.
async fn plain_json_rpc(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    if declared_length(req.headers()).is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return too_large();
    }
    let is_plain_post = !req.headers().contains_key("mcp-session-id");
    let (mut parts, body) = req.into_parts();
    let (bytes, parsed) = match read_message(body).await {
        Ok(read) => read,
        Err(answer) => return *answer,
    };
    if !is_plain_post {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    let Value::Object(mut msg) = parsed else {
        unreachable!("check_message accepts objects only")
    };
    let method = msg
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let id = msg.get("id").cloned();
    if method == "ping"
        && !ping_removed(&msg, &parts.headers)
        && let Some(id) = &id
    {
        return pong(id);
    }
    let mut body_bytes = bytes;
    let is_request = id.is_some() && !method.is_empty();
    let has_version = msg
        .get("params")
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get("io.modelcontextprotocol/protocolVersion"))
        .is_some();
    let unversioned = !has_version && !parts.headers.contains_key("mcp-protocol-version");
    if let Some(id) = &id
        && unversioned
        && (method == "tools/call" || method == "tools/list")
        && let Some(caller) = parts.extensions.get::<HttpCaller>()
    {
        return serve_direct(&state, caller, &method, id, msg.remove("params")).await;
    }
    if is_request
        && method != "initialize"
        && unversioned
        && let Some(stamped) = stamp_current_protocol(&mut parts.headers, msg, &method)
    {
        body_bytes = stamped;
    }
    accept_json_and_events(&mut parts.headers);
    parts.headers.remove(header::CONTENT_LENGTH);
    next.run(Request::from_parts(parts, Body::from(body_bytes)))
        .await
}

/// The body length a request declares (`Content-Length`, in bytes), if it is a number.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// The answer to a plain `ping` request `id`: an empty result.
fn pong(id: &Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"jsonrpc": "2.0", "id": id, "result": {}}).to_string(),
    )
        .into_response()
}

/// Sets the `Accept` header rmcp expects (JSON and an event stream) unless it names both.
fn accept_json_and_events(headers: &mut HeaderMap) {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(accept.contains("application/json") && accept.contains("text/event-stream")) {
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
    }
}

/// Reads a POST body (at most [`MAX_BODY_BYTES`]) and parses it as one JSON-RPC message:
/// the body's bytes and their JSON. The answer to send instead when the body is too large,
/// not JSON (-32700) or not a JSON-RPC message (see [`check_message`]).
async fn read_message(body: Body) -> Result<(Bytes, Value), Box<Response>> {
    let bytes = read_body(body).await?;
    let parsed = match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return Err(Box::new(rpc_error(
                StatusCode::BAD_REQUEST,
                &Value::Null,
                -32700,
                &format!("Parse error: the body is not JSON ({e}); send one JSON-RPC object"),
            )));
        }
    };
    check_message(&parsed)?;
    Ok((bytes, parsed))
}

/// Whether a `ping` is for rmcp to refuse: `ping` was removed in protocol 2026-07-28, so a
/// request that declares that revision or a later one (in `_meta`, else the
/// `mcp-protocol-version` header) goes to rmcp, which answers 404 with -32601 as the revision
/// requires.
fn ping_removed(msg: &serde_json::Map<String, Value>, headers: &HeaderMap) -> bool {
    let declared_version = msg
        .get("params")
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get("io.modelcontextprotocol/protocolVersion"))
        .and_then(Value::as_str)
        .or_else(|| {
            headers
                .get("mcp-protocol-version")
                .and_then(|v| v.to_str().ok())
        });
    declared_version.is_some_and(|v| v >= "2026-07-28")
}

/// Makes a plain request without a protocol version one of [`PLAIN_PROTOCOL_VERSION`] for
/// rmcp's stateless path: the `_meta` (version, empty client capabilities, a client name)
/// where the request has none, and the `mcp-protocol-version`, `mcp-method` and `mcp-name`
/// headers. Gives the new body, or `None` if it cannot be written.
fn stamp_current_protocol(
    headers: &mut HeaderMap,
    mut msg: serde_json::Map<String, Value>,
    method: &str,
) -> Option<Bytes> {
    let params = msg.entry("params").or_insert_with(|| json!({}));
    if let Value::Object(p) = params {
        let meta = p.entry("_meta").or_insert_with(|| json!({}));
        if let Value::Object(m) = meta {
            m.entry("io.modelcontextprotocol/protocolVersion")
                .or_insert_with(|| json!(PLAIN_PROTOCOL_VERSION));
            m.entry("io.modelcontextprotocol/clientCapabilities")
                .or_insert_with(|| json!({}));
            m.entry("io.modelcontextprotocol/clientInfo")
                .or_insert_with(|| json!({"name": "plain-json-rpc", "version": "0"}));
        }
    }
    headers.insert(
        "mcp-protocol-version",
        HeaderValue::from_static(PLAIN_PROTOCOL_VERSION),
    );
    if let Ok(v) = HeaderValue::from_str(method) {
        headers.insert("mcp-method", v);
    }
    let name = msg
        .get("params")
        .and_then(|p| p.get("name").or_else(|| p.get("uri")))
        .and_then(Value::as_str)
        .and_then(|n| HeaderValue::from_str(n).ok());
    if let Some(name) = name {
        headers.insert("mcp-name", name);
    }
    serde_json::to_vec(&Value::Object(msg))
        .ok()
        .map(Bytes::from)
}

/// Answers a plain `tools/list` or `tools/call` (see [`Direct`]): the same checks and answers
/// as through rmcp (scopes, redaction, file-write refusal, audit), one parse and one
/// serialization.
async fn serve_direct(
    state: &AppState,
    caller: &HttpCaller,
    method: &str,
    id: &Value,
    params: Option<Value>,
) -> Response {
    let direct = state.direct.get_or_init(|| Direct::new(&state.svc));
    if method == "tools/list" {
        return direct_tools_list(state, direct, caller, id);
    }
    direct_tools_call(direct, caller, id, params).await
}

/// A JSON-RPC answer's shape: the request's `id` and its `result`.
#[derive(serde::Serialize)]
struct Answer<'a, T: serde::Serialize> {
    jsonrpc: &'static str,
    id: &'a Value,
    result: T,
}

/// A JSON-RPC error answer's shape: the request's `id` and the `error`.
#[derive(serde::Serialize)]
struct Failure<'a> {
    jsonrpc: &'static str,
    id: &'a Value,
    error: rmcp::ErrorData,
}

/// A 200 answer with a JSON `body`.
fn json_ok(body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// The 200 answer to request `id` with `result`.
fn direct_answer<T: serde::Serialize>(id: &Value, result: T) -> Response {
    json_ok(
        serde_json::to_vec(&Answer {
            jsonrpc: "2.0",
            id,
            result,
        })
        .unwrap_or_default(),
    )
}

/// The 200 answer to request `id` with `error` (its text bounded as rmcp's answers are).
fn direct_failure(id: &Value, error: rmcp::ErrorData) -> Response {
    json_ok(
        serde_json::to_vec(&Failure {
            jsonrpc: "2.0",
            id,
            error: super::server::bound_error(error),
        })
        .unwrap_or_default(),
    )
}

/// A plain `tools/list`: the list serialized at start for the caller's scope, with the team's
/// tools where a team exists (issue 21), read per request: a person added since the server
/// started shows them.
fn direct_tools_list(
    state: &AppState,
    direct: &Direct,
    caller: &HttpCaller,
    id: &Value,
) -> Response {
    let team = direct
        .server
        .team_listing(&state.svc.for_caller(caller.caller()));
    let list = &direct.tool_lists[usize::from(team.0) * 3
        + match caller.scope() {
            Scope::Read => 0,
            Scope::Write => 1,
            Scope::Admin => 2,
        }];
    let mut body = Vec::with_capacity(list.len() + 64);
    body.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    body.extend_from_slice(&serde_json::to_vec(id).unwrap_or_default());
    body.extend_from_slice(br#","result":"#);
    body.extend_from_slice(list);
    body.push(b'}');
    json_ok(body)
}

/// A plain `tools/call`: checks, in this order, the params' shape, the id (a string or an
/// integer) and the caller's right to the tool (a refusal is a tool error result), then runs
/// the tool as rmcp would, cache hints filled in.
async fn direct_tools_call(
    direct: &Direct,
    caller: &HttpCaller,
    id: &Value,
    params: Option<Value>,
) -> Response {
    let request: rmcp::model::CallToolRequestParams = match serde_json::from_value(
        params.unwrap_or(Value::Null),
    ) {
        Ok(r) => r,
        Err(e) => {
            return direct_failure(
                id,
                rmcp::ErrorData::invalid_params(
                    format!(
                        "tools/call needs params {{\"name\": TOOL, \"arguments\": {{...}}}}: {e}"
                    ),
                    None,
                ),
            );
        }
    };
    let Ok(request_id) = serde_json::from_value::<rmcp::model::RequestId>(id.clone()) else {
        return direct_failure(
            id,
            rmcp::ErrorData::invalid_request("id must be a string or an integer", None),
        );
    };
    if let Some(refusal) = direct.server.http_refusal(caller, &request) {
        let result =
            rmcp::model::CallToolResult::error(vec![rmcp::model::ContentBlock::text(refusal)]);
        return direct_answer(id, result);
    }
    let context = rmcp::service::RequestContext::new(request_id, direct.peer.clone());
    match direct
        .server
        .for_http(caller)
        .call_blocking(request, context)
        .await
    {
        Ok(result) => {
            let mut result = rmcp::model::ServerResult::from(result);
            result.fill_missing_cache_hints();
            direct_answer(id, result)
        }
        Err(error) => direct_failure(id, error),
    }
}

// ----- connections --------------------------------------------------------------------------

/// Limits of the connection loop of [`serve_listener`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// Most connections open at once (see the module docs for what happens beyond).
    pub max_connections: usize,
    /// Time a client has to send a request's complete header.
    pub header_read_timeout: Duration,
    /// Time from a request's header to its response's header (body read and tool call
    /// included); beyond it the answer is 503 and the connection is closed.
    pub request_timeout: Duration,
}

impl Default for ServeLimits {
    /// 256 connections, 10 s for headers, 60 s per request.
    fn default() -> Self {
        ServeLimits {
            max_connections: 256,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// One open connection, as the eviction policy sees it.
#[derive(Debug)]
struct Conn {
    accepted: Instant,
    /// Has completed reading at least one request header.
    served: AtomicBool,
    /// Requests whose response (body included) is not finished.
    in_flight: AtomicUsize,
    evict: CancellationToken,
}

/// Marks a request in progress on its connection until dropped (with the response body).
#[derive(Debug)]
struct InFlight(Arc<Conn>);

impl InFlight {
    fn new(conn: &Arc<Conn>) -> InFlight {
        conn.served.store(true, Ordering::Relaxed);
        conn.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(Arc::clone(conn))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Debug, Default)]
struct Conns {
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
}

impl Conns {
    /// Registers a new connection, evicting one if `max` are open; `None` when all are busy.
    fn admit(&self, max: usize) -> Option<(u64, Arc<Conn>)> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() >= max.max(1) {
            let victim = open
                .iter()
                .filter(|(_, c)| c.in_flight.load(Ordering::Acquire) == 0)
                .min_by_key(|(_, c)| (c.served.load(Ordering::Relaxed), c.accepted))
                .map(|(id, _)| *id)?;
            if let Some(c) = open.remove(&victim) {
                c.evict.cancel();
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            accepted: Instant::now(),
            served: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            evict: CancellationToken::new(),
        });
        open.insert(id, Arc::clone(&conn));
        Some((id, conn))
    }

    fn remove(&self, id: u64) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}

/// Serves `app` on `listener` with the limits of [`ServeLimits`] until `shutdown` is
/// cancelled; then stops accepting, lets requests in flight finish, and returns.
///
/// # Errors
/// None today: accept errors (e.g. out of file descriptors) are logged and retried.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let conns = Arc::new(Conns::default());
    let mut tasks = tokio::task::JoinSet::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    loop {
        while tasks.try_join_next().is_some() {}
        let (stream, _peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accept failed: {e}; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some((id, conn)) = conns.admit(limits.max_connections) else {
            tracing::debug!(
                "all {} connections busy; closing a new one",
                limits.max_connections
            );
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let request_timeout = limits.request_timeout;
        let conn_for_service = Arc::clone(&conn);
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let guard = InFlight::new(&conn_for_service);
                answer_within(app.clone(), req.map(Body::new), request_timeout, guard)
            });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let conns = Arc::clone(&conns);
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = conn.evict.cancelled() => {}
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.as_mut().await;
                }
            }
            conns.remove(id);
        });
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// The router's answer to one request of a connection, or after `timeout` a 503 that closes
/// the connection. `guard` counts the request as in flight until its body is sent.
async fn answer_within(
    app: Router,
    req: Request,
    timeout: Duration,
    guard: InFlight,
) -> Result<Response, Infallible> {
    let call = tower_oneshot(app, req);
    let mut resp = match tokio::time::timeout(timeout, call).await {
        Ok(resp) => resp,
        Err(_) => {
            let mut r = (
                StatusCode::SERVICE_UNAVAILABLE,
                "the request took too long; try again",
            )
                .into_response();
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            r
        }
    };
    let body = std::mem::take(resp.body_mut());
    *resp.body_mut() = Body::new(body.map_frame(move |f| {
        let _ = &guard;
        f
    }));
    Ok(resp)
}

/// Calls the router once with `req`.
async fn tower_oneshot(app: Router, req: Request) -> Response {
    use tower_service::Service as _;
    let mut app = app;
    match app.call(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// Runs `stint serve` until SIGINT or SIGTERM; in-flight requests finish first. `announce`
/// receives the lines a person starting the server should read (the address served, and the
/// warning of tokenless mode); the CLI prints them.
///
/// # Errors
/// Token mode without any active token (with how to create one); tokenless mode on a
/// non-loopback address; the address in use.
pub async fn serve_http(
    svc: Service,
    opts: HttpOptions,
    announce: impl Fn(&str),
) -> anyhow::Result<()> {
    match opts.auth {
        AuthMode::Tokens => {
            let tokens = {
                let svc = svc.clone();
                tokio::task::spawn_blocking(move || svc.active_token_count()).await??
            };
            if tokens == 0 {
                anyhow::bail!(
                    "no active API token: stint serve requires a bearer token on every request. \
                     Create one with `stint token create --name NAME --scope read|write|admin` \
                     (add --sensitive to let it see client contact details), or for tokenless use \
                     by local processes only, start `stint serve --no-token` on a loopback address"
                );
            }
        }
        AuthMode::Tokenless => {
            if !opts.host.is_loopback() {
                anyhow::bail!(
                    "refusing --no-token on {}: without tokens anyone who can reach that address \
                     could read and change your data. Bind 127.0.0.1 (or ::1), or create a token \
                     with `stint token create --name NAME --scope read|write|admin` and drop --no-token",
                    opts.host
                );
            }
            tracing::warn!(
                "--no-token: any process on this machine can call the tools with scope write \
                 (client contact details redacted, no file writes). Create a token with \
                 `stint token create` and drop --no-token to require authentication"
            );
            announce(
                "warning: serving without authentication (--no-token): every local process has \
                 scope write",
            );
        }
    }
    let shutdown = CancellationToken::new();
    let app = router(svc, &opts, shutdown.clone())?;
    let addr = SocketAddr::new(opts.host, opts.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    announce(&format!(
        "stint {} serving MCP at http://{local}/api/mcp (health: /health)",
        env!("CARGO_PKG_VERSION")
    ));
    let stop = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        stop.cancel();
    });
    serve_listener(listener, app, ServeLimits::default(), shutdown).await?;
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
