//! The OpenAPI 3.1 description of `/api/v1`, generated from the handlers'
//! `#[utoipa::path]` annotations (`GET /api/v1/openapi.json`), and a
//! reference page rendered from it on the server (`GET /api/docs`), which
//! needs no script and nothing from the internet.
//!
//! What every operation shares is added here once, by [`Conventions`]:
//! the `token` security scheme, and the responses of the layers around the
//! handlers (401 where a key is needed, 404 where the path names an object,
//! 413 and 415 where there is a body, 429 and 500 everywhere).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, ObjectBuilder, RefOr, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi, ToSchema};

use super::v1::{assistants, chat, documents, me, tokens, users};
use crate::state::AppState;

const DESCRIPTION: &str = "\
The JSON API of AIConvoKit: sign up, get a key, make assistants from your \
documents, search them and chat with them.

- Paths end in `/`; the same path without it answers the same.
- Bodies are JSON. Endpoints that take files also take `multipart/form-data`, \
and every endpoint with a body also takes `application/x-www-form-urlencoded`. \
Text fields accept numbers as their text, as the original \
(Django REST Framework) service did.
- Authentication: `Authorization: Token <key>` (keys come from \
`POST /api/v1/tokens/`); `Authorization: Bearer <key>` is accepted too.
- Errors: validation errors are `400 {\"field\": [\"message\", ...]}` \
(`non_field_errors` for errors of no single field); every other error is \
`{\"detail\": \"message\"}`. A 401 carries `WWW-Authenticate: Token`, a 429 \
`Retry-After` (seconds). Every response carries an `X-Request-Id`.
- Another user's objects answer 404, exactly as if they did not exist.
- Timestamps are RFC 3339 in UTC, e.g. `2026-11-26T19:47:45.123Z`.";

/// The description, as the derive builds it (without [`Conventions`]' cache).
#[derive(OpenApi)]
#[openapi(
    info(title = "AIConvoKit API", description = DESCRIPTION),
    paths(
        users::create_user,
        tokens::create_token,
        tokens::delete_token,
        me::get_me,
        assistants::list_assistants,
        assistants::create_assistant,
        assistants::get_assistant,
        assistants::replace_assistant,
        assistants::patch_assistant,
        assistants::delete_assistant,
        documents::list_documents,
        documents::upload_documents,
        documents::get_document,
        documents::update_document,
        documents::delete_document,
        documents::search_assistant,
        chat::list_chats,
        chat::create_chat,
        chat::get_chat,
        chat::ask,
        chat::delete_chat,
    ),
    components(schemas(Detail, ValidationErrors)),
    modifiers(&Conventions),
    tags(
        (name = "users", description = "Sign up."),
        (name = "tokens", description = "API keys: log in for one, revoke it."),
        (name = "assistants", description = "Assistants and the documents they answer from."),
        (name = "documents", description = "An assistant's documents, and what it would read for a question."),
        (name = "chat", description = "Chats with an assistant: ask, read, delete."),
    )
)]
struct ApiDoc;

/// The description as JSON, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
        camel_case_links(&mut document);
        text_fields_take_numbers(&mut document);
        document
    })
}

/// The request bodies' text fields take numbers as their text, as DRF's
/// `CharField` does (not booleans, objects, arrays or `null`).
fn text_fields_take_numbers(document: &mut Value) {
    const BODIES: [&str; 9] = [
        "SignUp",
        "LogIn",
        "NewAssistant",
        "NewAssistantUpload",
        "AssistantReplacement",
        "AssistantReplacementUpload",
        "AssistantChanges",
        "AssistantChangesUpload",
        "Question",
    ];
    for name in BODIES {
        let Some(properties) = document
            .pointer_mut(&format!("/components/schemas/{name}/properties"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for property in properties.values_mut() {
            if property.get("type") == Some(&json!("string")) && property.get("format").is_none() {
                property["type"] = json!(["string", "number"]);
            }
        }
    }
}

/// utoipa 5 writes a link's `operationId`, `operationRef` and `requestBody`
/// in snake case; OpenAPI spells them in camel case.
fn camel_case_links(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let links = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("responses"))
        .filter_map(Value::as_object_mut)
        .flat_map(|responses| responses.values_mut())
        .filter_map(|response| response.get_mut("links"))
        .filter_map(Value::as_object_mut)
        .flat_map(|links| links.values_mut())
        .filter_map(Value::as_object_mut);
    for link in links {
        for (from, to) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(value) = link.remove(from) {
                link.insert(to.to_owned(), value);
            }
        }
    }
}

/// `GET /api/v1/openapi.json`: no key needed.
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document().to_string(),
    )
        .into_response()
}

// ---------------------------------------------------------------------------
// Schemas of the error bodies and of the request bodies. Text fields that
// may not be blank have a pattern that asks for at least one character
// that is not a space (as Rust's `trim` counts them), and no NUL.

/// Every error that is not a validation error.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"detail": "Not found."}))]
pub struct Detail {
    pub detail: String,
}

/// Validation errors: the messages of each field that was not accepted;
/// errors that belong to no single field are under `non_field_errors`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": ["This field may not be blank."]}))]
pub struct ValidationErrors(pub BTreeMap<String, Vec<String>>);

/// A 400: messages by field, or a `detail` when the body could not be read
/// at all (malformed JSON, a broken multipart body).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BadRequest {
    Fields(ValidationErrors),
    Detail(Detail),
}

/// `POST /api/v1/users/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"username": "ada", "email": "ada@example.com", "password": "correct horse"}))]
pub struct SignUp {
    /// Letters, digits and `@.+-_`; unique.
    #[schema(min_length = 1, max_length = 150, pattern = r"^[A-Za-z0-9@.+_-]+$")]
    pub username: String,
    /// Unique.
    #[schema(format = Email, max_length = 254, pattern = r"^[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")]
    pub email: String,
    #[schema(min_length = 8, max_length = 1024, pattern = r"^[^\u0000]*$")]
    pub password: String,
}

/// `POST /api/v1/tokens/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"username": "ada", "password": "correct horse"}))]
pub struct LogIn {
    #[schema(min_length = 1, max_length = 150, pattern = r"^[^\u0000]*$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 1024, pattern = r"^[^\u0000]*$")]
    pub password: String,
}

/// A file part of a multipart body.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
pub struct UploadFile(pub Vec<u8>);

/// `POST /api/v1/assistants/` as JSON.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "Annual report helper", "company_name": "3M", "instructions": "Answer questions about our 2018 annual report."}))]
pub struct NewAssistant {
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: String,
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub company_name: String,
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub instructions: String,
}

/// `POST /api/v1/assistants/` as multipart: the fields, and documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewAssistantUpload {
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: String,
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub company_name: String,
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub instructions: String,
    /// Documents to add: PDF, Word (.docx), plain text, Markdown, HTML or CSV.
    #[schema(required = false)]
    pub files: Vec<UploadFile>,
}

/// `PUT /api/v1/assistants/{id}/` as JSON: every field; `new_name` renames.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "Annual report helper", "new_name": "3M helper", "company_name": "3M", "instructions": "Cite pages."}))]
pub struct AssistantReplacement {
    /// The name; when `new_name` is given, still required (as in the original).
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: String,
    /// The new name.
    #[schema(
        required = false,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub new_name: String,
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub company_name: String,
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub instructions: String,
}

/// `PUT /api/v1/assistants/{id}/` as multipart: the fields, and documents
/// added to the existing ones.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssistantReplacementUpload {
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: String,
    #[schema(
        required = false,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub new_name: String,
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub company_name: String,
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub instructions: String,
    #[schema(required = false)]
    pub files: Vec<UploadFile>,
}

/// `PATCH /api/v1/assistants/{id}/` as JSON: any subset of the fields.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"instructions": "Answer briefly, citing pages."}))]
pub struct AssistantChanges {
    #[schema(
        required = false,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: String,
    /// Renames (takes precedence over `name`).
    #[schema(
        required = false,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub new_name: String,
    #[schema(
        required = false,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub company_name: String,
    #[schema(
        required = false,
        max_length = 20000,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub instructions: String,
}

/// `PATCH /api/v1/assistants/{id}/` as multipart.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssistantChangesUpload {
    #[schema(
        required = false,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: String,
    #[schema(
        required = false,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub new_name: String,
    #[schema(
        required = false,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub company_name: String,
    #[schema(
        required = false,
        max_length = 20000,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub instructions: String,
    #[schema(required = false)]
    pub files: Vec<UploadFile>,
}

/// `POST /api/v1/assistants/{id}/documents/`: one or more files.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentsUpload {
    /// PDF, Word (.docx), plain text, Markdown, HTML or CSV.
    #[schema(min_items = 1)]
    pub files: Vec<UploadFile>,
}

/// `PATCH /api/v1/assistants/{id}/documents/{doc_id}/`: any subset; an
/// empty string or `null` makes a value unknown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"company": "Apple Inc.", "period": "2023 Q3"}))]
pub struct MetadataUpdate {
    /// The company the document is from or about.
    #[schema(max_length = 200)]
    pub company: Option<String>,
    /// "10-K", "10-Q", "8-K", "Earnings release", "Contract"…
    #[schema(max_length = 200)]
    pub kind: Option<String>,
    /// The period it covers: "FY2018", "2023 Q3"…
    #[schema(max_length = 200)]
    pub period: Option<String>,
    /// A title for people.
    #[schema(max_length = 200)]
    pub title: Option<String>,
}

/// `POST /api/v1/chat/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"assistant_id": 7}))]
pub struct NewChat {
    /// One of the caller's assistants; any other id is a 400 on this field.
    #[schema(minimum = 1)]
    pub assistant_id: i64,
}

/// `PUT /api/v1/chat/{id}/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"assistant_id": 7, "input": "What were capital expenditures in 2018?"}))]
pub struct Question {
    /// The chat's assistant (400 otherwise).
    #[schema(minimum = 1)]
    pub assistant_id: i64,
    /// The question.
    #[schema(
        max_length = 10000,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub input: String,
}

// ---------------------------------------------------------------------------
// What every operation shares.

/// Adds the security scheme and the responses every operation shares.
struct Conventions;

fn detail_response(description: &str, example: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                "Detail",
            ))))
            .example(Some(json!({ "detail": example })))
            .build(),
    )
}

fn header(description: &str, integer: bool) -> utoipa::openapi::header::Header {
    let schema =
        ObjectBuilder::new().schema_type(if integer { Type::Integer } else { Type::String });
    HeaderBuilder::new()
        .schema(schema)
        .description(Some(description))
        .build()
}

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <key>`, with a key from `POST /api/v1/tokens/`. \
                 `Bearer <key>` is accepted as well.",
            ))),
        );
        let shared = [
            (
                "Unauthorized",
                detail_response(
                    "No key, a malformed `Authorization` header, or an unknown or revoked key.",
                    "Authentication credentials were not provided.",
                )
                .header(
                    "WWW-Authenticate",
                    header("Always `Token`: the scheme to use.", false),
                ),
            ),
            (
                "NotFound",
                detail_response(
                    "No such object, or it belongs to another user.",
                    "Not found.",
                ),
            ),
            (
                "PayloadTooLarge",
                detail_response(
                    "The body, or one of its files, is over the server's limit.",
                    "Request body is too large.",
                ),
            ),
            (
                "UnsupportedMediaType",
                detail_response(
                    "The body's content type is not JSON, form or multipart, or a file is \
                     not a supported document.",
                    "Unsupported media type \"text/xml\" in request.",
                ),
            ),
            (
                "TooManyRequests",
                detail_response(
                    "Too many requests: wait for `Retry-After` seconds.",
                    "Request was throttled. Expected available in 30 seconds.",
                )
                .header(
                    "Retry-After",
                    header("Seconds to wait before trying again.", true),
                ),
            ),
            (
                "StorageUnavailable",
                detail_response(
                    "The file store (a local folder, or an S3-compatible store) cannot take \
                     files right now: nothing was added. Try again after `Retry-After` seconds.",
                    "The file store cannot be reached right now, so nothing was added. \
                     Please try again in a minute.",
                )
                .header(
                    "Retry-After",
                    header("Seconds to wait before trying again.", true),
                ),
            ),
            (
                "ServerError",
                detail_response(
                    "The server failed. Nothing of the cause is shown; it is logged under \
                     the response's `X-Request-Id`.",
                    "A server error occurred.",
                ),
            ),
        ];
        for (name, response) in shared {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(response.build()));
        }
        for (path, item) in &mut openapi.paths.paths {
            let names_object = path.contains('{');
            for (is_patch, operation) in operations(item) {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = operation.request_body.is_some();
                let takes_files = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("multipart/form-data"));
                // `PATCH` with no body changes nothing, and answers as `GET`.
                if let Some(body) = operation.request_body.as_mut().filter(|_| is_patch) {
                    body.required = Some(utoipa::openapi::Required::False);
                }
                let mut shared = Vec::new();
                if secured {
                    shared.push(("401", "Unauthorized"));
                }
                if names_object {
                    shared.push(("404", "NotFound"));
                }
                if has_body {
                    shared.push(("413", "PayloadTooLarge"));
                    shared.push(("415", "UnsupportedMediaType"));
                }
                shared.push(("429", "TooManyRequests"));
                shared.push(("500", "ServerError"));
                if takes_files {
                    shared.push(("503", "StorageUnavailable"));
                }
                for (status, name) in shared {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| {
                            RefOr::Ref(utoipa::openapi::Ref::new(format!(
                                "#/components/responses/{name}"
                            )))
                        });
                }
            }
        }
    }
}

/// The operations of a path, each with whether it is the `PATCH`.
fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (bool, &mut Operation)> {
    [
        (false, item.get.as_mut()),
        (false, item.put.as_mut()),
        (false, item.post.as_mut()),
        (false, item.delete.as_mut()),
        (true, item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(is_patch, operation)| operation.map(|operation| (is_patch, operation)))
}

// ---------------------------------------------------------------------------
// The reference page.

/// `/api/docs` (the page) and `/api/docs/style.css`, to nest at `/api/docs`.
pub fn docs_router() -> Router<AppState> {
    Router::new()
        .route("/", get(docs_page))
        .route("/style.css", get(docs_css))
}

const DOCS_CSS: &str = include_str!("docs.css");

async fn docs_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        DOCS_CSS,
    )
        .into_response()
}

async fn docs_page() -> impl IntoResponse {
    static PAGE: OnceLock<String> = OnceLock::new();
    (
        // Its own stylesheet and nothing else (the default policy allows none).
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
        )],
        Html(PAGE.get_or_init(|| render_page(document())).as_str()),
    )
}

/// The methods in the order the page lists them.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn escape(text: &str) -> String {
    crate::markdown::escape_html(text)
}

fn markdown(text: &str) -> String {
    crate::markdown::to_safe_html(text)
}

/// What a `$ref` inside the document points to.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
        return value;
    };
    let pointer = reference.trim_start_matches('#');
    doc.pointer(pointer)
        .map_or(value, |target| resolve(doc, target))
}

/// A short type for a schema: `string`, `integer | null`, `array of Assistant`…
fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema.get(combinator).and_then(Value::as_array) {
            let names: Vec<String> = parts.iter().map(type_name).collect();
            return names.join(if combinator == "allOf" { " & " } else { " | " });
        }
    }
    let types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let mut names = Vec::new();
    for t in types {
        let name = match t.as_str() {
            "array" => format!(
                "array of {}",
                schema
                    .get("items")
                    .map_or_else(|| "any".to_owned(), type_name)
            ),
            "object" if schema.get("properties").is_none() => {
                match schema.get("additionalProperties") {
                    Some(values) if values.is_object() => {
                        format!("map of {}", type_name(values))
                    }
                    _ => "object".to_owned(),
                }
            }
            "string" => match schema.get("format").and_then(Value::as_str) {
                Some(format) => format!("string ({format})"),
                None => "string".to_owned(),
            },
            other => other.to_owned(),
        };
        names.push(name);
    }
    if names.is_empty() {
        "any".to_owned()
    } else {
        names.join(" | ")
    }
}

/// The constraints of a schema in words: `1–200 characters`, `≥ 1`…
fn constraints(schema: &Value) -> String {
    let mut parts = Vec::new();
    let number = |key: &str| schema.get(key).and_then(Value::as_i64);
    match (number("minLength"), number("maxLength")) {
        (Some(min), Some(max)) => parts.push(format!("{min}–{max} characters")),
        (Some(min), None) => parts.push(format!("at least {min} characters")),
        (None, Some(max)) => parts.push(format!("at most {max} characters")),
        (None, None) => {}
    }
    match (number("minimum"), number("maximum")) {
        (Some(min), Some(max)) => parts.push(format!("{min} to {max}")),
        (Some(min), None) => parts.push(format!("at least {min}")),
        (None, Some(max)) => parts.push(format!("at most {max}")),
        (None, None) => {}
    }
    if let Some(default) = schema.get("default") {
        parts.push(format!("default {default}"));
    }
    parts.join(", ")
}

/// The fields of an object schema (following `$ref` and `allOf`).
fn fields_table(out: &mut String, doc: &Value, schema: &Value) {
    let mut rows = Vec::new();
    collect_fields(doc, schema, &mut rows);
    if rows.is_empty() {
        let _ = write!(
            out,
            "<p>Type: <code>{}</code></p>",
            escape(&type_name(schema))
        );
        return;
    }
    out.push_str(
        "<table><thead><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>",
    );
    for (name, property, required) in rows {
        let description = property
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let limits = constraints(&property);
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}{}</td></tr>",
            escape(&name),
            escape(&type_name(&property)),
            if required { "yes" } else { "no" },
            markdown(description),
            if limits.is_empty() {
                String::new()
            } else {
                format!("<p class=\"limits\">{}</p>", escape(&limits))
            },
        );
    }
    out.push_str("</tbody></table>");
}

fn collect_fields(doc: &Value, schema: &Value, rows: &mut Vec<(String, Value, bool)>) {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            collect_fields(doc, part, rows);
        }
    }
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            rows.push((
                name.clone(),
                property.clone(),
                required.contains(&name.as_str()),
            ));
        }
    }
}

/// The example of a media type: its own, or its schema's.
fn example_of(doc: &Value, media: &Value) -> Option<Value> {
    if let Some(example) = media.get("example") {
        return Some(example.clone());
    }
    let schema = media.get("schema")?;
    let resolved = resolve(doc, schema);
    if let Some(example) = resolved.get("example") {
        return Some(example.clone());
    }
    if let Some(examples) = resolved.get("examples").and_then(Value::as_array) {
        return examples.first().cloned();
    }
    let items = resolved.get("items")?;
    let item = resolve(doc, items);
    let example = item
        .get("example")
        .or_else(|| item.get("examples").and_then(|e| e.get(0)))?;
    Some(Value::Array(vec![example.clone()]))
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn render_operation(out: &mut String, doc: &Value, path: &str, method: &str, op: &Value) {
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let summary = op
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let _ = write!(
        out,
        "<section class=\"operation\" id=\"{id}\"><h3><span class=\"method method-{method}\">{upper}</span> <code class=\"path\">{path}</code></h3><p class=\"summary\">{summary}</p>",
        id = escape(id),
        method = escape(method),
        upper = escape(&method.to_ascii_uppercase()),
        path = escape(path),
        summary = escape(summary),
    );
    if let Some(description) = op.get("description").and_then(Value::as_str) {
        out.push_str(&markdown(description));
    }
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    out.push_str(if secured {
        "<p class=\"auth\">Needs a key: <code>Authorization: Token &lt;key&gt;</code>.</p>"
    } else {
        "<p class=\"auth\">No key needed.</p>"
    });
    if let Some(parameters) = op.get("parameters").and_then(Value::as_array) {
        out.push_str("<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>");
        for parameter in parameters {
            let parameter = resolve(doc, parameter);
            let text = |key: &str| {
                parameter
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            };
            let schema = parameter.get("schema").cloned().unwrap_or(Value::Null);
            let limits = constraints(&schema);
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}{}</td></tr>",
                escape(text("name")),
                escape(text("in")),
                escape(&type_name(&schema)),
                if parameter.get("required").and_then(Value::as_bool) == Some(true) {
                    "yes"
                } else {
                    "no"
                },
                markdown(text("description")),
                if limits.is_empty() {
                    String::new()
                } else {
                    format!("<p class=\"limits\">{}</p>", escape(&limits))
                },
            );
        }
        out.push_str("</tbody></table>");
    }
    if let Some(body) = op.get("requestBody") {
        let body = resolve(doc, body);
        out.push_str("<h4>Request body</h4>");
        if let Some(description) = body.get("description").and_then(Value::as_str) {
            out.push_str(&markdown(description));
        }
        if let Some(content) = body.get("content").and_then(Value::as_object) {
            for (media_type, media) in content {
                let _ = write!(out, "<h5><code>{}</code></h5>", escape(media_type));
                if let Some(schema) = media.get("schema") {
                    fields_table(out, doc, schema);
                }
                if let Some(example) = example_of(doc, media) {
                    let _ = write!(out, "<pre><code>{}</code></pre>", escape(&pretty(&example)));
                }
            }
        }
    }
    out.push_str("<h4>Responses</h4><dl class=\"responses\">");
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        let mut statuses: Vec<(&String, &Value)> = responses.iter().collect();
        statuses.sort_by(|a, b| a.0.cmp(b.0));
        for (status, response) in statuses {
            let response = resolve(doc, response);
            let description = response
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let _ = write!(
                out,
                "<dt class=\"status status-{class}\">{status}</dt><dd>{description}",
                class = escape(&status[..1]),
                status = escape(status),
                description = markdown(description),
            );
            if let Some(headers) = response.get("headers").and_then(Value::as_object) {
                for (name, header) in headers {
                    let text = header
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let _ = write!(
                        out,
                        "<p class=\"header\">Header <code>{}</code>: {}</p>",
                        escape(name),
                        escape(text)
                    );
                }
            }
            if let Some(content) = response.get("content").and_then(Value::as_object) {
                for (media_type, media) in content {
                    let schema = media.get("schema").map(type_name).unwrap_or_default();
                    let _ = write!(
                        out,
                        "<p><code>{}</code>{}</p>",
                        escape(media_type),
                        if schema.is_empty() {
                            String::new()
                        } else {
                            format!(": <code>{}</code>", escape(&schema))
                        }
                    );
                    if let Some(example) = example_of(doc, media) {
                        let _ =
                            write!(out, "<pre><code>{}</code></pre>", escape(&pretty(&example)));
                    }
                }
            }
            out.push_str("</dd>");
        }
    }
    out.push_str("</dl></section>");
}

fn render_schemas(out: &mut String, doc: &Value) {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    out.push_str("<h2 id=\"schemas\">Schemas</h2>");
    for (name, schema) in schemas {
        let _ = write!(
            out,
            "<section class=\"schema\" id=\"schema-{0}\"><h3>{0}</h3>",
            escape(name)
        );
        if let Some(description) = schema.get("description").and_then(Value::as_str) {
            out.push_str(&markdown(description));
        }
        fields_table(out, doc, schema);
        out.push_str("</section>");
    }
}

/// The whole reference page for an OpenAPI document.
pub fn render_page(doc: &Value) -> String {
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} reference</title><link rel=\"stylesheet\" href=\"/api/docs/style.css\"></head><body><header><h1>{title}</h1><p>Version {version}. Machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI {openapi}).</p></header><main>",
        title = escape(title),
        version = escape(
            doc.pointer("/info/version")
                .and_then(Value::as_str)
                .unwrap_or_default()
        ),
        openapi = escape(
            doc.get("openapi")
                .and_then(Value::as_str)
                .unwrap_or_default()
        ),
    );
    if let Some(description) = doc.pointer("/info/description").and_then(Value::as_str) {
        out.push_str(&markdown(description));
    }
    let mut operations: BTreeMap<String, Vec<(String, String, Value)>> = BTreeMap::new();
    let mut tag_order: Vec<String> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let tag = op
                    .pointer("/tags/0")
                    .and_then(Value::as_str)
                    .unwrap_or("other")
                    .to_owned();
                if !tag_order.contains(&tag) {
                    tag_order.push(tag.clone());
                }
                operations.entry(tag).or_default().push((
                    path.clone(),
                    method.to_owned(),
                    op.clone(),
                ));
            }
        }
    }
    out.push_str("<nav><h2>Operations</h2><ul>");
    for tag in &tag_order {
        for (path, method, op) in operations.get(tag).into_iter().flatten() {
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let _ = write!(
                out,
                "<li><a href=\"#{}\"><span class=\"method method-{}\">{}</span> {}</a></li>",
                escape(id),
                escape(method),
                escape(&method.to_ascii_uppercase()),
                escape(path)
            );
        }
    }
    out.push_str("</ul></nav>");
    let tags = doc.get("tags").and_then(Value::as_array);
    for tag in &tag_order {
        let Some(list) = operations.get(tag) else {
            continue;
        };
        let _ = write!(out, "<h2 id=\"tag-{0}\">{0}</h2>", escape(tag));
        if let Some(description) = tags
            .and_then(|t| {
                t.iter()
                    .find(|t| t.get("name").and_then(Value::as_str) == Some(tag))
            })
            .and_then(|t| t.get("description"))
            .and_then(Value::as_str)
        {
            out.push_str(&markdown(description));
        }
        for (path, method, op) in list {
            render_operation(&mut out, doc, path, method, op);
        }
    }
    render_schemas(&mut out, doc);
    out.push_str("</main></body></html>");
    out
}
