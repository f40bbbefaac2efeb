-- How many times a document's processing was started: one cut off too
-- often (by a crash or a stop) is failed rather than taken up again.
ALTER TABLE documents ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
