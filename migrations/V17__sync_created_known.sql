-- stint schema, version 17: what the device that claimed a name knew when it claimed it.
--
-- A claim (a row created with, or renamed to, merge values: sync_created) is concurrent with
-- another only if neither claimer knew of the other's claim. Until now only the knowledge of
-- the claim being applied was at hand (its log's `known`); a claim recorded here did not keep
-- its own. `known` is the newest clock stamp of every other device's changes its claimer had
-- applied when it claimed: "<device id>:<stamp>" pairs, comma-separated, sorted by device id
-- (empty: it knew nothing of other devices). NULL for claims recorded before version 17:
-- they are judged as before. Added at the end: a snapshot carries the table column by column.
ALTER TABLE sync_created ADD COLUMN known TEXT;
