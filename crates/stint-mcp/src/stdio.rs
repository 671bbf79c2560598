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
    DuplexStream, ReadHalf, WriteHalf,
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
pub async fn serve_lines<R, W>(server: StintServer, mut input: R, output: W) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (ours, theirs) = tokio::io::duplex(1 << 20);
    let service = spawn_rmcp(server, theirs);
    let (from_rmcp, to_rmcp) = tokio::io::split(ours);
    let (answered_tx, answered) = mpsc::unbounded_channel::<Value>();
    let (out_tx, out_rx) = mpsc::unbounded_channel::<Out>();
    let writer = spawn_writer(output, out_rx, answered_tx);
    let relay = spawn_relay(from_rmcp, out_tx.clone());
    let mut session = Session {
        to_rmcp,
        answered,
        early_answers: VecDeque::new(),
        open: false,
    };
    forward_input(&mut input, &mut session, &out_tx).await?;

    // End of input: let rmcp finish, then flush every answer.
    let _ = session.to_rmcp.shutdown().await;
    drop(session);
    let _ = service.await;
    let _ = relay.await;
    drop(out_tx);
    writer.await??;
    Ok(())
}

/// Runs rmcp's side of the session on `theirs` until it ends.
fn spawn_rmcp(server: StintServer, theirs: DuplexStream) -> tokio::task::JoinHandle<()> {
    let (rmcp_read, rmcp_write) = tokio::io::split(theirs);
    tokio::spawn(async move {
        match server.serve((rmcp_read, rmcp_write)).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(e) => tracing::debug!("MCP session ended before it began: {e}"),
        }
    })
}

/// The one writer of `output`, so answers from rmcp and from this adapter never interleave.
///
/// It reports a request id on `answered` only once its answer line is written and flushed:
/// the next input line is read after that, so a client killed or cut off never misses the
/// answer to a write that was committed before it sent its next request. Ends with the first
/// I/O error on `output`, or when every sender of `lines` is gone.
fn spawn_writer<W>(
    mut output: W,
    mut lines: mpsc::UnboundedReceiver<Out>,
    answered: mpsc::UnboundedSender<Value>,
) -> tokio::task::JoinHandle<anyhow::Result<()>>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        while let Some(Out { line, answers }) = lines.recv().await {
            if let Some(line) = line {
                output.write_all(line.as_bytes()).await?;
                output.write_all(b"\n").await?;
                output.flush().await?;
            }
            if let Some(id) = answers {
                let _ = answered.send(id);
            }
        }
        anyhow::Ok(())
    })
}

/// Relays rmcp's output to the writer, swallowing the answer to an initialize sent on a
/// script's behalf, and tells the writer which request id each line answers.
fn spawn_relay(
    from_rmcp: ReadHalf<DuplexStream>,
    out: mpsc::UnboundedSender<Out>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(from_rmcp).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let id = answer_id(&line);
            let shown = id.as_ref() != Some(&Value::String(AUTO_INIT_ID.to_owned()));
            let _ = out.send(Out {
                line: shown.then_some(line),
                answers: id,
            });
        }
    })
}

/// Reads `input` line by line until its end and forwards each message to rmcp, one at a
/// time: the next line is read once the answer to the last request is written. A line too
/// long or not JSON-RPC is answered here (through `out`); a blank line is skipped.
///
/// # Errors
/// I/O errors reading `input`. rmcp going away ends the loop without an error.
async fn forward_input<R: AsyncBufRead + Unpin>(
    input: &mut R,
    session: &mut Session,
    out: &mpsc::UnboundedSender<Out>,
) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    loop {
        let complete = match read_line(input, &mut buf).await? {
            None => break,
            Some(c) => c,
        };
        if !complete {
            let _ = out.send(Out::line(error_line(
                Value::Null,
                -32600,
                format!("Invalid Request: the line is longer than {MAX_LINE_BYTES} bytes"),
            )));
            continue;
        }
        let (message, id) = match classify(&buf) {
            Line::Skip => continue,
            Line::Answer(line) => {
                let _ = out.send(Out::line(line));
                continue;
            }
            Line::Forward { message, id } => (message, id),
        };
        if !session.forward(&message, id).await {
            break;
        }
    }
    Ok(())
}

/// This adapter's side of the rmcp session: where messages go, the ids answered so far, and
/// whether the session is open.
struct Session {
    to_rmcp: WriteHalf<DuplexStream>,
    /// Request ids whose answers are written, from the writer.
    answered: mpsc::UnboundedReceiver<Value>,
    /// Ids reported before they were waited for.
    early_answers: VecDeque<Value>,
    open: bool,
}

impl Session {
    /// Sends `message` to rmcp (opening the session first if need be) and, for a request
    /// (`id`), waits until its answer is written. `false`: rmcp or the writer went away.
    async fn forward(&mut self, message: &Value, id: Option<Value>) -> bool {
        if !self.open && !self.open_before(message).await {
            return false;
        }
        if self.send(message).await.is_err() {
            return false;
        }
        match id {
            Some(id) => self.answered(&id).await,
            None => true,
        }
    }

    /// Before the first `message` of a script that did not open the session: sends
    /// `initialize` (its answer swallowed) and `notifications/initialized` on its behalf. An
    /// opening message opens the session itself, unless it is a `ping` or `server/discover`,
    /// which may come before. `false`: rmcp or the writer went away.
    async fn open_before(&mut self, message: &Value) -> bool {
        if !opens_session(message) {
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
            if self.send(&init).await.is_err() {
                return false;
            }
            let auto_id = Value::String(AUTO_INIT_ID.to_owned());
            if !self.answered(&auto_id).await {
                return false;
            }
            let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            if self.send(&initialized).await.is_err() {
                return false;
            }
            self.open = true;
        } else if message.get("method").and_then(Value::as_str) != Some("ping")
            && message.get("method").and_then(Value::as_str) != Some("server/discover")
        {
            self.open = true;
        }
        true
    }

    /// Writes `message` to rmcp as one line.
    async fn send(&mut self, message: &Value) -> std::io::Result<()> {
        let mut bytes = serde_json::to_vec(message).expect("a Value serialises");
        bytes.push(b'\n');
        self.to_rmcp.write_all(&bytes).await?;
        self.to_rmcp.flush().await
    }

    /// Waits until the answer to `id` is written; `false` if the writer went away first.
    async fn answered(&mut self, id: &Value) -> bool {
        wait_for(&mut self.answered, &mut self.early_answers, id).await
    }
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
