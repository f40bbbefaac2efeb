//! The answer stream shared by the API, the website chat and the
//! dashboard: an answer written by [`crate::chat::answer`] as Server-Sent
//! Events.

use std::convert::Infallible;

use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::chat::{self, Answered, ChatError};
use crate::db::assistants::AssistantRow;
use crate::db::chats::ChatRow;
use crate::error::ApiError;
use crate::model::Source;
use crate::state::AppState;

/// The API error for an answer that could not be written.
pub fn chat_error(error: ChatError) -> ApiError {
    match error {
        ChatError::Provider(error) => ApiError::Provider(error),
        ChatError::Database(error) => error.into(),
    }
}

/// An answered question, as `PUT` returns it (and the stream's `done` event).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": 12, "absolute_url": "/api/v1/chat/12/", "thread_id": "thread_8sdKq2LmN4pR6tV8xZ0bC1dE", "message_id": 31, "input": "What were capital expenditures in 2018?", "output": "Capital expenditures were $1.6 billion [1].", "sources": [{"document_id": 3, "document": "3M_2018_10K.pdf", "page": 61, "text": "Capital spending was $1.6 billion in 2018..."}]}))]
pub struct ChatReply {
    id: i64,
    absolute_url: String,
    thread_id: String,
    /// The message this question and answer are kept as (to rate it).
    message_id: i64,
    input: String,
    /// The answer, in Markdown; `[n]` cites `sources[n-1]`.
    output: String,
    /// The passages the answer cites.
    #[schema(value_type = Vec<crate::model::Source>)]
    sources: Vec<Source>,
}

/// An answer as the API returns it.
pub fn reply(chat: &ChatRow, answered: Answered) -> ChatReply {
    ChatReply {
        id: chat.id,
        absolute_url: chat::chat_url(chat.id),
        thread_id: chat.thread_id.clone(),
        message_id: answered.message.id,
        input: answered.message.input,
        output: answered.message.output.unwrap_or_default(),
        sources: answered.sources,
    }
}

/// [`answer`] with the `done` event carrying what the non-streamed answer
/// would: a [`ChatReply`] (the API's and the dashboard's stream).
pub async fn answer_with_reply(
    state: AppState,
    assistant: AssistantRow,
    chat: ChatRow,
    question: String,
) -> Result<Response, ApiError> {
    let render = |chat: &ChatRow, answered: Answered| {
        serde_json::to_value(reply(chat, answered)).unwrap_or_default()
    };
    answer(
        state,
        assistant,
        chat,
        question,
        Box::new(render),
        Deltas::Text,
    )
    .await
}

/// [`answer_with_reply`] for the dashboard's chat, whose page has no
/// Markdown parser: each `delta` also carries the answer so far as safe
/// HTML, and `done` the final answer's HTML with its citations linked to
/// `#m{message_id}-{n}`.
pub async fn answer_with_html(
    state: AppState,
    assistant: AssistantRow,
    chat: ChatRow,
    question: String,
) -> Result<Response, ApiError> {
    let render = |chat: &ChatRow, answered: Answered| {
        let reply = reply(chat, answered);
        let html = crate::markdown::answer_html(
            &reply.output,
            reply.sources.len(),
            &format!("m{}", reply.message_id),
        );
        let mut body = serde_json::to_value(reply).unwrap_or_default();
        body["html"] = Value::String(html);
        body
    };
    answer(
        state,
        assistant,
        chat,
        question,
        Box::new(render),
        Deltas::WithHtml,
    )
    .await
}

/// What each `delta` event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deltas {
    /// `{"text": piece}`: the API's and the website chat's.
    Text,
    /// `{"text": pieces, "html": the answer so far as safe HTML}`; pieces
    /// that arrived together are sent as one event.
    WithHtml,
}

/// What the `done` event of a stream carries for an answer.
pub type RenderDone = Box<dyn FnOnce(&ChatRow, Answered) -> Value + Send>;

/// Streams an answer as Server-Sent Events: `delta` events with its text,
/// then one `done` whose body `render` makes, or `error`. The answer runs
/// in its own task, so it is kept even when the client leaves. A failure
/// before the first piece of text is an ordinary 502/503; one after it
/// ends the stream with an `error` event.
pub async fn answer(
    state: AppState,
    assistant: AssistantRow,
    chat: ChatRow,
    question: String,
    render: RenderDone,
    deltas: Deltas,
) -> Result<Response, ApiError> {
    let (delta_tx, mut delta_rx) = mpsc::channel::<String>(64);
    let (done_tx, done_rx) = oneshot::channel::<Result<Answered, ChatError>>();
    let task_chat = chat.clone();
    tokio::spawn(async move {
        let result = chat::answer(
            &state.db,
            state.provider.as_deref(),
            state.semantic.as_deref(),
            &assistant,
            &task_chat,
            &question,
            Some(delta_tx),
        )
        .await;
        let _ = done_tx.send(result);
    });

    // Wait for the first piece of text, or for the outcome.
    let first = delta_rx.recv().await;
    let Some(first) = first else {
        // No text at all: the outcome decides the status.
        let answered = done_rx
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the answer task ended")))?
            .map_err(chat_error)?;
        let events = vec![done_event(&chat, answered, render)];
        return Ok(Sse::new(futures_util::stream::iter(events)).into_response());
    };

    let stream = async_stream::stream! {
        match deltas {
            Deltas::Text => {
                yield delta_event(&first);
                while let Some(text) = delta_rx.recv().await {
                    yield delta_event(&text);
                }
            }
            Deltas::WithHtml => {
                let mut written = String::new();
                let mut next = Some(first);
                while let Some(mut piece) = next {
                    while let Ok(more) = delta_rx.try_recv() {
                        piece.push_str(&more);
                    }
                    written.push_str(&piece);
                    yield delta_with_html_event(&piece, &written);
                    next = delta_rx.recv().await;
                }
            }
        }
        match done_rx.await {
            Ok(Ok(answered)) => yield done_event(&chat, answered, render),
            Ok(Err(error)) => yield error_event(&chat_error(error)),
            Err(_) => yield error_event(&ApiError::Internal(anyhow::anyhow!("the answer task ended"))),
        }
    };
    Ok(Sse::new(stream).into_response())
}

fn delta_event(text: &str) -> Result<Event, Infallible> {
    Ok(Event::default()
        .event("delta")
        .data(serde_json::json!({ "text": text }).to_string()))
}

fn delta_with_html_event(text: &str, written: &str) -> Result<Event, Infallible> {
    let html = crate::markdown::to_safe_html(written);
    Ok(Event::default()
        .event("delta")
        .data(serde_json::json!({ "text": text, "html": html }).to_string()))
}

fn done_event(chat: &ChatRow, answered: Answered, render: RenderDone) -> Result<Event, Infallible> {
    let body = render(chat, answered).to_string();
    Ok(Event::default().event("done").data(body))
}

fn error_event(error: &ApiError) -> Result<Event, Infallible> {
    let detail = match error {
        ApiError::Internal(cause) => {
            tracing::error!(error = ?cause, "internal error while streaming an answer");
            "A server error occurred.".to_owned()
        }
        other => other.to_string(),
    };
    Ok(Event::default()
        .event("error")
        .data(serde_json::json!({ "detail": detail }).to_string()))
}
