//! Feedback on answers and the conversation export, through the API and
//! the website chat: thumbs up or down with a comment, replaced and
//! withdrawn, shown in the chat; what each answer was (covered or not, the
//! model, the wait for the first word) kept and exported as CSV and JSON
//! Lines for a date range.

use reqwest::Method;
use serde_json::{Value, json};

use crate::chat::{ask, assistant_with_report, new_chat, with_model};
use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with, status_and_json};
use crate::mock_model::{Behaviour, MockModel};
use crate::widget::{SITE, Visitor, key_of, owner, publish, server_fn};

const QUESTION: &str = "What were purchases of property, plant and equipment in 2018?";
const UNCOVERED: &str = "Who won the football world cup in 1954?";

fn feedback_path(chat: i64, message: i64) -> String {
    format!("/api/v1/chat/{chat}/messages/{message}/feedback/")
}

async fn rate(app: &TestApp, token: &str, chat: i64, message: i64, body: Value) -> (u16, Value) {
    app.call(
        token,
        Method::POST,
        &feedback_path(chat, message),
        Some(body),
    )
    .await
}

async fn messages_of(app: &TestApp, token: &str, chat: i64) -> Vec<Value> {
    let (status, detail) = app
        .call(token, Method::GET, &format!("/api/v1/chat/{chat}/"), None)
        .await;
    assert_eq!(status, 200, "{detail}");
    detail["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_answer_is_rated_replaced_and_withdrawn_and_the_chat_shows_it() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let (status, answer) = ask(&app, &token, chat, assistant, QUESTION).await;
    assert_eq!(status, 200, "{answer}");
    let message = answer["message_id"]
        .as_i64()
        .expect("the answer names its message");
    assert_eq!(
        messages_of(&app, &token, chat).await[0]["feedback"],
        Value::Null
    );

    let (status, rated) = rate(
        &app,
        &token,
        chat,
        message,
        json!({"rating": "down", "comment": "  It should give the 2017 figure too. "}),
    )
    .await;
    assert_eq!(status, 200, "{rated}");
    assert_eq!(rated["id"], message);
    assert_eq!(
        rated["feedback"],
        json!({"rating": "down", "comment": "It should give the 2017 figure too."})
    );
    assert_eq!(
        messages_of(&app, &token, chat).await[0]["feedback"],
        rated["feedback"]
    );

    // A null comment is none.
    let (status, rated) = rate(
        &app,
        &token,
        chat,
        message,
        json!({"rating": "down", "comment": null}),
    )
    .await;
    assert_eq!((status, &rated["feedback"]["comment"]), (200, &Value::Null));

    // Rating again replaces it, comment included; a form body works too.
    let response = app
        .with_key(Method::POST, &feedback_path(chat, message), &token)
        .form(&[("rating", "up")])
        .send()
        .await
        .unwrap();
    let (status, rated) = status_and_json(response).await;
    assert_eq!(status, 200, "{rated}");
    assert_eq!(rated["feedback"], json!({"rating": "up", "comment": null}));

    let (status, _) = app
        .call(&token, Method::DELETE, &feedback_path(chat, message), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        messages_of(&app, &token, chat).await[0]["feedback"],
        Value::Null
    );
    // Withdrawing twice is no error.
    let (status, _) = app
        .call(&token, Method::DELETE, &feedback_path(chat, message), None)
        .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn bad_feedback_is_a_400_on_its_field_and_other_messages_are_not_found() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let (_, answer) = ask(&app, &token, chat, assistant, QUESTION).await;
    let message = answer["message_id"].as_i64().unwrap();

    for body in [
        json!({}),
        json!({"rating": ""}),
        json!({"rating": "sideways"}),
        json!({"rating": "UP"}),
        json!({"rating": 1}),
    ] {
        let (status, error) = rate(&app, &token, chat, message, body.clone()).await;
        assert_eq!(status, 400, "{body} → {error}");
        assert_eq!(error["rating"][0], "Choose \"up\" or \"down\".", "{body}");
    }
    let (status, error) = rate(&app, &token, chat, message, json!({"rating": null})).await;
    assert_eq!(
        (status, &error["rating"][0]),
        (400, &json!("This field may not be null."))
    );
    let (status, error) = rate(
        &app,
        &token,
        chat,
        message,
        json!({"rating": "up", "comment": "é".repeat(2001)}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error["comment"][0],
        "Ensure this field has no more than 2000 characters."
    );
    let response = app
        .with_key(Method::POST, &feedback_path(chat, message), &token)
        .header("Content-Type", "application/json")
        .body("{\"rating\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // Another chat's message, a message that does not exist, a path that is
    // not a number: 404, as is anything of another user.
    let other_chat = new_chat(&app, &token, assistant).await;
    for (chat_id, message_id) in [
        (other_chat.to_string(), message.to_string()),
        (chat.to_string(), (message + 1000).to_string()),
        (chat.to_string(), "abc".into()),
    ] {
        let path = format!("/api/v1/chat/{chat_id}/messages/{message_id}/feedback/");
        let (status, body) = app
            .call(&token, Method::POST, &path, Some(json!({"rating": "up"})))
            .await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["detail"], "Not found.");
    }
    let (_, mallory) = app.user_with_token("mallory").await;
    let (status, _) = rate(&app, &mallory, chat, message, json!({"rating": "down"})).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call(
            &mallory,
            Method::DELETE,
            &feedback_path(chat, message),
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        messages_of(&app, &token, chat).await[0]["feedback"],
        Value::Null
    );
}

#[tokio::test]
async fn a_question_without_an_answer_cannot_be_rated() {
    let mock = MockModel::start().await;
    mock.then([Behaviour::Status(500), Behaviour::Status(500)]);
    let app = spawn_app_with(|config| {
        with_model(&mock)(config);
        config.model.max_retries = 0;
    })
    .await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let (status, _) = ask(&app, &token, chat, assistant, QUESTION).await;
    assert_eq!(status, 502);
    let failed = messages_of(&app, &token, chat).await[0]["id"]
        .as_i64()
        .unwrap();
    let (status, error) = rate(&app, &token, chat, failed, json!({"rating": "down"})).await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(
        error["non_field_errors"][0],
        "Only an answer can be rated, and this question has none."
    );
}

#[tokio::test]
async fn a_chat_key_may_rate_and_a_read_key_may_not() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let (_, answer) = ask(&app, &token, chat, assistant, QUESTION).await;
    let message = answer["message_id"].as_i64().unwrap();
    let key = |scope: &str| {
        let body = json!({"username": "ada", "password": PASSWORD, "scope": scope});
        let app = &app;
        async move {
            let (status, made) =
                status_and_json(app.post_json("/api/v1/tokens/", &body).await).await;
            assert_eq!(status, 200, "{made}");
            made["token"].as_str().unwrap().to_owned()
        }
    };
    let (chat_key, read_key) = (key("chat").await, key("read").await);
    let (status, body) = rate(&app, &read_key, chat, message, json!({"rating": "up"})).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = rate(&app, &chat_key, chat, message, json!({"rating": "up"})).await;
    assert_eq!(status, 200, "{body}");
    // Reading the export is reading.
    let export = format!("/api/v1/assistants/{assistant}/export/");
    let response = app
        .with_key(Method::GET, &export, &read_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// The export's CSV, parsed: the header and the rows.
fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

async fn export(app: &TestApp, token: &str, assistant: i64, query: &str) -> reqwest::Response {
    app.with_key(
        Method::GET,
        &format!("/api/v1/assistants/{assistant}/export/{query}"),
        token,
    )
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn the_export_lists_every_question_with_its_outcome_and_feedback() {
    let mock = MockModel::start().await;
    mock.then([Behaviour::answer(&[
        "Purchases were ",
        "$1,577 million [1].",
    ])]);
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let (status, answered) = ask(&app, &token, chat, assistant, QUESTION).await;
    assert_eq!(status, 200, "{answered}");
    let (status, refused) = ask(&app, &token, chat, assistant, UNCOVERED).await;
    assert_eq!(status, 200, "{refused}");
    let message = answered["message_id"].as_i64().unwrap();
    let comment = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let (status, _) = rate(
        &app,
        &token,
        chat,
        message,
        json!({"rating": "down", "comment": comment}),
    )
    .await;
    assert_eq!(status, 200);

    let response = export(&app, &token, assistant, "").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"conversations-asst_")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let (header, rows) = csv_rows(&response.text().await.unwrap());
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (first, second) = (&rows[0], &rows[1]);
    assert_eq!(first[column("question")], QUESTION);
    assert_eq!(
        first[column("answer")],
        "Purchases were $1,577 million [1]."
    );
    assert_eq!(first[column("origin")], "api");
    assert_eq!(first[column("status")], "answered");
    assert_eq!(first[column("covered")], "yes");
    assert_eq!(first[column("model")], "gpt-4o-mini");
    assert!(
        first[column("first_word_ms")].parse::<u64>().is_ok(),
        "{first:?}"
    );
    assert_eq!(first[column("sources")], "acme_2018.md");
    assert_eq!(first[column("rating")], "down");
    assert_eq!(
        first[column("comment")],
        format!("'{comment}"),
        "a formula is defused"
    );
    assert_eq!(second[column("question")], UNCOVERED);
    assert_eq!(second[column("covered")], "no", "the refusal: not covered");
    assert_eq!(second[column("model")], "", "no model wrote the refusal");
    assert_eq!(second[column("rating")], "");

    let response = export(&app, &token, assistant, "?format=jsonl").await;
    assert_eq!(
        response.headers()["content-type"],
        "application/x-ndjson; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(
        lines[0]["feedback"],
        json!({"rating": "down", "comment": comment})
    );
    assert_eq!(lines[0]["sources"][0]["document"], "acme_2018.md");
    assert_eq!(lines[0]["chat_id"], chat);
    assert_eq!(lines[1]["covered"], false);
    assert_eq!(lines[1]["feedback"], Value::Null);
}

#[tokio::test]
async fn the_export_range_is_checked_and_belongs_to_the_owner() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    ask(&app, &token, chat, assistant, QUESTION).await;
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();

    // Today only: the question; from tomorrow: the header alone.
    let response = export(
        &app,
        &token,
        assistant,
        &format!("?from={today}&to={today}"),
    )
    .await;
    assert_eq!(csv_rows(&response.text().await.unwrap()).1.len(), 1);
    let response = export(
        &app,
        &token,
        assistant,
        &format!("?from={tomorrow}&to={tomorrow}"),
    )
    .await;
    assert_eq!(response.status(), 200);
    let (header, rows) = csv_rows(&response.text().await.unwrap());
    assert_eq!((header.len(), rows.len()), (17, 0));
    let response = export(
        &app,
        &token,
        assistant,
        &format!("?format=jsonl&from={tomorrow}&to={tomorrow}"),
    )
    .await;
    assert_eq!(response.text().await.unwrap(), "", "no lines at all");

    for (query, field, message) in [
        ("?format=xlsx", "format", "Choose \"csv\" or \"jsonl\"."),
        ("?from=yesterday", "from", "Enter a date as YYYY-MM-DD."),
        ("?to=2026-02-30", "to", "Enter a date as YYYY-MM-DD."),
        ("?to=", "to", "Enter a date as YYYY-MM-DD."),
        (
            "?from=2026-03-02&to=2026-03-01",
            "from",
            "The start date must not be after the end date.",
        ),
        (
            "?from=2020-01-01&to=2026-01-01",
            "from",
            "Export at most 366 days at a time.",
        ),
    ] {
        let (status, body) = status_and_json(export(&app, &token, assistant, query).await).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body[field][0], message, "{query}");
    }
    let (_, mallory) = app.user_with_token("mallory").await;
    let (status, body) = status_and_json(export(&app, &mallory, assistant, "").await).await;
    assert_eq!((status, body["detail"].as_str()), (404, Some("Not found.")));
    let response = app
        .api
        .get(app.url(&format!("/api/v1/assistants/{assistant}/export/")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_visitor_rates_the_answers_of_their_own_conversation_when_the_owner_asks_for_it() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let widget = publish(&app, &owner, 20, 500).await;
    assert_eq!(widget["show_feedback"], false, "publish() does not tick it");
    let key = key_of(&widget);
    let visitor = Visitor::on(SITE);
    let token = visitor.token(&app, &key).await;
    let text = visitor
        .ask(&app, &key, &token, "What were capital expenditures?")
        .await
        .text()
        .await
        .unwrap();
    let done = text
        .split("\n\n")
        .find(|block| block.starts_with("event: done"))
        .expect("a done event");
    let done: Value = serde_json::from_str(done.split_once("data: ").unwrap().1).unwrap();
    let message = done["message_id"]
        .as_i64()
        .expect("the answer names its message");

    let rate_as = |token: String, message: i64, body: Value| {
        let (app, key) = (&app, key.clone());
        async move {
            let response = reqwest::Client::new()
                .post(app.url(&format!("/widget/v1/{key}/messages/{message}/feedback")))
                .header("Origin", SITE)
                .header("Authorization", format!("Bearer {token}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let cors = response
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap().to_owned());
            let (status, body) = status_and_json(response).await;
            (status, body, cors)
        }
    };
    // Off: refused.
    let (status, body, _) = rate_as(token.clone(), message, json!({"rating": "up"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("feedback_off")),
        "{body}"
    );

    let mut fields: Vec<(&str, String)> = vec![
        ("assistant_id", owner.assistant_id.to_string()),
        ("enabled", "on".into()),
        ("allowed_origins", SITE.into()),
        ("accent", "#0E7490".into()),
        ("position", "right".into()),
        ("show_feedback", "on".into()),
        ("visitor_hourly_limit", "20".into()),
        ("daily_limit", "500".into()),
    ];
    let (status, saved) = server_fn(&app, &owner, "save_widget", &fields).await;
    assert_eq!(
        (status, &saved["show_feedback"]),
        (200, &json!(true)),
        "{saved}"
    );
    let (status, session) =
        status_and_json(visitor.session(&app, &key, json!({"token": token})).await).await;
    assert_eq!(status, 200);
    assert_eq!(session["config"]["show_feedback"], true);

    let (status, body, cors) = rate_as(
        token.clone(),
        message,
        json!({"rating": "down", "comment": "Not what I asked."}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rating"], "down");
    assert_eq!(cors.as_deref(), Some(SITE));
    // The visitor's history shows their rating; the owner's chat shows it.
    let (_, session) =
        status_and_json(visitor.session(&app, &key, json!({"token": token})).await).await;
    assert_eq!(session["messages"][0]["rating"], "down");
    assert_eq!(session["messages"][0]["message_id"], message);
    let (_, chats) = app
        .call(&owner.token, Method::GET, "/api/v1/chat/", None)
        .await;
    let visitor_chat = chats[0]["id"].as_i64().unwrap();
    assert_eq!(
        messages_of(&app, &owner.token, visitor_chat).await[0]["feedback"],
        json!({"rating": "down", "comment": "Not what I asked."})
    );

    // Bad input, and another visitor: refused.
    let (status, body, _) = rate_as(token.clone(), message, json!({"rating": "meh"})).await;
    assert_eq!(
        (status, &body["rating"][0]),
        (400, &json!("Choose \"up\" or \"down\"."))
    );
    let stranger = Visitor::on(SITE).token(&app, &key).await;
    let (status, _, _) = rate_as(stranger, message, json!({"rating": "up"})).await;
    assert_eq!(
        status, 404,
        "another visitor's answer is not theirs to rate"
    );
    let (status, body, _) = rate_as("garbage".into(), message, json!({"rating": "up"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_invalid"))
    );
    // The owner may not overwrite the visitor's rating from the dashboard.
    fields.clear();
    let (status, body) = server_fn(
        &app,
        &owner,
        "rate_answer",
        &[
            ("chat_id", visitor_chat.to_string()),
            ("message_id", message.to_string()),
            ("rating", "up".into()),
        ],
    )
    .await;
    assert_ne!(status, 200, "{body}");
    assert_eq!(
        messages_of(&app, &owner.token, visitor_chat).await[0]["feedback"]["rating"],
        "down"
    );
}

#[tokio::test]
async fn analytics_of_a_known_set_of_questions_give_known_figures() {
    let mock = MockModel::start().await;
    mock.then([
        Behaviour::answer(&["Purchases were $1,577 million [1]."]),
        Behaviour::Status(500),
        Behaviour::answer(&["Dividends were $3,193 million [1]."]),
    ]);
    let app = spawn_app_with(|config| {
        with_model(&mock)(config);
        config.model.max_retries = 0;
    })
    .await;
    let (token, assistant) = assistant_with_report(&app).await;
    let chat = new_chat(&app, &token, assistant).await;
    let (_, first) = ask(&app, &token, chat, assistant, QUESTION).await;
    let (status, _) = ask(
        &app,
        &token,
        chat,
        assistant,
        "What were the proceeds from the sale of the old warehouse?",
    )
    .await;
    assert_eq!(status, 502, "the model fails once");
    let (status, _) = ask(&app, &token, chat, assistant, UNCOVERED).await;
    assert_eq!(status, 200);
    // One more through the OpenAI-compatible surface.
    let (_, detail) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/"),
            None,
        )
        .await;
    let model = detail["openai_id"].as_str().unwrap();
    let response = app
        .with_key(Method::POST, "/v1/chat/completions", &token)
        .json(&json!({"model": model, "messages": [{"role": "user", "content": "What dividends were paid in 2018?"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let message = first["message_id"].as_i64().unwrap();
    rate(
        &app,
        &token,
        chat,
        message,
        json!({"rating": "down", "comment": "Too short."}),
    )
    .await;

    let (status, figures) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/analytics/?days=7"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{figures}");
    assert_eq!(figures["days"], 7);
    assert_eq!(figures["per_day"].as_array().unwrap().len(), 7);
    let today = &figures["per_day"][6];
    assert_eq!(today["date"], chrono::Utc::now().date_naive().to_string());
    assert_eq!(today["total"], 4);
    assert_eq!(today["by_origin"], json!({"api": 3, "openai": 1}));
    assert_eq!(figures["origins"], json!(["api", "openai"]));
    assert_eq!(
        figures["outcomes"],
        json!({"questions": 4, "answered": 2, "not_covered": 1, "failed": 1, "pending": 0})
    );
    assert_eq!(figures["ratings"], json!({"up": 0, "down": 1}));
    assert_eq!(figures["first_word"]["answers"], 2);
    assert!(figures["first_word"]["p50_ms"].is_i64(), "{figures}");
    assert_eq!(
        figures["models"],
        json!([{"model": "gpt-4o-mini", "answers": 2}])
    );
    assert_eq!(figures["documents"][0]["document"], "acme_2018.md");
    assert_eq!(figures["documents"][0]["citations"], 2);
    assert_eq!(figures["latest_not_covered"][0]["question"], UNCOVERED);
    assert_eq!(figures["latest_not_covered"][0]["chat_id"], chat);
    assert_eq!(figures["latest_thumbs_down"][0]["comment"], "Too short.");
    assert_eq!(figures["sites"], json!([]));

    // The default period is 30 days; others are refused; others' assistants are not found.
    let (_, month) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/analytics/"),
            None,
        )
        .await;
    assert_eq!(month["days"], 30);
    for days in ["365", "0", "abc", "-7"] {
        let (status, body) = app
            .call(
                &token,
                Method::GET,
                &format!("/api/v1/assistants/{assistant}/analytics/?days={days}"),
                None,
            )
            .await;
        assert_eq!(status, 400, "{days}: {body}");
        assert_eq!(body["days"][0], "Choose 7, 30 or 90.");
    }
    let (_, mallory) = app.user_with_token("mallory").await;
    let (status, _) = app
        .call(
            &mallory,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/analytics/"),
            None,
        )
        .await;
    assert_eq!(status, 404);
}
