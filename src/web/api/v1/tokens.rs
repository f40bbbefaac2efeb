//! `POST /api/v1/tokens/` (log in, get a new key) and `DELETE` (revoke the
//! key that made the call).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::accounts::{BAD_CREDENTIALS, REQUIRED};
use crate::auth::api_token;
use crate::auth::password::{BUSY_RETRY_AFTER_SECS, HashError};
use crate::auth::session::{BackendError, Credentials, verify_credentials};
use crate::error::ApiError;
use crate::model::FieldErrors;
use crate::state::AppState;
use crate::web::api::openapi::schemas::{BadRequest, Detail, LogIn};
use crate::web::auth::ApiAuth;
use crate::web::input::Input;

/// The name given to keys made through the API.
const API_KEY_NAME: &str = "API";

/// A new key: the only time it is shown.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}))]
pub struct TokenCreated {
    /// Send it as `Authorization: Token <key>`.
    token: String,
}

/// Why a log-in or sign-up through the API failed: the API's usual errors,
/// or every core busy checking other passwords (503 with `Retry-After`).
#[derive(Debug)]
pub enum AttemptError {
    Api(ApiError),
    Busy,
}

impl From<ApiError> for AttemptError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<HashError> for AttemptError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Busy => Self::Busy,
            failed @ HashError::Failed(_) => Self::Api(ApiError::Internal(failed.into())),
        }
    }
}

impl From<BackendError> for AttemptError {
    fn from(error: BackendError) -> Self {
        match error {
            BackendError::Database(error) => Self::Api(error.into()),
            BackendError::Hashing(error) => error.into(),
        }
    }
}

impl IntoResponse for AttemptError {
    fn into_response(self) -> Response {
        match self {
            Self::Api(error) => error.into_response(),
            Self::Busy => {
                tracing::warn!("password checks are queued past their wait: answering 503");
                let detail = format!(
                    "The server is busy checking other passwords. Please try again in \
                     {BUSY_RETRY_AFTER_SECS} seconds."
                );
                let mut response = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(json!({ "detail": detail })),
                )
                    .into_response();
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(BUSY_RETRY_AFTER_SECS),
                );
                response
            }
        }
    }
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
        (status = 400, description = "A field is missing or sent twice, or the credentials are wrong.",
            body = BadRequest,
            example = json!({"non_field_errors": ["Unable to log in with provided credentials."]})),
        (status = 503, description = "Every core is busy checking other passwords: try again after `Retry-After` seconds.",
            body = Detail,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again.")),
            example = json!({"detail": "The server is busy checking other passwords. Please try again in 5 seconds."})),
    ),
)]
pub async fn create_token(
    State(state): State<AppState>,
    input: Input,
) -> Result<Json<TokenCreated>, AttemptError> {
    input.refuse_duplicates()?;
    let [username, password] = input.texts(["username", "password"])?;
    let mut missing = FieldErrors::new();
    for (field, value) in [("username", &username), ("password", &password)] {
        if value.as_deref().is_none_or(str::is_empty) {
            missing.insert(field.to_owned(), vec![REQUIRED.to_owned()]);
        }
    }
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::Validation(missing).into());
    };
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing).into());
    }
    let credentials = Credentials {
        username: username.trim().to_owned(),
        password,
    };
    let user = verify_credentials(&state.db, credentials).await?;
    let user = user.ok_or_else(|| ApiError::non_field(BAD_CREDENTIALS))?;
    let token = api_token::generate();
    state
        .db
        .insert_api_token(user.id, API_KEY_NAME, &token.prefix, &token.hash)
        .await
        .map_err(ApiError::from)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_busy_server_answers_503_with_retry_after_in_drf_words() {
        let response = AttemptError::from(HashError::Busy).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            json!({"detail": "The server is busy checking other passwords. Please try again in 5 seconds."})
        );
    }
}
