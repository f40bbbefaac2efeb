//! `POST /api/v1/tokens/` (log in, get a new key) and `DELETE` (revoke the
//! key that made the call).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::Input;
use crate::accounts::{BAD_CREDENTIALS, REQUIRED};
use crate::auth::session::{BackendError, Credentials, verify_credentials};
use crate::auth::{ApiAuth, api_token};
use crate::error::ApiError;
use crate::model::FieldErrors;
use crate::state::AppState;

/// The name given to keys made through the API.
const API_KEY_NAME: &str = "API";

/// Issues a new key for a username and password.
pub async fn create_token(
    State(state): State<AppState>,
    input: Input,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({ "token": token.plaintext })))
}

/// Revokes the key this request was made with: 204.
pub async fn delete_token(
    State(state): State<AppState>,
    auth: ApiAuth,
) -> Result<StatusCode, ApiError> {
    state
        .db
        .delete_api_token(auth.user.id, auth.token_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
