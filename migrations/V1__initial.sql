-- stint schema, version 1.
--
-- Conventions:
--   * instants are INTEGER seconds since the Unix epoch, UTC;
--   * durations are INTEGER seconds;
--   * money and rates are TEXT holding an exact decimal (rust_decimal), in major units;
--   * currencies are ISO 4217 codes; time zones are IANA names;
--   * booleans are INTEGER 0/1.
-- Migrations are append-only: never edit this file once it has landed, add V2__... instead.

CREATE TABLE clients (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    email       TEXT,
    phone       TEXT,
    address     TEXT,
    tax_id      TEXT,
    notes       TEXT,
    hourly_rate TEXT,
    currency    TEXT,
    archived    INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX clients_name ON clients (name COLLATE NOCASE);

CREATE TABLE projects (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    client_id            INTEGER REFERENCES clients (id),
    color                TEXT,
    hourly_rate          TEXT,
    currency             TEXT,
    billable_by_default  INTEGER NOT NULL DEFAULT 1 CHECK (billable_by_default IN (0, 1)),
    budget_seconds       INTEGER CHECK (budget_seconds IS NULL OR budget_seconds > 0),
    budget_amount        TEXT,
    budget_period        TEXT    NOT NULL DEFAULT 'total' CHECK (budget_period IN ('total', 'monthly')),
    budget_alert_percent INTEGER NOT NULL DEFAULT 80 CHECK (budget_alert_percent BETWEEN 1 AND 1000),
    archived             INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
-- A name is unique per client (two clients may each have a "Website").
CREATE UNIQUE INDEX projects_client_name ON projects (ifnull(client_id, 0), name COLLATE NOCASE);
CREATE INDEX projects_name ON projects (name COLLATE NOCASE);

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (name COLLATE NOCASE);

CREATE TABLE invoices (
    id               INTEGER PRIMARY KEY,
    -- NULL while a draft; assigned from invoice_sequences when marked sent.
    number           TEXT UNIQUE,
    status           TEXT    NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'paid', 'void')),
    client_id        INTEGER REFERENCES clients (id),
    currency         TEXT    NOT NULL,
    period_start     INTEGER NOT NULL,
    period_end       INTEGER NOT NULL,
    issue_date       TEXT,
    due_date         TEXT,
    group_by         TEXT    NOT NULL DEFAULT 'track' CHECK (group_by IN ('track', 'project', 'day', 'tag')),
    tax_rate_percent TEXT    NOT NULL DEFAULT '0',
    subtotal         TEXT    NOT NULL,
    tax              TEXT    NOT NULL,
    total            TEXT    NOT NULL,
    notes            TEXT,
    -- Snapshots taken when the invoice is generated, so later edits do not change it.
    seller_name      TEXT,
    seller_address   TEXT,
    client_name      TEXT,
    client_email     TEXT,
    client_address   TEXT,
    client_tax_id    TEXT,
    rounding_mode    TEXT    NOT NULL,
    rounding_increment_minutes INTEGER NOT NULL,
    rounding_scope   TEXT    NOT NULL,
    timezone         TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    paid_at          INTEGER,
    voided_at        INTEGER
);
CREATE INDEX invoices_client ON invoices (client_id, status);

CREATE TABLE invoice_lines (
    id                       INTEGER PRIMARY KEY,
    invoice_id               INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position                 INTEGER NOT NULL,
    description              TEXT    NOT NULL,
    project_id               INTEGER REFERENCES projects (id),
    project_name             TEXT,
    line_date                TEXT,
    duration_seconds         INTEGER NOT NULL,
    rounded_duration_seconds INTEGER NOT NULL,
    quantity_hours           TEXT    NOT NULL,
    unit_rate                TEXT    NOT NULL,
    amount                   TEXT    NOT NULL,
    UNIQUE (invoice_id, position)
);

CREATE TABLE tracks (
    id          INTEGER PRIMARY KEY,
    start_at    INTEGER NOT NULL,
    -- NULL while the timer runs.
    end_at      INTEGER CHECK (end_at IS NULL OR end_at > start_at),
    timezone    TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    project_id  INTEGER REFERENCES projects (id),
    billable    INTEGER NOT NULL DEFAULT 0 CHECK (billable IN (0, 1)),
    hourly_rate TEXT,
    invoice_id  INTEGER REFERENCES invoices (id),
    invoice_line_id INTEGER REFERENCES invoice_lines (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX tracks_start ON tracks (start_at);
CREATE INDEX tracks_project_start ON tracks (project_id, start_at, end_at, billable);
CREATE INDEX tracks_running ON tracks (start_at) WHERE end_at IS NULL;
CREATE INDEX tracks_invoice ON tracks (invoice_id) WHERE invoice_id IS NOT NULL;

CREATE TABLE track_tags (
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    tag_id   INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (track_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX track_tags_tag ON track_tags (tag_id, track_id);

-- Gapless invoice numbering: one counter per scope (e.g. the year for INV-{YYYY}-{SEQ}).
CREATE TABLE invoice_sequences (
    scope    TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Bearer tokens for the HTTP front end; only a hash of the secret is kept.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    sensitive    INTEGER NOT NULL DEFAULT 0 CHECK (sensitive IN (0, 1)),
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

-- Every write from every front end.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    frontend   TEXT    NOT NULL,   -- mcp-stdio | mcp-http | cli
    token_name TEXT,
    operation  TEXT    NOT NULL,   -- e.g. start_timer, update_project
    entity     TEXT    NOT NULL,   -- track | project | client | tag | invoice | settings | token
    entity_ids TEXT    NOT NULL,   -- JSON array of ids touched
    detail     TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
