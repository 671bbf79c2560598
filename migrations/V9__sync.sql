-- stint schema, version 9: several devices, one history (sync through a shared folder).
--
-- None of these tables is recorded in the change log: they are each device's own bookkeeping
-- (store::changes::is_recorded leaves out every table whose name starts with sync_).

-- This database's part in sync: one row. device_no is NULL until the first sync; from then on
-- new rows get ids seq * 64 + device_no (see store::sync::next_id).
CREATE TABLE sync_state (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    device_no        INTEGER CHECK (device_no IS NULL OR device_no BETWEEN 0 AND 63),
    device_name      TEXT,
    folder           TEXT,
    -- "dev:inode" of the database file when it last synced: another value means the file was
    -- copied (or moved), and the copy takes a new device id and number.
    file_ident       TEXT,
    -- The last change_log id made before this database joined (its ids were renumbered then,
    -- so those changes cannot be undone any more).
    joined_change    INTEGER NOT NULL DEFAULT 0,
    -- The last sequence number and change_log id written to the folder.
    published_seq    INTEGER NOT NULL DEFAULT 0,
    published_change INTEGER NOT NULL DEFAULT 0,
    -- The last change_log id whose clocks are in sync_rows / sync_cols.
    clocked_change   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (id) VALUES (1);

-- Other devices, and how far their changes have been applied here.
CREATE TABLE sync_peers (
    device_id   TEXT PRIMARY KEY,
    device_no   INTEGER NOT NULL,
    name        TEXT,
    applied_seq INTEGER NOT NULL DEFAULT 0,
    -- The newest sequence number seen in the folder (pending = seen - applied).
    seen_seq    INTEGER NOT NULL DEFAULT 0,
    -- Why its files are not applied, if they are not (a newer schema, a damaged file).
    problem     TEXT
) WITHOUT ROWID;

-- The next id sequence per table, so an id once handed out (then deleted) is never reused.
CREATE TABLE sync_ids (
    tbl      TEXT PRIMARY KEY,
    next_seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Row clocks (hybrid logical clock and device): deletions (deleted = 1), and inserts of rows
-- whose key is not an id (settings, tags of a track) or that came back after a deletion.
CREATE TABLE sync_rows (
    tbl     TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    hlc     INTEGER NOT NULL,
    device  TEXT    NOT NULL,
    deleted INTEGER NOT NULL,
    PRIMARY KEY (tbl, key)
) WITHOUT ROWID;

-- Column clocks: the last update of each column of each row (by position).
CREATE TABLE sync_cols (
    tbl    TEXT    NOT NULL,
    key    TEXT    NOT NULL,
    col    INTEGER NOT NULL,
    hlc    INTEGER NOT NULL,
    device TEXT    NOT NULL,
    PRIMARY KEY (tbl, key, col)
) WITHOUT ROWID;

-- Rows merged into another (the same name created on two devices): references to from_key
-- arriving later point at to_key.
CREATE TABLE sync_redirects (
    tbl      TEXT    NOT NULL,
    from_key INTEGER NOT NULL,
    to_key   INTEGER NOT NULL,
    PRIMARY KEY (tbl, from_key)
) WITHOUT ROWID;

-- The values of a row's merge columns when it was created (store::sync::RULES): rows created
-- with the same ones on two devices are one row (the lowest id stays).
CREATE TABLE sync_created (
    tbl  TEXT    NOT NULL,
    mkey TEXT    NOT NULL,
    id   INTEGER NOT NULL,
    PRIMARY KEY (tbl, mkey, id)
) WITHOUT ROWID;

-- What sync decided when changes met: merges, edits that lost, timers both running.
CREATE TABLE sync_decisions (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    change_id INTEGER,   -- the change_log row of the applied remote change, if any
    device_id TEXT,      -- the device whose change it was
    kind      TEXT    NOT NULL,
    detail    TEXT    NOT NULL
);
