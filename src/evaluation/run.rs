//! Evaluation runs in the background, on the same terms as documents: a
//! run waits `pending` in the database; a background task takes one at a
//! time under a lease it keeps renewing, checks its questions one by one
//! and keeps each result as it goes. A run cut off by a stop (or, with
//! PostgreSQL, by its server dying: the lease runs out) is taken up again
//! and goes on with the questions not yet checked. A database allows one
//! run per assistant waiting or running.

use std::sync::Arc;
use std::time::Duration;

use crate::chat::{Ask, answer_unstored};
use crate::db::Db;
use crate::db::evaluations::{EvalCheckRecord, EvalResultRow, EvalRunRow};
use crate::ingest::worker::JobQueue;
use crate::llm::Provider;
use crate::model::evaluation::FoundPage;
use crate::search;
use crate::search::semantic::Semantic;

use super::{Expected, TOP, Written, check};

/// How often an idle runner looks for runs no server told it about.
const POLL: Duration = Duration::from_secs(5);
/// Times a run may be cut off before it is failed.
const ATTEMPTS: i64 = 5;

/// What a run needs: the database, and the model and encoder the chat uses.
#[derive(Clone, Debug)]
pub struct Runner {
    pub db: Db,
    pub provider: Option<Arc<Provider>>,
    pub semantic: Option<Arc<Semantic>>,
}

/// Starts the runner for as long as the process runs.
pub async fn start(runner: Runner, queue: JobQueue) -> sqlx::Result<()> {
    if runner.db.is_sqlite() {
        let requeued = runner.db.requeue_interrupted_eval_runs().await?;
        if requeued > 0 {
            tracing::info!(requeued, "resuming evaluation runs interrupted by a stop");
        }
    }
    tokio::spawn(async move {
        loop {
            match runner
                .db
                .claim_eval_run(crate::lease::until_from_now())
                .await
            {
                Ok(Some(run)) => runner.process(run).await,
                Ok(None) => queue.wait(POLL).await,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the evaluation queue");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
    Ok(())
}

impl Runner {
    async fn process(&self, run: EvalRunRow) {
        let id = run.id;
        let db = &self.db;
        if run.attempts > ATTEMPTS {
            let reason = format!(
                "The server stopped during this run {ATTEMPTS} times, so it was not tried again. Run the evaluation again."
            );
            if let Err(error) = db.finish_eval_run(id, Some(&reason)).await {
                tracing::warn!(run = id, %error, "cannot fail an evaluation run");
            }
            return;
        }
        tracing::info!(run = id, assistant = run.assistant_id, "evaluation run");
        let renewing = {
            let db = db.clone();
            tokio::spawn(async move {
                crate::lease::keep_renewing("evaluation run", id, |until| {
                    db.renew_eval_run_lease(id, until)
                })
                .await;
            })
        };
        let outcome = self.check_all(&run).await;
        renewing.abort();
        let error = match outcome {
            Ok(()) => None,
            Err(error) => {
                tracing::error!(run = id, %error, "evaluation run failed");
                Some("The run stopped on a server error. Run the evaluation again.")
            }
        };
        if let Err(error) = db.finish_eval_run(id, error).await {
            tracing::warn!(run = id, %error, "cannot finish an evaluation run");
        }
    }

    async fn check_all(&self, run: &EvalRunRow) -> sqlx::Result<()> {
        let db = &self.db;
        let Some(assistant) = db.assistant_by_id(run.assistant_id).await? else {
            return Ok(());
        };
        for result in db.unchecked_eval_results(run.id).await? {
            let checked = self.check_one(&assistant, &result).await?;
            let found = serde_json::to_string(&checked.found).unwrap_or_else(|_| "[]".into());
            let missing = serde_json::to_string(&checked.check.missing_phrases)
                .unwrap_or_else(|_| "[]".into());
            let record = EvalCheckRecord {
                outcome: checked.check.outcome,
                hit: checked.check.hit,
                hit_rank: checked.check.rank,
                found: &found,
                answer: checked.answer.as_deref(),
                missing_phrases: &missing,
                cited: checked.check.cited,
                note: checked.check.note.as_deref(),
            };
            db.record_eval_result(run.id, result.id, &record, checked.model.as_deref())
                .await?;
        }
        Ok(())
    }

    /// Retrieves for one question and, with a model and something to check
    /// in the answer, has it answered (nothing is kept as a chat).
    async fn check_one(
        &self,
        assistant: &crate::db::assistants::AssistantRow,
        result: &EvalResultRow,
    ) -> sqlx::Result<Checked> {
        let expected = Expected::of(result);
        let semantic = self.semantic.as_deref();
        let found: Vec<FoundPage> =
            search::search(&self.db, semantic, assistant.id, &result.question, TOP)
                .await?
                .into_iter()
                .map(|hit| FoundPage {
                    document: hit.document,
                    page: hit.page.and_then(|p| u32::try_from(p).ok()),
                })
                .collect();
        let Some(provider) = self.provider.as_deref() else {
            return Ok(Checked {
                check: check(&expected, &found, None),
                found,
                answer: None,
                model: None,
            });
        };
        let ask = Ask {
            question: result.question.clone(),
            ..Ask::default()
        };
        match answer_unstored(&self.db, Some(provider), semantic, assistant, &ask, None).await {
            Ok(reply) => {
                let written = Written {
                    cited: reply
                        .sources
                        .iter()
                        .map(|s| FoundPage {
                            document: s.document.clone(),
                            page: s.page.and_then(|p| u32::try_from(p).ok()),
                        })
                        .collect(),
                    text: reply.output,
                };
                Ok(Checked {
                    check: check(&expected, &found, Some(&written)),
                    found,
                    answer: Some(written.text),
                    model: reply.model,
                })
            }
            Err(crate::chat::ChatError::Database(error)) => Err(error),
            Err(crate::chat::ChatError::Provider(error)) => {
                let mut check = check(&expected, &found, None);
                check.outcome = "error";
                check.note = Some(format!("The model did not answer: {error}"));
                Ok(Checked {
                    check,
                    found,
                    answer: None,
                    model: None,
                })
            }
        }
    }
}

struct Checked {
    check: super::Check,
    found: Vec<FoundPage>,
    answer: Option<String>,
    model: Option<String>,
}
