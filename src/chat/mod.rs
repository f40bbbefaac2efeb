//! Answering a question in a chat: retrieve passages (with the conversation
//! for follow-ups), refuse without a model call when none is relevant,
//! otherwise ask the model (or, with none configured, quote the passages),
//! and keep the question, the answer and the passages it cites.
//!
//! The steps are pure functions in [`prompt`]; the model is reached through
//! [`crate::llm`]. The question is stored before anything can fail, so it is
//! never lost.

pub mod export;
pub mod feedback;
pub mod followup;
pub mod prompt;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::db::Db;
use crate::db::assistants::AssistantRow;
use crate::db::chats::{AnswerRecord, ChatRow, MessageRow};
use crate::llm::{Provider, ProviderError};
use crate::model::Source;
use crate::search;
use crate::search::semantic::Semantic;
use prompt::{Budget, Persona, Turn};

/// The API address of a chat.
pub fn chat_url(id: i64) -> String {
    format!("/api/v1/chat/{id}/")
}

/// A new chat's public id: `thread_` and 24 random letters and digits.
pub fn new_thread_id() -> String {
    use rand::Rng;
    use rand::distributions::Alphanumeric;
    let random: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("thread_{random}")
}

/// Passages retrieved for each question.
const PASSAGES_PER_QUESTION: i64 = 6;
/// Earlier exchanges read for the conversation (then cut to the token budget).
const HISTORY_EXCHANGES: i64 = 20;
/// How long the model may take to make a follow-up stand alone before the
/// rule's version is searched instead.
const REWRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(8);

/// Why a question kept from a run that stopped mid-answer has no answer.
pub const INTERRUPTED: &str =
    "The server restarted before this answer was finished. Please ask again.";

/// Marks answers no server is writing any more as failed with
/// [`INTERRUPTED`]. With SQLite this server is the only one: at start every
/// pending answer belongs to a run that stopped. With PostgreSQL other
/// servers may be answering: an answer is failed once its lease has run out
/// (its server died), checked at start and then every quarter lease.
pub async fn fail_interrupted_answers(db: Db) {
    let sweep = |expired_before| {
        let db = db.clone();
        async move {
            match db
                .fail_interrupted_messages(INTERRUPTED, expired_before)
                .await
            {
                Ok(0) => {}
                Ok(interrupted) => {
                    tracing::info!(interrupted, "answers interrupted by a stop marked failed");
                }
                Err(error) => tracing::warn!(%error, "cannot mark interrupted answers"),
            }
        }
    };
    if db.is_sqlite() {
        sweep(None).await;
        return;
    }
    let mut every = tokio::time::interval(crate::lease::renewal_interval());
    loop {
        every.tick().await;
        sweep(Some(chrono::Utc::now())).await;
    }
}

/// Why a question was not answered.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// A question answered: the stored message and the passages it cites.
#[derive(Debug, Clone)]
pub struct Answered {
    pub message: MessageRow,
    pub sources: Vec<Source>,
    pub usage: Usage,
}

/// An answer, stored or not: its text, the passages it cites, its tokens,
/// whether the documents covered the question and the model that wrote it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub output: String,
    pub sources: Vec<Source>,
    pub usage: Usage,
    /// False when the documents held nothing relevant and the refusal was given.
    pub covered: bool,
    /// `None` when written without a model.
    pub model: Option<String>,
    /// When its first piece was sent to the asker (streamed answers).
    pub first_word: Option<Duration>,
}

/// The tokens of an answer: what the model was given and what it wrote
/// (counted as [`crate::llm::count_tokens`] does; without a model, the
/// question and conversation read and the quoted answer).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
}

/// A question as asked through an OpenAI-compatible call: the
/// conversation comes with it instead of from a stored chat, and so may
/// instructions added to the assistant's own and sampling settings.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    pub question: String,
    /// The earlier turns; `None`: the chat's stored ones.
    pub history: Option<Vec<Turn>>,
    /// Added to the assistant's instructions; never replaces the rules
    /// that keep the answer to the passages.
    pub instructions: Option<String>,
    pub sampling: Sampling,
}

pub use crate::llm::Sampling;

/// Answers `input` in `chat`, sending the answer's text to `deltas` as it
/// is written (when given). The question is stored first; on failure it
/// stays, marked `failed` with the reason.
pub async fn answer(
    db: &Db,
    provider: Option<&Provider>,
    semantic: Option<&Semantic>,
    assistant: &AssistantRow,
    chat: &ChatRow,
    input: &str,
    deltas: Option<mpsc::Sender<String>>,
) -> Result<Answered, ChatError> {
    let ask = Ask {
        question: input.to_owned(),
        ..Ask::default()
    };
    answer_asked(db, provider, semantic, assistant, chat, &ask, deltas).await
}

/// [`answer`] for an [`Ask`]: kept in `chat` like any question.
pub async fn answer_asked(
    db: &Db,
    provider: Option<&Provider>,
    semantic: Option<&Semantic>,
    assistant: &AssistantRow,
    chat: &ChatRow,
    ask: &Ask,
    deltas: Option<mpsc::Sender<String>>,
) -> Result<Answered, ChatError> {
    let message = db.insert_message(chat.id, &ask.question).await?;
    let asked_at = Instant::now();
    let renewing = {
        let (db, id) = (db.clone(), message.id);
        tokio::spawn(async move {
            crate::lease::keep_renewing("answer", id, |until| db.renew_message_lease(id, until))
                .await;
        })
    };
    let outcome = async {
        let history = match &ask.history {
            Some(history) => history.clone(),
            None => stored_history(db, chat.id, message.id).await?,
        };
        let clock = FirstWord::from(asked_at);
        respond(
            db, provider, semantic, assistant, &history, ask, deltas, &clock,
        )
        .await
    }
    .await;
    renewing.abort();
    match outcome {
        Ok(reply) => {
            let sources_json =
                serde_json::to_string(&reply.sources).unwrap_or_else(|_| "[]".into());
            // Not streamed: the asker waited for all of it.
            let waited = reply.first_word.unwrap_or_else(|| asked_at.elapsed());
            let record = AnswerRecord {
                output: &reply.output,
                sources_json: &sources_json,
                covered: reply.covered,
                model: reply.model.as_deref(),
                first_word_ms: i64::try_from(waited.as_millis()).unwrap_or(i64::MAX),
            };
            let message = db.answer_message(message.id, assistant.id, &record).await?;
            Ok(Answered {
                message,
                sources: reply.sources,
                usage: reply.usage,
            })
        }
        Err(error) => {
            db.fail_message(message.id, &error.to_string()).await?;
            Err(error)
        }
    }
}

/// Answers an [`Ask`] that carries its own conversation without keeping
/// anything (an OpenAI-compatible call with `"store": false`).
pub async fn answer_unstored(
    db: &Db,
    provider: Option<&Provider>,
    semantic: Option<&Semantic>,
    assistant: &AssistantRow,
    ask: &Ask,
    deltas: Option<mpsc::Sender<String>>,
) -> Result<Reply, ChatError> {
    let history = ask.history.clone().unwrap_or_default();
    let clock = FirstWord::from(Instant::now());
    respond(
        db, provider, semantic, assistant, &history, ask, deltas, &clock,
    )
    .await
}

async fn stored_history(db: &Db, chat_id: i64, before: i64) -> sqlx::Result<Vec<Turn>> {
    Ok(db
        .history_of(chat_id, before, HISTORY_EXCHANGES)
        .await?
        .into_iter()
        .map(|row| Turn {
            question: row.input,
            answer: row.output.unwrap_or_default(),
        })
        .collect())
}

/// What to search the documents for: the question itself when it stands
/// alone; else the model's standalone version of it (one short call with
/// its own time limit), or, without a model or when that call fails, the
/// previous question with the follow-up's companies and years carried over.
async fn standalone_question(
    db: &Db,
    provider: Option<&Provider>,
    model: Option<&str>,
    assistant_id: i64,
    history: &[Turn],
    question: &str,
) -> sqlx::Result<String> {
    if followup::stands_alone(history, question) {
        return Ok(question.to_owned());
    }
    if let Some(provider) = provider {
        let prompt = followup::rewrite_prompt(history, question);
        let sampling = Sampling {
            temperature: Some(0.0),
            ..Sampling::default()
        };
        let rewrite = provider.complete(&prompt, model, &sampling, None);
        match tokio::time::timeout(REWRITE_TIMEOUT, rewrite).await {
            Ok(Ok(text)) => {
                if let Some(rewritten) = followup::accept_rewrite(&text) {
                    return Ok(rewritten);
                }
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "the model could not rewrite a follow-up; carried over by rule");
            }
            Err(_) => tracing::warn!(
                "the model took too long to rewrite a follow-up; carried over by rule"
            ),
        }
    }
    let documents: Vec<search::route::RoutedDocument> =
        search::documents_to_route(db, assistant_id)
            .await?
            .into_iter()
            .map(|(document, _)| document)
            .collect();
    Ok(followup::carry_over_conversation(
        history, question, &documents,
    ))
}

/// When the first piece of an answer left for the asker, counted from when
/// they asked.
#[derive(Debug, Clone)]
struct FirstWord {
    asked_at: Instant,
    sent_after: Arc<OnceLock<Duration>>,
}

impl From<Instant> for FirstWord {
    fn from(asked_at: Instant) -> Self {
        Self {
            asked_at,
            sent_after: Arc::default(),
        }
    }
}

impl FirstWord {
    fn mark(&self) {
        self.sent_after.get_or_init(|| self.asked_at.elapsed());
    }

    fn get(&self) -> Option<Duration> {
        self.sent_after.get().copied()
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the answer's inputs, each used once"
)]
async fn respond(
    db: &Db,
    provider: Option<&Provider>,
    semantic: Option<&Semantic>,
    assistant: &AssistantRow,
    history: &[Turn],
    ask: &Ask,
    deltas: Option<mpsc::Sender<String>>,
    clock: &FirstWord,
) -> Result<Reply, ChatError> {
    let question = ask.question.as_str();
    let settings = db.answer_settings(assistant.id).await?;
    let query = standalone_question(
        db,
        provider,
        settings.chat_model.as_deref(),
        assistant.id,
        history,
        question,
    )
    .await?;
    let found = search::search(db, semantic, assistant.id, &query, PASSAGES_PER_QUESTION).await?;
    let found = cited_sources(db, assistant.id, found).await?;
    let passages = prompt::relevant(found.clone(), &query);

    let send = |text: String| {
        let (deltas, clock) = (deltas.clone(), clock.clone());
        async move {
            // A client that left does not stop the answer being kept.
            if let Some(deltas) = deltas
                && deltas.send(text).await.is_ok()
            {
                clock.mark();
            }
        }
    };

    if settings.grounded && passages.is_empty() {
        let refusal = if settings.refusal.trim().is_empty() {
            prompt::DEFAULT_REFUSAL.to_owned()
        } else {
            settings.refusal.clone()
        };
        send(refusal.clone()).await;
        return Ok(Reply {
            covered: false,
            first_word: clock.get(),
            ..unprompted(history, ask, refusal, Vec::new())
        });
    }
    let Some(provider) = provider else {
        // Without a model, quote what was found even if it is only loosely
        // related (when not grounded): the user judges it.
        let shown = if passages.is_empty() { found } else { passages };
        let shown: Vec<Source> = shown.into_iter().take(3).collect();
        let output = if shown.is_empty() {
            prompt::OFFLINE_NOTHING_FOUND.to_owned()
        } else {
            prompt::offline_answer(&shown)
        };
        send(output.clone()).await;
        return Ok(Reply {
            first_word: clock.get(),
            ..unprompted(history, ask, output, shown)
        });
    };

    let instructions = match ask.instructions.as_deref().map(str::trim) {
        Some(added) if !added.is_empty() => format!("{}\n\n{added}", assistant.instructions),
        _ => assistant.instructions.clone(),
    };
    let messages = prompt::build_prompt(
        Persona {
            name: &assistant.name,
            company: &assistant.company_name,
            instructions: &instructions,
            grounded: settings.grounded,
        },
        &passages,
        history,
        question,
        Budget::default(),
        crate::llm::count_tokens,
    );
    let prompt_tokens = messages
        .iter()
        .map(|message| crate::llm::count_tokens(message.text()))
        .sum();
    let sampling = Sampling {
        temperature: ask.sampling.temperature.or(settings.temperature),
        ..ask.sampling.clone()
    };
    // The model's `[n]` are renumbered on the way, so that the text read
    // while it streams already matches the sources listed at the end.
    let (model_deltas, mut model_rx) = mpsc::channel::<String>(32);
    let completion = provider.complete(
        &messages,
        settings.chat_model.as_deref(),
        &sampling,
        deltas.is_some().then_some(model_deltas),
    );
    let passage_count = passages.len();
    let forward_clock = clock.clone();
    let forward = async move {
        let Some(deltas) = deltas else { return };
        let mut citations = prompt::Citations::new(passage_count);
        // A reader who left stops the model: `model_rx` dropped tells it.
        loop {
            let piece = tokio::select! {
                piece = model_rx.recv() => piece,
                () = deltas.closed() => return,
            };
            let Some(piece) = piece else { break };
            let text = citations.push(&piece);
            if !text.is_empty() {
                if deltas.send(text).await.is_err() {
                    return;
                }
                forward_clock.mark();
            }
        }
        let (rest, _) = citations.finish();
        if !rest.is_empty() && deltas.send(rest).await.is_ok() {
            forward_clock.mark();
        }
    };
    let (output, ()) = tokio::join!(completion, forward);
    let (output, cited) = prompt::Citations::apply(&output?, &passages);
    let sources = cited.into_iter().cloned().collect();
    let usage = Usage {
        prompt_tokens,
        completion_tokens: crate::llm::count_tokens(&output),
    };
    Ok(Reply {
        output,
        sources,
        usage,
        covered: true,
        model: Some(
            provider
                .model_for(settings.chat_model.as_deref())
                .to_owned(),
        ),
        first_word: clock.get(),
    })
}

/// A reply written without the model (a refusal, or quoted passages):
/// its usage counts what was read and what was written.
fn unprompted(history: &[Turn], ask: &Ask, output: String, sources: Vec<Source>) -> Reply {
    let count = crate::llm::count_tokens;
    let read: usize = history
        .iter()
        .map(|turn| count(&turn.question) + count(&turn.answer))
        .sum::<usize>()
        + count(&ask.question)
        + ask.instructions.as_deref().map_or(0, count);
    Reply {
        usage: Usage {
            prompt_tokens: read,
            completion_tokens: count(&output),
        },
        output,
        sources,
        covered: true,
        model: None,
        first_word: None,
    }
}

/// Passages found as citations, each with its document's web address when
/// the document was read from a web page.
pub async fn cited_sources(
    db: &Db,
    assistant_id: i64,
    found: Vec<crate::db::documents::FoundChunk>,
) -> sqlx::Result<Vec<Source>> {
    let urls = if found.is_empty() {
        std::collections::HashMap::new()
    } else {
        db.source_urls_of(assistant_id).await?
    };
    Ok(found
        .into_iter()
        .map(|hit| Source {
            url: urls.get(&hit.document_id).cloned(),
            document_id: hit.document_id,
            document: hit.document,
            page: hit.page,
            text: hit.text,
            score: Some(hit.score),
        })
        .collect())
}
