-- Documents of an assistant, their passages (chunks) and the keyword index.
CREATE TABLE documents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    assistant_id INTEGER NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    error        TEXT,
    pages        INTEGER,
    pages_done   INTEGER NOT NULL DEFAULT 0,
    empty_pages  INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (assistant_id, sha256)
);
CREATE INDEX documents_status ON documents (status, id);

CREATE TABLE chunks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    assistant_id INTEGER NOT NULL,
    page         INTEGER,
    heading      TEXT NOT NULL,
    text         TEXT NOT NULL
);
CREATE INDEX chunks_document_id ON chunks (document_id);
CREATE INDEX chunks_assistant_id ON chunks (assistant_id);

-- The keyword index holds each passage with its context (document, company,
-- heading); it stores no copy of the text (contentless), only the index.
CREATE VIRTUAL TABLE chunks_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    DELETE FROM chunks_fts WHERE rowid = old.id;
END;
