//! `GET /auth/oidc/start` and `GET /auth/oidc/callback`: single sign-on
//! through the configured OpenID Connect provider (the flow and its checks
//! are in `crate::sso`). Plain links and redirects, so they work without
//! JavaScript. A failure sends the browser to the log-in page, which says
//! what went wrong; both answer 404 when SSO is not configured.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::AuthSession;
use crate::auth::session::sign_in;
use crate::functions::safe_next;
use crate::sso::{Callback, SsoError, SsoProblem};
use crate::state::AppState;
use crate::workspaces::audit::{self, Actor};

/// Sends the browser to the provider; `?next=` is where to go afterwards.
pub async fn start_sign_in(
    State(state): State<AppState>,
    auth: AuthSession,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(sso) = &state.sso else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let next = safe_next(first_value(query.as_deref(), "next").as_deref());
    match sso.start(&auth.session, &next).await {
        Ok(provider) => Redirect::to(provider.as_str()).into_response(),
        Err(error) => to_login(&error),
    }
}

/// Where the provider sends the browser back: signs the person in on a
/// new session id and sends them where they wanted to go.
pub async fn finish_sign_in(
    State(state): State<AppState>,
    mut auth: AuthSession,
    ip: crate::web::input::ClientIp,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(sso) = &state.sso else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let callback = match callback_of(query.as_deref()) {
        Some(callback) => callback,
        None => return to_login(&SsoError::UnknownState),
    };
    let (user, next) = match sso
        .account_of_callback(&state.db, &auth.session, callback)
        .await
    {
        Ok(found) => found,
        Err(error) => return to_login(&error),
    };
    if let Err(error) = sign_in(&mut auth, &user).await {
        return to_login(&SsoError::Internal(anyhow::anyhow!("log in: {error}")));
    }
    let actor = Actor::person(user.id, &user.username, Some(ip.0));
    audit::record_sign_in(&state.db, &actor, "single sign-on").await;
    Redirect::to(&safe_next(Some(&next))).into_response()
}

/// The log-in page, saying why single sign-on failed.
fn to_login(error: &SsoError) -> Response {
    error.log();
    let problem: SsoProblem = error.problem();
    Redirect::to(&format!("/login?sso_error={}", problem.code())).into_response()
}

/// The first value of `name` in a query string.
fn first_value(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The provider's answer; `None` when a parameter comes twice (an answer
/// that was tampered with).
fn callback_of(query: Option<&str>) -> Option<Callback> {
    let mut callback = Callback::default();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let slot = match key.as_ref() {
            "code" => &mut callback.code,
            "state" => &mut callback.state,
            "error" => &mut callback.error,
            "iss" => &mut callback.iss,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return None;
        }
    }
    Some(callback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callback_with_a_parameter_twice_is_refused() {
        let callback = callback_of(Some("code=a&state=b&iss=http%3A%2F%2Fid")).unwrap();
        assert_eq!(callback.code.as_deref(), Some("a"));
        assert_eq!(callback.iss.as_deref(), Some("http://id"));
        assert!(callback_of(Some("code=a&state=b&state=c")).is_none());
        assert_eq!(
            first_value(Some("next=%2Fa&next=%2Fb"), "next").as_deref(),
            Some("/a")
        );
    }
}
