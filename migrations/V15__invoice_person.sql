-- stint schema, version 15: invoices grouped by person (issue 21).
--
-- Columns are only appended to recorded tables (ALTER TABLE ADD COLUMN): the change log records
-- rows by column position.

-- The CHECKs of invoices.group_by (V1), invoices.grouping (V8) and invoices.grouping_v14 (V14)
-- cannot change without rebuilding the table: `grouping_v15` holds 'person' (group_by then says
-- 'project', the nearest older one). NULL: the older columns say it. Read back as
-- coalesce(grouping_v15, grouping_v14, grouping, group_by).
ALTER TABLE invoices ADD COLUMN grouping_v15 TEXT
    CHECK (grouping_v15 IS NULL OR grouping_v15 IN ('person'));
