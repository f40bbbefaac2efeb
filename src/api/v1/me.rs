//! `GET /api/v1/me/`: who the key belongs to.

use axum::Json;

use crate::auth::ApiAuth;
use crate::model::UserView;

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
pub async fn get_me(auth: ApiAuth) -> Json<UserView> {
    Json(auth.user.into_view())
}
