-- How many of a document's passages hold each lexeme, written with its
-- passages at ingest: keyword search sums it over the asking assistant's
-- documents for BM25's document frequencies, instead of counting matches
-- in a table that holds every account's passages.
CREATE TABLE document_lexemes (
    document_id  BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    assistant_id BIGINT NOT NULL,
    lexeme       TEXT NOT NULL,
    passages     INTEGER NOT NULL,
    PRIMARY KEY (document_id, lexeme)
);
CREATE INDEX document_lexemes_assistant ON document_lexemes (assistant_id, lexeme);
INSERT INTO document_lexemes (document_id, assistant_id, lexeme, passages)
    SELECT c.document_id, c.assistant_id, u.lexeme, COUNT(*)
    FROM chunks c CROSS JOIN LATERAL unnest(c.body) AS u
    GROUP BY c.document_id, c.assistant_id, u.lexeme;
