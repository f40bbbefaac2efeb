-- The keyword index gains the passage's assistant as a second column, so a
-- search reads only that assistant's postings instead of filtering every
-- match in the database; numbers are now indexed without grouping commas.
-- Both need the index rebuilt: documents go back to the queue, and the
-- worker reads them again from their stored originals.
DROP TRIGGER chunks_fts_delete;
DROP TABLE chunks_fts;
DELETE FROM chunks;
CREATE VIRTUAL TABLE chunks_fts USING fts5 (
    body,
    assistant,
    content = '',
    contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    DELETE FROM chunks_fts WHERE rowid = old.id;
END;
UPDATE documents SET status = 'pending', pages_done = 0 WHERE status IN ('ready', 'processing');
