//! The tool catalogue in one table: each tool's title, kind and toolset.
//!
//! A tool's [`ToolKind`] decides both what its annotations tell a client (read-only,
//! destructive, idempotent; every stint tool has a closed world) and the token scope it needs
//! over HTTP. A routed tool missing from [`TOOLS`] gets no scope at all: no token may call it
//! (a test fails when that happens).
//!
//! `finish` applies the table to the tool router once per process, and makes the schemas
//! that `tools/list` sends lean: input schemas keep their descriptions (what an assistant needs
//! to call a tool) but lose `$schema`, `format` and spelled-out alternatives; output schemas
//! keep the top-level fields of a result with their JSON types, and describe nested records as
//! plain objects (the tool description and the structured content itself say the rest).

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{JsonObject, ToolAnnotations};
use serde_json::{Map, Value};

use stint_service::Scope;

/// What a tool does to the user's data, which decides its annotations and HTTP scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// Reads only. Scope `read`.
    Read,
    /// Exports data; on stdio it also writes a new file when asked (never over an existing
    /// one, so a second call with the same path is refused). Scope `read`.
    Export,
    /// Adds data (a timer, a track, a record) or stops a timer; each call adds again. Scope
    /// `write`.
    Add,
    /// Changes fields of a record; the same call twice changes nothing more. Scope `write`.
    Edit,
    /// Deletes a record or changes settings. Scope `admin`.
    Remove,
    /// Moves an invoice to its next state (sent, paid, void). Scope `admin`.
    Transition,
    /// Reverts an earlier change (itself a change that can be reverted); a second call
    /// reverts another change. Scope `write`: the HTTP layer lets a token revert only its own
    /// changes.
    Revert,
}

impl ToolKind {
    /// The token scope a tool of this kind needs over HTTP.
    pub fn scope(self) -> Scope {
        match self {
            ToolKind::Read | ToolKind::Export => Scope::Read,
            ToolKind::Add | ToolKind::Edit | ToolKind::Revert => Scope::Write,
            ToolKind::Remove | ToolKind::Transition => Scope::Admin,
        }
    }

    /// The annotation hints: (read-only, destructive, idempotent).
    pub fn hints(self) -> (bool, bool, bool) {
        match self {
            ToolKind::Read => (true, false, true),
            // A `path` writes a new file and refuses an existing one: not idempotent.
            ToolKind::Export | ToolKind::Add => (false, false, false),
            ToolKind::Edit | ToolKind::Remove => (false, true, true),
            ToolKind::Transition | ToolKind::Revert => (false, true, false),
        }
    }
}

/// The group a tool belongs to (and the module of `src/mcp/tools/` that holds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toolset {
    /// Timers and tracks.
    Tracks,
    /// Projects, clients, tags and tasks.
    Catalog,
    /// Invoices.
    Billing,
    /// Summaries, rankings, budgets and unbilled work.
    Analytics,
    /// The settings.
    Settings,
    /// The change log: list changes and undo them.
    History,
    /// People, utilization and margins: listed only where a team exists (see
    /// [`crate::server::StintServer`]'s listing) or when named in `--toolsets`.
    Team,
}

impl Toolset {
    /// Every toolset, the default of `stint mcp --toolsets`.
    pub(crate) const ALL: [Toolset; 7] = [
        Toolset::Tracks,
        Toolset::Catalog,
        Toolset::Billing,
        Toolset::Analytics,
        Toolset::Settings,
        Toolset::History,
        Toolset::Team,
    ];

    /// The name used by `--toolsets` and `STINT_TOOLSETS`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Toolset::Tracks => "tracks",
            Toolset::Catalog => "catalog",
            Toolset::Billing => "billing",
            Toolset::Analytics => "analytics",
            Toolset::Settings => "settings",
            Toolset::History => "history",
            Toolset::Team => "team",
        }
    }

    /// Parses a comma-separated list such as `tracks,catalog` (case-insensitive, spaces
    /// ignored); `all` or an empty list means every toolset.
    ///
    /// # Errors
    /// A name that is not a toolset; the message lists the names.
    pub fn parse_list(list: &str) -> Result<Vec<Toolset>, String> {
        let mut sets = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name.eq_ignore_ascii_case("all") {
                return Ok(Toolset::ALL.to_vec());
            }
            let set = Toolset::ALL
                .into_iter()
                .find(|t| t.as_str().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!(
                        "{:?} is not a toolset; choose from all, {}",
                        name.chars().take(40).collect::<String>(),
                        Toolset::ALL.map(Toolset::as_str).join(", ")
                    )
                })?;
            if !sets.contains(&set) {
                sets.push(set);
            }
        }
        Ok(if sets.is_empty() {
            Toolset::ALL.to_vec()
        } else {
            sets
        })
    }
}

/// Keeps only the tools of `sets` in `router` (tools outside the catalogue stay).
pub(crate) fn keep_toolsets<S>(router: &mut ToolRouter<S>, sets: &[Toolset]) {
    router
        .map
        .retain(|name, _| spec(name).is_none_or(|s| sets.contains(&s.toolset)));
}

/// One row of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    /// The tool's name, as clients call it.
    pub name: &'static str,
    /// The human-readable title shown by clients.
    pub(crate) title: &'static str,
    /// What it does to the data.
    pub kind: ToolKind,
    /// Its group.
    pub toolset: Toolset,
}

const fn t(name: &'static str, title: &'static str, kind: ToolKind, toolset: Toolset) -> ToolSpec {
    ToolSpec {
        name,
        title,
        kind,
        toolset,
    }
}

use ToolKind::*;
use Toolset::*;

/// Every tool stint serves, in catalogue order.
pub const TOOLS: &[ToolSpec] = &[
    t("start_timer", "Start timer", Add, Tracks),
    t("continue_timer", "Continue timer", Add, Tracks),
    t("stop_timer", "Stop timer", Add, Tracks),
    t("list_running_timers", "List running timers", Read, Tracks),
    t("create_track", "Create track", Add, Tracks),
    t("list_tracks", "List tracks", Read, Tracks),
    t("get_track", "Get track", Read, Tracks),
    t("update_track", "Update track", Edit, Tracks),
    t("delete_track", "Delete track", Remove, Tracks),
    t("create_project", "Create project", Add, Catalog),
    t("list_projects", "List projects", Read, Catalog),
    t("get_project", "Get project", Read, Catalog),
    t("update_project", "Update project", Edit, Catalog),
    t("delete_project", "Delete project", Remove, Catalog),
    t("create_tag", "Create tag", Add, Catalog),
    t("list_tags", "List tags", Read, Catalog),
    t("update_tag", "Rename tag", Edit, Catalog),
    t("delete_tag", "Delete tag", Remove, Catalog),
    t("create_client", "Create client", Add, Catalog),
    t("list_clients", "List clients", Read, Catalog),
    t("get_client", "Get client", Read, Catalog),
    t("update_client", "Update client", Edit, Catalog),
    t("delete_client", "Delete client", Remove, Catalog),
    t("create_task", "Create task", Add, Catalog),
    t("list_tasks", "List tasks", Read, Catalog),
    t("update_task", "Update task", Edit, Catalog),
    t("delete_task", "Delete task", Remove, Catalog),
    t("create_invoice", "Create invoice", Add, Billing),
    t("list_invoices", "List invoices", Read, Billing),
    t("get_invoice", "Get invoice", Read, Billing),
    t("update_invoice", "Update invoice", Edit, Billing),
    t(
        "mark_invoice_sent",
        "Mark invoice sent",
        Transition,
        Billing,
    ),
    t(
        "mark_invoice_paid",
        "Mark invoice paid",
        Transition,
        Billing,
    ),
    t("void_invoice", "Void invoice", Transition, Billing),
    t("delete_invoice", "Delete invoice", Remove, Billing),
    t(
        "export_invoice_csv",
        "Export invoice as CSV",
        Export,
        Billing,
    ),
    t(
        "export_invoice_pdf",
        "Export invoice as PDF",
        Export,
        Billing,
    ),
    t("time_summary", "Time summary", Read, Analytics),
    t("top_projects", "Top projects", Read, Analytics),
    t("budget_status", "Budget status", Read, Analytics),
    t("unbilled_summary", "Unbilled work", Read, Analytics),
    t("get_settings", "Get settings", Read, Settings),
    t("update_settings", "Update settings", Remove, Settings),
    t("list_changes", "List changes", Read, History),
    t("undo_change", "Undo change", Revert, History),
    t("create_expense", "Create expense", Add, Billing),
    t("list_expenses", "List expenses", Read, Billing),
    t("update_expense", "Update expense", Edit, Billing),
    t("delete_expense", "Delete expense", Remove, Billing),
    t("sync", "Sync devices", Add, History),
];

/// The team's tools (toolset `team`, issue 21: people, utilization, milestones, drafts), apart
/// from [`TOOLS`]: a solo user's catalogue is [`TOOLS`] alone. They are always callable and
/// listed once the database has a team, when `--toolsets` names `team`, and (the drafts tools
/// of [`DRAFTS_SESSION_TOOLS`]) in a drafts session.
pub const TEAM_TOOLS: &[ToolSpec] = &[
    t("create_person", "Create person", Add, Team),
    t("list_people", "List people", Read, Team),
    t("update_person", "Update person", Edit, Team),
    t("delete_person", "Delete person", Remove, Team),
    t("utilization", "Utilization and margins", Read, Team),
    t("create_milestone", "Create milestone", Add, Team),
    t("list_milestones", "List milestones", Read, Team),
    t("update_milestone", "Update milestone", Edit, Team),
    t("complete_milestone", "Complete milestone", Edit, Team),
    t("list_drafts", "List drafts", Read, Team),
    t("approve_drafts", "Approve drafts", Edit, Team),
    t("discard_drafts", "Discard drafts", Remove, Team),
];

/// Which of the team's tools a catalogue lists, so a catalogue carries only what the database
/// uses and stays within 48,000 bytes: people and `utilization` once there is a person besides
/// the owner, the milestone tools once there is a milestone, the drafts tools once there is a
/// draft (or in a drafts session). Naming `team` in `--toolsets` lists them all. A bit set:
/// [`TeamListing::PEOPLE`], [`TeamListing::MILESTONES`], [`TeamListing::DRAFTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TeamListing(pub u8);

impl TeamListing {
    pub const NONE: TeamListing = TeamListing(0);
    pub const PEOPLE: u8 = 1;
    pub const MILESTONES: u8 = 2;
    pub const DRAFTS: u8 = 4;
    pub const ALL: TeamListing = TeamListing(7);

    /// From what the database holds: `(people, milestones, drafts)`.
    pub fn of(features: (bool, bool, bool)) -> TeamListing {
        let bit = |on: bool, bit: u8| if on { bit } else { 0 };
        TeamListing(
            bit(features.0, Self::PEOPLE)
                | bit(features.1, Self::MILESTONES)
                | bit(features.2, Self::DRAFTS),
        )
    }

    /// Whether team tool `name` is listed.
    pub fn lists(self, name: &str) -> bool {
        let bit = if name.contains("milestone") {
            Self::MILESTONES
        } else if name.contains("draft") {
            Self::DRAFTS
        } else {
            Self::PEOPLE
        };
        self.0 & bit != 0
    }
}

/// Whether a `--toolsets` list names the team toolset (`team`, case-insensitive): its tools
/// are then listed whatever the database holds.
pub fn team_named(list: &str) -> bool {
    list.split(',')
        .any(|n| n.trim().eq_ignore_ascii_case("team"))
}

/// The team tools a drafts session (`stint mcp --drafts`) lists without the team's: it may
/// list and discard its drafts; approving is refused in drafts mode.
pub const DRAFTS_SESSION_TOOLS: &[&str] = &["list_drafts", "discard_drafts"];

/// The catalogue row of `tool`, if it is one of stint's tools.
pub fn spec(tool: &str) -> Option<&'static ToolSpec> {
    TOOLS.iter().chain(TEAM_TOOLS).find(|s| s.name == tool)
}

/// The scope `tool` needs over HTTP; `None` for a tool outside the catalogue, which no token
/// may call.
pub fn required_scope(tool: &str) -> Option<Scope> {
    spec(tool).map(|s| s.kind.scope())
}

/// Applies the catalogue to `router`: the title, the annotations of each tool's kind, and lean
/// input and output schemas. Tools outside the catalogue keep what their attributes say.
pub(crate) fn finish<S>(router: &mut ToolRouter<S>) {
    for route in router.map.values_mut() {
        let tool = &mut route.attr;
        if let Some(spec) = spec(&tool.name) {
            let (read_only, destructive, idempotent) = spec.kind.hints();
            tool.title = Some(spec.title.to_owned());
            tool.annotations = Some(hints(read_only, destructive, idempotent));
        }
        tool.input_schema = std::sync::Arc::new(lean_input(&tool.input_schema));
        if let Some(out) = &tool.output_schema {
            tool.output_schema = Some(std::sync::Arc::new(lean_output(out)));
        }
    }
}

/// The annotations of a tool with these hints, written only where they differ from MCP's
/// defaults (`readOnlyHint` false, `destructiveHint` true, `idempotentHint` false,
/// `openWorldHint` true; the last three mean something only for a tool that writes), so
/// `tools/list` carries what a client could not assume: every stint tool has a closed world
/// (it touches only the database), so `openWorldHint: false` is always written.
pub(crate) fn hints(read_only: bool, destructive: bool, idempotent: bool) -> ToolAnnotations {
    let writes = !read_only;
    ToolAnnotations::from_raw(
        None,
        read_only.then_some(true),
        (writes && !destructive).then_some(false),
        (writes && idempotent).then_some(true),
        Some(false),
    )
}

/// An input schema without `$schema` and `format`, descriptions on one line, with alternatives of plain types (such as
/// "id or name": a string or an integer) written as one list of types.
pub(crate) fn lean_input(schema: &JsonObject) -> JsonObject {
    let mut out = schema.clone();
    out.remove("$schema");
    lean_input_object(&mut out);
    out
}

fn lean_input_object(o: &mut Map<String, Value>) {
    o.remove("format");
    // A doc comment's line breaks are wrapping, not meaning: one space reads the same.
    if let Some(Value::String(d)) = o.get_mut("description")
        && d.contains('\n')
    {
        *d = d.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if let Some(types) = o.get("anyOf").and_then(plain_types) {
        o.remove("anyOf");
        o.insert("type".to_owned(), types);
    }
    for (key, v) in o.iter_mut() {
        match (key.as_str(), v) {
            ("properties" | "$defs", Value::Object(children)) => {
                for child in children.values_mut() {
                    if let Value::Object(c) = child {
                        lean_input_object(c);
                    }
                }
            }
            ("items" | "additionalProperties", Value::Object(c)) => lean_input_object(c),
            ("anyOf" | "oneOf" | "allOf", Value::Array(items)) => {
                for item in items {
                    if let Value::Object(c) = item {
                        lean_input_object(c);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The types of `anyOf` members that are plain types with at most simple bounds; `None` when
/// any member says more (an object, an enum, a reference).
fn plain_types(any_of: &Value) -> Option<Value> {
    let members = any_of.as_array()?;
    let mut types = Vec::new();
    for m in members {
        let m = m.as_object()?;
        let plain = m.keys().all(|k| {
            matches!(
                k.as_str(),
                "type" | "minimum" | "minLength" | "pattern" | "format"
            )
        });
        let ty = m.get("type")?.as_str()?;
        if !plain || matches!(ty, "object" | "array") {
            return None;
        }
        if !types.iter().any(|t| t == ty) {
            types.push(ty.to_owned());
        }
    }
    match types.len() {
        0 => None,
        1 => Some(Value::String(types.remove(0))),
        _ => Some(Value::Array(types.into_iter().map(Value::String).collect())),
    }
}

/// An output schema of the result's top-level fields with their JSON types; nested records
/// are plain objects.
pub(crate) fn lean_output(schema: &JsonObject) -> JsonObject {
    let mut out = Map::new();
    out.insert("type".to_owned(), Value::String("object".to_owned()));
    if let Some(Value::Object(props)) = schema.get("properties") {
        let props = props
            .iter()
            .map(|(k, v)| (k.clone(), shallow(v)))
            .collect::<Map<_, _>>();
        out.insert("properties".to_owned(), Value::Object(props));
    }
    // No `required` list: a client reads the answer, it does not build one, and the lists
    // cost about 2,000 bytes of every catalogue (issue 21 made room for the team's tools).
    out
}

/// The JSON type of a field, one level deep.
fn shallow(v: &Value) -> Value {
    let Some(o) = v.as_object() else {
        return Value::Object(Map::new());
    };
    let mut out = Map::new();
    if o.contains_key("$ref") {
        out.insert("type".to_owned(), "object".into());
    } else if let Some(Value::Array(members)) = o.get("anyOf").or_else(|| o.get("oneOf")) {
        let mut types: Vec<Value> = Vec::new();
        for m in members {
            match shallow(m).get("type") {
                Some(Value::String(t)) if !types.iter().any(|x| x == t) => {
                    types.push(t.clone().into())
                }
                Some(Value::Array(ts)) => {
                    for t in ts {
                        if !types.contains(t) {
                            types.push(t.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        match types.len() {
            0 => {}
            1 => {
                out.insert("type".to_owned(), types.remove(0));
            }
            _ => {
                out.insert("type".to_owned(), Value::Array(types));
            }
        }
    } else {
        if let Some(t) = o.get("type") {
            out.insert("type".to_owned(), t.clone());
        }
        if let Some(e) = o.get("enum") {
            out.insert("enum".to_owned(), e.clone());
        }
        if let Some(items) = o.get("items") {
            out.insert("items".to_owned(), shallow(items));
        }
    }
    Value::Object(out)
}
