//! `/api/v1/chat/`: start a chat with an assistant (`POST`), ask in it
//! (`PUT`, answered whole or streamed as Server-Sent Events), and list, read
//! and delete the caller's chats.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::assistants::parse_id;
use crate::chat;
use crate::chat::feedback::{self, FeedbackError};
use crate::db::assistants::AssistantRow;
use crate::db::chats::{ChatRow, MessageRow};
use crate::error::ApiError;
use crate::model::{Feedback, NON_FIELD_ERRORS};
use crate::state::AppState;
use crate::web::api::openapi::schemas::{BadRequest, Detail, FeedbackInput, NewChat, Question};
use crate::web::auth::ApiAuth;
use crate::web::input::Input;
use crate::web::sse::{self, ChatReply};

/// A chat as `POST` returns it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": 12, "absolute_url": "/api/v1/chat/12/", "thread_id": "thread_8sdKq2LmN4pR6tV8xZ0bC1dE"}))]
pub struct ChatCreated {
    id: i64,
    absolute_url: String,
    thread_id: String,
}

/// A chat in the list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": 12, "absolute_url": "/api/v1/chat/12/", "thread_id": "thread_8sdKq2LmN4pR6tV8xZ0bC1dE", "assistant_id": 7, "origin": "api", "created_at": "2026-11-26T19:47:45.123Z", "updated_at": "2026-11-26T19:49:02.456Z"}))]
pub struct ChatSummary {
    id: i64,
    absolute_url: String,
    thread_id: String,
    assistant_id: i64,
    /// Where it was held: `app`, `api`, `widget`, `openai` (`/v1/chat/completions`) or `mcp`.
    origin: String,
    #[serde(with = "crate::model::timestamp")]
    created_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::model::timestamp")]
    updated_at: chrono::DateTime<chrono::Utc>,
}

/// A message of a chat.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChatMessage {
    id: i64,
    /// The question.
    input: String,
    /// The answer; `null` until there is one.
    output: Option<String>,
    /// The passages the answer cites.
    #[schema(value_type = Vec<crate::model::Source>)]
    sources: Value,
    /// `pending`, `answered` or `failed`.
    status: String,
    /// Why it failed.
    error: Option<String>,
    #[serde(with = "crate::model::timestamp")]
    created_at: chrono::DateTime<chrono::Utc>,
    /// The asker's feedback on the answer, if given.
    feedback: Option<Feedback>,
}

/// A chat with its messages.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChatDetail {
    #[serde(flatten)]
    chat: ChatSummary,
    messages: Vec<ChatMessage>,
}

/// `?limit=` and `?offset=` of long lists, and `?stream=`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    offset: Option<String>,
    stream: Option<String>,
}

/// `?limit=` and `?offset=`, as the description shows them.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "only describes the query of `ListQuery`")]
struct Page {
    /// How many at most.
    #[param(required = false, minimum = 0, maximum = 1000, default = 100)]
    limit: i64,
    /// How many to skip.
    #[param(required = false, minimum = 0, default = 0)]
    offset: i64,
}

/// `?stream=`, as the description shows it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "only describes the query of `ListQuery`")]
struct Streamed {
    /// `true` for Server-Sent Events (as `Accept: text/event-stream` asks).
    #[param(required = false)]
    stream: bool,
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

    /// `?stream=true` (or `1`), or `Accept: text/event-stream`; a `stream`
    /// that is not a boolean is a 400.
    fn wants_stream(&self, headers: &HeaderMap) -> Result<bool, ApiError> {
        let asked = match self
            .stream
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(_) => return Err(ApiError::field("stream", "Must be a valid boolean.")),
        };
        let accepts = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/event-stream"));
        Ok(asked || accepts)
    }
}

fn summary(chat: ChatRow) -> ChatSummary {
    ChatSummary {
        id: chat.id,
        absolute_url: chat::chat_url(chat.id),
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
    let assistant = state
        .db
        .assistant_of(auth.workspace_id, id)
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "assistant_id",
                format!("Invalid pk \"{id}\" - object does not exist."),
            )
        })?;
    auth.permit_assistant(assistant.id)?;
    Ok(assistant)
}

/// The caller's chat with this path id: 404 when it is not theirs, 403
/// when the key may not reach its assistant.
async fn owned_chat(state: &AppState, auth: &ApiAuth, raw_id: &str) -> Result<ChatRow, ApiError> {
    let id = parse_id(raw_id)?;
    let chat = state
        .db
        .chat_of(auth.workspace_id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    auth.permit_assistant(chat.assistant_id)?;
    Ok(chat)
}

/// Starts a chat with one of the caller's assistants: 201.
#[utoipa::path(
    post,
    path = "/api/v1/chat/",
    tag = "chat",
    operation_id = "create_chat",
    summary = "Start a chat with an assistant",
    security(("token" = [])),
    request_body(content(
        (NewChat = "application/json"),
        (NewChat = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 201, description = "The new chat.", body = ChatCreated, links(
            ("get_chat" = (operation_id = "get_chat", parameters(("id" = "$response.body#/id")))),
            ("ask" = (operation_id = "ask", parameters(("id" = "$response.body#/id")))),
            ("delete_chat" = (operation_id = "delete_chat", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, description = "`assistant_id` is missing, not a number, or not one of the caller's assistants.",
            body = BadRequest, example = json!({"assistant_id": ["Invalid pk \"99\" - object does not exist."]})),
    ),
)]
pub async fn create_chat(
    State(state): State<AppState>,
    auth: ApiAuth,
    input: Input,
) -> Result<(StatusCode, Json<ChatCreated>), ApiError> {
    let assistant = assistant_in_body(&state, &auth, &input).await?;
    let chat = state
        .db
        .insert_chat(
            auth.workspace_id,
            assistant.id,
            &chat::new_thread_id(),
            "api",
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ChatCreated {
            id: chat.id,
            absolute_url: chat::chat_url(chat.id),
            thread_id: chat.thread_id,
        }),
    ))
}

/// Asks a question in the caller's chat: 200 with the answer and the
/// passages it cites, or the answer streamed as Server-Sent Events.
#[utoipa::path(
    put,
    path = "/api/v1/chat/{id}/",
    tag = "chat",
    operation_id = "ask",
    summary = "Ask a question in a chat",
    description = "Answers from the assistant's documents, with the chat's earlier messages as context. \
With `?stream=true` (or `Accept: text/event-stream`) the answer comes as Server-Sent Events: \
`delta` events (`{\"text\": \"...\"}`), then one `done` with the whole object, or `error` \
(`{\"detail\": \"...\"}`) if the model fails after it began. A failure before the first word is a 502 or 503; \
the question is kept either way.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The chat's id.", minimum = 1), Streamed),
    request_body(content(
        (Question = "application/json"),
        (Question = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "The answer and the passages it cites; or, streamed, its events.",
            content((ChatReply = "application/json"), ("text/event-stream")), links(
            ("rate_message" = (operation_id = "rate_message", parameters(
                ("id" = "$response.body#/id"), ("message_id" = "$response.body#/message_id")))),
        )),
        (status = 400, description = "`input` is missing, blank or too long, or `assistant_id` is not the chat's assistant.",
            body = BadRequest, example = json!({"assistant_id": ["This chat belongs to another assistant."]})),
        (status = 502, description = "The language-model provider failed.", body = Detail,
            example = json!({"detail": "The language model provider failed: connection refused."})),
        (status = 503, description = "The language-model provider was too slow or over its rate limit.", body = Detail,
            example = json!({"detail": "The language model provider did not answer in time."})),
    ),
)]
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
    let question = crate::web::input::question(&input)?;
    if assistant.id != chat.assistant_id {
        return Err(ApiError::field(
            "assistant_id",
            "This chat belongs to another assistant.",
        ));
    }
    if !query.wants_stream(&headers)? {
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
        .map_err(sse::chat_error)?;
        return Ok(Json(sse::reply(&chat, answered)).into_response());
    }
    sse::answer_with_reply(state, assistant, chat, question).await
}

/// The caller's chats, most recently active first.
#[utoipa::path(
    get,
    path = "/api/v1/chat/",
    tag = "chat",
    operation_id = "list_chats",
    summary = "The caller's chats, most recently active first",
    security(("token" = [])),
    params(Page),
    responses(
        (status = 200, description = "The chats.", body = Vec<ChatSummary>),
        (status = 400, description = "`limit` or `offset` is out of range.",
            body = BadRequest, example = json!({"limit": ["Ensure this value is a whole number from 0 to 1000."]})),
    ),
)]
pub async fn list_chats(
    State(state): State<AppState>,
    auth: ApiAuth,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<ChatSummary>>, ApiError> {
    let (limit, offset) = query.page()?;
    let chats = state
        .db
        .chats_of(auth.workspace_id, auth.assistant_ids(), limit, offset)
        .await?;
    Ok(Json(chats.into_iter().map(summary).collect()))
}

/// One of the caller's chats with its messages, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/chat/{id}/",
    tag = "chat",
    operation_id = "get_chat",
    summary = "A chat with its messages, oldest first",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The chat's id.", minimum = 1), Page),
    responses(
        (status = 200, description = "The chat and its messages (`limit`/`offset` page them).", body = ChatDetail),
        (status = 400, description = "`limit` or `offset` is out of range.",
            body = BadRequest, example = json!({"offset": ["Ensure this value is a whole number from 0 to 9223372036854775807."]})),
    ),
)]
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

fn message_view(row: MessageRow) -> ChatMessage {
    ChatMessage {
        feedback: feedback::of(&row),
        id: row.id,
        input: row.input,
        output: row.output,
        sources: serde_json::from_str(&row.sources).unwrap_or(Value::Array(Vec::new())),
        status: row.status,
        error: row.error,
        created_at: row.created_at,
    }
}

/// The message of the path in the caller's chat, and the chat.
async fn owned_message(
    state: &AppState,
    auth: &ApiAuth,
    raw_chat_id: &str,
    raw_message_id: &str,
) -> Result<(ChatRow, i64), ApiError> {
    let chat = owned_chat(state, auth, raw_chat_id).await?;
    let message_id = parse_id(raw_message_id)?;
    Ok((chat, message_id))
}

fn feedback_error(error: FeedbackError) -> ApiError {
    match error {
        FeedbackError::Rating => ApiError::field("rating", error.to_string()),
        FeedbackError::CommentTooLong => ApiError::field("comment", error.to_string()),
        FeedbackError::NotAnswered => ApiError::field(NON_FIELD_ERRORS, error.to_string()),
        FeedbackError::NoSuchMessage => ApiError::NotFound,
        FeedbackError::Database(error) => error.into(),
    }
}

/// Rates an answer in the caller's chat: 200 with the message and its
/// feedback. Rating again replaces the earlier rating.
#[utoipa::path(
    post,
    path = "/api/v1/chat/{id}/messages/{message_id}/feedback/",
    tag = "chat",
    operation_id = "rate_message",
    summary = "Rate an answer (thumbs up or down, with an optional comment)",
    description = "Feedback is counted in the assistant's figures and shown in the chat's history. \
Rating again replaces the earlier rating; `DELETE` withdraws it.",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The chat's id.", minimum = 1),
        ("message_id" = i64, Path, description = "The message's id (`id` of a message in `GET /api/v1/chat/{id}/`, or `message_id` of an answer).", minimum = 1),
    ),
    request_body(content(
        (FeedbackInput = "application/json"),
        (FeedbackInput = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "The message with its feedback.", body = ChatMessage),
        (status = 400, description = "`rating` is not `up` or `down`, the comment is too long, or the question has no answer to rate.",
            body = BadRequest, example = json!({"rating": ["Choose \"up\" or \"down\"."]})),
    ),
)]
pub async fn rate_message(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, message_id)): Path<(String, String)>,
    input: Input,
) -> Result<Json<ChatMessage>, ApiError> {
    let (chat, message_id) = owned_message(&state, &auth, &id, &message_id).await?;
    let rating = input
        .text("rating")
        .map_err(|(f, m)| ApiError::field(&f, m))?;
    let comment = input
        .nullable_text("comment")
        .map_err(|(f, m)| ApiError::field(&f, m))?;
    let given = feedback::parse(rating.as_deref(), comment.as_deref()).map_err(feedback_error)?;
    let row = feedback::record(&state.db, chat.id, message_id, Some(&given))
        .await
        .map_err(feedback_error)?;
    Ok(Json(message_view(row)))
}

/// Withdraws the caller's rating of an answer: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/chat/{id}/messages/{message_id}/feedback/",
    tag = "chat",
    operation_id = "withdraw_feedback",
    summary = "Withdraw the rating of an answer",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The chat's id.", minimum = 1),
        ("message_id" = i64, Path, description = "The message's id.", minimum = 1),
    ),
    responses(
        (status = 204, description = "Withdrawn (also when there was none)."),
        (status = 400, description = "The question has no answer.", body = BadRequest,
            example = json!({"non_field_errors": ["Only an answer can be rated, and this question has none."]})),
    ),
)]
pub async fn withdraw_feedback(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, message_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (chat, message_id) = owned_message(&state, &auth, &id, &message_id).await?;
    feedback::record(&state.db, chat.id, message_id, None)
        .await
        .map_err(feedback_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes one of the caller's chats: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/chat/{id}/",
    tag = "chat",
    operation_id = "delete_chat",
    summary = "Delete a chat",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The chat's id.", minimum = 1)),
    responses((status = 204, description = "Deleted.")),
)]
pub async fn delete_chat(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let chat = owned_chat(&state, &auth, &id).await?;
    if state.db.delete_chat(auth.workspace_id, chat.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
