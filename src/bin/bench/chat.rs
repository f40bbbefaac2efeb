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

/// The time the server adds to an answer (less the mock model's own
/// delay), by surface, one entry per question asked.
#[derive(Debug, Default)]
pub struct ChatLatency {
    /// `PUT /api/v1/chat/{id}/?stream=true`: until the first `delta`.
    pub api_first_words: Vec<Duration>,
    /// `PUT /api/v1/chat/{id}/`: until the whole answer.
    pub api_whole: Vec<Duration>,
    /// `POST /v1/chat/completions` streamed: until the first content chunk.
    pub openai_first_words: Vec<Duration>,
    /// `POST /v1/chat/completions`: until the whole completion.
    pub openai_whole: Vec<Duration>,
}

/// Until the first piece of a streamed response that contains `marker`
/// (the whole body is read).
async fn first_with(
    response: reqwest::Response,
    marker: &str,
    started: Instant,
) -> anyhow::Result<Option<Duration>> {
    let mut response = response;
    let mut first = None;
    while let Some(bytes) = response.chunk().await? {
        if first.is_none() && String::from_utf8_lossy(&bytes).contains(marker) {
            first = Some(started.elapsed());
        }
    }
    Ok(first)
}

/// For each question, the time the server adds before the first words and
/// to the whole answer, through the chat API and through the
/// OpenAI-compatible endpoint.
pub async fn server_added_latency(
    file_name: &str,
    bytes: Vec<u8>,
    questions: &[String],
) -> anyhow::Result<ChatLatency> {
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
    let workspace_id = state
        .db
        .current_membership(user_id)
        .await?
        .map(|row| row.workspace_id)
        .unwrap_or_default();
    state
        .db
        .update_answer_settings(workspace_id, assistant_id, &settings)
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

    let model = assistant["openai_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap_or_default());
    let mut measured = ChatLatency::default();
    for round in 0..3 {
        // The first round warms caches.
        let keep = |list: &mut Vec<Duration>, time: Option<Duration>| {
            if let (Some(time), true) = (time, round > 0) {
                list.push(time.saturating_sub(MODEL_DELAY));
            }
        };
        for question in questions {
            let put = || {
                client
                    .put(format!("{app}/api/v1/chat/{chat_id}/"))
                    .header("Authorization", &auth)
                    .json(&json!({"assistant_id": assistant_id, "input": question}))
            };
            let completion = |stream: bool| {
                client
                    .post(format!("{app}/v1/chat/completions"))
                    .header("Authorization", &bearer)
                    .json(&json!({"model": model, "stream": stream,
                                  "messages": [{"role": "user", "content": question}]}))
            };
            let started = Instant::now();
            let response = put().query(&[("stream", "true")]).send().await?;
            keep(
                &mut measured.api_first_words,
                first_with(response, "event: delta", started).await?,
            );
            let started = Instant::now();
            put().send().await?.bytes().await?;
            keep(&mut measured.api_whole, Some(started.elapsed()));
            let started = Instant::now();
            let response = completion(true).send().await?;
            keep(
                &mut measured.openai_first_words,
                first_with(response, "\"content\":\"The answer", started).await?,
            );
            let started = Instant::now();
            completion(false).send().await?.bytes().await?;
            keep(&mut measured.openai_whole, Some(started.elapsed()));
        }
    }
    Ok(measured)
}

/// Measures and prints [`server_added_latency`] for one filing.
pub async fn print_latency(
    file_name: &str,
    pages: usize,
    bytes: Vec<u8>,
    questions: &[String],
) -> anyhow::Result<()> {
    let mut measured = server_added_latency(file_name, bytes, questions).await?;
    for list in [
        &mut measured.api_first_words,
        &mut measured.api_whole,
        &mut measured.openai_first_words,
        &mut measured.openai_whole,
    ] {
        list.sort();
    }
    let place = if pages > 0 {
        format!("{file_name} ({pages} pages)")
    } else {
        file_name.to_owned()
    };
    let line = |label: &str, times: &[Duration]| {
        println!(
            "chat, {place}, {label}: p50 {:.2} ms  p99 {:.2} ms  ({} answers, mock model delay {} ms)",
            crate::percentile_ms(times, 0.5),
            crate::percentile_ms(times, 0.99),
            times.len(),
            MODEL_DELAY.as_millis()
        );
    };
    line(
        "time the server adds before the first words, PUT /api/v1/chat/{id}/ streamed",
        &measured.api_first_words,
    );
    line(
        "before the first words, POST /v1/chat/completions streamed",
        &measured.openai_first_words,
    );
    line("whole answer, PUT /api/v1/chat/{id}/", &measured.api_whole);
    line(
        "whole answer, POST /v1/chat/completions",
        &measured.openai_whole,
    );
    Ok(())
}
