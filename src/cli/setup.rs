//! `stint setup CLIENT` and `stint setup --check`: stint in the MCP configuration of an
//! assistant (Claude Code, Claude Desktop, Cursor, VS Code, Windsurf, Codex).
//!
//! Two pure steps and a thin writer: [`plan_edit`] turns a config file's text into the text
//! with stint in it, [`inspect`] reads what a file says about stint, and [`run`] does the
//! I/O (backup, atomic write, diff for `--dry-run`). The edit keeps every other server,
//! setting, comment and blank line as written: JSON through a concrete syntax tree
//! (jsonc-parser, which also reads VS Code's comments and trailing commas), TOML through
//! toml_edit.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};

use super::{Cli, clock, out};

/// The name stint is registered under in every client's list of servers.
pub const SERVER_NAME: &str = "stint";

/// `stint setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The assistant to set up.
    #[arg(value_enum, required_unless_present = "check")]
    pub client: Option<Client>,
    /// Show the change as a unified diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Say, for each known assistant (or CLIENT alone), whether its config file exists,
    /// whether stint is in it, and whether the configured binary still exists. Writes nothing.
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,
    /// Edit (or check) this file instead of the client's own config file.
    #[arg(long, value_name = "PATH", requires = "client")]
    pub config: Option<PathBuf>,
}

/// The assistants `stint setup` knows, with where and how each keeps its MCP servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Client {
    /// Claude Code (user scope, `~/.claude.json`).
    ClaudeCode,
    /// Claude Desktop (`claude_desktop_config.json`).
    ClaudeDesktop,
    /// Cursor (`~/.cursor/mcp.json`).
    Cursor,
    /// VS Code (the user profile's `mcp.json`).
    Vscode,
    /// Windsurf (`~/.codeium/windsurf/mcp_config.json`).
    Windsurf,
    /// OpenAI Codex (`~/.codex/config.toml`).
    Codex,
}

/// How a client's config file lists its servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON object (comments and trailing commas allowed) with the servers in the object
    /// under `key`; `typed` writes `"type": "stdio"` in the entry too.
    Json { key: &'static str, typed: bool },
    /// TOML with a `[mcp_servers.NAME]` table per server (Codex).
    Toml,
}

/// The folders the clients' config paths start from (see [`Client::config_path`]).
#[derive(Debug, Clone)]
pub struct Dirs {
    /// The home folder (`$HOME`, `%USERPROFILE%`).
    pub home: PathBuf,
    /// The platform's config folder: `$XDG_CONFIG_HOME` or `~/.config` on Linux,
    /// `~/Library/Application Support` on macOS, `%APPDATA%` on Windows.
    pub config: PathBuf,
    /// `$CODEX_HOME`, when set.
    pub codex_home: Option<PathBuf>,
}

impl Dirs {
    /// This user's folders, from the environment (the `directories` crate's rules).
    pub fn from_env() -> anyhow::Result<Dirs> {
        let base = directories::BaseDirs::new()
            .context("cannot find your home folder; set HOME, or pass --config PATH")?;
        Ok(Dirs {
            home: base.home_dir().to_path_buf(),
            config: base.config_dir().to_path_buf(),
            codex_home: std::env::var_os("CODEX_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        })
    }
}

impl Client {
    /// Every client, in the order `--check` lists them.
    pub const ALL: [Client; 6] = [
        Client::ClaudeCode,
        Client::ClaudeDesktop,
        Client::Cursor,
        Client::Vscode,
        Client::Windsurf,
        Client::Codex,
    ];

    /// The command-line name (`claude-code`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Client::ClaudeCode => "claude-code",
            Client::ClaudeDesktop => "claude-desktop",
            Client::Cursor => "cursor",
            Client::Vscode => "vscode",
            Client::Windsurf => "windsurf",
            Client::Codex => "codex",
        }
    }

    /// The product's name, for sentences.
    pub fn title(self) -> &'static str {
        match self {
            Client::ClaudeCode => "Claude Code",
            Client::ClaudeDesktop => "Claude Desktop",
            Client::Cursor => "Cursor",
            Client::Vscode => "VS Code",
            Client::Windsurf => "Windsurf",
            Client::Codex => "Codex",
        }
    }

    /// How the client's file lists servers.
    pub fn format(self) -> Format {
        match self {
            // `claude mcp add --scope user` writes `"type": "stdio"` entries under the top-level
            // "mcpServers" of ~/.claude.json (https://docs.claude.com/en/docs/claude-code/mcp,
            // "MCP installation scopes").
            Client::ClaudeCode => Format::Json {
                key: "mcpServers",
                typed: true,
            },
            // VS Code's mcp.json keeps servers under "servers", and a stdio server needs
            // "type": "stdio" (https://code.visualstudio.com/docs/copilot/reference/mcp-configuration,
            // "Standard I/O (stdio) servers").
            Client::Vscode => Format::Json {
                key: "servers",
                typed: true,
            },
            // Claude Desktop (https://modelcontextprotocol.io/docs/develop/connect-local-servers),
            // Cursor (https://cursor.com/docs/context/mcp, "Using mcp.json") and Windsurf
            // (https://docs.windsurf.com/windsurf/cascade/mcp, "mcp_config.json") all take
            // {"mcpServers": {NAME: {"command", "args", "env"}}}.
            Client::ClaudeDesktop | Client::Cursor | Client::Windsurf => Format::Json {
                key: "mcpServers",
                typed: false,
            },
            // Codex: [mcp_servers.NAME] with command, args and env
            // (https://developers.openai.com/codex/mcp, "Configuration - config.toml").
            Client::Codex => Format::Toml,
        }
    }

    /// The client's own config file on this platform (Linux, macOS or Windows).
    pub fn config_path(self, dirs: &Dirs) -> PathBuf {
        match self {
            // User-scope servers of Claude Code live in ~/.claude.json on every platform
            // (https://docs.claude.com/en/docs/claude-code/mcp, "MCP installation scopes").
            Client::ClaudeCode => dirs.home.join(".claude.json"),
            // ~/Library/Application Support/Claude on macOS, %APPDATA%\Claude on Windows
            // (https://modelcontextprotocol.io/docs/develop/connect-local-servers); Linux builds
            // read ~/.config/Claude.
            Client::ClaudeDesktop => dirs
                .config
                .join("Claude")
                .join("claude_desktop_config.json"),
            // The global file: ~/.cursor/mcp.json (https://cursor.com/docs/context/mcp).
            Client::Cursor => dirs.home.join(".cursor").join("mcp.json"),
            // The user profile's mcp.json: ~/.config/Code/User on Linux,
            // ~/Library/Application Support/Code/User on macOS, %APPDATA%\Code\User on
            // Windows (https://code.visualstudio.com/docs/copilot/reference/mcp-configuration).
            Client::Vscode => dirs.config.join("Code").join("User").join("mcp.json"),
            // ~/.codeium/windsurf/mcp_config.json (https://docs.windsurf.com/windsurf/cascade/mcp).
            Client::Windsurf => dirs
                .home
                .join(".codeium")
                .join("windsurf")
                .join("mcp_config.json"),
            // $CODEX_HOME/config.toml, by default ~/.codex/config.toml
            // (https://developers.openai.com/codex/mcp).
            Client::Codex => dirs
                .codex_home
                .clone()
                .unwrap_or_else(|| dirs.home.join(".codex"))
                .join("config.toml"),
        }
    }
}

/// What `stint setup` writes: the program, its arguments and its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEntry {
    /// The absolute path of the stint binary.
    pub command: String,
    /// `["mcp"]`.
    pub args: Vec<String>,
    /// Variables to set (`STINT_DB` when `--db` was given), in this order.
    pub env: Vec<(String, String)>,
}

/// A config file that cannot be edited: what is wrong and, when known, where (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    /// Line of the problem, 1-based.
    pub line: Option<usize>,
    /// Column of the problem, 1-based.
    pub column: Option<usize>,
    /// What is wrong, as a sentence fragment.
    pub message: String,
}

impl EditError {
    fn plain(message: impl Into<String>) -> EditError {
        EditError {
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// The text of a config file with stint in it: `original` ("" for a missing file) with the
/// stint entry added, or its `command`, `args` and the given `env` variables set when it is
/// already there (other keys of the entry, other env variables and everything else in the
/// file are kept byte for byte). Returns `original` unchanged when nothing needs to change.
///
/// Errors: a file that does not parse (with its line and column), a top level that is not
/// an object/table, or a servers list or stint entry of another type.
pub fn plan_edit(format: Format, original: &str, entry: &ServerEntry) -> Result<String, EditError> {
    // A byte-order mark (Notepad writes one) stays where it was.
    if let Some(rest) = original.strip_prefix('\u{feff}') {
        return plan_edit(format, rest, entry).map(|t| format!("\u{feff}{t}"));
    }
    match format {
        Format::Json { key, typed } => edit_json(original, key, typed, entry),
        Format::Toml => edit_toml(original, entry),
    }
}

/// What a config file says about stint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// No stint entry.
    Absent,
    /// A stint entry with this command (None when it has no string `command`).
    Present { command: Option<String> },
}

/// Reads the stint entry of a config file's text (see [`plan_edit`] for the errors).
pub fn inspect(format: Format, text: &str) -> Result<Found, EditError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        Format::Json { key, .. } => {
            let Some(root) = parse_json(text)? else {
                return Ok(Found::Absent);
            };
            let Some(obj) = root.object_value() else {
                return Err(EditError::plain("the top level is not a JSON object"));
            };
            let Some(entry) = obj.object_value(key).and_then(|s| s.get(SERVER_NAME)) else {
                return Ok(Found::Absent);
            };
            let command = entry
                .object_value()
                .and_then(|o| o.get("command"))
                .and_then(|p| p.value())
                .and_then(|v| v.to_serde_value())
                .and_then(|v| v.as_str().map(str::to_owned));
            Ok(Found::Present { command })
        }
        Format::Toml => {
            let doc = parse_toml(text)?;
            let Some(entry) = doc
                .get("mcp_servers")
                .and_then(|s| s.as_table_like())
                .and_then(|s| s.get(SERVER_NAME))
            else {
                return Ok(Found::Absent);
            };
            let command = entry
                .as_table_like()
                .and_then(|t| t.get("command"))
                .and_then(|c| c.as_str())
                .map(str::to_owned);
            Ok(Found::Present { command })
        }
    }
}

/// The options config files are read with: standard JSON plus the comments and trailing
/// commas VS Code's JSONC allows; nothing looser, since the clients' own readers would
/// refuse it.
fn json_options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// The syntax tree of a JSON file, None for an empty (or blank) one.
fn parse_json(text: &str) -> Result<Option<CstRootNode>, EditError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let root = CstRootNode::parse(text, &json_options()).map_err(|e| EditError {
        line: Some(e.line_display()),
        column: Some(e.column_display()),
        message: e.kind().to_string(),
    })?;
    if root.value().is_none() {
        return Ok(None);
    }
    Ok(Some(root))
}

fn edit_json(
    original: &str,
    key: &str,
    typed: bool,
    entry: &ServerEntry,
) -> Result<String, EditError> {
    let root = match parse_json(original)? {
        Some(root) => root,
        None => {
            // An empty file (or only comments): start from an empty object, keeping the
            // comments.
            let text = if original.trim().is_empty() {
                "{}\n".to_owned()
            } else {
                format!("{original}\n{{}}\n")
            };
            CstRootNode::parse(&text, &json_options()).map_err(|e| EditError {
                line: Some(e.line_display()),
                column: Some(e.column_display()),
                message: e.kind().to_string(),
            })?
        }
    };
    let obj = root.object_value().ok_or_else(|| {
        EditError::plain("the top level is not a JSON object ({ ... }); fix or empty the file")
    })?;
    let servers = obj.object_value_or_create(key).ok_or_else(|| {
        EditError::plain(format!(
            "\"{key}\" is not an object ({{ \"name\": {{ ... }} }}); fix it by hand"
        ))
    })?;
    match servers.get(SERVER_NAME) {
        None => {
            servers.append(SERVER_NAME, json_entry(entry, typed));
        }
        Some(prop) => {
            let existing = prop.object_value().ok_or_else(|| {
                EditError::plain(format!(
                    "\"{SERVER_NAME}\" in \"{key}\" is not an object; fix or remove it by hand"
                ))
            })?;
            if typed {
                set_json(&existing, "type", "stdio".into());
            }
            set_json(&existing, "command", entry.command.clone().into());
            set_json(
                &existing,
                "args",
                serde_json::Value::from(entry.args.clone()),
            );
            if !entry.env.is_empty() {
                let env = existing.object_value_or_create("env").ok_or_else(|| {
                    EditError::plain(format!(
                        "\"env\" of \"{SERVER_NAME}\" is not an object; fix or remove it by hand"
                    ))
                })?;
                for (k, v) in &entry.env {
                    set_json(&env, k, v.clone().into());
                }
            }
        }
    }
    // Untouched nodes print as they were read: a file that was already right comes back
    // byte for byte.
    Ok(root.to_string())
}

/// Sets `obj[name]` to `want` unless it already holds that value (so a run that changes
/// nothing rewrites nothing).
fn set_json(obj: &CstObject, name: &str, want: serde_json::Value) {
    match obj.get(name) {
        Some(prop) => {
            if prop.value().and_then(|v| v.to_serde_value()).as_ref() != Some(&want) {
                prop.set_value(cst_input(&want));
            }
        }
        None => {
            obj.append(name, cst_input(&want));
        }
    }
}

/// The stint entry as a JSON object: `type` (when `typed`), `command`, `args`, `env`.
fn json_entry(entry: &ServerEntry, typed: bool) -> CstInputValue {
    let mut fields = Vec::new();
    if typed {
        fields.push(("type".to_owned(), CstInputValue::from("stdio")));
    }
    fields.push((
        "command".to_owned(),
        CstInputValue::from(entry.command.as_str()),
    ));
    fields.push((
        "args".to_owned(),
        CstInputValue::Array(
            entry
                .args
                .iter()
                .map(|a| CstInputValue::from(a.as_str()))
                .collect(),
        ),
    ));
    if !entry.env.is_empty() {
        fields.push((
            "env".to_owned(),
            CstInputValue::Object(
                entry
                    .env
                    .iter()
                    .map(|(k, v)| (k.clone(), CstInputValue::from(v.as_str())))
                    .collect(),
            ),
        ));
    }
    CstInputValue::Object(fields)
}

/// A serde_json value as the syntax tree's input (strings and arrays are all stint writes).
fn cst_input(v: &serde_json::Value) -> CstInputValue {
    match v {
        serde_json::Value::Null => CstInputValue::Null,
        serde_json::Value::Bool(b) => CstInputValue::Bool(*b),
        serde_json::Value::Number(n) => CstInputValue::Number(n.to_string()),
        serde_json::Value::String(s) => CstInputValue::String(s.clone()),
        serde_json::Value::Array(a) => CstInputValue::Array(a.iter().map(cst_input).collect()),
        serde_json::Value::Object(o) => {
            CstInputValue::Object(o.iter().map(|(k, v)| (k.clone(), cst_input(v))).collect())
        }
    }
}

fn parse_toml(text: &str) -> Result<toml_edit::DocumentMut, EditError> {
    text.parse::<toml_edit::DocumentMut>().map_err(|e| {
        let (line, column) = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        EditError {
            line,
            column,
            message: e.message().to_owned(),
        }
    })
}

fn edit_toml(original: &str, entry: &ServerEntry) -> Result<String, EditError> {
    let mut doc = parse_toml(original)?;
    let servers = doc.entry("mcp_servers").or_insert_with(|| {
        let mut t = toml_edit::Table::new();
        // `[mcp_servers.stint]` alone, without an empty `[mcp_servers]` header above it.
        t.set_implicit(true);
        toml_edit::Item::Table(t)
    });
    let servers = servers
        .as_table_like_mut()
        .ok_or_else(|| EditError::plain("\"mcp_servers\" is not a table; fix it by hand"))?;
    let stint = servers
        .entry(SERVER_NAME)
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
    let stint = stint.as_table_like_mut().ok_or_else(|| {
        EditError::plain(format!(
            "\"mcp_servers.{SERVER_NAME}\" is not a table; fix or remove it by hand"
        ))
    })?;
    if stint.get("command").and_then(|c| c.as_str()) != Some(entry.command.as_str()) {
        stint.insert("command", toml_edit::value(entry.command.as_str()));
    }
    let args_now: Option<Vec<&str>> = stint
        .get("args")
        .and_then(|a| a.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect());
    let want: Vec<&str> = entry.args.iter().map(String::as_str).collect();
    if args_now.as_ref() != Some(&want) {
        let array: toml_edit::Array = want.iter().copied().collect();
        stint.insert("args", toml_edit::value(array));
    }
    if !entry.env.is_empty() {
        let env = stint
            .entry("env")
            .or_insert_with(|| toml_edit::value(toml_edit::InlineTable::new()));
        let env = env.as_table_like_mut().ok_or_else(|| {
            EditError::plain(format!(
                "\"mcp_servers.{SERVER_NAME}.env\" is not a table; fix or remove it by hand"
            ))
        })?;
        for (k, v) in &entry.env {
            if env.get(k).and_then(|x| x.as_str()) != Some(v.as_str()) {
                env.insert(k, toml_edit::value(v.as_str()));
            }
        }
    }
    let text = doc.to_string();
    if parse_toml(original)?.to_string() == text {
        return Ok(original.to_owned());
    }
    Ok(text)
}

/// A unified diff of a config file's change, both sides named `path`.
pub fn unified_diff(path: &Path, before: &str, after: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string()
}

/// `stint setup CLIENT` and `stint setup --check`. With `--json`, `setup CLIENT` answers
/// `{client, config, changed, written, backup, diff}` (`diff` a unified diff, "" when
/// unchanged; `backup` the copy of the old file, null when none was made).
pub fn run(cli: &Cli, a: &SetupArgs) -> anyhow::Result<ExitCode> {
    if a.check {
        return check(a);
    }
    let Some(client) = a.client else {
        anyhow::bail!(
            "name the assistant: stint setup claude-code|claude-desktop|cursor|vscode|windsurf|codex"
        );
    };
    let path = match &a.config {
        Some(p) => p.clone(),
        None => client.config_path(&Dirs::from_env()?),
    };
    // A config file that is a symlink (dotfile managers make them) is edited where it points,
    // so the link stays a link.
    let path = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(&path)
            .with_context(|| format!("{} is a symlink to nowhere", path.display()))?,
        _ => path,
    };
    let entry = this_entry(cli)?;
    let original = read_config(&path)?;
    let text = original.as_deref().unwrap_or("");
    let new = plan_edit(client.format(), text, &entry).map_err(|e| {
        anyhow::anyhow!(
            "cannot edit {}: {e}. Nothing was written; fix the file (or move it away) and run \
             `stint setup {}` again",
            path.display(),
            client.name()
        )
    })?;
    let unchanged = original.is_some() && new == text;
    let diff = if unchanged {
        String::new()
    } else {
        unified_diff(&path, text, &new)
    };
    let backup = if unchanged || a.dry_run {
        None
    } else {
        write_config(&path, original.is_some(), &new)?
    };
    if out().json {
        println!(
            "{}",
            serde_json::json!({
                "client": client.name(),
                "config": path.display().to_string(),
                "changed": !unchanged,
                "written": !unchanged && !a.dry_run,
                "backup": backup.as_ref().map(|b| b.display().to_string()),
                "diff": diff,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    if unchanged {
        println!(
            "stint is already set up for {} in {}: nothing to change.",
            client.title(),
            path.display()
        );
    } else if a.dry_run {
        print!("{diff}");
        println!(
            "Dry run: nothing was written. Run `stint setup {}` without --dry-run to apply it.",
            client.name()
        );
    } else {
        match backup {
            Some(b) => println!(
                "Set up stint for {} in {} (the old file is at {}).",
                client.title(),
                path.display(),
                b.display()
            ),
            None => println!(
                "Set up stint for {} in {} (a new file).",
                client.title(),
                path.display()
            ),
        }
        println!("{}", restart_hint(client));
    }
    Ok(ExitCode::SUCCESS)
}

/// What to do after the file changed for the client to load stint.
fn restart_hint(client: Client) -> String {
    match client {
        Client::ClaudeDesktop => {
            "Quit Claude Desktop completely (not just its window) and open it again.".to_owned()
        }
        Client::ClaudeCode | Client::Codex => format!(
            "New {} sessions load it; `/mcp` in a session lists it.",
            client.title()
        ),
        Client::Cursor | Client::Vscode | Client::Windsurf => {
            format!(
                "Restart {} (or reload its MCP servers) to load it.",
                client.title()
            )
        }
    }
}

/// stint as a server: this binary's absolute path, `mcp`, and `STINT_DB` when a database was
/// chosen (`--db` or `STINT_DB`), made absolute.
fn this_entry(cli: &Cli) -> anyhow::Result<ServerEntry> {
    let exe = std::env::current_exe().context("cannot find the path of this stint binary")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let command = exe
        .to_str()
        .context("the path of this stint binary is not valid UTF-8; move it to another folder")?
        .to_owned();
    let mut env = Vec::new();
    if let Some(db) = &cli.db {
        let db = std::path::absolute(db)
            .with_context(|| format!("cannot make {} absolute", db.display()))?;
        let db = db
            .to_str()
            .context("the --db path is not valid UTF-8; choose another path")?;
        env.push(("STINT_DB".to_owned(), db.to_owned()));
    }
    Ok(ServerEntry {
        command,
        args: vec!["mcp".to_owned()],
        env,
    })
}

/// A config file's text, None when it does not exist.
fn read_config(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            anyhow::anyhow!(
                "{} is not UTF-8 text; nothing was written (fix the file or pass --config PATH)",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// Writes `text` to `path` through a temporary file and a rename (the old file stays whole
/// if anything fails), after copying an existing file to `PATH.bak-YYYYMMDD-HHMMSS` (UTC).
/// Returns the backup's path.
fn write_config(path: &Path, exists: bool, text: &str) -> anyhow::Result<Option<PathBuf>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let backup = if exists {
        let stamp = clock()?.now().format("%Y%m%d-%H%M%S").to_string();
        let mut n = 0;
        let backup = loop {
            let mut name = OsString::from(path.as_os_str());
            name.push(format!(".bak-{stamp}"));
            if n > 0 {
                name.push(format!("-{n}"));
            }
            let candidate = PathBuf::from(name);
            if !candidate.exists() {
                break candidate;
            }
            n += 1;
        };
        std::fs::copy(path, &backup).with_context(|| {
            format!(
                "cannot back up {} to {}; nothing was written",
                path.display(),
                backup.display()
            )
        })?;
        Some(backup)
    } else {
        None
    };
    let mut tmp = OsString::from(path.as_os_str());
    tmp.push(".stint-tmp");
    let tmp = PathBuf::from(tmp);
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if exists {
            // Keep the file's permissions (~/.claude.json is often private to its owner).
            let perms = std::fs::metadata(path)?.permissions();
            std::fs::set_permissions(&tmp, perms)?;
        }
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        anyhow::bail!("cannot write {}: {e}", path.display());
    }
    Ok(backup)
}

/// One client's line of `stint setup --check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub client: Client,
    pub path: PathBuf,
    pub state: CheckState,
}

/// What `--check` found in a client's config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckState {
    /// No config file: the client is not installed or has no MCP servers yet.
    NoFile,
    /// The file cannot be read or parsed (the reason).
    Unreadable(String),
    /// The file has no stint entry.
    NotConfigured,
    /// stint is configured with this command; `exists` says whether it is still there.
    Configured {
        command: Option<String>,
        exists: bool,
    },
}

/// Checks one client's config file.
pub fn check_one(client: Client, path: &Path) -> CheckRow {
    let state = match read_config(path) {
        Ok(None) => CheckState::NoFile,
        Err(e) => CheckState::Unreadable(format!("{e:#}")),
        Ok(Some(text)) => match inspect(client.format(), &text) {
            Err(e) => CheckState::Unreadable(e.to_string()),
            Ok(Found::Absent) => CheckState::NotConfigured,
            Ok(Found::Present { command }) => {
                let exists = command.as_deref().is_some_and(command_exists);
                CheckState::Configured { command, exists }
            }
        },
    };
    CheckRow {
        client,
        path: path.to_path_buf(),
        state,
    }
}

/// Whether a configured command can be started: an existing file for a path, or a file of
/// that name on `PATH` for a bare name.
fn command_exists(command: &str) -> bool {
    let p = Path::new(command);
    if p.components().count() > 1 || p.is_absolute() {
        return p.is_file();
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            dir.join(command).is_file()
                || (cfg!(windows) && dir.join(format!("{command}.exe")).is_file())
        })
    })
}

fn check(a: &SetupArgs) -> anyhow::Result<ExitCode> {
    let rows: Vec<CheckRow> = match (a.client, &a.config) {
        (Some(c), Some(p)) => vec![check_one(c, p)],
        (Some(c), None) => vec![check_one(c, &c.config_path(&Dirs::from_env()?))],
        (None, _) => {
            let dirs = Dirs::from_env()?;
            Client::ALL
                .iter()
                .map(|c| check_one(*c, &c.config_path(&dirs)))
                .collect()
        }
    };
    if out().json {
        let list: Vec<serde_json::Value> = rows.iter().map(check_json).collect();
        println!("{}", serde_json::Value::Array(list));
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = super::table();
    t.set_header(["Client", "Config file", "stint"]);
    for r in &rows {
        t.add_row([
            r.client.name().to_owned(),
            r.path.display().to_string(),
            check_words(&r.state),
        ]);
    }
    println!("{t}");
    Ok(ExitCode::SUCCESS)
}

/// A `--check` state in words.
fn check_words(state: &CheckState) -> String {
    match state {
        CheckState::NoFile => "no config file".to_owned(),
        CheckState::Unreadable(e) => format!("cannot read the file: {e}"),
        CheckState::NotConfigured => "not set up".to_owned(),
        CheckState::Configured {
            command: Some(c),
            exists: true,
        } => format!("set up: {c}"),
        CheckState::Configured {
            command: Some(c),
            exists: false,
        } => format!("set up, but {c} is missing: run `stint setup` again"),
        CheckState::Configured { command: None, .. } => {
            "set up, but with no command: run `stint setup` again".to_owned()
        }
    }
}

/// A `--check` row as JSON: `client`, `config`, `config_exists`, `configured`, `command`,
/// `command_exists`, `error`.
fn check_json(r: &CheckRow) -> serde_json::Value {
    let (exists, configured, command, command_exists, error) = match &r.state {
        CheckState::NoFile => (false, false, None, None, None),
        CheckState::Unreadable(e) => (true, false, None, None, Some(e.clone())),
        CheckState::NotConfigured => (true, false, None, None, None),
        CheckState::Configured { command, exists } => {
            (true, true, command.clone(), Some(*exists), None)
        }
    };
    serde_json::json!({
        "client": r.client.name(),
        "config": r.path.display().to_string(),
        "config_exists": exists,
        "configured": configured,
        "command": command,
        "command_exists": command_exists,
        "error": error,
    })
}
