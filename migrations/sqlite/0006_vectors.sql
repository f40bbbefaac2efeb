-- Each passage's sentence-embedding vector (f32, little-endian), made by the
-- model named in `model`; a passage without one is still to be embedded.
CREATE TABLE chunk_vectors (
    chunk_id     INTEGER PRIMARY KEY REFERENCES chunks (id) ON DELETE CASCADE,
    assistant_id INTEGER NOT NULL,
    model        TEXT NOT NULL,
    vector       BLOB NOT NULL
);
CREATE INDEX chunk_vectors_assistant ON chunk_vectors (assistant_id, chunk_id);
