-- Keyword search ranks an assistant's passages with statistics of that
-- assistant's passages only (their number, their average length, how many
-- hold each term), not of the whole index, where other accounts' documents
-- would show through the scores. The average length needs each passage's
-- length as FTS5 counts it (tokens in its `body` column), summed over the
-- assistant's passages through an index. New passages get it from FTS5 when
-- they are indexed; existing ones from FTS5's own record of it: the first
-- varint of the row's `sz` blob in `chunks_fts_docsize` (one varint per
-- column; a passage's length fits in three bytes).
ALTER TABLE chunks ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
UPDATE chunks SET tokens = COALESCE((
    SELECT CASE
        WHEN b0 < 128 THEN b0
        WHEN b1 < 128 THEN (b0 - 128) * 128 + b1
        ELSE ((b0 - 128) * 128 + (b1 - 128)) * 128 + b2
    END
    FROM (SELECT (instr('0123456789ABCDEF', substr(h, 1, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 2, 1)) - 1 AS b0,
                 (instr('0123456789ABCDEF', substr(h, 3, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 4, 1)) - 1 AS b1,
                 (instr('0123456789ABCDEF', substr(h, 5, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 6, 1)) - 1 AS b2
          FROM (SELECT hex(sz) AS h FROM chunks_fts_docsize WHERE id = chunks.id))
), 0);
DROP INDEX chunks_assistant_id;
CREATE INDEX chunks_assistant_tokens ON chunks (assistant_id, tokens);
