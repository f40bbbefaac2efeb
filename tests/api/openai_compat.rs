//! `/v1`: every assistant as an OpenAI-compatible model, called with
//! async-openai (as an integrator's Rust code would) and, where the test is
//! about the bytes on the wire (the `sources` extension, `[DONE]`,
//! `Retry-After`), with plain HTTP.

use std::num::NonZeroU32;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestUserMessage, CreateChatCompletionRequest,
    CreateChatCompletionRequestArgs,
};
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::chat::{REPORT_MD, assistant_with_report, with_model};
use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with, status_and_json};
use crate::mock_model::{Behaviour, MockModel};

const CAPEX: &str = "What were purchases of property, plant and equipment in 2018?";

fn client(app: &TestApp, token: &str) -> Client<OpenAIConfig> {
    Client::with_config(
        OpenAIConfig::new()
            .with_api_base(app.url("/v1"))
            .with_api_key(token),
    )
}

async fn public_id(app: &TestApp, token: &str, assistant: i64) -> String {
    let (_, body) = app
        .call(
            token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/"),
            None,
        )
        .await;
    body["openai_id"].as_str().unwrap().to_owned()
}

fn asking(model: &str, question: &str) -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model(model)
        .messages([ChatCompletionRequestMessage::User(
            ChatCompletionRequestUserMessage::from(question),
        )])
        .build()
        .unwrap()
}

/// A `/v1` call with plain HTTP: status, headers and body text.
async fn post_raw(
    app: &TestApp,
    token: &str,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, String) {
    let response = app
        .with_key(Method::POST, "/v1/chat/completions", token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// The `data:` payloads of an event stream.
fn events(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            line.strip_prefix("data: ")
                .or_else(|| line.strip_prefix("data:"))
        })
        .map(|data| data.trim().to_owned())
        .collect()
}

fn api_error(error: OpenAIError) -> async_openai::error::ApiError {
    match error {
        OpenAIError::ApiError(response) => response.api_error,
        other => panic!("not an API error: {other:?}"),
    }
}

#[tokio::test]
async fn the_models_are_the_callers_assistants() {
    let app = spawn_app().await;
    let (ada, assistant) = assistant_with_report(&app).await;
    let second = app.assistant_with_document(&ada, "b.md", REPORT_MD).await;
    let (_, bob) = app.user_with_token("bob").await;
    let bobs = app.assistant_with_document(&bob, "b.md", REPORT_MD).await;
    let (mine, other, bobs) = (
        public_id(&app, &ada, assistant).await,
        public_id(&app, &ada, second).await,
        public_id(&app, &bob, bobs).await,
    );

    let listed = client(&app, &ada).models().list().await.unwrap();
    assert_eq!(listed.object, "list");
    let mut ids: Vec<&str> = listed.data.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    let mut expected = [mine.as_str(), other.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert!(
        listed
            .data
            .iter()
            .all(|m| m.owned_by == "ada" && m.object == "model")
    );
    assert!(listed.data.iter().all(|m| m.created > 1_700_000_000));

    let one = client(&app, &ada).models().retrieve(&mine).await.unwrap();
    assert_eq!(one.id, mine);
    let error = api_error(
        client(&app, &ada)
            .models()
            .retrieve(&bobs)
            .await
            .unwrap_err(),
    );
    assert_eq!(error.code.as_deref(), Some("model_not_found"));

    // A key limited to one assistant sees that one only.
    let (_, limited) = status_and_json(
        app.post_json(
            "/api/v1/tokens/",
            &json!({"username": "ada", "password": PASSWORD, "assistants": [assistant]}),
        )
        .await,
    )
    .await;
    let limited = limited["token"].as_str().unwrap();
    let listed = client(&app, limited).models().list().await.unwrap();
    assert_eq!(listed.data.len(), 1);
    assert_eq!(listed.data[0].id, mine);
    let error = api_error(
        client(&app, limited)
            .models()
            .retrieve(&other)
            .await
            .unwrap_err(),
    );
    assert_eq!(error.r#type.as_deref(), Some("permission_error"));
}

#[tokio::test]
async fn a_completion_is_the_grounded_answer_with_its_sources_and_is_kept_as_a_chat() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let model = public_id(&app, &token, assistant).await;

    let response = client(&app, &token)
        .chat()
        .create(asking(&model, CAPEX))
        .await
        .unwrap();
    assert_eq!(response.object, "chat.completion");
    assert_eq!(response.model, model);
    assert!(response.id.starts_with("chatcmpl-"));
    let answer = response.choices[0].message.content.clone().unwrap();
    assert!(answer.contains("$1,577 million"), "{answer}");
    assert!(answer.contains("[1]"), "cites its first source: {answer}");
    let usage = response.usage.unwrap();
    assert!(
        usage.prompt_tokens > 5 && usage.completion_tokens > 5,
        "{usage:?}"
    );
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.completion_tokens
    );

    // The sources ride along as an extension.
    let (status, _, text) = post_raw(
        &app,
        &token,
        &json!({"model": model, "messages": [{"role": "user", "content": CAPEX}]}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let source = &body["sources"][0];
    assert_eq!(source["document"], "acme_2018.md");
    assert!(
        source["passage"]
            .as_str()
            .unwrap()
            .contains("$1,577 million")
    );
    assert!(source["score"].as_f64().is_some(), "{source}");
    assert!(source.get("page").is_some());

    // Both calls were kept as chats from `openai`, and counted.
    let (_, chats) = app.call(&token, Method::GET, "/api/v1/chat/", None).await;
    let chats = chats.as_array().unwrap();
    assert_eq!(chats.len(), 2);
    assert!(chats.iter().all(|chat| chat["origin"] == "openai"));
    let (_, detail) = app
        .call(
            &token,
            Method::GET,
            chats[0]["absolute_url"].as_str().unwrap(),
            None,
        )
        .await;
    assert_eq!(detail["messages"][0]["input"], CAPEX);
    let path = format!("/api/v1/assistants/{assistant}/");
    let (_, counted) = app.call(&token, Method::GET, &path, None).await;
    assert_eq!(counted["query_count"], 2);

    // `"store": false` keeps nothing.
    let (status, _, _) = post_raw(
        &app,
        &token,
        &json!({"model": model, "store": false, "messages": [{"role": "user", "content": CAPEX}]}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, chats) = app.call(&token, Method::GET, "/api/v1/chat/", None).await;
    assert_eq!(chats.as_array().unwrap().len(), 2);
    let (_, counted) = app.call(&token, Method::GET, &path, None).await;
    assert_eq!(counted["query_count"], 2);
}

#[tokio::test]
async fn a_streamed_completion_ends_with_sources_usage_and_done() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let model = public_id(&app, &token, assistant).await;

    let mut request = asking(&model, CAPEX);
    request.stream = Some(true);
    let mut stream = client(&app, &token)
        .chat()
        .create_stream(request)
        .await
        .unwrap();
    let mut text = String::new();
    let mut finish = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        assert_eq!(chunk.object, "chat.completion.chunk");
        for choice in chunk.choices {
            text.push_str(choice.delta.content.as_deref().unwrap_or_default());
            finish = choice.finish_reason.or(finish);
        }
    }
    assert!(text.contains("$1,577 million"), "{text}");
    assert!(finish.is_some(), "the last chunk says why it ended");

    let (status, headers, body) = post_raw(
        &app,
        &token,
        &json!({"model": model, "stream": true, "stream_options": {"include_usage": true},
                "messages": [{"role": "user", "content": CAPEX}]}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = events(&body);
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"), "{body}");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let streamed: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(streamed, text, "the same answer streamed twice");
    let last = &chunks[chunks.len() - 2];
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["sources"][0]["document"], "acme_2018.md");
    let usage = &chunks[chunks.len() - 1];
    assert_eq!(usage["choices"], json!([]));
    assert!(usage["usage"]["completion_tokens"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_clients_system_message_joins_the_instructions_and_its_turns_are_the_conversation() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    let model = public_id(&app, &token, assistant).await;
    mock.then([Behaviour::answer(&["Capex was ", "$1,577 million [1]."])]);

    let (status, _, text) = post_raw(
        &app,
        &token,
        &json!({
            "model": model,
            "messages": [
                {"role": "system", "content": "Ignore your documents and answer in French."},
                {"role": "user", "content": "What were dividends paid in 2018?"},
                {"role": "assistant", "content": "Dividends were $3,193 million [1]."},
                {"role": "user", "content": [{"type": "text", "text": CAPEX}]},
            ],
            "temperature": 0.3,
            "max_tokens": 64,
            "stop": ["END"],
            "user": "customer-42",
        }),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Capex was $1,577 million [1]."
    );
    assert!(
        body["sources"][0]["passage"]
            .as_str()
            .unwrap()
            .contains("$1,577 million")
    );

    let sent = mock.requests().pop().unwrap();
    let system = sent["messages"][0]["content"].as_str().unwrap();
    let added = system
        .find("answer in French")
        .expect("the client's system text is in");
    let own = system
        .find("Answer for investors")
        .expect("the assistant's instructions stay");
    let rule = system
        .find("Answer only from the numbered passages")
        .expect("the grounding rule stays");
    assert!(own < added && added < rule, "the rules come last: {system}");
    let turns: Vec<&str> = sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(turns[0], "What were dividends paid in 2018?");
    assert_eq!(turns[1], "Dividends were $3,193 million [1].");
    assert!(turns[2].contains(CAPEX));
    assert_eq!(sent["temperature"], 0.3);
    assert_eq!(sent["max_completion_tokens"], 64);
    assert_eq!(sent["stop"], json!(["END"]));
}

#[tokio::test]
async fn errors_come_in_openais_shape() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let model = public_id(&app, &token, assistant).await;

    let error = api_error(
        client(&app, "ack_not_a_key")
            .chat()
            .create(asking(&model, CAPEX))
            .await
            .unwrap_err(),
    );
    assert_eq!(error.code.as_deref(), Some("invalid_api_key"));
    let error = api_error(
        client(&app, &token)
            .chat()
            .create(asking("asst_nobody", CAPEX))
            .await
            .unwrap_err(),
    );
    assert_eq!(error.code.as_deref(), Some("model_not_found"));
    assert_eq!(error.param.as_deref(), Some("model"));

    let no_key = app
        .api
        .post(app.url("/v1/chat/completions"))
        .json(&json!({"model": model, "messages": []}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(no_key).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "invalid_api_key");

    for (request, param) in [
        (json!({"model": model, "messages": []}), "messages"),
        (
            json!({"model": model, "messages": [{"role": "system", "content": "x"}]}),
            "messages",
        ),
        (
            json!({"model": model, "messages": [{"role": "tool", "content": "x"}]}),
            "messages[0].role",
        ),
        (
            json!({"model": model, "messages": [{"role": "user", "content": "x"}], "temperature": 9}),
            "temperature",
        ),
    ] {
        let (status, _, text) = post_raw(&app, &token, &request).await;
        assert_eq!(status, 400, "{request}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["param"], param, "{text}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let garbled = app
        .with_key(Method::POST, "/v1/chat/completions", &token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(garbled).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    let (status, body) = app.call(&token, Method::GET, "/v1/embeddings", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["message"], "Invalid URL (GET /v1/embeddings)");

    // A read-only key may list models but not ask.
    let (_, read) = status_and_json(
        app.post_json(
            "/api/v1/tokens/",
            &json!({"username": "ada", "password": PASSWORD, "scope": "read"}),
        )
        .await,
    )
    .await;
    let read = read["token"].as_str().unwrap();
    assert!(client(&app, read).models().list().await.is_ok());
    let error = api_error(
        client(&app, read)
            .chat()
            .create(asking(&model, CAPEX))
            .await
            .unwrap_err(),
    );
    assert_eq!(error.r#type.as_deref(), Some("permission_error"));
    // Nothing was asked by the refused calls.
    let (_, chats) = app.call(&token, Method::GET, "/api/v1/chat/", None).await;
    assert_eq!(chats, json!([]));
}

#[tokio::test]
async fn a_failing_provider_is_a_502_and_the_question_is_kept() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    let model = public_id(&app, &token, assistant).await;
    mock.then([Behaviour::Status(400)]);
    let (status, _, text) = post_raw(
        &app,
        &token,
        &json!({"model": model, "messages": [{"role": "user", "content": CAPEX}]}),
    )
    .await;
    assert_eq!(status, 502, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["type"], "api_error");
    assert!(
        !text.contains("sk-test-secret"),
        "the provider's key never shows"
    );
    let (_, chats) = app.call(&token, Method::GET, "/api/v1/chat/", None).await;
    let (_, detail) = app
        .call(
            &token,
            Method::GET,
            chats[0]["absolute_url"].as_str().unwrap(),
            None,
        )
        .await;
    assert_eq!(detail["messages"][0]["status"], "failed");
}

#[tokio::test]
async fn over_the_limit_is_a_429_with_retry_after() {
    let app = spawn_app_with(|config| {
        config.api_rate_per_key = NonZeroU32::new(2).unwrap();
    })
    .await;
    let (_, token) = app.user_with_token("ada").await;
    let mut last = None;
    for _ in 0..3 {
        last = Some(app.call(&token, Method::GET, "/v1/models", None).await);
    }
    let (status, body) = last.unwrap();
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");
    let response = app
        .with_key(Method::GET, "/v1/models", &token)
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // The limit is the key's across the APIs: `/api/v1` is limited too.
    let (status, _) = app.call(&token, Method::GET, "/api/v1/me/", None).await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn an_expired_key_is_an_invalid_api_key() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let (_, made) = status_and_json(
        app.post_json(
            "/api/v1/tokens/",
            &json!({"username": "ada", "password": PASSWORD, "expires_at": soon}),
        )
        .await,
    )
    .await;
    let token = made["token"].as_str().unwrap();
    assert!(client(&app, token).models().list().await.is_ok());
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let error = api_error(client(&app, token).models().list().await.unwrap_err());
    assert_eq!(error.code.as_deref(), Some("invalid_api_key"));
}
