//! Request bodies: JSON, `application/x-www-form-urlencoded`, or
//! `multipart/form-data` with files, as the original DRF service accepted.
//! Anything else is a 415, a body that does not parse is a 400, a file over
//! the per-file limit a 413 as soon as it is seen — all in the API's error
//! shape.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::AppState;

/// The largest JSON or form body (files come as multipart).
const TEXT_BODY_LIMIT: usize = 1024 * 1024;

/// A file part of a multipart body.
pub use crate::documents::IncomingFile as UploadedFile;

/// A request body: its text fields, and its files (multipart only).
#[derive(Debug, Default)]
pub struct Input {
    pub fields: Map<String, Value>,
    pub files: Vec<UploadedFile>,
}

impl FromRequest<AppState> for Input {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
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
        if essence == "multipart/form-data" {
            let multipart = Multipart::from_request(request, state).await.map_err(|_| {
                ApiError::BadRequest(
                    "Multipart form parse error - Invalid boundary in multipart: None".to_owned(),
                )
            })?;
            return read_multipart(multipart, state.config.max_file_bytes()).await;
        }
        let body = axum::body::to_bytes(request.into_body(), TEXT_BODY_LIMIT)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
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

async fn read_multipart(
    mut multipart: Multipart,
    max_file_bytes: usize,
) -> Result<Input, ApiError> {
    let malformed =
        |_| ApiError::BadRequest("Multipart form parse error - the body is malformed.".to_owned());
    let mut input = Input::default();
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let field_name = field.name().unwrap_or_default().to_owned();
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            let declared_type = field.content_type().map(str::to_owned);
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                if bytes.len() + chunk.len() > max_file_bytes {
                    return Err(ApiError::FileTooLarge {
                        name: file_name,
                        limit_mb: max_file_bytes / (1024 * 1024),
                    });
                }
                bytes.extend_from_slice(&chunk);
            }
            if field_name == "files" || field_name == "file" {
                input.files.push(UploadedFile {
                    name: clean_file_name(&file_name),
                    declared_type,
                    bytes,
                });
            }
        } else if field_name == "files" || field_name == "file" {
            // As DRF answers a text value where a file belongs.
            return Err(ApiError::field(
                &field_name,
                "The submitted data was not a file. Check the encoding type on the form.",
            ));
        } else {
            let text = field.text().await.map_err(malformed)?;
            input.fields.insert(field_name, Value::String(text));
        }
    }
    Ok(input)
}

/// A file name as shown to users: no folders, no control characters, at
/// most 255 characters.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "document".to_owned()
    } else {
        cleaned
    }
}

fn parse_json(body: &[u8]) -> Result<Input, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Input::default());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(Input {
            fields,
            files: Vec::new(),
        }),
        Ok(_) => Err(ApiError::non_field("Invalid data. Expected a dictionary.")),
        Err(error) => Err(ApiError::BadRequest(format!("JSON parse error - {error}"))),
    }
}

fn parse_form(body: &[u8]) -> Result<Input, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| ApiError::BadRequest("The form body could not be parsed.".to_owned()))?;
    Ok(Input {
        fields: pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
        files: Vec::new(),
    })
}

impl Input {
    /// A text field: `Ok(None)` when absent; numbers are taken as their
    /// text, as DRF's `CharField` does; anything else is refused
    /// with the field's message.
    pub fn text(&self, field: &str) -> Result<Option<String>, (String, String)> {
        match self.fields.get(field) {
            None => Ok(None),
            // DRF refuses them too, and PostgreSQL cannot store them in text.
            Some(Value::String(s)) if s.contains('\0') => Err((
                field.to_owned(),
                "Null characters are not allowed.".to_owned(),
            )),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
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

#[cfg(test)]
mod tests {
    use super::clean_file_name;

    #[test]
    fn file_names_lose_folders_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\ada\\report.pdf"), "report.pdf");
        assert_eq!(clean_file_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(clean_file_name(".."), "document");
        assert_eq!(clean_file_name(""), "document");
    }
}
