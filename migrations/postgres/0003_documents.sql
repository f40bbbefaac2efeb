-- Documents of an assistant, their passages (chunks) and the keyword index.
CREATE TABLE documents (
    id           BIGSERIAL PRIMARY KEY,
    assistant_id BIGINT NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    error        TEXT,
    pages        BIGINT,
    pages_done   BIGINT NOT NULL DEFAULT 0,
    empty_pages  BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (assistant_id, sha256)
);
CREATE INDEX documents_status ON documents (status, id);

CREATE TABLE chunks (
    id           BIGSERIAL PRIMARY KEY,
    document_id  BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    assistant_id BIGINT NOT NULL,
    page         BIGINT,
    heading      TEXT NOT NULL,
    text         TEXT NOT NULL,
    body         TSVECTOR NOT NULL
);
CREATE INDEX chunks_document_id ON chunks (document_id);
CREATE INDEX chunks_assistant_id ON chunks (assistant_id);
CREATE INDEX chunks_body ON chunks USING GIN (body);
