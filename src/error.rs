//! Error types, one per layer.
//!
//! - [`AppError`] is what server functions return to the UI. It is
//!   serialisable, carries field messages for forms (and, for forms posted
//!   without JavaScript, what the user typed, minus passwords, so the page
//!   can refill the form), and never carries internals.
//! - `ApiError` (server only) is the JSON API's: every variant maps to a
//!   status code and the DRF body from `API.md`. 5xx errors are logged with
//!   their cause and answered without it.

use std::collections::BTreeMap;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::model::{FieldErrors, NON_FIELD_ERRORS};

/// An error a server function reports to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input was not accepted; messages by field.
    #[error("Please correct the highlighted fields.")]
    Invalid {
        fields: FieldErrors,
        /// What the user had typed (never passwords), to refill the form.
        values: BTreeMap<String, String>,
    },
    /// The visitor must log in first.
    #[error("Please log in to continue.")]
    Unauthorized,
    /// The thing does not exist, or belongs to someone else.
    #[error("Not found.")]
    NotFound,
    /// The person's role in the workspace does not allow this; the
    /// sentence says which role and what.
    #[error("{0}")]
    Forbidden(String),
    /// Something failed on the server; details are in its log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request did not reach the function (network, encoding).
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// An `Invalid` error with one message for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), vec![message.into()]);
        Self::Invalid {
            fields,
            values: BTreeMap::new(),
        }
    }

    /// Adds what the user typed, so a form posted without JavaScript can be refilled.
    #[must_use]
    pub fn with_values<'a>(self, typed: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        match self {
            Self::Invalid { fields, .. } => Self::Invalid {
                fields,
                values: typed
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            },
            other => other,
        }
    }

    /// The messages for one field (empty when it has none).
    pub fn messages_for(&self, field: &str) -> Vec<String> {
        match self {
            Self::Invalid { fields, .. } => fields.get(field).cloned().unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The messages that belong to no field, or the error itself when it is not a validation error.
    pub fn general_messages(&self) -> Vec<String> {
        match self {
            Self::Invalid { fields, .. } => {
                fields.get(NON_FIELD_ERRORS).cloned().unwrap_or_default()
            }
            other => vec![other.to_string()],
        }
    }

    /// What the user had typed in `field`, if the error carries it.
    pub fn typed_value(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid { values, .. } => values.get(field).cloned(),
            _ => None,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status a server function answers this error with.
    pub fn status_code(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::Invalid { .. } | Self::Transport(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
pub use api::{ApiError, BUSY_RETRY_AFTER_SECS};

#[cfg(feature = "ssr")]
mod api {
    use axum::Json;
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use serde_json::json;

    use crate::model::{FieldErrors, NON_FIELD_ERRORS};

    /// How long a client is asked to wait after the file store failed.
    pub const STORAGE_RETRY_AFTER_SECS: u32 = 30;

    /// How long a client is asked to wait when the database was too busy.
    pub const BUSY_RETRY_AFTER_SECS: u32 = 5;

    /// An error of the JSON API, answered in DRF's shape.
    #[derive(Debug, thiserror::Error)]
    pub enum ApiError {
        /// 400 with messages by field.
        #[error("invalid input")]
        Validation(FieldErrors),
        /// 400 with a `detail` (e.g. a malformed body).
        #[error("{0}")]
        BadRequest(String),
        /// 401, with `WWW-Authenticate: Token`.
        #[error("{0}")]
        Unauthorized(&'static str),
        /// 403: the key's scope or reach does not allow this.
        #[error("{0}")]
        Forbidden(String),
        /// 404.
        #[error("Not found.")]
        NotFound,
        /// 405 for this method.
        #[error("Method \"{0}\" not allowed.")]
        MethodNotAllowed(String),
        /// 413.
        #[error("Request body is too large.")]
        PayloadTooLarge,
        /// 413 for one uploaded file.
        #[error("The file \"{name}\" is larger than the {limit_mb} MB limit.")]
        FileTooLarge { name: String, limit_mb: usize },
        /// 415 for this content type.
        #[error("Unsupported media type \"{0}\" in request.")]
        UnsupportedMediaType(String),
        /// 415 for an uploaded file of a format the product does not read.
        #[error("The file \"{name}\" is not a supported document. Supported: {supported}.")]
        UnsupportedFile {
            name: String,
            supported: &'static str,
        },
        /// 503: the file store (local folder or S3) could not take or give
        /// a file; nothing was added. The cause is logged, never shown.
        #[error(
            "The file store cannot be reached right now, so nothing was added. Please try again in a minute."
        )]
        StorageUnavailable(#[source] std::io::Error),
        /// 503: the database did not answer in time (every connection in
        /// use, or SQLite's write lock held past its wait); the request's
        /// transaction was rolled back. Logged, never shown.
        #[error("The server is busy right now. Please try again in a few seconds.")]
        Busy(#[source] sqlx::Error),
        /// 502 or 503: the language model provider failed or was too slow.
        #[error("{0}")]
        Provider(crate::llm::ProviderError),
        /// 500: the cause is logged, never shown.
        #[error("internal error: {0}")]
        Internal(#[from] anyhow::Error),
    }

    impl From<sqlx::Error> for ApiError {
        fn from(error: sqlx::Error) -> Self {
            if is_busy(&error) {
                Self::Busy(error)
            } else {
                Self::Internal(error.into())
            }
        }
    }

    /// Whether a database error means "too busy now", not a fault: no free
    /// connection in time, or SQLite's BUSY or LOCKED (extended codes
    /// included) after its busy timeout.
    pub fn is_busy(error: &sqlx::Error) -> bool {
        match error {
            sqlx::Error::PoolTimedOut => true,
            sqlx::Error::Database(database)
                if database
                    .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                    .is_some() =>
            {
                database
                    .code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .is_some_and(|code| matches!(code & 0xff, 5 | 6))
            }
            _ => false,
        }
    }

    impl ApiError {
        /// A 400 with one message for one field.
        pub fn field(field: &str, message: impl Into<String>) -> Self {
            let mut fields = FieldErrors::new();
            fields.insert(field.to_owned(), vec![message.into()]);
            Self::Validation(fields)
        }

        /// A 400 with a message that belongs to no single field.
        pub fn non_field(message: impl Into<String>) -> Self {
            Self::field(NON_FIELD_ERRORS, message)
        }

        /// The HTTP status this error answers with.
        pub fn status_code(&self) -> StatusCode {
            match self {
                Self::Validation(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
                Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
                Self::Forbidden(_) => StatusCode::FORBIDDEN,
                Self::NotFound => StatusCode::NOT_FOUND,
                Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
                Self::PayloadTooLarge | Self::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                Self::UnsupportedMediaType(_) | Self::UnsupportedFile { .. } => {
                    StatusCode::UNSUPPORTED_MEDIA_TYPE
                }
                Self::Provider(crate::llm::ProviderError::Failed(_)) => StatusCode::BAD_GATEWAY,
                Self::Provider(_) | Self::StorageUnavailable(_) | Self::Busy(_) => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
                Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
    }

    impl IntoResponse for ApiError {
        fn into_response(self) -> Response {
            let status = self.status_code();
            let body = match &self {
                Self::Validation(fields) => json!(fields),
                Self::Internal(cause) => {
                    tracing::error!(error = ?cause, "internal error answering an API request");
                    json!({ "detail": "A server error occurred." })
                }
                Self::StorageUnavailable(cause) => {
                    tracing::error!(error = %cause, "the file store failed");
                    json!({ "detail": self.to_string() })
                }
                Self::Busy(cause) => {
                    tracing::warn!(error = %cause, "the database was too busy to answer");
                    json!({ "detail": self.to_string() })
                }
                other => json!({ "detail": other.to_string() }),
            };
            let mut response = (status, Json(body)).into_response();
            if status == StatusCode::UNAUTHORIZED {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
            }
            let retry_after = match self {
                Self::StorageUnavailable(_) => Some(STORAGE_RETRY_AFTER_SECS),
                Self::Busy(_) => Some(BUSY_RETRY_AFTER_SECS),
                _ => None,
            };
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
    }
}
