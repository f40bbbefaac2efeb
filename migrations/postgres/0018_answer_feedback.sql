-- What an answer was, for the owner's analytics: whether the documents
-- covered the question (FALSE: the refusal was given), the model that
-- wrote it (NULL: written without one) and how long the asker waited for
-- its first word. And the asker's feedback on it: `up` or `down`, an
-- optional comment, when it was given.
ALTER TABLE messages ADD COLUMN covered BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE messages ADD COLUMN model TEXT;
ALTER TABLE messages ADD COLUMN first_word_ms BIGINT;
ALTER TABLE messages ADD COLUMN rating TEXT;
ALTER TABLE messages ADD COLUMN feedback_comment TEXT;
ALTER TABLE messages ADD COLUMN feedback_at TIMESTAMPTZ;
CREATE INDEX messages_rating ON messages (rating) WHERE rating IS NOT NULL;

-- Whether the website chat shows visitors the thumbs under each answer.
ALTER TABLE widgets ADD COLUMN show_feedback BOOLEAN NOT NULL DEFAULT TRUE;
