//! Several app servers on one PostgreSQL database and one file store, as
//! behind a load balancer: whichever server a request lands on, the user
//! sees the same product. Runs when the suite runs on PostgreSQL (SQLite is
//! one server's database).

use reqwest::Method;
use serde_json::Value;

use crate::binary::{Server, start_binary, start_binary_beside};
use crate::chat::{ask, new_chat};
use crate::crash::{document_statuses, upload_reports, wait_until_ready};
use crate::helpers::{TestApp, page, postgres_server, sign_up};

/// Two servers sharing a database and a data dir (their files), with
/// `env` and short leases, so the second picks up waiting work within
/// seconds.
async fn two_servers_with(env: &[(&str, &str)]) -> Option<((TestApp, Server), (TestApp, Server))> {
    if postgres_server().is_none() {
        eprintln!("several servers need PostgreSQL: skipped on SQLite");
        return None;
    }
    let mut env = env.to_vec();
    env.push(("AICONVOKIT_LEASE_SECS", "2"));
    let first = start_binary(tempfile::tempdir().expect("dir"), &env).await;
    let second = start_binary_beside(&first.0, &env).await;
    Some((first, second))
}

async fn two_servers() -> Option<((TestApp, Server), (TestApp, Server))> {
    two_servers_with(&[]).await
}

#[tokio::test]
async fn a_session_and_a_key_from_one_server_work_on_the_other() {
    let Some(((a, _server_a), (b, _server_b))) = two_servers().await else {
        return;
    };
    let browser = a.browser();
    let response = sign_up(&a, &browser, "ada").await;
    assert_eq!(response.status(), 302, "signed up on the first server");
    let (status, html) = page(&b, &browser, "/account").await;
    assert_eq!(status, 200, "the second server knows the session");
    assert!(html.contains("ada@example.com"), "{html}");

    let token = a.token_for("ada").await;
    let (status, me) = b.call(&token, Method::GET, "/api/v1/me/", None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "ada");

    let (status, _) = b
        .call(&token, Method::DELETE, "/api/v1/tokens/", None)
        .await;
    assert_eq!(status, 204, "revoked on the second server");
    let (status, _) = a.call(&token, Method::GET, "/api/v1/me/", None).await;
    assert_eq!(status, 401, "and refused at once by the first");
}

#[tokio::test]
async fn uploads_are_processed_once_and_searchable_everywhere_and_chats_move_between_servers() {
    let Some(((a, server_a), (b, _server_b))) = two_servers().await else {
        return;
    };
    a.create_user("ada").await;
    let token = a.token_for("ada").await;
    let assistant = upload_reports(&a, &token, 6).await;
    wait_until_ready(&b, &token, assistant).await;
    assert_eq!(document_statuses(&a, &token, assistant).await, ["ready"; 6]);

    // Both servers write to the one log of the shared data dir: every
    // document was taken by exactly one of them.
    let log = server_a.log_text();
    let (status, assistant_view) = a
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    for document in assistant_view["documents"].as_array().expect("documents") {
        let id = document["id"].as_i64().expect("id");
        let claims = log
            .lines()
            .filter(|line| {
                line.contains("processing document") && line.contains(&format!("document={id} "))
            })
            .count();
        assert_eq!(claims, 1, "document {id} processed once:\n{log}");
    }

    for server in [&a, &b] {
        let (status, found) = server
            .call(
                &token,
                Method::GET, // A rare number among words every passage holds: found first
                // only if rarity counts (PostgreSQL's ts_rank_cd alone ranked
                // passages full of the common words above it).
                &format!("/api/v1/assistants/{assistant}/search/?q=property and equipment 301705"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{found}");
        let first = &found["results"][0];
        assert_eq!(first["document"], "report_3.pdf", "{found}");
        assert_eq!(first["page"], 17, "{found}");
    }

    let chat = new_chat(&a, &token, assistant).await;
    let (status, first) = ask(
        &a,
        &token,
        chat,
        assistant,
        "What does report 2 say on page 40?",
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let (status, second) = ask(&b, &token, chat, assistant, "And report 4 on page 8?").await;
    assert_eq!(status, 200, "{second}");
    let (status, thread) = a
        .call(&token, Method::GET, &format!("/api/v1/chat/{chat}/"), None)
        .await;
    assert_eq!(status, 200);
    let inputs: Vec<&Value> = thread["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|message| &message["input"])
        .collect();
    assert_eq!(
        inputs,
        [
            "What does report 2 say on page 40?",
            "And report 4 on page 8?"
        ],
        "the chat holds both questions, whichever server took them"
    );
}

#[tokio::test]
async fn log_in_attempts_are_counted_across_servers() {
    let Some(((a, _server_a), (b, _server_b))) =
        two_servers_with(&[("AICONVOKIT_LOGIN_ATTEMPTS_PER_HOUR", "3")]).await
    else {
        return;
    };
    a.create_user("ada").await; // the first attempt for "ada" from here
    let guess = serde_json::json!({"username": "ada", "password": "not her password"});
    for server in [&b, &a] {
        let response = server.post_json("/api/v1/tokens/", &guess).await;
        assert_eq!(response.status(), 400, "a wrong password, still allowed");
    }
    let response = b.post_json("/api/v1/tokens/", &guess).await;
    assert_eq!(
        response.status(),
        429,
        "the fourth attempt is refused, though this server saw only two"
    );
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("Retry-After");
    assert!((1..=1200).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["detail"],
        format!("Request was throttled. Expected available in {retry_after} seconds.")
    );
}

#[tokio::test]
async fn api_limits_are_counted_across_servers() {
    let Some(((a, _server_a), (b, _server_b))) =
        two_servers_with(&[("AICONVOKIT_API_RATE_PER_KEY", "4")]).await
    else {
        return;
    };
    let (_, token) = a.user_with_token("ada").await;
    for server in [&a, &b, &a, &b] {
        let response = server
            .with_key(Method::GET, "/api/v1/me/", &token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "within the key's four a minute");
    }
    for server in [&a, &b] {
        let response = server
            .with_key(Method::GET, "/api/v1/me/", &token)
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.status(),
            429,
            "the fifth request is refused, though each server saw only two"
        );
        let retry_after: u64 = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok())
            .expect("Retry-After");
        assert!(
            (1..=15).contains(&retry_after),
            "one request a 15 s: {retry_after}"
        );
    }
    let (_, other) = b.user_with_token("bob").await;
    let response = a
        .with_key(Method::GET, "/api/v1/me/", &other)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "another key has its own allowance");
}

#[tokio::test]
async fn a_website_visitor_is_served_by_either_server_with_one_token_and_one_limit() {
    use crate::helpers::status_and_json;
    use crate::widget::{SITE, Visitor, done_event, key_of, owner, publish};
    use serde_json::json;
    let Some(((a, _server_a), (b, _server_b))) = two_servers().await else {
        return;
    };
    let owner = owner(&a, "ada").await;
    // Two messages an hour for a visitor, counted wherever they land.
    let key = key_of(&publish(&a, &owner, 2, 500).await);
    let visitor = Visitor::on(SITE);
    let token = visitor.token(&a, &key).await;

    let response = visitor
        .ask(&b, &key, &token, "What were capital expenditures in 2018?")
        .await;
    assert_eq!(
        response.status(),
        200,
        "the first server's token works on the second"
    );
    let done = done_event(&response.text().await.expect("body"));
    assert!(
        done["output"]
            .as_str()
            .unwrap_or_default()
            .contains("1,577"),
        "{done}"
    );

    let (status, again) =
        status_and_json(visitor.session(&a, &key, json!({ "token": token })).await).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        again["messages"][0]["input"], "What were capital expenditures in 2018?",
        "the conversation answered by the second server continues on the first"
    );

    let response = visitor.ask(&a, &key, &token, "And dividends?").await;
    assert_eq!(response.status(), 200);
    let _ = response.text().await;
    let (status, body) = status_and_json(visitor.ask(&b, &key, &token, "And in 2017?").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("visitor_limit")),
        "the third message of two an hour is refused, each server having seen one: {body}"
    );
    let (_, chats) = b
        .call(&owner.token, Method::GET, "/api/v1/chat/", None)
        .await;
    assert_eq!(
        chats.as_array().map(Vec::len),
        Some(1),
        "one conversation: {chats}"
    );
}
