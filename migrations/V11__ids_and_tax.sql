-- stint schema, version 11: ids that are never reused, and a default tax rate per client.
--
-- Columns are only appended (ALTER TABLE ADD COLUMN): the change log and sync record rows by
-- column position, so tables are never rebuilt or reordered.

-- The tax rate in percent (decimal text, e.g. '19') an invoice of this client uses when the
-- call gives none; NULL: the setting default_tax_rate_percent, else 0.
ALTER TABLE clients ADD COLUMN tax_rate_percent TEXT;

-- From now on every new row takes its id from store::sync::next_id, which keeps a high-water
-- mark per table in sync_ids in every database (before, only a database that syncs did, and
-- SQLite gave a deleted newest row's id to the next row). A database that does not sync yet
-- starts its marks above every id its audit log names, so ids deleted before this version are
-- not handed out again either. (A database that syncs has its marks already.)
WITH entities (entity, tbl) AS (
    VALUES ('track', 'tracks'), ('project', 'projects'), ('client', 'clients'),
           ('tag', 'tags'), ('task', 'tasks'), ('expense', 'expenses'),
           ('invoice', 'invoices'), ('token', 'api_tokens')
)
INSERT INTO sync_ids (tbl, next_seq)
SELECT e.tbl, max(CAST(j.value AS INTEGER)) + 1
  FROM audit_log a
  JOIN entities e ON e.entity = a.entity
  JOIN json_each(CASE WHEN json_valid(a.entity_ids) THEN a.entity_ids ELSE '[]' END) j
 WHERE (SELECT device_no FROM sync_state WHERE id = 1) IS NULL
   AND j.type = 'integer'
 GROUP BY e.tbl
ON CONFLICT (tbl) DO UPDATE SET next_seq = max(next_seq, excluded.next_seq);
