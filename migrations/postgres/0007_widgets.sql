-- The embeddable chat: each assistant's publishing settings, keyed by a
-- public key of its own (`pub_…`, rotatable; separate from `public_id` and
-- from API keys).
CREATE TABLE widgets (
    assistant_id        BIGINT PRIMARY KEY REFERENCES assistants (id) ON DELETE CASCADE,
    public_key          TEXT NOT NULL UNIQUE,
    enabled             BOOLEAN NOT NULL DEFAULT FALSE,
    -- Allowed origins, one per line (`https://www.example.com`).
    allowed_origins     TEXT NOT NULL DEFAULT '',
    title               TEXT NOT NULL DEFAULT '',
    accent              TEXT NOT NULL DEFAULT '#4f46e5',
    position            TEXT NOT NULL DEFAULT 'right',
    welcome             TEXT NOT NULL DEFAULT '',
    -- Suggested questions, one per line.
    suggestions         TEXT NOT NULL DEFAULT '',
    show_sources        BOOLEAN NOT NULL DEFAULT TRUE,
    visitor_hourly_limit BIGINT NOT NULL DEFAULT 20,
    daily_limit         BIGINT NOT NULL DEFAULT 500,
    updated_at          TIMESTAMPTZ NOT NULL
);

-- Chats from the widget: the visitor's session (from its signed token), a
-- keyed hash of the visitor's IP address (never the address itself), and
-- the site it came from.
ALTER TABLE chats ADD COLUMN visitor_session TEXT;
ALTER TABLE chats ADD COLUMN visitor_ip_hash TEXT;
ALTER TABLE chats ADD COLUMN site_origin TEXT;
CREATE INDEX chats_visitor_session ON chats (visitor_session) WHERE visitor_session IS NOT NULL;
CREATE INDEX chats_visitor_ip ON chats (assistant_id, visitor_ip_hash) WHERE visitor_ip_hash IS NOT NULL;
CREATE INDEX messages_created_at ON messages (created_at);

-- Secrets the servers share (the key that signs widget tokens), made once.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
