-- stint schema, version 2: recognise imported rows, so importing the same file twice adds nothing.
-- import_key is a hash of an imported row's normalised values; NULL for tracks made any other way.
ALTER TABLE tracks ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX tracks_import_key ON tracks (import_key) WHERE import_key IS NOT NULL;
