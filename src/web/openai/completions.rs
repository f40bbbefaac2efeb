//! `POST /v1/chat/completions`: an assistant answers as an OpenAI chat
//! model. The last user message is the question, the turns before it the
//! conversation, a system (or developer) message is added to the
//! assistant's instructions; the answer comes whole (`chat.completion`) or
//! streamed (`chat.completion.chunk` events, then `data: [DONE]`), with the
//! passages it cites as `sources` (`[n]` in the text is `sources[n-1]`).
//! Each call is kept as a chat (origin `openai`) unless `"store": false`.

use std::convert::Infallible;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::{OpenAiAuth, OpenAiError, model_for};
use crate::chat::prompt::Turn;
use crate::chat::{self, Ask, ChatError, Reply, Sampling, Usage};
use crate::db::assistants::AssistantRow;
use crate::db::chats::ChatRow;
use crate::model::Source;
use crate::state::AppState;
use crate::web::input::MAX_INPUT_CHARS;
use crate::web::sse::chat_error;

/// The longest system text a client may add to an assistant's instructions.
pub const MAX_CLIENT_INSTRUCTIONS_CHARS: usize = 8_000;
/// The most messages one request may carry.
pub const MAX_MESSAGES: usize = 500;
/// What a chat kept from this endpoint is marked with.
pub const ORIGIN: &str = "openai";

/// A chat-completion request, as far as an assistant uses it. Other
/// fields OpenAI defines (`tools`, `response_format`, `seed`, …) are
/// accepted and ignored.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CompletionRequest {
    /// The public id (`asst_…`) of one of the caller's assistants.
    #[schema(example = "asst_5qJ1xYz0aB3cD4eF5gH6iJ7k")]
    pub model: String,
    /// The conversation; the last message, from the user, is the question.
    #[schema(min_items = 1)]
    pub messages: Vec<RequestMessage>,
    /// Server-Sent Events of `chat.completion.chunk`, ending `data: [DONE]`.
    #[serde(default)]
    pub stream: Option<bool>,
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    /// 0 to 2; the assistant's own setting when absent.
    #[schema(minimum = 0, maximum = 2)]
    pub temperature: Option<f64>,
    /// The most tokens the answer may have (older name).
    #[schema(minimum = 1)]
    pub max_tokens: Option<u32>,
    /// The most tokens the answer may have.
    #[schema(minimum = 1)]
    pub max_completion_tokens: Option<u32>,
    /// Up to 4 sequences where the model stops: a string or an array.
    #[schema(value_type = Option<crate::web::api::openapi::schemas::StopSequences>)]
    pub stop: Option<Value>,
    /// Only 1 answer is written.
    #[schema(minimum = 1, maximum = 1)]
    pub n: Option<u32>,
    /// The end user, for the integrator's own records (not stored).
    pub user: Option<String>,
    /// `false`: nothing of the call is kept (no chat, no count).
    pub store: Option<bool>,
}

/// `stream_options`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StreamOptions {
    /// A last chunk with `usage` and no choices.
    #[serde(default)]
    pub include_usage: bool,
}

/// A message of the request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RequestMessage {
    /// `system` and `developer` add to the assistant's instructions; `user`
    /// asks; `assistant` is an earlier answer.
    #[schema(value_type = crate::web::api::openapi::schemas::MessageRole)]
    pub role: String,
    /// Text, or an array of `{"type": "text", "text": …}` parts.
    #[schema(value_type = Option<crate::web::api::openapi::schemas::MessageContent>)]
    #[serde(default)]
    pub content: Option<Value>,
    pub name: Option<String>,
}

/// The text of a message's content: a string or text parts (joined with a
/// line break); other parts (images, audio, files) are refused.
fn content_text(content: Option<&Value>, param: &str) -> Result<String, OpenAiError> {
    match content {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Array(parts)) => {
            let mut texts = Vec::new();
            for part in parts {
                match (part.get("type").and_then(Value::as_str), part.get("text")) {
                    (Some("text"), Some(Value::String(text))) => texts.push(text.as_str()),
                    (Some("text"), _) => {
                        return Err(OpenAiError::invalid(
                            "A text part needs its `text` as a string.",
                            Some(param),
                        ));
                    }
                    _ => {
                        return Err(OpenAiError::invalid(
                            "Only text content is supported: an assistant reads no images, audio or files.",
                            Some(param),
                        ));
                    }
                }
            }
            Ok(texts.join("\n"))
        }
        Some(_) => Err(OpenAiError::invalid(
            "`content` must be a string or an array of text parts.",
            Some(param),
        )),
    }
}

/// The stop sequences: a string, or an array of up to four strings.
fn stop_sequences(stop: Option<&Value>) -> Result<Vec<String>, OpenAiError> {
    let refuse = || {
        OpenAiError::invalid(
            "`stop` must be a string or an array of up to 4 strings.",
            Some("stop"),
        )
    };
    match stop {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) => Ok(vec![text.clone()]),
        Some(Value::Array(items)) if items.len() <= 4 => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(refuse))
            .collect(),
        Some(_) => Err(refuse()),
    }
}

/// The question, the conversation before it and the client's instructions
/// of a request, with its sampling settings; or why they cannot be read.
pub fn ask_from(request: &CompletionRequest) -> Result<Ask, OpenAiError> {
    if request.messages.is_empty() {
        return Err(OpenAiError::invalid(
            "`messages` must have at least one message.",
            Some("messages"),
        ));
    }
    if request.messages.len() > MAX_MESSAGES {
        return Err(OpenAiError::invalid(
            format!("`messages` may have at most {MAX_MESSAGES} messages."),
            Some("messages"),
        ));
    }
    let mut instructions = Vec::new();
    let mut history = Vec::new();
    let mut asked: Vec<String> = Vec::new();
    for (index, message) in request.messages.iter().enumerate() {
        let param = format!("messages[{index}]");
        let text = content_text(message.content.as_ref(), &format!("{param}.content"))?;
        match message.role.as_str() {
            "system" | "developer" => instructions.push(text),
            "user" => asked.push(text),
            "assistant" => history.push(Turn {
                question: std::mem::take(&mut asked).join("\n\n"),
                answer: text,
            }),
            other => {
                return Err(OpenAiError::invalid(
                    format!(
                        "Unsupported role '{other}': use system, developer, user or assistant \
                         (an assistant calls no tools)."
                    ),
                    Some(&format!("{param}.role")),
                ));
            }
        }
    }
    let question = asked.join("\n\n").trim().to_owned();
    if !request.messages.iter().any(|m| m.role == "user") {
        return Err(OpenAiError::invalid(
            "`messages` needs a user message: the question.",
            Some("messages"),
        ));
    }
    if asked.is_empty() {
        return Err(OpenAiError::invalid(
            "The last message must be from the user: it is the question.",
            Some("messages"),
        ));
    }
    if question.is_empty() {
        return Err(OpenAiError::invalid(
            "The question (the last user message) is empty.",
            Some("messages"),
        ));
    }
    if question.chars().count() > MAX_INPUT_CHARS {
        return Err(OpenAiError::invalid(
            format!("The question may have at most {MAX_INPUT_CHARS} characters."),
            Some("messages"),
        ));
    }
    let instructions = instructions.join("\n\n").trim().to_owned();
    if instructions.chars().count() > MAX_CLIENT_INSTRUCTIONS_CHARS {
        return Err(OpenAiError::invalid(
            format!(
                "System messages may have at most {MAX_CLIENT_INSTRUCTIONS_CHARS} characters in all."
            ),
            Some("messages"),
        ));
    }
    if let Some(temperature) = request.temperature
        && !(0.0..=2.0).contains(&temperature)
    {
        return Err(OpenAiError::invalid(
            "`temperature` must be between 0 and 2.",
            Some("temperature"),
        ));
    }
    let max_tokens = request.max_completion_tokens.or(request.max_tokens);
    if max_tokens == Some(0) {
        return Err(OpenAiError::invalid(
            "`max_tokens` must be at least 1.",
            Some("max_tokens"),
        ));
    }
    if request.n.is_some_and(|n| n != 1) {
        return Err(OpenAiError::invalid(
            "An assistant writes one answer: `n` must be 1.",
            Some("n"),
        ));
    }
    Ok(Ask {
        question,
        history: Some(history),
        instructions: (!instructions.is_empty()).then_some(instructions),
        sampling: Sampling {
            temperature: request.temperature,
            max_tokens,
            stop: stop_sequences(request.stop.as_ref())?,
        },
    })
}

/// A cited passage, as `sources` lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CitedPassage {
    document_id: i64,
    /// The document's name.
    document: String,
    /// 1-based; `null` for formats without pages.
    page: Option<i64>,
    /// The passage's text.
    passage: String,
    /// How well it matched the question.
    score: Option<f64>,
    /// The web address of a document read from a web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

/// Passages as `sources` lists them (here and in the MCP tools' results).
pub fn cited(sources: Vec<Source>) -> Vec<CitedPassage> {
    sources
        .into_iter()
        .map(|source| CitedPassage {
            document_id: source.document_id,
            document: source.document,
            page: source.page,
            passage: source.text,
            score: source.score,
            url: source.url,
        })
        .collect()
}

/// Tokens, as OpenAI counts them in `usage`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CompletionUsage {
    prompt_tokens: usize,
    completion_tokens: usize,
    total_tokens: usize,
}

impl From<Usage> for CompletionUsage {
    fn from(usage: Usage) -> Self {
        Self {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            total_tokens: usage.prompt_tokens + usage.completion_tokens,
        }
    }
}

/// A completion's fixed parts: its id, when it began, the model.
struct Meta {
    id: String,
    created: i64,
    model: String,
}

impl Meta {
    fn new(model: &str) -> Self {
        use rand::Rng;
        use rand::distributions::Alphanumeric;
        let random: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        Self {
            id: format!("chatcmpl-{random}"),
            created: chrono::Utc::now().timestamp(),
            model: model.to_owned(),
        }
    }
}

/// A whole answer: `chat.completion` with `sources`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "chatcmpl-8sdKq2LmN4pR6tV8xZ0bC1dE", "object": "chat.completion", "created": 1_764_186_465, "model": "asst_5qJ1xYz0aB3cD4eF5gH6iJ7k", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Capital expenditures were $1.6 billion [1]."}, "logprobs": null, "finish_reason": "stop"}], "usage": {"prompt_tokens": 812, "completion_tokens": 11, "total_tokens": 823}, "sources": [{"document_id": 3, "document": "3M_2018_10K.pdf", "page": 61, "passage": "Capital spending was $1.6 billion in 2018...", "score": 0.93}]}))]
pub struct Completion {
    id: String,
    /// Always `chat.completion`.
    object: &'static str,
    created: i64,
    model: String,
    #[schema(value_type = Vec<Object>)]
    choices: Vec<Value>,
    usage: CompletionUsage,
    /// The passages the answer cites: `[n]` is `sources[n-1]`.
    sources: Vec<CitedPassage>,
}

fn completion(meta: Meta, reply: Reply) -> Completion {
    Completion {
        id: meta.id,
        object: "chat.completion",
        created: meta.created,
        model: meta.model,
        choices: vec![json!({
            "index": 0,
            "message": {"role": "assistant", "content": reply.output, "refusal": null},
            "logprobs": null,
            "finish_reason": "stop",
        })],
        usage: reply.usage.into(),
        sources: cited(reply.sources),
    }
}

fn parse(body: &[u8]) -> Result<CompletionRequest, OpenAiError> {
    if body.is_empty() {
        return Err(OpenAiError::invalid(
            "The request has no body: send the completion request as JSON.",
            None,
        ));
    }
    serde_json::from_slice(body).map_err(|error| {
        OpenAiError::invalid(
            format!("The request body is not a valid chat completion request: {error}."),
            None,
        )
    })
}

/// Answers as the assistant the request names, whole or streamed.
#[utoipa::path(
    post,
    path = "/v1/chat/completions",
    tag = "openai",
    operation_id = "create_chat_completion",
    summary = "Ask an assistant, as an OpenAI chat model",
    description = "`model` is an assistant's public id. The last user message is the question, earlier \
user and assistant messages the conversation; system and developer messages are added to the assistant's \
instructions (they never replace its grounding rules). With `\"stream\": true` the answer comes as \
Server-Sent Events of `chat.completion.chunk`, the last with `finish_reason` and `sources` \
(then one with `usage` when `stream_options.include_usage`), then `data: [DONE]`. \
Each call is kept as a chat (origin `openai`) unless `\"store\": false`. \
Keys with the `read` scope may not ask (403).",
    security(("bearer" = [])),
    request_body(content((CompletionRequest = "application/json"))),
    responses(
        (status = 200, description = "The answer (or its stream).",
            content((Completion = "application/json"), ("text/event-stream"))),
        (status = 400, description = "The request is malformed: no messages, no user message last, an unknown role, non-text content, a parameter out of range.",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody,
            example = json!({"error": {"message": "`messages` must have at least one message.", "type": "invalid_request_error", "param": "messages", "code": null}})),
        (status = 401, description = "No key, or an unknown, revoked or expired one (`invalid_api_key`).",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody,
            headers(("WWW-Authenticate" = String, description = "Always `Bearer`: the scheme to use."))),
        (status = 403, description = "The key's scope is `read`, or it may not reach this assistant.",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody),
        (status = 404, description = "No assistant of the caller's has this id (`model_not_found`).",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody),
        (status = 429, description = "Over the rate limit (`rate_limit_exceeded`); `Retry-After` says when to try again.",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 502, description = "The language-model provider failed.",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody),
        (status = 503, description = "The language-model provider was too slow or over its own limit.",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody),
    ),
)]
pub async fn create_chat_completion(
    State(state): State<AppState>,
    OpenAiAuth(auth): OpenAiAuth,
    body: Bytes,
) -> Result<Response, OpenAiError> {
    let request = parse(&body)?;
    let ask = ask_from(&request)?;
    let assistant = model_for(&state, &auth, &request.model).await?;
    let chat = if request.store.unwrap_or(true) {
        let chat = state
            .db
            .insert_chat(
                auth.workspace_id,
                assistant.id,
                &chat::new_thread_id(),
                ORIGIN,
            )
            .await
            .map_err(crate::error::ApiError::from)?;
        Some(chat)
    } else {
        None
    };
    let meta = Meta::new(&assistant.public_id);
    if !request.stream.unwrap_or(false) {
        let reply = run(state, assistant, chat, ask, None)
            .await
            .map_err(|error| OpenAiError::from(chat_error(error)))?;
        return Ok(Json(completion(meta, reply)).into_response());
    }
    let include_usage = request
        .stream_options
        .as_ref()
        .is_some_and(|options| options.include_usage);
    stream(state, assistant, chat, ask, meta, include_usage).await
}

/// Answers, kept in `chat` when there is one.
async fn run(
    state: AppState,
    assistant: AssistantRow,
    chat: Option<ChatRow>,
    ask: Ask,
    deltas: Option<mpsc::Sender<String>>,
) -> Result<Reply, ChatError> {
    let (db, provider, semantic) = (
        &state.db,
        state.provider.as_deref(),
        state.semantic.as_deref(),
    );
    match chat {
        Some(chat) => {
            let answered =
                chat::answer_asked(db, provider, semantic, &assistant, &chat, &ask, deltas).await?;
            Ok(Reply {
                output: answered.message.output.unwrap_or_default(),
                sources: answered.sources,
                usage: answered.usage,
                covered: answered.message.covered,
                model: answered.message.model,
                first_word: None,
            })
        }
        None => chat::answer_unstored(db, provider, semantic, &assistant, &ask, deltas).await,
    }
}

/// One `chat.completion.chunk`.
fn chunk(meta: &Meta, delta: &Value, finish_reason: Option<&str>) -> Value {
    json!({
        "id": meta.id,
        "object": "chat.completion.chunk",
        "created": meta.created,
        "model": meta.model,
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}],
    })
}

fn data(value: &Value) -> Result<Event, Infallible> {
    Ok(Event::default().data(value.to_string()))
}

/// The answer as `chat.completion.chunk` events. The answer runs in its own
/// task, kept even when the client leaves. A failure before the first word
/// is an ordinary error response; one after it ends the stream with an
/// `{"error": …}` event.
async fn stream(
    state: AppState,
    assistant: AssistantRow,
    chat: Option<ChatRow>,
    ask: Ask,
    meta: Meta,
    include_usage: bool,
) -> Result<Response, OpenAiError> {
    let (delta_tx, mut delta_rx) = mpsc::channel::<String>(64);
    let (done_tx, done_rx) = oneshot::channel::<Result<Reply, ChatError>>();
    tokio::spawn(async move {
        let _ = done_tx.send(run(state, assistant, chat, ask, Some(delta_tx)).await);
    });
    let first = delta_rx.recv().await;
    let mut pending = Some(done_rx);
    let mut early = None;
    if first.is_none()
        && let Some(done_rx) = pending.take()
    {
        // No text streamed: the outcome decides the status.
        let outcome = done_rx.await.map_err(|_| {
            crate::error::ApiError::Internal(anyhow::anyhow!("the answer task ended"))
        })?;
        early = Some(outcome.map_err(|error| OpenAiError::from(chat_error(error)))?);
    }
    let events = async_stream::stream! {
        yield data(&chunk(&meta, &json!({"role": "assistant", "content": ""}), None));
        if let Some(text) = first.or_else(|| early.as_ref().map(|reply| reply.output.clone())) {
            yield data(&chunk(&meta, &json!({"content": text}), None));
        }
        while let Some(text) = delta_rx.recv().await {
            yield data(&chunk(&meta, &json!({"content": text}), None));
        }
        let outcome = match (early, pending) {
            (Some(reply), _) => Ok(Ok(reply)),
            (None, Some(done_rx)) => done_rx.await,
            (None, None) => Ok(Err(ChatError::Provider(crate::llm::ProviderError::Failed(
                "the answer was lost".into(),
            )))),
        };
        match outcome {
            Ok(Ok(reply)) => {
                let mut last = chunk(&meta, &json!({}), Some("stop"));
                last["sources"] = json!(cited(reply.sources));
                yield data(&last);
                if include_usage {
                    let mut usage = chunk(&meta, &json!({}), None);
                    usage["choices"] = json!([]);
                    usage["usage"] = json!(CompletionUsage::from(reply.usage));
                    yield data(&usage);
                }
                yield Ok(Event::default().data("[DONE]"));
            }
            Ok(Err(error)) => yield data(&OpenAiError::from(chat_error(error)).body()),
            Err(_) => {
                let error = crate::error::ApiError::Internal(anyhow::anyhow!("the answer task ended"));
                yield data(&OpenAiError::from(error).body());
            }
        }
    };
    Ok(Sse::new(events).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(messages: &Value) -> CompletionRequest {
        serde_json::from_value(json!({"model": "asst_x", "messages": messages})).unwrap()
    }

    #[test]
    fn the_last_user_message_is_the_question_and_the_rest_the_conversation() {
        let ask = ask_from(&request(&json!([
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "What was revenue in 2018?"},
            {"role": "assistant", "content": "It was $32.8 billion [1]."},
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "And in"}, {"type": "text", "text": "2017?"}]},
        ])))
        .unwrap();
        assert_eq!(ask.question, "And in\n2017?");
        assert_eq!(
            ask.history.unwrap(),
            [Turn {
                question: "What was revenue in 2018?".into(),
                answer: "It was $32.8 billion [1].".into()
            }]
        );
        assert_eq!(
            ask.instructions.as_deref(),
            Some("Answer in French.\n\nBe brief.")
        );
    }

    #[test]
    fn malformed_conversations_are_refused_with_the_parameter() {
        let refused = |messages: Value| ask_from(&request(&messages)).unwrap_err();
        let empty = refused(json!([]));
        assert_eq!(empty.param.as_deref(), Some("messages"));
        let no_user = refused(json!([{"role": "system", "content": "Hi"}]));
        assert!(
            no_user.message.contains("needs a user message"),
            "{no_user:?}"
        );
        let answer_last = refused(json!([
            {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}
        ]));
        assert!(
            answer_last
                .message
                .contains("last message must be from the user")
        );
        let tool = refused(json!([{"role": "tool", "content": "x"}]));
        assert_eq!(tool.param.as_deref(), Some("messages[0].role"));
        let image = refused(
            json!([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]),
        );
        assert_eq!(image.param.as_deref(), Some("messages[0].content"));
        let blank = refused(json!([{"role": "user", "content": "   "}]));
        assert!(blank.message.contains("empty"));
        let long = refused(json!([{"role": "user", "content": "x".repeat(MAX_INPUT_CHARS + 1)}]));
        assert!(long.message.contains("at most"));
        let number = refused(json!([{"role": "user", "content": 7}]));
        assert_eq!(number.param.as_deref(), Some("messages[0].content"));
    }

    #[test]
    fn sampling_parameters_are_checked() {
        let with = |extra: Value| {
            let mut body =
                json!({"model": "asst_x", "messages": [{"role": "user", "content": "Q"}]});
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            ask_from(&serde_json::from_value(body).unwrap())
        };
        let ask = with(json!({"temperature": 0.2, "max_tokens": 50, "stop": "END"})).unwrap();
        assert_eq!(
            ask.sampling,
            Sampling {
                temperature: Some(0.2),
                max_tokens: Some(50),
                stop: vec!["END".into()]
            }
        );
        let newer = with(json!({"max_tokens": 50, "max_completion_tokens": 20})).unwrap();
        assert_eq!(newer.sampling.max_tokens, Some(20));
        for (extra, param) in [
            (json!({"temperature": 3}), "temperature"),
            (json!({"max_tokens": 0}), "max_tokens"),
            (json!({"stop": ["a", "b", "c", "d", "e"]}), "stop"),
            (json!({"stop": [1]}), "stop"),
            (json!({"n": 2}), "n"),
        ] {
            let error = with(extra.clone()).unwrap_err();
            assert_eq!(error.param.as_deref(), Some(param), "{extra}");
        }
    }

    #[test]
    fn a_body_that_is_not_a_request_says_why() {
        assert!(parse(b"").unwrap_err().message.contains("no body"));
        let error = parse(br#"{"messages": []}"#).unwrap_err();
        assert!(error.message.contains("missing field `model`"), "{error:?}");
        assert!(parse(b"{").is_err());
    }
}
