-- What each document is (read at ingest, correctable by its owner): the
-- company it is from, its kind (10-K, contract…), its period and a title.
ALTER TABLE documents ADD COLUMN company TEXT;
ALTER TABLE documents ADD COLUMN kind TEXT;
ALTER TABLE documents ADD COLUMN period TEXT;
ALTER TABLE documents ADD COLUMN title TEXT;
-- Documents read before now are read again from their stored originals at
-- the next start, so that they get these and their passages the context
-- search now reads (what the document is; a table's statement and years).
DELETE FROM chunk_vectors;
DELETE FROM chunks;
UPDATE documents SET status = 'pending', pages_done = 0, attempts = 0
    WHERE status IN ('ready', 'processing');
