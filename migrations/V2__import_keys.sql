-- stint schema, version 2.
--
-- Recognise imported rows, so importing the same file twice adds nothing: import_key is a hash
-- of an imported row's normalised values; NULL for tracks made any other way.
ALTER TABLE tracks ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX tracks_import_key ON tracks (import_key) WHERE import_key IS NOT NULL;

-- Reports over years of tracks. Covering indexes (no table lookups): by start, for ranges of
-- days or weeks; by project, billable flag and rate, for summing wide ranges in group order.
-- And an index on the end, to find tracks that begin before a range and reach into it.
CREATE INDEX tracks_report ON tracks (start_at, end_at, project_id, billable, hourly_rate);
CREATE INDEX tracks_by_project ON tracks (project_id, billable, hourly_rate, start_at, end_at);
CREATE INDEX tracks_end ON tracks (end_at);
-- The longest finished track, so a query for tracks reaching into a range from before it only
-- looks back that far.
CREATE INDEX tracks_length ON tracks ((end_at - start_at)) WHERE end_at IS NOT NULL;
