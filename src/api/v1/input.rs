//! Request bodies: JSON, or `application/x-www-form-urlencoded` as the
//! original DRF service accepted. Anything else is a 415, a body that does
//! not parse is a 400, both in the API's error shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// A request body as a flat object of fields.
#[derive(Debug, Default)]
pub struct Input(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Input {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest("The request body could not be read.".to_owned())
                }
            })?;
        match essence.as_str() {
            "application/json" => parse_json(&body),
            "application/x-www-form-urlencoded" => parse_form(&body),
            "" if body.is_empty() => Ok(Self::default()),
            _ => Err(ApiError::UnsupportedMediaType(if content_type.is_empty() {
                "(none)".to_owned()
            } else {
                content_type
            })),
        }
    }
}

fn parse_json(body: &[u8]) -> Result<Input, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Input::default());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(Input(map)),
        Ok(_) => Err(ApiError::non_field("Invalid data. Expected a dictionary.")),
        Err(error) => Err(ApiError::BadRequest(format!("JSON parse error - {error}"))),
    }
}

fn parse_form(body: &[u8]) -> Result<Input, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| ApiError::BadRequest("The form body could not be parsed.".to_owned()))?;
    Ok(Input(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    ))
}

impl Input {
    /// A text field: `Ok(None)` when absent; numbers and booleans are taken
    /// as their text, as DRF's `CharField` does; anything else is refused
    /// with the field's message.
    pub fn text(&self, field: &str) -> Result<Option<String>, (String, String)> {
        match self.0.get(field) {
            None => Ok(None),
            // DRF refuses them too, and PostgreSQL cannot store them in text.
            Some(Value::String(s)) if s.contains('\0') => Err((
                field.to_owned(),
                "Null characters are not allowed.".to_owned(),
            )),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(Value::Null) => Err((field.to_owned(), "This field may not be null.".to_owned())),
            Some(_) => Err((field.to_owned(), "Not a valid string.".to_owned())),
        }
    }

    /// Several text fields at once, or a 400 naming each field that is not text.
    pub fn texts<const N: usize>(
        &self,
        fields: [&str; N],
    ) -> Result<[Option<String>; N], ApiError> {
        let mut errors = crate::model::FieldErrors::new();
        let values = fields.map(|field| match self.text(field) {
            Ok(value) => value,
            Err((field, message)) => {
                errors.entry(field).or_default().push(message);
                None
            }
        });
        if errors.is_empty() {
            Ok(values)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}
