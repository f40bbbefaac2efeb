//! `GET /api/v1/me/`: who the key belongs to.

use axum::Json;

use crate::auth::ApiAuth;
use crate::model::UserView;

/// The caller's `id`, `username` and `email`.
pub async fn get_me(auth: ApiAuth) -> Json<UserView> {
    Json(auth.user.into_view())
}
