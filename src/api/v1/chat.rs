//! `/api/v1/chat/`: start a chat with an assistant (`POST`), ask in it
//! (`PUT`, answered whole or streamed as Server-Sent Events), and list, read
//! and delete the caller's chats.

use std::convert::Infallible;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::Input;
use super::assistants::parse_id;
use crate::auth::ApiAuth;
use crate::chat::prompt::Passage;
use crate::chat::{self, Answered, ChatError};
use crate::db::assistants::AssistantRow;
use crate::db::chats::{ChatRow, MessageRow};
use crate::error::ApiError;
use crate::state::AppState;

/// The longest question accepted, in characters.
pub const MAX_INPUT_CHARS: usize = 10_000;

/// A chat as `POST` returns it.
#[derive(Debug, Serialize)]
pub struct ChatCreated {
    id: i64,
    absolute_url: String,
    thread_id: String,
}

/// An answered question, as `PUT` returns it (and the stream's `done` event).
#[derive(Debug, Serialize)]
pub struct ChatReply {
    id: i64,
    absolute_url: String,
    thread_id: String,
    input: String,
    output: String,
    sources: Vec<Passage>,
}

/// A chat in the list.
#[derive(Debug, Serialize)]
pub struct ChatSummary {
    id: i64,
    absolute_url: String,
    thread_id: String,
    assistant_id: i64,
    origin: String,
    #[serde(with = "crate::model::timestamp")]
    created_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::model::timestamp")]
    updated_at: chrono::DateTime<chrono::Utc>,
}

/// A message of a chat.
#[derive(Debug, Serialize)]
pub struct MessageView {
    id: i64,
    input: String,
    output: Option<String>,
    sources: Value,
    status: String,
    error: Option<String>,
    #[serde(with = "crate::model::timestamp")]
    created_at: chrono::DateTime<chrono::Utc>,
}

/// A chat with its messages.
#[derive(Debug, Serialize)]
pub struct ChatDetail {
    #[serde(flatten)]
    chat: ChatSummary,
    messages: Vec<MessageView>,
}

/// `?limit=` and `?offset=` of long lists, and `?stream=`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    offset: Option<String>,
    stream: Option<String>,
}

impl ListQuery {
    fn page(&self) -> Result<(i64, i64), ApiError> {
        let number = |raw: &Option<String>, field: &str, default: i64, max: i64| match raw {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::field(
                        field,
                        format!("Ensure this value is a whole number from 0 to {max}."),
                    )
                }),
        };
        Ok((
            number(&self.limit, "limit", 100, 1000)?,
            number(&self.offset, "offset", 0, i64::MAX)?,
        ))
    }

    fn wants_stream(&self, headers: &HeaderMap) -> bool {
        let asked = self
            .stream
            .as_deref()
            .is_some_and(|s| matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes"));
        let accepts = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/event-stream"));
        asked || accepts
    }
}

fn chat_url(id: i64) -> String {
    format!("/api/v1/chat/{id}/")
}

fn summary(chat: ChatRow) -> ChatSummary {
    ChatSummary {
        id: chat.id,
        absolute_url: chat_url(chat.id),
        thread_id: chat.thread_id,
        assistant_id: chat.assistant_id,
        origin: chat.origin,
        created_at: chat.created_at,
        updated_at: chat.updated_at,
    }
}

/// The caller's assistant named by the body's `assistant_id`; a missing,
/// malformed, unknown or another user's id is a 400 on the field, alike.
async fn assistant_in_body(
    state: &AppState,
    auth: &ApiAuth,
    input: &Input,
) -> Result<AssistantRow, ApiError> {
    let raw = match input.text("assistant_id") {
        Ok(Some(raw)) => raw,
        Ok(None) => return Err(ApiError::field("assistant_id", "This field is required.")),
        Err((field, message)) => return Err(ApiError::field(&field, message)),
    };
    let id = raw
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError::field("assistant_id", "A valid integer is required."))?;
    state
        .db
        .assistant_of(auth.user.id, id)
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "assistant_id",
                format!("Invalid pk \"{id}\" - object does not exist."),
            )
        })
}

/// The caller's chat with this path id, or 404.
async fn owned_chat(state: &AppState, auth: &ApiAuth, raw_id: &str) -> Result<ChatRow, ApiError> {
    let id = parse_id(raw_id)?;
    state
        .db
        .chat_of(auth.user.id, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Starts a chat with one of the caller's assistants: 201.
pub async fn create_chat(
    State(state): State<AppState>,
    auth: ApiAuth,
    input: Input,
) -> Result<(StatusCode, Json<ChatCreated>), ApiError> {
    let assistant = assistant_in_body(&state, &auth, &input).await?;
    let chat = state
        .db
        .insert_chat(auth.user.id, assistant.id, &new_thread_id(), "api")
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ChatCreated {
            id: chat.id,
            absolute_url: chat_url(chat.id),
            thread_id: chat.thread_id,
        }),
    ))
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

/// The question of a `PUT`: present, not blank, not too long.
pub(crate) fn question(input: &Input) -> Result<String, ApiError> {
    let text = match input.text("input") {
        Ok(Some(text)) => text,
        Ok(None) => return Err(ApiError::field("input", "This field is required.")),
        Err((field, message)) => return Err(ApiError::field(&field, message)),
    };
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::field("input", "This field may not be blank."));
    }
    if text.chars().count() > MAX_INPUT_CHARS {
        return Err(ApiError::field(
            "input",
            format!("Ensure this field has no more than {MAX_INPUT_CHARS} characters."),
        ));
    }
    Ok(text)
}

fn reply(chat: &ChatRow, answered: Answered) -> ChatReply {
    ChatReply {
        id: chat.id,
        absolute_url: chat_url(chat.id),
        thread_id: chat.thread_id.clone(),
        input: answered.message.input,
        output: answered.message.output.unwrap_or_default(),
        sources: answered.sources,
    }
}

fn chat_error(error: ChatError) -> ApiError {
    match error {
        ChatError::Provider(error) => ApiError::Provider(error),
        ChatError::Database(error) => error.into(),
    }
}

/// Asks a question in the caller's chat: 200 with the answer and the
/// passages it cites, or the answer streamed as Server-Sent Events.
pub async fn ask(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
    input: Input,
) -> Result<Response, ApiError> {
    let chat = owned_chat(&state, &auth, &id).await?;
    let assistant = assistant_in_body(&state, &auth, &input).await?;
    let question = question(&input)?;
    if assistant.id != chat.assistant_id {
        return Err(ApiError::field(
            "assistant_id",
            "This chat belongs to another assistant.",
        ));
    }
    if !query.wants_stream(&headers) {
        let answered = chat::answer(
            &state.db,
            state.provider.as_deref(),
            state.semantic.as_deref(),
            &assistant,
            &chat,
            &question,
            None,
        )
        .await
        .map_err(chat_error)?;
        return Ok(Json(reply(&chat, answered)).into_response());
    }
    stream_answer(state, assistant, chat, question).await
}

/// Streams an answer. The answer runs in its own task, so it is kept even
/// when the client leaves. A failure before the first piece of text is an
/// ordinary 502/503; one after it ends the stream with an `error` event.
pub(crate) async fn stream_answer(
    state: AppState,
    assistant: AssistantRow,
    chat: ChatRow,
    question: String,
) -> Result<Response, ApiError> {
    let render = |chat: &ChatRow, answered: Answered| {
        serde_json::to_value(reply(chat, answered)).unwrap_or_default()
    };
    stream_answer_with(state, assistant, chat, question, Box::new(render)).await
}

/// What the `done` event of a stream carries for an answer.
pub(crate) type RenderDone = Box<dyn FnOnce(&ChatRow, Answered) -> Value + Send>;

/// [`stream_answer`] with the `done` event's body made by `render`.
pub(crate) async fn stream_answer_with(
    state: AppState,
    assistant: AssistantRow,
    chat: ChatRow,
    question: String,
    render: RenderDone,
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
        yield delta_event(&first);
        while let Some(text) = delta_rx.recv().await {
            yield delta_event(&text);
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

/// The caller's chats, most recently active first.
pub async fn list_chats(
    State(state): State<AppState>,
    auth: ApiAuth,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<ChatSummary>>, ApiError> {
    let (limit, offset) = query.page()?;
    let chats = state.db.chats_of(auth.user.id, None, limit, offset).await?;
    Ok(Json(chats.into_iter().map(summary).collect()))
}

/// One of the caller's chats with its messages, oldest first.
pub async fn get_chat(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ChatDetail>, ApiError> {
    let chat = owned_chat(&state, &auth, &id).await?;
    let (limit, offset) = query.page()?;
    let messages = state.db.messages_of(chat.id, limit, offset).await?;
    Ok(Json(ChatDetail {
        chat: summary(chat),
        messages: messages.into_iter().map(message_view).collect(),
    }))
}

fn message_view(row: MessageRow) -> MessageView {
    MessageView {
        id: row.id,
        input: row.input,
        output: row.output,
        sources: serde_json::from_str(&row.sources).unwrap_or(Value::Array(Vec::new())),
        status: row.status,
        error: row.error,
        created_at: row.created_at,
    }
}

/// Deletes one of the caller's chats: 204.
pub async fn delete_chat(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let chat = owned_chat(&state, &auth, &id).await?;
    if state.db.delete_chat(auth.user.id, chat.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
