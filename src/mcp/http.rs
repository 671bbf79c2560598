//! MCP over HTTP (`stint serve`): rmcp's Streamable HTTP service at `/api/mcp`, behind bearer
//! token authentication, plus `/health`.
//!
//! - Tokens: when any token exists, every `/api/mcp` request needs `Authorization: Bearer
//!   <secret>`; a missing or wrong one gets 401 with `WWW-Authenticate`. With no token at all
//!   the server only runs on a loopback address, open to local processes (the start-up log says
//!   so); binding another address without a token is refused.
//! - Scopes and redaction are applied per tool call by [`super::StintServer`], from the
//!   [`TokenInfo`] this layer puts in the request's extensions.
//! - Host and Origin are validated by rmcp (DNS rebinding); request bodies over
//!   [`MAX_BODY_BYTES`] get 413; malformed JSON gets a JSON-RPC parse error.
//! - A plain JSON-RPC POST (`Content-Type: application/json`, no session, no `initialize`, no
//!   `_meta`) is served statelessly with one JSON answer, so `curl` scripts work.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::StintServer;
use crate::service::{Authentication, Service};

/// Largest request body accepted, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Protocol version stamped on plain JSON-RPC requests that carry none.
const PLAIN_PROTOCOL_VERSION: &str = "2026-07-28";

/// Options of `stint serve`.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub host: IpAddr,
    pub port: u16,
    /// Extra `Host` header values to accept besides loopback names (e.g. a LAN hostname).
    pub allowed_hosts: Vec<String>,
    /// Extra browser origins to accept besides loopback ones (e.g. `https://app.example:443`).
    pub allowed_origins: Vec<String>,
}

#[derive(Clone)]
struct AppState {
    svc: Service,
}

/// Builds the router: `/api/mcp` and `/health`. `shutdown` stops open MCP streams.
///
/// # Errors
/// None today; kept fallible for configuration checks.
pub fn router(
    svc: Service,
    opts: &HttpOptions,
    shutdown: CancellationToken,
) -> anyhow::Result<Router> {
    let mut hosts: Vec<String> = vec![
        "localhost".into(),
        "127.0.0.1".into(),
        "::1".into(),
        "[::1]".into(),
    ];
    hosts.extend(opts.allowed_hosts.iter().cloned());
    if !opts.host.is_loopback() && !opts.host.is_unspecified() {
        hosts.push(opts.host.to_string());
    }
    let mut origins: Vec<String> = vec![
        "http://localhost:*".into(),
        "http://127.0.0.1:*".into(),
        "http://[::1]:*".into(),
    ];
    origins.extend(opts.allowed_origins.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .with_max_request_body_bytes(MAX_BODY_BYTES)
        .with_cancellation_token(shutdown);
    let factory_svc = svc.clone();
    let mcp = StreamableHttpService::new(
        move || Ok(StintServer::new(factory_svc.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let state = AppState { svc };
    let api = Router::new()
        .route_service("/api/mcp", mcp)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            plain_json_rpc,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate));
    Ok(Router::new()
        .route("/health", get(health))
        .with_state(state)
        .merge(api))
}

async fn health(State(state): State<AppState>) -> Response {
    let schema = state.svc.schema_version().unwrap_or(-1);
    axum::Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": schema,
    }))
    .into_response()
}

fn unauthorized(message: &str) -> Response {
    let mut r = (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": message})),
    )
        .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer realm="stint", error="invalid_token""#),
    );
    r
}

/// Checks the bearer token (when any token exists) and records who is calling.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let svc = state.svc.clone();
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|s| s.trim().to_owned());
    let checked =
        tokio::task::spawn_blocking(move || svc.authenticate_request(presented.as_deref())).await;
    match checked {
        Ok(Ok(Authentication::Open)) => next.run(req).await,
        Ok(Ok(Authentication::Token(token))) => {
            req.extensions_mut().insert(token);
            next.run(req).await
        }
        Ok(Ok(Authentication::Refused)) => unauthorized(
            "send Authorization: Bearer <secret> with a token from `stint token create`",
        ),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Lets a plain JSON-RPC POST through rmcp's stateless path: a request without a session,
/// `initialize` or `_meta` protocol version gets the `_meta` of the current protocol, and the
/// `Accept` header rmcp expects.
async fn plain_json_rpc(State(_): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let is_plain_post = !req.headers().contains_key("mcp-session-id");
    let (mut parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            )
                .into_response();
        }
    };
    let mut body_bytes = bytes.to_vec();
    let parsed = serde_json::from_slice::<Value>(&bytes);
    if let Err(e) = &parsed {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            format!(
                r#"{{"jsonrpc":"2.0","id":null,"error":{{"code":-32700,"message":{}}}}}"#,
                Value::String(format!(
                    "Parse error: the body is not JSON ({e}); send one JSON-RPC object"
                ))
            ),
        )
            .into_response();
    }
    if !is_plain_post {
        return next
            .run(Request::from_parts(parts, Body::from(body_bytes)))
            .await;
    }
    if let Ok(Value::Object(mut msg)) = parsed {
        let method = msg
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let is_request = msg.contains_key("id") && !method.is_empty();
        let has_version = msg
            .get("params")
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.get("io.modelcontextprotocol/protocolVersion"))
            .is_some();
        if is_request
            && method != "initialize"
            && !has_version
            && !parts.headers.contains_key("mcp-protocol-version")
        {
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
            parts.headers.insert(
                "mcp-protocol-version",
                HeaderValue::from_static(PLAIN_PROTOCOL_VERSION),
            );
            if let Ok(v) = HeaderValue::from_str(&method) {
                parts.headers.insert("mcp-method", v);
            }
            let name = msg
                .get("params")
                .and_then(|p| p.get("name").or_else(|| p.get("uri")))
                .and_then(Value::as_str)
                .and_then(|n| HeaderValue::from_str(n).ok());
            if let Some(name) = name {
                parts.headers.insert("mcp-name", name);
            }
            body_bytes = serde_json::to_vec(&Value::Object(msg)).unwrap_or(body_bytes);
        }
    }
    let accept = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(accept.contains("application/json") && accept.contains("text/event-stream")) {
        parts.headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    next.run(Request::from_parts(parts, Body::from(body_bytes)))
        .await
}

/// Runs `stint serve` until SIGINT or SIGTERM; in-flight requests finish first.
///
/// # Errors
/// A non-loopback address without any token; the address in use.
pub async fn serve_http(svc: Service, opts: HttpOptions) -> anyhow::Result<()> {
    let tokens = {
        let svc = svc.clone();
        tokio::task::spawn_blocking(move || svc.active_token_count()).await??
    };
    if !opts.host.is_loopback() && tokens == 0 {
        anyhow::bail!(
            "refusing to listen on {} without a token: anyone on the network could read and change \
             your data. Create one first with `stint token create --name NAME --scope read|write|admin`, \
             or bind 127.0.0.1",
            opts.host
        );
    }
    if tokens == 0 {
        tracing::warn!(
            "no API token exists: any process on this machine can call every tool. Create one \
             with `stint token create` to require authentication"
        );
    }
    let shutdown = CancellationToken::new();
    let app = router(svc, &opts, shutdown.clone())?;
    let addr = SocketAddr::new(opts.host, opts.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    eprintln!(
        "stint {} serving MCP at http://{local}/api/mcp (health: /health)",
        env!("CARGO_PKG_VERSION")
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            wait_for_signal().await;
            tracing::info!("shutting down: finishing requests in flight");
            shutdown.cancel();
        })
        .await?;
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
