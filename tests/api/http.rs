//! What holds for every API path: slashes, DRF-shaped errors, request ids,
//! and no secret in any answer.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with, status_and_json};

#[tokio::test]
async fn paths_work_with_and_without_the_trailing_slash() {
    let app = spawn_app().await;
    for (path, username) in [("/api/v1/users/", "slash"), ("/api/v1/users", "noslash")] {
        let response = app
            .post_json(path, &json!({"username": username, "email": format!("{username}@example.com"), "password": PASSWORD}))
            .await;
        assert_eq!(response.status(), 201, "{path}");
    }
    for path in ["/api/v1/tokens/", "/api/v1/tokens"] {
        let response = app
            .post_json(path, &json!({"username": "slash", "password": PASSWORD}))
            .await;
        assert_eq!(response.status(), 200, "{path}");
    }
    let token = app.token_for("slash").await;
    for path in ["/api/v1/me/", "/api/v1/me"] {
        let response = app
            .with_key(Method::GET, path, &token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers().get("location").is_none(), "no redirect");
    }
}

#[tokio::test]
async fn malformed_json_is_400_in_the_error_shape() {
    let app = spawn_app().await;
    let response = app
        .api
        .post(app.url("/api/v1/users/"))
        .header("Content-Type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("JSON parse error")),
        "{body}"
    );
}

#[tokio::test]
async fn a_json_body_that_is_not_an_object_is_400() {
    let app = spawn_app().await;
    let (status, body) =
        status_and_json(app.post_json("/api/v1/users/", &json!(["ada"])).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"non_field_errors": ["Invalid data. Expected a dictionary."]})
    );
}

#[tokio::test]
async fn a_wrong_content_type_is_415_in_the_error_shape() {
    let app = spawn_app().await;
    let response = app
        .api
        .post(app.url("/api/v1/users/"))
        .header("Content-Type", "text/plain")
        .body("username=ada")
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 415);
    assert_eq!(
        body,
        json!({"detail": "Unsupported media type \"text/plain\" in request."})
    );
}

#[tokio::test]
async fn an_oversized_body_is_413_in_the_error_shape() {
    let app = spawn_app_with(|config| config.max_body_mb = 1).await;
    let huge = json!({"username": "ada", "email": "ada@example.com", "password": "x".repeat(2 * 1024 * 1024)});
    let (status, body) = status_and_json(app.post_json("/api/v1/users/", &huge).await).await;
    assert_eq!(status, 413);
    assert_eq!(body, json!({"detail": "Request body is too large."}));
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_as_json() {
    let app = spawn_app().await;
    let (status, body) = status_and_json(
        app.api
            .get(app.url("/api/v1/nothing-here/"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"detail": "Not found."}));

    let (status, body) = status_and_json(
        app.api
            .get(app.url("/api/v1/users/"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status, 405);
    assert_eq!(body, json!({"detail": "Method \"GET\" not allowed."}));

    let (status, body) = status_and_json(
        app.api
            .put(app.url("/api/v1/me"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status, 405);
    assert_eq!(body, json!({"detail": "Method \"PUT\" not allowed."}));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    for path in ["/api/v1/me/", "/api/v1/nothing/", "/"] {
        let response = app.api.get(app.url(path)).send().await.expect("request");
        let id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert_eq!(id.len(), 36, "{path}: a UUID request id, got {id:?}");
    }
}

#[tokio::test]
async fn no_answer_ever_carries_the_password_or_its_hash() {
    let app = spawn_app().await;
    let sign_up = app
        .post_json(
            "/api/v1/users/",
            &json!({"username": "ada", "email": "ada@example.com", "password": PASSWORD}),
        )
        .await
        .text()
        .await
        .expect("body");
    let token = app.token_for("ada").await;
    let me = app
        .with_key(Method::GET, "/api/v1/me/", &token)
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let duplicate = app
        .post_json(
            "/api/v1/users/",
            &json!({"username": "ada", "email": "ada@example.com", "password": PASSWORD}),
        )
        .await
        .text()
        .await
        .expect("body");
    let wrong = app
        .post_json(
            "/api/v1/tokens/",
            &json!({"username": "ada", "password": "not the password"}),
        )
        .await
        .text()
        .await
        .expect("body");
    for body in [sign_up, me, duplicate, wrong] {
        assert!(!body.contains(PASSWORD), "{body}");
        assert!(!body.contains("not the password"), "{body}");
        assert!(!body.contains("argon2"), "{body}");
        assert!(!body.contains("password_hash"), "{body}");
    }
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_ask() {
    let app = spawn_app().await;
    let response = app
        .api
        .get(app.url("/"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn unknown_pages_are_404_with_a_friendly_page() {
    let app = spawn_app().await;
    let response = app
        .api
        .get(app.url("/no/such/page"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Page not found")
    );
}
