-- stint schema, version 6.
--
-- Names are the same name when their Unicode case-folded keys are equal ("Übersetzung" and
-- "übersetzung", "Été" and "été"); SQLite's NOCASE folds ASCII only. The key is computed by the
-- application (domain::names::name_key: NFKC, full case folding, NFKC) on every insert and
-- rename; rows that exist when this migration runs are filled in by store::open right after it.
--
-- Columns are only appended (ALTER TABLE ADD COLUMN): the change log records rows by column
-- position, so tables are never rebuilt or reordered.
--
-- A NULL key is allowed and is unique to itself: a row whose folded name clashes with an older
-- row's when the keys are filled keeps its name and a NULL key (lookups still find it, and
-- report both as ambiguous) until it is renamed.
ALTER TABLE clients ADD COLUMN name_key TEXT;
ALTER TABLE projects ADD COLUMN name_key TEXT;
ALTER TABLE tags ADD COLUMN name_key TEXT;

CREATE UNIQUE INDEX clients_name_key ON clients (name_key);
-- A name is unique per client (two clients may each have a "Website"); also finds a project by
-- key under any client through projects_name_key.
CREATE UNIQUE INDEX projects_client_name_key ON projects (ifnull(client_id, 0), name_key);
CREATE INDEX projects_name_key ON projects (name_key);
CREATE UNIQUE INDEX tags_name_key ON tags (name_key);
