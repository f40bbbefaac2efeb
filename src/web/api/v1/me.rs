//! `GET /api/v1/me/`: who the key belongs to.

use axum::Json;
use axum::extract::State;

use crate::error::ApiError;
use crate::model::UserView;
use crate::state::AppState;
use crate::web::auth::ApiAuth;

/// The caller's `id`, `username` and `email`.
#[utoipa::path(
    get,
    path = "/api/v1/me/",
    tag = "users",
    operation_id = "get_me",
    summary = "Who the key belongs to",
    security(("token" = [])),
    responses(
        (status = 200, description = "The key's user.", body = UserView,
            example = json!({"id": 1, "username": "ada", "email": "ada@example.com"})),
    ),
)]
pub async fn get_me(
    State(state): State<AppState>,
    auth: ApiAuth,
) -> Result<Json<UserView>, ApiError> {
    let user = state
        .db
        .user_by_id(auth.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(user.into_view()))
}
