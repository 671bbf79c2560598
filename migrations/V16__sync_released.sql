-- stint schema, version 16: references sync let go of, to restore when their row comes back.
--
-- Bookkeeping of this device (a snapshot carries it, like sync_created). When a row is deleted,
-- the rows that pointed at it through a nullable reference lose it (ON DELETE SET NULL, or sync
-- clearing a reference to a row that is not here). A deleted row can come back: an undone
-- delete, or a track another device put on an invoice without knowing of the delete. Every
-- device then points those references at it again, so that devices which let go of a
-- reference and devices which never did end the same. One row per reference let go of:
-- `tbl`.`col` of row `id` pointed at row `parent_id` of table `parent`.
CREATE TABLE sync_released (
    tbl TEXT NOT NULL,
    id INTEGER NOT NULL,
    col TEXT NOT NULL,
    parent TEXT NOT NULL,
    parent_id INTEGER NOT NULL,
    PRIMARY KEY (tbl, id, col)
) WITHOUT ROWID;
CREATE INDEX sync_released_parent ON sync_released (parent, parent_id);
