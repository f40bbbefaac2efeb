-- Workspaces. Assistants (and through them documents, website chats,
-- evaluation sets and web sources), chats and API keys belong to a
-- workspace; people belong to workspaces with a role (owner, admin,
-- editor, viewer). Every account has a personal workspace: existing
-- accounts get one here with the account's own id, so every assistant,
-- chat and key stays where it was.
CREATE TABLE workspaces (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    -- The account whose personal workspace this is; NULL: a shared one.
    personal_of BIGINT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE workspace_members (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id);

INSERT INTO workspaces (id, name, personal_of, created_at)
    SELECT id, 'Personal', id, created_at FROM users;
INSERT INTO workspace_members (workspace_id, user_id, role, created_at)
    SELECT id, id, 'owner', created_at FROM users;
SELECT setval(pg_get_serial_sequence('workspaces', 'id'),
    (SELECT COALESCE(MAX(id), 0) + 1 FROM workspaces), false);

-- The workspace the account works in now (NULL: its personal one).
ALTER TABLE users ADD COLUMN workspace_id BIGINT REFERENCES workspaces (id) ON DELETE SET NULL;

-- Assistants and chats belong to a workspace, and no longer leave with
-- the account that made them.
ALTER TABLE assistants RENAME COLUMN user_id TO workspace_id;
ALTER TABLE assistants DROP CONSTRAINT assistants_user_id_fkey;
ALTER TABLE assistants ADD CONSTRAINT assistants_workspace_id_fkey
    FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE;
ALTER INDEX assistants_user_id RENAME TO assistants_workspace;

ALTER TABLE chats RENAME COLUMN user_id TO workspace_id;
ALTER TABLE chats DROP CONSTRAINT chats_user_id_fkey;
ALTER TABLE chats ADD CONSTRAINT chats_workspace_id_fkey
    FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE;
ALTER INDEX chats_user_id RENAME TO chats_workspace;

-- A key acts in its workspace with the role its maker has there now.
ALTER TABLE api_tokens ADD COLUMN workspace_id BIGINT REFERENCES workspaces (id) ON DELETE CASCADE;
UPDATE api_tokens SET workspace_id = user_id;
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id);

-- Invitations: a link (its token kept only as a hash) for one address and
-- role, valid until `expires_at`, used once.
CREATE TABLE invitations (
    id           BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    accepted_at  TIMESTAMPTZ,
    accepted_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX invitations_workspace ON invitations (workspace_id, created_at);

-- The audit log: who did what, when, in each workspace. `actor` is the
-- name at the time ("ada", "ada (API key 3f9a1c)"); never a secret.
CREATE TABLE audit_events (
    id           BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    actor_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    ip           TEXT,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_events_workspace ON audit_events (workspace_id, created_at);
CREATE INDEX audit_events_created ON audit_events (created_at);
