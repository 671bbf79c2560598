-- stint schema, version 12: clocks another device cannot poison.
--
-- Bookkeeping of this device only (sync_peers is not recorded in the change log).
--
-- A change stamped more than a bound (a day by default) ahead of this device's clock is held
-- back, with every later change of its device, until this clock reaches it or the person
-- accepts it (`stint sync accept DEVICE`): held_hlc is the newest stamp seen held back (NULL:
-- nothing held), accepted_hlc the stamp up to which the person accepted that device's changes
-- however far ahead they are.
ALTER TABLE sync_peers ADD COLUMN held_hlc INTEGER;
ALTER TABLE sync_peers ADD COLUMN accepted_hlc INTEGER NOT NULL DEFAULT 0;
