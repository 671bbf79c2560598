//! The stdio JSON-RPC line reader's decision, `classify`, on arbitrary bytes (one line without
//! its newline).
//!
//! Checks, besides "never panics": a skipped line is blank; a direct answer is one line of
//! JSON-RPC error (-32700 with a null id for non-JSON, -32600 otherwise); a forwarded message is
//! a JSON object, and a request's awaited id is the message's own id.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stint::mcp::stdio::{Line, classify};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match classify(data) {
        Line::Skip => assert!(
            text.chars().all(|c| c.is_whitespace() || c == '\u{feff}'),
            "skipped a line that is not blank: {text:?}"
        ),
        Line::Answer(line) => {
            assert!(!line.contains('\n'), "answer spans lines: {line:?}");
            let answer: Value = serde_json::from_str(&line).expect("the answer is JSON");
            assert_eq!(answer["jsonrpc"], "2.0", "{line}");
            assert!(answer.get("id").is_some(), "answer without id: {line}");
            assert!(answer["error"]["message"].is_string(), "{line}");
            let code = answer["error"]["code"].as_i64();
            match code {
                Some(-32700) => assert!(answer["id"].is_null(), "{line}"),
                Some(-32600) => {}
                _ => panic!("unexpected error code in {line}"),
            }
        }
        Line::Forward { message, id } => {
            assert!(message.is_object(), "forwarded a non-object: {message}");
            if let Some(id) = id {
                assert_eq!(message.get("id"), Some(&id));
                assert!(
                    message.get("method").is_some(),
                    "awaits an answer to a non-request"
                );
            }
        }
    }
});
