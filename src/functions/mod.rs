//! Server functions, grouped by feature, all under `/fn/` so that
//! `/api/v1` is only the documented JSON API.

pub mod accounts;
pub mod analytics;
pub mod api_keys;
pub mod assistants;
pub mod chats;
pub mod evaluation;
pub mod web_sources;
pub mod widget;
pub mod workspaces;

#[cfg(feature = "ssr")]
pub(crate) mod context {
    //! What server functions need from the request they run in.

    use axum::http::header::ACCEPT;
    use axum::http::request::Parts;
    use leptos::prelude::*;

    use crate::auth::AuthSession;
    use crate::db::users::UserRow;
    use crate::error::AppError;
    use crate::model::workspaces::Permission;
    use crate::state::AppState;
    use crate::workspaces::audit::{self, Actor, Event};
    use crate::workspaces::{Member, WorkspaceError};

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

    /// The signed-in person in the workspace they work in now:
    /// `Unauthorized` when signed out, `Forbidden` (403) when their role
    /// there does not allow `permission`.
    pub async fn require(permission: Permission) -> Result<Member, AppError> {
        let user = require_user().await?;
        let member = crate::workspaces::current(&state().db, user.id, &user.username)
            .await
            .map_err(workspace_error)?;
        member
            .permit(permission)
            .map_err(|refused| AppError::Forbidden(refused.0))?;
        Ok(member)
    }

    /// A workspace rule's refusal as the UI's error.
    pub fn workspace_error(error: WorkspaceError) -> AppError {
        match error {
            WorkspaceError::Forbidden(refused) => AppError::Forbidden(refused.0),
            WorkspaceError::Invalid(fields) => AppError::Invalid {
                fields,
                values: Default::default(),
            },
            WorkspaceError::NotFound => AppError::NotFound,
            WorkspaceError::Internal(cause) => internal(cause),
        }
    }

    /// Records `event` by `member` in their workspace.
    pub async fn record(member: &Member, event: Event<'_>) {
        let actor = Actor::person(member.user_id, &member.username, client_ip());
        audit::record(&state().db, member.workspace_id, &actor, event).await;
    }

    /// The address the request came from (the last `X-Forwarded-For`
    /// entry behind a trusted proxy), for the audit log.
    pub fn client_ip() -> Option<String> {
        let parts = use_context::<Parts>()?;
        crate::web::input::client_address(&parts, state().config.trust_proxy)
    }

    /// A document of one of the assistants of the workspace the person
    /// works in, when their role allows `permission`; `NotFound` otherwise
    /// (another workspace's is not found either).
    pub async fn owned_document(
        permission: Permission,
        assistant_id: i64,
        id: i64,
    ) -> Result<(Member, crate::db::documents::DocumentRow), AppError> {
        let member = require(permission).await?;
        let db = state().db;
        let assistant = db
            .assistant_of(member.workspace_id, assistant_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let document = db
            .document_of(assistant.id, id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        Ok((member, document))
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
    /// (400, 401, 404, 500, or a 503 that [`busy`] chose) when called from
    /// script. A plain form post keeps the redirect back to its form, which
    /// carries the error.
    pub async fn respond<T>(
        body: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let result = body.await;
        if let Err(error) = &result
            && !is_plain_form_post()
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        {
            let chosen = response
                .0
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .status;
            if chosen.is_none() {
                response.set_status(error.status_code());
            }
        }
        result
    }

    /// The refusal when every core was busy checking other passwords: a
    /// message the form shows, answered 503 with `Retry-After` (a plain
    /// form post is still sent back to its form).
    pub fn busy() -> AppError {
        use crate::auth::password::BUSY_RETRY_AFTER_SECS;
        tracing::warn!("password checks are queued past their wait: answering 503");
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(BUSY_RETRY_AFTER_SECS),
            );
            if !is_plain_form_post() {
                response.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
            }
        }
        AppError::field(
            crate::model::NON_FIELD_ERRORS,
            format!(
                "The server is busy checking other passwords. Please try again in \
                 {BUSY_RETRY_AFTER_SECS} seconds."
            ),
        )
    }

    /// A log-in's failure to decide: [`busy`] when every core was busy,
    /// the opaque internal error otherwise.
    pub fn login_error(error: axum_login::Error<crate::auth::Backend>) -> AppError {
        use crate::auth::password::HashError;
        use crate::auth::session::BackendError;
        match error {
            axum_login::Error::Backend(BackendError::Hashing(HashError::Busy)) => busy(),
            other => internal(other),
        }
    }

    /// After a plain form post that succeeded: sends the browser back to
    /// the page the form was on with `?saved={what}`, which that page shows
    /// as "Saved". Only the path and query of the `Referer` are kept, so the
    /// redirect stays on this site; without one the browser stays put.
    pub fn back_saying_saved(what: &str) {
        if !is_plain_form_post() {
            return;
        }
        let Some(referer) = use_context::<Parts>().and_then(|parts| {
            parts
                .headers
                .get(axum::http::header::REFERER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        }) else {
            return;
        };
        let Ok(mut back) = url::Url::parse(&referer) else {
            return;
        };
        let kept: Vec<(String, String)> = back
            .query_pairs()
            .filter(|(key, _)| !matches!(key.as_ref(), "saved" | "__path" | "__err"))
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        back.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("saved", what);
        redirect(&format!(
            "{}?{}",
            back.path(),
            back.query().unwrap_or_default()
        ));
    }

    /// Redirects the browser to `path` once the function returns. A path
    /// that cannot be a `Location` header (control characters) goes to the
    /// dashboard instead: leptos_axum would panic on it.
    pub fn redirect(path: &str) {
        if axum::http::HeaderValue::from_str(path).is_ok() {
            leptos_axum::redirect(path);
        } else {
            tracing::warn!("a redirect target was not a valid header: going to the dashboard");
            leptos_axum::redirect("/dashboard");
        }
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
            crate::accounts::AccountError::Busy => busy(),
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
/// site, else the dashboard.
///
/// Only a path of this site passes: it starts with one `/` (so no scheme
/// and no `//host`), and has no backslash, whitespace or control character
/// anywhere. Browsers read `\` as `/` and drop tabs and newlines from URLs,
/// so `/\host` and `/<tab>/host` would lead to another site; a newline
/// cannot go in a `Location` header at all. Characters beyond ASCII are
/// percent-encoded, as a browser would send them.
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/dashboard";
    let Some(path) = next.and_then(|next| next.strip_prefix('/')) else {
        return HOME.to_owned();
    };
    if path.starts_with('/')
        || path
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    {
        return HOME.to_owned();
    }
    let mut safe = String::from("/");
    for c in path.chars() {
        if c.is_ascii() {
            safe.push(c);
        } else {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                safe.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    safe
}

/// The log-in page's address that returns to `next` afterwards: `next` only
/// when it is a path of this site ([`safe_next`]),
/// else the dashboard. Everything but letters, digits and `-_.~/` is
/// percent-encoded, so the address is always a valid `Location` header.
pub fn login_url(next: &str) -> String {
    let next = safe_next(Some(next));
    let mut url = String::from("/login?next=");
    for byte in next.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::{login_url, safe_next};

    #[test]
    fn next_only_goes_to_this_site() {
        assert_eq!(safe_next(Some("/account?tab=keys")), "/account?tab=keys");
        assert_eq!(safe_next(Some("/assistants/7#chat")), "/assistants/7#chat");
        assert_eq!(safe_next(None), "/dashboard");
        for unsafe_next in [
            "",
            "dashboard",
            "https://evil.example",
            "javascript:alert(1)",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "/a\\b",
            "/\t/evil.example",
            "/\n/evil.example",
            "/account\r\nSet-Cookie: a=b",
            "/ /evil.example",
            "/account\u{0}",
            "/account\u{7f}",
            "/account\u{85}",
            "/account\u{2028}",
            "/account\u{a0}",
        ] {
            assert_eq!(
                safe_next(Some(unsafe_next)),
                "/dashboard",
                "{unsafe_next:?}"
            );
        }
    }

    #[test]
    fn next_beyond_ascii_is_percent_encoded_and_always_a_valid_header() {
        assert_eq!(safe_next(Some("/assistants/café")), "/assistants/caf%C3%A9");
        for next in ["/a?b=ü", "/€", "/%0A", "/😀/x"] {
            let safe = safe_next(Some(next));
            assert!(safe.bytes().all(|b| b.is_ascii_graphic()), "{safe}");
        }
    }

    #[test]
    fn login_url_encodes_the_return_path() {
        assert_eq!(login_url("/account"), "/login?next=/account");
        assert_eq!(login_url("/a?b=c&d"), "/login?next=/a%3Fb%3Dc%26d");
        assert_eq!(login_url("//evil.example"), "/login?next=/dashboard");
        assert_eq!(login_url("/\t/evil.example"), "/login?next=/dashboard");
        assert_eq!(login_url("/café"), "/login?next=/caf%25C3%25A9");
    }
}
