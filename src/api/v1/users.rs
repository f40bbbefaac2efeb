//! `POST /api/v1/users/`: sign up.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::Input;
use crate::accounts::{self, RegisterError};
use crate::error::ApiError;
use crate::model::UserView;
use crate::state::AppState;

/// Creates a user: 201 with `id`, `username`, `email`.
pub async fn create_user(
    State(state): State<AppState>,
    input: Input,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let [username, email, password] = input.texts(["username", "email", "password"])?;
    let new_user =
        accounts::validate_new_user(username.as_deref(), email.as_deref(), password.as_deref())
            .map_err(ApiError::Validation)?;
    let user = accounts::register(&state.db, new_user)
        .await
        .map_err(|error| match error {
            RegisterError::Invalid(fields) => ApiError::Validation(fields),
            RegisterError::Internal(cause) => ApiError::Internal(cause),
        })?;
    Ok((StatusCode::CREATED, Json(user.into_view())))
}
