//! `GET /api/v1/me/` and token authentication in all its forms.

use serde_json::json;

use crate::helpers::{spawn_app, status_and_json};

#[tokio::test]
async fn token_and_bearer_schemes_both_identify_the_caller() {
    let app = spawn_app().await;
    let (user, token) = app.user_with_token("ada").await;
    for header in [
        format!("Token {token}"),
        format!("Bearer {token}"),
        format!("token {token}"),
    ] {
        let (status, body) = status_and_json(app.get_with_auth("/api/v1/me/", &header).await).await;
        assert_eq!(status, 200, "{header}");
        assert_eq!(
            body,
            json!({"id": user["id"], "username": "ada", "email": "ada@example.com"})
        );
    }
}

#[tokio::test]
async fn no_credentials_is_401_with_www_authenticate() {
    let app = spawn_app().await;
    let response = app
        .api
        .get(app.url("/api/v1/me/"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["www-authenticate"], "Token");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"detail": "Authentication credentials were not provided."})
    );
}

#[tokio::test]
async fn garbled_or_unknown_credentials_are_refused_never_anonymous() {
    let app = spawn_app().await;
    app.user_with_token("ada").await;
    let cases = [
        ("Token", "Invalid token header. No credentials provided."),
        (
            "Token two parts",
            "Invalid token header. Token string should not contain spaces.",
        ),
        ("Token ack_notarealkey", "Invalid token."),
        (
            "Bearer ' OR 1=1 --",
            "Invalid token header. Token string should not contain spaces.",
        ),
        (
            "Basic YWRhOnBhc3N3b3Jk",
            "Authentication credentials were not provided.",
        ),
    ];
    for (header, detail) in cases {
        let response = app.get_with_auth("/api/v1/me/", header).await;
        assert_eq!(response.headers()["www-authenticate"], "Token", "{header}");
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, 401, "{header}");
        assert_eq!(body, json!({"detail": detail}), "{header}");
    }
}

#[tokio::test]
async fn a_session_cookie_is_not_api_authentication() {
    let app = spawn_app().await;
    let response = app
        .api
        .get(app.url("/api/v1/me/"))
        .header("Cookie", "aiconvokit_session=forged")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
}
