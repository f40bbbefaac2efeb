-- Keyword search takes the number of passages and their average length
-- over the asking assistant's passages, not the whole table (where other
-- accounts' documents would show through the scores): both are read from
-- this index alone.
DROP INDEX chunks_assistant_id;
CREATE INDEX chunks_assistant_tokens ON chunks (assistant_id, tokens);
