//! The OpenAPI 3.1 description of `/api/v1`, generated from the handlers'
//! `#[utoipa::path]` annotations (`GET /api/v1/openapi.json`), and a
//! reference page rendered from it on the server (`GET /api/docs`), which
//! needs no script and nothing from the internet.
//!
//! What every operation shares is added once, by [`conventions`]; the
//! documentation-only request and error bodies are [`schemas`]; the page
//! is [`page`].

mod conventions;
pub mod page;
pub mod schemas;

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa::OpenApi;

use super::v1::{assistants, chat, documents, evaluation, me, sources, tokens, users};
use crate::web::openai::{completions, models};
use conventions::{Conventions, camel_case_links, spell_out_not_blank, text_fields_take_numbers};
use schemas::{Detail, ValidationErrors};

const DESCRIPTION: &str = "\
The JSON API of AIConvoKit: sign up, get a key, make assistants from your \
documents, search them and chat with them.

- Paths end in `/`; the same path without it answers the same.
- Bodies are JSON. Endpoints that take files also take `multipart/form-data`, \
and every endpoint with a body also takes `application/x-www-form-urlencoded`. \
Text fields accept numbers as their text, as the original \
(Django REST Framework) service did.
- Authentication: `Authorization: Token <key>` (keys come from \
`POST /api/v1/tokens/`); `Authorization: Bearer <key>` is accepted too.
- Errors: validation errors are `400 {\"field\": [\"message\", ...]}` \
(`non_field_errors` for errors of no single field); every other error is \
`{\"detail\": \"message\"}`. A 401 carries `WWW-Authenticate: Token`, a 429 \
`Retry-After` (seconds). Every response carries an `X-Request-Id`.
- Another user's objects answer 404, exactly as if they did not exist. \
A key made with a `chat` or `read` scope, or limited to some assistants, \
answers 403 for what it may not do.
- `/v1` is OpenAI-compatible (every assistant is a model): send the same keys \
as `Authorization: Bearer <key>`; its errors are in OpenAI's shape \
(`{\"error\": {\"message\", \"type\", \"param\", \"code\"}}`).
- Timestamps are RFC 3339 in UTC, e.g. `2026-11-26T19:47:45.123Z`.";

/// The description, as the derive builds it (without [`Conventions`]' cache).
#[derive(OpenApi)]
#[openapi(
    info(title = "AIConvoKit API", description = DESCRIPTION),
    paths(
        users::create_user,
        tokens::create_token,
        tokens::delete_token,
        me::get_me,
        assistants::list_assistants,
        assistants::create_assistant,
        assistants::get_assistant,
        assistants::replace_assistant,
        assistants::patch_assistant,
        assistants::delete_assistant,
        documents::list_documents,
        documents::upload_documents,
        documents::get_document,
        documents::update_document,
        documents::delete_document,
        documents::search_assistant,
        sources::list_sources,
        sources::add_source,
        sources::get_source,
        sources::sync_source,
        sources::delete_source,
        assistants::export_conversations,
        assistants::get_analytics,
        evaluation::list_questions,
        evaluation::add_question,
        evaluation::get_question,
        evaluation::replace_question,
        evaluation::delete_question,
        evaluation::export_questions,
        evaluation::import_questions,
        evaluation::list_runs,
        evaluation::start_run,
        evaluation::get_run,
        chat::list_chats,
        chat::create_chat,
        chat::get_chat,
        chat::ask,
        chat::delete_chat,
        chat::rate_message,
        chat::withdraw_feedback,
        models::list_models,
        models::get_model,
        completions::create_chat_completion,
    ),
    components(schemas(Detail, ValidationErrors)),
    modifiers(&Conventions),
    tags(
        (name = "users", description = "Sign up."),
        (name = "tokens", description = "API keys: log in for one, revoke it."),
        (name = "assistants", description = "Assistants and the documents they answer from."),
        (name = "documents", description = "An assistant's documents, and what it would read for a question."),
        (name = "sources", description = "Web pages, sitemaps and sites as documents, kept in sync on a schedule and on demand."),
        (name = "evaluation", description = "An assistant's test questions and evaluation runs: hit@5, and with a model the answers' phrases and citations."),
        (name = "chat", description = "Chats with an assistant: ask, read, delete."),
        (name = "openai", description = "OpenAI-compatible: every assistant is a model at `/v1` (the base URL is this server's address followed by `/v1`), for the OpenAI client libraries and tools. Errors are in OpenAI's shape."),
    )
)]
struct ApiDoc;

/// The description as JSON, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
        camel_case_links(&mut document);
        text_fields_take_numbers(&mut document);
        spell_out_not_blank(&mut document);
        document
    })
}

/// `GET /api/v1/openapi.json`: no key needed.
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document().to_string(),
    )
        .into_response()
}
