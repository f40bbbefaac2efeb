//! `POST /api/v1/tokens/` (log in, get a new key) and `DELETE` (revoke the
//! key that made the call).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::accounts::{BAD_CREDENTIALS, REQUIRED};
use crate::auth::keys::{self, KeyRequest};
use crate::auth::password::{BUSY_RETRY_AFTER_SECS, HashError};
use crate::auth::scope::Grant;
use crate::auth::session::{BackendError, Credentials, verify_credentials};
use crate::error::ApiError;
use crate::model::FieldErrors;
use crate::model::sign_in::PASSWORD_LOGIN_OFF;
use crate::state::AppState;
use crate::web::api::openapi::schemas::{BadRequest, Detail, NewToken};
use crate::web::auth::ApiAuth;
use crate::web::input::Input;
use crate::workspaces::audit::{self, Actor, Event};

/// The name given to keys made through the API without one.
const API_KEY_NAME: &str = "API";

/// A new key: the only time it is shown.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"token": "ack_9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "scope": "full", "assistants": null, "expires_at": null}))]
pub struct TokenCreated {
    /// Send it as `Authorization: Token <key>` (or `Bearer <key>`).
    token: String,
    /// `full`, `chat` or `read`.
    scope: &'static str,
    /// The assistants it may reach; `null`: all.
    assistants: Option<Vec<i64>>,
    /// When it stops working; `null`: never.
    #[serde(serialize_with = "optional_timestamp")]
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn optional_timestamp<S: serde::Serializer>(
    time: &Option<chrono::DateTime<chrono::Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => crate::model::timestamp::serialize(time, serializer),
        None => serializer.serialize_none(),
    }
}

/// The key fields of a body: scope, assistants (a JSON array, or ids
/// separated by commas), expiry.
fn key_request(input: &Input) -> Result<KeyRequest, ApiError> {
    let [scope, expires_at] = input.texts(["scope", "expires_at"])?;
    let assistants = match input.fields.get("assistants") {
        None => Vec::new(),
        Some(Value::Null) => {
            return Err(ApiError::field("assistants", "This field may not be null."));
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::Number(n) => Ok(n.to_string()),
                Value::String(s) if !s.contains(',') => Ok(s.clone()),
                _ => Err(ApiError::field(
                    "assistants",
                    "A valid integer is required.",
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => match input.text("assistants") {
            Ok(text) => text.into_iter().collect(),
            Err((field, message)) => return Err(ApiError::field(&field, message)),
        },
    };
    Ok(KeyRequest {
        scope,
        assistants,
        expires_at,
    })
}

/// Checks a key request for `actor`, acting in `workspace_id`, and makes
/// the key, within `limit` when it is made with a key.
async fn make_key(
    state: &AppState,
    actor: &Actor,
    workspace_id: i64,
    input: &Input,
    limit: Option<&Grant>,
) -> Result<TokenCreated, ApiError> {
    let request = key_request(input)?;
    let name = match input.text("name") {
        Ok(None) => API_KEY_NAME.to_owned(),
        Ok(Some(name)) => keys::check_name(&name)
            .map_err(|message| ApiError::field("name", message))?
            .to_owned(),
        Err((field, message)) => return Err(ApiError::field(&field, message)),
    };
    let owned: Vec<i64> = state
        .db
        .assistants_of(workspace_id)
        .await?
        .iter()
        .map(|assistant| assistant.id)
        .collect();
    let grant = keys::check(&request, &owned, chrono::Utc::now()).map_err(ApiError::Validation)?;
    if let Some(limit) = limit {
        limit.permit_making(&grant)?;
    }
    let user_id = actor.user_id.unwrap_or_default();
    let (row, token) = keys::make(&state.db, user_id, workspace_id, &name, &grant).await?;
    let target = format!("{} ({}…)", row.name, row.prefix);
    let detail = format!("scope {}", grant.scope.as_str());
    audit::record(
        &state.db,
        workspace_id,
        actor,
        Event::new("key.created", &target).with(&detail),
    )
    .await;
    Ok(TokenCreated {
        token,
        scope: grant.scope.as_str(),
        assistants: grant.assistants,
        expires_at: grant.expires_at,
    })
}

/// Why a log-in or sign-up through the API failed: the API's usual errors,
/// or every core busy checking other passwords (503 with `Retry-After`).
#[derive(Debug)]
pub enum AttemptError {
    Api(ApiError),
    Busy,
}

impl From<ApiError> for AttemptError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<HashError> for AttemptError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Busy => Self::Busy,
            failed @ HashError::Failed(_) => Self::Api(ApiError::Internal(failed.into())),
        }
    }
}

impl From<BackendError> for AttemptError {
    fn from(error: BackendError) -> Self {
        match error {
            BackendError::Database(error) => Self::Api(error.into()),
            BackendError::Hashing(error) => error.into(),
        }
    }
}

impl IntoResponse for AttemptError {
    fn into_response(self) -> Response {
        match self {
            Self::Api(error) => error.into_response(),
            Self::Busy => {
                tracing::warn!("password checks are queued past their wait: answering 503");
                let detail = format!(
                    "The server is busy checking other passwords. Please try again in \
                     {BUSY_RETRY_AFTER_SECS} seconds."
                );
                let mut response = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(json!({ "detail": detail })),
                )
                    .into_response();
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(BUSY_RETRY_AFTER_SECS),
                );
                response
            }
        }
    }
}

/// Issues a new key for a username and password, or, with no credentials
/// in the body, for the owner of the full-scope key the call is made with.
#[utoipa::path(
    post,
    path = "/api/v1/tokens/",
    tag = "tokens",
    operation_id = "create_token",
    summary = "Log in: get a new key (or make a key with a key)",
    description = "Each call issues a new key; earlier keys stay valid until revoked. \
`scope`, `assistants` and `expires_at` make a key that may do less: `chat` reads, searches and asks, \
`read` only reads; a key limited to assistants gets 403 for the others, and an expired key is refused like a revoked one. \
Without `username` and `password`, a call made with a key (`Authorization: Token <key>`, full scope) makes a new key \
for the same account, no wider than the calling key. A key acts in one workspace: the account's personal one, or the \
`workspace` named, with the account's role there; a role that may not do something gets 403.",
    security((), ("token" = [])),
    request_body(content(
        (NewToken = "application/json"),
        (NewToken = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "A new key.", body = TokenCreated),
        (status = 401, description = "Made with a key: the key is missing, unknown, revoked or expired.",
            body = Detail, example = json!({"detail": "Invalid token."})),
        (status = 403, description = "Made with a key: the calling key's scope is not `full`, or the new key would be wider than it. \
With credentials: the operator turned password log-in off (`--password-login false`); sign in through single sign-on and make keys on the account page.",
            body = Detail, example = json!({"detail": "A key made with a key cannot do more than the key that makes it."})),
        (status = 400, description = "A field is missing or sent twice, the credentials are wrong, or `workspace` is not one of the account's.",
            body = BadRequest,
            example = json!({"non_field_errors": ["Unable to log in with provided credentials."]})),
        (status = 503, description = "Every core is busy checking other passwords: try again after `Retry-After` seconds.",
            body = Detail,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again.")),
            example = json!({"detail": "The server is busy checking other passwords. Please try again in 5 seconds."})),
    ),
)]
pub async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    input: Input,
) -> Result<Json<TokenCreated>, AttemptError> {
    input.refuse_duplicates()?;
    let has_credentials = ["username", "password"]
        .iter()
        .any(|field| input.fields.contains_key(*field));
    if !has_credentials && headers.contains_key(header::AUTHORIZATION) {
        let auth = ApiAuth::from_headers(&state, &headers).await?;
        let created = make_key(
            &state,
            &auth.actor,
            auth.workspace_id,
            &input,
            Some(&auth.grant),
        )
        .await?;
        return Ok(Json(created));
    }
    if !state.config.sso.password_login {
        return Err(ApiError::Forbidden(PASSWORD_LOGIN_OFF.to_owned()).into());
    }
    let [username, password] = input.texts(["username", "password"])?;
    let mut missing = FieldErrors::new();
    for (field, value) in [("username", &username), ("password", &password)] {
        if value.as_deref().is_none_or(str::is_empty) {
            missing.insert(field.to_owned(), vec![REQUIRED.to_owned()]);
        }
    }
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::Validation(missing).into());
    };
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing).into());
    }
    let credentials = Credentials {
        username: username.trim().to_owned(),
        password,
    };
    let user = verify_credentials(&state.db, credentials).await?;
    let user = user.ok_or_else(|| ApiError::non_field(BAD_CREDENTIALS))?;
    let workspace_id = key_workspace(&state, user.id, &input).await?;
    let actor = Actor::person(user.id, &user.username, None);
    Ok(Json(
        make_key(&state, &actor, workspace_id, &input, None).await?,
    ))
}

/// The workspace a key made by logging in acts in: the one named by the
/// `workspace` field (an id; its member only), else the account's
/// personal workspace, where the original API's assistants are.
async fn key_workspace(state: &AppState, user_id: i64, input: &Input) -> Result<i64, ApiError> {
    const NOT_MEMBER: &str = "You are not a member of a workspace with this id.";
    let named = input
        .text("workspace")
        .map_err(|(field, message)| ApiError::field(&field, message))?;
    let memberships = state.db.memberships_of(user_id).await?;
    let chosen = match named.as_deref().map(str::trim) {
        Some(id) => {
            let id: i64 = id
                .parse()
                .map_err(|_| ApiError::field("workspace", "A valid integer is required."))?;
            memberships.iter().find(|row| row.workspace_id == id)
        }
        None => memberships
            .iter()
            .find(|row| row.personal_of == Some(user_id)),
    };
    chosen
        .map(|row| row.workspace_id)
        .ok_or_else(|| ApiError::field("workspace", NOT_MEMBER))
}

/// Revokes the key this request was made with: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/",
    tag = "tokens",
    operation_id = "delete_token",
    summary = "Revoke the key this request is made with",
    security(("token" = [])),
    responses((status = 204, description = "Revoked: the key no longer works.")),
)]
pub async fn delete_token(
    State(state): State<AppState>,
    auth: ApiAuth,
) -> Result<StatusCode, ApiError> {
    state
        .db
        .delete_api_token(auth.workspace_id, Some(auth.user_id), auth.token_id)
        .await?;
    state.known_keys.forget_all();
    let target = format!("#{}", auth.token_id);
    auth.record(&state, Event::new("key.revoked", &target))
        .await;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_busy_server_answers_503_with_retry_after_in_drf_words() {
        let response = AttemptError::from(HashError::Busy).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            json!({"detail": "The server is busy checking other passwords. Please try again in 5 seconds."})
        );
    }
}
