//! Scoped API keys on `/api/v1`: a scope (`full`, `chat`, `read`), a list
//! of assistants, an expiry; made through the account page and through
//! `POST /api/v1/tokens/` (with a password or with a key).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, location, page, post_form, sign_up, spawn_app, status_and_json,
};

const REPORT: &str = "Revenue grew to 12 million dollars in 2025, led by the widget line.";

/// A key for `username` made with their password and these extra fields.
async fn key_with(app: &TestApp, username: &str, fields: Value) -> (u16, Value) {
    let mut body = json!({"username": username, "password": PASSWORD});
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    status_and_json(app.post_json("/api/v1/tokens/", &body).await).await
}

async fn key(app: &TestApp, username: &str, fields: Value) -> String {
    let (status, body) = key_with(app, username, fields).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// Ada with a full key and two assistants, each with a document.
async fn ada_with_two_assistants(app: &TestApp) -> (String, i64, i64) {
    let (_, full) = app.user_with_token("ada").await;
    let first = app
        .assistant_with_document(&full, "report.txt", REPORT)
        .await;
    let second = app
        .assistant_with_document(&full, "other.txt", REPORT)
        .await;
    app.wait_until_ready(&full, first).await;
    (full, first, second)
}

fn forbidden(status: u16, body: &Value) {
    assert_eq!(status, 403, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("API key")),
        "{body}"
    );
}

#[tokio::test]
async fn a_read_key_reads_and_searches_but_changes_nothing() {
    let app = spawn_app().await;
    let (_, assistant, _) = ada_with_two_assistants(&app).await;
    let (status, made) = key_with(&app, "ada", json!({"scope": "read"})).await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["scope"], "read");
    assert_eq!(made["assistants"], Value::Null);
    assert_eq!(made["expires_at"], Value::Null);
    let read = made["token"].as_str().unwrap();

    let (status, list) = app
        .call(read, Method::GET, "/api/v1/assistants/", None)
        .await;
    assert_eq!((status, list.as_array().unwrap().len()), (200, 2));
    let search = format!("/api/v1/assistants/{assistant}/search/?q=revenue");
    let (status, found) = app.call(read, Method::GET, &search, None).await;
    assert_eq!(status, 200, "{found}");

    let path = format!("/api/v1/assistants/{assistant}/");
    let (status, body) = app
        .call(read, Method::PATCH, &path, Some(json!({"name": "Renamed"})))
        .await;
    forbidden(status, &body);
    assert_eq!(
        body["detail"],
        "This API key's scope (read) does not allow this. Use a key with a wider scope."
    );
    let (status, body) = app
        .call(
            read,
            Method::POST,
            "/api/v1/chat/",
            Some(json!({"assistant_id": assistant})),
        )
        .await;
    forbidden(status, &body);
    let (status, body) = app.call(read, Method::DELETE, &path, None).await;
    forbidden(status, &body);
    // Nothing changed.
    let (_, still) = app.call(read, Method::GET, &path, None).await;
    assert_eq!(still["name"], "Report helper");
    // Whoever holds a key may always withdraw it.
    let (status, _) = app
        .call(read, Method::DELETE, "/api/v1/tokens/", None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = app.call(read, Method::GET, "/api/v1/me/", None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_chat_key_asks_but_does_not_change_or_delete() {
    let app = spawn_app().await;
    let (_, assistant, _) = ada_with_two_assistants(&app).await;
    let chat_key = key(&app, "ada", json!({"scope": "chat"})).await;

    let (status, chat) = app
        .call(
            &chat_key,
            Method::POST,
            "/api/v1/chat/",
            Some(json!({"assistant_id": assistant})),
        )
        .await;
    assert_eq!(status, 201, "{chat}");
    let chat_path = chat["absolute_url"].as_str().unwrap().to_owned();
    let (status, answer) = app
        .call(
            &chat_key,
            Method::PUT,
            &chat_path,
            Some(json!({"assistant_id": assistant, "input": "What was the revenue in 2025?"})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["output"].as_str().unwrap().contains("12 million"),
        "{answer}"
    );

    let (status, body) = app.call(&chat_key, Method::DELETE, &chat_path, None).await;
    forbidden(status, &body);
    let (status, body) = app
        .call(
            &chat_key,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "x", "company_name": "y", "instructions": "z"})),
        )
        .await;
    forbidden(status, &body);
    let documents = format!("/api/v1/assistants/{assistant}/documents/1/");
    let (status, body) = app.call(&chat_key, Method::DELETE, &documents, None).await;
    forbidden(status, &body);
    // A chat key cannot make keys, even narrower ones.
    let (status, body) = app
        .call(
            &chat_key,
            Method::POST,
            "/api/v1/tokens/",
            Some(json!({"scope": "read"})),
        )
        .await;
    forbidden(status, &body);
}

#[tokio::test]
async fn a_key_limited_to_assistants_sees_only_those() {
    let app = spawn_app().await;
    let (full, mine, other) = ada_with_two_assistants(&app).await;
    // A chat held on the other assistant with the full key.
    let (_, other_chat) = app
        .call(
            &full,
            Method::POST,
            "/api/v1/chat/",
            Some(json!({"assistant_id": other})),
        )
        .await;
    let limited = key(&app, "ada", json!({"assistants": [mine]})).await;

    let (_, list) = app
        .call(&limited, Method::GET, "/api/v1/assistants/", None)
        .await;
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [mine]);
    let (status, body) = app
        .call(
            &limited,
            Method::GET,
            &format!("/api/v1/assistants/{other}/"),
            None,
        )
        .await;
    forbidden(status, &body);
    assert_eq!(body["detail"], "This API key may not reach this assistant.");
    let search = format!("/api/v1/assistants/{other}/search/?q=revenue");
    let (status, body) = app.call(&limited, Method::GET, &search, None).await;
    forbidden(status, &body);
    let (status, body) = app
        .call(
            &limited,
            Method::POST,
            "/api/v1/chat/",
            Some(json!({"assistant_id": other})),
        )
        .await;
    forbidden(status, &body);
    let (status, body) = app
        .call(
            &limited,
            Method::GET,
            other_chat["absolute_url"].as_str().unwrap(),
            None,
        )
        .await;
    forbidden(status, &body);
    let (_, chats) = app.call(&limited, Method::GET, "/api/v1/chat/", None).await;
    assert_eq!(
        chats,
        json!([]),
        "the other assistant's chats are not listed"
    );
    // Its own assistant it may change (full scope), but it may not create
    // assistants it could not then reach.
    let (status, _) = app
        .call(
            &limited,
            Method::PATCH,
            &format!("/api/v1/assistants/{mine}/"),
            Some(json!({"name": "Mine"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call(
            &limited,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "x", "company_name": "y", "instructions": "z"})),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    // Another user's assistant stays a 404, as for any key.
    let (_, bob) = app.user_with_token("bob").await;
    let bobs = app.assistant_with_document(&bob, "b.txt", REPORT).await;
    let (status, _) = app
        .call(
            &limited,
            Method::GET,
            &format!("/api/v1/assistants/{bobs}/"),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_expired_key_is_refused_like_a_revoked_one() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let (status, made) = key_with(&app, "ada", json!({"expires_at": "2999-12-31"})).await;
    assert_eq!(status, 200);
    assert_eq!(made["expires_at"], "3000-01-01T00:00:00.000Z");
    let token = made["token"].as_str().unwrap();
    let (status, _) = app.call(token, Method::GET, "/api/v1/me/", None).await;
    assert_eq!(status, 200);

    // A key that expires in two seconds works, then is refused: the
    // server's memory of recent keys holds the expiry too.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let token = key(&app, "ada", json!({"expires_at": soon})).await;
    let (status, _) = app.call(&token, Method::GET, "/api/v1/me/", None).await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (status, body) = app.call(&token, Method::GET, "/api/v1/me/", None).await;
    assert_eq!((status, body), (401, json!({"detail": "Invalid token."})));
}

#[tokio::test]
async fn wrong_key_fields_are_named() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let (_, bob) = app.user_with_token("bob").await;
    let bobs = app.assistant_with_document(&bob, "b.txt", REPORT).await;
    let (status, body) = key_with(
        &app,
        "ada",
        json!({"scope": "admin", "assistants": [bobs], "expires_at": "2001-01-01"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "scope": ["\"admin\" is not a valid choice. Choose one of: full, chat, read."],
            "assistants": [format!("Invalid pk \"{bobs}\" - object does not exist.")],
            "expires_at": ["The expiry must be in the future."],
        })
    );
    let (status, body) = key_with(
        &app,
        "ada",
        json!({"expires_at": "soon", "assistants": "x"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["expires_at"][0]
            .as_str()
            .unwrap()
            .starts_with("Enter a date")
    );
    assert_eq!(body["assistants"], json!(["A valid integer is required."]));
    let (status, body) = key_with(&app, "ada", json!({"assistants": [{"id": 1}]})).await;
    assert_eq!(
        (status, body),
        (400, json!({"assistants": ["A valid integer is required."]}))
    );
}

#[tokio::test]
async fn a_key_makes_keys_no_wider_than_itself() {
    let app = spawn_app().await;
    let (full, mine, other) = ada_with_two_assistants(&app).await;
    let (status, made) = app
        .call(
            &full,
            Method::POST,
            "/api/v1/tokens/",
            Some(json!({"scope": "chat", "name": "Bot", "assistants": [mine]})),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(
        (made["scope"].as_str(), made["assistants"].clone()),
        (Some("chat"), json!([mine]))
    );
    let bot = made["token"].as_str().unwrap();
    let (status, _) = app
        .call(
            bot,
            Method::GET,
            &format!("/api/v1/assistants/{mine}/"),
            None,
        )
        .await;
    assert_eq!(status, 200);

    let limited = key(
        &app,
        "ada",
        json!({"assistants": [mine], "expires_at": "2999-01-01"}),
    )
    .await;
    for wider in [
        json!({"assistants": [mine, other]}),
        json!({"expires_at": "2999-06-01", "assistants": [mine]}),
        json!({}),
    ] {
        let (status, body) = app
            .call(
                &limited,
                Method::POST,
                "/api/v1/tokens/",
                Some(wider.clone()),
            )
            .await;
        assert_eq!(status, 403, "{wider}: {body}");
        assert_eq!(
            body["detail"],
            "A key made with a key cannot do more than the key that makes it."
        );
    }
    let (status, _) = app
        .call(
            &limited,
            Method::POST,
            "/api/v1/tokens/",
            Some(json!({"assistants": [mine], "scope": "read", "expires_at": "2998-01-01"})),
        )
        .await;
    assert_eq!(status, 200);
    // Without a key or credentials it is the original's log-in form.
    let (status, body) = status_and_json(app.post_json("/api/v1/tokens/", &json!({})).await).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"username": ["This field is required."], "password": ["This field is required."]})
        )
    );
    let (status, _) = status_and_json(
        app.with_key(Method::POST, "/api/v1/tokens/", "ack_unknown")
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_account_page_makes_a_scoped_key_and_lists_what_it_may_do() {
    let app = spawn_app().await;
    let browser = app.browser();
    sign_up(&app, &browser, "ada").await;
    let full = app.token_for("ada").await;
    let mine = app
        .assistant_with_document(&full, "report.txt", REPORT)
        .await;
    let other = app
        .assistant_with_document(&full, "other.txt", REPORT)
        .await;
    let mine_id = mine.to_string();
    let response = post_form(
        &app,
        &browser,
        "/fn/create_api_key",
        "/account",
        &[
            ("name", "Support bot"),
            ("scope", "chat"),
            ("assistants[]", &mine_id),
            ("expires_at", "2999-12-31"),
        ],
    )
    .await;
    assert_eq!(location(&response), "/account");
    let (_, html) = page(&app, &browser, "/account").await;
    let token = html
        .split("ack_")
        .skip(1)
        .map(|rest| {
            let tail: String = rest
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            format!("ack_{tail}")
        })
        .max_by_key(String::len)
        .expect("the new key on the page");
    assert!(html.contains("Ask and search"), "scope shown");
    assert!(
        html.contains("3000"),
        "expiry shown (the end of 31 December 2999)"
    );
    let row = &html[html.find("Support bot").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Report helper"), "assistant shown: {row}");
    let (status, _) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{mine}/"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{other}/"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            &token,
            Method::DELETE,
            &format!("/api/v1/assistants/{mine}/"),
            None,
        )
        .await;
    assert_eq!(status, 403);

    // A scope that does not exist is refused on the form, nothing made.
    let response = post_form(
        &app,
        &browser,
        "/fn/create_api_key",
        "/account",
        &[("name", "Bad"), ("scope", "root")],
    )
    .await;
    let back = location(&response);
    let (_, html) = page(&app, &browser, back.trim_start_matches(&app.address)).await;
    assert!(html.contains("is not a valid choice"), "message shown");
    assert_eq!(html.matches("data-testid=\"api-key-row\"").count(), 2);
}
