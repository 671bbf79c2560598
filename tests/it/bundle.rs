//! The release metadata agrees with the binary: the MCP Bundle's manifest
//! (`packaging/mcpb/manifest.json`) lists exactly the tools and prompts `stint mcp` serves, in
//! its order, with the package's version; `server.json` (the MCP Registry entry) names the same
//! version, repository and bundle. Regenerate the lists with `STINT_BLESS=1` after adding or
//! changing a tool or prompt (only the "tools" and "prompts" values are rewritten).

use std::path::PathBuf;

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstRootNode};
use serde_json::{Value, json};

use super::util::{handshake_lines, request_line, stint};

fn manifest_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("packaging/mcpb/manifest.json")
}

/// `tools/list` and `prompts/list` of the real binary, as a client that announces nothing
/// (what Claude Desktop sees on a fresh database).
fn served() -> (Vec<Value>, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let input = handshake_lines("2025-11-25")
        + &request_line(1, "tools/list", json!({}))
        + "\n"
        + &request_line(2, "prompts/list", json!({}))
        + "\n";
    let out = stint(&["mcp"])
        .db(dir.path().join("stint.db"))
        .stdin(input)
        .run()
        .ok();
    let answers: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_id = |id: i64| {
        answers
            .iter()
            .find(|a| a["id"] == json!(id))
            .unwrap_or_else(|| panic!("no answer {id}: {}", out.stdout))
            .clone()
    };
    let tools = by_id(1);
    let prompts = by_id(2);
    assert!(
        tools["result"].get("nextCursor").is_none()
            && prompts["result"].get("nextCursor").is_none(),
        "the lists come in pages now; page through them here"
    );
    (
        tools["result"]["tools"].as_array().unwrap().clone(),
        prompts["result"]["prompts"].as_array().unwrap().clone(),
    )
}

/// The manifest's "tools": name and description of each served tool.
fn manifest_tools(tools: &[Value]) -> Value {
    tools
        .iter()
        .map(|t| json!({"name": t["name"], "description": t["description"]}))
        .collect()
}

/// The manifest's "prompts": name, description, argument names, and a `text` template (MCPB
/// requires one) that states the request with `${arguments.NAME}` placeholders; stint builds
/// the full text itself when the prompt is used.
fn manifest_prompts(prompts: &[Value]) -> Value {
    prompts
        .iter()
        .map(|p| {
            let args: Vec<&str> = p["arguments"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
                .unwrap_or_default();
            let mut text = format!(
                "{} ({})",
                p["title"].as_str().unwrap_or(p["name"].as_str().unwrap()),
                p["description"].as_str().unwrap()
            );
            for a in &args {
                text.push_str(&format!("\n{a}: ${{arguments.{a}}}"));
            }
            json!({"name": p["name"], "description": p["description"], "arguments": args,
                   "text": text})
        })
        .collect()
}

fn cst(v: &Value) -> CstInputValue {
    match v {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(a) => CstInputValue::Array(a.iter().map(cst).collect()),
        // serde_json sorts keys; the manifest reads better with the name first.
        Value::Object(o) => {
            let order = ["name", "description", "arguments", "text"];
            let mut fields: Vec<(String, CstInputValue)> =
                o.iter().map(|(k, v)| (k.clone(), cst(v))).collect();
            fields.sort_by_key(|(k, _)| order.iter().position(|o| o == k).unwrap_or(order.len()));
            CstInputValue::Object(fields)
        }
    }
}

#[test]
fn the_bundle_manifest_lists_the_served_tools_and_prompts() {
    let (tools, prompts) = served();
    let want_tools = manifest_tools(&tools);
    let want_prompts = manifest_prompts(&prompts);
    let path = manifest_path();
    let text = std::fs::read_to_string(&path).unwrap();
    if std::env::var_os("STINT_BLESS").is_some() {
        let root = CstRootNode::parse(&text, &ParseOptions::default()).unwrap();
        let obj = root.object_value().unwrap();
        obj.get("tools").unwrap().set_value(cst(&want_tools));
        obj.get("prompts").unwrap().set_value(cst(&want_prompts));
        std::fs::write(&path, root.to_string()).unwrap();
    }
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(tools.len() > 10 && !prompts.is_empty());
    assert_eq!(
        manifest["tools"], want_tools,
        "packaging/mcpb/manifest.json lists other tools than `stint mcp` serves; run this test \
         with STINT_BLESS=1 and review the diff"
    );
    assert_eq!(
        manifest["prompts"], want_prompts,
        "packaging/mcpb/manifest.json lists other prompts than `stint mcp` serves; run this \
         test with STINT_BLESS=1 and review the diff"
    );
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["manifest_version"], "0.3");
    // What Claude Desktop runs: the bundled binary, `mcp`, the database from the settings.
    assert_eq!(
        manifest["server"],
        json!({
            "type": "binary",
            "entry_point": "server/stint",
            "mcp_config": {
                "command": "${__dirname}/server/stint",
                "args": ["mcp"],
                "env": {"STINT_DB": "${user_config.database}"},
                "platform_overrides": {"win32": {"command": "${__dirname}/server/stint.exe"}}
            }
        })
    );
    assert_eq!(
        manifest["user_config"]["database"]["default"],
        "${HOME}/.local/share/stint/stint.db"
    );
    let icon = std::fs::read(path.with_file_name("icon.png")).unwrap();
    assert_eq!(&icon[..8], b"\x89PNG\r\n\x1a\n");
    // 512x512, the size Claude Desktop recommends (IHDR width and height).
    assert_eq!(&icon[16..24], &[0, 0, 2, 0, 0, 0, 2, 0]);
}

#[test]
fn server_json_matches_the_package_and_the_bundle() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let server: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("server.json")).unwrap()).unwrap();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(manifest_path()).unwrap()).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let repo = manifest["repository"]["url"].as_str().unwrap();
    let owner = repo
        .strip_prefix("https://github.com/")
        .and_then(|r| r.split('/').next())
        .unwrap();
    assert_eq!(
        server["$schema"],
        "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
    );
    assert_eq!(server["name"], format!("io.github.{owner}/stint"));
    assert_eq!(server["version"], version);
    assert_eq!(
        server["repository"],
        json!({"url": repo, "source": "github"})
    );
    let description = server["description"].as_str().unwrap();
    assert!(
        !description.is_empty() && description.chars().count() <= 100,
        "the registry takes 1 to 100 characters: {description}"
    );
    let packages = server["packages"].as_array().unwrap();
    let platforms: Vec<&str> = packages
        .iter()
        .map(|p| {
            assert_eq!(p["registryType"], "mcpb");
            assert_eq!(p["version"], version);
            assert_eq!(p["transport"], json!({"type": "stdio"}));
            let id = p["identifier"].as_str().unwrap();
            let prefix = format!("{repo}/releases/download/v{version}/stint-{version}-");
            let platform = id
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix(".mcpb"))
                .unwrap_or_else(|| panic!("{id} is not a bundle of release v{version}"));
            let sha = p["fileSha256"].as_str().unwrap();
            assert!(
                sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "fileSha256 of {platform}: {sha}"
            );
            platform
        })
        .collect();
    assert_eq!(
        platforms,
        [
            "aarch64-apple-darwin",
            "x86_64-apple-darwin",
            "aarch64-unknown-linux-gnu",
            "x86_64-unknown-linux-gnu",
            "x86_64-pc-windows-msvc"
        ]
    );
}
