//! `POST /api/v1/users/`: sign up.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::tokens::AttemptError;
use crate::accounts::{self, AccountError};
use crate::error::ApiError;
use crate::model::UserView;
use crate::model::sign_in::PASSWORD_SIGNUP_OFF;
use crate::state::AppState;
use crate::web::api::openapi::schemas::{BadRequest, Detail, SignUp};
use crate::web::input::Input;

/// Creates a user: 201 with `id`, `username`, `email`.
#[utoipa::path(
    post,
    path = "/api/v1/users/",
    tag = "users",
    operation_id = "create_user",
    summary = "Sign up",
    description = "Creates a user. The password is never returned and is stored only as an Argon2id hash.",
    request_body(content(
        (SignUp = "application/json"),
        (SignUp = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 201, description = "The new user.", body = UserView,
            example = json!({"id": 1, "username": "ada", "email": "ada@example.com"})),
        (status = 400, description = "A field is missing, invalid or sent twice, or the username or email is taken.",
            body = BadRequest,
            example = json!({"username": ["A user with that username already exists."]})),
        (status = 403, description = "The operator turned password log-in off (`--password-login false`): accounts are made through single sign-on.",
            body = Detail,
            example = json!({"detail": "Sign-up with a username and password is turned off on this server. Use single sign-on."})),
        (status = 503, description = "Every core is busy checking other passwords: try again after `Retry-After` seconds.",
            body = Detail,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again.")),
            example = json!({"detail": "The server is busy checking other passwords. Please try again in 5 seconds."})),
    ),
)]
pub async fn create_user(
    State(state): State<AppState>,
    input: Input,
) -> Result<(StatusCode, Json<UserView>), AttemptError> {
    if !state.config.sso.password_login {
        return Err(ApiError::Forbidden(PASSWORD_SIGNUP_OFF.to_owned()).into());
    }
    input.refuse_duplicates()?;
    let [username, email, password] = input.texts(["username", "email", "password"])?;
    let new_user =
        accounts::validate_new_user(username.as_deref(), email.as_deref(), password.as_deref())
            .map_err(ApiError::Validation)?;
    let user = accounts::register(&state.db, new_user)
        .await
        .map_err(|error| match error {
            AccountError::Invalid(fields) => AttemptError::Api(ApiError::Validation(fields)),
            AccountError::Busy => AttemptError::Busy,
            AccountError::Internal(cause) => AttemptError::Api(ApiError::Internal(cause)),
        })?;
    Ok((StatusCode::CREATED, Json(user.into_view())))
}
