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

use crate::model::workspaces::Permission;
use crate::web::auth::acting_member;
use crate::web::security::is_cross_site;
use crate::workspaces::audit::{self, Actor, Event, named};

fn back_with_error(id: i64, message: &str) -> Response {
    let query = serde_urlencoded::to_string([("upload_error", message)]).unwrap_or_default();
    Redirect::to(&format!("/assistants/{id}/documents?{query}")).into_response()
}

/// The signed-in user of a form post from this site; otherwise the
/// answer: to the log-in page (then back to `back`), or 403 for a post
/// from another site.
fn signed_in_same_site(
    auth: AuthSession,
    headers: &HeaderMap,
    back: &str,
) -> Result<crate::db::users::UserRow, Box<Response>> {
    let Some(user) = auth.user else {
        return Err(Box::new(
            Redirect::to(&crate::functions::login_url(back)).into_response(),
        ));
    };
    if is_cross_site(headers) {
        return Err(Box::new(
            (
                axum::http::StatusCode::FORBIDDEN,
                "Cross-site form posts are refused.",
            )
                .into_response(),
        ));
    }
    Ok(user)
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
    let user = match signed_in_same_site(auth, &headers, &format!("/assistants/{id}/documents")) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let member = match acting_member(&state, &user, Permission::Edit).await {
        Ok(member) => member,
        Err(refused) => return refused.into_response(),
    };
    let assistant = match state.db.assistant_of(member.workspace_id, id).await {
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
        Ok(added) => {
            let actor = Actor::person(member.user_id, &member.username, None);
            let detail = format!("in {}", named(&assistant.name, assistant.id));
            for document in added {
                let target = named(&document.name, document.id);
                let event = Event::new("document.added", &target).with(&detail);
                audit::record(&state.db, member.workspace_id, &actor, event).await;
            }
            Redirect::to(&format!("/assistants/{id}/documents")).into_response()
        }
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
    let member = acting_member(&state, &user, Permission::Ask).await?;
    let chat = state
        .db
        .chat_of(member.workspace_id, id)
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
        .assistant_of(member.workspace_id, chat.assistant_id)
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
    crate::web::sse::answer_with_html(state, assistant, chat, input).await
}

/// Back to the Evaluate tab with `query` (already encoded) and an anchor.
fn back_to_evaluate(id: i64, query: &[(&str, String)], anchor: &str) -> Response {
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    Redirect::to(&format!("/assistants/{id}/evaluate?{query}#{anchor}")).into_response()
}

/// `GET /assistants/{id}/evaluate/questions.csv`: the signed-in user's
/// assistant's test questions as a CSV download.
pub async fn eval_questions_csv(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to(&crate::functions::login_url(&format!(
            "/assistants/{id}/evaluate"
        )))
        .into_response();
    };
    let member = match acting_member(&state, &user, Permission::Read).await {
        Ok(member) => member,
        Err(refused) => return refused.into_response(),
    };
    let questions = match state.db.assistant_of(member.workspace_id, id).await {
        Ok(Some(assistant)) => crate::evaluation::questions(&state.db, assistant.id).await,
        Ok(None) => return (axum::http::StatusCode::NOT_FOUND, "Not found.").into_response(),
        Err(error) => Err(error),
    };
    match questions {
        Ok(questions) => crate::web::api::v1::evaluation::csv_download(id, &questions),
        Err(error) => {
            tracing::error!(%error, "test questions: cannot read them");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            )
                .into_response()
        }
    }
}

/// `POST /assistants/{id}/evaluate/import`: imports the CSV file of the
/// form into the signed-in user's assistant's test questions, then back to
/// the Evaluate tab with what was done or every problem found.
pub async fn import_eval_questions(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    input: Result<Input, ApiError>,
) -> Response {
    let user = match signed_in_same_site(auth, &headers, &format!("/assistants/{id}/evaluate")) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let failed = |message: String| back_to_evaluate(id, &[("import_error", message)], "import");
    let member = match acting_member(&state, &user, Permission::Edit).await {
        Ok(member) => member,
        Err(refused) => return failed(refused.to_string()),
    };
    let assistant = match state.db.assistant_of(member.workspace_id, id).await {
        Ok(Some(assistant)) => assistant,
        Ok(None) => return (axum::http::StatusCode::NOT_FOUND, "Not found.").into_response(),
        Err(error) => {
            tracing::error!(%error, "import: cannot read the assistant");
            return failed("Something went wrong on our side. Please try again.".into());
        }
    };
    let file = match input {
        Ok(input) => input.files.into_iter().next(),
        Err(error) => return failed(error.to_string()),
    };
    let Some(file) = file.filter(|f| !f.bytes.is_empty()) else {
        return failed("Choose a CSV file to import.".into());
    };
    let Ok(text) = String::from_utf8(file.bytes) else {
        return failed("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.".into());
    };
    match crate::evaluation::import(&state.db, assistant.id, &text).await {
        Ok(done) => back_to_evaluate(
            id,
            &[
                ("added", done.added.to_string()),
                ("updated", done.updated.to_string()),
            ],
            "questions",
        ),
        Err(crate::evaluation::EvalError::Invalid(problems)) => failed(
            problems
                .into_iter()
                .map(|(_, message)| message)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Err(error) => {
            tracing::error!(%error, "import failed");
            failed("Something went wrong on our side. Please try again.".into())
        }
    }
}

/// The audit log's filters, as the page's form sends them.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditQuery {
    action: Option<String>,
    actor: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

/// `GET /workspace/audit.csv`: the workspace's audit log, filtered, as a
/// CSV download (admins). The export is itself recorded.
pub async fn audit_csv(
    auth: AuthSession,
    State(state): State<AppState>,
    query: Result<axum::extract::Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to(&crate::functions::login_url("/workspace/audit")).into_response();
    };
    let axum::extract::Query(query) = query.unwrap_or_default();
    let member = match acting_member(&state, &user, Permission::Administer).await {
        Ok(member) => member,
        Err(refused) => return refused.into_response(),
    };
    let filter = match audit::filter_of(
        query.action.as_deref(),
        query.actor.as_deref(),
        query.since.as_deref(),
        query.until.as_deref(),
    ) {
        Ok(filter) => filter,
        Err(refused) => return crate::web::auth::workspace_refusal(refused).into_response(),
    };
    let events = match audit::list(&state.db, &member, &filter, audit::PAGE_MAX, 0).await {
        Ok(events) => events,
        Err(refused) => return crate::web::auth::workspace_refusal(refused).into_response(),
    };
    let actor = Actor::person(member.user_id, &member.username, None);
    let detail = format!("{} entries", events.len());
    let event = Event::new("audit.exported", &member.workspace_name).with(&detail);
    audit::record(&state.db, member.workspace_id, &actor, event).await;
    let name = format!("audit-{}.csv", chrono::Utc::now().format("%Y-%m-%d"));
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        audit::csv(&events),
    )
        .into_response()
}
