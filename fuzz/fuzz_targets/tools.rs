//! Every tool of the catalogue, called with arbitrary arguments through the stdio server and the
//! service, on a scratch database that lives for the whole run (so earlier calls leave tracks,
//! projects and invoices for later ones to trip over).
//!
//! The input picks a tool (first byte) and then builds an argument object from the tool's own
//! input schema: each byte-chosen property gets a value from a pool of hostile values (huge
//! numbers, overflowing durations, far dates, control characters, long strings) or arbitrary
//! JSON made from the remaining bytes.
//!
//! Checks, besides "never panics": exactly one answer line per request; the answer is a JSON-RPC
//! result or error for the request's id; a tool error is a result with `isError` and a message;
//! no answer is an internal error (-32603): the server turns a caught panic into one, and that
//! is a bug the fuzzer must report.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};
use stint::mcp::StintServer;
use stint::service::{Caller, Frontend, Service};

/// Values that have broken parsers and arithmetic before, or sit at a documented limit.
const HOSTILE: &[&str] = &[
    "9223372036854775807s",
    "99999999999999h",
    "-1h",
    "0s",
    "PT9999999999H",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "1e400",
    "0.0000000000000000000000000001",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "1000-01-01T00:00:00Z",
    "+262142-12-31 23:59:59",
    "2026-03-29 02:30",
    "now",
    "yesterday 17:30",
    "today",
    "last week",
    "9am",
    "\u{0}",
    "a\u{7}b",
    "=HYPERLINK(\"http://x\")",
    "%%%%%%%%%%%%%%%%_____*[[[",
    "Übersetzung",
    "../../../../etc/passwd",
    "/proc/self/comm",
    "Website",
    "Acme",
    "1",
    "2",
    "-1",
    "",
];

struct World {
    rt: tokio::runtime::Runtime,
    server: StintServer,
    tools: Vec<(String, Vec<String>)>,
    _dir: std::path::PathBuf,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("stint-fuzz-tools-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        let svc = Service::open(&dir.join("fuzz.db"), Caller::local(Frontend::McpStdio)).expect("scratch database");
        let server = StintServer::new(svc);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut w = World {
            rt,
            server,
            tools: Vec::new(),
            _dir: dir,
        };
        let seed = concat!(
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_client","arguments":{"name":"Acme"}}}"#,
            "\n",
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_project","arguments":{"name":"Website","client":"Acme","hourly_rate":"100"}}}"#,
            "\n",
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{}}"#,
            "\n"
        );
        let answers = session(&w, seed);
        let list = answers.last().expect("tools/list answer");
        for tool in list["result"]["tools"].as_array().expect("tools") {
            let name = tool["name"].as_str().expect("name").to_owned();
            let props = tool["inputSchema"]["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            w.tools.push((name, props));
        }
        w
    })
}

/// Runs `input` through the stdio adapter and returns the answer lines as JSON.
fn session(w: &World, input: &str) -> Vec<Value> {
    use tokio::io::AsyncReadExt;
    let server = w.server.clone();
    let input = input.to_owned();
    w.rt.block_on(async move {
        let (out_w, mut out_r) = tokio::io::duplex(1 << 22);
        let reader = tokio::io::BufReader::new(std::io::Cursor::new(input.into_bytes()));
        let serve = tokio::spawn(stint::mcp::stdio::serve_lines(server, reader, out_w));
        let mut text = String::new();
        out_r
            .read_to_string(&mut text)
            .await
            .expect("utf-8 answers");
        serve.await.expect("server task").expect("serve_lines");
        text.lines()
            .map(|l| serde_json::from_str(l).expect("each answer line is JSON"))
            .collect()
    })
}

/// Deepest nesting of arrays in a generated argument. A line nested deeper than
/// serde_json's limit (128) is not parsed at all and answers -32700 with a null id, which is
/// right for a line that cannot be read; the target keeps to lines that can.
const MAX_DEPTH: usize = 32;

/// A value for one argument, from `bytes`, nested at most `depth` more levels.
fn value(bytes: &mut &[u8], depth: usize) -> Value {
    let Some((&kind, rest)) = bytes.split_first() else {
        return Value::Null;
    };
    *bytes = rest;
    let mut take = |n: usize| -> Vec<u8> {
        let n = n.min(bytes.len());
        let (head, tail) = bytes.split_at(n);
        *bytes = tail;
        head.to_vec()
    };
    match kind % 8 {
        0..=2 => json!(HOSTILE[usize::from(kind / 8) % HOSTILE.len()]),
        3 => {
            let b = take(8);
            let mut a = [0u8; 8];
            a[..b.len()].copy_from_slice(&b);
            json!(i64::from_le_bytes(a))
        }
        4 => json!(kind & 0x10 != 0),
        5 => {
            let len = take(1).first().copied().unwrap_or(0);
            json!(String::from_utf8_lossy(&take(usize::from(len))).into_owned())
        }
        6 if depth > 0 => {
            let n = usize::from(kind / 8) % 4;
            Value::Array((0..n).map(|_| value(bytes, depth - 1)).collect())
        }
        6 => Value::Null,
        _ => {
            // A long string: the length limits must refuse it cheaply.
            json!("x".repeat(usize::from(kind) * 4096))
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    let (name, props) = &w.tools[usize::from(pick) % w.tools.len()];
    let mut args = Map::new();
    while let Some((&p, tail)) = rest.split_first() {
        rest = tail;
        if props.is_empty() {
            break;
        }
        let key = props[usize::from(p) % props.len()].clone();
        let v = value(&mut rest, MAX_DEPTH);
        args.insert(key, v);
    }
    let request = json!({
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": name, "arguments": Value::Object(args)},
    });
    let line = request.to_string();
    let answers = session(w, &format!("{line}\n"));
    assert_eq!(answers.len(), 1, "one answer per request: {answers:?}");
    let a = &answers[0];
    if line.len() > stint::mcp::stdio::MAX_LINE_BYTES {
        // A line over the limit is not read, so its id is unknown: -32600 with a null id.
        assert_eq!(a["error"]["code"], -32600, "{a}");
        assert!(a["id"].is_null(), "{a}");
        return;
    }
    assert_eq!(a["id"], 7, "{a}");
    if let Some(code) = a["error"]["code"].as_i64() {
        assert_ne!(
            code, -32603,
            "internal error (a caught panic?) for {request}: {a}"
        );
    } else {
        let result = &a["result"];
        assert!(result.is_object(), "neither result nor error: {a}");
        if result["isError"] == true {
            let text = result["content"][0]["text"].as_str().unwrap_or("");
            assert!(!text.is_empty(), "a tool error without a message: {a}");
        }
    }
    let size = a.to_string().len();
    assert!(size < 4 << 20, "an answer of {size} bytes for {request}");
});
