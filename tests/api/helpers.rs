//! A real app on a fresh SQLite database per test, driven over HTTP.

use std::path::PathBuf;

use aiconvokit::config::Config;
use aiconvokit::server::{build_app, serve};
use leptos::config::LeptosOptions;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, redirect};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

/// A running app and clients to talk to it.
pub struct TestApp {
    pub address: String,
    /// No cookies, no redirects followed: what an API integrator uses.
    pub api: Client,
    pub data_dir: tempfile::TempDir,
}

/// Starts the app with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `adjust` has changed its configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_in(tempfile::tempdir().expect("temp dir"), adjust).await
}

/// Starts the app on an existing data dir (as a restarted server would).
pub async fn spawn_app_in(
    data_dir: tempfile::TempDir,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    // The server's warnings and errors appear in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn")
        .try_init();
    let mut config = Config::with_data_dir(data_dir.path());
    adjust(&mut config);
    let site_root: PathBuf = data_dir.path().join("site");
    let leptos_options = LeptosOptions::builder()
        .output_name("aiconvokit")
        .site_root(site_root.display().to_string())
        .build();
    let (service, _state) = build_app(config, leptos_options).await.expect("app starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { serve(listener, service, std::time::Duration::from_secs(5)).await });
    TestApp {
        address,
        api: Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("client"),
        data_dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A browser-like client: keeps cookies, follows no redirects (so tests
    /// can see them).
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.api
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Signs up `username` through the API; returns the user's JSON.
    pub async fn create_user(&self, username: &str) -> Value {
        let response = self
            .post_json(
                "/api/v1/users/",
                &json!({"username": username, "email": format!("{username}@example.com"), "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 201, "sign-up of {username}");
        response.json().await.expect("json")
    }

    /// Gets a new API key for `username` (who has [`PASSWORD`]).
    pub async fn token_for(&self, username: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/tokens/",
                &json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A user and a key of theirs.
    pub async fn user_with_token(&self, username: &str) -> (Value, String) {
        let user = self.create_user(username).await;
        let token = self.token_for(username).await;
        (user, token)
    }

    /// Creates an assistant (company Acme) with one document; returns its id.
    pub async fn assistant_with_document(
        &self,
        token: &str,
        file_name: &str,
        content: &str,
    ) -> i64 {
        let form = Form::new()
            .text("name", "Report helper")
            .text("company_name", "Acme")
            .text("instructions", "Answer for investors, citing pages.")
            .part(
                "files",
                Part::bytes(content.as_bytes().to_vec()).file_name(file_name.to_owned()),
            );
        let response = self
            .api
            .post(self.url("/api/v1/assistants/"))
            .header("Authorization", format!("Token {token}"))
            .multipart(form)
            .send()
            .await
            .expect("request");
        let (status, created) = status_and_json(response).await;
        assert_eq!(status, 201, "{created}");
        created["id"].as_i64().expect("id")
    }

    pub async fn get_with_auth(&self, path: &str, authorization: &str) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, authorization.parse().expect("header"));
        self.api
            .get(self.url(path))
            .headers(headers)
            .send()
            .await
            .expect("request")
    }
}

/// Status and JSON body of a response.
pub async fn status_and_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, body)
}
