-- stint schema, version 8: tasks under projects.
--
-- A task belongs to one project for its whole life; its name is unique within the project once
-- folded (name_key, as domain::names::name_key computes it: see V6). A track may name a task of
-- its own project (tracks.task_id); the service keeps the two consistent.
--
-- Columns are only appended to recorded tables (ALTER TABLE ADD COLUMN): the change log records
-- rows by column position.
CREATE TABLE tasks (
    id                  INTEGER PRIMARY KEY,
    project_id          INTEGER NOT NULL REFERENCES projects (id),
    name                TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    name_key            TEXT    NOT NULL,
    -- Estimated work, in seconds; NULL for no estimate.
    estimate_seconds    INTEGER CHECK (estimate_seconds IS NULL OR estimate_seconds > 0),
    status              TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    -- Whether new tracks on the task are billable; NULL follows the project's billable_by_default.
    billable_by_default INTEGER CHECK (billable_by_default IS NULL OR billable_by_default IN (0, 1)),
    -- Hourly rate, a decimal in major units of the project's currency; NULL falls through to the
    -- project's, the client's, then the default rate.
    hourly_rate         TEXT,
    archived            INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX tasks_project_name_key ON tasks (project_id, name_key);
CREATE INDEX tasks_name_key ON tasks (name_key);

ALTER TABLE tracks ADD COLUMN task_id INTEGER REFERENCES tasks (id);

-- Time per task (list_tasks, delete_task, list_tracks task=...), read from the index alone; only
-- tracks with a task are in it.
CREATE INDEX tracks_task ON tracks (task_id, start_at, end_at) WHERE task_id IS NOT NULL;

-- The report indexes cover the task too (its rate applies before the project's, and reports
-- group by it), so sums still never read the table. Same columns as V2/V3, task_id added.
DROP INDEX tracks_report;
CREATE INDEX tracks_report ON tracks (start_at, end_at, project_id, billable, hourly_rate, task_id);
DROP INDEX tracks_by_project;
CREATE INDEX tracks_by_project ON tracks (project_id, billable, hourly_rate, task_id, start_at, end_at);
DROP INDEX tracks_unbilled;
CREATE INDEX tracks_unbilled ON tracks (project_id, hourly_rate, task_id, start_at, end_at, billable, invoice_id)
    WHERE billable = 1 AND invoice_id IS NULL AND end_at IS NOT NULL;

-- Invoices grouped by task. V1's CHECK on invoices.group_by allows only track, project, day and
-- tag, and a CHECK cannot be changed without rebuilding the table: `grouping` holds a grouping
-- newer than that ('task'; group_by then says 'project', the nearest older one). NULL: group_by
-- says it all.
ALTER TABLE invoices ADD COLUMN grouping TEXT CHECK (grouping IS NULL OR grouping IN ('task'));
