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
use crate::model::workspaces::{Permission, Role, refusal};
use crate::state::AppState;
use crate::workspaces::audit::{self, Actor, Event};
use crate::workspaces::{Member, WorkspaceError};

/// The caller of an API endpoint, authenticated by an API key.
#[derive(Debug, Clone)]
pub struct ApiAuth {
    /// The key's maker, who acts through it.
    pub user_id: i64,
    /// The key that authenticated this request.
    pub token_id: i64,
    /// The workspace the key acts in: every object it reaches is there.
    pub workspace_id: i64,
    /// Its maker's role in that workspace.
    pub role: Role,
    /// What the key may do.
    pub grant: Grant,
    /// Who this is, as the audit log names them.
    pub actor: Actor,
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

/// The signed-in person in the workspace they work in now, when their role
/// there allows `permission` (403 otherwise): for the dashboard's own
/// routes that are not server functions.
pub async fn acting_member(
    state: &AppState,
    user: &crate::db::users::UserRow,
    permission: Permission,
) -> Result<Member, ApiError> {
    let member = crate::workspaces::current(&state.db, user.id, &user.username)
        .await
        .map_err(workspace_refusal)?;
    member
        .permit(permission)
        .map_err(|refused| ApiError::Forbidden(refused.0))?;
    Ok(member)
}

/// A workspace rule's refusal in the API's error shape.
pub fn workspace_refusal(error: WorkspaceError) -> ApiError {
    match error {
        WorkspaceError::Forbidden(refused) => ApiError::Forbidden(refused.0),
        WorkspaceError::Invalid(fields) => ApiError::Validation(fields),
        WorkspaceError::NotFound => ApiError::NotFound,
        WorkspaceError::Internal(cause) => ApiError::Internal(cause),
    }
}

/// What a key's maker must be allowed to do for `action`: a change needs
/// an editor (or more), reading and asking any member.
pub fn permission_of(action: Action) -> Permission {
    match action {
        Action::Read => Permission::Read,
        Action::Ask => Permission::Ask,
        Action::Change => Permission::Edit,
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
            actor: Actor::key(known.user_id, &known.username, &known.prefix, None),
            user_id: known.user_id,
            token_id: known.token_id,
            workspace_id: known.workspace_id,
            role: known.role,
            grant: known.grant,
        })
    }

    /// 403 unless both the key's scope and its maker's role allow `action`.
    pub fn permit_action(&self, action: Action) -> Result<(), ApiError> {
        self.grant.permit(action)?;
        self.permit(permission_of(action))
    }

    /// 403 unless the maker's role allows `permission`.
    pub fn permit(&self, permission: Permission) -> Result<(), ApiError> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(refusal(self.role, permission)))
        }
    }

    /// Records `event` in the key's workspace.
    pub async fn record(&self, state: &AppState, event: Event<'_>) {
        audit::record(&state.db, self.workspace_id, &self.actor, event).await;
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
        auth.permit_action(action_of(&parts.method, route))?;
        let ip = crate::web::input::client_address(parts, state.config.trust_proxy);
        Ok(Self {
            actor: Actor {
                ip,
                ..auth.actor.clone()
            },
            ..auth
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
