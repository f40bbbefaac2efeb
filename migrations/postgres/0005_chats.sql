-- Chats with an assistant, and their messages: one row per question, with
-- its answer (null until answered) and the passages the answer cites.
CREATE TABLE chats (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assistant_id BIGINT NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    thread_id    TEXT NOT NULL UNIQUE,
    origin       TEXT NOT NULL DEFAULT 'api',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX chats_user_id ON chats (user_id, updated_at);
CREATE INDEX chats_assistant_id ON chats (assistant_id, updated_at);

CREATE TABLE messages (
    id          BIGSERIAL PRIMARY KEY,
    chat_id     BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    input       TEXT NOT NULL,
    output      TEXT,
    sources     TEXT NOT NULL DEFAULT '[]',
    status      TEXT NOT NULL DEFAULT 'pending',
    error       TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    answered_at TIMESTAMPTZ
);
CREATE INDEX messages_chat_id ON messages (chat_id, id);

ALTER TABLE assistants ADD COLUMN grounded BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE assistants ADD COLUMN refusal TEXT NOT NULL DEFAULT '';
ALTER TABLE assistants ADD COLUMN chat_model TEXT;
ALTER TABLE assistants ADD COLUMN temperature DOUBLE PRECISION;
