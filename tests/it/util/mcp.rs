//! The one way tests talk MCP: [`Mcp`], a client over newline-delimited JSON-RPC, either
//! in-process over the service ([`Mcp::new`], through the same stdio adapter `stint mcp` uses)
//! or to the binary over its standard streams ([`Mcp::process`], where a test needs a process:
//! environment, exit codes, kills). [`call_line`] and [`request_line`] build single request
//! lines for tests that send a batch or a deliberately broken stream.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Cmd, Env, HANG_GUARD};

/// One `tools/call` request line (no newline): `{"jsonrpc":"2.0","id":ID,"method":"tools/call",
/// "params":{"name":NAME,"arguments":ARGS}}`.
pub fn call_line(id: i64, name: &str, args: Value) -> String {
    request_line(id, "tools/call", json!({"name": name, "arguments": args}))
}

/// One request line (no newline); `params` is left out when it is `null`.
pub fn request_line(id: i64, method: &str, params: Value) -> String {
    let mut v = json!({"jsonrpc": "2.0", "id": id, "method": method});
    if !params.is_null() {
        v["params"] = params;
    }
    v.to_string()
}

/// The `initialize` request a client sends first, and the `initialized` notification.
pub fn handshake_lines(protocol_version: &str) -> String {
    format!(
        "{}\n{}\n",
        request_line(
            0,
            "initialize",
            json!({"protocolVersion": protocol_version, "capabilities": {},
                   "clientInfo": {"name": "stint-tests", "version": "1"}})
        ),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
    )
}

/// What a `tools/call` answer means to a test: the structured content of a success, or the
/// text of a tool error as a JSON string. A JSON-RPC error fails the test (see
/// [`Mcp::call_raw`] for tests about those).
pub fn tool_result(answer: &Value) -> Value {
    assert!(
        answer.get("error").is_none(),
        "a JSON-RPC error, not a tool result: {answer}"
    );
    let result = &answer["result"];
    if result["isError"] == json!(true) {
        return Value::String(result["content"][0]["text"].as_str().unwrap_or("").into());
    }
    if let Some(s) = result.get("structuredContent") {
        return s.clone();
    }
    let text = result["content"][0]["text"].as_str().unwrap_or("");
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()))
}

enum Transport {
    InProcess {
        rt: tokio::runtime::Runtime,
        to_server: tokio::io::WriteHalf<tokio::io::DuplexStream>,
        from_server: tokio::io::BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>,
        serve: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    },
    Process {
        child: Child,
        stdin: Option<ChildStdin>,
        lines: mpsc::Receiver<String>,
        stderr: Option<std::thread::JoinHandle<String>>,
        line: String,
    },
}

/// An MCP client. Each request gets the next id; notifications the server sends meanwhile are
/// kept in [`Mcp::notifications`].
pub struct Mcp {
    transport: Transport,
    next_id: i64,
    pub notifications: Vec<Value>,
}

impl std::fmt::Debug for Mcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mcp")
            .field("next_id", &self.next_id)
            .finish()
    }
}

impl Mcp {
    /// In-process over `env`'s service (its frozen clock and caller), through the stdio adapter.
    pub fn new(env: &Env) -> Mcp {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = stint::mcp::StintServer::new(env.svc.clone());
        let (ours, theirs) = tokio::io::duplex(1 << 22);
        let (server_read, server_write) = tokio::io::split(theirs);
        let (from_server, to_server) = tokio::io::split(ours);
        let serve = rt.spawn(stint::mcp::stdio::serve_lines(
            server,
            tokio::io::BufReader::new(server_read),
            server_write,
        ));
        Mcp {
            transport: Transport::InProcess {
                rt,
                to_server,
                from_server: tokio::io::BufReader::new(from_server),
                serve: Some(serve),
            },
            next_id: 1,
            notifications: Vec::new(),
        }
    }

    /// `cmd` (usually `stint mcp ...` from [`super::Stint::mcp`] or [`super::stint`]) started
    /// as a process; dropped, it closes standard input and waits for the process.
    pub fn process(cmd: Cmd) -> Mcp {
        let mut child = cmd.spawn();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut text);
            text
        });
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Mcp {
            transport: Transport::Process {
                child,
                stdin,
                lines,
                stderr: Some(stderr),
                line: cmd.line(),
            },
            next_id: 1,
            notifications: Vec::new(),
        }
    }

    /// Sends one raw line (a newline is added) and does not wait.
    pub fn send_line(&mut self, line: &str) {
        let text = format!("{line}\n");
        match &mut self.transport {
            Transport::InProcess { rt, to_server, .. } => {
                use tokio::io::AsyncWriteExt;
                rt.block_on(async {
                    to_server.write_all(text.as_bytes()).await.unwrap();
                    to_server.flush().await.unwrap();
                });
            }
            Transport::Process { stdin, .. } => {
                let stdin = stdin.as_mut().expect("standard input is closed");
                stdin.write_all(text.as_bytes()).unwrap();
                stdin.flush().unwrap();
            }
        }
    }

    /// Sends `input` as it is (any number of lines, broken ones too), closes the input and
    /// returns every line the server wrote until it ended, as JSON.
    pub fn batch(mut self, input: &str) -> Vec<Value> {
        match &mut self.transport {
            Transport::InProcess {
                rt,
                to_server,
                from_server,
                ..
            } => {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let text = rt.block_on(async {
                    let write = async {
                        to_server.write_all(input.as_bytes()).await.unwrap();
                        to_server.shutdown().await.unwrap();
                    };
                    let mut text = String::new();
                    let read = from_server.read_to_string(&mut text);
                    let (_, n) =
                        tokio::time::timeout(HANG_GUARD, async { tokio::join!(write, read) })
                            .await
                            .unwrap_or_else(|_| {
                                panic!("the server did not end within {HANG_GUARD:?} (hang guard)")
                            });
                    n.unwrap();
                    text
                });
                let (ok, _) = self.finish();
                assert!(ok, "the in-process server failed");
                text.lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect()
            }
            Transport::Process { stdin, .. } => {
                let mut stdin = stdin.take().expect("standard input is closed");
                let input = input.to_owned();
                let feeder = std::thread::spawn(move || {
                    let _ = stdin.write_all(input.as_bytes());
                });
                let mut out = Vec::new();
                while let Some(v) = self.read_answer() {
                    out.push(v);
                }
                let _ = feeder.join();
                out
            }
        }
    }

    /// The next line the server writes, as JSON; `None` at the end of its output. Fails the
    /// test after [`HANG_GUARD`] without a line.
    pub fn read_answer(&mut self) -> Option<Value> {
        let line = match &mut self.transport {
            Transport::InProcess {
                rt, from_server, ..
            } => {
                use tokio::io::AsyncBufReadExt;
                let mut line = String::new();
                let n = rt
                    .block_on(async {
                        tokio::time::timeout(HANG_GUARD, from_server.read_line(&mut line)).await
                    })
                    .unwrap_or_else(|_| panic!("no answer within {HANG_GUARD:?} (hang guard)"))
                    .unwrap();
                (n > 0).then_some(line)
            }
            Transport::Process { lines, line, .. } => match lines.recv_timeout(HANG_GUARD) {
                Ok(l) => Some(l),
                Err(mpsc::RecvTimeoutError::Disconnected) => None,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("`{line}` gave no answer within {HANG_GUARD:?} (hang guard)")
                }
            },
        }?;
        Some(
            serde_json::from_str(&line).unwrap_or_else(|e| {
                panic!("the server wrote a line that is not JSON ({e}): {line}")
            }),
        )
    }

    /// Sends `method` with `params` and returns the whole JSON-RPC answer to it.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send_line(&request_line(id, method, params));
        loop {
            let answer = self
                .read_answer()
                .unwrap_or_else(|| panic!("the server ended without answering {method} #{id}"));
            if answer.get("id") == Some(&json!(id)) {
                return answer;
            }
            self.notifications.push(answer);
        }
    }

    /// `tools/call NAME ARGS`: the whole JSON-RPC answer.
    pub fn call_raw(&mut self, name: &str, args: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": args}))
    }

    /// `tools/call NAME ARGS`: the structured content, or the error text as a JSON string
    /// (see [`tool_result`]).
    pub fn call(&mut self, name: &str, args: Value) -> Value {
        tool_result(&self.call_raw(name, args))
    }

    /// `tools/call NAME ARGS`, which must succeed: its structured content.
    pub fn call_ok(&mut self, name: &str, args: Value) -> Value {
        let answer = self.call_raw(name, args);
        assert_ne!(
            answer["result"]["isError"],
            json!(true),
            "{name} failed: {answer}"
        );
        tool_result(&answer)
    }

    /// `tools/call NAME ARGS`, which must be a tool error: its text.
    pub fn call_err(&mut self, name: &str, args: Value) -> String {
        let answer = self.call_raw(name, args);
        assert_eq!(
            answer["result"]["isError"],
            json!(true),
            "{name} should have failed: {answer}"
        );
        answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// `tools/list`: the tools (`result.tools`).
    pub fn list_tools(&mut self) -> Vec<Value> {
        let answer = self.request("tools/list", json!({}));
        answer["result"]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("tools/list: {answer}"))
            .clone()
    }

    /// The names of `tools/list`, in order.
    pub fn tool_names(&mut self) -> Vec<String> {
        self.list_tools()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Closes standard input and waits for the server to end. For a process, its exit status
    /// and standard error; in-process, success and an empty string.
    pub fn close(mut self) -> (bool, String) {
        self.finish()
    }

    fn finish(&mut self) -> (bool, String) {
        match &mut self.transport {
            Transport::InProcess {
                rt,
                to_server,
                serve,
                ..
            } => {
                use tokio::io::AsyncWriteExt;
                let Some(serve) = serve.take() else {
                    return (true, String::new());
                };
                rt.block_on(async {
                    let _ = to_server.shutdown().await;
                    let done = tokio::time::timeout(Duration::from_secs(60), serve).await;
                    (matches!(done, Ok(Ok(Ok(())))), String::new())
                })
            }
            Transport::Process {
                child,
                stdin,
                stderr,
                ..
            } => {
                drop(stdin.take());
                let status = child.wait().unwrap();
                let err = stderr.take().map(|t| t.join().unwrap()).unwrap_or_default();
                (status.success(), err)
            }
        }
    }

    /// The child process, for a test that kills it or reads its id.
    pub fn child(&mut self) -> Option<&mut Child> {
        match &mut self.transport {
            Transport::Process { child, .. } => Some(child),
            Transport::InProcess { .. } => None,
        }
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        if let Transport::Process { child, .. } = &mut self.transport
            && std::thread::panicking()
        {
            let _ = child.kill();
        }
        let _ = self.finish();
    }
}

impl super::Output {
    /// Standard output of a `stint mcp` run read as one JSON answer per line.
    pub fn answers(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| {
                    panic!("`{}` wrote a line that is not JSON ({e}): {l}", self.line)
                })
            })
            .collect()
    }
}
