-- What each document is (read at ingest, correctable by its owner): the
-- company it is from, its kind (10-K, contract…), its period and a title.
ALTER TABLE documents ADD COLUMN company TEXT;
ALTER TABLE documents ADD COLUMN kind TEXT;
ALTER TABLE documents ADD COLUMN period TEXT;
ALTER TABLE documents ADD COLUMN title TEXT;
