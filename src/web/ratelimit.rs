//! Rate limits (governor's GCRA, in memory): the JSON API per key and per
//! client address, and logging in and signing up per address and username
//! (against guessing one account's password) and per address whatever the
//! username (against trying one password on many accounts, each try an
//! Argon2 hash). On PostgreSQL, where several servers may share the work,
//! every limit is counted in the database with the same algorithm (one
//! statement per check, in an unlogged table), so that every server sees
//! every request. A refused request gets 429 with `Retry-After`, in the
//! shape its caller reads: DRF's `detail` for the API, OpenAI's `error` for
//! `/v1`, a JSON-RPC error for `/mcp`, a form message for the dashboard's
//! log-in and sign-up. One key has one limit across the three APIs.
//!
//! An API key is counted by the key itself (its hash), read from the
//! `Authorization` header exactly as authentication reads it, so every
//! spelling of the header (`Token K`, `token  K`, `Bearer K`) is one key.
//!
//! A log-in or sign-up body is read here once: a field sent twice is
//! refused (400), and the API's handler is given the body as read here
//! ([`Input`] in the request's extensions), so the username counted is the
//! username tried.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::accounts::DUPLICATE_FIELD;
use crate::error::AppError;
use crate::model::{FieldErrors, NON_FIELD_ERRORS};
use crate::ratelimit::LoginRefused;
use crate::state::AppState;
use crate::web::auth::parse_authorization;
use crate::web::input::{ClientIp, Input};

/// Posts that try a password or make an account, by path (trailing slash
/// already trimmed). Those with no username in the body (a signed-in user
/// confirming their password) count against the address alone.
const LOGIN_PATHS: [&str; 6] = [
    "/api/v1/tokens",
    "/api/v1/users",
    "/fn/log_in",
    "/fn/sign_up",
    "/fn/change_password",
    "/fn/delete_account",
];
/// The most of a log-in body read to find its username.
const LOGIN_BODY_LIMIT: usize = 64 * 1024;

/// The API key an `Authorization` header carries, read as authentication
/// reads it ([`parse_authorization`]): `None` without one, or when the
/// header is garbled (authentication then refuses the request).
pub fn api_key_in(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?;
    parse_authorization(value.as_bytes()).ok().flatten()
}

/// A log-in or sign-up body as read once, here.
struct Attempt {
    /// The username tried (empty when the body names none).
    username: String,
    /// An API body, for the handler to take rather than read again.
    input: Option<Input>,
}

/// Reads a log-in or sign-up body: an API body as the API reads every body
/// (JSON, form or multipart), a server function's as the form it is.
/// A body that cannot be read, or that gives a field twice, is answered
/// here, in its caller's shape.
async fn read_attempt(
    state: &AppState,
    path: &str,
    headers: &HeaderMap,
    bytes: Bytes,
    wants_html: bool,
) -> Result<Attempt, Response> {
    if path.starts_with("/api/") {
        let mut copy = Request::new(Body::from(bytes));
        *copy.headers_mut() = headers.clone();
        let input = Input::from_request(copy, state)
            .await
            .map_err(IntoResponse::into_response)?;
        input
            .refuse_duplicates()
            .map_err(IntoResponse::into_response)?;
        let username = input.text("username").ok().flatten().unwrap_or_default();
        return Ok(Attempt {
            username,
            input: Some(input),
        });
    }
    match form_username(&bytes) {
        Ok(username) => Ok(Attempt {
            username,
            input: None,
        }),
        Err(_) if wants_html => Err((StatusCode::BAD_REQUEST, DUPLICATE_FIELD).into_response()),
        Err(fields) => {
            let error = AppError::Invalid {
                fields,
                values: Default::default(),
            };
            Err((StatusCode::BAD_REQUEST, Json(error)).into_response())
        }
    }
}

/// The username of a server function's form (empty when it names none),
/// or an error for each field it gives more than once. Server functions
/// read their arguments as a form whatever the content type says, and so
/// does this.
fn form_username(body: &[u8]) -> Result<String, FieldErrors> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    let mut repeated = FieldErrors::new();
    for (name, _) in &pairs {
        if !seen.insert(name.as_str()) {
            repeated.insert(name.clone(), vec![DUPLICATE_FIELD.to_owned()]);
        }
    }
    if !repeated.is_empty() {
        return Err(repeated);
    }
    Ok(pairs
        .into_iter()
        .find_map(|(name, value)| (name == "username").then_some(value))
        .unwrap_or_default())
}

/// "about 3 minutes", for people.
fn wait_words(seconds: u64) -> String {
    crate::widget::human_wait(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// Why a request was refused, for the message its caller shows.
#[derive(Debug, Clone, Copy)]
enum Refused {
    /// An API limit (per key or per address).
    Api(u64),
    /// A log-in limit.
    Login(LoginRefused),
}

impl Refused {
    fn wait(self) -> u64 {
        match self {
            Self::Api(wait) => wait,
            Self::Login(refused) => refused.wait(),
        }
    }
}

/// A plain form's refusal: back to the page the form was on, with the
/// message as the server function's error (the form shows it as it shows
/// its own), or the message alone when the browser sent no `Referer`.
fn back_to_the_form(path: &str, headers: &HeaderMap, message: String) -> Response {
    use leptos::server_fn::error::ServerFnUrlError;
    let back = headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| {
            ServerFnUrlError::new(path, AppError::field(NON_FIELD_ERRORS, message.clone()))
                .to_url(referer)
                .ok()
        })
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
        .and_then(|location| HeaderValue::from_str(&location).ok());
    match back {
        Some(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        None => (StatusCode::TOO_MANY_REQUESTS, message).into_response(),
    }
}

/// The 429 for `path`, in the shape its caller reads.
fn too_many(path: &str, headers: &HeaderMap, wants_html: bool, refused: Refused) -> Response {
    let retry_after = refused.wait();
    let mut response = if path.starts_with("/v1/") {
        return crate::web::openai::OpenAiError::rate_limited(retry_after).into_response();
    } else if path.starts_with("/mcp") {
        let message = format!("Rate limit reached. Please try again in {retry_after} seconds.");
        (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32000, "message": message}})),
        )
            .into_response()
    } else if path.starts_with("/api/") {
        let detail = format!("Request was throttled. Expected available in {retry_after} seconds.");
        (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({ "detail": detail })),
        )
            .into_response()
    } else {
        let wait = wait_words(retry_after);
        let message = match refused {
            Refused::Login(LoginRefused::Address(_)) => format!(
                "Too many log-in attempts from your network. Please wait {wait} and try again."
            ),
            _ => format!(
                "Too many attempts. For your account's safety, please wait {wait} and try again."
            ),
        };
        if wants_html {
            back_to_the_form(path, headers, message)
        } else {
            // The server function's own error shape: the form shows it.
            (
                StatusCode::TOO_MANY_REQUESTS,
                Json(AppError::field(NON_FIELD_ERRORS, message)),
            )
                .into_response()
        }
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// Whether `path` is one of the APIs that take a key (and share its
/// limit): `/api/`, the OpenAI-compatible `/v1/`, `/mcp`.
fn is_keyed_api(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/v1/")
        || path == "/mcp"
        || path.starts_with("/mcp/")
}

/// Applies the limits to each request.
pub async fn limit_requests(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if is_keyed_api(&path) {
        let api_key = api_key_in(request.headers());
        if let Err(wait) = state.limits.check_api(api_key, &address).await {
            return too_many(&path, request.headers(), wants_html, Refused::Api(wait));
        }
    }
    if request.method() != Method::POST || !LOGIN_PATHS.contains(&path.as_str()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, LOGIN_BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large.").into_response();
    };
    let attempt = match read_attempt(&state, &path, &parts.headers, bytes.clone(), wants_html).await
    {
        Ok(attempt) => attempt,
        Err(refusal) => return refusal,
    };
    if let Err(refused) = state.limits.check_login(&address, &attempt.username).await {
        tracing::warn!(path = %path, ?refused, "log-in attempts limited");
        return too_many(&path, &parts.headers, wants_html, Refused::Login(refused));
    }
    let mut request = Request::from_parts(parts, Body::from(bytes));
    if let Some(input) = attempt.input {
        request.extensions_mut().insert(input);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_key_is_the_same_key() {
        let key_in = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            api_key_in(&headers).map(str::to_owned)
        };
        for spelling in [
            "Token ack_K",
            "Token  ack_K",
            "token ack_K",
            "TOKEN ack_K ",
            "Bearer ack_K",
            "bearer ack_K",
            "Bearer\tack_K",
        ] {
            assert_eq!(key_in(spelling).as_deref(), Some("ack_K"), "{spelling:?}");
        }
        assert_eq!(key_in("Basic dXNlcjpwYXNz"), None);
        assert_eq!(key_in("Token a b"), None);
        assert_eq!(api_key_in(&HeaderMap::new()), None);
    }

    #[test]
    fn a_form_names_its_username_once_or_is_refused() {
        assert_eq!(
            form_username(b"username=ada&password=x&next=").as_deref(),
            Ok("ada")
        );
        assert_eq!(form_username(b"user%6Eame=ada").as_deref(), Ok("ada"));
        assert_eq!(form_username(b"password=x").as_deref(), Ok(""));
        for body in [
            &b"username=ada&password=x&username=bob"[..],
            b"username=ada&user%6Eame=bob",
        ] {
            let refused = form_username(body).unwrap_err();
            assert_eq!(refused.keys().collect::<Vec<_>>(), ["username"]);
        }
        let refused = form_username(b"next=/a&next=/b&username=ada").unwrap_err();
        assert_eq!(refused["next"], [DUPLICATE_FIELD]);
    }

    #[tokio::test]
    async fn the_log_in_form_is_told_which_limit_and_how_long() {
        let refused = too_many(
            "/fn/log_in",
            &HeaderMap::new(),
            false,
            Refused::Login(LoginRefused::Address(90)),
        );
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "90");
        let body = axum::body::to_bytes(refused.into_body(), 4096)
            .await
            .unwrap();
        let error: AppError = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            error.general_messages(),
            [
                "Too many log-in attempts from your network. Please wait about 2 minutes and try again."
            ]
        );
    }

    #[test]
    fn a_plain_log_in_form_goes_back_to_its_page_with_the_message() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::REFERER,
            HeaderValue::from_static("https://chat.example.com/login?next=%2Faccount"),
        );
        let refused = too_many(
            "/fn/log_in",
            &headers,
            true,
            Refused::Login(LoginRefused::Address(90)),
        );
        assert_eq!(refused.status(), StatusCode::SEE_OTHER);
        let location = refused.headers()[header::LOCATION].to_str().unwrap();
        assert!(location.starts_with("/login?next=%2Faccount&__path=%2Ffn%2Flog_in&__err="));
        let query = location.split_once('?').unwrap().1;
        let encoded = url::form_urlencoded::parse(query.as_bytes())
            .find_map(|(key, value)| (key == "__err").then(|| value.into_owned()))
            .unwrap();
        let error: AppError =
            leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(&encoded);
        assert_eq!(
            error.general_messages(),
            [
                "Too many log-in attempts from your network. Please wait about 2 minutes and try again."
            ]
        );

        // Without a Referer there is no page to go back to: the message alone.
        let alone = too_many(
            "/fn/log_in",
            &HeaderMap::new(),
            true,
            Refused::Login(LoginRefused::Address(90)),
        );
        assert_eq!(alone.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}
