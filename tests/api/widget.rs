//! The embeddable chat over HTTP, as a visitor's browser on a customer's
//! site uses it: origin checks, signed session tokens and their expiry,
//! limits, key rotation, and the script itself.

use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::helpers::{TestApp, sign_up, spawn_app, spawn_app_with, status_and_json};

pub(crate) const SITE: &str = "https://www.acme.example";
const OTHER_SITE: &str = "https://evil.example";

const REPORT: &str = "# Annual report 2018\n\n\
    ## Cash flows\n\n\
    Purchases of property, plant and equipment (capital expenditures) were $1,577 million in 2018, \
    up from $1,373 million in 2017, as the company invested in new plants and equipment. \
    Dividends paid to shareholders were $3,193 million. The company funded both from operating cash flow.\n";

/// An owner signed in in a browser, with an assistant holding one report.
pub(crate) struct Owner {
    pub(crate) browser: Client,
    pub(crate) token: String,
    pub(crate) assistant_id: i64,
}

pub(crate) async fn owner(app: &TestApp, username: &str) -> Owner {
    let browser = app.browser();
    sign_up(app, &browser, username).await;
    let token = app.token_for(username).await;
    let assistant_id = app
        .assistant_with_document(&token, "annual-report.md", REPORT)
        .await;
    app.wait_until_ready(&token, assistant_id).await;
    Owner {
        browser,
        token,
        assistant_id,
    }
}

/// Calls a dashboard server function as the page's script does.
pub(crate) async fn server_fn(
    app: &TestApp,
    owner: &Owner,
    name: &str,
    fields: &[(&str, String)],
) -> (u16, Value) {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::helpers::call_server_fn(app, &owner.browser, name, &fields).await
}

/// Publishes the owner's assistant on `SITE` with these limits; gives the
/// widget's settings.
pub(crate) async fn publish(app: &TestApp, owner: &Owner, hourly: i64, daily: i64) -> Value {
    let (status, widget) = server_fn(
        app,
        owner,
        "save_widget",
        &[
            ("assistant_id", owner.assistant_id.to_string()),
            ("enabled", "on".into()),
            ("allowed_origins", format!("{SITE}/\nhttp://localhost:8080")),
            ("title", "Ask Acme".into()),
            ("accent", "#0E7490".into()),
            ("position", "left".into()),
            ("welcome", "Hello! Ask about our 2018 report.".into()),
            ("suggestion_1", "What were capital expenditures?".into()),
            ("show_sources", "on".into()),
            ("visitor_hourly_limit", hourly.to_string()),
            ("daily_limit", daily.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{widget}");
    widget
}

pub(crate) fn key_of(widget: &Value) -> String {
    widget["public_key"].as_str().expect("key").to_owned()
}

/// A visitor's browser on `origin`.
pub(crate) struct Visitor {
    client: Client,
    origin: &'static str,
}

impl Visitor {
    pub(crate) fn on(origin: &'static str) -> Self {
        Self {
            client: Client::new(),
            origin,
        }
    }

    pub(crate) async fn session(&self, app: &TestApp, key: &str, body: Value) -> reqwest::Response {
        self.client
            .post(app.url(&format!("/widget/v1/{key}/session")))
            .header("Origin", self.origin)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// A fresh session's token.
    pub(crate) async fn token(&self, app: &TestApp, key: &str) -> String {
        let (status, body) = status_and_json(self.session(app, key, json!({})).await).await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    pub(crate) async fn ask(
        &self,
        app: &TestApp,
        key: &str,
        token: &str,
        input: &str,
    ) -> reqwest::Response {
        self.client
            .post(app.url(&format!("/widget/v1/{key}/messages")))
            .header("Origin", self.origin)
            .header("Authorization", format!("Bearer {token}"))
            .json(&json!({ "input": input }))
            .send()
            .await
            .expect("request")
    }

    /// Asks in a new session from `address`, as the proxy in front of the
    /// app (`--trust-proxy`) reports it; gives the status and the `code`
    /// of a refusal (the answer, when there is one, is read to its end).
    async fn ask_from(&self, app: &TestApp, key: &str, address: &str) -> (u16, Option<String>) {
        let token = self.token(app, key).await;
        let response = self
            .client
            .post(app.url(&format!("/widget/v1/{key}/messages")))
            .header("Origin", self.origin)
            .header("Authorization", format!("Bearer {token}"))
            .header("X-Forwarded-For", format!("198.51.100.1, {address}"))
            .json(&json!({ "input": "What were capital expenditures?" }))
            .send()
            .await
            .expect("request");
        outcome(response).await
    }
}

/// The status of an answer to a question, and the `code` of a refusal; an
/// answer is read to its end.
async fn outcome(response: reqwest::Response) -> (u16, Option<String>) {
    let status = response.status().as_u16();
    let body = response.text().await.expect("body");
    if status == 200 {
        done_event(&body);
        return (status, None);
    }
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: {body}"));
    (status, body["code"].as_str().map(str::to_owned))
}

/// Sends one question with each token, all at once (each from its own
/// task, so the server takes them in parallel); counts the outcomes.
async fn ask_all_at_once(
    app: &TestApp,
    key: &str,
    tokens: &[String],
) -> std::collections::BTreeMap<(u16, Option<String>), usize> {
    let url = app.url(&format!("/widget/v1/{key}/messages"));
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(tokens.len()));
    let asks: Vec<_> = tokens
        .iter()
        .map(|token| {
            let (url, token, start) = (url.clone(), token.clone(), start.clone());
            tokio::spawn(async move {
                let request = Client::new()
                    .post(url)
                    .header("Origin", SITE)
                    .header("Authorization", format!("Bearer {token}"))
                    .json(&json!({ "input": "What were capital expenditures?" }));
                start.wait().await;
                outcome(request.send().await.expect("request")).await
            })
        })
        .collect();
    let mut counts = std::collections::BTreeMap::new();
    for ask in futures::future::join_all(asks).await {
        *counts.entry(ask.expect("task")).or_insert(0) += 1;
    }
    counts
}

/// The `done` event's data of a Server-Sent Events body.
pub(crate) fn done_event(body: &str) -> Value {
    let data = body
        .split("\n\n")
        .find(|event| event.starts_with("event: done"))
        .and_then(|event| event.lines().find_map(|l| l.strip_prefix("data: ")))
        .unwrap_or_else(|| panic!("no done event in {body}"));
    serde_json::from_str(data).expect("done JSON")
}

fn allow_origin(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn a_visitor_of_an_allowed_site_gets_its_look_and_a_streamed_answer_with_sources() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let widget = publish(&app, &owner, 20, 500).await;
    let key = key_of(&widget);
    assert!(key.starts_with("pub_"), "{key}");
    assert_eq!(
        widget["allowed_origins"],
        json!([SITE, "http://localhost:8080"])
    );
    assert_eq!(widget["accent"], "#0e7490");

    let visitor = Visitor::on(SITE);
    let response = visitor.session(&app, &key, json!({})).await;
    assert_eq!(allow_origin(&response).as_deref(), Some(SITE));
    let (status, session) = status_and_json(response).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["config"]["title"], "Ask Acme");
    assert_eq!(session["config"]["company"], "Acme");
    assert_eq!(session["config"]["position"], "left");
    assert_eq!(
        session["config"]["welcome"],
        "Hello! Ask about our 2018 report."
    );
    assert_eq!(
        session["config"]["suggestions"],
        json!(["What were capital expenditures?"])
    );
    assert_eq!(session["messages"], json!([]));
    let token = session["token"].as_str().expect("token");

    let response = visitor
        .ask(&app, &key, token, "What were capital expenditures in 2018?")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(allow_origin(&response).as_deref(), Some(SITE));
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = response.text().await.expect("body");
    assert!(body.contains("event: delta"), "{body}");
    let done = done_event(&body);
    assert!(done["output"].as_str().unwrap().contains("1,577"), "{done}");
    assert!(
        done["output_html"].as_str().unwrap().contains("<p>"),
        "{done}"
    );
    assert_eq!(done["sources"][0]["document"], "annual-report.md");
    assert!(
        done["sources"][0]["text"]
            .as_str()
            .unwrap()
            .contains("1,577")
    );

    // Kept like any chat, marked as from the widget, and counted.
    let (_, chats) = app
        .call(&owner.token, Method::GET, "/api/v1/chat/", None)
        .await;
    assert_eq!(chats.as_array().unwrap().len(), 1, "{chats}");
    assert_eq!(chats[0]["origin"], "widget");
    let (_, assistant) = app
        .call(
            &owner.token,
            Method::GET,
            &format!("/api/v1/assistants/{}/", owner.assistant_id),
            None,
        )
        .await;
    assert_eq!(assistant["query_count"], 1);

    // The owner reads it on the assistant's page, marked as from the
    // website, and does not write in it.
    let page = owner
        .browser
        .get(app.url(&format!("/assistants/{}", owner.assistant_id)))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(r#"data-testid="chat-origin""#),
        "a Website badge"
    );
    assert!(page.contains("A visitor on https://www.acme.example"));
    let chat_id = chats[0]["id"].as_i64().unwrap();
    let response = owner
        .browser
        .post(app.url(&format!("/chats/{chat_id}/messages")))
        .header("Origin", app.url(""))
        .json(&json!({ "input": "Owner question" }))
        .send()
        .await
        .expect("ask");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 400);
    assert!(
        body["input"][0]
            .as_str()
            .unwrap()
            .contains("a visitor's, from your website")
    );

    // Coming back with the token continues the conversation.
    let (status, again) =
        status_and_json(visitor.session(&app, &key, json!({ "token": token })).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        again["messages"][0]["input"],
        "What were capital expenditures in 2018?"
    );
    assert_eq!(
        again["messages"][0]["sources"][0]["document"],
        "annual-report.md"
    );
    // Without it, a new conversation starts.
    let (_, fresh) = status_and_json(visitor.session(&app, &key, json!({})).await).await;
    assert_eq!(fresh["messages"], json!([]));
}

#[tokio::test]
async fn other_sites_and_pages_without_an_origin_are_refused_without_cors_headers() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let key = key_of(&publish(&app, &owner, 20, 500).await);

    // The browser's preflight: yes for the site, no for another.
    let preflight = |origin: &'static str| {
        Client::new()
            .request(
                reqwest::Method::OPTIONS,
                app.url(&format!("/widget/v1/{key}/messages")),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight(SITE).await.expect("preflight");
    assert_eq!(allowed.status(), 204);
    assert_eq!(allow_origin(&allowed).as_deref(), Some(SITE));
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("POST"));
    let refused = preflight(OTHER_SITE).await.expect("preflight");
    assert_eq!(refused.status(), 403);
    assert_eq!(allow_origin(&refused), None);

    let response = Visitor::on(OTHER_SITE).session(&app, &key, json!({})).await;
    assert_eq!(allow_origin(&response), None);
    let (status, body) = status_and_json(response).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("origin_not_allowed"))
    );
    // The same site on another scheme or port is another origin.
    let response = Visitor::on("http://www.acme.example")
        .session(&app, &key, json!({}))
        .await;
    assert_eq!(response.status(), 403);

    let response = Client::new()
        .post(app.url(&format!("/widget/v1/{key}/session")))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("origin_required"))
    );

    // A token from the site does not work from another origin.
    let token = Visitor::on(SITE).token(&app, &key).await;
    let response = Visitor::on(OTHER_SITE)
        .ask(&app, &key, &token, "Capex?")
        .await;
    assert_eq!(allow_origin(&response), None);
    let (status, body) = status_and_json(response).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_invalid"))
    );

    // Unknown keys, and widgets switched off, are not available.
    let response = Visitor::on(SITE).session(&app, "pub_nope", json!({})).await;
    assert_eq!(
        allow_origin(&response).as_deref(),
        Some("*"),
        "any page may read that a key is unusable, so the script can say so"
    );
    let (status, _) = status_and_json(response).await;
    assert_eq!(status, 404);
    let (status, _) = server_fn(
        &app,
        &owner,
        "save_widget",
        &[
            ("assistant_id", owner.assistant_id.to_string()),
            ("allowed_origins", SITE.into()),
            ("accent", "#4f46e5".into()),
            ("visitor_hourly_limit", "20".into()),
            ("daily_limit", "500".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) =
        status_and_json(Visitor::on(SITE).session(&app, &key, json!({})).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_available"))
    );
    // Switching it off ends the sessions already given out, at once.
    let response = Visitor::on(SITE).ask(&app, &key, &token, "Capex?").await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn tokens_expire_and_renew_into_the_same_conversation() {
    // Tokens live 3 s: long enough for a loaded machine to use a fresh one.
    let app = spawn_app_with(|config| config.widget_token_ttl_secs = 3).await;
    let owner = owner(&app, "ada").await;
    let key = key_of(&publish(&app, &owner, 20, 500).await);
    let visitor = Visitor::on(SITE);
    let token = visitor.token(&app, &key).await;
    let response = visitor
        .ask(&app, &key, &token, "What were capital expenditures?")
        .await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("body");

    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let response = visitor.ask(&app, &key, &token, "And dividends?").await;
    assert_eq!(
        allow_origin(&response).as_deref(),
        Some(SITE),
        "the widget reads why"
    );
    let (status, body) = status_and_json(response).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_expired"))
    );

    let (status, renewed) =
        status_and_json(visitor.session(&app, &key, json!({ "token": token })).await).await;
    assert_eq!(status, 200);
    assert_ne!(renewed["token"], json!(token));
    assert_eq!(renewed["expires_in"], 3);
    assert_eq!(
        renewed["messages"].as_array().unwrap().len(),
        1,
        "the conversation goes on"
    );
    let response = visitor
        .ask(
            &app,
            &key,
            renewed["token"].as_str().unwrap(),
            "And dividends?",
        )
        .await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("body");

    for bad in ["", "junk", "v.abc.99999999999.00", &token.replace(".", "x")] {
        let (status, body) = status_and_json(visitor.ask(&app, &key, bad, "Capex?").await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("token_invalid")),
            "{bad}"
        );
    }
    // A forged token for a session of someone else's choosing is a new session.
    let (_, forged) = status_and_json(
        visitor
            .session(
                &app,
                &key,
                json!({ "token": "v.someoneelse.99999999999.abcd" }),
            )
            .await,
    )
    .await;
    assert_eq!(forged["messages"], json!([]));
}

#[tokio::test]
async fn limits_answer_429_with_retry_after_and_a_message_for_the_visitor() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let key = key_of(&publish(&app, &owner, 2, 500).await);
    let visitor = Visitor::on(SITE);
    let token = visitor.token(&app, &key).await;
    for question in ["What were capital expenditures?", "And dividends?"] {
        let response = visitor.ask(&app, &key, &token, question).await;
        assert_eq!(response.status(), 200);
        response.text().await.expect("body");
    }
    let response = visitor.ask(&app, &key, &token, "One more?").await;
    assert_eq!(response.status(), 429);
    assert_eq!(allow_origin(&response).as_deref(), Some(SITE));
    let retry_after: i64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500..=3600).contains(&retry_after), "{retry_after}");
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(exposed.contains("retry-after"));
    let (_, body) = status_and_json(response).await;
    assert_eq!(body["code"], "visitor_limit");
    assert_eq!(body["retry_after"], retry_after);
    assert_eq!(
        body["detail"],
        "You have reached the limit of 2 messages an hour for this chat. You can ask again in about an hour."
    );
    // A new session from the same address is the same visitor.
    let again = visitor.token(&app, &key).await;
    assert_eq!(
        visitor.ask(&app, &key, &again, "Capex?").await.status(),
        429
    );
    // The refused question was not kept.
    let (_, chats) = app
        .call(&owner.token, Method::GET, "/api/v1/chat/", None)
        .await;
    let id = chats[0]["id"].as_i64().unwrap();
    let (_, chat) = app
        .call(
            &owner.token,
            Method::GET,
            &format!("/api/v1/chat/{id}/"),
            None,
        )
        .await;
    assert_eq!(chat["messages"].as_array().unwrap().len(), 2);

    // The assistant's daily limit counts every visitor.
    let key = key_of(&publish(&app, &owner, 100, 3).await);
    let third = Visitor::on(SITE).token(&app, &key).await;
    let response = visitor.ask(&app, &key, &third, "Capex?").await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("body");
    let (status, body) = status_and_json(visitor.ask(&app, &key, &third, "Capex?").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("assistant_limit"))
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("This assistant has answered all the questions it can for today."),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_questions_of_one_visitor_get_no_more_than_the_hourly_limit() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let key = key_of(&publish(&app, &owner, 3, 500).await);
    let token = Visitor::on(SITE).token(&app, &key).await;

    let counts = ask_all_at_once(&app, &key, &vec![token; 32]).await;
    assert_eq!(
        counts,
        [((200, None), 3), ((429, Some("visitor_limit".into())), 29)].into(),
        "exactly the limit is answered"
    );
    // The three questions went into the session's one chat.
    let (_, chats) = app
        .call(&owner.token, Method::GET, "/api/v1/chat/", None)
        .await;
    assert_eq!(chats.as_array().unwrap().len(), 1, "{chats}");
    let id = chats[0]["id"].as_i64().unwrap();
    let (_, chat) = app
        .call(
            &owner.token,
            Method::GET,
            &format!("/api/v1/chat/{id}/"),
            None,
        )
        .await;
    assert_eq!(chat["messages"].as_array().unwrap().len(), 3, "{chat}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_questions_of_many_visitors_get_no_more_than_the_daily_limit() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let key = key_of(&publish(&app, &owner, 100, 3).await);
    let visitor = Visitor::on(SITE);
    let mut tokens = Vec::new();
    for _ in 0..32 {
        tokens.push(visitor.token(&app, &key).await);
    }

    let counts = ask_all_at_once(&app, &key, &tokens).await;
    assert_eq!(
        counts,
        [
            ((200, None), 3),
            ((429, Some("assistant_limit".into())), 29)
        ]
        .into(),
        "exactly the limit is answered"
    );
    let (_, chats) = app
        .call(&owner.token, Method::GET, "/api/v1/chat/", None)
        .await;
    assert_eq!(
        chats.as_array().unwrap().len(),
        3,
        "one chat per answered visitor"
    );
}

#[tokio::test]
async fn ipv6_visitors_are_counted_by_their_64_network_and_mapped_ipv4_as_ipv4() {
    let app = spawn_app_with(|config| config.trust_proxy = true).await;
    let owner = owner(&app, "ada").await;
    let key = key_of(&publish(&app, &owner, 2, 500).await);
    let visitor = Visitor::on(SITE);
    let limited = (429, Some("visitor_limit".to_owned()));
    // Every question comes in a new session: only the address links them.
    for (address, expected) in [
        ("2001:db8:1:2::1", (200, None)),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", (200, None)),
        ("2001:db8:1:2:abcd::7", limited.clone()),
        ("2001:DB8:0001:0002:0:0:0:9", limited.clone()),
        ("2001:db8:1:3::1", (200, None)),
        ("2001:db8:1:3::2", (200, None)),
        ("2001:db8:1:3:8000::", limited.clone()),
        ("2001:db8:2:2::1", (200, None)),
        ("203.0.113.5", (200, None)),
        ("::ffff:203.0.113.5", (200, None)),
        ("203.0.113.5", limited.clone()),
        ("203.0.113.6", (200, None)),
    ] {
        assert_eq!(
            visitor.ask_from(&app, &key, address).await,
            expected,
            "{address}"
        );
    }
}

#[tokio::test]
async fn rotating_the_key_ends_the_old_snippet_and_its_sessions() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let old_key = key_of(&publish(&app, &owner, 20, 500).await);
    let visitor = Visitor::on(SITE);
    let token = visitor.token(&app, &old_key).await;

    let (status, rotated) = server_fn(
        &app,
        &owner,
        "rotate_widget_key",
        &[("assistant_id", owner.assistant_id.to_string())],
    )
    .await;
    assert_eq!(status, 200);
    let new_key = key_of(&rotated);
    assert_ne!(new_key, old_key);
    assert_eq!(rotated["enabled"], true, "the settings stay");

    let (status, _) = status_and_json(visitor.session(&app, &old_key, json!({})).await).await;
    assert_eq!(status, 404);
    let (status, body) = status_and_json(visitor.ask(&app, &new_key, &token, "Capex?").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_invalid"))
    );
    let fresh = visitor.token(&app, &new_key).await;
    assert_eq!(
        visitor.ask(&app, &new_key, &fresh, "Capex?").await.status(),
        200
    );
}

#[tokio::test]
async fn questions_are_checked_like_the_apis() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let key = key_of(&publish(&app, &owner, 20, 500).await);
    let visitor = Visitor::on(SITE);
    let token = visitor.token(&app, &key).await;
    let huge = "capex ".repeat(2000);
    for (input, message) in [
        ("   ", "This field may not be blank."),
        (
            huge.as_str(),
            "Ensure this field has no more than 10000 characters.",
        ),
    ] {
        let response = visitor.ask(&app, &key, &token, input).await;
        assert_eq!(allow_origin(&response).as_deref(), Some(SITE));
        let (status, body) = status_and_json(response).await;
        assert_eq!((status, &body["input"][0]), (400, &json!(message)));
    }
    let response = visitor
        .client
        .post(app.url(&format!("/widget/v1/{key}/messages")))
        .header("Origin", SITE)
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);

    // Hostile text in the question is kept as text, never as markup.
    let response = visitor
        .ask(
            &app,
            &key,
            &token,
            "<img src=x onerror=alert(1)> capital expenditures?",
        )
        .await;
    let done = done_event(&response.text().await.expect("body"));
    assert!(
        !done["output_html"].as_str().unwrap().contains("<img"),
        "{done}"
    );
}

#[tokio::test]
async fn the_owner_sets_it_up_and_previews_it_and_nobody_else_can() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let id = owner.assistant_id.to_string();
    let (status, widget) = server_fn(
        &app,
        &owner,
        "widget_settings",
        &[("assistant_id", id.clone())],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(widget["enabled"], false, "off until the owner turns it on");
    assert_eq!(widget["script_url"], app.url("/embed.js"));

    let (status, errors) = server_fn(
        &app,
        &owner,
        "save_widget",
        &[
            ("assistant_id", id.clone()),
            ("enabled", "on".into()),
            (
                "allowed_origins",
                "https://www.acme.example/blog\n*.acme.example".into(),
            ),
            ("accent", "red".into()),
            ("visitor_hourly_limit", "0".into()),
            ("daily_limit", "-5".into()),
        ],
    )
    .await;
    assert_eq!(status, 400);
    let text = errors.to_string();
    for message in [
        "is not an origin",
        "Choose a colour",
        "Enter a whole number from 1 to 10000",
    ] {
        assert!(text.contains(message), "{message}: {text}");
    }

    // The preview works before the widget is on, from the dashboard only.
    let (status, preview) = server_fn(
        &app,
        &owner,
        "start_widget_preview",
        &[("assistant_id", id.clone())],
    )
    .await;
    assert_eq!(status, 200);
    let key = preview["public_key"].as_str().unwrap().to_owned();
    let dashboard = Visitor {
        client: Client::new(),
        origin: Box::leak(app.url("").into_boxed_str()),
    };
    let body = json!({ "preview_token": preview["token"] });
    let (status, session) =
        status_and_json(dashboard.session(&app, &key, body.clone()).await).await;
    assert_eq!(status, 200, "{session}");
    let response = dashboard
        .ask(
            &app,
            &key,
            session["token"].as_str().unwrap(),
            "What were capital expenditures?",
        )
        .await;
    assert_eq!(response.status(), 200);
    let (status, _) =
        status_and_json(Visitor::on(OTHER_SITE).session(&app, &key, body).await).await;
    assert_eq!(
        status, 401,
        "a preview token is bound to the dashboard's origin"
    );

    // Another user sees none of it.
    let eve = crate::helpers::TestApp::browser(&app);
    sign_up(&app, &eve, "eve").await;
    let eve = Owner {
        browser: eve,
        token: String::new(),
        assistant_id: owner.assistant_id,
    };
    for name in [
        "widget_settings",
        "rotate_widget_key",
        "start_widget_preview",
    ] {
        let (status, _) = server_fn(&app, &eve, name, &[("assistant_id", id.clone())]).await;
        assert_eq!(status, 404, "{name}");
    }
    let (status, _) = server_fn(
        &app,
        &eve,
        "save_widget",
        &[
            ("assistant_id", id.clone()),
            ("allowed_origins", OTHER_SITE.into()),
            ("accent", "#000000".into()),
            ("visitor_hourly_limit", "20".into()),
            ("daily_limit", "500".into()),
        ],
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_script_is_cached_compressed_and_loadable_from_any_site() {
    let app = spawn_app().await;
    let response = Client::new()
        .get(app.url("/embed.js"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=3600")
    );
    assert_eq!(headers["content-encoding"], "gzip");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let body = response.bytes().await.expect("body");
    assert!(!body.is_empty());

    let response = Client::new()
        .get(app.url("/embed.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 304);
}
