//! One declaration per table of the schema: whether sync carries it, its key, its references
//! (polymorphic ones included) and its merge rule. Renumbering on a first sync, the apply of
//! other devices' changes, snapshots, compaction and joins all read [`TABLES`]; nothing else
//! in sync names a table's references.
//!
//! The order of [`TABLES`] is the order rows are published and applied in: every table comes
//! after the tables it references, so a row's parent is always there before the row (a track
//! meeting its task only after it would lose the reference: the join bug of issue 19).
//!
//! A table added by a migration must be declared here; `tests/it/sync_converge.rs` fails while
//! one is not, and while a declaration disagrees with the schema's foreign keys.

/// Where a reference points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Always at the id of this table.
    Table(&'static str),
    /// At the id of a table chosen by another column of the same row: `(value of that
    /// column, table)` pairs (`invoice_items.item_id` is a track or an expense by `kind`).
    ByColumn {
        column: &'static str,
        tables: &'static [(&'static str, &'static str)],
    },
}

/// What happens to a referencing row when the row it points at is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// SQLite handles it (`ON DELETE CASCADE` or `SET NULL` in the schema).
    Schema,
    /// Sync lets go of the reference (nullable column) or deletes the row (required column).
    Release,
    /// The reference is a record of what was and stays as it is (`invoice_items`: what an
    /// invoice billed, kept after its tracks are gone).
    Keep,
}

/// A column that holds the id of another row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ref {
    pub column: &'static str,
    pub target: Target,
    pub on_delete: OnDelete,
}

/// How sync treats a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// Recorded by the change log and carried to every device.
    Synced {
        /// The primary key's columns, in key order (`["id"]`: an id from
        /// `super::sync::next_id`).
        key: &'static [&'static str],
        refs: &'static [Ref],
        /// Rows with equal values in these columns (NULLs equal) are one row: created on two
        /// devices, the one with the higher id merges into the one with the lower id.
        merge_on: &'static [&'static str],
        /// Rows frozen while the track whose id is in this column is on an invoice: an edit
        /// or delete from another device is not applied, and the billing device's version
        /// (sent in full with the change that put it on the invoice) wins.
        frozen_with_track: Option<&'static str>,
    },
    /// This device's own: not recorded, never sent; the text says why.
    Local(&'static str),
}

/// One table's declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDecl {
    pub table: &'static str,
    pub sync: Sync,
}

const fn to(column: &'static str, table: &'static str) -> Ref {
    Ref {
        column,
        target: Target::Table(table),
        on_delete: OnDelete::Release,
    }
}

const fn to_by_schema(column: &'static str, table: &'static str) -> Ref {
    Ref {
        column,
        target: Target::Table(table),
        on_delete: OnDelete::Schema,
    }
}

const fn synced(
    table: &'static str,
    key: &'static [&'static str],
    refs: &'static [Ref],
    merge_on: &'static [&'static str],
) -> TableDecl {
    TableDecl {
        table,
        sync: Sync::Synced {
            key,
            refs,
            merge_on,
            frozen_with_track: None,
        },
    }
}

const fn local(table: &'static str, why: &'static str) -> TableDecl {
    TableDecl {
        table,
        sync: Sync::Local(why),
    }
}

const ID: &[&str] = &["id"];

/// Every table of the schema, synced ones parents first.
pub const TABLES: &[TableDecl] = &[
    synced("clients", ID, &[], &["name_key"]),
    synced(
        "projects",
        ID,
        &[to("client_id", "clients")],
        &["client_id", "name_key"],
    ),
    synced(
        "milestones",
        ID,
        &[to("project_id", "projects")],
        &["project_id", "name_key"],
    ),
    synced("tags", ID, &[], &["name_key"]),
    // The owner is no row (`person_id IS NULL` everywhere, V13): the same on every device.
    synced("people", ID, &[], &["name_key"]),
    synced(
        "tasks",
        ID,
        &[
            to("project_id", "projects"),
            to("milestone_id", "milestones"),
            to("assignee_id", "people"),
        ],
        &["project_id", "name_key"],
    ),
    synced("invoices", ID, &[to("client_id", "clients")], &[]),
    synced(
        "expenses",
        ID,
        &[
            to("project_id", "projects"),
            to("invoice_id", "invoices"),
            to_by_schema("draft_of", "expenses"),
            to("person_id", "people"),
        ],
        &[],
    ),
    synced(
        "invoice_lines",
        ID,
        &[
            to_by_schema("invoice_id", "invoices"),
            to("project_id", "projects"),
            to("expense_id", "expenses"),
        ],
        &[],
    ),
    TableDecl {
        table: "tracks",
        sync: Sync::Synced {
            key: ID,
            refs: &[
                to("project_id", "projects"),
                to("invoice_id", "invoices"),
                to_by_schema("invoice_line_id", "invoice_lines"),
                to("task_id", "tasks"),
                to_by_schema("draft_of", "tracks"),
                to("person_id", "people"),
            ],
            merge_on: &["import_key"],
            frozen_with_track: Some("id"),
        },
    },
    synced(
        "track_tags",
        &["track_id", "tag_id"],
        &[to_by_schema("track_id", "tracks"), to("tag_id", "tags")],
        &[],
    ),
    synced(
        "invoice_items",
        &["invoice_id", "kind", "item_id"],
        &[
            to_by_schema("invoice_id", "invoices"),
            Ref {
                column: "item_id",
                target: Target::ByColumn {
                    column: "kind",
                    tables: &[("track", "tracks"), ("expense", "expenses")],
                },
                on_delete: OnDelete::Keep,
            },
        ],
        &[],
    ),
    synced("invoice_sequences", &["scope"], &[], &[]),
    synced("settings", &["key"], &[], &[]),
    local(
        "api_tokens",
        "tokens open this device's HTTP server only; their secrets never leave it",
    ),
    local(
        "audit_log",
        "each device audits the writes made through its own front ends",
    ),
    local(
        "change_log",
        "sync carries it as files; each device keeps its own log",
    ),
    local("change_clock", "this device's id and clock"),
    local(
        "request_ids",
        "retries are answered by the device that was asked",
    ),
    local("refinery_schema_history", "this file's migrations"),
    local("sync_state", "this device's sync bookkeeping"),
    local("sync_peers", "this device's sync bookkeeping"),
    local("sync_ids", "this device's sync bookkeeping"),
    local(
        "sync_rows",
        "sync bookkeeping (a snapshot carries it, see SNAPSHOT_BOOKKEEPING)",
    ),
    local(
        "sync_cols",
        "sync bookkeeping (a snapshot carries it, see SNAPSHOT_BOOKKEEPING)",
    ),
    local(
        "sync_redirects",
        "sync bookkeeping (a snapshot carries it, see SNAPSHOT_BOOKKEEPING)",
    ),
    local(
        "sync_created",
        "sync bookkeeping (a snapshot carries it, see SNAPSHOT_BOOKKEEPING)",
    ),
    local(
        "sync_released",
        "sync bookkeeping (a snapshot carries it, see SNAPSHOT_BOOKKEEPING)",
    ),
    local("sync_decisions", "this device's sync bookkeeping"),
];

/// The declaration of `table`, if it has one.
pub fn decl(table: &str) -> Option<&'static TableDecl> {
    TABLES.iter().find(|d| d.table == table)
}

/// The position of `table` in [`TABLES`] (publish and apply order): undeclared tables last.
pub(crate) fn rank(table: &str) -> usize {
    TABLES
        .iter()
        .position(|d| d.table == table)
        .unwrap_or(TABLES.len())
}

/// The merge columns and frozen-with-track column of a synced table.
pub(crate) fn rules(table: &str) -> (&'static [&'static str], Option<&'static str>) {
    match decl(table).map(|d| d.sync) {
        Some(Sync::Synced {
            merge_on,
            frozen_with_track,
            ..
        }) => (merge_on, frozen_with_track),
        _ => (&[], None),
    }
}
