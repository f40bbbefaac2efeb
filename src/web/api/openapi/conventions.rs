//! What every operation shares, added once to the generated description:
//! the `token` security scheme, the responses of the layers around the
//! handlers (401 where a key is needed, 404 where the path names an
//! object, 413 and 415 where there is a body, 429 and 500 everywhere), and
//! the fixes the derive cannot express.

use serde_json::{Value, json};
use utoipa::Modify;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, ObjectBuilder, RefOr, ResponseBuilder, Type};

/// A text that may not be blank: at least one character that is not a
/// space (as Rust's `trim` counts them), and no NUL.
pub const NOT_BLANK: &str = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$";

/// Every string schema that says `pattern: NOT_BLANK` gets [`NOT_BLANK`].
pub fn spell_out_not_blank(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object.get("pattern") == Some(&json!("NOT_BLANK")) {
                object.insert("pattern".to_owned(), json!(NOT_BLANK));
            }
            object.values_mut().for_each(spell_out_not_blank);
        }
        Value::Array(items) => items.iter_mut().for_each(spell_out_not_blank),
        _ => {}
    }
}

/// Adds the security schemes and the responses every operation shares.
pub struct Conventions;

/// Points each status an operation does not document itself to the shared
/// response of that name.
fn add_shared(operation: &mut Operation, shared: &[(&str, &str)]) {
    for (status, name) in shared {
        operation
            .responses
            .responses
            .entry((*status).to_owned())
            .or_insert_with(|| {
                RefOr::Ref(utoipa::openapi::Ref::new(format!(
                    "#/components/responses/{name}"
                )))
            });
    }
}

/// The responses every `/v1` operation shares, in OpenAI's error shape
/// (each documents its own 401, 403 and 404).
fn add_openai_responses(item: &mut utoipa::openapi::PathItem) {
    for (_, operation) in operations(item) {
        let mut shared = vec![
            ("429", "OpenAiTooManyRequests"),
            ("500", "OpenAiServerError"),
        ];
        if operation.request_body.is_some() {
            shared.push(("413", "OpenAiPayloadTooLarge"));
        }
        add_shared(operation, &shared);
    }
}

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

fn openai_response(
    description: &str,
    kind: &str,
    message: &str,
    code: Option<&str>,
) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                "OpenAiErrorBody",
            ))))
            .example(Some(
                json!({"error": {"message": message, "type": kind, "param": null, "code": code}}),
            ))
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
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Bearer <key>`: the same keys as `/api/v1`, as OpenAI clients send them.",
                    ))
                    .build(),
            ),
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
                "Forbidden",
                detail_response(
                    "The key's scope (`chat` or `read`) does not allow this, or the key may not \
                     reach this assistant.",
                    "This API key's scope (read) does not allow this. Use a key with a wider scope.",
                ),
            ),
            (
                "OpenAiPayloadTooLarge",
                openai_response(
                    "The body is over the server's limit.",
                    "invalid_request_error",
                    "Request body is too large.",
                    None,
                ),
            ),
            (
                "OpenAiTooManyRequests",
                openai_response(
                    "Too many requests: wait for `Retry-After` seconds.",
                    "requests",
                    "Rate limit reached. Please try again in 30 seconds.",
                    Some("rate_limit_exceeded"),
                )
                .header(
                    "Retry-After",
                    header("Seconds to wait before trying again.", true),
                ),
            ),
            (
                "OpenAiServerError",
                openai_response(
                    "The server failed; the cause is logged under the response's `X-Request-Id`.",
                    "server_error",
                    "A server error occurred.",
                    None,
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
            if path.starts_with("/v1/") {
                add_openai_responses(item);
                continue;
            }
            let names_object = path.contains('{');
            for (is_patch, operation) in operations(item) {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = operation.request_body.is_some();
                let takes_files = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("multipart/form-data"));
                // `PATCH` with no body changes nothing, and answers as `GET`;
                // a key made with a key needs no body (it is as wide as the
                // calling key).
                let body_optional =
                    is_patch || operation.operation_id.as_deref() == Some("create_token");
                if let Some(body) = operation.request_body.as_mut().filter(|_| body_optional) {
                    body.required = Some(utoipa::openapi::Required::False);
                }
                let mut shared = Vec::new();
                if secured {
                    shared.push(("401", "Unauthorized"));
                    shared.push(("403", "Forbidden"));
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
                add_shared(operation, &shared);
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

/// The request bodies' text fields take numbers as their text, as DRF's
/// `CharField` does (not booleans, objects, arrays or `null`).
pub fn text_fields_take_numbers(document: &mut Value) {
    const BODIES: [&str; 10] = [
        "SignUp",
        "LogIn",
        "KeyFromKey",
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
pub fn camel_case_links(document: &mut Value) {
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
