//! Server functions, grouped by feature, all under `/fn/` so that
//! `/api/v1` is only the documented JSON API.

pub mod accounts;
pub mod api_keys;
pub mod assistants;
pub mod chats;
pub mod widget;

#[cfg(feature = "ssr")]
pub(crate) mod context {
    //! What server functions need from the request they run in.

    use axum::http::header::ACCEPT;
    use axum::http::request::Parts;
    use leptos::prelude::*;

    use crate::auth::AuthSession;
    use crate::db::users::UserRow;
    use crate::error::AppError;
    use crate::state::AppState;

    /// The application state.
    pub fn state() -> AppState {
        expect_context::<AppState>()
    }

    /// The auth session of the request.
    pub async fn auth_session() -> Result<AuthSession, AppError> {
        leptos_axum::extract::<AuthSession>()
            .await
            .map_err(|error| {
                tracing::error!(%error, "auth session missing in a server function");
                AppError::Internal
            })
    }

    /// The signed-in user, or `Unauthorized`.
    pub async fn require_user() -> Result<UserRow, AppError> {
        auth_session().await?.user.ok_or(AppError::Unauthorized)
    }

    /// True when the request is a plain HTML form post (no JavaScript): the
    /// browser then follows a redirect rather than reading a return value.
    pub fn is_plain_form_post() -> bool {
        use_context::<Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false)
    }

    /// Runs a server function's body and gives a failure its HTTP status
    /// (400, 401, 404, 500) when called from script. A plain form post keeps
    /// the redirect back to its form, which carries the error.
    pub async fn respond<T>(
        body: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let result = body.await;
        if let Err(error) = &result
            && !is_plain_form_post()
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        {
            response.set_status(error.status_code());
        }
        result
    }

    /// The row a query found, `NotFound` when none (absent or another
    /// user's), `Internal` when the query failed.
    pub fn found<T>(result: sqlx::Result<Option<T>>) -> Result<T, AppError> {
        result.map_err(internal)?.ok_or(AppError::NotFound)
    }

    /// An account rule's refusal as the form's field errors; anything else
    /// as the opaque internal error.
    pub fn account_error(error: crate::accounts::AccountError) -> AppError {
        match error {
            crate::accounts::AccountError::Invalid(fields) => AppError::Invalid {
                fields,
                values: Default::default(),
            },
            crate::accounts::AccountError::Internal(cause) => internal(cause),
        }
    }

    /// Logs an internal failure and turns it into the UI's opaque error.
    pub fn internal(error: impl std::fmt::Display) -> AppError {
        tracing::error!(%error, "server function failed");
        AppError::Internal
    }
}

/// Where to send a user after logging in: `next` when it is a path on this
/// site, else the dashboard. Refuses `//host` and `/\host`, which browsers
/// treat as other sites.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") =>
        {
            path.to_owned()
        }
        _ => "/dashboard".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_only_goes_to_this_site() {
        assert_eq!(safe_next(Some("/account?tab=keys")), "/account?tab=keys");
        assert_eq!(safe_next(None), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("//evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("")), "/dashboard");
    }
}
