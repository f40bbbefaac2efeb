-- Chats with an assistant, and their messages: one row per question, with
-- its answer (null until answered) and the passages the answer cites.
CREATE TABLE chats (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assistant_id INTEGER NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    thread_id    TEXT NOT NULL UNIQUE,
    origin       TEXT NOT NULL DEFAULT 'api',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX chats_user_id ON chats (user_id, updated_at);
CREATE INDEX chats_assistant_id ON chats (assistant_id, updated_at);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    input       TEXT NOT NULL,
    output      TEXT,
    sources     TEXT NOT NULL DEFAULT '[]',
    status      TEXT NOT NULL DEFAULT 'pending',
    error       TEXT,
    created_at  TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX messages_chat_id ON messages (chat_id, id);

-- How an assistant answers: only from its documents (the default), what it
-- says when they do not cover a question (empty: the product's default),
-- and an optional model and temperature instead of the server's defaults.
ALTER TABLE assistants ADD COLUMN grounded INTEGER NOT NULL DEFAULT 1;
ALTER TABLE assistants ADD COLUMN refusal TEXT NOT NULL DEFAULT '';
ALTER TABLE assistants ADD COLUMN chat_model TEXT;
ALTER TABLE assistants ADD COLUMN temperature REAL;
