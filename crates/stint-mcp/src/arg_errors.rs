//! Tool arguments that do not deserialize, explained in the tool's terms.
//!
//! rmcp answers arguments that serde cannot read with a tool error whose text is serde's
//! (`failed to deserialize parameters: invalid type: string "x", expected a sequence`), which
//! names neither the argument nor what it takes. [`explain`] rewrites that text from the tool's
//! input schema (the one `tools/list` publishes) and the arguments that were sent: which argument
//! (as a path such as `rounding.mode` or `tags[1]`), what it takes (in words, with the schema's
//! description), and what was sent instead; an unknown argument gets the list of the tool's
//! arguments and the closest one when it looks like a typo.
//!
//! The answer stays a tool error (`isError: true`), as MCP 2025-11-25 asks of input validation
//! errors ("tool execution errors", so the model can self-correct), not a JSON-RPC
//! `-32602 Invalid params`.

use rmcp::model::{CallToolResponse, ContentBlock, JsonObject};
use serde_json::{Map, Value};

/// The start of the text rmcp gives a tool error whose arguments did not deserialize
/// (`rmcp::handler::server::tool::parse_json_object`).
pub(crate) const SERDE_PREFIX: &str = "failed to deserialize parameters:";

/// How many problems the schema walk collects before it stops: serde's is among the first, and
/// a megabyte of wrong items must not cost a megabyte of problems.
const MAX_PROBLEMS: usize = 8;

/// How many characters of a sent value an explanation quotes.
const QUOTE_CHARS: usize = 40;

/// Whether `text` is rmcp's answer to arguments that did not deserialize.
pub(crate) fn is_serde_error(text: &str) -> bool {
    text.starts_with(SERDE_PREFIX)
}

/// The explanation of a tool call whose `args` did not deserialize: serde's text `serde_text`
/// (with or without rmcp's prefix) read against the tool's input `schema`.
///
/// The problem serde met first is the one explained: an unknown argument (the tool's arguments
/// and the closest name), a missing one (what it takes), or a value of the wrong type or out of
/// range (what it takes, e.g. "a list, e.g. [\"design\"]", and what was sent). When the schema
/// does not show where serde's problem is (a check only the deserializer makes), serde's own
/// text is kept after the tool's name.
pub(crate) fn explain(
    tool: &str,
    schema: &JsonObject,
    args: Option<&JsonObject>,
    serde_text: &str,
) -> String {
    let serde_text = serde_text
        .strip_prefix(SERDE_PREFIX)
        .unwrap_or(serde_text)
        .trim();
    let empty = Map::new();
    let args = args.unwrap_or(&empty);
    let mut problems = Vec::new();
    check_object(schema, schema, args, "", &mut problems);
    let wanted = SerdeProblem::read(serde_text);
    let chosen = problems.iter().find(|p| wanted.matches(p)).or_else(|| {
        // An unknown name serde did not complain about is an alias it accepts.
        problems
            .iter()
            .find(|p| !matches!(p.kind, Kind::Unknown { .. }))
    });
    let range = || out_of_range(schema, args, serde_text);
    match chosen
        .map(|p| p.render(tool))
        .or_else(|| range().map(|p| p.render(tool)))
    {
        Some(text) => text,
        None => format!(
            "the arguments of `{tool}` do not fit: {serde_text}; it takes: {}",
            names(schema).join(", ")
        ),
    }
}

/// A top-level number too large (or small) for its Rust type, which the schema does not show:
/// serde's `invalid value: integer `N`, expected u32` read back to the argument sent as `N`.
fn out_of_range(schema: &JsonObject, args: &JsonObject, serde_text: &str) -> Option<Problem> {
    let rest = serde_text.strip_prefix("invalid value: integer `")?;
    let (number, rest) = rest.split_once('`')?;
    let bits = rest.strip_prefix(", expected ")?;
    let range = match bits {
        "u16" => "0 to 65535",
        "u32" => "0 to 4294967295",
        "u64" => "0 to 18446744073709551615",
        "i32" => "-2147483648 to 2147483647",
        "i64" => "-9223372036854775808 to 9223372036854775807",
        _ => return None,
    };
    let (name, v) = args
        .iter()
        .find(|(_, v)| v.as_number().is_some_and(|n| n.to_string() == number))?;
    let prop = schema.get("properties")?.get(name)?.as_object()?;
    Some(Problem {
        path: name.clone(),
        kind: Kind::Wrong {
            wants: format!("{}, from {range}", wants(schema, prop)),
            got: got(v),
        },
    })
}

/// One argument that does not fit the schema.
#[derive(Debug)]
struct Problem {
    /// Where: `tags`, `tags[1]`, `rounding.mode`; empty for the whole argument object.
    path: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// A name the object does not take; `known` are the names it does, `owner` the path of
    /// the object (empty at the top).
    Unknown {
        name: String,
        known: Vec<String>,
        owner: String,
    },
    /// A required name left out; `wants` describes its value.
    Missing { wants: String },
    /// A value of the wrong type or out of range.
    Wrong { wants: String, got: String },
}

impl Problem {
    fn render(&self, tool: &str) -> String {
        match &self.kind {
            Kind::Unknown { name, known, owner } => {
                let of = if owner.is_empty() {
                    format!("an argument of `{tool}`")
                } else {
                    format!("a field of `{owner}` in `{tool}`")
                };
                let shown = echo(name);
                let mut text = format!("`{shown}` is not {of}; it takes: {}", known.join(", "));
                if let Some(near) = closest(name, known) {
                    text.push_str(&format!("; did you mean `{near}`?"));
                }
                text
            }
            Kind::Missing { wants } => {
                format!("`{tool}` needs `{}`: {wants}", self.path)
            }
            Kind::Wrong { wants, got } => {
                format!("`{}` must be {wants}; got {got}", self.path)
            }
        }
    }
}

/// What serde said went wrong, as far as its text tells.
enum SerdeProblem {
    Unknown(String),
    Missing(String),
    /// A type or value error; the JSON kind of what was sent when serde names it.
    Wrong(Option<&'static str>),
    Other,
}

impl SerdeProblem {
    fn read(text: &str) -> SerdeProblem {
        let quoted = |rest: &str| {
            rest.strip_prefix('`')
                .and_then(|r| r.split_once('`'))
                .map(|(name, _)| name.to_owned())
        };
        if let Some(rest) = text.strip_prefix("unknown field ") {
            return quoted(rest).map_or(SerdeProblem::Other, SerdeProblem::Unknown);
        }
        if let Some(rest) = text.strip_prefix("missing field ") {
            return quoted(rest).map_or(SerdeProblem::Other, SerdeProblem::Missing);
        }
        if let Some(rest) = text
            .strip_prefix("invalid type: ")
            .or_else(|| text.strip_prefix("invalid value: "))
        {
            let kind = [
                ("string", "string"),
                ("integer", "number"),
                ("floating point", "number"),
                ("boolean", "boolean"),
                ("sequence", "array"),
                ("map", "object"),
                ("null", "null"),
            ]
            .into_iter()
            .find(|(word, _)| rest.starts_with(word))
            .map(|(_, kind)| kind);
            return SerdeProblem::Wrong(kind);
        }
        // Custom messages of our own deserializers ("expected an id ...") are type errors too.
        if text.starts_with("expected ") {
            SerdeProblem::Wrong(None)
        } else {
            SerdeProblem::Other
        }
    }

    fn matches(&self, p: &Problem) -> bool {
        match (self, &p.kind) {
            (SerdeProblem::Unknown(n), Kind::Unknown { name, .. }) => n == name,
            (SerdeProblem::Missing(n), Kind::Missing { .. }) => {
                p.path.rsplit('.').next() == Some(n.as_str())
            }
            (SerdeProblem::Wrong(None), Kind::Wrong { .. }) => true,
            (SerdeProblem::Wrong(Some(kind)), Kind::Wrong { got, .. }) => {
                got.starts_with(article(kind))
            }
            _ => false,
        }
    }
}

/// `answer` with a tool error of arguments that did not deserialize ([`is_serde_error`])
/// rewritten by [`explain`]; any other answer unchanged.
pub(crate) fn rewrite(
    mut answer: CallToolResponse,
    tool: &str,
    schema: Option<&JsonObject>,
    args: Option<&JsonObject>,
) -> CallToolResponse {
    if let CallToolResponse::Complete(result) = &mut answer
        && result.is_error == Some(true)
        && let Some(schema) = schema
    {
        for block in &mut result.content {
            if let ContentBlock::Text(t) = block
                && is_serde_error(&t.text)
            {
                t.text = explain(tool, schema, args, &t.text);
            }
        }
    }
    answer
}

/// Checks `value` against the object schema `schema`; `root` holds `$defs`.
fn check_object(
    root: &JsonObject,
    schema: &JsonObject,
    value: &JsonObject,
    path: &str,
    out: &mut Vec<Problem>,
) {
    let empty = Map::new();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    // In the order sent, as serde meets them, so its first problem is among the first found.
    for (name, v) in value {
        if out.len() >= MAX_PROBLEMS {
            return;
        }
        match props.get(name).and_then(Value::as_object) {
            Some(s) => check_value(root, s, v, &join(path, name), out),
            None if closed => out.push(Problem {
                path: join(path, name),
                kind: Kind::Unknown {
                    name: name.clone(),
                    known: props.keys().cloned().collect(),
                    owner: path.to_owned(),
                },
            }),
            None => {}
        }
    }
    let required = schema.get("required").and_then(Value::as_array);
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        if out.len() >= MAX_PROBLEMS {
            return;
        }
        if value.get(name).is_none_or(Value::is_null) {
            let wants = props
                .get(name)
                .and_then(Value::as_object)
                .map_or_else(|| "a value".to_owned(), |s| wants(root, s));
            out.push(Problem {
                path: join(path, name),
                kind: Kind::Missing { wants },
            });
        }
    }
}

/// Checks one value against its schema (types, items, nested objects, minimum).
fn check_value(
    root: &JsonObject,
    schema: &JsonObject,
    v: &Value,
    path: &str,
    out: &mut Vec<Problem>,
) {
    let schema = resolve(root, schema);
    // An optional argument sent as null is left out.
    if v.is_null() {
        return;
    }
    let types = types(schema);
    let fits = types.is_empty() || types.iter().any(|t| fits_type(t, v));
    if !fits {
        out.push(Problem {
            path: path.to_owned(),
            kind: Kind::Wrong {
                wants: wants_for(root, schema, v),
                got: got(v),
            },
        });
        return;
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
        && v.as_f64().is_some_and(|n| n < min)
    {
        out.push(Problem {
            path: path.to_owned(),
            kind: Kind::Wrong {
                wants: wants(root, schema),
                got: got(v),
            },
        });
        return;
    }
    match v {
        Value::Array(items) => {
            if let Some(item) = schema.get("items").and_then(Value::as_object) {
                for (i, x) in items.iter().enumerate() {
                    if out.len() >= MAX_PROBLEMS {
                        return;
                    }
                    check_value(root, item, x, &format!("{path}[{i}]"), out);
                }
            }
        }
        Value::Object(o) if schema.contains_key("properties") => {
            check_object(root, schema, o, path, out);
        }
        _ => {}
    }
}

/// `schema` with a `$ref` to `#/$defs/NAME` followed (once; the description of the referring
/// schema is lost, which only words use).
fn resolve<'a>(root: &'a JsonObject, schema: &'a JsonObject) -> &'a JsonObject {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| root.get("$defs")?.get(name)?.as_object())
        .unwrap_or(schema)
}

fn types(schema: &JsonObject) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn fits_type(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => true,
    }
}

/// What a schema takes, in words, with its description: "a list of ids or names (Tag ids or
/// names; each must exist.)".
fn wants(root: &JsonObject, schema: &JsonObject) -> String {
    let schema = resolve(root, schema);
    let mut text = shape(root, schema);
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        text.push_str(&format!(" ({})", d.trim_end_matches('.')));
    }
    text
}

/// [`wants`] with an example built from the value sent when wrapping it in a list would fit:
/// `"design"` for a list becomes `e.g. ["design"]`.
fn wants_for(root: &JsonObject, schema: &JsonObject, sent: &Value) -> String {
    let mut text = wants(root, schema);
    let item = schema.get("items").and_then(Value::as_object);
    if types(schema) == ["array"]
        && let Some(item) = item
        && (types(item).is_empty() || types(item).iter().any(|t| fits_type(t, sent)))
    {
        let shown = Value::Array(vec![sent.clone()]).to_string();
        if shown.chars().count() <= QUOTE_CHARS {
            text.push_str(&format!(", e.g. {shown}"));
        }
    }
    text
}

/// The JSON shape of a schema in words, without its description.
fn shape(root: &JsonObject, schema: &JsonObject) -> String {
    let schema = resolve(root, schema);
    let ts = types(schema);
    let has = |t: &str| ts.contains(&t);
    let nonnegative = schema.get("minimum").and_then(Value::as_f64) == Some(0.0);
    match ts.as_slice() {
        _ if has("string") && has("integer") && ts.len() == 2 => {
            "an id (a whole number) or a name (text)".to_owned()
        }
        _ if has("string") && has("number") && ts.len() == 2 => {
            "a number, or a decimal as text such as \"12.50\"".to_owned()
        }
        ["string"] => "text".to_owned(),
        ["integer"] if nonnegative => "a whole number, 0 or more".to_owned(),
        ["integer"] => "a whole number".to_owned(),
        ["number"] => "a number".to_owned(),
        ["boolean"] => "true or false".to_owned(),
        ["array"] => match schema.get("items").and_then(Value::as_object) {
            Some(item) => format!("a list of {}", plural(&shape(root, item))),
            None => "a list".to_owned(),
        },
        ["object"] => format!("an object with fields {}", names(schema).join(", ")),
        [] => "a value".to_owned(),
        more => more.join(" or "),
    }
}

/// The shape of one item, said of many: "text" stays, "an id (...) or a name (...)" becomes
/// "ids or names".
fn plural(one: &str) -> String {
    match one {
        "an id (a whole number) or a name (text)" => "ids (whole numbers) or names (text)".into(),
        "text" => "texts".into(),
        "a whole number" | "a whole number, 0 or more" => "whole numbers".into(),
        "a number" => "numbers".into(),
        "true or false" => "true or false values".into(),
        other => format!("values each {other}"),
    }
}

/// The names an object schema takes, in the schema's order.
fn names(schema: &JsonObject) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// What was sent, in words: its JSON kind and (for scalars) the start of its value.
fn got(v: &Value) -> String {
    match v {
        Value::String(s) => format!("text {}", echo(&Value::String(s.clone()).to_string())),
        Value::Number(n) => format!("a number {n}"),
        Value::Bool(b) => format!("a boolean {b}"),
        Value::Array(a) => format!("a list of {} items", a.len()),
        Value::Object(_) => "an object".to_owned(),
        Value::Null => "null".to_owned(),
    }
}

/// The word [`got`] starts with for a JSON kind named by serde.
fn article(kind: &str) -> &'static str {
    match kind {
        "string" => "text",
        "number" => "a number",
        "boolean" => "a boolean",
        "array" => "a list",
        "object" => "an object",
        _ => "null",
    }
}

/// At most [`QUOTE_CHARS`] characters of `s`, with the full length said when cut.
fn echo(s: &str) -> String {
    match s.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}… ({} characters)", &s[..cut], s.chars().count()),
        None => s.to_owned(),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// The known name closest to `name` when it looks like a typo of it: at most 2 edits (ignoring
/// case), or one a prefix of the other ("project" for "projects").
fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    // No argument name is this long; the edit distance would cost its length times theirs.
    if name.len() > 64 {
        return None;
    }
    let lower = name.to_lowercase();
    known
        .iter()
        .map(|k| {
            let d = strsim::damerau_levenshtein(&lower, &k.to_lowercase());
            let prefix =
                lower.len() >= 3 && (k.starts_with(&lower) || lower.starts_with(k.as_str()));
            (k, if prefix { d.min(1) } else { d })
        })
        .filter(|(k, d)| *d <= 2 && *d < k.chars().count().max(2) / 2 + 1)
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: Value, args: Value, serde_text: &str, expected: &str) {
        let schema = schema.as_object().unwrap().clone();
        let args = args.as_object().cloned();
        assert_eq!(explain("t", &schema, args.as_ref(), serde_text), expected);
    }

    #[test]
    fn closest_names() {
        let known: Vec<String> = ["projects", "client", "from", "to"]
            .map(String::from)
            .into();
        assert_eq!(closest("project", &known), Some("projects"));
        assert_eq!(closest("clinet", &known), Some("client"));
        assert_eq!(closest("xyz", &known), None);
    }

    #[test]
    fn explanations() {
        let schema = json!({"type": "object", "additionalProperties": false,
            "properties": {"a": {"type": "integer", "minimum": 0}, "b": {"type": "string"}},
            "required": ["b"]});
        // A number too large for its type: the schema cannot show it; serde's text names it.
        check(
            schema.clone(),
            json!({"a": 5_000_000_000_i64, "b": "x"}),
            "failed to deserialize parameters: invalid value: integer `5000000000`, expected u32",
            "`a` must be a whole number, 0 or more, from 0 to 4294967295; got a number 5000000000",
        );
        // Nothing the schema shows: serde's words after the tool's name.
        check(
            schema.clone(),
            json!({"b": "x"}),
            "failed to deserialize parameters: something only serde knows",
            "the arguments of `t` do not fit: something only serde knows; it takes: a, b",
        );
        // A name serde accepts (an alias) is not blamed for another problem.
        check(
            schema.clone(),
            json!({"alias": 1, "a": "x", "b": "y"}),
            "failed to deserialize parameters: invalid type: string \"x\", expected u32",
            "`a` must be a whole number, 0 or more; got text \"x\"",
        );
        // A long unknown name is quoted short and not compared.
        check(
            schema,
            json!({"b": "x", "z".repeat(100): 1}),
            &format!(
                "failed to deserialize parameters: unknown field `{}`",
                "z".repeat(100)
            ),
            &format!(
                "`{}… (100 characters)` is not an argument of `t`; it takes: a, b",
                "z".repeat(40)
            ),
        );
    }
}
