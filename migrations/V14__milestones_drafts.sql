-- stint schema, version 14: a due date and a priority on tasks, milestones that hold tasks, and
-- drafts (tracks and expenses an assistant proposed that a person has not approved yet).
--
-- Columns are only appended to recorded tables (ALTER TABLE ADD COLUMN): the change log records
-- rows by column position.

-- A milestone: a stage of a project with a due date; it holds tasks of its project. Its name is
-- unique within the project once folded (name_key, as domain::names::name_key computes it).
CREATE TABLE milestones (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    name         TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    name_key     TEXT    NOT NULL,
    -- A local date, YYYY-MM-DD; NULL for none.
    due_date     TEXT,
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed')),
    -- Unix seconds, UTC; set while completed.
    completed_at INTEGER,
    archived     INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX milestones_project_name_key ON milestones (project_id, name_key);

-- A local date, YYYY-MM-DD, by which the task is due; NULL for none.
ALTER TABLE tasks ADD COLUMN due_date TEXT;
-- low, normal, high or urgent.
ALTER TABLE tasks ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high', 'urgent'));
-- A milestone of the task's project (the service keeps the two consistent).
ALTER TABLE tasks ADD COLUMN milestone_id INTEGER REFERENCES milestones (id);
CREATE INDEX tasks_milestone ON tasks (milestone_id) WHERE milestone_id IS NOT NULL;

-- Drafts: 1 while a track or expense waits for a person's approval. A draft is listed with the
-- person's data but counted in no total, report, budget, unbilled summary or invoice.
-- `draft_of` names the approved row a draft would change when approved (an edit held back);
-- NULL for a new row. Deleting that row here deletes the held edit first (the store does); when
-- another device deleted it, the reference is let go (SET NULL, and sync does the same for an
-- edit that arrives after the delete) and the proposal stands as a new draft.
ALTER TABLE tracks ADD COLUMN draft INTEGER NOT NULL DEFAULT 0 CHECK (draft IN (0, 1));
ALTER TABLE tracks ADD COLUMN draft_of INTEGER REFERENCES tracks (id) ON DELETE SET NULL;
ALTER TABLE expenses ADD COLUMN draft INTEGER NOT NULL DEFAULT 0 CHECK (draft IN (0, 1));
ALTER TABLE expenses ADD COLUMN draft_of INTEGER REFERENCES expenses (id) ON DELETE SET NULL;
CREATE INDEX tracks_drafts ON tracks (id) WHERE draft = 1;
CREATE INDEX tracks_draft_of ON tracks (draft_of) WHERE draft_of IS NOT NULL;
CREATE INDEX expenses_drafts ON expenses (id) WHERE draft = 1;
CREATE INDEX expenses_draft_of ON expenses (draft_of) WHERE draft_of IS NOT NULL;

-- The report indexes cover the draft flag too, so sums that leave drafts out still never read
-- the table. Same columns as V8, draft added; the unbilled index holds no drafts.
DROP INDEX tracks_report;
CREATE INDEX tracks_report ON tracks (start_at, end_at, project_id, billable, hourly_rate, task_id, draft);
DROP INDEX tracks_by_project;
CREATE INDEX tracks_by_project ON tracks (project_id, billable, hourly_rate, task_id, start_at, end_at, draft);
DROP INDEX tracks_unbilled;
CREATE INDEX tracks_unbilled ON tracks (project_id, hourly_rate, task_id, start_at, end_at, billable, invoice_id)
    WHERE billable = 1 AND invoice_id IS NULL AND end_at IS NOT NULL AND draft = 0;

-- A token whose writes of tracks and expenses are drafts (`stint token create --drafts`).
ALTER TABLE api_tokens ADD COLUMN drafts INTEGER NOT NULL DEFAULT 0 CHECK (drafts IN (0, 1));

-- Invoices grouped by milestone. The CHECKs of invoices.group_by (V1) and invoices.grouping (V8)
-- cannot change without rebuilding the table: `grouping_v14` holds 'milestone' (group_by then
-- says 'project' and grouping 'task', the nearest older ones). NULL: the older columns say it.
ALTER TABLE invoices ADD COLUMN grouping_v14 TEXT
    CHECK (grouping_v14 IS NULL OR grouping_v14 IN ('milestone'));
