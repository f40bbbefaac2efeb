//! Uploaded originals in an S3-compatible store (moto in server mode, from
//! `.ci/setup.sh`'s `setup_s3_server`, at `AICONVOKIT_TEST_S3`), through
//! the real binary configured with `--storage-url s3://bucket/prefix`.

use crate::binary::{Server, start_binary};
use crate::chat::call;
use crate::crash::{upload_reports, wait_until_ready};
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

    let (status, found) = call(
        &app,
        &token,
        "GET",
        &format!("/api/v1/assistants/{assistant}/search/?q=capital expenditures"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found["results"][0]["document"], "report.md", "{found}");

    let (status, _) = call(
        &app,
        &token,
        "DELETE",
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
    let (status, found) = call(
        &b,
        &token,
        "GET",
        &format!("/api/v1/assistants/{assistant}/search/?q=201705"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found["results"][0]["document"], "report_2.pdf", "{found}");
    assert!(walk(&b.data_dir.path().join("files")).is_empty());
}
