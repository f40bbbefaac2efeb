//! `/api/v1/assistants/`: list, create, get, replace (`PUT`), change
//! (`PATCH`) and delete the caller's assistants. Create, `PUT` and `PATCH`
//! also take `files` (multipart), added to the assistant's documents.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::assistants::{self, AssistantInput, Change};
use crate::db::assistants::AssistantRow;
use crate::documents::{self, UploadError};
use crate::error::ApiError;
use crate::ingest::detect::{self, SUPPORTED};
use crate::model::AssistantView;
use crate::state::AppState;
use crate::web::api::openapi::schemas::{
    AssistantChanges, AssistantChangesUpload, AssistantReplacement, AssistantReplacementUpload,
    BadRequest, NewAssistant, NewAssistantUpload,
};
use crate::web::auth::ApiAuth;
use crate::web::export::ExportQuery;
use crate::web::input::Input;
use crate::workspaces::audit::{self, Event};

/// An id from the path; anything that is not one is a 404, as the
/// original's integer routes answered.
pub(super) fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

fn read_input(input: &Input) -> Result<AssistantInput, ApiError> {
    let [name, new_name, company_name, instructions, ocr_languages] = input.texts([
        "name",
        "new_name",
        "company_name",
        "instructions",
        "ocr_languages",
    ])?;
    Ok(AssistantInput {
        name,
        new_name,
        company_name,
        instructions,
        ocr_languages,
    })
}

/// The caller's assistant with this path id: 404 when it is not theirs,
/// 403 when the key may not reach it.
pub(super) async fn owned(
    state: &AppState,
    auth: &ApiAuth,
    raw_id: &str,
) -> Result<AssistantRow, ApiError> {
    let id = parse_id(raw_id)?;
    let assistant = state
        .db
        .assistant_of(auth.workspace_id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    auth.permit_assistant(assistant.id)?;
    Ok(assistant)
}

/// An assistant with its documents, as the API shows it.
pub(super) async fn view(state: &AppState, row: AssistantRow) -> Result<AssistantView, ApiError> {
    let documents = documents::views_of(&state.db, state.semantic.as_deref(), row.id).await?;
    Ok(assistants::to_view(row, documents))
}

/// Refuses, before anything is stored, files that are empty or of a format
/// the product does not read.
pub(super) fn check_files(input: &Input) -> Result<(), ApiError> {
    for file in &input.files {
        if file.bytes.is_empty() {
            return Err(ApiError::field(
                "files",
                format!("The file \"{}\" is empty.", file.name),
            ));
        }
        if detect::detect(&file.bytes, &file.name, file.declared_type.as_deref()).is_none() {
            return Err(ApiError::UnsupportedFile {
                name: file.name.clone(),
                supported: SUPPORTED,
            });
        }
    }
    Ok(())
}

/// Stores and queues the files of a request for an assistant.
pub(super) async fn add_files(
    state: &AppState,
    auth: &ApiAuth,
    assistant: &AssistantRow,
    input: Input,
) -> Result<(), ApiError> {
    let added = documents::add_files(
        &state.db,
        &state.files,
        &state.jobs,
        assistant.id,
        input.files,
    )
    .await
    .map_err(|error| match error {
        UploadError::Empty(_) => ApiError::field("files", error.to_string()),
        UploadError::Unsupported(name) => ApiError::UnsupportedFile {
            name,
            supported: SUPPORTED,
        },
        UploadError::Storage(cause) => ApiError::StorageUnavailable(cause),
        UploadError::Database(cause) => cause.into(),
    })?;
    for document in added {
        let target = audit::named(&document.name, document.id);
        let detail = format!("in {}", audit::named(&assistant.name, assistant.id));
        auth.record(state, Event::new("document.added", &target).with(&detail))
            .await;
    }
    Ok(())
}

/// The caller's assistants, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/",
    tag = "assistants",
    operation_id = "list_assistants",
    summary = "The caller's assistants, newest first",
    security(("token" = [])),
    responses((status = 200, description = "The caller's assistants with their documents.", body = Vec<AssistantView>)),
)]
pub async fn list_assistants(
    State(state): State<AppState>,
    auth: ApiAuth,
) -> Result<Json<Arc<[AssistantView]>>, ApiError> {
    let views = assistants::views_of_workspace(
        &state.db,
        state.semantic.as_deref(),
        &state.assistant_lists,
        auth.workspace_id,
    )
    .await?;
    if auth.grant.reaches_all() {
        return Ok(Json(views));
    }
    let reachable: Arc<[AssistantView]> = views
        .iter()
        .filter(|view| auth.grant.reaches(view.id))
        .cloned()
        .collect();
    Ok(Json(reachable))
}

/// Creates an assistant, with its files if any: 201. Processing of the
/// files goes on in the background.
#[utoipa::path(
    post,
    path = "/api/v1/assistants/",
    tag = "assistants",
    operation_id = "create_assistant",
    summary = "Create an assistant, with documents if any",
    description = "Uploaded documents are processed in the background: the 201 does not wait. \
Each document goes `pending` → `processing` → `ready` or `failed`.",
    security(("token" = [])),
    request_body(content(
        (NewAssistant = "application/json"),
        (NewAssistantUpload = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "The new assistant.", body = AssistantView, links(
            ("get_assistant" = (operation_id = "get_assistant", parameters(("id" = "$response.body#/id")))),
            ("replace_assistant" = (operation_id = "replace_assistant", parameters(("id" = "$response.body#/id")))),
            ("patch_assistant" = (operation_id = "patch_assistant", parameters(("id" = "$response.body#/id")))),
            ("delete_assistant" = (operation_id = "delete_assistant", parameters(("id" = "$response.body#/id")))),
            ("list_documents" = (operation_id = "list_documents", parameters(("id" = "$response.body#/id")))),
            ("upload_documents" = (operation_id = "upload_documents", parameters(("id" = "$response.body#/id")))),
            ("search_assistant" = (operation_id = "search_assistant", parameters(("id" = "$response.body#/id")))),
            ("list_sources" = (operation_id = "list_sources", parameters(("id" = "$response.body#/id")))),
            ("add_source" = (operation_id = "add_source", parameters(("id" = "$response.body#/id")))),
            ("create_chat" = (operation_id = "create_chat", request_body = json!({"assistant_id": "$response.body#/id"}))),
        )),
        (status = 400, description = "A field is missing, blank or too long, or a file is empty.",
            body = BadRequest, example = json!({"name": ["This field may not be blank."]})),
        (status = 413, description = "The body, or one of its files, is over the server's limit (`--max-file-mb` per file).",
            body = crate::web::api::openapi::schemas::Detail,
            example = json!({"detail": "The file \"big.pdf\" is larger than the 50 MB limit."})),
        (status = 415, description = "The body is not JSON, form or multipart, or a file is not a supported document.",
            body = crate::web::api::openapi::schemas::Detail,
            example = json!({"detail": "The file \"photo.png\" is not a supported document. Supported: PDF, Word (.docx), spreadsheets (.xlsx, .xls, .ods), PowerPoint (.pptx), OpenDocument text (.odt), e-books (.epub), rich text (.rtf), e-mails (.eml, their attachments added as documents of their own), plain text, Markdown, HTML, CSV."})),
    ),
)]
pub async fn create_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    input: Input,
) -> Result<(StatusCode, Json<AssistantView>), ApiError> {
    if !auth.grant.reaches_all() {
        return Err(ApiError::Forbidden(
            "This API key is limited to some assistants, so it cannot create one.".to_owned(),
        ));
    }
    let fields = assistants::apply(Change::Create, &read_input(&input)?, None)
        .map_err(ApiError::Validation)?;
    check_files(&input)?;
    let row = state
        .db
        .insert_assistant(auth.workspace_id, &assistants::new_public_id(), &fields)
        .await?;
    let target = audit::named(&row.name, row.id);
    if let Err(error) = add_files(&state, &auth, &row, input).await {
        // Nothing half-made: an assistant whose files could not be stored is not kept.
        state.db.delete_assistant(auth.workspace_id, row.id).await?;
        return Err(error);
    }
    auth.record(&state, Event::new("assistant.created", &target))
        .await;
    Ok((StatusCode::CREATED, Json(view(&state, row).await?)))
}

/// One of the caller's assistants.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/",
    tag = "assistants",
    operation_id = "get_assistant",
    summary = "One assistant",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    responses((status = 200, description = "The assistant with its documents.", body = AssistantView)),
)]
pub async fn get_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Json<AssistantView>, ApiError> {
    let row = owned(&state, &auth, &id).await?;
    Ok(Json(view(&state, row).await?))
}

/// `PUT` replaces every field (`new_name` renames); `PATCH` changes any
/// subset. Files are added to the existing ones.
async fn change_assistant(
    state: &AppState,
    auth: &ApiAuth,
    id: &str,
    change: Change,
    input: Input,
) -> Result<Json<AssistantView>, ApiError> {
    let current = owned(state, auth, id).await?;
    let read = read_input(&input)?;
    if change == Change::Patch && read.new_name.is_some() && read.name.is_some() {
        // `new_name` renames, but a `name` sent beside it must still be a valid name.
        let name_only = AssistantInput {
            name: read.name.clone(),
            ..AssistantInput::default()
        };
        assistants::apply(change, &name_only, Some(&current.fields()))
            .map_err(ApiError::Validation)?;
    }
    let fields =
        assistants::apply(change, &read, Some(&current.fields())).map_err(ApiError::Validation)?;
    check_files(&input)?;
    add_files(state, auth, &current, input).await?;
    let row = state
        .db
        .update_assistant(auth.workspace_id, current.id, &fields)
        .await?
        .ok_or(ApiError::NotFound)?;
    let target = audit::named(&row.name, row.id);
    auth.record(state, Event::new("assistant.changed", &target))
        .await;
    Ok(Json(view(state, row).await?))
}

/// `PUT /api/v1/assistants/{id}/`.
#[utoipa::path(
    put,
    path = "/api/v1/assistants/{id}/",
    tag = "assistants",
    operation_id = "replace_assistant",
    summary = "Replace an assistant's fields (`new_name` renames)",
    description = "Every field is required. As in the original, `new_name` renames the assistant \
(and `name` is still required); without it, `name` is the name. Files are added to the existing documents.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    request_body(content(
        (AssistantReplacement = "application/json"),
        (AssistantReplacementUpload = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "The changed assistant.", body = AssistantView),
        (status = 400, description = "A field is missing, blank or too long, or a file is empty.",
            body = BadRequest, example = json!({"name": ["This field may not be blank."]})),
        (status = 413, description = "The body, or one of its files, is over the server's limit (`--max-file-mb` per file).",
            body = crate::web::api::openapi::schemas::Detail,
            example = json!({"detail": "The file \"big.pdf\" is larger than the 50 MB limit."})),
        (status = 415, description = "The body is not JSON, form or multipart, or a file is not a supported document.",
            body = crate::web::api::openapi::schemas::Detail,
            example = json!({"detail": "The file \"photo.png\" is not a supported document. Supported: PDF, Word (.docx), spreadsheets (.xlsx, .xls, .ods), PowerPoint (.pptx), OpenDocument text (.odt), e-books (.epub), rich text (.rtf), e-mails (.eml, their attachments added as documents of their own), plain text, Markdown, HTML, CSV."})),
    ),
)]
pub async fn replace_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    input: Input,
) -> Result<Json<AssistantView>, ApiError> {
    change_assistant(&state, &auth, &id, Change::Replace, input).await
}

/// `PATCH /api/v1/assistants/{id}/`.
#[utoipa::path(
    patch,
    path = "/api/v1/assistants/{id}/",
    tag = "assistants",
    operation_id = "patch_assistant",
    summary = "Change some of an assistant's fields",
    description = "Any subset of the fields; the others stay. Files are added to the existing documents.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    request_body(content(
        (AssistantChanges = "application/json"),
        (AssistantChangesUpload = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "The changed assistant.", body = AssistantView),
        (status = 400, description = "A field is missing, blank or too long, or a file is empty.",
            body = BadRequest, example = json!({"name": ["This field may not be blank."]})),
        (status = 413, description = "The body, or one of its files, is over the server's limit (`--max-file-mb` per file).",
            body = crate::web::api::openapi::schemas::Detail,
            example = json!({"detail": "The file \"big.pdf\" is larger than the 50 MB limit."})),
        (status = 415, description = "The body is not JSON, form or multipart, or a file is not a supported document.",
            body = crate::web::api::openapi::schemas::Detail,
            example = json!({"detail": "The file \"photo.png\" is not a supported document. Supported: PDF, Word (.docx), spreadsheets (.xlsx, .xls, .ods), PowerPoint (.pptx), OpenDocument text (.odt), e-books (.epub), rich text (.rtf), e-mails (.eml, their attachments added as documents of their own), plain text, Markdown, HTML, CSV."})),
    ),
)]
pub async fn patch_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    input: Input,
) -> Result<Json<AssistantView>, ApiError> {
    change_assistant(&state, &auth, &id, Change::Patch, input).await
}

/// Deletes an assistant and all it owns (documents, passages, files no
/// other assistant uses): 204.
#[utoipa::path(
    delete,
    path = "/api/v1/assistants/{id}/",
    tag = "assistants",
    operation_id = "delete_assistant",
    summary = "Delete an assistant",
    description = "Its documents, chats and index go with it.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    responses((status = 204, description = "Deleted.")),
)]
pub async fn delete_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    if !assistants::delete(
        &state.db,
        &state.files,
        state.semantic.as_deref(),
        auth.workspace_id,
        assistant.id,
    )
    .await?
    {
        return Err(ApiError::NotFound);
    }
    let target = audit::named(&assistant.name, assistant.id);
    auth.record(&state, Event::new("assistant.deleted", &target))
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// One of the caller's assistants' conversations in a date range, as a
/// CSV or JSON Lines file, with each answer's outcome and feedback.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/export/",
    tag = "assistants",
    operation_id = "export_conversations",
    summary = "Export an assistant's conversations (CSV or JSON Lines)",
    description = "Every question asked in the range (UTC days, both included; at most 366), in the order \
they came, with its chat, origin, answer, status, whether the documents covered it, the model, the time to \
the first word, the sources and the feedback. CSV has one row per question (cells a spreadsheet would run \
as formulas are opened with `'`); JSON Lines one object per line.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1), ExportQuery),
    responses(
        (status = 200, description = "The file, as an attachment.",
            content(("text/csv"), ("application/x-ndjson"))),
        (status = 400, description = "`format` is unknown, or a date is malformed, reversed or the range too long.",
            body = BadRequest, example = json!({"from": ["Enter a date as YYYY-MM-DD."]})),
    ),
)]
pub async fn export_conversations(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let (format, range) = crate::web::export::parse(&query)?;
    let target = audit::named(&assistant.name, assistant.id);
    auth.record(&state, Event::new("conversations.exported", &target))
        .await;
    Ok(crate::web::export::download(
        state.db.clone(),
        &assistant,
        format,
        range,
    ))
}

/// `?days=` of the analytics.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The period in days that ends today (UTC): 7, 30 (the default) or 90.
    #[param(required = false, value_type = Option<u32>, minimum = 7, maximum = 90, example = 30)]
    pub days: Option<String>,
}

/// One of the caller's assistants' figures over a period.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/analytics/",
    tag = "assistants",
    operation_id = "get_analytics",
    summary = "An assistant's figures over 7, 30 or 90 days",
    description = "Questions per day by surface (`app`, `api`, `widget`, `openai`, `mcp`); how many were \
answered, not covered by the documents (the refusal was given) or failed; thumbs up and down; the wait for the \
first word (p50, p95); answers per model; the most cited documents and pages; the websites the chat ran on; and \
the latest questions not covered and answers rated down, with their chats.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1), PeriodQuery),
    responses(
        (status = 200, description = "The figures.", body = crate::model::analytics::Analytics),
        (status = 400, description = "`days` is not 7, 30 or 90.",
            body = BadRequest, example = json!({"days": ["Choose 7, 30 or 90."]})),
    ),
)]
pub async fn get_analytics(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Result<Json<crate::model::analytics::Analytics>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let days = crate::analytics::period(query.days.as_deref())
        .ok_or_else(|| ApiError::field("days", "Choose 7, 30 or 90."))?;
    let today = chrono::Utc::now().date_naive();
    let figures = crate::analytics::of_assistant(&state.db, assistant.id, today, days).await?;
    Ok(Json(figures))
}
