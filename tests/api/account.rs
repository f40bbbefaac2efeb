//! Changing the password and deleting the account from the account page,
//! posted as a browser without JavaScript posts them (Playwright covers the
//! same with JavaScript).

use reqwest::{Client, Method, Response};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, location, post_form, sign_up, spawn_app};

const NEW_PASSWORD: &str = "a much longer passphrase";

async fn post_from_account(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> Response {
    post_form(app, client, path, "/account", fields).await
}

/// The page a form post was sent back to, as the browser then shows it.
async fn page_after(app: &TestApp, client: &Client, response: &Response) -> String {
    let back = location(response);
    let path = back.trim_start_matches(&app.address);
    let response = client.get(app.url(path)).send().await.expect("request");
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("body")
}

async fn status_of(app: &TestApp, client: &Client, path: &str) -> u16 {
    client
        .get(app.url(path))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

async fn log_in(app: &TestApp, client: &Client, username: &str, password: &str) -> Response {
    let fields = [("username", username), ("password", password), ("next", "")];
    post_form(app, client, "/fn/log_in", "/login", &fields).await
}

async fn token_status(app: &TestApp, username: &str, password: &str) -> u16 {
    app.post_json(
        "/api/v1/tokens/",
        &json!({"username": username, "password": password}),
    )
    .await
    .status()
    .as_u16()
}

fn change(
    current: &'static str,
    new: &'static str,
    confirm: &'static str,
) -> [(&'static str, &'static str); 3] {
    [
        ("current_password", current),
        ("new_password", new),
        ("new_password_confirm", confirm),
    ]
}

#[tokio::test]
async fn a_password_change_signs_out_other_sessions_and_keeps_this_one_and_api_keys() {
    let app = spawn_app().await;
    let here = app.browser();
    sign_up(&app, &here, "ada").await;
    let elsewhere = app.browser();
    log_in(&app, &elsewhere, "ada", PASSWORD).await;
    assert_eq!(status_of(&app, &elsewhere, "/account").await, 200);
    let token = app.token_for("ada").await;

    for (fields, message) in [
        (
            change("not my password", NEW_PASSWORD, NEW_PASSWORD),
            "Your current password is not correct.",
        ),
        (
            change("", NEW_PASSWORD, NEW_PASSWORD),
            "This field may not be blank.",
        ),
        (
            change(PASSWORD, "short", "short"),
            "This password is too short. It must contain at least 8 characters.",
        ),
        (
            change(PASSWORD, NEW_PASSWORD, "a much longer passphrasE"),
            "The two passwords do not match.",
        ),
        (
            change(PASSWORD, PASSWORD, PASSWORD),
            "The new password must differ from the current one.",
        ),
    ] {
        let response = post_from_account(&app, &here, "/fn/change_password", &fields).await;
        assert_eq!(response.status(), 302, "{fields:?}");
        let html = page_after(&app, &here, &response).await;
        assert!(html.contains(message), "{fields:?} shows {message}");
        assert!(
            !html.contains("not my password") && !html.contains(NEW_PASSWORD),
            "passwords are never echoed"
        );
    }
    assert_eq!(
        token_status(&app, "ada", PASSWORD).await,
        200,
        "refused changes change nothing"
    );
    assert_eq!(status_of(&app, &elsewhere, "/account").await, 200);

    let response = post_from_account(
        &app,
        &here,
        "/fn/change_password",
        &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD),
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        status_of(&app, &here, "/account").await,
        200,
        "this browser stays signed in"
    );
    assert_eq!(
        status_of(&app, &elsewhere, "/account").await,
        303,
        "the other browser is signed out"
    );
    let me = app
        .with_key(Method::GET, "/api/v1/me/", &token)
        .send()
        .await
        .expect("request");
    assert_eq!(me.status(), 200, "API keys keep working");
    assert_eq!(token_status(&app, "ada", PASSWORD).await, 400);
    assert_eq!(token_status(&app, "ada", NEW_PASSWORD).await, 200);
    let again = app.browser();
    let response = log_in(&app, &again, "ada", NEW_PASSWORD).await;
    assert_eq!(
        location(&response).rsplit_once('/').map(|(_, p)| p),
        Some("dashboard")
    );
}

#[tokio::test]
async fn signed_out_callers_cannot_change_a_password_or_delete_an_account() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let anonymous = app.browser();
    for (path, fields) in [
        (
            "/fn/change_password",
            change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD).to_vec(),
        ),
        ("/fn/delete_account", vec![("password", PASSWORD)]),
    ] {
        let response = anonymous
            .post(app.url(path))
            .form(&fields)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401, "{path}");
    }
    assert_eq!(token_status(&app, "ada", PASSWORD).await, 200);
}

fn stored_files(app: &TestApp) -> usize {
    walk(&app.data_dir.path().join("files"))
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| {
                    let path = entry.path();
                    if path.is_dir() { walk(&path) } else { 1 }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn deleting_an_account_takes_everything_it_owns_and_nothing_else() {
    let app = spawn_app().await;
    let ada = app.browser();
    sign_up(&app, &ada, "ada").await;
    let ada_token = app.token_for("ada").await;
    let shared = "# Shared notes\n\nBoth users uploaded this very file.\n";
    app.assistant_with_document(
        &ada_token,
        "own.md",
        "# Ada's own report\n\nOnly Ada has it.\n",
    )
    .await;
    app.assistant_with_document(&ada_token, "shared.md", shared)
        .await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let bobs = app
        .assistant_with_document(&bob_token, "shared.md", shared)
        .await;
    assert_eq!(stored_files(&app), 2, "the shared file is stored once");

    for (password, message) in [
        ("not my password", "That is not your password."),
        ("", "This field may not be blank."),
    ] {
        let response =
            post_from_account(&app, &ada, "/fn/delete_account", &[("password", password)]).await;
        assert_eq!(response.status(), 302);
        let html = page_after(&app, &ada, &response).await;
        assert!(html.contains(message), "{password:?} shows {message}");
    }
    let me = app
        .with_key(Method::GET, "/api/v1/me/", &ada_token)
        .send()
        .await
        .expect("request");
    assert_eq!(me.status(), 200, "a refused deletion deletes nothing");

    let response =
        post_from_account(&app, &ada, "/fn/delete_account", &[("password", PASSWORD)]).await;
    assert_eq!(response.status(), 302);
    assert!(location(&response).ends_with("/?account=deleted"));
    let html = page_after(&app, &ada, &response).await;
    assert!(html.contains("Your account and everything it held have been deleted."));
    assert_eq!(status_of(&app, &ada, "/account").await, 303, "signed out");
    let me = app
        .with_key(Method::GET, "/api/v1/me/", &ada_token)
        .send()
        .await
        .expect("request");
    assert_eq!(me.status(), 401, "Ada's API keys are gone");
    assert_eq!(token_status(&app, "ada", PASSWORD).await, 400);
    assert_eq!(
        stored_files(&app),
        1,
        "Ada's own file is removed, the one Bob also uses stays"
    );

    let bobs_assistant = app
        .with_key(
            Method::GET,
            &format!("/api/v1/assistants/{bobs}/"),
            &bob_token,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(bobs_assistant.status(), 200, "Bob keeps his assistant");
    let list = app
        .with_key(Method::GET, "/api/v1/assistants/", &bob_token)
        .send()
        .await
        .expect("request");
    let list: serde_json::Value = list.json().await.expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1));

    let fresh = app.browser();
    let response = sign_up(&app, &fresh, "ada").await;
    assert_eq!(response.status(), 302, "the username is free again");
    let mine = app
        .with_key(
            Method::GET,
            "/api/v1/assistants/",
            &app.token_for("ada").await,
        )
        .send()
        .await
        .expect("request");
    let mine: serde_json::Value = mine.json().await.expect("json");
    assert_eq!(mine, json!([]), "a new account starts empty");
}
