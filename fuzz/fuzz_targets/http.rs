//! The HTTP front end (`stint serve`'s router, in process) on arbitrary requests: body bytes,
//! and headers chosen from the input (Authorization with a valid, revoked or bogus token in
//! several spellings, Content-Type, Accept, Host, Origin, Mcp-Session-Id, Mcp-Protocol-Version).
//!
//! Checks, besides "never panics": no 5xx answer but 503 (the request timeout); a 401 carries
//! `WWW-Authenticate`; every JSON answer to a POST parses; a JSON-RPC error is never -32603
//! (an internal error is how a caught panic shows); no answer is over 4 MiB; and a request
//! without a valid token never reaches a tool (the audit log does not grow).

#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use http::Request;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stint::mcp::http::{AuthMode, HttpOptions, router};
use stint::service::{Caller, Frontend, Service};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

struct World {
    rt: tokio::runtime::Runtime,
    app: Router,
    admin: String,
    revoked: String,
    db: std::path::PathBuf,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("stint-fuzz-http-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        let db = dir.join("fuzz.db");
        let svc = Service::open(&db, Caller::local(Frontend::Cli)).expect("scratch database");
        let (_, admin) = svc.create_token("admin", "admin", true).expect("token");
        let (_, revoked) = svc.create_token("old", "write", false).expect("token");
        svc.revoke_token("old").expect("revoke");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let opts = HttpOptions {
            host: "127.0.0.1".parse().expect("ip"),
            port: 0,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            auth: AuthMode::Tokens,
        };
        let http_svc = svc.for_caller(Caller::local(Frontend::McpHttp));
        let app = rt
            .block_on(async { router(http_svc, &opts, CancellationToken::new()) })
            .expect("router");
        World {
            rt,
            app,
            admin,
            revoked,
            db,
        }
    })
}

fn audit_rows(db: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(
        "SELECT count(*) FROM audit_log WHERE frontend = 'mcp-http'",
        [],
        |r| r.get(0),
    )
    .expect("count")
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let (head, body) = data.split_at(data.len().min(3));
    let pick = |i: usize| head.get(i).copied().unwrap_or(0);
    let auth = match pick(0) % 7 {
        0 => None,
        1 => Some(format!("Bearer {}", w.admin)),
        2 => Some(format!("bearer {}", w.admin)),
        3 => Some(format!("BEARER  {} ", w.admin)),
        4 => Some(format!("Bearer {}", w.revoked)),
        5 => Some("Bearer stint_not-a-real-secret".to_owned()),
        _ => Some(format!("Basic {}", w.admin)),
    };
    let valid = matches!(pick(0) % 7, 1..=3);
    let mut req = Request::builder().method(if pick(1) & 1 == 0 { "POST" } else { "GET" });
    req = req.uri(if pick(1) & 2 == 0 {
        "/api/mcp"
    } else {
        "/health"
    });
    if let Some(a) = &auth {
        req = req.header("authorization", a.as_str());
    }
    req = req.header(
        "content-type",
        [
            "application/json",
            "text/plain",
            "application/json; charset=utf-8",
        ][usize::from(pick(1) >> 2) % 3],
    );
    if pick(1) & 0x20 != 0 {
        req = req.header("accept", "application/json, text/event-stream");
    }
    req = req.header(
        "host",
        [
            "127.0.0.1:8765",
            "localhost",
            "user@localhost",
            "evil.example",
            "[::1]:1",
        ][usize::from(pick(2)) % 5],
    );
    if pick(2) & 0x08 != 0 {
        req = req.header("origin", "http://evil.example");
    }
    if pick(2) & 0x10 != 0 {
        req = req.header("mcp-session-id", "fuzz-session");
    }
    if pick(2) & 0x20 != 0 {
        req = req.header("mcp-protocol-version", "2025-11-25");
    }
    let Ok(req) = req.body(Body::from(body.to_vec())) else {
        return;
    };
    let before = if valid { 0 } else { audit_rows(&w.db) };
    let (status, headers, bytes) = w.rt.block_on(async {
        let resp = w.app.clone().oneshot(req).await.expect("infallible router");
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, 4 << 20)
            .await
            .expect("an answer of at most 4 MiB");
        (parts.status, parts.headers, bytes)
    });
    assert!(
        !status.is_server_error() || status.as_u16() == 503,
        "{status} for {body:?}: {}",
        String::from_utf8_lossy(&bytes)
    );
    if status.as_u16() == 401 {
        assert!(
            headers.contains_key("www-authenticate"),
            "401 without a challenge"
        );
    }
    let json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json && !bytes.is_empty() {
        let v: Value = serde_json::from_slice(&bytes).expect("a JSON answer parses");
        if let Some(code) = v.pointer("/error/code").and_then(Value::as_i64) {
            assert_ne!(code, -32603, "internal error: {v}");
        }
    }
    if !valid {
        assert_eq!(
            audit_rows(&w.db),
            before,
            "a request without a valid token wrote"
        );
    }
});
