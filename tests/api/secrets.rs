//! Secrets never reach the logs: the real binary, logging everything at
//! `debug`, is used the way users and integrators use it (sign up, log in,
//! API keys, chats with a model provider that fails and quotes the key it
//! was sent), and its whole output is searched for each secret.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, redirect};

use crate::browser_forms::{session_cookie, sign_up};
use crate::chat::{ask, assistant_with_report, new_chat};
use crate::helpers::{PASSWORD, TestApp};
use crate::mock_model::{Behaviour, MockModel};

const PROVIDER_KEY: &str = "sk-live-provider-key-0123456789abcdef";

/// The binary, serving on a free port, its output going to `log`.
struct Server {
    child: Child,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_binary(mock: &MockModel) -> (TestApp, Server) {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let site = data_dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("site");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let log = data_dir.path().join("server.log");
    let output = std::fs::File::create(&log).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_aiconvokit"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env_remove("DATABASE_URL")
        .env("AICONVOKIT_DATA_DIR", data_dir.path())
        .env("LEPTOS_SITE_ROOT", &site)
        .env("RUST_LOG", "debug")
        .env("OPENAI_API_KEY", PROVIDER_KEY)
        .env("OPENAI_BASE_URL", &mock.base_url)
        .env("AICONVOKIT_MODEL_FIRST_TOKEN_TIMEOUT_SECS", "2")
        .env("AICONVOKIT_MODEL_MAX_RETRIES", "1")
        .stdout(Stdio::from(output.try_clone().expect("log file")))
        .stderr(Stdio::from(output))
        .spawn()
        .expect("binary starts");
    let server = Server { child, log };
    let app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        api: Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("client"),
        data_dir,
    };
    for _ in 0..200 {
        if app.api.get(app.url("/")).send().await.is_ok() {
            return (app, server);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

#[tokio::test]
async fn no_password_api_key_provider_key_or_session_id_is_ever_logged() {
    let mock = MockModel::start().await;
    let (app, server) = start_binary(&mock).await;

    // An integrator: sign-up, a key, an assistant with a document, a chat.
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    mock.then([Behaviour::answer(&["Capex was $1,577 million [1]."])]);
    let (status, answered) = ask(&app, &token, chat, assistant, "What was capex in 2018?").await;
    assert_eq!(status, 200, "{answered}");
    // The provider fails, then refuses the key and quotes it back.
    mock.then([Behaviour::Status(500)]);
    let (status, failed) = ask(&app, &token, chat, assistant, "What was capex in 2017?").await;
    assert_eq!(status, 502, "{failed}");
    mock.then([Behaviour::EchoKey]);
    let (status, refused) = ask(&app, &token, chat, assistant, "And dividends paid?").await;
    assert!(status == 502 || status == 503, "{status} {refused}");
    assert!(
        !refused.to_string().contains(PROVIDER_KEY),
        "the provider's key is not shown to the caller: {refused}"
    );
    let (_, chat_detail) =
        crate::chat::call(&app, &token, "GET", &format!("/api/v1/chat/{chat}/"), None).await;
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

    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = std::fs::read_to_string(&server.log).expect("log");
    drop(server);
    assert!(
        log.contains("DEBUG") && log.contains("/api/v1/chat/"),
        "the log holds the requests made (else this test proves nothing): {log}"
    );
    for (what, secret) in [
        ("the provider key", PROVIDER_KEY),
        ("an API key", token.as_str()),
        ("a password", PASSWORD),
        ("a wrong password", "wrong-password-xyz-987"),
        ("a wrong API key", "not-a-key-555-zzz"),
        ("a session id", session_id.as_str()),
    ] {
        assert!(!log.contains(secret), "{what} is in the log:\n{log}");
    }
}
