//! `/api/v1`: the documented JSON API (`API.md`). Every error answers in
//! DRF's shape, including the ones produced by layers and the router itself
//! (unknown paths, wrong methods, oversized bodies, timeouts).

pub(crate) mod assistants;
pub(crate) mod chat;
pub(crate) mod documents;
pub(crate) mod evaluation;
pub(crate) mod me;
pub(crate) mod sources;
pub(crate) mod tokens;
pub(crate) mod users;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// The `/api/v1` router (paths without the trailing slash; the server
/// normalises `/users/` to `/users`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(users::create_user))
        .route(
            "/tokens",
            post(tokens::create_token).delete(tokens::delete_token),
        )
        .route("/me", get(me::get_me))
        .route(
            "/assistants",
            get(assistants::list_assistants).post(assistants::create_assistant),
        )
        .route(
            "/assistants/{id}",
            get(assistants::get_assistant)
                .put(assistants::replace_assistant)
                .patch(assistants::patch_assistant)
                .delete(assistants::delete_assistant),
        )
        .route(
            "/assistants/{id}/documents",
            get(documents::list_documents).post(documents::upload_documents),
        )
        .route(
            "/assistants/{id}/documents/{doc_id}",
            get(documents::get_document)
                .patch(documents::update_document)
                .delete(documents::delete_document),
        )
        .route("/assistants/{id}/search", get(documents::search_assistant))
        .route(
            "/assistants/{id}/sources",
            get(sources::list_sources).post(sources::add_source),
        )
        .route(
            "/assistants/{id}/sources/{source_id}",
            get(sources::get_source).delete(sources::delete_source),
        )
        .route(
            "/assistants/{id}/sources/{source_id}/sync",
            post(sources::sync_source),
        )
        .route(
            "/assistants/{id}/export",
            get(assistants::export_conversations),
        )
        .route("/assistants/{id}/analytics", get(assistants::get_analytics))
        .route(
            "/assistants/{id}/evaluation/questions",
            get(evaluation::list_questions).post(evaluation::add_question),
        )
        .route(
            "/assistants/{id}/evaluation/questions/csv",
            get(evaluation::export_questions).post(evaluation::import_questions),
        )
        .route(
            "/assistants/{id}/evaluation/questions/{question_id}",
            get(evaluation::get_question)
                .put(evaluation::replace_question)
                .delete(evaluation::delete_question),
        )
        .route(
            "/assistants/{id}/evaluation/runs",
            get(evaluation::list_runs).post(evaluation::start_run),
        )
        .route(
            "/assistants/{id}/evaluation/runs/{run_id}",
            get(evaluation::get_run),
        )
        .route("/chat", get(chat::list_chats).post(chat::create_chat))
        .route(
            "/chat/{id}",
            get(chat::get_chat).put(chat::ask).delete(chat::delete_chat),
        )
        .route(
            "/chat/{id}/messages/{message_id}/feedback",
            post(chat::rate_message).delete(chat::withdraw_feedback),
        )
        .route("/openapi.json", get(crate::web::api::openapi::openapi_json))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}

/// Turns any `/api/` error response that is not already JSON (from a layer
/// around the router: body limit, timeout, ...) into `{"detail": ...}`
/// (`/v1/`'s into OpenAI's `{"error": ...}`).
/// Install it outside those layers.
pub async fn json_errors(request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    let openai = path.starts_with("/v1/");
    if !path.starts_with("/api/") && !path.starts_with("/widget/") && !openai {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.is_success() || status.is_redirection() || is_json {
        return response;
    }
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large.".to_owned(),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
            "The server took too long to answer. Please try again.".to_owned()
        }
        other => other.canonical_reason().unwrap_or("Error").to_owned() + ".",
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if openai {
        crate::web::openai::OpenAiError::new(status, detail, "invalid_request_error").body()
    } else {
        json!({ "detail": detail })
    };
    let mut fresh = (status, Json(body)).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fresh
}
