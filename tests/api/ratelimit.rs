//! Rate limits: the API per key (and per address), log-in and sign-up per
//! address and username; 429 with `Retry-After` in the caller's shape.

use std::num::NonZeroU32;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app_with, status_and_json};

fn quota(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).expect("not zero")
}

#[tokio::test]
async fn each_api_key_gets_its_own_allowance_then_429_with_retry_after() {
    let app = spawn_app_with(|config| config.api_rate_per_key = quota(3)).await;
    let (_, ada) = app.user_with_token("ada").await;
    let (_, bob) = app.user_with_token("bob").await;
    for _ in 0..3 {
        let response = app
            .with_key(Method::GET, "/api/v1/me/", &ada)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
    }
    let response = app
        .with_key(Method::GET, "/api/v1/me/", &ada)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    let (_, body) = status_and_json(response).await;
    assert_eq!(
        body,
        json!({ "detail": format!("Request was throttled. Expected available in {retry_after} seconds.") })
    );
    // The same key sent as Bearer is the same key; another key is not limited.
    let response = app
        .with_key(Method::GET, "/api/v1/me/", &bob)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_address_is_limited_whatever_keys_it_uses() {
    let app = spawn_app_with(|config| config.api_rate_per_address = quota(4)).await;
    let mut statuses = Vec::new();
    for n in 0..6 {
        let response = app
            .with_key(Method::GET, "/api/v1/me/", &format!("made-up-{n}"))
            .send()
            .await
            .expect("request");
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429]);
}

async fn guess(app: &TestApp, username: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/tokens/",
        &json!({ "username": username, "password": "wrong password" }),
    )
    .await
}

#[tokio::test]
async fn password_guessing_is_slowed_per_username_on_the_api_and_the_log_in_form() {
    let app = spawn_app_with(|config| config.login_attempts_per_hour = quota(4)).await;
    // Signing up is one attempt of the four.
    app.create_user("ada").await;
    for _ in 0..3 {
        assert_eq!(guess(&app, "ada").await.status(), 400);
    }
    let response = guess(&app, "ADA").await;
    assert_eq!(
        response.status(),
        429,
        "usernames match whatever their case"
    );
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 60, "{retry_after}");
    // Even the right password waits: that is the point.
    let response = app
        .post_json(
            "/api/v1/tokens/",
            &json!({ "username": "ada", "password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), 429);
    // Other usernames are not affected.
    assert_eq!(guess(&app, "bob").await.status(), 400);

    // The dashboard's log-in form gets a message it shows.
    let response = app
        .browser()
        .post(app.url("/fn/log_in"))
        .header("Accept", "application/json")
        .form(&[("username", "ada"), ("password", PASSWORD), ("next", "")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body = response.text().await.expect("body");
    assert!(body.contains("Too many attempts"), "{body}");
    assert!(body.contains("non_field_errors"), "{body}");

    // Sign-up through the API counts too.
    for n in 0..4 {
        let response = app
            .post_json(
                "/api/v1/users/",
                &json!({ "username": "carol", "email": format!("c{n}@"), "password": "x" }),
            )
            .await;
        assert_eq!(response.status(), 400);
    }
    let response = app
        .post_json(
            "/api/v1/users/",
            &json!({ "username": "carol", "email": "carol@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), 429);
}
