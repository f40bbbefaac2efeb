-- An assistant's evaluation: test questions, each with what a good answer
-- needs (the document it must come from, pages, phrases the answer must
-- contain), and runs that check every question. A run copies the set into
-- its results when it starts, so editing the set does not change a run;
-- a result is checked once (`checked_at`), so a run cut off by a stop
-- goes on where it was. One run at a time per assistant.
CREATE TABLE eval_questions (
    id           BIGSERIAL PRIMARY KEY,
    assistant_id BIGINT NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    question     TEXT NOT NULL,
    document     TEXT,
    pages        TEXT NOT NULL DEFAULT '[]',
    phrases      TEXT NOT NULL DEFAULT '[]',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX eval_questions_assistant ON eval_questions (assistant_id, id);

CREATE TABLE eval_runs (
    id                BIGSERIAL PRIMARY KEY,
    assistant_id      BIGINT NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    status            TEXT NOT NULL DEFAULT 'pending',
    questions         BIGINT NOT NULL,
    checked           BIGINT NOT NULL DEFAULT 0,
    passed            BIGINT NOT NULL DEFAULT 0,
    failed            BIGINT NOT NULL DEFAULT 0,
    skipped           BIGINT NOT NULL DEFAULT 0,
    retrieval_checked BIGINT NOT NULL DEFAULT 0,
    retrieval_hits    BIGINT NOT NULL DEFAULT 0,
    answers_checked   BIGINT NOT NULL DEFAULT 0,
    answers_passed    BIGINT NOT NULL DEFAULT 0,
    model             TEXT,
    error             TEXT,
    attempts          BIGINT NOT NULL DEFAULT 0,
    lease_until       TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ
);
CREATE INDEX eval_runs_assistant ON eval_runs (assistant_id, id);
CREATE UNIQUE INDEX eval_runs_one_at_a_time ON eval_runs (assistant_id)
    WHERE status IN ('pending', 'running');

CREATE TABLE eval_results (
    id              BIGSERIAL PRIMARY KEY,
    run_id          BIGINT NOT NULL REFERENCES eval_runs (id) ON DELETE CASCADE,
    question_id     BIGINT,
    question        TEXT NOT NULL,
    document        TEXT,
    pages           TEXT NOT NULL DEFAULT '[]',
    phrases         TEXT NOT NULL DEFAULT '[]',
    outcome         TEXT,
    hit             BOOLEAN,
    hit_rank        BIGINT,
    found           TEXT NOT NULL DEFAULT '[]',
    answer          TEXT,
    missing_phrases TEXT NOT NULL DEFAULT '[]',
    cited           BOOLEAN,
    note            TEXT,
    checked_at      TIMESTAMPTZ
);
CREATE INDEX eval_results_run ON eval_results (run_id, id);
