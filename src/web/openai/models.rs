//! `GET /v1/models` and `GET /v1/models/{id}`: the caller's assistants as
//! models.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use super::{OpenAiAuth, OpenAiError, model_for};
use crate::db::assistants::AssistantRow;
use crate::error::ApiError;
use crate::state::AppState;

/// An assistant as an OpenAI model.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "asst_5qJ1xYz0aB3cD4eF5gH6iJ7k", "object": "model", "created": 1_764_186_465, "owned_by": "ada", "name": "Annual report helper"}))]
pub struct Model {
    /// The assistant's public id: the `model` of a chat completion.
    id: String,
    /// Always `model`.
    object: &'static str,
    /// When the assistant was made (Unix seconds).
    created: i64,
    /// The username of the assistant's owner.
    owned_by: String,
    /// The assistant's name (an addition to OpenAI's shape).
    name: String,
}

/// The list `GET /v1/models` returns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModelList {
    /// Always `list`.
    object: &'static str,
    data: Vec<Model>,
}

fn model(assistant: AssistantRow, owner: &str) -> Model {
    Model {
        id: assistant.public_id,
        object: "model",
        created: assistant.created_at.timestamp(),
        owned_by: owner.to_owned(),
        name: assistant.name,
    }
}

async fn owner_name(state: &AppState, user_id: i64) -> Result<String, OpenAiError> {
    let user = state
        .db
        .user_by_id(user_id)
        .await
        .map_err(ApiError::from)?
        .ok_or(ApiError::Unauthorized("Invalid token."))?;
    Ok(user.username)
}

/// The caller's assistants (those the key may reach), newest first.
#[utoipa::path(
    get,
    path = "/v1/models",
    tag = "openai",
    operation_id = "list_models",
    summary = "The caller's assistants as OpenAI models",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The assistants the key may reach, newest first.", body = ModelList),
        (status = 401, description = "No key, or an unknown, revoked or expired one (`invalid_api_key`).",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody,
            headers(("WWW-Authenticate" = String, description = "Always `Bearer`: the scheme to use."))),
    ),
)]
pub async fn list_models(
    State(state): State<AppState>,
    OpenAiAuth(auth): OpenAiAuth,
) -> Result<Json<ModelList>, OpenAiError> {
    let owner = owner_name(&state, auth.user_id).await?;
    let assistants = state
        .db
        .assistants_of(auth.workspace_id)
        .await
        .map_err(ApiError::from)?;
    let data = assistants
        .into_iter()
        .filter(|assistant| auth.grant.reaches(assistant.id))
        .map(|assistant| model(assistant, &owner))
        .collect();
    Ok(Json(ModelList {
        object: "list",
        data,
    }))
}

/// One of the caller's assistants as a model.
#[utoipa::path(
    get,
    path = "/v1/models/{id}",
    tag = "openai",
    operation_id = "get_model",
    summary = "One assistant as an OpenAI model",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assistant's public id (`asst_…`).")),
    responses(
        (status = 200, description = "The model.", body = Model),
        (status = 401, description = "No key, or an unknown, revoked or expired one (`invalid_api_key`).",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody,
            headers(("WWW-Authenticate" = String, description = "Always `Bearer`: the scheme to use."))),
        (status = 403, description = "The key may not reach this assistant.",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody),
        (status = 404, description = "No assistant of the caller's has this id (`model_not_found`).",
            body = crate::web::api::openapi::schemas::OpenAiErrorBody),
    ),
)]
pub async fn get_model(
    State(state): State<AppState>,
    OpenAiAuth(auth): OpenAiAuth,
    Path(id): Path<String>,
) -> Result<Json<Model>, OpenAiError> {
    let assistant = model_for(&state, &auth, &id).await?;
    let owner = owner_name(&state, auth.user_id).await?;
    Ok(Json(model(assistant, &owner)))
}
