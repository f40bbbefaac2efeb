//! `/api/v1/assistants/{id}/documents/`: an assistant's documents, and
//! `/api/v1/assistants/{id}/search/`: what it would read for a question.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::assistants::{add_files, check_files, owned, parse_id};
use crate::db::documents::DocumentRow;
use crate::documents::{self, CorrectionError, MetadataChange};
use crate::error::ApiError;
use crate::model::DocumentView;
use crate::search;
use crate::state::AppState;
use crate::web::api::openapi::schemas::{BadRequest, Detail, DocumentsUpload, MetadataUpdate};
use crate::web::auth::ApiAuth;
use crate::web::input::Input;
use crate::workspaces::audit::{self, Event};

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
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/documents/",
    tag = "documents",
    operation_id = "list_documents",
    summary = "An assistant's documents",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    responses((status = 200, description = "The documents, in the order they were added.", body = Vec<DocumentView>)),
)]
pub async fn list_documents(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentView>>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    Ok(Json(
        documents::views_of(&state.db, state.semantic.as_deref(), assistant.id).await?,
    ))
}

/// Adds documents (multipart `files`): 201 with all the assistant's documents.
#[utoipa::path(
    post,
    path = "/api/v1/assistants/{id}/documents/",
    tag = "documents",
    operation_id = "upload_documents",
    summary = "Add documents",
    description = "Formats are recognised from the content: PDF (scanned pages read by OCR in the \
assistant's `ocr_languages`), Word (.docx), spreadsheets (.xlsx, .xls, .ods: a sheet is a page), PowerPoint \
(.pptx: a slide is a page, with its notes), OpenDocument text (.odt), e-books (.epub), rich text (.rtf), e-mails (.eml, their attachments added as documents of their own), plain text, Markdown, HTML \
and CSV. The same bytes uploaded twice to one assistant are one document. Processing goes on in the background.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    request_body(content((DocumentsUpload = "multipart/form-data"))),
    responses(
        (status = 201, description = "All the assistant's documents.", body = Vec<DocumentView>),
        (status = 400, description = "No file, an empty file, or a malformed multipart body.",
            body = BadRequest, example = json!({"files": ["No file was submitted."]})),
        (status = 413, description = "A file is over the per-file limit (`--max-file-mb`), or the body over the server's.",
            body = Detail, example = json!({"detail": "The file \"big.pdf\" is larger than the 50 MB limit."})),
        (status = 415, description = "A file is not a supported document, or the body is not multipart.",
            body = Detail, example = json!({"detail": "The file \"photo.png\" is not a supported document. Supported: PDF, Word (.docx), spreadsheets (.xlsx, .xls, .ods), PowerPoint (.pptx), OpenDocument text (.odt), e-books (.epub), rich text (.rtf), e-mails (.eml, their attachments added as documents of their own), plain text, Markdown, HTML, CSV."})),
    ),
)]
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
    add_files(&state, &auth, &assistant, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(documents::views_of(&state.db, state.semantic.as_deref(), assistant.id).await?),
    ))
}

/// `?download=1` asks for the original file.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `1` (or any value but `0`, `false` or empty) for the original file.
    #[serde(default)]
    #[param(value_type = String, required = false)]
    download: Option<String>,
}

/// A document's metadata, or with `?download=1` the original file.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/documents/{doc_id}/",
    tag = "documents",
    operation_id = "get_document",
    summary = "A document's metadata, or the original file",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1), ("doc_id" = i64, Path, description = "The document's id.", minimum = 1), DocumentQuery),
    responses(
        (status = 200, description = "The metadata; with `?download=1` the original file, with its content type.",
            content((DocumentView = "application/json"), ("*/*"))),
    ),
)]
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
        return Ok(
            Json(documents::view_of(&state.db, state.semantic.as_deref(), document).await?)
                .into_response(),
        );
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

/// Corrects what a document is: `company`, `kind`, `period`, `title`
/// (any subset; an empty string or `null` makes a value unknown). Its
/// passages are indexed again with them.
#[utoipa::path(
    patch,
    path = "/api/v1/assistants/{id}/documents/{doc_id}/",
    tag = "documents",
    operation_id = "update_document",
    summary = "Correct a document's metadata",
    description = "Metadata is read from each document's file name and first pages; the owner can correct it. \
A question that names a company, year, quarter or kind of document reads the matching documents first, and \
each passage carries its document's metadata in the index. Only a ready document can be corrected.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1), ("doc_id" = i64, Path, description = "The document's id.", minimum = 1)),
    request_body(content((MetadataUpdate = "application/json"), (MetadataUpdate = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "The document, corrected.", body = DocumentView),
        (status = 400, description = "A value is not text, longer than 200 characters or holds control characters; or the document is not ready.",
            body = BadRequest, example = json!({"company": ["Ensure this field has no more than 200 characters."]})),
    ),
)]
pub async fn update_document(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, doc_id)): Path<(String, String)>,
    input: Input,
) -> Result<Json<DocumentView>, ApiError> {
    let document = owned_document(&state, &auth, &id, &doc_id).await?;
    let change = metadata_change(&input)?;
    let corrected = documents::correct_metadata(&state.db, &document, change)
        .await
        .map_err(|error| match error {
            CorrectionError::Invalid(fields) => ApiError::Validation(fields),
            CorrectionError::NotReady => ApiError::BadRequest(error.to_string()),
            CorrectionError::Database(error) => error.into(),
        })?;
    Ok(Json(
        documents::view_of(&state.db, state.semantic.as_deref(), corrected).await?,
    ))
}

/// The metadata fields of a body: text, or `null` for unknown.
fn metadata_change(input: &Input) -> Result<MetadataChange, ApiError> {
    let mut errors = crate::model::FieldErrors::new();
    let mut field = |name: &str| match input.fields.get(name) {
        Some(serde_json::Value::Null) => Some(String::new()),
        _ => match input.text(name) {
            Ok(value) => value,
            Err((field, message)) => {
                errors.entry(field).or_default().push(message);
                None
            }
        },
    };
    let change = MetadataChange {
        company: field("company"),
        kind: field("kind"),
        period: field("period"),
        title: field("title"),
    };
    if errors.is_empty() {
        Ok(change)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Deletes a document; its passages leave the index: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/assistants/{id}/documents/{doc_id}/",
    tag = "documents",
    operation_id = "delete_document",
    summary = "Delete a document",
    description = "Its passages leave the index.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1), ("doc_id" = i64, Path, description = "The document's id.", minimum = 1)),
    responses((status = 204, description = "Deleted.")),
)]
pub async fn delete_document(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, doc_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let document = owned_document(&state, &auth, &id, &doc_id).await?;
    if documents::delete_document(&state.db, &state.files, &document).await? {
        let target = audit::named(&document.name, document.id);
        auth.record(&state, Event::new("document.removed", &target))
            .await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// `?q=` the question, `?k=` how many passages (default 5, at most 50).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The question.
    #[serde(default)]
    #[param(required = true, max_length = 2000, pattern = "NOT_BLANK")]
    q: String,
    /// How many passages.
    #[serde(default)]
    #[param(value_type = i64, required = false, minimum = 1, maximum = 50, default = 5)]
    k: Option<String>,
    /// `true` to say why each passage ranked (and which documents the
    /// question names).
    #[serde(default)]
    #[param(value_type = bool, required = false, default = false)]
    explain: Option<String>,
}

/// A passage the assistant would read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResult {
    pub document_id: i64,
    /// The document's name.
    pub document: String,
    /// 1-based, as a PDF viewer shows it; `null` for formats without pages.
    pub page: Option<i64>,
    pub text: String,
    /// Higher is better.
    pub score: f64,
    /// Why it ranked (with `?explain=true` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<search::Explanation>,
}

/// The documents a question names, which are read first (with
/// `?explain=true` only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RouteView {
    /// Their ids; empty when the question names none in particular.
    pub documents: Vec<i64>,
    /// What named them: `company`, `year`, `quarter`, `kind`, `latest`.
    pub by: Vec<String>,
}

/// What `GET /api/v1/assistants/{id}/search/` answers, best first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"results": [{"document_id": 3, "document": "3M_2018_10K.pdf", "page": 61, "text": "Capital spending was $1.6 billion in 2018...", "score": 12.3}]}))]
pub struct SearchResults {
    pub results: Vec<SearchResult>,
    /// Which documents the question names (with `?explain=true` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteView>,
}

/// The passages an assistant would read for a question, best first.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/search/",
    tag = "documents",
    operation_id = "search_assistant",
    summary = "What the assistant would read for a question",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1), SearchQuery),
    responses(
        (status = 200, description = "The passages, best first.", body = SearchResults),
        (status = 400, description = "`q` is missing, blank or too long, `k` is out of range, or `explain` is not a boolean.",
            body = BadRequest, example = json!({"q": ["This field may not be blank."]})),
    ),
)]
pub async fn search_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
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
    let explain = match query.explain.as_deref().map(str::trim) {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            return Err(ApiError::field("explain", "Must be a valid boolean."));
        }
    };
    let searched = search::search_with(
        &state.db,
        state.semantic.as_deref(),
        assistant.id,
        question,
        k,
        search::Stages::SERVED,
    )
    .await?;
    let results: Vec<SearchResult> = searched
        .found
        .into_iter()
        .map(|(hit, why)| SearchResult {
            document_id: hit.document_id,
            document: hit.document,
            page: hit.page,
            text: hit.text,
            score: (hit.score * 1000.0).round() / 1000.0,
            explain: explain.then_some(why),
        })
        .collect();
    let route = explain.then(|| RouteView {
        documents: searched.route.documents,
        by: searched
            .route
            .by
            .iter()
            .map(|by| (*by).to_owned())
            .collect(),
    });
    Ok(Json(SearchResults { results, route }))
}
