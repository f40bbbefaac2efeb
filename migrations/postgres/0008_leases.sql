-- Work a server has taken is leased to it until a moment it keeps pushing
-- back while it works: a document being processed, an answer being
-- written. Once the lease has run out, the server is taken to have died:
-- another one processes the document again, or marks the answer failed.
ALTER TABLE documents ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN lease_until TIMESTAMPTZ;
CREATE INDEX messages_pending ON messages (lease_until) WHERE status = 'pending';
