//! `/api/v1/assistants/`: list, create, get, replace (`PUT`), change
//! (`PATCH`) and delete the caller's assistants.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::Input;
use crate::assistants::{self, AssistantInput, Change};
use crate::auth::ApiAuth;
use crate::db::assistants::AssistantRow;
use crate::error::ApiError;
use crate::model::AssistantView;
use crate::state::AppState;

/// An id from the path; anything that is not one is a 404, as the
/// original's integer routes answered.
fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

fn read_input(input: &Input) -> Result<AssistantInput, ApiError> {
    let [name, new_name, company_name, instructions] =
        input.texts(["name", "new_name", "company_name", "instructions"])?;
    Ok(AssistantInput {
        name,
        new_name,
        company_name,
        instructions,
    })
}

async fn owned(state: &AppState, auth: &ApiAuth, raw_id: &str) -> Result<AssistantRow, ApiError> {
    let id = parse_id(raw_id)?;
    state
        .db
        .assistant_of(auth.user.id, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The caller's assistants, newest first.
pub async fn list_assistants(
    State(state): State<AppState>,
    auth: ApiAuth,
) -> Result<Json<Vec<AssistantView>>, ApiError> {
    let rows = state.db.assistants_of(auth.user.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| assistants::to_view(row, Vec::new()))
            .collect(),
    ))
}

/// Creates an assistant: 201.
pub async fn create_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    input: Input,
) -> Result<(StatusCode, Json<AssistantView>), ApiError> {
    let fields = assistants::apply(Change::Create, &read_input(&input)?, None)
        .map_err(ApiError::Validation)?;
    let row = state
        .db
        .insert_assistant(auth.user.id, &assistants::new_public_id(), &fields)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(assistants::to_view(row, Vec::new())),
    ))
}

/// One of the caller's assistants.
pub async fn get_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Json<AssistantView>, ApiError> {
    let row = owned(&state, &auth, &id).await?;
    Ok(Json(assistants::to_view(row, Vec::new())))
}

/// `PUT` replaces every field (`new_name` renames); `PATCH` changes any subset.
async fn change_assistant(
    state: &AppState,
    auth: &ApiAuth,
    id: &str,
    change: Change,
    input: &Input,
) -> Result<Json<AssistantView>, ApiError> {
    let current = owned(state, auth, id).await?;
    let fields = assistants::apply(change, &read_input(input)?, Some(&current.fields()))
        .map_err(ApiError::Validation)?;
    let row = state
        .db
        .update_assistant(auth.user.id, current.id, &fields)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(assistants::to_view(row, Vec::new())))
}

/// `PUT /api/v1/assistants/{id}/`.
pub async fn replace_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    input: Input,
) -> Result<Json<AssistantView>, ApiError> {
    change_assistant(&state, &auth, &id, Change::Replace, &input).await
}

/// `PATCH /api/v1/assistants/{id}/`.
pub async fn patch_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    input: Input,
) -> Result<Json<AssistantView>, ApiError> {
    change_assistant(&state, &auth, &id, Change::Patch, &input).await
}

/// Deletes an assistant and all it owns: 204.
pub async fn delete_assistant(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    if state.db.delete_assistant(auth.user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
