//! Semantic search through the API: with the embedding model loaded, a
//! question in other words than the document's finds the right passage,
//! which keyword search alone does not.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with, status_and_json};
use crate::mock_model::MockModel;

/// Each heading's section becomes its own passage.
const REPORT_MD: &str = "# Annual report 2018\n\n\
## Investing activities\n\nPurchases of property, plant and equipment were $1,577 million.\n\n\
## Shareholders\n\nThe board raised the quarterly dividend to 42 cents per share.\n\n\
## People\n\nWe employed 93,000 people at year end, in 70 countries.\n";

/// The question shares no word with the passage that answers it.
const QUESTION: &str = "How much did they spend on new factories and machinery?";

fn with_embeddings(model: Option<&str>) -> impl FnOnce(&mut aiconvokit::config::Config) + '_ {
    move |config| {
        config.embedding_model = Some(model.map_or_else(
            || {
                format!(
                    "{}/{}",
                    env!("CARGO_MANIFEST_DIR"),
                    aiconvokit::config::DEFAULT_EMBEDDING_MODEL
                )
            },
            str::to_owned,
        ));
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
        .api
        .get(app.url(&format!("/api/v1/assistants/{assistant}/search/")))
        .query(&[("q", question), ("k", "1")])
        .header("Authorization", format!("Token {token}"))
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
    for _ in 0..300 {
        best = search(app, token, assistant, QUESTION).await;
        if best
            .first()
            .is_some_and(|hit| hit["text"].as_str().is_some_and(|t| t.contains("1,577")))
        {
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
    let response = app
        .api
        .get(app.url(&format!("/api/v1/assistants/{assistant}/documents/")))
        .header("Authorization", format!("Token {token}"))
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
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

#[tokio::test]
async fn openai_embeddings_without_a_provider_stop_the_server_with_a_clear_reason() {
    let folder = tempfile::tempdir().expect("dir");
    let mut config = aiconvokit::config::Config::with_data_dir(folder.path());
    config.embedding_model = Some("openai:text-embedding-3-small".into());
    let options = leptos::config::LeptosOptions::builder()
        .output_name("aiconvokit")
        .site_root(folder.path().display().to_string())
        .build();
    let Err(error) = aiconvokit::server::build_app(config, options).await else {
        panic!("the server started without a provider");
    };
    let message = error.to_string();
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
    let folder = tempfile::tempdir().expect("dir");
    let mut config = aiconvokit::config::Config::with_data_dir(folder.path());
    config.embedding_model = Some(folder.path().display().to_string());
    let options = leptos::config::LeptosOptions::builder()
        .output_name("aiconvokit")
        .site_root(folder.path().display().to_string())
        .build();
    let Err(error) = aiconvokit::server::build_app(config, options).await else {
        panic!("the server started without a model");
    };
    let message = error.to_string();
    assert!(message.contains("lacks config.json"), "{message}");
    assert!(message.contains("AICONVOKIT_EMBEDDING_MODEL"), "{message}");
}
