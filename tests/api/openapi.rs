//! `GET /api/v1/openapi.json` describes every route of `/api/v1` and of the
//! OpenAI-compatible `/v1`, and `/api/docs` shows it to people.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

/// Every operation of the `/api/v1` router (`src/web/api/v1/mod.rs`) and of
/// `/v1` (`src/web/openai/mod.rs`), as the description must list it:
/// method, path (with its trailing slash under `/api/v1`), and whether it
/// needs a key.
const OPERATIONS: [(&str, &str, bool); 43] = [
    ("post", "/api/v1/users/", false),
    ("post", "/api/v1/tokens/", false),
    ("delete", "/api/v1/tokens/", true),
    ("get", "/api/v1/me/", true),
    ("get", "/api/v1/assistants/", true),
    ("post", "/api/v1/assistants/", true),
    ("get", "/api/v1/assistants/{id}/", true),
    ("put", "/api/v1/assistants/{id}/", true),
    ("patch", "/api/v1/assistants/{id}/", true),
    ("delete", "/api/v1/assistants/{id}/", true),
    ("get", "/api/v1/assistants/{id}/documents/", true),
    ("post", "/api/v1/assistants/{id}/documents/", true),
    ("get", "/api/v1/assistants/{id}/documents/{doc_id}/", true),
    ("patch", "/api/v1/assistants/{id}/documents/{doc_id}/", true),
    (
        "delete",
        "/api/v1/assistants/{id}/documents/{doc_id}/",
        true,
    ),
    ("get", "/api/v1/assistants/{id}/search/", true),
    ("get", "/api/v1/assistants/{id}/sources/", true),
    ("post", "/api/v1/assistants/{id}/sources/", true),
    ("get", "/api/v1/assistants/{id}/sources/{source_id}/", true),
    (
        "delete",
        "/api/v1/assistants/{id}/sources/{source_id}/",
        true,
    ),
    (
        "post",
        "/api/v1/assistants/{id}/sources/{source_id}/sync/",
        true,
    ),
    ("get", "/api/v1/assistants/{id}/export/", true),
    ("get", "/api/v1/assistants/{id}/analytics/", true),
    ("get", "/api/v1/assistants/{id}/evaluation/questions/", true),
    (
        "post",
        "/api/v1/assistants/{id}/evaluation/questions/",
        true,
    ),
    (
        "get",
        "/api/v1/assistants/{id}/evaluation/questions/csv/",
        true,
    ),
    (
        "post",
        "/api/v1/assistants/{id}/evaluation/questions/csv/",
        true,
    ),
    (
        "get",
        "/api/v1/assistants/{id}/evaluation/questions/{question_id}/",
        true,
    ),
    (
        "put",
        "/api/v1/assistants/{id}/evaluation/questions/{question_id}/",
        true,
    ),
    (
        "delete",
        "/api/v1/assistants/{id}/evaluation/questions/{question_id}/",
        true,
    ),
    ("get", "/api/v1/assistants/{id}/evaluation/runs/", true),
    ("post", "/api/v1/assistants/{id}/evaluation/runs/", true),
    (
        "get",
        "/api/v1/assistants/{id}/evaluation/runs/{run_id}/",
        true,
    ),
    ("get", "/api/v1/chat/", true),
    ("post", "/api/v1/chat/", true),
    ("get", "/api/v1/chat/{id}/", true),
    ("put", "/api/v1/chat/{id}/", true),
    ("delete", "/api/v1/chat/{id}/", true),
    (
        "post",
        "/api/v1/chat/{id}/messages/{message_id}/feedback/",
        true,
    ),
    (
        "delete",
        "/api/v1/chat/{id}/messages/{message_id}/feedback/",
        true,
    ),
    ("get", "/v1/models", true),
    ("get", "/v1/models/{id}", true),
    ("post", "/v1/chat/completions", true),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn description(app: &TestApp) -> Value {
    let response = app
        .api
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "no key is needed");
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    );
    response.json().await.expect("json")
}

/// The response of an operation for a status, with `$ref`s followed.
fn response<'a>(doc: &'a Value, operation: &'a Value, status: &str) -> Option<&'a Value> {
    let response = operation.pointer(&format!("/responses/{status}"))?;
    match response.get("$ref").and_then(Value::as_str) {
        Some(reference) => doc.pointer(reference.trim_start_matches('#')),
        None => Some(response),
    }
}

#[tokio::test]
async fn the_description_is_openapi_3_1_and_lists_every_route_of_the_router() {
    let app = spawn_app().await;
    let doc = description(&app).await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string());
    assert!(doc["info"]["version"].is_string());

    let mut described = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                described.push((method.to_owned(), path.clone()));
            }
        }
    }
    let mut expected: Vec<(String, String)> = OPERATIONS
        .iter()
        .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    described.sort();
    expected.sort();
    assert_eq!(described, expected);

    // Each described path is served, with and without its trailing slash:
    // an unknown one would be a 404 from the router's fallback, a
    // known one without a key a 401 (or 400/201 for the open ones).
    for (method, path, _) in OPERATIONS {
        let concrete = path
            .replace("{id}", "1")
            .replace("{doc_id}", "1")
            .replace("{source_id}", "1")
            .replace("{message_id}", "1");
        for url in [concrete.clone(), concrete.trim_end_matches('/').to_owned()] {
            let request = app.api.request(
                method.to_uppercase().parse().expect("method"),
                app.url(&url),
            );
            let status = request.send().await.expect("request").status().as_u16();
            assert!(
                status != 404 && status != 405,
                "{method} {url}: {status}, the route is not served"
            );
        }
    }
}

#[tokio::test]
async fn every_operation_documents_its_errors_with_examples_and_schemas() {
    let app = spawn_app().await;
    let doc = description(&app).await;
    let scheme = &doc["components"]["securitySchemes"]["token"];
    assert_eq!(scheme["type"], "apiKey", "{scheme}");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "Authorization");
    assert!(
        scheme["description"]
            .as_str()
            .is_some_and(|d| d.contains("Bearer")),
        "{scheme}"
    );

    for (method, path, secured) in OPERATIONS {
        let operation = &doc["paths"][path][method];
        let name = format!("{method} {path}");
        assert!(operation["operationId"].is_string(), "{name}");
        assert!(operation["summary"].is_string(), "{name}: no summary");
        let security = operation["security"].as_array();
        if secured {
            let scheme = if path.starts_with("/v1/") {
                "bearer"
            } else {
                "token"
            };
            assert!(
                security.is_some_and(|s| s.iter().any(|r| r.get(scheme).is_some())),
                "{name}: no {scheme} security"
            );
            let unauthorized =
                response(&doc, operation, "401").unwrap_or_else(|| panic!("{name}: no 401"));
            assert!(
                unauthorized.pointer("/headers/WWW-Authenticate").is_some(),
                "{name}: 401 without WWW-Authenticate"
            );
        } else {
            // No requirement, or an empty one among them: a key is optional.
            assert!(
                security
                    .is_none_or(|s| s.is_empty() || s.iter().any(|r| r == &serde_json::json!({}))),
                "{name}: needs no key"
            );
        }
        let throttled =
            response(&doc, operation, "429").unwrap_or_else(|| panic!("{name}: no 429"));
        assert!(
            throttled.pointer("/headers/Retry-After").is_some(),
            "{name}: 429 without Retry-After"
        );
        assert!(response(&doc, operation, "500").is_some(), "{name}: no 500");
        if path.contains('{') {
            assert!(response(&doc, operation, "404").is_some(), "{name}: no 404");
        }
        if operation.get("requestBody").is_some() {
            assert!(response(&doc, operation, "400").is_some(), "{name}: no 400");
            assert!(response(&doc, operation, "413").is_some(), "{name}: no 413");
            if !path.starts_with("/v1/") {
                // `/v1` reads every body as JSON, whatever it is labelled.
                assert!(response(&doc, operation, "415").is_some(), "{name}: no 415");
            }
        }
        let success = operation["responses"]
            .as_object()
            .expect("responses")
            .keys()
            .any(|status| status.starts_with('2'));
        assert!(success, "{name}: no success response");
    }

    // Multipart beside JSON where files are taken, and a 503 with
    // Retry-After for a file store that cannot take them; the chat answers
    // 502/503.
    for (method, path) in [
        ("post", "/api/v1/assistants/"),
        ("put", "/api/v1/assistants/{id}/"),
        ("patch", "/api/v1/assistants/{id}/"),
    ] {
        let operation = &doc["paths"][path][method];
        let content = &operation["requestBody"]["content"];
        assert!(content.get("application/json").is_some(), "{method} {path}");
        assert!(
            content.get("multipart/form-data").is_some(),
            "{method} {path}"
        );
        let unavailable =
            response(&doc, operation, "503").unwrap_or_else(|| panic!("{method} {path}: no 503"));
        assert!(unavailable.pointer("/headers/Retry-After").is_some());
    }
    let upload = &doc["paths"]["/api/v1/assistants/{id}/documents/"]["post"];
    assert!(
        upload
            .pointer("/requestBody/content/multipart~1form-data")
            .is_some()
    );
    assert!(response(&doc, upload, "503").is_some());
    let list = &doc["paths"]["/api/v1/assistants/"]["get"];
    assert!(
        response(&doc, list, "503").is_none(),
        "only where files are taken"
    );
    let ask = &doc["paths"]["/api/v1/chat/{id}/"]["put"];
    assert!(response(&doc, ask, "502").is_some());
    assert!(response(&doc, ask, "503").is_some());

    // The bodies are described, with examples.
    let schemas = &doc["components"]["schemas"];
    for name in ["AssistantView", "DocumentView", "UserView", "ChatReply"] {
        assert!(schemas[name]["properties"].is_object(), "{name}");
        assert!(schemas[name]["example"].is_object(), "{name}: no example");
    }
    assert_eq!(
        schemas["ValidationErrors"]["additionalProperties"]["type"],
        "array"
    );
}

#[tokio::test]
async fn the_reference_page_lists_every_operation_without_scripts() {
    let app = spawn_app().await;
    let response = app
        .api
        .get(app.url("/api/docs"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
    );
    let page = response.text().await.expect("body");
    let doc = description(&app).await;
    for (method, path, _) in OPERATIONS {
        let id = doc["paths"][path][method]["operationId"]
            .as_str()
            .expect("operationId");
        let heading = format!(
            "<span class=\"method method-{method}\">{}</span> <code class=\"path\">{path}</code>",
            method.to_uppercase()
        );
        assert!(
            page.contains(&heading),
            "{method} {path} is not on the page"
        );
        assert!(page.contains(&format!("id=\"{id}\"")), "{id} has no anchor");
    }
    // Statuses, fields and examples are shown.
    for text in [
        "429",
        "Retry-After",
        "WWW-Authenticate",
        "company_name",
        "&quot;openai_id&quot;",
    ] {
        assert!(page.contains(text), "{text} is not on the page");
    }
    assert!(!page.contains("<script"), "the page needs no script");
    assert!(
        !page.contains("https://"),
        "the page loads nothing from the internet"
    );

    let css = app
        .api
        .get(app.url("/api/docs/style.css"))
        .send()
        .await
        .expect("request");
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/css"))
    );
}

/// Every `pattern` in the description, in document order.
fn patterns(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(pattern) = object.get("pattern").and_then(Value::as_str) {
                found.push(pattern.to_owned());
            }
            object.values().for_each(|v| patterns(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| patterns(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn text_that_may_not_be_blank_says_so_with_one_pattern() {
    const NOT_BLANK: &str = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$";
    let app = spawn_app().await;
    let doc = description(&app).await;
    let mut found = Vec::new();
    patterns(&doc, &mut found);
    assert!(
        !found.iter().any(|p| p == "NOT_BLANK"),
        "a placeholder was left in the description"
    );
    let not_blank = found.iter().filter(|p| *p == NOT_BLANK).count();
    assert!(
        not_blank >= 20,
        "{not_blank} fields say they may not be blank"
    );
    for pointer in [
        "/components/schemas/NewAssistant/properties/name/pattern",
        "/components/schemas/Question/properties/input/pattern",
    ] {
        assert_eq!(
            doc.pointer(pointer),
            Some(&Value::from(NOT_BLANK)),
            "{pointer}"
        );
    }
    let search = doc
        .pointer("/paths/~1api~1v1~1assistants~1{id}~1search~1/get/parameters")
        .and_then(Value::as_array)
        .expect("the search's parameters");
    let q = search
        .iter()
        .find(|p| p["name"] == "q")
        .expect("the q parameter");
    assert_eq!(q.pointer("/schema/pattern"), Some(&Value::from(NOT_BLANK)));
}

#[tokio::test]
async fn the_openai_compatible_operations_are_described_in_openais_error_shape() {
    let app = spawn_app().await;
    let doc = description(&app).await;
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (bearer["type"].as_str(), bearer["scheme"].as_str()),
        (Some("http"), Some("bearer"))
    );
    for (method, path) in [
        ("get", "/v1/models"),
        ("get", "/v1/models/{id}"),
        ("post", "/v1/chat/completions"),
    ] {
        let operation = &doc["paths"][path][method];
        assert_eq!(operation["tags"][0], "openai", "{path}");
        for status in ["401", "429", "500"] {
            let answer =
                response(&doc, operation, status).unwrap_or_else(|| panic!("{path}: no {status}"));
            assert_eq!(
                answer["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/OpenAiErrorBody",
                "{method} {path} {status}"
            );
        }
    }
    let completion = &doc["paths"]["/v1/chat/completions"]["post"];
    let body = &completion["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(body, "#/components/schemas/CompletionRequest");
    let request = &doc["components"]["schemas"]["CompletionRequest"];
    for field in [
        "model",
        "messages",
        "stream",
        "temperature",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "store",
    ] {
        assert!(
            request["properties"].get(field).is_some(),
            "CompletionRequest has no {field}"
        );
    }
    let answer = &doc["components"]["schemas"]["Completion"];
    assert!(answer["properties"].get("sources").is_some());
    let page = app
        .api
        .get(app.url("/api/docs"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("page");
    assert!(page.contains("/v1/chat/completions"), "the page shows /v1");
}
