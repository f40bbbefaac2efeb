//! Semantic search through the API: with the embedding model loaded, a
//! question in other words than the document's finds the right passage,
//! which keyword search alone does not.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::binary::{Server, start_binary};
use crate::helpers::{TestApp, spawn_app_with, status_and_json};
use crate::mock_model::MockModel;

/// Three sections, each long enough to be a passage of its own.
const REPORT_MD: &str = "# Annual report 2018\n\n\
## Investing activities\n\nPurchases of property, plant and equipment were $1,577 million. \
Most of it went to the assembly lines in Ohio and to tooling for the next rocket range. \
Proceeds from the sale of an old warehouse were $42 million. The company also bought a small \
maker of precision valves for $210 million, net of the cash it held. Investing activities used \
$1,745 million of cash in all, against $1,402 million a year earlier, and should stay at about \
that level next year while the Ohio plant is finished.\n\n\
## Shareholders\n\nThe board raised the quarterly dividend to 42 cents per share, the twelfth \
raise in a row. Shareholders received $3,193 million in dividends during the year, and the \
company bought back 4 million of its own shares for $610 million. At the annual meeting, \
shareholders re-elected all nine directors and approved the auditors for another year. The \
company expects to keep returning about half of its free cash flow to its owners, through \
dividends first and buybacks when the share price allows.\n\n\
## People\n\nWe employed 93,000 people at year end, in 70 countries. About a third of them \
work in our plants and a quarter in research and development. Staff turnover fell to 7 percent \
from 9 percent. Every employee can take up to 40 hours of paid training a year, and 2,400 \
managers completed the leadership programme. Safety improved again: the recordable injury \
rate fell to 0.8 per 100 workers, the lowest in the company's history, and no one was \
seriously hurt at work.\n";

/// The question shares no word with the passage that answers it.
const QUESTION: &str = "How much did they spend on new factories and machinery?";

/// The default model's folder (put in place by `.ci/setup.sh`).
fn model_folder() -> String {
    format!(
        "{}/{}",
        env!("CARGO_MANIFEST_DIR"),
        aiconvokit::config::DEFAULT_EMBEDDING_MODEL
    )
}

/// [`REPORT_MD`] followed by `sections` more sections, each its own
/// passage of about 700 characters.
fn long_report(sections: usize) -> String {
    let mut report = REPORT_MD.to_owned();
    for n in 1..=sections {
        report.push_str(&format!(
            "\n## Weather log {n}\n\nStation {n} recorded {n}1 millimetres of rain in April. "
        ));
        report.push_str(
            &"The rivers ran high and the mornings were foggy along the coast. ".repeat(9),
        );
        report.push('\n');
    }
    report
}

/// The semantic indexing progress of the assistant's first document:
/// `(done, total)`.
async fn progress(app: &TestApp, token: &str, assistant: i64) -> (i64, i64) {
    let document = document_json(app, token, assistant).await;
    let semantic = &document["semantic"];
    match (semantic["done"].as_i64(), semantic["total"].as_i64()) {
        (Some(done), Some(total)) => (done, total),
        _ => (-1, -1),
    }
}

/// Polls until `until(done, total)` holds; returns that progress.
async fn wait_for_progress(
    app: &TestApp,
    token: &str,
    assistant: i64,
    until: impl Fn(i64, i64) -> bool,
    what: &str,
) -> (i64, i64) {
    let mut last = (-1, -1);
    // Background embedding runs at idle priority: generous (10 minutes),
    // for busy machines; 5 polls a second stay within the API's rate limit.
    for _ in 0..3000 {
        last = progress(app, token, assistant).await;
        if last.1 > 0 && until(last.0, last.1) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what}: never happened (last progress {last:?})");
}

/// Polls until every passage of the assistant's document has a vector.
async fn wait_until_embedded(app: &TestApp, token: &str, assistant: i64) -> (i64, i64) {
    wait_for_progress(
        app,
        token,
        assistant,
        |done, total| done == total,
        "all embedded",
    )
    .await
}

fn with_embeddings(model: Option<&str>) -> impl FnOnce(&mut aiconvokit::config::Config) + '_ {
    move |config| {
        config.embedding_model = Some(model.map_or_else(model_folder, str::to_owned));
    }
}

async fn assistant_with_report(app: &TestApp) -> (String, i64) {
    let (_, token) = app.user_with_token("ada").await;
    let id = app
        .assistant_with_document(&token, "acme_2018.md", REPORT_MD)
        .await;
    (token, id)
}

async fn search(app: &TestApp, token: &str, assistant: i64, question: &str) -> Vec<Value> {
    let response = app
        .with_key(
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/search/"),
            token,
        )
        .query(&[("q", question), ("k", "1")])
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 200, "{body}");
    body["results"].as_array().cloned().unwrap_or_default()
}

/// Polls the search, as a client would, until the capex passage is the
/// top hit for [`QUESTION`] (its document processed, then embedded).
async fn assert_capex_becomes_top_hit(app: &TestApp, token: &str, assistant: i64) {
    let mut best = Vec::new();
    // As generous as `wait_for_progress`: embedding runs at idle priority.
    for _ in 0..1800 {
        best = search(app, token, assistant, QUESTION).await;
        if let Some(hit) = best
            .first()
            .filter(|hit| hit["text"].as_str().is_some_and(|t| t.contains("1,577")))
        {
            // The fused score: the best of either ranking scores at least
            // one half, and nothing more than 1.
            let score = hit["score"].as_f64().unwrap_or_default();
            assert!((0.5..=1.0).contains(&score), "fused score {score}: {hit}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the capex passage was never the top hit: {best:?}");
}

#[tokio::test]
async fn a_question_in_other_words_finds_the_passage_once_it_is_embedded() {
    let app = spawn_app_with(with_embeddings(None)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    // Processing, then embedding in the background: poll as a client would.
    assert_capex_becomes_top_hit(&app, &token, assistant).await;
    // The document says how far its semantic indexing has come.
    for _ in 0..100 {
        let document = document_json(&app, &token, assistant).await;
        let semantic = &document["semantic"];
        if semantic["done"] == semantic["total"] {
            assert!(
                semantic["total"].as_i64().is_some_and(|n| n >= 3),
                "{document}"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("semantic indexing never finished");
}

async fn document_json(app: &TestApp, token: &str, assistant: i64) -> Value {
    let (status, body) = app
        .call(
            token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/documents/"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body[0].clone()
}

#[tokio::test]
async fn the_providers_embeddings_endpoint_can_be_the_model() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(|config| {
        config.model.base_url = Some(mock.base_url.clone());
        config.model.api_key = Some("sk-test".into());
        config.embedding_model = Some("openai:mock-embed".into());
    })
    .await;
    let (token, assistant) = assistant_with_report(&app).await;
    assert_capex_becomes_top_hit(&app, &token, assistant).await;
    let requests = mock.embedding_requests();
    assert!(
        requests.iter().all(|r| r["model"] == "mock-embed"),
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r["input"].to_string().contains("Purchases of property")),
        "passages are embedded with their text: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r["input"].to_string().contains("factories")),
        "and so is the question"
    );
}

/// Why the app refuses to start with the embedding model `setting` (given
/// the app's empty data folder).
async fn start_error(setting: impl FnOnce(&std::path::Path) -> String) -> String {
    let folder = tempfile::tempdir().expect("dir");
    let mut config = aiconvokit::config::Config::with_data_dir(folder.path());
    config.embedding_model = Some(setting(folder.path()));
    let options = leptos::config::LeptosOptions::builder()
        .output_name("aiconvokit")
        .site_root(folder.path().display().to_string())
        .build();
    match aiconvokit::server::build_app(config, options).await {
        Ok(_) => panic!("the server started with an unusable embedding model"),
        Err(error) => error.to_string(),
    }
}

#[tokio::test]
async fn openai_embeddings_without_a_provider_stop_the_server_with_a_clear_reason() {
    let message = start_error(|_| "openai:text-embedding-3-small".into()).await;
    assert!(message.contains("OPENAI_BASE_URL"), "{message}");
    assert!(
        message.contains("openai:text-embedding-3-small"),
        "{message}"
    );
}

#[tokio::test]
async fn keyword_search_alone_does_not_find_it() {
    let app = spawn_app_with(with_embeddings(Some("none"))).await;
    let (token, assistant) = assistant_with_report(&app).await;
    // The same document, processed, searched by keywords only.
    for _ in 0..200 {
        let found = search(&app, &token, assistant, "dividend").await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let found = search(&app, &token, assistant, QUESTION).await;
    let document = document_json(&app, &token, assistant).await;
    assert_eq!(document["status"], "ready");
    assert!(
        document["semantic"].is_null(),
        "no model, no progress: {document}"
    );
    assert!(
        found
            .iter()
            .all(|hit| !hit["text"].as_str().unwrap_or_default().contains("1,577")),
        "{found:?}"
    );
}

#[tokio::test]
async fn a_model_folder_that_is_not_one_stops_the_server_with_a_clear_reason() {
    let message = start_error(|folder| folder.display().to_string()).await;
    assert!(message.contains("lacks config.json"), "{message}");
    assert!(message.contains("AICONVOKIT_EMBEDDING_MODEL"), "{message}");
}

#[tokio::test]
async fn an_exact_code_only_keywords_know_still_comes_first() {
    let app = spawn_app_with(with_embeddings(None)).await;
    let (_, token) = app.user_with_token("ada").await;
    // Many passages that read alike to the model; one holds the code asked.
    let mut parts = String::from("# Spare parts\n");
    for n in 10..40 {
        parts.push_str(&format!(
            "\n## Filter {n}\n\nReplacement filter cartridge, part number XK-44{n}-C, \
             fits the 2018 range and ships within three days. "
        ));
        // Long enough for each section to be a passage of its own.
        parts.push_str(
            &"Every cartridge is tested before it leaves the plant and carries a warranty. "
                .repeat(6),
        );
        parts.push('\n');
    }
    let assistant = app
        .assistant_with_document(&token, "parts.md", &parts)
        .await;
    let (_, passages) = wait_until_embedded(&app, &token, assistant).await;
    assert!(
        passages >= 30,
        "each filter a passage of its own: {passages}"
    );
    let best = search(&app, &token, assistant, "XK-4427-C").await;
    assert!(
        best.first()
            .and_then(|hit| hit["text"].as_str())
            .is_some_and(|text| text.contains("XK-4427-C")),
        "{best:?}"
    );
}

/// The binary with `env`, and an assistant whose document is
/// [`long_report`]`(sections)`: the app, its process, a token, the id.
async fn binary_with_long_report(
    env: &[(&str, &str)],
    sections: usize,
) -> (TestApp, Server, String, i64) {
    let (app, server) = start_binary(tempfile::tempdir().expect("dir"), env).await;
    let (_, token) = app.user_with_token("ada").await;
    let assistant = app
        .assistant_with_document(&token, "acme_2018.md", &long_report(sections))
        .await;
    (app, server, token, assistant)
}

#[tokio::test]
async fn semantic_indexing_resumes_after_a_crash_without_starting_over() {
    let model = model_folder();
    let env = [("AICONVOKIT_EMBEDDING_MODEL", model.as_str())];
    let (app, server, token, assistant) = binary_with_long_report(&env, 200).await;
    let (done_before, total) = wait_for_progress(
        &app,
        &token,
        assistant,
        |done, total| done >= 16 && done < total,
        "part of the document embedded",
    )
    .await;
    // kill -9 in the middle of semantic indexing.
    drop(server);

    let (app, server) = start_binary(app.data_dir, &env).await;
    let (done_after, total_after) = progress(&app, &token, assistant).await;
    assert_eq!(total_after, total, "the same passages");
    assert!(
        done_after >= done_before,
        "vectors stored before the crash are kept: {done_after} < {done_before}"
    );
    wait_until_embedded(&app, &token, assistant).await;
    assert_capex_becomes_top_hit(&app, &token, assistant).await;
    let log = std::fs::read_to_string(&server.log).expect("log");
    assert!(
        !log.contains("re-embedding"),
        "nothing was re-embedded: {log}"
    );
}

#[tokio::test]
async fn changing_the_model_re_embeds_every_passage_in_the_background() {
    let mock = MockModel::start().await;
    let provider_env = [
        ("OPENAI_BASE_URL", mock.base_url.as_str()),
        ("OPENAI_API_KEY", "sk-test"),
        ("AICONVOKIT_EMBEDDING_MODEL", "openai:mock-embed"),
    ];
    let (app, server, token, assistant) = binary_with_long_report(&provider_env, 150).await;
    let (_, total) = wait_until_embedded(&app, &token, assistant).await;
    drop(server);
    let requests_by_the_first_model = mock.embedding_requests().len();
    assert!(requests_by_the_first_model > 0);

    // The same data, another model: progress starts again and completes
    // with the new model (the provider is not asked again).
    let model = model_folder();
    let (app, server) = start_binary(
        app.data_dir,
        &[("AICONVOKIT_EMBEDDING_MODEL", model.as_str())],
    )
    .await;
    wait_for_progress(
        &app,
        &token,
        assistant,
        |done, total| done < total,
        "the old vectors dropped",
    )
    .await;
    let (_, total_after) = wait_until_embedded(&app, &token, assistant).await;
    assert_eq!(total_after, total);
    assert_eq!(mock.embedding_requests().len(), requests_by_the_first_model);
    assert_capex_becomes_top_hit(&app, &token, assistant).await;
    let log = std::fs::read_to_string(&server.log).expect("log");
    assert!(
        log.contains("the embedding model changed: re-embedding passages"),
        "{log}"
    );
}
