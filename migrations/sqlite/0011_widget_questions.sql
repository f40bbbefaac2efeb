-- Questions accepted through a widget, one row each, as its limits count
-- them: a question is counted and recorded in one transaction, so parallel
-- questions cannot go past a limit (see `Db::admit_widget_question`). The
-- visitor is their session and a keyed hash of their address (an IPv6
-- address by its /64). Rows older than the longest window (a day) are
-- deleted as new questions come.
CREATE TABLE widget_questions (
    id              INTEGER PRIMARY KEY,
    assistant_id    INTEGER NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    visitor_session TEXT NOT NULL,
    visitor_ip_hash TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX widget_questions_assistant ON widget_questions (assistant_id, created_at);
CREATE INDEX widget_questions_session ON widget_questions (assistant_id, visitor_session);
CREATE INDEX widget_questions_address ON widget_questions (assistant_id, visitor_ip_hash);

-- The last day's widget questions, counted until now from the messages.
INSERT INTO widget_questions (assistant_id, visitor_session, visitor_ip_hash, created_at)
SELECT c.assistant_id, c.visitor_session, c.visitor_ip_hash, m.created_at
FROM messages m JOIN chats c ON c.id = m.chat_id
WHERE c.origin = 'widget' AND c.visitor_session IS NOT NULL AND c.visitor_ip_hash IS NOT NULL
  AND m.created_at > strftime('%Y-%m-%dT%H:%M:%S', 'now', '-1 day');
