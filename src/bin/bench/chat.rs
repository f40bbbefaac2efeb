//! The app served with a mock model, asked through the streaming API.

use std::time::{Duration, Instant};

use aiconvokit::config::Config;
use aiconvokit::server::{build_app, serve};
use axum::body::Body;
use axum::response::Response;
use leptos::config::LeptosOptions;
use serde_json::{Value, json};

/// How long the mock model takes before its first words.
pub const MODEL_DELAY: Duration = Duration::from_millis(20);

async fn mock_completion() -> Response {
    tokio::time::sleep(MODEL_DELAY).await;
    let chunk = |content: &str| {
        json!({"id": "b", "object": "chat.completion.chunk", "created": 0, "model": "mock",
               "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
    };
    let body = format!(
        "data: {}\n\ndata: {}\n\ndata: [DONE]\n\n",
        chunk("The answer "),
        chunk("is on the page [1].")
    );
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from(body))
        .unwrap_or_default()
}

async fn listen() -> anyhow::Result<(tokio::net::TcpListener, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    Ok((listener, address))
}

/// For each question, the time from sending it until the first words
/// arrive, less the mock model's own delay.
pub async fn server_added_latency(
    file_name: &str,
    bytes: Vec<u8>,
    questions: &[String],
) -> anyhow::Result<Vec<Duration>> {
    let (model_listener, model_url) = listen().await?;
    let model =
        axum::Router::new().route("/v1/chat/completions", axum::routing::post(mock_completion));
    tokio::spawn(async move { axum::serve(model_listener, model).await });

    let data = tempfile::tempdir()?;
    let mut config = Config::with_data_dir(data.path());
    config.model.base_url = Some(format!("{model_url}/v1"));
    // Documents are read by the server binary built beside this one.
    let server = std::env::current_exe()?.with_file_name("aiconvokit");
    anyhow::ensure!(
        server.exists(),
        "documents are read by the server binary beside this one, and {} is missing: \
         build it too (cargo build --release --features ssr)",
        server.display()
    );
    config.extractor = Some(server);
    let options = LeptosOptions::builder()
        .output_name("aiconvokit")
        .site_root(data.path().join("site").display().to_string())
        .build();
    let (service, state) = build_app(config, options)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (listener, app) = listen().await?;
    tokio::spawn(async move { serve(listener, service, std::time::Duration::from_secs(5)).await });

    let client = reqwest::Client::new();
    let user: Value = client
        .post(format!("{app}/api/v1/users/"))
        .json(&json!({"username": "bench", "email": "bench@example.com", "password": "bench password"}))
        .send()
        .await?
        .json()
        .await?;
    let token: Value = client
        .post(format!("{app}/api/v1/tokens/"))
        .json(&json!({"username": "bench", "password": "bench password"}))
        .send()
        .await?
        .json()
        .await?;
    let auth = format!("Token {}", token["token"].as_str().unwrap_or_default());
    let form = reqwest::multipart::Form::new()
        .text("name", "Bench")
        .text("company_name", "Bench")
        .text("instructions", "Answer from the filing.")
        .part(
            "files",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
    let assistant: Value = client
        .post(format!("{app}/api/v1/assistants/"))
        .header("Authorization", &auth)
        .multipart(form)
        .send()
        .await?
        .json()
        .await?;
    let assistant_id = assistant["id"].as_i64().unwrap_or_default();
    loop {
        let current: Value = client
            .get(format!("{app}/api/v1/assistants/{assistant_id}/"))
            .header("Authorization", &auth)
            .send()
            .await?
            .json()
            .await?;
        match current["documents"][0]["status"].as_str() {
            Some("ready") => break,
            Some("failed") => anyhow::bail!("the filing failed: {current}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    // Every question goes to the model (none is refused for want of passages).
    let settings = aiconvokit::db::chats::AnswerSettings {
        grounded: false,
        refusal: String::new(),
        chat_model: None,
        temperature: None,
    };
    let user_id = user["id"].as_i64().unwrap_or_default();
    state
        .db
        .update_answer_settings(user_id, assistant_id, &settings)
        .await?;
    let chat: Value = client
        .post(format!("{app}/api/v1/chat/"))
        .header("Authorization", &auth)
        .json(&json!({"assistant_id": assistant_id}))
        .send()
        .await?
        .json()
        .await?;
    let chat_id = chat["id"].as_i64().unwrap_or_default();

    let mut added = Vec::new();
    for round in 0..3 {
        for question in questions {
            let started = Instant::now();
            let mut response = client
                .put(format!("{app}/api/v1/chat/{chat_id}/?stream=true"))
                .header("Authorization", &auth)
                .json(&json!({"assistant_id": assistant_id, "input": question}))
                .send()
                .await?;
            let mut first = None;
            while let Some(bytes) = response.chunk().await? {
                if first.is_none() && String::from_utf8_lossy(&bytes).contains("event: delta") {
                    first = Some(started.elapsed());
                }
            }
            // The first round warms caches.
            if let (Some(first), true) = (first, round > 0) {
                added.push(first.saturating_sub(MODEL_DELAY));
            }
        }
    }
    Ok(added)
}
