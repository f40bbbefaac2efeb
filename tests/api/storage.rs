//! Uploaded originals in an S3-compatible store (moto in server mode, from
//! `.ci/setup.sh`'s `setup_s3_server`, at `AICONVOKIT_TEST_S3`), through
//! the real binary configured with `--storage-url s3://bucket/prefix`.

use reqwest::Method;

use crate::binary::{Server, start_binary};
use crate::crash::{document_statuses, upload_reports, wait_until_ready};
use crate::documents::walk;
use crate::helpers::{TestApp, postgres_server};

/// The S3 test server, or `None` (the test says so and does nothing).
fn s3_server() -> Option<String> {
    let server = std::env::var("AICONVOKIT_TEST_S3")
        .ok()
        .filter(|url| !url.is_empty());
    if server.is_none() {
        eprintln!("AICONVOKIT_TEST_S3 is not set (bash .ci/test starts moto): skipped");
    }
    server
}

/// A new bucket on the S3 server (moto makes one on an unsigned `PUT`).
async fn new_bucket(s3: &str) -> String {
    let bucket = format!("aiconvokit-{}", rand_suffix());
    let response = reqwest::Client::new()
        .put(format!("{s3}/{bucket}"))
        .send()
        .await
        .expect("bucket");
    assert!(response.status().is_success(), "{}", response.status());
    bucket
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}-{nanos}", std::process::id())
}

/// The keys in a bucket.
async fn keys_in(s3: &str, bucket: &str) -> Vec<String> {
    let listing = reqwest::Client::new()
        .get(format!("{s3}/{bucket}?list-type=2"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("xml");
    listing
        .split("<Key>")
        .skip(1)
        .filter_map(|rest| rest.split("</Key>").next())
        .map(str::to_owned)
        .collect()
}

fn storage_env(s3: &str, bucket: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AICONVOKIT_STORAGE_URL", format!("s3://{bucket}/uploads")),
        ("AWS_ENDPOINT", s3.to_owned()),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("AWS_ACCESS_KEY_ID", "test-access-key".into()),
        ("AWS_SECRET_ACCESS_KEY", "test-secret-key".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AICONVOKIT_LEASE_SECS", "2".into()),
    ]
}

async fn start(data_dir: tempfile::TempDir, env: &[(&'static str, String)]) -> (TestApp, Server) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    start_binary(data_dir, &env).await
}

#[tokio::test]
async fn uploads_are_kept_in_the_bucket_and_removed_with_their_assistant() {
    let Some(s3) = s3_server() else {
        return;
    };
    let bucket = new_bucket(&s3).await;
    let (app, _server) = start(
        tempfile::tempdir().expect("dir"),
        &storage_env(&s3, &bucket),
    )
    .await;
    let (_, token) = app.user_with_token("ada").await;
    let report = "# Annual report\n\nCapital expenditures were $1,577 million in 2018.\n";
    let assistant = app
        .assistant_with_document(&token, "report.md", report)
        .await;
    wait_until_ready(&app, &token, assistant).await;

    let sha = aiconvokit::ingest::storage::sha256_hex(report.as_bytes());
    assert_eq!(
        keys_in(&s3, &bucket).await,
        [format!("uploads/{}/{sha}", &sha[..2])],
        "the original is in the bucket under the prefix"
    );
    let local = app.data_dir.path().join("files");
    let local_files = walk(&local);
    assert!(
        local_files.is_empty(),
        "nothing kept on local disk: {local_files:?}"
    );

    let (status, found) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/search/?q=capital expenditures"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["results"][0]["document"], "report.md", "{found}");

    let (status, _) = app
        .call(
            &token,
            Method::DELETE,
            &format!("/api/v1/assistants/{assistant}/"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert!(
        keys_in(&s3, &bucket).await.is_empty(),
        "deleting the assistant removes its file from the bucket"
    );
}

#[tokio::test]
async fn a_storage_url_that_is_not_s3_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("site/pkg")).expect("site");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_aiconvokit"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--storage-url",
            "ftp://files.example.com/x",
        ])
        .env("AICONVOKIT_DATA_DIR", dir.path())
        .env("AICONVOKIT_EMBEDDING_MODEL", "none")
        .env("LEPTOS_SITE_ROOT", dir.path().join("site"))
        .env_remove("DATABASE_URL")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("--storage-url") && said.contains("s3://bucket/prefix"),
        "one line saying which setting and why: {said}"
    );
}

#[tokio::test]
async fn servers_with_disks_of_their_own_share_files_through_the_bucket() {
    let Some(s3) = s3_server() else {
        return;
    };
    if postgres_server().is_none() {
        eprintln!("several servers need PostgreSQL: skipped on SQLite");
        return;
    }
    let bucket = new_bucket(&s3).await;
    let env = storage_env(&s3, &bucket);
    let (a, server_a) = start(tempfile::tempdir().expect("dir"), &env).await;
    let mut env_b = env.clone();
    env_b.push(("DATABASE_URL", a.database_url()));
    let (b, _server_b) = start(tempfile::tempdir().expect("dir"), &env_b).await;

    a.create_user("ada").await;
    let token = a.token_for("ada").await;
    let assistant = upload_reports(&a, &token, 3).await;
    // The first server dies with the files only in the bucket: the second
    // reads them from there once the first one's leases run out.
    drop(server_a);
    wait_until_ready(&b, &token, assistant).await;
    let (status, found) = b
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/search/?q=201705"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["results"][0]["document"], "report_2.pdf", "{found}");
    assert!(walk(&b.data_dir.path().join("files")).is_empty());
}

/// What the [`StoreProxy`] lets through to the S3 server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoreState {
    Up,
    /// Every request is answered 503, as a store in an outage does.
    Down,
    /// Reads (`GET`) are answered 503; the rest goes through.
    ReadsFail,
}

/// An S3 endpoint in front of moto that can be taken down: requests go
/// through while it is up, and are answered 503 (what S3 says in an outage)
/// while it is down. Counts the requests it refused.
#[derive(Clone)]
struct StoreProxy {
    address: String,
    state: std::sync::Arc<std::sync::Mutex<StoreState>>,
    refused: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl StoreProxy {
    async fn start(s3: &str) -> Self {
        use axum::body::Body;
        use axum::extract::Request;
        use axum::response::Response;
        let proxy = Self {
            address: String::new(),
            state: std::sync::Arc::new(std::sync::Mutex::new(StoreState::Up)),
            refused: std::sync::Arc::default(),
        };
        let (state, refused, s3) = (proxy.state.clone(), proxy.refused.clone(), s3.to_owned());
        let client = reqwest::Client::new();
        let forward = move |request: Request| {
            let (state, refused, s3, client) =
                (state.clone(), refused.clone(), s3.clone(), client.clone());
            async move {
                let now = *state.lock().expect("state");
                let method = request.method().clone();
                if now == StoreState::Down || (now == StoreState::ReadsFail && method == "GET") {
                    refused.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return Response::builder()
                        .status(503)
                        .body(Body::from("<Error><Code>ServiceUnavailable</Code></Error>"))
                        .expect("response");
                }
                let path = request
                    .uri()
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned();
                let headers = request.headers().clone();
                let body = axum::body::to_bytes(request.into_body(), usize::MAX)
                    .await
                    .expect("body");
                let answer = client
                    .request(method, format!("{s3}{path}"))
                    .headers(headers)
                    .body(body)
                    .send()
                    .await
                    .expect("moto answers");
                let mut response = Response::builder().status(answer.status().as_u16());
                for (name, value) in answer.headers() {
                    response = response.header(name.as_str(), value.as_bytes());
                }
                let bytes = answer.bytes().await.expect("moto's body");
                response.body(Body::from(bytes)).expect("response")
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        let router = axum::Router::new().fallback(forward);
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { address, ..proxy }
    }

    fn set(&self, state: StoreState) {
        *self.state.lock().expect("state") = state;
    }

    fn refused(&self) -> usize {
        self.refused.load(std::sync::atomic::Ordering::SeqCst)
    }
}

async fn upload(
    app: &TestApp,
    token: &str,
    assistant: i64,
    name: &str,
    text: &str,
) -> reqwest::Response {
    use reqwest::multipart::{Form, Part};
    app.with_key(
        Method::POST,
        &format!("/api/v1/assistants/{assistant}/documents/"),
        token,
    )
    .multipart(Form::new().part(
        "files",
        Part::bytes(text.as_bytes().to_vec()).file_name(name.to_owned()),
    ))
    .send()
    .await
    .expect("request")
}

#[tokio::test]
async fn a_store_outage_refuses_uploads_with_503_and_delays_processing_without_failing_it() {
    let Some(s3) = s3_server() else {
        return;
    };
    let bucket = new_bucket(&s3).await;
    let proxy = StoreProxy::start(&s3).await;
    let (app, server) = start(
        tempfile::tempdir().expect("dir"),
        &storage_env(&proxy.address, &bucket),
    )
    .await;
    let (_, token) = app.user_with_token("ada").await;
    let assistant = app
        .assistant_with_document(&token, "first.md", "# First\n\nTurnover was 12 million.\n")
        .await;
    wait_until_ready(&app, &token, assistant).await;

    // Down: an upload through the API is refused with a 503 that says why
    // and when to come back; nothing is added, nothing half-stored.
    proxy.set(StoreState::Down);
    let started = std::time::Instant::now();
    let response = upload(
        &app,
        &token,
        assistant,
        "second.md",
        "# Second\n\nMargins rose.\n",
    )
    .await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("30")
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        body["detail"],
        "The file store cannot be reached right now, so nothing was added. Please try again in a minute.",
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "answered within seconds, not after minutes of retries: {:?}",
        started.elapsed()
    );
    assert!(proxy.refused() > 0, "the store was asked");
    assert_eq!(document_statuses(&app, &token, assistant).await, ["ready"]);

    // A new assistant with files is not kept either.
    let form = reqwest::multipart::Form::new()
        .text("name", "Second helper")
        .text("company_name", "Acme")
        .text("instructions", "Answer briefly.")
        .part(
            "files",
            reqwest::multipart::Part::bytes(b"# Notes\n\nSome notes.\n".to_vec())
                .file_name("notes.md"),
        );
    let response = app.post_assistant_form(&token, form).await;
    assert_eq!(response.status(), 503);
    let (_, listed) = app
        .call(&token, Method::GET, "/api/v1/assistants/", None)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");

    // The dashboard's upload form comes back with the same words.
    let browser = app.browser();
    let response = crate::helpers::post_form(
        &app,
        &browser,
        "/fn/log_in",
        "/login",
        &[
            ("username", "ada"),
            ("password", crate::helpers::PASSWORD),
            ("next", ""),
        ],
    )
    .await;
    assert!(response.status().is_redirection(), "signed in");
    let response = browser
        .post(app.url(&format!("/assistants/{assistant}/documents")))
        .multipart(reqwest::multipart::Form::new().part(
            "files",
            reqwest::multipart::Part::bytes(b"# Third\n\nMore.\n".to_vec()).file_name("third.md"),
        ))
        .send()
        .await
        .expect("request");
    let back = crate::helpers::location(&response);
    assert!(back.contains("upload_error="), "{back}");
    let html = browser
        .get(app.url(&back))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("The file store cannot be reached right now, so nothing was added."),
        "the reason is on the page"
    );
    let log = std::fs::read_to_string(&server.log).expect("log");
    assert!(log.contains("the file store failed"), "the cause is logged");

    // Reads failing: an uploaded document waits, `processing`, instead of
    // failing, and is read once the store is back.
    proxy.set(StoreState::ReadsFail);
    let refused_before = proxy.refused();
    let response = upload(
        &app,
        &token,
        assistant,
        "fourth.md",
        "# Fourth\n\nDividends doubled.\n",
    )
    .await;
    assert_eq!(response.status(), 201);
    for _ in 0..100 {
        if proxy.refused() > refused_before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        proxy.refused() > refused_before,
        "the worker tried to read it"
    );
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let mut statuses = document_statuses(&app, &token, assistant).await;
    statuses.sort();
    assert!(
        statuses == ["processing", "ready"] || statuses == ["pending", "ready"],
        "the new document waits, not failed: {statuses:?}"
    );
    proxy.set(StoreState::Up);
    wait_until_ready(&app, &token, assistant).await;
    let (status, found) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/search/?q=dividends"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["results"][0]["document"], "fourth.md", "{found}");
}
