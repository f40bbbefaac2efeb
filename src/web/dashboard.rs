//! The dashboard's own posts that are not server functions, authenticated
//! by the session and refused from other sites: uploading documents (a
//! plain multipart form, answered with a redirect back to the assistant's
//! page) and asking in a chat (answered as a stream of Server-Sent Events).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::AuthSession;
use crate::documents::{self, UploadError};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::input::Input;

use crate::web::security::is_cross_site;

fn back_with_error(id: i64, message: &str) -> Response {
    let query = serde_urlencoded::to_string([("upload_error", message)]).unwrap_or_default();
    Redirect::to(&format!("/assistants/{id}/documents?{query}")).into_response()
}

/// `POST /assistants/{id}/documents`: adds the files of the form to the
/// signed-in user's assistant.
pub async fn upload_from_dashboard(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    input: Result<Input, ApiError>,
) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to(&crate::functions::login_url(&format!(
            "/assistants/{id}/documents"
        )))
        .into_response();
    };
    if is_cross_site(&headers) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "Cross-site form posts are refused.",
        )
            .into_response();
    }
    let assistant = match state.db.assistant_of(user.id, id).await {
        Ok(Some(assistant)) => assistant,
        Ok(None) => return (axum::http::StatusCode::NOT_FOUND, "Not found.").into_response(),
        Err(error) => {
            tracing::error!(%error, "upload: cannot read the assistant");
            return back_with_error(id, "Something went wrong on our side. Please try again.");
        }
    };
    let input = match input {
        Ok(input) => input,
        Err(ApiError::Internal(cause)) => {
            tracing::error!(error = ?cause, "upload failed");
            return back_with_error(id, "Something went wrong on our side. Please try again.");
        }
        Err(error) => return back_with_error(id, &error.to_string()),
    };
    if input.files.is_empty() {
        return back_with_error(id, "Choose one or more files to upload.");
    }
    match documents::add_files(
        &state.db,
        &state.files,
        &state.jobs,
        assistant.id,
        input.files,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/assistants/{id}/documents")).into_response(),
        Err(error @ (UploadError::Empty(_) | UploadError::Unsupported(_))) => {
            back_with_error(id, &error.to_string())
        }
        Err(UploadError::Storage(cause)) => {
            tracing::error!(error = %cause, "upload: the file store failed");
            back_with_error(id, &ApiError::StorageUnavailable(cause).to_string())
        }
        Err(error) => {
            tracing::error!(%error, "upload failed");
            back_with_error(id, "Something went wrong on our side. Please try again.")
        }
    }
}

/// The question of the in-app chat.
#[derive(Debug, serde::Deserialize)]
pub struct AskForm {
    input: String,
}

/// `POST /chats/{id}/messages`: asks in the signed-in user's chat; the
/// answer streams back as the API's events (`delta`, then `done` or `error`).
pub async fn ask_from_dashboard(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    axum::Json(form): axum::Json<AskForm>,
) -> Result<Response, ApiError> {
    let user = auth.user.ok_or(ApiError::Unauthorized("Log in to chat."))?;
    if is_cross_site(&headers) {
        return Ok((
            axum::http::StatusCode::FORBIDDEN,
            "Cross-site posts are refused.",
        )
            .into_response());
    }
    let chat = state
        .db
        .chat_of(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if chat.origin == "widget" {
        return Err(ApiError::field(
            "input",
            "This conversation is a visitor's, from your website: start a new chat to ask yourself.",
        ));
    }
    let assistant = state
        .db
        .assistant_of(user.id, chat.assistant_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let input = form.input.trim().to_owned();
    if input.is_empty() {
        return Err(ApiError::field("input", "Type a question first."));
    }
    if input.contains('\0') || input.chars().count() > crate::web::input::MAX_INPUT_CHARS {
        return Err(ApiError::field(
            "input",
            "The question is too long or holds characters that cannot be stored.",
        ));
    }
    crate::web::sse::answer_with_reply(state, assistant, chat, input).await
}
