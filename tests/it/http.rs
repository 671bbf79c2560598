//! The HTTP front end against a real server on 127.0.0.1:0: tokens, scopes, redaction,
//! Host/Origin checks, body limit, parse errors, plain JSON-RPC POST and Streamable HTTP.

use std::net::SocketAddr;

use serde_json::{Value, json};
use stint::mcp::http::{HttpOptions, router};
use stint::service::{Caller, Frontend, NewClient, Service};

use super::util::Env;

struct Server {
    addr: SocketAddr,
    svc: Service,
    _env: Env,
    _rt: tokio::runtime::Runtime,
}

fn start() -> Server {
    let env = Env::new();
    let svc = env.svc.for_caller(Caller::local(Frontend::McpHttp));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let opts = HttpOptions {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        allowed_hosts: vec![],
        allowed_origins: vec![],
    };
    let app = router(svc.clone(), &opts, Default::default()).unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        addr,
        svc,
        _env: env,
        _rt: rt,
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs `body` to /api/mcp; returns status, headers of interest and the body.
    fn post(&self, body: &str, headers: &[(&str, &str)]) -> (u16, Option<String>, String) {
        let mut req = ureq::post(&self.url("/api/mcp")).set("Content-Type", "application/json");
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let resp = match req.send_string(body) {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        let status = resp.status();
        let auth = resp.header("www-authenticate").map(str::to_owned);
        (status, auth, resp.into_string().unwrap())
    }

    fn call(&self, token: Option<&str>, name: &str, args: Value) -> Value {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("Authorization", b.as_str()))
            .collect();
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": args}});
        let (status, _, text) = self.post(&body.to_string(), &headers);
        assert_eq!(status, 200, "{text}");
        serde_json::from_str::<Value>(&text).unwrap()["result"].clone()
    }

    fn tool_names(&self, token: &str) -> Vec<String> {
        let (status, _, text) = self.post(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string(),
            &[("Authorization", &format!("Bearer {token}"))],
        );
        assert_eq!(status, 200, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        v["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[test]
fn health_and_plain_post_without_tokens() {
    let s = start();
    let health: Value = serde_json::from_str(
        &ureq::get(&s.url("/health"))
            .call()
            .unwrap()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        health["schema_version"],
        stint::store::supported_schema_version()
    );
    let r = s.call(None, "create_tag", json!({"name": "deep-work"}));
    assert_eq!(r["structuredContent"]["tag"]["name"], "deep-work");
    let r = s.call(None, "list_tags", json!({}));
    assert_eq!(r["structuredContent"]["tags"][0]["name"], "deep-work");
}

#[test]
fn protocol_faults() {
    let s = start();
    let (status, _, text) = s.post("{not json", &[]);
    assert_eq!(status, 400);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["code"], -32700, "{text}");

    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
    let (status, _, _) = s.post(&list, &[("Host", "evil.example")]);
    assert_eq!(status, 403, "DNS rebinding: a foreign Host is refused");
    let (status, _, _) = s.post(&list, &[("Origin", "http://evil.example")]);
    assert_eq!(status, 403, "a foreign Origin is refused");
    let (status, _, _) = s.post(&list, &[("Origin", "http://localhost:3000")]);
    assert_eq!(status, 200, "a loopback Origin is accepted");

    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"create_tag","arguments":{{"name":"{}"}}}}}}"#,
        "a".repeat(1 << 20)
    );
    let (status, _, _) = s.post(&big, &[]);
    assert_eq!(status, 413);
}

#[test]
fn tokens_scopes_and_audit() {
    let s = start();
    let (_, read) = s.svc.create_token("reader", "read", false).unwrap();
    let (_, write) = s.svc.create_token("writer", "write", false).unwrap();
    let (_, admin) = s.svc.create_token("root", "admin", true).unwrap();

    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
    let (status, auth, _) = s.post(&list, &[]);
    assert_eq!(status, 401, "a token is required once one exists");
    assert!(auth.unwrap().starts_with("Bearer"));
    let (status, _, _) = s.post(&list, &[("Authorization", "Bearer stint_wrong")]);
    assert_eq!(status, 401);

    let read_tools = s.tool_names(&read);
    assert!(read_tools.contains(&"list_tracks".to_owned()));
    assert!(
        !read_tools.contains(&"create_track".to_owned()),
        "{read_tools:?}"
    );
    let write_tools = s.tool_names(&write);
    assert!(write_tools.contains(&"create_track".to_owned()));
    assert!(!write_tools.contains(&"delete_track".to_owned()));
    assert!(!write_tools.contains(&"update_settings".to_owned()));
    assert_eq!(s.tool_names(&admin).len(), 39);

    let r = s.call(Some(&read), "create_tag", json!({"name": "x"}));
    assert_eq!(r["isError"], true);
    let msg = r["content"][0]["text"].as_str().unwrap();
    assert!(msg.contains("needs scope write"), "{msg}");
    let r = s.call(Some(&write), "create_tag", json!({"name": "x"}));
    assert_eq!(r["isError"], false, "{r}");
    let r = s.call(Some(&write), "delete_tag", json!({"tag": "x"}));
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("needs scope admin")
    );
    let r = s.call(Some(&admin), "delete_tag", json!({"tag": "x"}));
    assert_eq!(r["isError"], false, "{r}");

    let conn = rusqlite::Connection::open(s._env.db_path()).unwrap();
    let rows: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT operation, frontend, token_name FROM audit_log WHERE entity = 'tag' ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        [
            (
                "create_tag".to_owned(),
                "mcp-http".to_owned(),
                Some("writer".to_owned())
            ),
            (
                "delete_tag".to_owned(),
                "mcp-http".to_owned(),
                Some("root".to_owned())
            ),
        ]
    );

    s.svc.revoke_token("writer").unwrap();
    let (status, _, _) = s.post(&list, &[("Authorization", &format!("Bearer {write}"))]);
    assert_eq!(status, 401, "a revoked token is refused");
}

#[test]
fn contact_details_are_redacted_without_sensitive() {
    let s = start();
    s.svc
        .create_client(NewClient {
            name: "Acme".into(),
            email: Some("ap@acme.example".into()),
            phone: Some("+49 30 1234".into()),
            address: Some("Hauptstr. 1, Berlin".into()),
            tax_id: Some("DE123456789".into()),
            ..Default::default()
        })
        .unwrap();
    let (_, plain) = s.svc.create_token("plain", "admin", false).unwrap();
    let (_, sensitive) = s.svc.create_token("sensitive", "read", true).unwrap();
    let c = s.call(Some(&plain), "get_client", json!({"client": "Acme"}))["structuredContent"]["client"].clone();
    for field in ["email", "phone", "address", "tax_id"] {
        assert_eq!(c[field], "[redacted]", "{field}");
    }
    assert_eq!(c["name"], "Acme");
    let listed = s.call(Some(&plain), "list_clients", json!({}));
    assert!(!listed.to_string().contains("DE123456789"));
    let c = s.call(Some(&sensitive), "get_client", json!({"client": "Acme"}))["structuredContent"]
        ["client"]
        .clone();
    assert_eq!(c["tax_id"], "DE123456789");

    // Invoices and their CSV too.
    s.call(
        Some(&plain),
        "create_project",
        json!({"name": "Web", "client": "Acme", "hourly_rate": 100}),
    );
    s.call(
        Some(&plain),
        "create_track",
        json!({"project": "Web", "start": "2026-11-02 09:00", "duration": "1h"}),
    );
    let inv = s.call(
        Some(&plain),
        "create_invoice",
        json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30"}),
    );
    assert_eq!(
        inv["structuredContent"]["invoice"]["client_tax_id"], "[redacted]",
        "{inv}"
    );
    let csv = s.call(Some(&plain), "export_invoice_csv", json!({"invoice_id": 1}));
    let text = csv["structuredContent"]["csv"].as_str().unwrap();
    assert!(
        text.contains("[redacted]") && !text.contains("DE123456789"),
        "{text}"
    );
    let csv = s.call(
        Some(&sensitive),
        "export_invoice_csv",
        json!({"invoice_id": 1}),
    );
    assert!(
        csv["structuredContent"]["csv"]
            .as_str()
            .unwrap()
            .contains("DE123456789")
    );
    let r = s.call(
        Some(&sensitive),
        "export_invoice_csv",
        json!({"invoice_id": 1, "path": "/tmp/x.csv"}),
    );
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("needs scope admin"),
        "{r}"
    );
}

#[test]
fn streamable_http_initialize_then_call() {
    let s = start();
    let resp = ureq::post(&s.url("/api/mcp"))
        .set("Content-Type", "application/json")
        .set("Accept", "application/json, text/event-stream")
        .send_string(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
            .to_string(),
        )
        .unwrap();
    let text = resp.into_string().unwrap();
    assert!(
        text.contains("\"serverInfo\"") && text.contains("\"stint\""),
        "{text}"
    );
    let resp = ureq::post(&s.url("/api/mcp"))
        .set("Content-Type", "application/json")
        .set("Accept", "application/json, text/event-stream")
        .set("MCP-Protocol-Version", "2025-11-25")
        .send_string(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string())
        .unwrap();
    let text = resp.into_string().unwrap();
    assert!(text.contains("\"start_timer\""), "{text}");
}
