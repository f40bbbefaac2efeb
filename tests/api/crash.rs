//! Crash safety with the real binary: `kill -9` while documents are being
//! read and an answer is streaming loses nothing that was acknowledged, and
//! SIGTERM lets requests in flight finish within the grace period.

use std::time::Duration;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sqlx::Connection;

use crate::binary::{Server, start_binary};
use crate::chat::{REPORT_MD, ask, new_chat};
use crate::helpers::{TestApp, status_and_json};
use crate::mock_model::{Behaviour, MockModel};

const QUESTION: &str = "What were purchases of property, plant and equipment in 2018?";
const INTERRUPTED: &str = "The server restarted before this answer was finished. Please ask again.";

/// The binary's environment for a model served by `mock`.
fn model_env(mock: &MockModel) -> Vec<(&'static str, String)> {
    vec![
        ("OPENAI_BASE_URL", mock.base_url.clone()),
        ("OPENAI_API_KEY", "sk-test-crash-key".into()),
        ("AICONVOKIT_MODEL_TOTAL_TIMEOUT_SECS", "60".into()),
        // On PostgreSQL work is taken up again when its lease runs out.
        ("AICONVOKIT_LEASE_SECS", "2".into()),
    ]
}

async fn start(data_dir: tempfile::TempDir, env: &[(&'static str, String)]) -> (TestApp, Server) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    start_binary(data_dir, &env).await
}

/// A PDF of `pages` pages of report-like text, different for each `seed`.
pub(crate) fn long_pdf(seed: usize, pages: usize) -> Vec<u8> {
    use oxidize_pdf::{Document, Font, Page};
    let mut document = Document::new();
    for number in 1..=pages {
        let mut page = Page::a4();
        let mut y = 780.0;
        for line in 0..28 {
            page.text()
                .set_font(Font::Helvetica, 10.0)
                .at(40.0, y)
                .write(&format!(
                    "Report {seed} page {number} line {line}: revenue, segment margins, \
                     property and equipment {}",
                    seed * 100_000 + number * 100 + line
                ))
                .expect("text");
            y -= 26.0;
        }
        document.add_page(page);
    }
    document.to_bytes().expect("pdf")
}

pub(crate) async fn upload_reports(app: &TestApp, token: &str, count: usize) -> i64 {
    let mut form = Form::new()
        .text("name", "Archive")
        .text("company_name", "Acme")
        .text("instructions", "Cite pages.");
    for seed in 0..count {
        form = form.part(
            "files",
            Part::bytes(long_pdf(seed, 120)).file_name(format!("report_{seed}.pdf")),
        );
    }
    let response = app.post_assistant_form(token, form).await;
    let (status, created) = status_and_json(response).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().expect("id")
}

pub(crate) async fn document_statuses(app: &TestApp, token: &str, assistant: i64) -> Vec<String> {
    let (status, body) = app
        .call(
            token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["status"].as_str().expect("status").to_owned())
        .collect()
}

pub(crate) async fn wait_until_ready(app: &TestApp, token: &str, assistant: i64) {
    let mut statuses = Vec::new();
    for _ in 0..600 {
        statuses = document_statuses(app, token, assistant).await;
        if statuses.iter().all(|s| s == "ready" || s == "failed") {
            assert!(
                statuses.iter().all(|s| s == "ready"),
                "every document is read after the restart: {statuses:?}"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("documents stuck after the restart: {statuses:?}");
}

async fn user_and_report_assistant(app: &TestApp) -> (String, i64) {
    let (_, token) = app.user_with_token("ada").await;
    let id = app
        .assistant_with_document(&token, "acme_2018.md", REPORT_MD)
        .await;
    for _ in 0..200 {
        if document_statuses(app, &token, id).await == ["ready"] {
            return (token, id);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the report was not processed");
}

/// Starts a streamed answer and returns the response once the first piece
/// of the answer has arrived.
async fn stream_until_first_delta(
    app: &TestApp,
    token: &str,
    chat: i64,
    assistant: i64,
) -> reqwest::Response {
    let mut response = app
        .with_key(
            Method::PUT,
            &format!("/api/v1/chat/{chat}/?stream=true"),
            token,
        )
        .json(&json!({"assistant_id": assistant, "input": QUESTION}))
        .send()
        .await
        .expect("stream starts");
    assert_eq!(response.status(), 200);
    let mut received = String::new();
    while !received.contains("event: delta") {
        let chunk = tokio::time::timeout(Duration::from_secs(20), response.chunk())
            .await
            .expect("a delta within 20 s")
            .expect("chunk")
            .expect("the stream goes on");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    response
}

async fn messages(app: &TestApp, token: &str, chat: i64) -> Vec<Value> {
    let (status, detail) = app
        .call(token, Method::GET, &format!("/api/v1/chat/{chat}/"), None)
        .await;
    assert_eq!(status, 200, "{detail}");
    detail["messages"].as_array().expect("messages").clone()
}

/// A chat's messages once none is waiting for its answer any more: at once
/// on SQLite (marked at start), within a few leases on PostgreSQL.
async fn settled_messages(app: &TestApp, token: &str, chat: i64) -> Vec<Value> {
    for _ in 0..100 {
        let kept = messages(app, token, chat).await;
        if kept.iter().all(|message| message["status"] != "pending") {
            return kept;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "an answer stays pending: {:?}",
        messages(app, token, chat).await
    );
}

fn slow_answer(pieces: usize, gap_ms: u64) -> Behaviour {
    Behaviour::Slow {
        pieces: (1..=pieces).map(|n| format!("Part {n}. ")).collect(),
        gap: Duration::from_millis(gap_ms),
    }
}

#[tokio::test]
async fn kill_9_while_reading_documents_and_streaming_loses_nothing_acknowledged() {
    let mock = MockModel::start().await;
    let env = model_env(&mock);
    let (app, server) = start(tempfile::tempdir().expect("dir"), &env).await;
    let (token, assistant) = user_and_report_assistant(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    mock.then([Behaviour::answer(&[
        "Purchases were ",
        "$1,577 million [1].",
    ])]);
    let (status, answered) = ask(&app, &token, chat, assistant, QUESTION).await;
    assert_eq!(status, 200, "{answered}");

    let archive = upload_reports(&app, &token, 6).await;
    mock.then([slow_answer(200, 100)]);
    let stream = stream_until_first_delta(&app, &token, chat, assistant).await;
    let statuses = document_statuses(&app, &token, archive).await;
    assert!(
        statuses.iter().any(|s| s != "ready"),
        "documents are still being read when the server dies: {statuses:?}"
    );

    drop(server); // SIGKILL
    drop(stream);
    let TestApp { data_dir, .. } = app;
    let (app, server) = start(data_dir, &env).await;

    wait_until_ready(&app, &token, archive).await;
    let kept = settled_messages(&app, &token, chat).await;
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept[0]["status"], "answered");
    assert_eq!(kept[0]["output"], "Purchases were $1,577 million [1].");
    assert_eq!(
        kept[1]["input"], QUESTION,
        "the interrupted question is kept"
    );
    assert_eq!(kept[1]["status"], "failed");
    assert_eq!(kept[1]["error"], INTERRUPTED);
    assert!(
        server
            .log_text()
            .contains("answers interrupted by a stop marked failed"),
        "{}",
        server.log_text()
    );

    mock.then([Behaviour::answer(&["Again: $1,577 million [1]."])]);
    let (status, again) = ask(&app, &token, chat, assistant, QUESTION).await;
    assert_eq!(status, 200, "asking again works: {again}");
    assert_eq!(messages(&app, &token, chat).await.len(), 3);

    drop(server);
    let database = app.database_url();
    if database.starts_with("sqlite") {
        let mut connection = sqlx::SqliteConnection::connect(&database)
            .await
            .expect("database opens");
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut connection)
            .await
            .expect("integrity check");
        assert_eq!(integrity, "ok");
        let dangling: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(&mut connection)
            .await
            .expect("foreign key check");
        assert!(dangling.is_empty(), "{dangling:?}");
    }
}

#[tokio::test]
async fn sigterm_stops_accepting_and_lets_a_streaming_answer_finish() {
    let mock = MockModel::start().await;
    let env = model_env(&mock);
    let (app, mut server) = start(tempfile::tempdir().expect("dir"), &env).await;
    let (token, assistant) = user_and_report_assistant(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    mock.then([slow_answer(15, 100)]);
    let mut stream = stream_until_first_delta(&app, &token, chat, assistant).await;

    server.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = reqwest::Client::new().get(app.url("/healthz")).send().await;
    assert!(refused.is_err(), "no new connection once stopping");

    let mut rest = String::new();
    while let Some(chunk) = stream.chunk().await.expect("the stream finishes") {
        rest.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(rest.contains("event: done"), "{rest}");
    assert!(rest.contains("Part 15."), "{rest}");
    let status = server
        .wait_exit(Duration::from_secs(10))
        .await
        .expect("the server exits after its last request");
    assert!(status.success(), "{status:?}");
    let log = server.log_text();
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("stopped"), "{log}");

    let TestApp { data_dir, .. } = app;
    let (app, _server) = start(data_dir, &env).await;
    let kept = settled_messages(&app, &token, chat).await;
    assert_eq!(kept[0]["status"], "answered");
    assert!(
        kept[0]["output"]
            .as_str()
            .expect("output")
            .contains("Part 15.")
    );
}

#[tokio::test]
async fn sigterm_gives_up_on_a_request_that_outlasts_the_grace_period() {
    let mock = MockModel::start().await;
    let mut env = model_env(&mock);
    env.push(("AICONVOKIT_SHUTDOWN_GRACE_SECS", "1".into()));
    let (app, mut server) = start(tempfile::tempdir().expect("dir"), &env).await;
    let (token, assistant) = user_and_report_assistant(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    mock.then([slow_answer(100, 200)]);
    let _stream = stream_until_first_delta(&app, &token, chat, assistant).await;

    server.terminate();
    let status = server
        .wait_exit(Duration::from_secs(8))
        .await
        .expect("the server exits soon after the grace period");
    assert!(status.success(), "{status:?}");
    assert!(
        server.log_text().contains("after the grace period"),
        "{}",
        server.log_text()
    );

    let TestApp { data_dir, .. } = app;
    let (app, _server) = start(data_dir, &env).await;
    let kept = settled_messages(&app, &token, chat).await;
    assert_eq!(kept[0]["input"], QUESTION);
    assert_eq!(kept[0]["status"], "failed");
    assert_eq!(kept[0]["error"], INTERRUPTED);
}

#[tokio::test]
async fn a_document_the_server_keeps_dying_on_is_failed_instead_of_read_again_and_again() {
    let env = vec![
        ("AICONVOKIT_DOCUMENT_ATTEMPTS", "2".to_owned()),
        ("AICONVOKIT_LEASE_SECS", "2".to_owned()),
    ];
    let (mut app, mut server) = start(tempfile::tempdir().expect("dir"), &env).await;
    let (_, token) = app.user_with_token("ada").await;
    let form = Form::new()
        .text("name", "Archive")
        .text("company_name", "Acme")
        .text("instructions", "Cite pages.")
        .part(
            "files",
            Part::bytes(crate::files::pdf_with_pages(20_000, "")).file_name("huge.pdf"),
        );
    let (status, created) = status_and_json(app.post_assistant_form(&token, form).await).await;
    assert_eq!(status, 201, "{created}");
    let assistant = created["id"].as_i64().expect("id");
    // Killed twice while reading it: the third start does not try again.
    for attempt in 1..=2 {
        let mut state = (String::new(), 0);
        for _ in 0..300 {
            state = processing_attempts(&app).await;
            if state == ("processing".to_owned(), attempt) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            state,
            ("processing".to_owned(), attempt),
            "killed while reading"
        );
        drop(server); // SIGKILL
        let TestApp { data_dir, .. } = app;
        (app, server) = start(data_dir, &env).await;
    }
    let mut document = Value::Null;
    for _ in 0..200 {
        let (_, detail) = app
            .call(
                &token,
                Method::GET,
                &format!("/api/v1/assistants/{assistant}/"),
                None,
            )
            .await;
        document = detail["documents"][0].clone();
        if document["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(document["status"], "failed", "{document}");
    assert_eq!(
        document["error"],
        "This file could not be read: the server stopped while reading it twice, so it was not tried again. Delete it and upload it again to retry."
    );
    let health = app
        .api
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    drop(server);
}

/// The status and processing attempts of the app's one document, read
/// from its database.
async fn processing_attempts(app: &TestApp) -> (String, i64) {
    let url = app.database_url();
    let sql = "SELECT status, CAST(attempts AS BIGINT) FROM documents";
    if url.starts_with("postgres") {
        let mut connection = sqlx::PgConnection::connect(&url).await.expect("database");
        sqlx::query_as(sql)
            .fetch_one(&mut connection)
            .await
            .expect("row")
    } else {
        let mut connection = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("database");
        sqlx::query_as(sql)
            .fetch_one(&mut connection)
            .await
            .expect("row")
    }
}
