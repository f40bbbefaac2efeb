//! A local model provider that speaks the OpenAI chat-completions wire
//! format (streamed and not), so the product's real client code runs in
//! tests. Each request takes the next scripted behaviour; every request
//! body is recorded for the test to inspect.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// What the mock does with one request.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Streams these pieces of text (or answers with them joined when the
    /// request does not ask for a stream), after `delay`.
    Answer {
        pieces: Vec<String>,
        delay: Duration,
    },
    /// Streams these pieces with `gap` between them.
    Slow { pieces: Vec<String>, gap: Duration },
    /// Answers with this HTTP status and an OpenAI-shaped error.
    Status(u16),
    /// 429 with `Retry-After: seconds`.
    RateLimited { retry_after_secs: u64 },
    /// Never answers.
    Hang,
    /// Starts a stream, then sends something that is not JSON.
    Malformed,
    /// 401 whose message quotes the key it was sent, as OpenAI's does.
    EchoKey,
}

impl Behaviour {
    /// An answer streamed as these pieces at once.
    pub fn answer(pieces: &[&str]) -> Self {
        Self::Answer {
            pieces: pieces.iter().map(|p| (*p).to_owned()).collect(),
            delay: Duration::ZERO,
        }
    }
}

#[derive(Default)]
struct Script {
    next: VecDeque<Behaviour>,
    requests: Vec<Value>,
    embedding_requests: Vec<Value>,
}

/// A running mock provider.
#[derive(Clone)]
pub struct MockModel {
    /// The base URL to configure (`OPENAI_BASE_URL`), ending in `/v1`.
    pub base_url: String,
    script: Arc<Mutex<Script>>,
}

impl MockModel {
    /// Starts the mock on a free port.
    pub async fn start() -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(completions))
            .route("/v1/embeddings", post(embeddings))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind mock");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("mock serves");
        });
        Self {
            base_url: format!("http://{address}/v1"),
            script,
        }
    }

    /// Scripts the next requests (the last behaviour repeats).
    pub fn then(&self, behaviours: impl IntoIterator<Item = Behaviour>) -> &Self {
        let mut script = self.script.lock().expect("script");
        script.next.clear();
        script.next.extend(behaviours);
        self
    }

    /// The request bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.script.lock().expect("script").requests.clone()
    }

    /// The `/embeddings` request bodies received so far.
    pub fn embedding_requests(&self) -> Vec<Value> {
        self.script
            .lock()
            .expect("script")
            .embedding_requests
            .clone()
    }
}

/// Words of each dimension of the mock's embeddings: a text's vector counts
/// the words of each group it holds (plus a constant, so none is zero).
const CONCEPTS: [&[&str]; 3] = [
    &[
        "property",
        "plant",
        "equipment",
        "factories",
        "machinery",
        "capex",
    ],
    &["dividend", "shareholders", "payout"],
    &["employed", "people", "staff", "workforce"],
];

/// `/v1/embeddings`: a vector per input (OpenAI's shape), unnormalised.
async fn embeddings(State(script): State<Arc<Mutex<Script>>>, Json(body): Json<Value>) -> Response {
    script
        .lock()
        .expect("script")
        .embedding_requests
        .push(body.clone());
    let inputs: Vec<String> = match &body["input"] {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let lower = text.to_lowercase();
            let mut vector: Vec<f32> = CONCEPTS
                .iter()
                .map(|words| words.iter().filter(|w| lower.contains(*w)).count() as f32 * 3.0)
                .collect();
            vector.push(0.1);
            json!({"object": "embedding", "index": index, "embedding": vector})
        })
        .collect();
    Json(
        json!({"object": "list", "model": body["model"], "data": data,
                "usage": {"prompt_tokens": 0, "total_tokens": 0}}),
    )
    .into_response()
}

async fn completions(
    State(script): State<Arc<Mutex<Script>>>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let behaviour = {
        let mut script = script.lock().expect("script");
        script.requests.push(body.clone());
        if script.next.len() > 1 {
            script.next.pop_front()
        } else {
            script.next.front().cloned()
        }
    }
    .unwrap_or_else(|| Behaviour::answer(&["(no script)"]));
    let streamed = body["stream"] == json!(true);
    match behaviour {
        Behaviour::Answer { pieces, delay } => {
            tokio::time::sleep(delay).await;
            if streamed {
                let mut events = String::new();
                for piece in &pieces {
                    events.push_str(&format!(
                        "data: {}\n\n",
                        chunk(&json!({"content": piece}), None)
                    ));
                }
                events.push_str(&format!("data: {}\n\n", chunk(&json!({}), Some("stop"))));
                events.push_str("data: [DONE]\n\n");
                sse(events)
            } else {
                Json(json!({
                    "id": "chatcmpl-mock", "object": "chat.completion", "created": 0, "model": "mock",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": pieces.concat()}}]
                }))
                .into_response()
            }
        }
        Behaviour::Slow { pieces, gap } => {
            let events = futures::stream::unfold(pieces.into_iter(), move |mut rest| async move {
                let piece = rest.next()?;
                tokio::time::sleep(gap).await;
                let event = format!("data: {}\n\n", chunk(&json!({"content": piece}), None));
                Some((Ok::<_, std::convert::Infallible>(event), rest))
            });
            Response::builder()
                .header(header::CONTENT_TYPE, "text/event-stream")
                .body(Body::from_stream(events))
                .expect("response")
        }
        Behaviour::Status(status) => error(status, None),
        Behaviour::RateLimited { retry_after_secs } => error(429, Some(retry_after_secs)),
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            error(500, None)
        }
        Behaviour::EchoKey => {
            let sent = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .trim_start_matches("Bearer ");
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": {"message": format!("Incorrect API key provided: {sent}."),
                                      "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})),
            )
                .into_response()
        }
        Behaviour::Malformed => sse(format!(
            "data: {}\n\ndata: {{this is not json\n\n",
            chunk(&json!({"content": "Partly "}), None)
        )),
    }
}

fn chunk(delta: &Value, finish: Option<&str>) -> Value {
    json!({
        "id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": "mock",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
    })
}

fn sse(events: String) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from(events))
        .expect("response")
}

fn error(status: u16, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    let kind = if status == StatusCode::TOO_MANY_REQUESTS {
        "rate_limit_exceeded"
    } else {
        "server_error"
    };
    let mut response = (
        status,
        Json(json!({"error": {"message": "mock failure", "type": kind, "param": null, "code": null}})),
    )
        .into_response();
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            seconds.to_string().parse().expect("header"),
        );
    }
    response
}
