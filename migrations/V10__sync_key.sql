-- stint schema, version 10: sync files encrypted end to end, snapshots, and syncing on its own.
--
-- All three are this device's own choices and bookkeeping, kept in sync_state (not recorded in the
-- change log, never sent to other devices).

-- The key that encrypts and authenticates every sync file this device writes and reads
-- (32 bytes, XChaCha20-Poly1305), or NULL: files are not encrypted. The person copies it
-- between devices (`stint sync key`).
ALTER TABLE sync_state ADD COLUMN sync_key BLOB;

-- This device's published sequence number when it last wrote a snapshot to the folder.
ALTER TABLE sync_state ADD COLUMN snapshot_seq INTEGER NOT NULL DEFAULT 0;

-- 1: `stint mcp` and `stint serve` sync the folder on their own (at start, after writes and
-- now and then); 0: only when asked.
ALTER TABLE sync_state ADD COLUMN auto_sync INTEGER NOT NULL DEFAULT 1;

-- What this device had applied of each other device (the newest stamp of its changes here),
-- written into every log so other devices can tell a concurrent deletion from a known one.
CREATE INDEX change_log_device ON change_log (device_id, hlc);

-- When (clock stamp) and where each row in sync_created was created: a row created by a device
-- that had already applied a same-named row's creation is a new row, not a twin to merge.
ALTER TABLE sync_created ADD COLUMN hlc INTEGER;
ALTER TABLE sync_created ADD COLUMN device TEXT;

-- The newest clock stamp of each other device's changes that a snapshot this device started
-- from had (those changes are in its rows, not in this change log): part of what this device
-- tells it knows.
ALTER TABLE sync_peers ADD COLUMN known_hlc INTEGER NOT NULL DEFAULT 0;
