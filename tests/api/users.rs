//! `POST /api/v1/users/`.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, spawn_app, status_and_json};

#[tokio::test]
async fn sign_up_answers_201_with_id_username_and_email_only() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/api/v1/users/",
            &json!({"username": "ada", "email": "ada@example.com", "password": PASSWORD}),
        )
        .await;
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 201);
    assert!(body["id"].as_i64().is_some_and(|id| id > 0));
    assert_eq!(body["username"], "ada");
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(3),
        "nothing else, never the password: {body}"
    );
}

#[tokio::test]
async fn sign_up_accepts_a_form_encoded_body_as_the_original_did() {
    let app = spawn_app().await;
    let response = app
        .api
        .post(app.url("/api/v1/users/"))
        .form(&[
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["username"], "bob");
}

async fn sign_up_errors(body: Value) -> Value {
    let app = spawn_app().await;
    let (status, errors) = status_and_json(app.post_json("/api/v1/users/", &body).await).await;
    assert_eq!(status, 400, "{errors}");
    errors
}

#[tokio::test]
async fn every_missing_field_is_required() {
    let errors = sign_up_errors(json!({})).await;
    for field in ["username", "email", "password"] {
        assert_eq!(
            errors[field],
            json!(["This field is required."]),
            "{field}: {errors}"
        );
    }
}

#[tokio::test]
async fn blank_fields_are_refused() {
    let errors = sign_up_errors(json!({"username": "  ", "email": "", "password": ""})).await;
    for field in ["username", "email", "password"] {
        assert_eq!(
            errors[field],
            json!(["This field may not be blank."]),
            "{field}: {errors}"
        );
    }
}

#[tokio::test]
async fn a_username_longer_than_150_characters_is_refused() {
    let errors = sign_up_errors(
        json!({"username": "a".repeat(151), "email": "a@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        errors["username"],
        json!(["Ensure this field has no more than 150 characters."])
    );
    assert!(errors.get("email").is_none());
}

#[tokio::test]
async fn a_username_of_150_characters_is_fine() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/api/v1/users/",
            &json!({"username": "a".repeat(150), "email": "a@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn usernames_outside_letters_digits_and_symbols_are_refused() {
    for hostile in [
        "ada lovelace",
        "<script>alert(1)</script>",
        "'; DROP TABLE users;--",
        "zoë",
    ] {
        let errors = sign_up_errors(
            json!({"username": hostile, "email": "x@example.com", "password": PASSWORD}),
        )
        .await;
        assert_eq!(
            errors["username"],
            json!([
                "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
            ]),
            "{hostile:?}"
        );
    }
}

#[tokio::test]
async fn an_invalid_email_is_refused() {
    for bad in [
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@@example.com",
    ] {
        let errors =
            sign_up_errors(json!({"username": "ada", "email": bad, "password": PASSWORD})).await;
        assert_eq!(
            errors["email"],
            json!(["Enter a valid email address."]),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn a_short_or_huge_password_is_refused() {
    let errors = sign_up_errors(
        json!({"username": "ada", "email": "ada@example.com", "password": "1234567"}),
    )
    .await;
    assert_eq!(
        errors["password"],
        json!(["This password is too short. It must contain at least 8 characters."])
    );
    let errors = sign_up_errors(
        json!({"username": "ada", "email": "ada@example.com", "password": "x".repeat(5000)}),
    )
    .await;
    assert_eq!(
        errors["password"],
        json!(["Ensure this field has no more than 1024 characters."])
    );
}

#[tokio::test]
async fn values_of_the_wrong_type_are_refused_per_field() {
    let errors =
        sign_up_errors(json!({"username": null, "email": ["a@example.com"], "password": {"x": 1}}))
            .await;
    assert_eq!(errors["username"], json!(["This field may not be null."]));
    assert_eq!(errors["email"], json!(["Not a valid string."]));
    assert_eq!(errors["password"], json!(["Not a valid string."]));
}

#[tokio::test]
async fn a_taken_username_or_email_is_refused_without_regard_to_case() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let (status, errors) = status_and_json(
        app.post_json(
            "/api/v1/users/",
            &json!({"username": "ADA", "email": "other@example.com", "password": PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors["username"],
        json!(["A user with that username already exists."])
    );
    assert!(errors.get("email").is_none());

    let (status, errors) = status_and_json(
        app.post_json(
            "/api/v1/users/",
            &json!({"username": "grace", "email": "Ada@Example.com", "password": PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors["email"],
        json!(["A user with that email address already exists."])
    );
}

#[tokio::test]
async fn concurrent_sign_ups_of_one_name_make_exactly_one_account() {
    let app = spawn_app().await;
    let bodies: Vec<_> = (0..8)
        .map(|i| json!({"username": "race", "email": format!("race{i}@example.com"), "password": PASSWORD}))
        .collect();
    let attempts = bodies
        .iter()
        .map(|body| app.post_json("/api/v1/users/", body));
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 400),
        "no 500 under contention: {statuses:?}"
    );
}

#[tokio::test]
async fn null_characters_are_refused_as_drf_does() {
    let errors = sign_up_errors(
        json!({"username": "ada\u{0}", "email": "x@example.com", "password": "pass\u{0}word1"}),
    )
    .await;
    assert_eq!(
        errors["username"],
        json!(["Null characters are not allowed."])
    );
    assert_eq!(
        errors["password"],
        json!(["Null characters are not allowed."])
    );
}
