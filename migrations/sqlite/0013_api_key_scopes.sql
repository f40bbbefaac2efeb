-- Scoped API keys: what a key may do (full, chat, read), the assistants it
-- may reach (a JSON array of ids; NULL: all of its owner's) and when it
-- stops working (NULL: never).
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';
ALTER TABLE api_tokens ADD COLUMN assistant_ids TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
