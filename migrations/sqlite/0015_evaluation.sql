-- An assistant's evaluation: test questions, each with what a good answer
-- needs (the document it must come from, pages, phrases the answer must
-- contain), and runs that check every question. A run copies the set into
-- its results when it starts, so editing the set does not change a run;
-- a result is checked once (`checked_at`), so a run cut off by a stop
-- goes on where it was. One run at a time per assistant.
CREATE TABLE eval_questions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    assistant_id INTEGER NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    question     TEXT NOT NULL,
    document     TEXT,
    pages        TEXT NOT NULL DEFAULT '[]',
    phrases      TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX eval_questions_assistant ON eval_questions (assistant_id, id);

CREATE TABLE eval_runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    assistant_id      INTEGER NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    status            TEXT NOT NULL DEFAULT 'pending',
    questions         INTEGER NOT NULL,
    checked           INTEGER NOT NULL DEFAULT 0,
    passed            INTEGER NOT NULL DEFAULT 0,
    failed            INTEGER NOT NULL DEFAULT 0,
    skipped           INTEGER NOT NULL DEFAULT 0,
    retrieval_checked INTEGER NOT NULL DEFAULT 0,
    retrieval_hits    INTEGER NOT NULL DEFAULT 0,
    answers_checked   INTEGER NOT NULL DEFAULT 0,
    answers_passed    INTEGER NOT NULL DEFAULT 0,
    model             TEXT,
    error             TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    lease_until       TEXT,
    created_at        TEXT NOT NULL,
    started_at        TEXT,
    finished_at       TEXT
);
CREATE INDEX eval_runs_assistant ON eval_runs (assistant_id, id);
CREATE UNIQUE INDEX eval_runs_one_at_a_time ON eval_runs (assistant_id)
    WHERE status IN ('pending', 'running');

CREATE TABLE eval_results (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id          INTEGER NOT NULL REFERENCES eval_runs (id) ON DELETE CASCADE,
    question_id     INTEGER,
    question        TEXT NOT NULL,
    document        TEXT,
    pages           TEXT NOT NULL DEFAULT '[]',
    phrases         TEXT NOT NULL DEFAULT '[]',
    outcome         TEXT,
    hit             INTEGER,
    hit_rank        INTEGER,
    found           TEXT NOT NULL DEFAULT '[]',
    answer          TEXT,
    missing_phrases TEXT NOT NULL DEFAULT '[]',
    cited           INTEGER,
    note            TEXT,
    checked_at      TEXT
);
CREATE INDEX eval_results_run ON eval_results (run_id, id);
