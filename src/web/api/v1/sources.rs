//! `/api/v1/assistants/{id}/sources/`: an assistant's web sources (a page,
//! a sitemap, a site), each page a document kept in sync.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::Value;

use super::assistants::{owned, parse_id};
use crate::db::web_sources::WebSourceRow;
use crate::error::ApiError;
use crate::model::FieldErrors;
use crate::model::web_sources::WebSourceView;
use crate::state::AppState;
use crate::web::api::openapi::schemas::{BadRequest, WebSourceInput};
use crate::web::auth::ApiAuth;
use crate::web::input::Input;
use crate::web_sources::{self, Draft, SourceError};

impl From<SourceError> for ApiError {
    fn from(error: SourceError) -> Self {
        match error {
            SourceError::Invalid(fields) => Self::Validation(fields),
            SourceError::TooMany => Self::field("non_field_errors", error.to_string()),
            SourceError::Database(error) => error.into(),
        }
    }
}

async fn owned_source(
    state: &AppState,
    auth: &ApiAuth,
    id: &str,
    source_id: &str,
) -> Result<WebSourceRow, ApiError> {
    let assistant = owned(state, auth, id).await?;
    let source_id = parse_id(source_id)?;
    state
        .db
        .web_source_of(assistant.id, source_id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A source from a JSON, form or multipart body: `max_depth` and
/// `max_pages` as numbers or their text, `include` and `exclude` as lists
/// or as text (one pattern a line, or separated by commas).
fn read_draft(input: &Input) -> Result<Draft, ApiError> {
    let mut errors = FieldErrors::new();
    let mut fail = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_default().push(message);
    };
    let mut text = |field: &str| match input.nullable_text(field) {
        Ok(value) => value,
        Err((field, message)) => {
            fail(&field, message);
            None
        }
    };
    let (kind, url, schedule) = (text("kind"), text("url"), text("schedule"));
    let number = |field: &str| -> Result<Option<i64>, String> {
        let message = || "A valid integer is required.".to_owned();
        match input.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(message),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| message()),
            Some(_) => Err(message()),
        }
    };
    let list = |field: &str| -> Result<Vec<String>, String> {
        let message = || "Give path patterns: a list of strings.".to_owned();
        match input.fields.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(s
                .split(['\n', ','])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned).ok_or_else(message))
                .collect(),
            Some(_) => Err(message()),
        }
    };
    let mut draft = Draft {
        kind,
        url,
        schedule,
        ..Draft::default()
    };
    match number("max_depth") {
        Ok(value) => draft.max_depth = value,
        Err(message) => fail("max_depth", message),
    }
    match number("max_pages") {
        Ok(value) => draft.max_pages = value,
        Err(message) => fail("max_pages", message),
    }
    match list("include") {
        Ok(value) => draft.include = value,
        Err(message) => fail("include", message),
    }
    match list("exclude") {
        Ok(value) => draft.exclude = value,
        Err(message) => fail("exclude", message),
    }
    if errors.is_empty() {
        Ok(draft)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// An assistant's web sources, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/sources/",
    tag = "sources",
    operation_id = "list_sources",
    summary = "An assistant's web sources",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    responses((status = 200, description = "The web sources, oldest first.", body = Vec<WebSourceView>)),
)]
pub async fn list_sources(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<WebSourceView>>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    Ok(Json(web_sources::views_of(&state.db, assistant.id).await?))
}

/// Adds a web source: 201 with it; its first sync starts in the background.
#[utoipa::path(
    post,
    path = "/api/v1/assistants/{id}/sources/",
    tag = "sources",
    operation_id = "add_source",
    summary = "Add a web page, a sitemap or a site",
    description = "`kind`: `page` (one address), `sitemap` (the pages a sitemap or sitemap index lists) or \
`site` (pages of the start page's host, following links up to `max_depth`, default 2, at most 5). \
`max_pages` (default 50, at most 500) bounds the pages fetched per sync; `include` and `exclude` are path \
patterns (a prefix such as `/docs/`, `*` matching anything). `schedule`: `daily`, `weekly` (the default) or \
`never` (synced only when asked). Each page's main content becomes a document whose source link is its \
address. Only http and https addresses on the public internet are fetched (unless the server allows private \
ones); `robots.txt` is honoured. An assistant has at most 20 sources.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    request_body(content(
        (WebSourceInput = "application/json"),
        (WebSourceInput = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 201, description = "The source; its first sync is on its way.", body = WebSourceView, links(
            ("get_source" = (operation_id = "get_source", parameters(("id" = "$request.path.id"), ("source_id" = "$response.body#/id")))),
            ("sync_source" = (operation_id = "sync_source", parameters(("id" = "$request.path.id"), ("source_id" = "$response.body#/id")))),
            ("delete_source" = (operation_id = "delete_source", parameters(("id" = "$request.path.id"), ("source_id" = "$response.body#/id")))),
        )),
        (status = 400, description = "A field is missing or wrong (a bad address, a private one, an unknown kind or schedule, a limit out of range), or the assistant has 20 sources already.",
            body = BadRequest, example = json!({"url": ["localhost resolves to a private address (127.0.0.1); this server does not fetch private addresses."]})),
    ),
)]
pub async fn add_source(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    input: Input,
) -> Result<(StatusCode, Json<WebSourceView>), ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let draft = read_draft(&input)?;
    let source = web_sources::add(
        &state.db,
        &state.web_syncs,
        state.config.allow_private_fetch,
        assistant.id,
        &draft,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(source)))
}

/// One web source with its pages.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/sources/{source_id}/",
    tag = "sources",
    operation_id = "get_source",
    summary = "A web source and its pages",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The assistant's id.", minimum = 1),
        ("source_id" = i64, Path, description = "The source's id.", minimum = 1),
    ),
    responses((status = 200, description = "The source, with each page it found and what its last check found.", body = WebSourceView)),
)]
pub async fn get_source(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, source_id)): Path<(String, String)>,
) -> Result<Json<WebSourceView>, ApiError> {
    let source = owned_source(&state, &auth, &id, &source_id).await?;
    Ok(Json(web_sources::detail(&state.db, source).await?))
}

/// Asks for a sync now: 202 with the source.
#[utoipa::path(
    post,
    path = "/api/v1/assistants/{id}/sources/{source_id}/sync/",
    tag = "sources",
    operation_id = "sync_source",
    summary = "Sync a web source now",
    description = "Pages are fetched again (with their `ETag` and `Last-Modified`): changed pages are \
read and indexed again, pages gone are removed with their documents, new pages added. The sync runs in \
the background; the source's `status` says when it is over.",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The assistant's id.", minimum = 1),
        ("source_id" = i64, Path, description = "The source's id.", minimum = 1),
    ),
    responses((status = 202, description = "The sync is on its way.", body = WebSourceView)),
)]
pub async fn sync_source(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, source_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<WebSourceView>), ApiError> {
    let source = owned_source(&state, &auth, &id, &source_id).await?;
    let view = web_sources::request_sync(&state.db, &state.web_syncs, source).await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// Removes a web source with its pages' documents: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/assistants/{id}/sources/{source_id}/",
    tag = "sources",
    operation_id = "delete_source",
    summary = "Remove a web source",
    description = "Its pages' documents are removed with it, and their passages leave the index.",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The assistant's id.", minimum = 1),
        ("source_id" = i64, Path, description = "The source's id.", minimum = 1),
    ),
    responses((status = 204, description = "Removed.")),
)]
pub async fn delete_source(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, source_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let source = owned_source(&state, &auth, &id, &source_id).await?;
    if web_sources::delete(&state.db, &state.files, source.assistant_id, source.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
