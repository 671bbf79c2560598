-- stint schema, version 3.
--
-- Billable, finished work not on an invoice yet (unbilled_summary over wide ranges), summed in
-- one pass without reading the table: only those tracks are in this index. billable and
-- invoice_id are the same in every entry; they are in it so that it covers the query's
-- conditions on them.
CREATE INDEX tracks_unbilled ON tracks (project_id, hourly_rate, start_at, end_at, billable, invoice_id)
    WHERE billable = 1 AND invoice_id IS NULL AND end_at IS NOT NULL;

-- One index fewer for every stop and import to keep up to date: running timers are found
-- through the partial index tracks_running, which left tracks_end without a query.
DROP INDEX tracks_end;
