//! An assistant's evaluation: its test questions, its runs and each run's
//! results. Pages and phrases are kept as JSON text; the domain
//! (`evaluation`) reads and writes them.

use chrono::{DateTime, Utc};

use super::{Db, on_pool};

/// A row of `eval_questions`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvalQuestionRow {
    pub id: i64,
    pub assistant_id: i64,
    pub question: String,
    /// The name of the document a good answer comes from; `None`: any.
    pub document: Option<String>,
    /// JSON array of page numbers.
    pub pages: String,
    /// JSON array of phrases.
    pub phrases: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A test question as it is written: its text and what a good answer
/// needs (pages and phrases as JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalQuestionRecord {
    pub question: String,
    pub document: Option<String>,
    pub pages: String,
    pub phrases: String,
}

/// A row of `eval_runs`: a run and its tally so far.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvalRunRow {
    pub id: i64,
    pub assistant_id: i64,
    /// `pending`, `running`, `done` or `failed`.
    pub status: String,
    pub questions: i64,
    pub checked: i64,
    pub passed: i64,
    pub failed: i64,
    pub skipped: i64,
    pub retrieval_checked: i64,
    pub retrieval_hits: i64,
    pub answers_checked: i64,
    pub answers_passed: i64,
    pub model: Option<String>,
    pub error: Option<String>,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A row of `eval_results`: one question of a run, with what was expected
/// (copied when the run started) and, once checked, what was found.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvalResultRow {
    pub id: i64,
    pub run_id: i64,
    pub question_id: Option<i64>,
    pub question: String,
    pub document: Option<String>,
    pub pages: String,
    pub phrases: String,
    /// `passed`, `failed`, `skipped` or `error`; `None` until checked.
    pub outcome: Option<String>,
    pub hit: Option<bool>,
    pub hit_rank: Option<i64>,
    /// JSON array of the passages retrieved (document, page).
    pub found: String,
    pub answer: Option<String>,
    /// JSON array of the phrases the answer lacked.
    pub missing_phrases: String,
    pub cited: Option<bool>,
    pub note: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
}

/// What checking one question found.
#[derive(Debug, Clone)]
pub struct EvalCheckRecord<'a> {
    pub outcome: &'a str,
    pub hit: Option<bool>,
    pub hit_rank: Option<i64>,
    pub found: &'a str,
    pub answer: Option<&'a str>,
    pub missing_phrases: &'a str,
    pub cited: Option<bool>,
    pub note: Option<&'a str>,
}

const QUESTION_COLUMNS: &str =
    "id, assistant_id, question, document, pages, phrases, created_at, updated_at";
const RUN_COLUMNS: &str = "id, assistant_id, status, questions, checked, passed, failed, skipped, \
     retrieval_checked, retrieval_hits, answers_checked, answers_passed, model, error, attempts, \
     created_at, started_at, finished_at";
const RESULT_COLUMNS: &str = "id, run_id, question_id, question, document, pages, phrases, outcome, \
     hit, hit_rank, found, answer, missing_phrases, cited, note, checked_at";

impl Db {
    /// An assistant's test questions, oldest first.
    pub async fn eval_questions(&self, assistant_id: i64) -> sqlx::Result<Vec<EvalQuestionRow>> {
        let sql = format!(
            "SELECT {QUESTION_COLUMNS} FROM eval_questions WHERE assistant_id = $1 ORDER BY id"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .fetch_all(pool)
            .await)
    }

    /// One of an assistant's test questions.
    pub async fn eval_question(
        &self,
        assistant_id: i64,
        id: i64,
    ) -> sqlx::Result<Option<EvalQuestionRow>> {
        let sql = format!(
            "SELECT {QUESTION_COLUMNS} FROM eval_questions WHERE id = $1 AND assistant_id = $2"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .bind(assistant_id)
            .fetch_optional(pool)
            .await)
    }

    /// Adds a test question.
    pub async fn insert_eval_question(
        &self,
        assistant_id: i64,
        record: &EvalQuestionRecord,
    ) -> sqlx::Result<EvalQuestionRow> {
        let sql = format!(
            "INSERT INTO eval_questions (assistant_id, question, document, pages, phrases, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {QUESTION_COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .bind(&record.question)
            .bind(&record.document)
            .bind(&record.pages)
            .bind(&record.phrases)
            .bind(Utc::now())
            .fetch_one(pool)
            .await)
    }

    /// Rewrites a test question; `None` when the assistant has no such question.
    pub async fn update_eval_question(
        &self,
        assistant_id: i64,
        id: i64,
        record: &EvalQuestionRecord,
    ) -> sqlx::Result<Option<EvalQuestionRow>> {
        let sql = format!(
            "UPDATE eval_questions SET question = $1, document = $2, pages = $3, phrases = $4, updated_at = $5 \
             WHERE id = $6 AND assistant_id = $7 RETURNING {QUESTION_COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(&record.question)
            .bind(&record.document)
            .bind(&record.pages)
            .bind(&record.phrases)
            .bind(Utc::now())
            .bind(id)
            .bind(assistant_id)
            .fetch_optional(pool)
            .await)
    }

    /// Removes a test question; false when the assistant had no such question.
    pub async fn delete_eval_question(&self, assistant_id: i64, id: i64) -> sqlx::Result<bool> {
        let sql = "DELETE FROM eval_questions WHERE id = $1 AND assistant_id = $2";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(id)
            .bind(assistant_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected() > 0))
    }

    /// Adds and rewrites questions in one transaction: each record whose
    /// question is already in the set (same text) rewrites it, the others
    /// are added. Returns how many were added and how many rewritten.
    pub async fn import_eval_questions(
        &self,
        assistant_id: i64,
        records: &[EvalQuestionRecord],
    ) -> sqlx::Result<(usize, usize)> {
        let now = Utc::now();
        let update = "UPDATE eval_questions SET document = $1, pages = $2, phrases = $3, updated_at = $4 \
                      WHERE assistant_id = $5 AND question = $6";
        let insert = "INSERT INTO eval_questions (assistant_id, question, document, pages, phrases, created_at, updated_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $6)";
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let (mut added, mut rewritten) = (0, 0);
            for record in records {
                let changed = sqlx::query(update)
                    .bind(&record.document)
                    .bind(&record.pages)
                    .bind(&record.phrases)
                    .bind(now)
                    .bind(assistant_id)
                    .bind(&record.question)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed > 0 {
                    rewritten += 1;
                } else {
                    sqlx::query(insert)
                        .bind(assistant_id)
                        .bind(&record.question)
                        .bind(&record.document)
                        .bind(&record.pages)
                        .bind(&record.phrases)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    added += 1;
                }
            }
            tx.commit().await?;
            Ok((added, rewritten))
        })
    }

    /// Starts a run of an assistant's questions: the run and a result row
    /// per question, in one transaction. `None` when a run of this
    /// assistant is already waiting or running (one at a time).
    pub async fn start_eval_run(&self, assistant_id: i64) -> sqlx::Result<Option<EvalRunRow>> {
        let now = Utc::now();
        let insert_run = format!(
            "INSERT INTO eval_runs (assistant_id, questions, created_at) \
             SELECT $1, COUNT(*), $2 FROM eval_questions WHERE assistant_id = $1 \
             RETURNING {RUN_COLUMNS}"
        );
        let copy = "INSERT INTO eval_results (run_id, question_id, question, document, pages, phrases) \
                    SELECT $1, id, question, document, pages, phrases FROM eval_questions \
                    WHERE assistant_id = $2 ORDER BY id";
        // An async block: `?` must stop here, where a unique violation is read.
        let started: sqlx::Result<EvalRunRow> = on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let run: EvalRunRow = sqlx::query_as(&insert_run)
                .bind(assistant_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(copy)
                .bind(run.id)
                .bind(assistant_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(run)
        }
        .await);
        match started {
            Ok(run) => Ok(Some(run)),
            // The partial unique index: a run is already waiting or running.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The run of this assistant waiting or running, if any.
    pub async fn eval_run_in_progress(
        &self,
        assistant_id: i64,
    ) -> sqlx::Result<Option<EvalRunRow>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM eval_runs \
             WHERE assistant_id = $1 AND status IN ('pending', 'running') ORDER BY id DESC LIMIT 1"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .fetch_optional(pool)
            .await)
    }

    /// How many runs of a workspace's assistants are waiting or running.
    pub async fn eval_runs_in_progress_of_workspace(&self, workspace_id: i64) -> sqlx::Result<i64> {
        let sql = "SELECT COUNT(*) FROM eval_runs r JOIN assistants a ON a.id = r.assistant_id \
                   WHERE a.workspace_id = $1 AND r.status IN ('pending', 'running')";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(workspace_id)
            .fetch_one(pool)
            .await)
    }

    /// An assistant's runs, newest first.
    pub async fn eval_runs(&self, assistant_id: i64, limit: i64) -> sqlx::Result<Vec<EvalRunRow>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM eval_runs WHERE assistant_id = $1 ORDER BY id DESC LIMIT $2"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .bind(limit)
            .fetch_all(pool)
            .await)
    }

    /// One of an assistant's runs.
    pub async fn eval_run(&self, assistant_id: i64, id: i64) -> sqlx::Result<Option<EvalRunRow>> {
        let sql =
            format!("SELECT {RUN_COLUMNS} FROM eval_runs WHERE id = $1 AND assistant_id = $2");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .bind(assistant_id)
            .fetch_optional(pool)
            .await)
    }

    /// A run's results, in the order of the set.
    pub async fn eval_results(&self, run_id: i64) -> sqlx::Result<Vec<EvalResultRow>> {
        let sql =
            format!("SELECT {RESULT_COLUMNS} FROM eval_results WHERE run_id = $1 ORDER BY id");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(run_id)
            .fetch_all(pool)
            .await)
    }

    /// Takes the oldest run waiting (or whose server died: its lease ran
    /// out), marking it `running` and leased to the caller until
    /// `lease_until`; each claim counts as an attempt.
    pub async fn claim_eval_run(
        &self,
        lease_until: DateTime<Utc>,
    ) -> sqlx::Result<Option<EvalRunRow>> {
        let lock = match self {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE eval_runs SET status = 'running', lease_until = $2, attempts = attempts + 1, \
                 started_at = COALESCE(started_at, $1) \
             WHERE id = (SELECT id FROM eval_runs \
                         WHERE status = 'pending' \
                            OR (status = 'running' AND (lease_until IS NULL OR lease_until < $1)) \
                         ORDER BY id LIMIT 1 {lock}) \
             RETURNING {RUN_COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(Utc::now())
            .bind(lease_until)
            .fetch_optional(pool)
            .await)
    }

    /// Extends the lease of a run in progress.
    pub async fn renew_eval_run_lease(
        &self,
        id: i64,
        lease_until: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let sql = "UPDATE eval_runs SET lease_until = $1 WHERE id = $2 AND status = 'running'";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(lease_until)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Puts the runs this server was running back in the queue (SQLite, at
    /// start: every run left `running` was cut off by a stop).
    pub async fn requeue_interrupted_eval_runs(&self) -> sqlx::Result<u64> {
        let sql = "UPDATE eval_runs SET status = 'pending' WHERE status = 'running'";
        on_pool!(self, |pool| sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
    }

    /// The run's results not checked yet, in order.
    pub async fn unchecked_eval_results(&self, run_id: i64) -> sqlx::Result<Vec<EvalResultRow>> {
        let sql = format!(
            "SELECT {RESULT_COLUMNS} FROM eval_results WHERE run_id = $1 AND checked_at IS NULL ORDER BY id"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(run_id)
            .fetch_all(pool)
            .await)
    }

    /// Keeps what checking one question found, and the run's tally with it,
    /// in one transaction.
    pub async fn record_eval_result(
        &self,
        run_id: i64,
        result_id: i64,
        check: &EvalCheckRecord<'_>,
        model: Option<&str>,
    ) -> sqlx::Result<()> {
        let result = "UPDATE eval_results SET outcome = $1, hit = $2, hit_rank = $3, found = $4, answer = $5, \
                      missing_phrases = $6, cited = $7, note = $8, checked_at = $9 \
                      WHERE id = $10 AND run_id = $11 AND checked_at IS NULL";
        let tally = "UPDATE eval_runs SET \
             checked = (SELECT COUNT(*) FROM eval_results WHERE run_id = $1 AND checked_at IS NOT NULL), \
             passed = (SELECT COUNT(*) FROM eval_results WHERE run_id = $1 AND outcome = 'passed'), \
             failed = (SELECT COUNT(*) FROM eval_results WHERE run_id = $1 AND outcome IN ('failed', 'error')), \
             skipped = (SELECT COUNT(*) FROM eval_results WHERE run_id = $1 AND outcome = 'skipped'), \
             retrieval_checked = (SELECT COUNT(*) FROM eval_results WHERE run_id = $1 AND hit IS NOT NULL), \
             retrieval_hits = (SELECT COUNT(*) FROM eval_results WHERE run_id = $1 AND hit = $2), \
             answers_checked = (SELECT COUNT(*) FROM eval_results WHERE run_id = $1 AND answer IS NOT NULL), \
             answers_passed = (SELECT COUNT(*) FROM eval_results WHERE run_id = $1 AND answer IS NOT NULL \
                               AND missing_phrases = '[]' AND (cited IS NULL OR cited = $2)), \
             model = COALESCE($3, model) \
             WHERE id = $1";
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(result)
                .bind(check.outcome)
                .bind(check.hit)
                .bind(check.hit_rank)
                .bind(check.found)
                .bind(check.answer)
                .bind(check.missing_phrases)
                .bind(check.cited)
                .bind(check.note)
                .bind(Utc::now())
                .bind(result_id)
                .bind(run_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(tally)
                .bind(run_id)
                .bind(true)
                .bind(model)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    /// Ends a run: `done`, or `failed` with the reason.
    pub async fn finish_eval_run(&self, id: i64, error: Option<&str>) -> sqlx::Result<()> {
        let status = if error.is_some() { "failed" } else { "done" };
        let sql = "UPDATE eval_runs SET status = $1, error = $2, finished_at = $3, lease_until = NULL \
                   WHERE id = $4";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(status)
            .bind(error)
            .bind(Utc::now())
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
    }
}
