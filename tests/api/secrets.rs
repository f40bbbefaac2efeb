//! Secrets never reach the logs: the real binary, logging everything at
//! `debug`, is used the way users and integrators use it (sign up, log in,
//! API keys, chats with a model provider that fails and quotes the key it
//! was sent, a password change and an account deletion), and its whole
//! output is searched for each secret.

use std::time::Duration;

use reqwest::Method;

use crate::binary::{Server, start_binary};
use crate::chat::{ask, assistant_with_report, new_chat};
use crate::helpers::{PASSWORD, TestApp, session_cookie, sign_up};
use crate::mock_model::{Behaviour, MockModel};

const PROVIDER_KEY: &str = "sk-live-provider-key-0123456789abcdef";
const NEW_PASSWORD: &str = "brand-new-passphrase-4242";

async fn start_with_provider(mock: &MockModel) -> (TestApp, Server) {
    start_binary(
        tempfile::tempdir().expect("temp dir"),
        &[
            ("RUST_LOG", "debug"),
            ("OPENAI_API_KEY", PROVIDER_KEY),
            ("OPENAI_BASE_URL", &mock.base_url),
            ("AICONVOKIT_MODEL_FIRST_TOKEN_TIMEOUT_SECS", "2"),
            ("AICONVOKIT_MODEL_MAX_RETRIES", "1"),
        ],
    )
    .await
}

#[tokio::test]
async fn no_password_api_key_provider_key_or_session_id_is_ever_logged() {
    let mock = MockModel::start().await;
    let (app, server) = start_with_provider(&mock).await;

    // An integrator: sign-up, a key, an assistant with a document, a chat.
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    mock.then([Behaviour::answer(&["Capex was $1,577 million [1]."])]);
    let (status, answered) = ask(&app, &token, chat, assistant, "What was capex in 2018?").await;
    assert_eq!(status, 200, "{answered}");
    // The provider fails, then refuses the key and quotes it back.
    mock.then([Behaviour::Status(500)]);
    let (status, failed) = ask(
        &app,
        &token,
        chat,
        assistant,
        "What were purchases of property, plant and equipment in 2017?",
    )
    .await;
    assert_eq!(status, 502, "{failed}");
    mock.then([Behaviour::EchoKey]);
    let (status, refused) = ask(&app, &token, chat, assistant, "And dividends paid?").await;
    assert!(status == 502 || status == 503, "{status} {refused}");
    assert!(
        !refused.to_string().contains(PROVIDER_KEY),
        "the provider's key is not shown to the caller: {refused}"
    );
    let (_, chat_detail) = app
        .call(&token, Method::GET, &format!("/api/v1/chat/{chat}/"), None)
        .await;
    assert!(
        !chat_detail.to_string().contains(PROVIDER_KEY),
        "{chat_detail}"
    );

    // A person: signs up in the browser, gets a session cookie, uses it.
    let browser = app.browser();
    let signed_up = sign_up(&app, &browser, "grace").await;
    let session = session_cookie(&signed_up);
    let session_id = session
        .strip_prefix("aiconvokit_session=")
        .expect("session cookie")
        .to_owned();
    assert!(session_id.len() >= 16, "{session}");
    let dashboard = browser
        .get(app.url("/dashboard"))
        .send()
        .await
        .expect("request");
    assert_eq!(dashboard.status(), 200);
    // A wrong password and a wrong key are logged as attempts, not as values.
    let wrong = app
        .post_json(
            "/api/v1/tokens/",
            &serde_json::json!({"username": "grace", "password": "wrong-password-xyz-987"}),
        )
        .await;
    assert_eq!(wrong.status(), 400);
    let bad_key = app
        .get_with_auth("/api/v1/assistants/", "Token not-a-key-555-zzz")
        .await;
    assert_eq!(bad_key.status(), 401);

    // The password is changed, then the account deleted.
    let changed = browser
        .post(app.url("/fn/change_password"))
        .form(&[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
            ("new_password_confirm", NEW_PASSWORD),
        ])
        .send()
        .await
        .expect("request");
    assert!(changed.status().is_success(), "{}", changed.status());
    let deleted = browser
        .post(app.url("/fn/delete_account"))
        .form(&[("password", NEW_PASSWORD)])
        .send()
        .await
        .expect("request");
    assert!(
        deleted.status().is_success() || deleted.status().is_redirection(),
        "{}",
        deleted.status()
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = std::fs::read_to_string(&server.log).expect("log");
    drop(server);
    assert!(
        log.contains("DEBUG")
            && log.contains("/api/v1/chat/")
            && log.contains("password changed")
            && log.contains("account deleted"),
        "the log holds the requests made (else this test proves nothing): {log}"
    );
    for (what, secret) in [
        ("the provider key", PROVIDER_KEY),
        ("an API key", token.as_str()),
        ("a password", PASSWORD),
        ("a wrong password", "wrong-password-xyz-987"),
        ("a new password", NEW_PASSWORD),
        ("a wrong API key", "not-a-key-555-zzz"),
        ("a session id", session_id.as_str()),
    ] {
        assert!(!log.contains(secret), "{what} is in the log:\n{log}");
    }
}
