-- Web pages as documents: an assistant's web sources (one page, a sitemap,
-- or a site crawled from a start page), the pages each found, and on the
-- document the address it was read from. A source is synced under a lease
-- (`status` 'syncing', `lease_until`) when it is due (`next_sync_at`) or
-- asked for (`sync_requested_at`); its documents go with it.
CREATE TABLE web_sources (
    id                BIGSERIAL PRIMARY KEY,
    assistant_id      BIGINT NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    url               TEXT NOT NULL,
    schedule          TEXT NOT NULL,
    max_depth         BIGINT NOT NULL,
    max_pages         BIGINT NOT NULL,
    include_paths     TEXT NOT NULL DEFAULT '[]',
    exclude_paths     TEXT NOT NULL DEFAULT '[]',
    status            TEXT NOT NULL DEFAULT 'idle',
    error             TEXT,
    summary           TEXT,
    sync_requested_at TIMESTAMPTZ,
    next_sync_at      TIMESTAMPTZ,
    last_synced_at    TIMESTAMPTZ,
    lease_until       TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sources_assistant ON web_sources (assistant_id, id);
CREATE INDEX web_sources_due ON web_sources (next_sync_at);

CREATE TABLE web_pages (
    id            BIGSERIAL PRIMARY KEY,
    source_id     BIGINT NOT NULL REFERENCES web_sources (id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    final_url     TEXT NOT NULL,
    document_id   BIGINT REFERENCES documents (id) ON DELETE SET NULL,
    etag          TEXT,
    last_modified TEXT,
    content_hash  TEXT,
    checked_at    TIMESTAMPTZ NOT NULL,
    changed_at    TIMESTAMPTZ,
    outcome       TEXT NOT NULL,
    detail        TEXT,
    links         TEXT NOT NULL DEFAULT '[]',
    UNIQUE (source_id, url)
);
CREATE INDEX web_pages_document ON web_pages (document_id);

ALTER TABLE documents ADD COLUMN source_url TEXT;
ALTER TABLE documents ADD COLUMN web_source_id BIGINT REFERENCES web_sources (id) ON DELETE CASCADE;
CREATE INDEX documents_web_source ON documents (web_source_id);
