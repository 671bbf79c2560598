//! MCP on stdio, for assistants that spawn `stint mcp` and for scripts that pipe JSON-RPC in.
//!
//! rmcp serves the protocol; this module sits between the process's stdin/stdout and rmcp's
//! transport to meet scripts half-way (docs/rules.md, "Scripting"):
//!
//! - A script may skip `initialize`: when the first message is neither `initialize`, `ping`,
//!   `server/discover` nor a request carrying the 2026-07-28 `_meta` protocol version, an
//!   `initialize` (and `notifications/initialized`) is sent on its behalf and its answer is not
//!   printed. rmcp alone refuses such a request.
//! - Requests are handled one at a time, in order: each answer is written to stdout and flushed
//!   before the next line is read, so output lines follow input lines, a write is committed
//!   before the next request runs, and a client that was killed or cut off has an answer for
//!   every write committed before its last request.
//! - A line that is not JSON gets a JSON-RPC parse error (-32700) and the server keeps serving;
//!   a batch or a malformed request gets -32600 with the request's id when it has one. rmcp
//!   itself ignores unparsable lines silently.
//! - At end of input every answer has been printed and the process can exit 0.

use std::collections::VecDeque;

use rmcp::ServiceExt;
use rmcp::model::ClientJsonRpcMessage;
use serde_json::{Value, json};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::sync::mpsc;

use super::StintServer;

/// Longest accepted input line, in bytes.
pub(crate) const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Protocol version used for the `initialize` sent on a script's behalf.
const AUTO_PROTOCOL_VERSION: &str = "2025-11-25";
const AUTO_INIT_ID: &str = "stint-auto-initialize";

/// Serves MCP on this process's stdin and stdout until end of input.
pub async fn serve_stdio(server: StintServer) -> anyhow::Result<()> {
    serve_lines(
        server,
        BufReader::new(tokio::io::stdin()),
        tokio::io::stdout(),
    )
    .await
}

fn error_line(id: Value, code: i64, message: String) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":{code},"message":{}}}}}"#,
        Value::String(message)
    )
}

/// What to do with one input line.
#[derive(Debug)]
pub enum Line {
    /// Nothing (blank line).
    Skip,
    /// Answer directly without involving rmcp.
    Answer(String),
    /// Forward to rmcp; `Some(id)` when it is a request whose answer must be awaited.
    Forward { message: Value, id: Option<Value> },
}

/// Decides what to do with one input line (without its newline): skip it, answer it directly
/// (a parse error or an invalid request, as a JSON-RPC error line), or forward it to rmcp.
/// Never panics, whatever the bytes.
pub fn classify(bytes: &[u8]) -> Line {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Line::Skip;
    }
    let value: Value = match serde_json::from_str(trimmed) {
        Ok(v) => v,
        Err(e) => {
            return Line::Answer(error_line(
                Value::Null,
                -32700,
                format!(
                    "Parse error: the line is not JSON ({e}); send one JSON-RPC object per line"
                ),
            ));
        }
    };
    let Value::Object(map) = &value else {
        let what = if value.is_array() {
            "batches are not supported; send one JSON-RPC request per line"
        } else {
            "a JSON-RPC message must be an object with jsonrpc, method and (for requests) id"
        };
        return Line::Answer(error_line(
            Value::Null,
            -32600,
            format!("Invalid Request: {what}"),
        ));
    };
    let id = map.get("id").cloned();
    let is_request = map.contains_key("method") && id.is_some();
    if let Err(e) = serde_json::from_value::<ClientJsonRpcMessage>(value.clone()) {
        return Line::Answer(error_line(
            id.unwrap_or(Value::Null),
            -32600,
            format!(
                "Invalid Request: {e}; a request looks like {{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{{\"name\":\"list_running_timers\",\"arguments\":{{}}}}}}"
            ),
        ));
    }
    Line::Forward {
        message: value,
        id: if is_request { id } else { None },
    }
}

/// Whether a first message lets rmcp choose a lifecycle by itself.
fn opens_session(message: &Value) -> bool {
    let method = message.get("method").and_then(Value::as_str).unwrap_or("");
    if matches!(method, "initialize" | "ping" | "server/discover") {
        return true;
    }
    message
        .pointer("/params/_meta")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key("io.modelcontextprotocol/protocolVersion"))
}

/// Reads one line of at most [`MAX_LINE_BYTES`]; `Ok(None)` at end of input, `Err(())`-like
/// `Some(Err)` for a line that was too long (and has been skipped).
async fn read_line<R: AsyncBufRead + Unpin>(
    input: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let n = (&mut *input)
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
        // Skip the rest of the over-long line.
        let mut sink = Vec::new();
        loop {
            sink.clear();
            let m = (&mut *input)
                .take(64 * 1024)
                .read_until(b'\n', &mut sink)
                .await?;
            if m == 0 || sink.last() == Some(&b'\n') {
                break;
            }
        }
        return Ok(Some(false));
    }
    Ok(Some(true))
}

/// One item for the output writer: a line to print (none for an answer that is swallowed) and
/// the request id it answers, reported once the line is flushed.
#[derive(Debug)]
struct Out {
    line: Option<String>,
    answers: Option<Value>,
}

impl Out {
    fn line(line: String) -> Out {
        Out {
            line: Some(line),
            answers: None,
        }
    }
}

/// Serves MCP over newline-delimited JSON-RPC on `input` and `output` until end of input.
///
/// # Errors
/// I/O errors on `output`; rmcp failing to start. End of input before any message is not an error.
pub async fn serve_lines<R, W>(
    server: StintServer,
    mut input: R,
    mut output: W,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (ours, theirs) = tokio::io::duplex(1 << 20);
    let (rmcp_read, rmcp_write) = tokio::io::split(theirs);
    let service = tokio::spawn(async move {
        match server.serve((rmcp_read, rmcp_write)).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(e) => tracing::debug!("MCP session ended before it began: {e}"),
        }
    });
    let (from_rmcp, mut to_rmcp) = tokio::io::split(ours);

    // One writer owns stdout, so answers from rmcp and from this adapter never interleave.
    // It reports a request id as answered only once its answer line is written and flushed:
    // the next input line is read after that, so a client killed or cut off never misses the
    // answer to a write that was committed before it sent its next request.
    let (answered_tx, mut answered_rx) = mpsc::unbounded_channel::<Value>();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Out>();
    let writer = tokio::spawn(async move {
        while let Some(Out { line, answers }) = out_rx.recv().await {
            if let Some(line) = line {
                output.write_all(line.as_bytes()).await?;
                output.write_all(b"\n").await?;
                output.flush().await?;
            }
            if let Some(id) = answers {
                let _ = answered_tx.send(id);
            }
        }
        anyhow::Ok(())
    });

    // Relay rmcp's output, swallowing the answer to an initialize sent on a script's behalf,
    // and tell the writer which request id each line answers.
    let relay_out = out_tx.clone();
    let relay = tokio::spawn(async move {
        let mut lines = BufReader::new(from_rmcp).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let id = answer_id(&line);
            let shown = id.as_ref() != Some(&Value::String(AUTO_INIT_ID.to_owned()));
            let _ = relay_out.send(Out {
                line: shown.then_some(line),
                answers: id,
            });
        }
    });

    let mut session_open = false;
    let mut early_answers: VecDeque<Value> = VecDeque::new();
    let mut buf = Vec::new();
    let send = async |to_rmcp: &mut tokio::io::WriteHalf<tokio::io::DuplexStream>,
                      message: &Value|
           -> std::io::Result<()> {
        let mut bytes = serde_json::to_vec(message).expect("a Value serialises");
        bytes.push(b'\n');
        to_rmcp.write_all(&bytes).await?;
        to_rmcp.flush().await
    };
    loop {
        let complete = match read_line(&mut input, &mut buf).await? {
            None => break,
            Some(c) => c,
        };
        if !complete {
            let _ = out_tx.send(Out::line(error_line(
                Value::Null,
                -32600,
                format!("Invalid Request: the line is longer than {MAX_LINE_BYTES} bytes"),
            )));
            continue;
        }
        let (message, id) = match classify(&buf) {
            Line::Skip => continue,
            Line::Answer(line) => {
                let _ = out_tx.send(Out::line(line));
                continue;
            }
            Line::Forward { message, id } => (message, id),
        };
        if !session_open {
            if !opens_session(&message) {
                let init = json!({
                    "jsonrpc": "2.0",
                    "id": AUTO_INIT_ID,
                    "method": "initialize",
                    "params": {
                        "protocolVersion": AUTO_PROTOCOL_VERSION,
                        "capabilities": {},
                        "clientInfo": {"name": "stint-script", "version": env!("CARGO_PKG_VERSION")}
                    }
                });
                if send(&mut to_rmcp, &init).await.is_err() {
                    break;
                }
                let auto_id = Value::String(AUTO_INIT_ID.to_owned());
                if !wait_for(&mut answered_rx, &mut early_answers, &auto_id).await {
                    break;
                }
                let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
                if send(&mut to_rmcp, &initialized).await.is_err() {
                    break;
                }
                session_open = true;
            } else if message.get("method").and_then(Value::as_str) != Some("ping")
                && message.get("method").and_then(Value::as_str) != Some("server/discover")
            {
                session_open = true;
            }
        }
        if send(&mut to_rmcp, &message).await.is_err() {
            break;
        }
        if let Some(id) = id
            && !wait_for(&mut answered_rx, &mut early_answers, &id).await
        {
            break;
        }
    }

    // End of input: let rmcp finish, then flush every answer.
    let _ = to_rmcp.shutdown().await;
    drop(to_rmcp);
    let _ = service.await;
    let _ = relay.await;
    drop(out_tx);
    writer.await??;
    Ok(())
}

/// Waits until rmcp has answered `id`. Returns false if rmcp stopped first.
async fn wait_for(
    answered: &mut mpsc::UnboundedReceiver<Value>,
    early: &mut VecDeque<Value>,
    id: &Value,
) -> bool {
    if let Some(pos) = early.iter().position(|x| x == id) {
        early.remove(pos);
        return true;
    }
    while let Some(got) = answered.recv().await {
        if &got == id {
            return true;
        }
        early.push_back(got);
    }
    false
}

/// The id of an answer (a line with `result` or `error` and no `method`), read without building
/// the answer's JSON tree: a large answer (an invoice of 10 000 lines) is only skipped over.
fn answer_id(line: &str) -> Option<Value> {
    use serde::Deserialize as _;
    /// True when the field is there, whatever its value (`null` too).
    fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| true)
    }
    /// `Some` when the field is there (`Some(Null)` for `null`).
    fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        Value::deserialize(d).map(Some)
    }
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(default, deserialize_with = "some")]
        id: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        method: bool,
        #[serde(default, deserialize_with = "present")]
        result: bool,
        #[serde(default, deserialize_with = "present")]
        error: bool,
    }
    let e: Envelope = serde_json::from_str(line).ok()?;
    if !e.method && (e.result || e.error) {
        e.id
    } else {
        None
    }
}
