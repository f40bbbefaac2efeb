//! A real app on a fresh database per test, driven over HTTP: a SQLite file
//! in the test's data dir, or, when `AICONVOKIT_TEST_POSTGRES` names a
//! PostgreSQL server (`postgres://postgres@127.0.0.1:5432`), a database of
//! its own on that server.

use std::path::PathBuf;

use aiconvokit::config::Config;
use aiconvokit::server::{build_app, serve};
use leptos::config::LeptosOptions;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, RequestBuilder, Response, redirect};
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    spawn_app_on(listener, data_dir, adjust).await
}

/// Starts the app on `listener`, whose address the configuration may
/// already name (as its public URL).
pub async fn spawn_app_on(
    listener: tokio::net::TcpListener,
    data_dir: tempfile::TempDir,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    // The server's warnings and errors appear in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn,html5ever=error")
        .try_init();
    let mut config = Config::with_data_dir(data_dir.path());
    config.database_url = test_database_url(data_dir.path()).await;
    // Documents are read by the real binary's `extract` command.
    config.extractor = Some(env!("CARGO_BIN_EXE_aiconvokit").into());
    adjust(&mut config);
    let site_root: PathBuf = data_dir.path().join("site");
    let leptos_options = LeptosOptions::builder()
        .output_name("aiconvokit")
        .site_root(site_root.display().to_string())
        .build();
    let (service, _state) = build_app(config, leptos_options).await.expect("app starts");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { serve(listener, service, std::time::Duration::from_secs(5)).await });
    TestApp::new(address, data_dir)
}

/// The PostgreSQL server the tests run against, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("AICONVOKIT_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
        .map(|url| url.trim_end_matches('/').to_owned())
}

/// The database URL for the app of `data_dir`: `None` (SQLite in the data
/// dir) or, on PostgreSQL, a database made for this data dir the first time
/// (a restarted app on the same data dir finds the same database). Databases
/// left by test runs that have ended are dropped first.
pub async fn test_database_url(data_dir: &std::path::Path) -> Option<String> {
    use sqlx::Connection;
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let server = postgres_server()?;
    let marker = data_dir.join("test-database-url");
    if let Ok(url) = std::fs::read_to_string(&marker) {
        return Some(url);
    }
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .unwrap_or_else(|e| panic!("AICONVOKIT_TEST_POSTGRES={server}: {e}"));
    if RUN.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
        drop_databases_of_ended_runs(&mut admin).await;
    }
    let name = format!(
        "aiconvokit_test_{}_{}",
        std::process::id(),
        RUN.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let url = format!("{server}/{name}");
    std::fs::write(&marker, &url).expect("marker");
    Some(url)
}

/// Drops the test databases whose test process (named in them) has ended.
async fn drop_databases_of_ended_runs(admin: &mut sqlx::PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'aiconvokit\\_test\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .expect("list test databases");
    for name in names {
        let pid = name.split('_').nth(2).unwrap_or_default();
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *admin)
                .await;
        }
    }
}

impl TestApp {
    /// The app's database URL (SQLite file or PostgreSQL database).
    pub fn database_url(&self) -> String {
        std::fs::read_to_string(self.data_dir.path().join("test-database-url")).unwrap_or_else(
            |_| {
                format!(
                    "sqlite://{}",
                    self.data_dir.path().join("aiconvokit.db").display()
                )
            },
        )
    }

    /// Runs statements straight on the app's database (what a crash or an
    /// operator leaves behind).
    pub async fn execute_sql(&self, statements: &[&str]) {
        let url = self.database_url();
        if url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(&url).await.expect("database");
            for statement in statements {
                sqlx::query(statement)
                    .execute(&pool)
                    .await
                    .expect("statement");
            }
            pool.close().await;
        } else {
            let pool = sqlx::SqlitePool::connect(&url).await.expect("database");
            for statement in statements {
                sqlx::query(statement)
                    .execute(&pool)
                    .await
                    .expect("statement");
            }
            pool.close().await;
        }
    }

    /// The app at `address` whose data lives in `data_dir`.
    pub fn new(address: String, data_dir: tempfile::TempDir) -> Self {
        Self {
            address,
            api: Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .expect("client"),
            data_dir,
        }
    }

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
        let response = self.post_assistant_form(token, form).await;
        let (status, created) = status_and_json(response).await;
        assert_eq!(status, 201, "{created}");
        created["id"].as_i64().expect("id")
    }

    /// Waits until every document of the assistant is read (`ready`);
    /// panics if one fails or they take over a minute.
    pub async fn wait_until_ready(&self, token: &str, assistant_id: i64) {
        let path = format!("/api/v1/assistants/{assistant_id}/documents/");
        let mut documents = Value::Null;
        for _ in 0..600 {
            (_, documents) = self.call(token, Method::GET, &path, None).await;
            let statuses: Vec<&str> = documents
                .as_array()
                .map(|list| list.iter().filter_map(|d| d["status"].as_str()).collect())
                .unwrap_or_default();
            assert!(
                !statuses.contains(&"failed"),
                "a document failed: {documents}"
            );
            if statuses.iter().all(|status| *status == "ready") {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the documents were not processed: {documents}");
    }

    /// Posts a new assistant as a multipart form, as an integrator
    /// uploading files does.
    pub async fn post_assistant_form(&self, token: &str, form: Form) -> Response {
        self.with_key(Method::POST, "/api/v1/assistants/", token)
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// The one way tests call the API with a key: `method path` with
    /// `Authorization: Token <token>`, ready for a body, more headers and
    /// `send`. (Tests of the `Authorization` header itself, its schemes and
    /// spellings, use [`TestApp::get_with_auth`].)
    pub fn with_key(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.api
            .request(method, self.url(path))
            .header(AUTHORIZATION, format!("Token {token}"))
    }

    /// Calls the API with a key ([`TestApp::with_key`]) and `body` as JSON
    /// if given; the status and the JSON answer (`Value::Null` for a 204).
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.with_key(method, path, token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        if response.status() == 204 {
            return (204, Value::Null);
        }
        status_and_json(response).await
    }

    /// A GET with this exact `Authorization` value: for tests of the header
    /// itself (other schemes and spellings, garbled or unknown values).
    /// Ordinary calls with a key use [`TestApp::with_key`] or
    /// [`TestApp::call`].
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

// Browser forms, as a browser without JavaScript posts them.

/// Posts a form the way a browser does without JavaScript.
pub async fn post_form(
    app: &TestApp,
    client: &Client,
    path: &str,
    from_page: &str,
    fields: &[(&str, &str)],
) -> Response {
    client
        .post(app.url(path))
        .header("Accept", "text/html,application/xhtml+xml")
        .header("Referer", app.url(from_page))
        .form(fields)
        .send()
        .await
        .expect("request")
}

/// Calls a dashboard server function from `browser` as the page's script
/// does: the status and the JSON answer.
pub async fn call_server_fn(
    app: &TestApp,
    browser: &Client,
    name: &str,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let response = browser
        .post(app.url(&format!("/fn/{name}")))
        .header("Accept", "application/json")
        .header("Origin", app.url(""))
        .form(fields)
        .send()
        .await
        .expect("request");
    status_and_json(response).await
}

/// Where a redirect sends the browser (its `Location`).
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Signs `username` up through the sign-up form (password [`PASSWORD`]).
pub async fn sign_up(app: &TestApp, client: &Client, username: &str) -> Response {
    post_form(
        app,
        client,
        "/fn/sign_up",
        "/signup",
        &[
            ("username", username),
            ("email", &format!("{username}@example.com")),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("next", ""),
        ],
    )
    .await
}

/// The session cookie a response sets, as `name=value`.
pub fn session_cookie(response: &Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("aiconvokit_session="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned()
}

/// A page as a browser gets it: its status and HTML.
pub async fn page(app: &TestApp, client: &Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}
