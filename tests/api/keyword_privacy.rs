//! Keyword scores depend on the asking assistant's passages only: what
//! other accounts upload changes neither the scores the search API returns
//! nor the ranking (issue 22, point 9).

use std::time::Duration;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, status_and_json};

/// Two passages alike but for one word each, and two without either.
const PROBE: [(&str, &str); 4] = [
    (
        "first.md",
        "Field notes. The zanzibar shipment left the harbour on time and the zanzibar crew was paid.",
    ),
    (
        "other.md",
        "Field notes. The orchid shipment left the harbour on time and the orchid crew was paid.",
    ),
    (
        "third.md",
        "Quarterly summary of freight costs, fuel prices and harbour fees for the region.",
    ),
    (
        "fourth.md",
        "Staff list with roles, offices and the hours each team keeps during the season.",
    ),
];

/// The probe's files, to upload.
fn probe_files() -> Vec<(&'static str, String)> {
    PROBE
        .iter()
        .map(|(name, text)| (*name, (*text).to_owned()))
        .collect()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = app.call(token, Method::GET, path, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Creates an assistant with these files and waits until they are read.
async fn assistant_with_files(app: &TestApp, token: &str, files: &[(&str, String)]) -> i64 {
    let mut form = Form::new()
        .text("name", "Notes")
        .text("company_name", "Acme")
        .text("instructions", "Answer from the notes.");
    for (name, text) in files {
        form = form.part(
            "files",
            Part::bytes(text.as_bytes().to_vec()).file_name((*name).to_owned()),
        );
    }
    let (status, created) = status_and_json(app.post_assistant_form(token, form).await).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    for _ in 0..200 {
        let assistant = get(app, token, &format!("/api/v1/assistants/{id}/")).await;
        let documents = assistant["documents"].as_array().expect("documents");
        if documents.iter().all(|d| d["status"] == "ready") {
            return id;
        }
        assert!(
            documents.iter().all(|d| d["status"] != "failed"),
            "{assistant}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("documents still processing after 10 s");
}

/// Each result's document and score, best first.
async fn scores(app: &TestApp, token: &str, assistant: i64, question: &str) -> Vec<(String, f64)> {
    let found = get(
        app,
        token,
        &format!("/api/v1/assistants/{assistant}/search/?q={question}&k=10"),
    )
    .await;
    found["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["document"].as_str().expect("document").to_owned(),
                r["score"].as_f64().expect("score"),
            )
        })
        .collect()
}

#[tokio::test]
async fn other_accounts_documents_change_no_keyword_score() {
    let app = spawn_app().await;
    let (_, ada) = app.user_with_token("ada").await;
    let probe = probe_files();
    let assistant = assistant_with_files(&app, &ada, &probe).await;
    let questions = ["zanzibar", "orchid", "zanzibar orchid crew", "harbour"];
    let mut before = Vec::new();
    for question in questions {
        before.push(scores(&app, &ada, assistant, question).await);
    }
    let [zanzibar, orchid] = [&before[0], &before[1]].map(|found| {
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].1
    });
    assert!(zanzibar > 0.0, "{zanzibar}");
    assert_eq!(
        zanzibar, orchid,
        "two words the probe holds alike score alike"
    );

    // Another account's documents hold one of the words, many times, in
    // passages of other lengths.
    let (_, bob) = app.user_with_token("bob").await;
    let orchids: Vec<(&str, String)> = ["orchids.md", "more-orchids.md", "garden.md"]
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let text = format!(
                "Orchid price list. {}\n\nThe harbour crew water the orchid beds. {}",
                "Orchid orchids orchid. ".repeat(10 * (i + 1)),
                "Every orchid is shipped with care. ".repeat(5)
            );
            (name, text)
        })
        .collect();
    let garden = assistant_with_files(&app, &bob, &orchids).await;
    let theirs = scores(&app, &bob, garden, "orchid").await;
    assert_eq!(theirs.len(), 3, "{theirs:?}");

    for (question, before) in questions.into_iter().zip(&before) {
        let after = scores(&app, &ada, assistant, question).await;
        assert_eq!(
            &after, before,
            "scores for {question:?} moved when another account added documents"
        );
    }
}

/// A document's passages stop counting in its assistant's keyword
/// statistics when it is deleted: the scores are again those of an
/// assistant that never held it (PostgreSQL keeps each document's word
/// counts for them; SQLite counts the index).
#[tokio::test]
async fn a_deleted_document_stops_counting_in_the_scores() {
    let app = spawn_app().await;
    let (_, ada) = app.user_with_token("ada").await;
    let probe = probe_files();
    let questions = ["zanzibar", "zanzibar orchid crew", "harbour"];
    let plain = assistant_with_files(&app, &ada, &probe).await;
    let mut expected = Vec::new();
    for question in questions {
        expected.push(scores(&app, &ada, plain, question).await);
    }

    let mut with_extra = probe.clone();
    with_extra.push((
        "extra.md",
        "Zanzibar harbour crew schedule. The zanzibar crew rests on Sundays.".to_owned(),
    ));
    let assistant = assistant_with_files(&app, &ada, &with_extra).await;
    let held = scores(&app, &ada, assistant, "zanzibar").await;
    assert_eq!(held.len(), 2, "{held:?}");
    let first = |found: &[(String, f64)]| {
        found
            .iter()
            .find(|(document, _)| document == "first.md")
            .map(|(_, score)| *score)
            .expect("first.md found")
    };
    assert!(
        first(&held) < first(&expected[0]),
        "a second document holding the word makes it less rare: {held:?}"
    );

    let details = get(&app, &ada, &format!("/api/v1/assistants/{assistant}/")).await;
    let extra = details["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["name"] == "extra.md")
        .and_then(|d| d["id"].as_i64())
        .expect("extra.md's id");
    let response = app
        .with_key(
            Method::DELETE,
            &format!("/api/v1/assistants/{assistant}/documents/{extra}/"),
            &ada,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204);

    // Ties are ordered by passage, and the two assistants' passages differ.
    let sorted = |mut found: Vec<(String, f64)>| {
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        found
    };
    for (question, expected) in questions.into_iter().zip(expected) {
        let expected = sorted(expected);
        let after = sorted(scores(&app, &ada, assistant, question).await);
        assert_eq!(
            after, expected,
            "scores for {question:?} still count the deleted document"
        );
    }
}
