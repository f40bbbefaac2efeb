//! `POST /api/v1/tokens/` and `DELETE /api/v1/tokens/`.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, status_and_json};

#[tokio::test]
async fn the_right_password_gets_a_new_key_each_time_and_all_stay_valid() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let first = app.token_for("ada").await;
    let second = app.token_for("ada").await;
    assert_ne!(first, second);
    assert!(first.len() >= 40, "at least 160 bits: {first}");
    for token in [&first, &second] {
        let response = app
            .with_key(Method::GET, "/api/v1/me/", token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_gets_the_originals_message() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    for body in [
        json!({"username": "ada", "password": "wrong password"}),
        json!({"username": "nobody", "password": PASSWORD}),
    ] {
        let (status, errors) = status_and_json(app.post_json("/api/v1/tokens/", &body).await).await;
        assert_eq!(status, 400);
        assert_eq!(
            errors,
            json!({"non_field_errors": ["Unable to log in with provided credentials."]})
        );
    }
}

#[tokio::test]
async fn missing_credentials_are_required_fields() {
    let app = spawn_app().await;
    let (status, errors) =
        status_and_json(app.post_json("/api/v1/tokens/", &json!({})).await).await;
    assert_eq!(status, 400);
    assert_eq!(errors["username"], json!(["This field is required."]));
    assert_eq!(errors["password"], json!(["This field is required."]));
}

#[tokio::test]
async fn deleting_revokes_only_the_key_that_made_the_call() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let revoked = app.token_for("ada").await;
    let kept = app.token_for("ada").await;
    let response = app
        .with_key(Method::DELETE, "/api/v1/tokens/", &revoked)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204);

    let (status, body) = app.call(&revoked, Method::GET, "/api/v1/me/", None).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"detail": "Invalid token."}));
    let response = app
        .with_key(Method::GET, "/api/v1/me/", &kept)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn deleting_without_a_key_is_401() {
    let app = spawn_app().await;
    let response = app
        .api
        .delete(app.url("/api/v1/tokens/"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Token");
}

#[tokio::test]
async fn keys_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let token = app.token_for("ada").await;
    let stored = if crate::helpers::postgres_server().is_some() {
        vec![postgres_rows(&app).await]
    } else {
        let db = std::fs::read(app.data_dir.path().join("aiconvokit.db")).expect("db file");
        let wal = std::fs::read(app.data_dir.path().join("aiconvokit.db-wal")).unwrap_or_default();
        vec![db, wal]
    };
    for bytes in &stored {
        assert!(
            !contains(bytes, token.as_bytes()),
            "the plaintext key is not in the database"
        );
        assert!(
            !contains(bytes, PASSWORD.as_bytes()),
            "the plaintext password is not in the database"
        );
    }
}

/// Every row of the accounts and keys tables, as text.
async fn postgres_rows(app: &crate::helpers::TestApp) -> Vec<u8> {
    let pool = sqlx::PgPool::connect(&app.database_url())
        .await
        .expect("database");
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT row_to_json(u)::text FROM users u UNION ALL SELECT row_to_json(k)::text FROM api_tokens k",
    )
    .fetch_all(&pool)
    .await
    .expect("rows");
    pool.close().await;
    assert!(rows.len() >= 2, "the user and the key are there");
    rows.join("\n").into_bytes()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
