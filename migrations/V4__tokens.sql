-- A revoked token's name can be used again: names are unique among active tokens only.
-- SQLite cannot drop a column's UNIQUE constraint, so the table is rebuilt (ids kept).
CREATE TABLE api_tokens_v4 (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    sensitive    INTEGER NOT NULL DEFAULT 0 CHECK (sensitive IN (0, 1)),
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
INSERT INTO api_tokens_v4 (id, name, scope, sensitive, secret_hash, created_at, last_used_at, revoked_at)
    SELECT id, name, scope, sensitive, secret_hash, created_at, last_used_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_v4 RENAME TO api_tokens;
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
