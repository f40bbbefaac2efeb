//! `/api/v1/assistants/{id}/documents/`: an assistant's documents, and
//! `/api/v1/assistants/{id}/search/`: what it would read for a question.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Input;
use super::assistants::{add_files, check_files, owned, parse_id};
use crate::auth::ApiAuth;
use crate::db::documents::DocumentRow;
use crate::documents;
use crate::error::ApiError;
use crate::model::DocumentView;
use crate::search;
use crate::state::AppState;

async fn owned_document(
    state: &AppState,
    auth: &ApiAuth,
    id: &str,
    doc_id: &str,
) -> Result<DocumentRow, ApiError> {
    let assistant = owned(state, auth, id).await?;
    let doc_id = parse_id(doc_id)?;
    state
        .db
        .document_of(assistant.id, doc_id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// An assistant's documents, in the order they were added.
pub async fn list_documents(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentView>>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    Ok(Json(documents::views_of(&state, assistant.id).await?))
}

/// Adds documents (multipart `files`): 201 with all the assistant's documents.
pub async fn upload_documents(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    input: Input,
) -> Result<(StatusCode, Json<Vec<DocumentView>>), ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    if input.files.is_empty() {
        return Err(ApiError::field("files", "No file was submitted."));
    }
    check_files(&input)?;
    add_files(&state, assistant.id, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(documents::views_of(&state, assistant.id).await?),
    ))
}

/// `?download=1` asks for the original file.
#[derive(Debug, Deserialize)]
pub struct DocumentQuery {
    #[serde(default)]
    download: Option<String>,
}

/// A document's metadata, or with `?download=1` the original file.
pub async fn get_document(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, doc_id)): Path<(String, String)>,
    Query(query): Query<DocumentQuery>,
) -> Result<Response, ApiError> {
    let document = owned_document(&state, &auth, &id, &doc_id).await?;
    let wants_file = query
        .download
        .as_deref()
        .is_some_and(|v| !matches!(v, "" | "0" | "false"));
    if !wants_file {
        return Ok(Json(documents::view_of(&state, document).await?).into_response());
    }
    let bytes = state
        .files
        .get(&document.sha256)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        document.name.replace(['"', '\\'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, document.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// Deletes a document; its passages leave the index: 204.
pub async fn delete_document(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, doc_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let document = owned_document(&state, &auth, &id, &doc_id).await?;
    if documents::delete_document(&state.db, &state.files, &document).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// `?q=` the question, `?k=` how many passages (default 5, at most 50).
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    k: Option<String>,
}

/// A passage the assistant would read.
#[derive(Debug, Serialize)]
pub struct SearchResult {
    pub document_id: i64,
    pub document: String,
    pub page: Option<i64>,
    pub text: String,
    pub score: f64,
}

/// The passages an assistant would read for a question, best first.
pub async fn search_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let question = query.q.trim();
    if question.is_empty() {
        return Err(ApiError::field("q", "This field may not be blank."));
    }
    if question.chars().count() > 2000 {
        return Err(ApiError::field(
            "q",
            "Ensure this field has no more than 2000 characters.",
        ));
    }
    let k = match query.k.as_deref() {
        None | Some("") => search::DEFAULT_K,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|k| (1..=search::MAX_K).contains(k))
            .ok_or_else(|| {
                ApiError::field(
                    "k",
                    format!(
                        "Ensure this value is a whole number from 1 to {}.",
                        search::MAX_K
                    ),
                )
            })?,
    };
    let found = search::search(
        &state.db,
        state.semantic.as_deref(),
        assistant.id,
        question,
        k,
    )
    .await?;
    let results: Vec<SearchResult> = found
        .into_iter()
        .map(|hit| SearchResult {
            document_id: hit.document_id,
            document: hit.document,
            page: hit.page,
            text: hit.text,
            score: (hit.score * 1000.0).round() / 1000.0,
        })
        .collect();
    Ok(Json(serde_json::json!({ "results": results })))
}
