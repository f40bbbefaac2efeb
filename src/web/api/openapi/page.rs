//! The reference page (`GET /api/docs`), rendered on the server from the
//! description: no script and nothing from the internet.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::document;
use crate::state::AppState;

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
