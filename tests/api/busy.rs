//! A database too busy to answer in time (SQLite's write lock held by
//! another writer past the server's wait): the API answers 503 with
//! `Retry-After` in its error shape, never 500, changes nothing, and the
//! same request succeeds once the lock is free.

use reqwest::Method;
use reqwest::multipart::Form;
use sqlx::{Connection, SqliteConnection};

use crate::helpers::{spawn_app_with, status_and_json};

fn probe_form() -> Form {
    Form::new()
        .text("name", "Probe")
        .text("company_name", "Acme")
        .text("instructions", "Cite pages.")
}

#[tokio::test]
async fn a_write_behind_another_writers_lock_answers_503_then_succeeds() {
    // SQLite whatever the suite's engine: the lock is SQLite's.
    let app = spawn_app_with(|config| {
        let file = config.data_dir.join("busy.db");
        config.database_url = Some(format!("sqlite://{}", file.display()));
    })
    .await;
    let (_, token) = app.user_with_token("busy").await;
    let file = app.data_dir.path().join("busy.db");
    let mut other_writer = SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("a second connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other_writer)
        .await
        .expect("the write lock");

    let response = app.post_assistant_form(&token, probe_form()).await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["detail"],
        "The server is busy right now. Please try again in a few seconds."
    );
    assert_eq!(retry_after.as_deref(), Some("5"));

    sqlx::query("ROLLBACK")
        .execute(&mut other_writer)
        .await
        .expect("the lock released");
    let (status, body) = status_and_json(app.post_assistant_form(&token, probe_form()).await).await;
    assert_eq!(status, 201, "{body}");
    // The refused request left nothing behind: one assistant, not two.
    let (status, body) = app
        .call(&token, Method::GET, "/api/v1/assistants/", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let count = body
        .as_array()
        .map(Vec::len)
        .or_else(|| body["results"].as_array().map(Vec::len));
    assert_eq!(count, Some(1), "{body}");
}
