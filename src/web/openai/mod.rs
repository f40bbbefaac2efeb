//! `/v1`: every assistant as an OpenAI-compatible model. Integrators point
//! any OpenAI client (the `openai` packages, async-openai, LangChain, …) at
//! `https://<server>/v1` with an API key, and name an assistant's public id
//! (`asst_…`) as the model. Answers are the assistant's grounded answers,
//! in OpenAI's shapes, with the cited passages as an extra `sources` array
//! that clients ignore. Errors are in OpenAI's shape too ([`OpenAiError`]).

pub mod completions;
pub mod models;

use axum::Json;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::db::assistants::AssistantRow;
use crate::error::ApiError;
use crate::llm::ProviderError;
use crate::state::AppState;
use crate::web::auth::ApiAuth;

/// The `/v1` router.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/models", get(models::list_models))
        .route("/models/{id}", get(models::get_model))
        .route(
            "/chat/completions",
            post(completions::create_chat_completion),
        )
        .fallback(unknown_url)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed(method: Method) -> OpenAiError {
    OpenAiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method \"{method}\" not allowed."),
        "invalid_request_error",
    )
}

async fn unknown_url(method: Method, OriginalUri(uri): OriginalUri) -> OpenAiError {
    OpenAiError::new(
        StatusCode::NOT_FOUND,
        format!("Invalid URL ({method} {})", uri.path()),
        "invalid_request_error",
    )
}

/// An error as OpenAI's API answers it:
/// `{"error": {"message", "type", "param", "code"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiError {
    pub status: StatusCode,
    pub message: String,
    /// OpenAI's `type`: `invalid_request_error`, `authentication_error`, …
    pub kind: &'static str,
    pub param: Option<String>,
    pub code: Option<&'static str>,
    /// Seconds, sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

impl OpenAiError {
    /// An error with no parameter or code.
    pub fn new(status: StatusCode, message: impl Into<String>, kind: &'static str) -> Self {
        Self {
            status,
            message: message.into(),
            kind,
            param: None,
            code: None,
            retry_after: None,
        }
    }

    /// 400: the request is wrong in `param`.
    pub fn invalid(message: impl Into<String>, param: Option<&str>) -> Self {
        Self {
            param: param.map(str::to_owned),
            ..Self::new(StatusCode::BAD_REQUEST, message, "invalid_request_error")
        }
    }

    /// 404: no such model for this key.
    pub fn model_not_found(model: &str) -> Self {
        Self {
            param: Some("model".to_owned()),
            code: Some("model_not_found"),
            ..Self::new(
                StatusCode::NOT_FOUND,
                format!(
                    "The model `{model}` does not exist or you do not have access to it. \
                     Use the public id (asst_…) of one of your assistants; GET /v1/models lists them."
                ),
                "invalid_request_error",
            )
        }
    }

    /// 429: over the key's or the address's rate limit.
    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            code: Some("rate_limit_exceeded"),
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Rate limit reached. Please try again in {retry_after} seconds."),
                "requests",
            )
        }
    }

    /// The error as JSON.
    pub fn body(&self) -> Value {
        json!({"error": {
            "message": self.message,
            "type": self.kind,
            "param": self.param,
            "code": self.code,
        }})
    }
}

impl From<ApiError> for OpenAiError {
    fn from(error: ApiError) -> Self {
        let status = error.status_code();
        match error {
            ApiError::Unauthorized(message) => Self {
                code: Some("invalid_api_key"),
                ..Self::new(
                    status,
                    format!(
                        "{message} Send one of your API keys as `Authorization: Bearer <key>`."
                    ),
                    "invalid_request_error",
                )
            },
            ApiError::Forbidden(message) => Self {
                code: Some("insufficient_permissions"),
                ..Self::new(status, message, "permission_error")
            },
            ApiError::Provider(provider) => Self {
                code: Some(match provider {
                    ProviderError::Failed(_) => "upstream_error",
                    ProviderError::Timeout => "upstream_timeout",
                    ProviderError::RateLimited => "upstream_rate_limited",
                }),
                ..Self::new(status, provider.to_string(), "api_error")
            },
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error answering an OpenAI-compatible request");
                Self::new(status, "A server error occurred.", "server_error")
            }
            ApiError::Busy(cause) => {
                tracing::warn!(error = %cause, "the database was too busy to answer");
                Self {
                    retry_after: Some(u64::from(crate::error::BUSY_RETRY_AFTER_SECS)),
                    ..Self::new(
                        status,
                        "The server is busy right now. Please try again in a few seconds.",
                        "server_error",
                    )
                }
            }
            ApiError::Validation(fields) => {
                let (param, message) = fields
                    .into_iter()
                    .next()
                    .map(|(field, messages)| (Some(field), messages.join(" ")))
                    .unwrap_or((None, "The request is invalid.".to_owned()));
                Self {
                    param,
                    ..Self::new(status, message, "invalid_request_error")
                }
            }
            other => Self::new(status, other.to_string(), "invalid_request_error"),
        }
    }
}

impl IntoResponse for OpenAiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The caller of `/v1`: an [`ApiAuth`] whose refusals are in OpenAI's shape.
#[derive(Debug, Clone)]
pub struct OpenAiAuth(pub ApiAuth);

impl FromRequestParts<AppState> for OpenAiAuth {
    type Rejection = OpenAiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, OpenAiError> {
        Ok(Self(ApiAuth::from_request_parts(parts, state).await?))
    }
}

/// The caller's assistant named `model` (its public id): 404
/// `model_not_found` when it has none by that id, 403 when the key may not
/// reach it.
pub async fn model_for(
    state: &AppState,
    auth: &ApiAuth,
    model: &str,
) -> Result<AssistantRow, OpenAiError> {
    let assistant = state
        .db
        .assistant_by_public_id(auth.workspace_id, model.trim())
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| OpenAiError::model_not_found(model))?;
    auth.permit_assistant(assistant.id)?;
    Ok(assistant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_keep_their_status_in_openais_shape() {
        let unauthorized = OpenAiError::from(ApiError::Unauthorized("Invalid token."));
        assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
        assert_eq!(unauthorized.code, Some("invalid_api_key"));
        let failed = OpenAiError::from(ApiError::Provider(ProviderError::Failed("x".into())));
        assert_eq!(failed.status, StatusCode::BAD_GATEWAY);
        let slow = OpenAiError::from(ApiError::Provider(ProviderError::Timeout));
        assert_eq!(slow.status, StatusCode::SERVICE_UNAVAILABLE);
        let field = OpenAiError::from(ApiError::field("input", "Too long."));
        assert_eq!(
            field.body(),
            json!({"error": {"message": "Too long.", "type": "invalid_request_error", "param": "input", "code": null}})
        );
        let limited = OpenAiError::rate_limited(7);
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.code, Some("rate_limit_exceeded"));
    }
}
