-- Assistants: a name, a company, instructions; owned by one user.
CREATE TABLE assistants (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_id    TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    company_name TEXT NOT NULL,
    instructions TEXT NOT NULL,
    query_count  INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX assistants_user_id ON assistants (user_id, created_at);
