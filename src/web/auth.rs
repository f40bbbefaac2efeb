//! Token authentication for the JSON API: `Authorization: Token <key>` (the
//! original's scheme) or `Bearer <key>`. A request with no credentials, a
//! garbled header or an unknown key is refused with a JSON 401; a bad token
//! is never silently treated as anonymous.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::auth::api_token;
use crate::auth::known_keys::KnownKey;
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

impl FromRequestParts<AppState> for ApiAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
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
                let known = KnownKey {
                    token_id: token.id,
                    user_id: token.user_id,
                    last_used_at: token.last_used_at,
                };
                state.known_keys.remember(&token_hash, known, looked_up);
                known
            }
        };
        let now = chrono::Utc::now();
        if api_tokens::use_is_news(known.last_used_at, now) {
            state.db.touch_api_token(known.token_id).await?;
            let used = KnownKey {
                last_used_at: Some(now),
                ..known
            };
            state.known_keys.remember(&token_hash, used, looked_up);
        }
        Ok(Self {
            user_id: known.user_id,
            token_id: known.token_id,
        })
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
}
