-- Keyword search ranks passages by BM25 as SQLite's FTS5 does, which needs
-- each passage's length in words, stop words included (as FTS5 counts
-- them): new passages get it at insertion; existing ones take the last
-- position of their tsvector, which counts every word up to the last one
-- that is not a stop word.
ALTER TABLE chunks ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
UPDATE chunks SET tokens = COALESCE((SELECT max(p) FROM unnest(body) AS u, unnest(u.positions) AS p), 0);
