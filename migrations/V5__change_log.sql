-- stint schema, version 5: the change log (undo, and later sync between devices) and request
-- ids (retry-safe creates).
--
-- RULE for every later migration: only ever APPEND columns to recorded tables (ALTER TABLE ...
-- ADD COLUMN), never drop, rename or reorder them. A changeset stored in change_log matches
-- columns by position, so one recorded at schema N still applies at N+1 only when the columns
-- it knows keep their places. Recorded tables are every table with a PRIMARY KEY except the
-- ones below, api_tokens and audit_log (see store::changes::is_recorded).

-- One row per write transaction, appended in the same transaction as the write.
CREATE TABLE change_log (
    id             INTEGER PRIMARY KEY,
    -- Hybrid logical clock: physical milliseconds << 16 | counter; never goes backwards on a
    -- device. Ties between devices are broken by device_id.
    hlc            INTEGER NOT NULL,
    device_id      TEXT    NOT NULL,
    at             INTEGER NOT NULL,   -- Unix seconds, UTC
    frontend       TEXT    NOT NULL,   -- mcp-stdio | mcp-http | cli
    token_name     TEXT,
    operation      TEXT    NOT NULL,   -- the use case, e.g. create_track, undo_change
    summary        TEXT    NOT NULL,   -- readable, e.g. "added track 12 (Website, ...)"
    rows_touched   TEXT    NOT NULL,   -- which rows of which tables, e.g. "tracks 12; track_tags 2"
    schema_version INTEGER NOT NULL,   -- the schema the changeset was recorded at
    -- SQLite session changeset (sqlite3session_changeset); NULL for a write too large to keep,
    -- which cannot be undone.
    changeset      BLOB,
    -- For an undo: the change it reverted.
    undo_of        INTEGER REFERENCES change_log (id)
);
CREATE INDEX change_log_caller ON change_log (frontend, ifnull(token_name, ''), id);
CREATE UNIQUE INDEX change_log_undo_of ON change_log (undo_of) WHERE undo_of IS NOT NULL;
CREATE UNIQUE INDEX change_log_hlc ON change_log (hlc, device_id);

-- This database's device id (random, made once) and the last HLC stamp it issued.
CREATE TABLE change_clock (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    device_id TEXT    NOT NULL,
    hlc       INTEGER NOT NULL
);
INSERT INTO change_clock (id, device_id, hlc) VALUES (1, lower(hex(randomblob(16))), 0);

-- request_id of create calls, per caller, for 24 hours: a retry returns the first answer.
CREATE TABLE request_ids (
    caller      TEXT    NOT NULL,   -- frontend, or frontend/token name
    request_id  TEXT    NOT NULL,
    operation   TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,   -- SHA-256 of the call's arguments
    result_ids  TEXT    NOT NULL,   -- ids of what the first call wrote, comma-separated
    at          INTEGER NOT NULL,   -- Unix seconds, UTC
    PRIMARY KEY (caller, request_id)
) WITHOUT ROWID;
CREATE INDEX request_ids_at ON request_ids (at);
