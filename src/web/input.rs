//! Request bodies: JSON, `application/x-www-form-urlencoded`, or
//! `multipart/form-data` with files, as the original DRF service accepted.
//! Anything else is a 415, a body that does not parse is a 400, a file over
//! the per-file limit a 413 as soon as it is seen — all in the API's error
//! shape.
//!
//! A field sent more than once is noted in [`Input::duplicates`] (the last
//! value is kept, as DRF keeps it); log-in and sign-up refuse such bodies
//! ([`Input::refuse_duplicates`]). A body the rate limiter has already
//! read arrives as an [`Input`] in the request's extensions and is taken
//! from there, so the limiter and the handler read the same fields.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde_json::{Map, Value};

use crate::accounts::DUPLICATE_FIELD;
use crate::error::ApiError;
use crate::state::AppState;

/// The largest JSON or form body (files come as multipart).
const TEXT_BODY_LIMIT: usize = 1024 * 1024;

/// A file part of a multipart body.
pub use crate::documents::IncomingFile as UploadedFile;

/// A request body: its text fields, and its files (multipart only).
#[derive(Debug, Default, Clone)]
pub struct Input {
    pub fields: Map<String, Value>,
    pub files: Vec<UploadedFile>,
    /// Text fields that were given more than once.
    pub duplicates: BTreeSet<String>,
}

impl FromRequest<AppState> for Input {
    type Rejection = ApiError;

    async fn from_request(mut request: Request, state: &AppState) -> Result<Self, ApiError> {
        if let Some(read) = request.extensions_mut().remove::<Self>() {
            return Ok(read);
        }
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
            input.insert(field_name, Value::String(text));
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
    let mut reader = serde_json::Deserializer::from_slice(body);
    let parsed = serde::Deserializer::deserialize_any(&mut reader, TopLevel)
        .and_then(|top| reader.end().map(|()| top));
    match parsed {
        Ok(Some(input)) => Ok(input),
        Ok(None) => Err(ApiError::non_field("Invalid data. Expected a dictionary.")),
        Err(error) => Err(ApiError::BadRequest(format!("JSON parse error - {error}"))),
    }
}

/// A JSON body's top level: an object as an [`Input`] that notes repeated
/// keys (a `Value` would silently keep the last), anything else as `None`.
struct TopLevel;

impl<'de> serde::de::Visitor<'de> for TopLevel {
    type Value = Option<Input>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut input = Input::default();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            input.insert(key, value);
        }
        Ok(Some(input))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

fn parse_form(body: &[u8]) -> Result<Input, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| ApiError::BadRequest("The form body could not be parsed.".to_owned()))?;
    let mut input = Input::default();
    for (name, value) in pairs {
        input.insert(name, Value::String(value));
    }
    Ok(input)
}

impl Input {
    /// Adds a field; a second value for the same name replaces the first
    /// and is noted as a duplicate.
    fn insert(&mut self, name: String, value: Value) {
        if self.fields.contains_key(&name) {
            self.duplicates.insert(name.clone());
        }
        self.fields.insert(name, value);
    }

    /// A 400 naming each field that was sent more than once, if any: where
    /// a field decides whose account is tried, one reading must not see
    /// one value and another reading a different one.
    pub fn refuse_duplicates(&self) -> Result<(), ApiError> {
        if self.duplicates.is_empty() {
            return Ok(());
        }
        let errors = self
            .duplicates
            .iter()
            .map(|name| (name.clone(), vec![DUPLICATE_FIELD.to_owned()]))
            .collect();
        Err(ApiError::Validation(errors))
    }

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

    /// [`Input::text`] for an optional field, where `null` means none.
    pub fn nullable_text(&self, field: &str) -> Result<Option<String>, (String, String)> {
        match self.fields.get(field) {
            Some(Value::Null) => Ok(None),
            _ => self.text(field),
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

/// The client's address as limits count it: the peer, or with
/// `--trust-proxy` the address the proxy in front saw (the last of
/// `X-Forwarded-For`), made a key by [`crate::widget::address_key`]: an IPv4
/// address as it is, an IPv6 address by its /64 network, so that one
/// subscriber's many addresses are one client.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let address =
            client_address(parts, state.config.trust_proxy).unwrap_or_else(|| "unknown".to_owned());
        Ok(Self(crate::widget::address_key(&address)))
    }
}

/// The client's address as it is: the peer, or with `trust_proxy` the
/// last entry of `X-Forwarded-For` when there is one.
pub fn client_address(parts: &Parts, trust_proxy: bool) -> Option<String> {
    if trust_proxy
        && let Some(forwarded) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return Some(forwarded.to_owned());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
}

/// The longest question accepted, in characters.
pub const MAX_INPUT_CHARS: usize = 10_000;

/// The question of a `PUT`: present, not blank, not too long.
pub fn question(input: &Input) -> Result<String, ApiError> {
    let text = match input.text("input") {
        Ok(Some(text)) => text,
        Ok(None) => return Err(ApiError::field("input", "This field is required.")),
        Err((field, message)) => return Err(ApiError::field(&field, message)),
    };
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::field("input", "This field may not be blank."));
    }
    if text.chars().count() > MAX_INPUT_CHARS {
        return Err(ApiError::field(
            "input",
            format!("Ensure this field has no more than {MAX_INPUT_CHARS} characters."),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_noted_in_json_and_forms() {
        let input =
            parse_json(br#"{"username": "ada", "password": "x", "username": "bob"}"#).unwrap();
        assert_eq!(input.fields["username"], "bob");
        assert_eq!(input.duplicates, BTreeSet::from(["username".to_owned()]));
        assert!(input.refuse_duplicates().is_err());
        let input = parse_form(b"username=ada&username=bob&username=eve&password=x").unwrap();
        assert_eq!(input.duplicates, BTreeSet::from(["username".to_owned()]));
        let input = parse_json(br#"{"username": "ada", "nested": {"a": 1, "a": 2}}"#).unwrap();
        assert!(input.duplicates.is_empty(), "only the top level counts");
        assert!(input.refuse_duplicates().is_ok());
    }

    #[test]
    fn json_that_is_no_object_or_no_json_is_refused_as_before() {
        for body in [&b"[1, 2]"[..], b"\"ada\"", b"12", b"null", b"true"] {
            let error = parse_json(body).unwrap_err();
            assert!(
                matches!(&error, ApiError::Validation(fields) if fields.contains_key("non_field_errors")),
                "{error:?}"
            );
        }
        for body in [&b"{\"a\": 1} trailing"[..], b"{\"a\": ", b"{nope}"] {
            let error = parse_json(body).unwrap_err();
            assert!(
                error.to_string().starts_with("JSON parse error - "),
                "{error}"
            );
        }
        assert!(parse_json(b"  ").unwrap().fields.is_empty());
    }

    #[test]
    fn file_names_lose_folders_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\ada\\report.pdf"), "report.pdf");
        assert_eq!(clean_file_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(clean_file_name(".."), "document");
        assert_eq!(clean_file_name(""), "document");
    }
}
