-- Assistants: a name, a company, instructions; owned by one user.
CREATE TABLE assistants (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_id    TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    company_name TEXT NOT NULL,
    instructions TEXT NOT NULL,
    query_count  BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX assistants_user_id ON assistants (user_id, created_at);
