-- stint schema, version 13: people (issue 21).
--
-- The owner (the solo user) is no row: `person_id IS NULL` means the owner on every table and
-- on every device, so the owner needs no set-up, is never renumbered by a first sync and is
-- the same person everywhere. The owner's own figures (name, email, capacity, cost rate) are
-- the settings `owner.*`. Rows of `people` are the other people of a team.
--
-- Columns are only appended (ALTER TABLE ADD COLUMN): the change log and sync record rows by
-- column position, so tables are never rebuilt or reordered.
CREATE TABLE people (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    -- domain::names::name_key of the name (unique: two people are never one name).
    name_key              TEXT,
    email                 TEXT,
    -- Hours per week as decimal text ('40', '22.5'); NULL: no capacity (no utilization).
    weekly_capacity_hours TEXT,
    -- What an hour of this person costs, decimal text in major units of `currency`.
    cost_rate             TEXT,
    -- NULL: the setting default_currency.
    currency              TEXT,
    role                  TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'manager', 'owner')),
    archived              INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE UNIQUE INDEX people_name_key ON people (name_key);

-- Whose track, running timer or expense (NULL: the owner's).
ALTER TABLE tracks ADD COLUMN person_id INTEGER REFERENCES people (id);
CREATE INDEX tracks_person ON tracks (person_id, start_at);
ALTER TABLE expenses ADD COLUMN person_id INTEGER REFERENCES people (id);
-- Who a task is assigned to: a person (assignee_id), the owner (assignee_owner = 1), or nobody.
ALTER TABLE tasks ADD COLUMN assignee_id INTEGER REFERENCES people (id);
ALTER TABLE tasks ADD COLUMN assignee_owner INTEGER NOT NULL DEFAULT 0 CHECK (assignee_owner IN (0, 1));
-- Whom a token speaks for (NULL: the owner). A token is local; when its person goes (deleted,
-- here or on another device, or merged into a same-named person by sync) the token goes too,
-- so it never falls back to speaking for the owner.
ALTER TABLE api_tokens ADD COLUMN person_id INTEGER REFERENCES people (id) ON DELETE CASCADE;
-- Who made the write (NULL: the owner); ids of people, kept as a record.
ALTER TABLE audit_log ADD COLUMN person_id INTEGER;
ALTER TABLE change_log ADD COLUMN person_id INTEGER;
