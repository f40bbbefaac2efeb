//! `POST /api/v1/tokens/` (log in, get a new key) and `DELETE` (revoke the
//! key that made the call).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::Input;
use crate::accounts::{BAD_CREDENTIALS, REQUIRED};
use crate::api::openapi::{BadRequest, LogIn};
use crate::auth::session::{BackendError, Credentials, verify_credentials};
use crate::auth::{ApiAuth, api_token};
use crate::error::ApiError;
use crate::model::FieldErrors;
use crate::state::AppState;

/// The name given to keys made through the API.
const API_KEY_NAME: &str = "API";

/// A new key: the only time it is shown.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}))]
pub struct TokenCreated {
    /// Send it as `Authorization: Token <key>`.
    token: String,
}

/// Issues a new key for a username and password.
#[utoipa::path(
    post,
    path = "/api/v1/tokens/",
    tag = "tokens",
    operation_id = "create_token",
    summary = "Log in: get a new key",
    description = "Each call issues a new key; earlier keys stay valid until revoked.",
    request_body(content(
        (LogIn = "application/json"),
        (LogIn = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "A new key.", body = TokenCreated),
        (status = 400, description = "A field is missing, or the credentials are wrong.",
            body = BadRequest,
            example = json!({"non_field_errors": ["Unable to log in with provided credentials."]})),
    ),
)]
pub async fn create_token(
    State(state): State<AppState>,
    input: Input,
) -> Result<Json<TokenCreated>, ApiError> {
    let [username, password] = input.texts(["username", "password"])?;
    let mut missing = FieldErrors::new();
    for (field, value) in [("username", &username), ("password", &password)] {
        if value.as_deref().is_none_or(str::is_empty) {
            missing.insert(field.to_owned(), vec![REQUIRED.to_owned()]);
        }
    }
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::Validation(missing));
    };
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    let credentials = Credentials {
        username: username.trim().to_owned(),
        password,
    };
    let user = verify_credentials(&state.db, credentials)
        .await
        .map_err(|error| match error {
            BackendError::Database(e) => ApiError::from(e),
            BackendError::Hashing(e) => ApiError::Internal(anyhow::anyhow!(e)),
        })?;
    let user = user.ok_or_else(|| ApiError::non_field(BAD_CREDENTIALS))?;
    let token = api_token::generate();
    state
        .db
        .insert_api_token(user.id, API_KEY_NAME, &token.prefix, &token.hash)
        .await?;
    Ok(Json(TokenCreated {
        token: token.plaintext,
    }))
}

/// Revokes the key this request was made with: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/",
    tag = "tokens",
    operation_id = "delete_token",
    summary = "Revoke the key this request is made with",
    security(("token" = [])),
    responses((status = 204, description = "Revoked: the key no longer works.")),
)]
pub async fn delete_token(
    State(state): State<AppState>,
    auth: ApiAuth,
) -> Result<StatusCode, ApiError> {
    state
        .db
        .delete_api_token(auth.user_id, auth.token_id)
        .await?;
    state.known_keys.forget_all();
    Ok(StatusCode::NO_CONTENT)
}
