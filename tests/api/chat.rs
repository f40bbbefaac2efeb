//! Chat through the API: answers grounded in the documents with the pages
//! they cite, streamed or whole, with a model (a local mock speaking the
//! OpenAI wire format) and without one; provider failures keep the question.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::mock_model::{Behaviour, MockModel};

pub(crate) const REPORT_MD: &str = "# Annual report 2018\n\nAcme Corporation makes rockets and anvils.\n\n\
## Cash flows\n\nPurchases of property, plant and equipment were $1,577 million in 2018, \
up from $1,373 million in 2017. Most of it went to the assembly lines in Ohio and to tooling for \
the next rocket range. Proceeds from the sale of an old warehouse were $42 million. Operating \
activities provided $6,439 million of cash, and the company ended the year with $2,853 million \
of cash and cash equivalents, against $3,053 million a year earlier. Net debt rose slightly, \
as new notes of $1,000 million were issued in the autumn to refinance older ones.\n\n## Dividends\n\nDividends paid to shareholders were $3,193 million in 2018.\n";

/// A user with a token and an assistant whose report is processed.
pub(crate) async fn assistant_with_report(app: &TestApp) -> (String, i64) {
    let (_, token) = app.user_with_token("ada").await;
    let id = app
        .assistant_with_document(&token, "acme_2018.md", REPORT_MD)
        .await;
    for _ in 0..200 {
        let (_, assistant) = app
            .call(
                &token,
                Method::GET,
                &format!("/api/v1/assistants/{id}/"),
                None,
            )
            .await;
        if assistant["documents"][0]["status"] == "ready" {
            return (token, id);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the report was not processed");
}

pub(crate) async fn new_chat(app: &TestApp, token: &str, assistant_id: i64) -> i64 {
    let (status, chat) = app
        .call(
            token,
            Method::POST,
            "/api/v1/chat/",
            Some(json!({"assistant_id": assistant_id})),
        )
        .await;
    assert_eq!(status, 201, "{chat}");
    assert_eq!(
        chat["absolute_url"],
        format!("/api/v1/chat/{}/", chat["id"])
    );
    assert!(
        chat["thread_id"]
            .as_str()
            .is_some_and(|t| t.starts_with("thread_") && t.len() == 31),
        "{chat}"
    );
    chat["id"].as_i64().expect("id")
}

pub(crate) async fn ask(
    app: &TestApp,
    token: &str,
    chat: i64,
    assistant: i64,
    input: &str,
) -> (u16, Value) {
    app.call(
        token,
        Method::PUT,
        &format!("/api/v1/chat/{chat}/"),
        Some(json!({"assistant_id": assistant, "input": input})),
    )
    .await
}

pub(crate) fn with_model(mock: &MockModel) -> impl FnOnce(&mut aiconvokit::config::Config) + '_ {
    move |config| {
        config.model.base_url = Some(mock.base_url.clone());
        config.model.api_key = Some("sk-test-secret-key-123".into());
        config.model.first_token_timeout_secs = 2;
        config.model.total_timeout_secs = 5;
    }
}

#[tokio::test]
async fn without_a_model_the_answer_quotes_the_passages_with_their_sources() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let (status, answer) = ask(
        &app,
        &token,
        chat,
        assistant,
        "What were purchases of property, plant and equipment in 2018?",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let output = answer["output"].as_str().expect("output");
    assert!(
        output.starts_with("No language model is configured"),
        "{output}"
    );
    assert!(output.contains("$1,577 million"), "{output}");
    assert_eq!(
        answer["input"],
        "What were purchases of property, plant and equipment in 2018?"
    );
    assert_eq!(answer["sources"][0]["document"], "acme_2018.md");
    assert_eq!(answer["sources"][0]["page"], Value::Null);
    assert!(
        answer["sources"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("$1,577 million"))
    );
    assert!(answer["sources"][0]["document_id"].is_i64());

    let (_, refreshed) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/"),
            None,
        )
        .await;
    assert_eq!(refreshed["query_count"], 1, "each answered message counts");
}

#[tokio::test]
async fn the_model_gets_instructions_passages_and_history_and_its_citations_become_sources() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;

    mock.then([Behaviour::answer(&["Capex was ", "$1,577 million [1]."])]);
    let (status, first) = ask(
        &app,
        &token,
        chat,
        assistant,
        "What were purchases of property, plant and equipment in 2018?",
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["output"], "Capex was $1,577 million [1].");
    assert_eq!(
        first["sources"].as_array().map(Vec::len),
        Some(1),
        "only cited passages: {first}"
    );
    assert!(
        first["sources"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("$1,577"))
    );

    // The follow-up is first made to stand alone (one short call), then
    // answered.
    mock.then([
        Behaviour::answer(&["What were purchases of property, plant and equipment in 2017?"]),
        Behaviour::answer(&["$1,373 million [1]."]),
    ]);
    let (status, second) = ask(&app, &token, chat, assistant, "and in 2017?").await;
    assert_eq!(status, 200, "{second}");

    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    let rewrite = requests[1]["messages"][1]["content"]
        .as_str()
        .expect("rewrite");
    assert!(
        rewrite.contains("- What were purchases of property, plant and equipment in 2018?")
            && rewrite.ends_with("Follow-up question: and in 2017?"),
        "{rewrite}"
    );
    assert_eq!(requests[1]["temperature"], 0.0);
    let requests = [requests[0].clone(), requests[2].clone()];
    let messages = requests[1]["messages"].as_array().expect("messages");
    let system = messages[0]["content"].as_str().expect("system");
    assert_eq!(messages[0]["role"], "system");
    assert!(
        system.contains("Answer for investors, citing pages."),
        "{system}"
    );
    assert!(system.contains("for Acme"), "{system}");
    assert!(
        system.contains("[1] (acme_2018.md)"),
        "the follow-up found the passage: {system}"
    );
    assert_eq!(requests[1]["stream"], true);
    assert_eq!(requests[1]["model"], "gpt-4o-mini");
    let roles: Vec<_> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert_eq!(messages[2]["content"], "Capex was $1,577 million [1].");
    assert_eq!(messages[3]["content"], "and in 2017?");

    let (status, detail) = app
        .call(&token, Method::GET, &format!("/api/v1/chat/{chat}/"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(detail["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(detail["messages"][1]["output"], "$1,373 million [1].");
    assert_eq!(
        detail["messages"][0]["sources"][0]["document"],
        "acme_2018.md"
    );
}

#[tokio::test]
async fn a_question_the_documents_do_not_cover_is_refused_without_calling_the_model() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let (status, answer) = ask(
        &app,
        &token,
        chat,
        assistant,
        "Who won the football world cup?",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["output"]
            .as_str()
            .is_some_and(|o| o.starts_with("I couldn't find that in my documents")),
        "{answer}"
    );
    assert_eq!(answer["sources"], json!([]));
    assert!(mock.requests().is_empty(), "the model was not called");
}

#[tokio::test]
async fn answers_stream_as_server_sent_events() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    mock.then([Behaviour::answer(&[
        "Dividends were ",
        "$3,193 million ",
        "[1].",
    ])]);
    for (query, accept) in [
        ("?stream=true", "application/json"),
        ("", "text/event-stream"),
    ] {
        let response = app
            .with_key(
                Method::PUT,
                &format!("/api/v1/chat/{chat}/{query}"),
                &token,
            )
            .header("Accept", accept)
            .json(&json!({"assistant_id": assistant, "input": "How much were dividends paid in 2018?"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap_or_default()
                .starts_with("text/event-stream")
        );
        let body = response.text().await.expect("body");
        let events: Vec<(&str, Value)> = body
            .split("\n\n")
            .filter(|block| !block.trim().is_empty())
            .map(|block| {
                let event = block
                    .lines()
                    .find_map(|l| l.strip_prefix("event: "))
                    .unwrap_or_default();
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap_or_default();
                (event, serde_json::from_str(data).unwrap_or(Value::Null))
            })
            .collect();
        let deltas: Vec<&str> = events
            .iter()
            .filter(|(e, _)| *e == "delta")
            .filter_map(|(_, d)| d["text"].as_str())
            .collect();
        assert_eq!(
            deltas,
            ["Dividends were ", "$3,193 million ", "[1]."],
            "{body}"
        );
        let (last, done) = events.last().expect("events");
        assert_eq!(*last, "done");
        assert_eq!(done["output"], "Dividends were $3,193 million [1].");
        assert_eq!(
            done["thread_id"].as_str().map(|t| t.starts_with("thread_")),
            Some(true)
        );
        assert!(
            done["sources"][0]["text"]
                .as_str()
                .is_some_and(|t| t.contains("3,193"))
        );
    }
}

#[tokio::test]
async fn citations_are_renumbered_as_they_stream_so_n_is_the_nth_source() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    // The model cites the second passage first, split across two pieces.
    mock.then([Behaviour::answer(&["Dividends [", "2] and capex [1", "]."])]);
    let response = app
        .with_key(
            Method::PUT,
            &format!("/api/v1/chat/{chat}/?stream=true"),
            &token,
        )
        .json(&json!({"assistant_id": assistant,
            "input": "Dividends paid and purchases of property, plant and equipment in 2018?"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body = response.text().await.expect("body");
    let deltas: String = body
        .split("\n\n")
        .filter(|block| block.starts_with("event: delta"))
        .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data: ")))
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .filter_map(|data| data["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(deltas, "Dividends [1] and capex [2].", "{body}");

    let (_, detail) = app
        .call(&token, Method::GET, &format!("/api/v1/chat/{chat}/"), None)
        .await;
    let message = &detail["messages"][0];
    assert_eq!(message["output"], "Dividends [1] and capex [2].");
    let system = mock.requests()[0]["messages"][0]["content"]
        .as_str()
        .expect("system prompt")
        .to_owned();
    for (index, number) in [(0, 2), (1, 1)] {
        let source = &message["sources"][index];
        let numbered = format!(
            "[{number}] ({})\n{}",
            source["document"].as_str().expect("document"),
            source["text"].as_str().expect("text")
        );
        assert!(
            system.contains(&numbered),
            "source {} is the prompt's passage [{number}]: {message}",
            index + 1
        );
    }
}

#[tokio::test]
async fn provider_failures_answer_502_or_503_and_keep_the_question() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(|config| {
        with_model(&mock)(config);
        config.model.max_retries = 1;
    })
    .await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let question = "What were purchases of property, plant and equipment in 2018?";

    mock.then([Behaviour::Status(500), Behaviour::Status(500)]);
    let (status, body) = ask(&app, &token, chat, assistant, question).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(
        body,
        json!({"detail": "The language model provider failed: it answered with HTTP 500."})
    );
    assert_eq!(mock.requests().len(), 2, "one retry after a 500");

    mock.then([Behaviour::Malformed]);
    let (status, body) = ask(&app, &token, chat, assistant, question).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("could not be read")),
        "{body}"
    );

    mock.then([Behaviour::Hang]);
    let (status, body) = ask(&app, &token, chat, assistant, question).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body,
        json!({"detail": "The language model provider did not answer in time."})
    );

    let (_, detail) = app
        .call(&token, Method::GET, &format!("/api/v1/chat/{chat}/"), None)
        .await;
    let kept: Vec<_> = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| (m["input"].clone(), m["status"].clone()))
        .collect();
    assert_eq!(
        kept,
        vec![(json!(question), json!("failed")); 3],
        "every question is kept: {detail}"
    );
    assert!(!detail.to_string().contains("sk-test-secret-key-123"));
    let (_, refreshed) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/"),
            None,
        )
        .await;
    assert_eq!(refreshed["query_count"], 0, "failed answers do not count");
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    mock.then([
        Behaviour::RateLimited {
            retry_after_secs: 1,
        },
        Behaviour::answer(&["$1,577 million [1]."]),
    ]);
    let started = std::time::Instant::now();
    let (status, answer) = ask(
        &app,
        &token,
        chat,
        assistant,
        "What were purchases of property, plant and equipment in 2018?",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["output"], "$1,577 million [1].");
    assert_eq!(mock.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as Retry-After said"
    );

    mock.then([Behaviour::RateLimited {
        retry_after_secs: 0,
    }]);
    let (status, body) = ask(
        &app,
        &token,
        chat,
        assistant,
        "What were purchases of property, plant and equipment in 2018?",
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("rate limit"))
    );
}

#[tokio::test]
async fn chat_rules_ownership_listing_and_deletion() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let (_, bob) = app.user_with_token("bob").await;

    for (body, field, message) in [
        (json!({}), "assistant_id", "This field is required."),
        (
            json!({"assistant_id": "seven"}),
            "assistant_id",
            "A valid integer is required.",
        ),
        (
            json!({"assistant_id": 999_999}),
            "assistant_id",
            "Invalid pk \"999999\" - object does not exist.",
        ),
    ] {
        let (status, error) = app
            .call(&token, Method::POST, "/api/v1/chat/", Some(body))
            .await;
        assert_eq!(status, 400);
        assert_eq!(error, json!({field: [message]}));
    }
    let (status, error) = app
        .call(
            &bob,
            Method::POST,
            "/api/v1/chat/",
            Some(json!({"assistant_id": assistant})),
        )
        .await;
    assert_eq!(
        status, 400,
        "another user's assistant is as if it did not exist"
    );
    assert_eq!(
        error["assistant_id"][0],
        format!("Invalid pk \"{assistant}\" - object does not exist.")
    );

    let chat = new_chat(&app, &token, assistant).await;
    let path = format!("/api/v1/chat/{chat}/");
    for (body, field, message) in [
        (
            json!({"assistant_id": assistant, "input": "   "}),
            "input",
            "This field may not be blank.".to_owned(),
        ),
        (
            json!({"assistant_id": assistant}),
            "input",
            "This field is required.".to_owned(),
        ),
        (
            json!({"assistant_id": assistant, "input": "x".repeat(10_001)}),
            "input",
            "Ensure this field has no more than 10000 characters.".to_owned(),
        ),
        (
            json!({"assistant_id": assistant, "input": "a\u{0}b"}),
            "input",
            "Null characters are not allowed.".to_owned(),
        ),
    ] {
        let (status, error) = app.call(&token, Method::PUT, &path, Some(body)).await;
        assert_eq!(status, 400);
        assert_eq!(error, json!({field: [message]}));
    }
    let (_, other) = app
        .call(
            &token,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "Other", "company_name": "Acme", "instructions": "-"})),
        )
        .await;
    let (status, error) = app
        .call(
            &token,
            Method::PUT,
            &path,
            Some(json!({"assistant_id": other["id"], "input": "Hello?"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error,
        json!({"assistant_id": ["This chat belongs to another assistant."]})
    );

    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let (status, _) = app
            .call(
                &bob,
                method.clone(),
                &path,
                Some(json!({"assistant_id": assistant, "input": "Hi"})),
            )
            .await;
        assert_eq!(status, 404, "{method} of another user's chat");
    }
    let (status, _) = app
        .call(&token, Method::GET, "/api/v1/chat/abc/", None)
        .await;
    assert_eq!(status, 404);

    let second = new_chat(&app, &token, assistant).await;
    let (status, list) = app.call(&token, Method::GET, "/api/v1/chat/", None).await;
    assert_eq!(status, 200);
    let ids: Vec<_> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&Some(chat)) && ids.contains(&Some(second)));
    let (_, limited) = app
        .call(&token, Method::GET, "/api/v1/chat/?limit=1&offset=1", None)
        .await;
    assert_eq!(limited.as_array().map(Vec::len), Some(1));
    let (status, error) = app
        .call(&token, Method::GET, "/api/v1/chat/?limit=5000", None)
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error["limit"][0],
        "Ensure this value is a whole number from 0 to 1000."
    );
    let (_, bobs) = app.call(&bob, Method::GET, "/api/v1/chat/", None).await;
    assert_eq!(bobs, json!([]));

    let (status, _) = app.call(&token, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (status, _) = app.call(&token, Method::GET, &path, None).await;
    assert_eq!(status, 404);

    let (status, _) = app
        .call(
            &token,
            Method::DELETE,
            &format!("/api/v1/assistants/{assistant}/"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, list) = app.call(&token, Method::GET, "/api/v1/chat/", None).await;
    assert_eq!(list, json!([]), "an assistant's chats go with it");
}

#[tokio::test]
async fn a_reader_that_leaves_the_stream_stops_the_model_and_keeps_what_was_written() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let pieces: Vec<String> = (1..=20).map(|n| format!("Part {n}. ")).collect();
    mock.then([Behaviour::Slow {
        pieces,
        gap: Duration::from_millis(150),
    }]);
    let mut response = app
        .with_key(
            Method::PUT,
            &format!("/api/v1/chat/{chat}/?stream=true"),
            &token,
        )
        .json(&json!({"assistant_id": assistant, "input": "What were purchases of property, plant and equipment in 2018?"}))
        .send()
        .await
        .expect("request");
    let first = response.chunk().await.expect("chunk").expect("data");
    assert!(String::from_utf8_lossy(&first).contains("Part 1."));
    drop(response);

    for _ in 0..60 {
        let (_, detail) = app
            .call(&token, Method::GET, &format!("/api/v1/chat/{chat}/"), None)
            .await;
        let message = &detail["messages"][0];
        if message["status"] == "answered" {
            let output = message["output"].as_str().unwrap_or_default();
            assert!(output.starts_with("Part 1."), "{output}");
            assert!(
                !output.contains("Part 20."),
                "the model was stopped: {output}"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the partial answer was not kept");
}

#[tokio::test]
async fn stream_is_a_boolean_and_anything_else_is_a_400() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let body = json!({"assistant_id": assistant, "input": "What were dividends paid?"});
    for (stream, status) in [
        ("false", 200),
        ("0", 200),
        ("TRUE", 200),
        ("maybe", 400),
        ("-1.5e308", 400),
        ("", 400),
    ] {
        let response = app
            .with_key(
                Method::PUT,
                &format!("/api/v1/chat/{chat}/?stream={stream}"),
                &token,
            )
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "stream={stream}");
        if status == 400 {
            let (_, error) = crate::helpers::status_and_json(response).await;
            assert_eq!(
                error["stream"][0], "Must be a valid boolean.",
                "stream={stream}"
            );
        }
    }
}
