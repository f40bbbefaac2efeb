//! Token authentication for the APIs: `Authorization: Token <key>` (the
//! original's scheme) or `Bearer <key>`. A request with no credentials, a
//! garbled header, an unknown or an expired key is refused with a 401; a
//! bad token is never silently treated as anonymous. A key whose scope does
//! not allow what the request does is refused with a 403
//! ([`action_of`] says what each route does).

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};

use crate::auth::api_token;
use crate::auth::known_keys::KnownKey;
use crate::auth::scope::{Action, Grant, Refusal};
use crate::db::api_tokens;
use crate::error::ApiError;
use crate::state::AppState;

/// The caller of an API endpoint, authenticated by an API key.
#[derive(Debug, Clone)]
pub struct ApiAuth {
    /// The key's owner.
    pub user_id: i64,
    /// The key that authenticated this request.
    pub token_id: i64,
    /// What the key may do.
    pub grant: Grant,
}

const NO_CREDENTIALS: &str = "Authentication credentials were not provided.";
const NO_KEY: &str = "Invalid token header. No credentials provided.";
const SPACES: &str = "Invalid token header. Token string should not contain spaces.";
const INVALID: &str = "Invalid token.";

/// The key in an `Authorization` header value. `Ok(None)` when the header
/// uses another scheme (it is then no credentials for us, as in DRF).
pub fn parse_authorization(value: &[u8]) -> Result<Option<&str>, &'static str> {
    let value = std::str::from_utf8(value).map_err(|_| INVALID)?;
    let mut parts = value.split_whitespace();
    let Some(scheme) = parts.next() else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("token") && !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let key = parts.next().ok_or(NO_KEY)?;
    if parts.next().is_some() {
        return Err(SPACES);
    }
    Ok(Some(key))
}

/// What a request to an API route does, for the key's scope: reads are
/// `GET`; asking is starting a chat, asking in it, or a chat completion;
/// revoking the key a request is made with is allowed to every key (a
/// leaked read-only key can still be withdrawn by whoever holds it);
/// everything else is a change.
pub fn action_of(method: &Method, route: &str) -> Action {
    let route = route.trim_end_matches('/');
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Action::Read;
    }
    match (method.as_str(), route) {
        ("POST", "/api/v1/chat" | "/v1/chat/completions")
        | ("PUT", "/api/v1/chat/{id}")
        | ("POST" | "DELETE", "/api/v1/chat/{id}/messages/{message_id}/feedback") => Action::Ask,
        ("DELETE", "/api/v1/tokens") => Action::Read,
        _ => Action::Change,
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        Self::Forbidden(refusal.to_string())
    }
}

impl ApiAuth {
    /// The caller named by the `Authorization` header: 401 without a valid,
    /// unexpired key. Says nothing yet about what the key may do.
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Self, ApiError> {
        let header = headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized(NO_CREDENTIALS))?;
        let key = parse_authorization(header.as_bytes())
            .map_err(ApiError::Unauthorized)?
            .ok_or(ApiError::Unauthorized(NO_CREDENTIALS))?;
        let token_hash = api_token::hash(key);
        let (remembered, looked_up) = state.known_keys.get(&token_hash);
        let known = match remembered {
            Some(known) => known,
            None => {
                let token = state
                    .db
                    .api_token_by_hash(&token_hash)
                    .await?
                    .ok_or(ApiError::Unauthorized(INVALID))?;
                let known = KnownKey::from_row(&token);
                state
                    .known_keys
                    .remember(&token_hash, known.clone(), looked_up);
                known
            }
        };
        let now = chrono::Utc::now();
        if known.grant.is_expired(now) {
            return Err(ApiError::Unauthorized(INVALID));
        }
        if api_tokens::use_is_news(known.last_used_at, now) {
            state.db.touch_api_token(known.token_id).await?;
            let used = KnownKey {
                last_used_at: Some(now),
                ..known.clone()
            };
            state.known_keys.remember(&token_hash, used, looked_up);
        }
        Ok(Self {
            user_id: known.user_id,
            token_id: known.token_id,
            grant: known.grant,
        })
    }

    /// 403 unless the key may reach the assistant with this id.
    pub fn permit_assistant(&self, assistant_id: i64) -> Result<(), ApiError> {
        Ok(self.grant.permit_assistant(assistant_id)?)
    }

    /// The assistants the key is limited to; `None`: all of its owner's.
    pub fn assistant_ids(&self) -> Option<&[i64]> {
        self.grant.assistants.as_deref()
    }
}

impl FromRequestParts<AppState> for ApiAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = Self::from_headers(state, &parts.headers).await?;
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or_else(|| parts.uri.path(), MatchedPath::as_str);
        auth.grant.permit(action_of(&parts.method, route))?;
        Ok(auth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_schemes_and_refuses_garbled_headers() {
        assert_eq!(parse_authorization(b"Token abc"), Ok(Some("abc")));
        assert_eq!(parse_authorization(b"Bearer abc"), Ok(Some("abc")));
        assert_eq!(parse_authorization(b"token   abc "), Ok(Some("abc")));
        assert_eq!(parse_authorization(b"Basic dXNlcjpwYXNz"), Ok(None));
        assert_eq!(parse_authorization(b""), Ok(None));
        assert_eq!(parse_authorization(b"Token"), Err(NO_KEY));
        assert_eq!(parse_authorization(b"Token a b"), Err(SPACES));
        assert_eq!(parse_authorization(b"Token \xff"), Err(INVALID));
    }

    #[test]
    fn each_route_is_a_read_a_question_or_a_change() {
        let table = [
            (Method::GET, "/api/v1/assistants/{id}/search", Action::Read),
            (Method::POST, "/api/v1/chat", Action::Ask),
            (Method::PUT, "/api/v1/chat/{id}", Action::Ask),
            (Method::DELETE, "/api/v1/chat/{id}", Action::Change),
            (Method::POST, "/v1/chat/completions", Action::Ask),
            (Method::GET, "/v1/models", Action::Read),
            (Method::DELETE, "/api/v1/tokens", Action::Read),
            (Method::POST, "/api/v1/assistants", Action::Change),
            (Method::PATCH, "/api/v1/assistants/{id}", Action::Change),
            (
                Method::POST,
                "/api/v1/assistants/{id}/documents",
                Action::Change,
            ),
        ];
        for (method, route, action) in table {
            assert_eq!(action_of(&method, route), action, "{method} {route}");
        }
    }
}
