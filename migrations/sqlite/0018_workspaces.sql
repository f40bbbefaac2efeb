-- Workspaces. Assistants (and through them documents, website chats,
-- evaluation sets and web sources), chats and API keys belong to a
-- workspace; people belong to workspaces with a role (owner, admin,
-- editor, viewer). Every account has a personal workspace: existing
-- accounts get one here with the account's own id, so every assistant,
-- chat and key stays where it was.
--
-- Runs with foreign keys off (`Db::migrate` checks them afterwards): the
-- assistants and chats tables are rebuilt so that they belong to a
-- workspace, and no longer leave with the account that made them.
CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    -- The account whose personal workspace this is; NULL: a shared one.
    personal_of INTEGER UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL
);

CREATE TABLE workspace_members (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id);

INSERT INTO workspaces (id, name, personal_of, created_at)
    SELECT id, 'Personal', id, created_at FROM users;
INSERT INTO workspace_members (workspace_id, user_id, role, created_at)
    SELECT id, id, 'owner', created_at FROM users;

-- The workspace the account works in now (NULL: its personal one).
ALTER TABLE users ADD COLUMN workspace_id INTEGER REFERENCES workspaces (id) ON DELETE SET NULL;

CREATE TABLE assistants_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    public_id     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    company_name  TEXT NOT NULL,
    instructions  TEXT NOT NULL,
    query_count   INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    grounded      INTEGER NOT NULL DEFAULT 1,
    refusal       TEXT NOT NULL DEFAULT '',
    chat_model    TEXT,
    temperature   REAL,
    ocr_languages TEXT NOT NULL DEFAULT 'eng'
);
INSERT INTO assistants_new (id, workspace_id, public_id, name, company_name, instructions,
        query_count, created_at, updated_at, grounded, refusal, chat_model, temperature, ocr_languages)
    SELECT id, user_id, public_id, name, company_name, instructions,
        query_count, created_at, updated_at, grounded, refusal, chat_model, temperature, ocr_languages
    FROM assistants;
-- Ids of deleted assistants are not given out again.
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'assistants')
    WHERE name = 'assistants_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'assistants');
DROP TABLE assistants;
ALTER TABLE assistants_new RENAME TO assistants;
CREATE INDEX assistants_workspace ON assistants (workspace_id, created_at);

CREATE TABLE chats_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    assistant_id    INTEGER NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    thread_id       TEXT NOT NULL UNIQUE,
    origin          TEXT NOT NULL DEFAULT 'api',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    visitor_session TEXT,
    visitor_ip_hash TEXT,
    site_origin     TEXT
);
INSERT INTO chats_new (id, workspace_id, assistant_id, thread_id, origin, created_at, updated_at,
        visitor_session, visitor_ip_hash, site_origin)
    SELECT id, user_id, assistant_id, thread_id, origin, created_at, updated_at,
        visitor_session, visitor_ip_hash, site_origin
    FROM chats;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'chats')
    WHERE name = 'chats_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'chats');
DROP TABLE chats;
ALTER TABLE chats_new RENAME TO chats;
CREATE INDEX chats_workspace ON chats (workspace_id, updated_at);
CREATE INDEX chats_assistant_id ON chats (assistant_id, updated_at);
CREATE INDEX chats_visitor_session ON chats (visitor_session) WHERE visitor_session IS NOT NULL;
CREATE INDEX chats_visitor_ip ON chats (assistant_id, visitor_ip_hash) WHERE visitor_ip_hash IS NOT NULL;

-- A key acts in its workspace with the role its maker has there now.
ALTER TABLE api_tokens ADD COLUMN workspace_id INTEGER REFERENCES workspaces (id) ON DELETE CASCADE;
UPDATE api_tokens SET workspace_id = user_id;
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id);

-- Invitations: a link (its token kept only as a hash) for one address and
-- role, valid until `expires_at`, used once.
CREATE TABLE invitations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    accepted_at  TEXT,
    accepted_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoked_at   TEXT
);
CREATE INDEX invitations_workspace ON invitations (workspace_id, created_at);

-- The audit log: who did what, when, in each workspace. `actor` is the
-- name at the time ("ada", "ada (API key 3f9a1c)"); never a secret.
CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    actor_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    ip           TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX audit_events_workspace ON audit_events (workspace_id, created_at);
CREATE INDEX audit_events_created ON audit_events (created_at);
