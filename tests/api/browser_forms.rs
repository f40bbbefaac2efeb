//! The account pages as a browser without JavaScript uses them: plain form
//! posts to the server functions, redirects, cookies and server-rendered
//! messages. (With JavaScript, the Playwright tests in end2end/ cover them.)

use reqwest::{Client, Method};

use crate::helpers::{
    PASSWORD, location, page, post_form, session_cookie, sign_up, spawn_app, spawn_app_with,
};

#[tokio::test]
async fn account_pages_send_signed_out_visitors_to_log_in_and_back() {
    let app = spawn_app().await;
    let browser = app.browser();
    for (path, next) in [
        ("/account", "/account"),
        ("/dashboard", "/dashboard"),
        ("/account?tab=keys", "/account%3Ftab%3Dkeys"),
    ] {
        let response = browser.get(app.url(path)).send().await.expect("request");
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(location(&response), format!("/login?next={next}"));
    }
    let (status, html) = page(&app, &browser, "/login?next=/account").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"name="next" value="/account""#),
        "the form carries where to return"
    );
}

#[tokio::test]
async fn sign_up_without_javascript_signs_in_with_a_safe_cookie() {
    let app = spawn_app().await;
    let browser = app.browser();
    let response = sign_up(&app, &browser, "ada").await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), "/dashboard");
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.starts_with("aiconvokit_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "not over plain http unless configured: {cookie}"
    );

    let (status, html) = page(&app, &browser, "/dashboard").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Welcome, ada"),
        "the dashboard greets the user"
    );
}

#[tokio::test]
async fn each_log_in_gets_a_fresh_session_id_and_old_ones_sign_nobody_in() {
    let app = spawn_app().await;
    let browser = app.browser();
    let first_cookie = session_cookie(&sign_up(&app, &browser, "ada").await);
    assert!(!first_cookie.is_empty());
    post_form(&app, &browser, "/fn/log_out", "/dashboard", &[]).await;
    let again = post_form(
        &app,
        &browser,
        "/fn/log_in",
        "/login",
        &[("username", "ada"), ("password", PASSWORD), ("next", "")],
    )
    .await;
    let second_cookie = session_cookie(&again);
    assert!(!second_cookie.is_empty());
    assert_ne!(
        first_cookie, second_cookie,
        "a new session id at each log in"
    );

    for stale in [
        first_cookie,
        "aiconvokit_session=forged-session-id".to_owned(),
    ] {
        let response = app
            .api
            .get(app.url("/dashboard"))
            .header("Cookie", &stale)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 303, "{stale} signs nobody in");
    }
}

#[tokio::test]
async fn cookies_are_secure_when_configured() {
    let app = spawn_app_with(|config| config.secure_cookies = true).await;
    let response = sign_up(&app, &app.browser(), "ada").await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn sign_up_errors_come_back_beside_the_fields_with_what_was_typed() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let browser = app.browser();
    let response = post_form(
        &app,
        &browser,
        "/fn/sign_up",
        "/signup",
        &[
            ("username", "ada"),
            ("email", "new@example.com"),
            ("password", "Qz7!xy"),
            ("password_confirm", "Vk4#different"),
            ("next", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    let back = location(&response);
    assert!(
        back.starts_with(&app.url("/signup")),
        "back to the form: {back}"
    );
    let (status, html) = page(&app, &browser, back.trim_start_matches(&app.address)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("A user with that username already exists."),
        "taken username shown"
    );
    assert!(
        html.contains(r#"value="new@example.com""#),
        "typed email kept"
    );
    assert!(html.contains(r#"value="ada""#), "typed username kept");
    assert!(
        !html.contains("Qz7!xy") && !html.contains("Vk4#different"),
        "passwords never echoed"
    );
}

#[tokio::test]
async fn sign_up_validation_without_javascript_names_each_problem() {
    let app = spawn_app().await;
    let browser = app.browser();
    let response = post_form(
        &app,
        &browser,
        "/fn/sign_up",
        "/signup",
        &[
            ("username", "bad name"),
            ("email", "nope"),
            ("password", "1234567"),
            ("password_confirm", "7654321"),
            ("next", ""),
        ],
    )
    .await;
    let back = location(&response);
    let (_, html) = page(&app, &browser, back.trim_start_matches(&app.address)).await;
    for message in [
        "Enter a valid username.",
        "Enter a valid email address.",
        "This password is too short. It must contain at least 8 characters.",
        "The two passwords do not match.",
    ] {
        assert!(html.contains(message), "{message}");
    }
    let (status, _) = page(&app, &browser, "/dashboard").await;
    assert_eq!(status, 303, "no account was made, nobody is signed in");
}

#[tokio::test]
async fn a_wrong_password_is_explained_and_the_username_kept() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let browser = app.browser();
    let response = post_form(
        &app,
        &browser,
        "/fn/log_in",
        "/login",
        &[
            ("username", "ada"),
            ("password", "not my password"),
            ("next", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    let back = location(&response);
    let (_, html) = page(&app, &browser, back.trim_start_matches(&app.address)).await;
    assert!(html.contains("Unable to log in with provided credentials."));
    assert!(html.contains(r#"value="ada""#));
    assert!(!html.contains("not my password"));
}

#[tokio::test]
async fn log_in_returns_to_the_page_asked_for_but_never_off_site() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let browser = app.browser();
    let response = post_form(
        &app,
        &browser,
        "/fn/log_in",
        "/login?next=/account",
        &[
            ("username", "ada"),
            ("password", PASSWORD),
            ("next", "/account"),
        ],
    )
    .await;
    assert_eq!(location(&response), "/account");
    let (status, html) = page(&app, &browser, "/account").await;
    assert_eq!(status, 200);
    assert!(html.contains("API keys"));

    let other = app.browser();
    let response = post_form(
        &app,
        &other,
        "/fn/log_in",
        "/login",
        &[
            ("username", "ada"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ],
    )
    .await;
    assert_eq!(location(&response), "/dashboard");
}

#[tokio::test]
async fn signed_in_visitors_skip_log_in_and_log_out_ends_the_session() {
    let app = spawn_app().await;
    let browser = app.browser();
    sign_up(&app, &browser, "ada").await;
    let response = browser
        .get(app.url("/login"))
        .send()
        .await
        .expect("request");
    assert_eq!(location(&response), "/dashboard");

    let response = post_form(&app, &browser, "/fn/log_out", "/dashboard", &[]).await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), "/");
    let (status, _) = page(&app, &browser, "/account").await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn an_api_key_made_without_javascript_is_shown_once_and_works() {
    let app = spawn_app().await;
    let browser = app.browser();
    sign_up(&app, &browser, "ada").await;
    let response = post_form(
        &app,
        &browser,
        "/fn/create_api_key",
        "/account",
        &[("name", "CI server")],
    )
    .await;
    assert_eq!(location(&response), "/account");
    let (_, html) = page(&app, &browser, "/account").await;
    let key = html
        .match_indices("ack_")
        .map(|(start, _)| {
            html[start..]
                .chars()
                .take_while(char::is_ascii_alphanumeric_or_underscore)
                .collect::<String>()
        })
        .max_by_key(String::len)
        .expect("a key on the page");
    assert_eq!(key.len(), 44, "the whole key is shown: {key}");
    assert!(html.contains("CI server"));

    let response = app
        .with_key(Method::GET, "/api/v1/me/", &key)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);

    let (_, again) = page(&app, &browser, "/account").await;
    assert!(!again.contains(&key), "shown only once");
    assert!(again.contains(&key[..12]), "its prefix stays listed");
}

#[tokio::test]
async fn an_empty_key_name_is_refused_beside_the_field() {
    let app = spawn_app().await;
    let browser = app.browser();
    sign_up(&app, &browser, "ada").await;
    let response = post_form(
        &app,
        &browser,
        "/fn/create_api_key",
        "/account",
        &[("name", "   ")],
    )
    .await;
    let back = location(&response);
    let (_, html) = page(&app, &browser, back.trim_start_matches(&app.address)).await;
    assert!(html.contains("Give the key a name"));
    assert!(html.contains("You have no API keys yet."));
}

#[tokio::test]
async fn server_functions_refuse_signed_out_callers_and_other_users_keys() {
    let app = spawn_app().await;
    let ada = app.browser();
    sign_up(&app, &ada, "ada").await;
    let (_, ada_token) = (0, app.token_for("ada").await);
    let bob = app.browser();
    sign_up(&app, &bob, "bob").await;

    // Bob cannot revoke Ada's key (ids are small integers, easy to guess).
    for id in 1..=3 {
        let response = bob
            .post(app.url("/fn/revoke_api_key"))
            .form(&[("id", id.to_string())])
            .send()
            .await
            .expect("request");
        assert!(response.status().is_client_error() || response.status().is_server_error());
        assert_ne!(response.status(), 500, "not found, not a crash");
    }
    let response = app
        .with_key(Method::GET, "/api/v1/me/", &ada_token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "Ada's key survives");

    let anonymous = app.browser();
    let response = anonymous
        .post(app.url("/fn/list_api_keys"))
        .send()
        .await
        .expect("request");
    assert_ne!(response.status(), 200);
}

trait AlnumOrUnderscore {
    fn is_ascii_alphanumeric_or_underscore(&self) -> bool;
}

impl AlnumOrUnderscore for char {
    fn is_ascii_alphanumeric_or_underscore(&self) -> bool {
        self.is_ascii_alphanumeric() || *self == '_'
    }
}

#[tokio::test]
async fn assistants_are_created_without_javascript_and_hidden_from_other_users() {
    let app = spawn_app().await;
    let ada = app.browser();
    sign_up(&app, &ada, "ada").await;
    let response = new_contracts(&app, &ada).await;
    assert_eq!(response.status(), 302);
    // A new assistant opens on its Documents, to add them.
    let documents_path = location(&response);
    let page_path = documents_path
        .strip_suffix("/documents")
        .unwrap_or_else(|| panic!("{documents_path}"))
        .to_owned();
    assert!(page_path.starts_with("/assistants/"), "{page_path}");
    let (status, html) = page(&app, &ada, &documents_path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Contracts") && html.contains("Upload"));
    let (status, html) = page(&app, &ada, &format!("{page_path}/settings")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Quote the clause."), "its settings");
    let (_, dashboard) = page(&app, &ada, "/dashboard").await;
    assert!(dashboard.contains("Contracts"), "listed on the dashboard");

    let bob = app.browser();
    sign_up(&app, &bob, "bob").await;
    let (status, html) = page(&app, &bob, &page_path).await;
    assert_eq!(
        status, 404,
        "another user's assistant does not exist for Bob"
    );
    assert!(!html.contains("Quote the clause."));
    let id = page_path.trim_start_matches("/assistants/");
    let response = bob
        .post(app.url("/fn/delete_assistant"))
        .form(&[("id", id)])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    let (status, _) = page(&app, &ada, &page_path).await;
    assert_eq!(status, 200, "still there for Ada");
}

#[tokio::test]
async fn documents_are_uploaded_from_the_dashboard_with_a_plain_form() {
    use reqwest::multipart::{Form, Part};
    let app = spawn_app().await;
    let ada = app.browser();
    sign_up(&app, &ada, "ada").await;
    let page_path = location(&new_contracts(&app, &ada).await);
    assert!(page_path.ends_with("/documents"), "{page_path}");
    let upload = |client: &Client, name: &str, bytes: &[u8]| {
        client
            .post(app.url(&page_path))
            .multipart(Form::new().part(
                "files",
                Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
            ))
            .send()
    };

    let response = upload(
        &ada,
        "terms.md",
        b"# Terms\n\nPayment is due within 30 days.",
    )
    .await
    .expect("request");
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), page_path);
    let mut html = String::new();
    for _ in 0..100 {
        html = page(&app, &ada, &page_path).await.1;
        if html.contains("Ready") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        html.contains("terms.md") && html.contains("Ready"),
        "the document is listed and processed"
    );

    let response = upload(&ada, "photo.png", b"\x89PNG\r\n\x1a\n\0\0")
        .await
        .expect("request");
    let back = location(&response);
    assert!(back.contains("upload_error="), "{back}");
    let (_, html) = page(&app, &ada, back.trim_start_matches(&app.address)).await;
    assert!(
        html.contains("is not a supported document"),
        "the reason is shown"
    );

    let bob = app.browser();
    sign_up(&app, &bob, "bob").await;
    let response = upload(&bob, "evil.md", b"# Mine now")
        .await
        .expect("request");
    assert_eq!(response.status(), 404, "not Bob's assistant");

    let response = ada
        .post(app.url(&format!("{page_path}/documents")))
        .header("Origin", "https://evil.example")
        .multipart(Form::new().part("files", Part::bytes(b"# x".to_vec()).file_name("x.md")))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403, "cross-site posts are refused");
    let (_, html) = page(&app, &ada, &page_path).await;
    assert_eq!(
        html.matches("data-testid=\"document-row\"").count(),
        1,
        "only the one good upload"
    );
}

#[tokio::test]
async fn answer_settings_are_checked_saved_and_used_by_the_in_app_chat() {
    let mock = crate::mock_model::MockModel::start().await;
    let base_url = mock.base_url.clone();
    let app = crate::helpers::spawn_app_with(move |config| {
        config.model.base_url = Some(base_url);
        config.model.allowed_models = vec!["llama3.1".into()];
    })
    .await;
    let ada = app.browser();
    sign_up(&app, &ada, "ada").await;
    let (id, page_path) = contracts_with_terms(&app, &ada).await;

    let save = |temperature: &'static str, grounded: bool| {
        let mut fields = vec![
            ("assistant_id", id.as_str()),
            ("refusal", "Sorry, our contract does not say."),
            ("chat_model", "llama3.1"),
            ("temperature", temperature),
        ];
        if grounded {
            fields.push(("grounded", "on"));
        }
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        ada.post(app.url("/fn/save_answer_settings"))
            .header("Accept", "application/json")
            .form(&fields)
            .send()
    };
    let response = save("5", true).await.expect("request");
    assert_eq!(response.status(), 400);
    let body = response.text().await.expect("body");
    assert!(body.contains("Enter a number from 0 to 2"), "{body}");
    let response = save("0.2", true).await.expect("request");
    assert_eq!(response.status(), 200, "{:?}", response.text().await);

    let (_, chat_id) = start_chat(&app, &ada, &id, &page_path).await;
    let ask = |question: &'static str| {
        ada.post(app.url(&format!("/chats/{chat_id}/messages")))
            .header("Origin", app.url(""))
            .json(&serde_json::json!({ "input": question }))
            .send()
    };
    let body = ask("Who won the football world cup?")
        .await
        .expect("ask")
        .text()
        .await
        .expect("body");
    assert!(
        body.contains("Sorry, our contract does not say."),
        "the custom refusal: {body}"
    );
    assert!(mock.requests().is_empty());

    mock.then([crate::mock_model::Behaviour::answer(&[
        "Within 30 days [1].",
    ])]);
    let body = ask("When are invoices due?")
        .await
        .expect("ask")
        .text()
        .await
        .expect("body");
    assert!(
        body.contains("event: done") && body.contains("Within 30 days [1]."),
        "{body}"
    );
    let request = &mock.requests()[0];
    assert_eq!(request["model"], "llama3.1");
    assert!((request["temperature"].as_f64().unwrap_or_default() - 0.2).abs() < 1e-6);

    // Not grounded: the model is asked even when the documents hold nothing relevant.
    let response = save("", false).await.expect("request");
    assert_eq!(response.status(), 200);
    mock.then([crate::mock_model::Behaviour::answer(&[
        "From general knowledge: Argentina.",
    ])]);
    let body = ask("Who won the football world cup?")
        .await
        .expect("ask")
        .text()
        .await
        .expect("body");
    assert!(body.contains("From general knowledge"), "{body}");
    let request = &mock.requests()[1];
    assert!(
        request["messages"][0]["content"]
            .as_str()
            .is_some_and(|s| s.contains("general knowledge"))
    );
    assert!(
        request
            .get("temperature")
            .is_none_or(serde_json::Value::is_null)
    );

    // A cross-site post is refused.
    let response = ada
        .post(app.url(&format!("/chats/{chat_id}/messages")))
        .header("Origin", "https://evil.example")
        .json(&serde_json::json!({ "input": "When are invoices due?" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_in_app_chat_receives_answers_as_safe_html_rendered_on_the_server() {
    let mock = crate::mock_model::MockModel::start().await;
    let base_url = mock.base_url.clone();
    let app = crate::helpers::spawn_app_with(move |config| {
        config.model.base_url = Some(base_url);
    })
    .await;
    let ada = app.browser();
    sign_up(&app, &ada, "ada").await;
    let (id, page_path) = contracts_with_terms(&app, &ada).await;
    let (chat_path, chat_id) = start_chat(&app, &ada, &id, &page_path).await;

    // Markdown in pieces, with HTML a model should not get onto the page.
    mock.then([crate::mock_model::Behaviour::answer(&[
        "**Within ",
        "30 days** [1]. <script>alert(1)</script>",
    ])]);
    let body = ada
        .post(app.url(&format!("/chats/{chat_id}/messages")))
        .header("Origin", app.url(""))
        .json(&serde_json::json!({ "input": "When are invoices due?" }))
        .send()
        .await
        .expect("ask")
        .text()
        .await
        .expect("body");
    let events: Vec<(String, serde_json::Value)> = body
        .split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_owned(), serde_json::from_str(data).ok()?))
        })
        .collect();
    let deltas: Vec<&serde_json::Value> = events
        .iter()
        .filter(|(name, _)| name == "delta")
        .map(|(_, data)| data)
        .collect();
    // Each delta carries its text and the whole answer so far as HTML.
    let pieces: String = deltas.iter().filter_map(|d| d["text"].as_str()).collect();
    assert!(pieces.contains("30 days**"), "{body}");
    let so_far = deltas.last().expect("a delta")["html"]
        .as_str()
        .expect("html");
    assert!(
        so_far.contains("<strong>Within 30 days</strong>"),
        "{so_far}"
    );
    assert!(!so_far.contains("<script>"), "{so_far}");
    let (_, done) = events
        .iter()
        .find(|(name, _)| name == "done")
        .expect("done");
    let message_id = done["message_id"].as_i64().expect("message id");
    let html = done["html"].as_str().expect("html");
    assert!(html.contains("<strong>Within 30 days</strong>"), "{html}");
    assert!(
        html.contains(&format!("href=\"#m{message_id}-1\"")) && html.contains("data-cite=\"1\""),
        "the citation links to its source: {html}"
    );
    assert!(
        html.contains("&lt;script&gt;") && !html.contains("<script>"),
        "{html}"
    );
    // The Markdown itself is still there, as the API gives it.
    assert!(
        done["output"]
            .as_str()
            .is_some_and(|o| o.starts_with("**Within"))
    );

    // Opened again, the chat page shows the answer rendered by the server.
    let (status, chat_page) = page(&app, &ada, &chat_path).await;
    assert_eq!(status, 200);
    assert!(
        chat_page.contains("<strong>Within 30 days</strong>"),
        "{chat_page}"
    );
    assert!(
        !chat_page.contains("<script>alert(1)"),
        "no script from the answer"
    );
}

/// Ada's "Contracts" assistant with one ready document, the payment terms:
/// its id and its Documents page.
async fn contracts_with_terms(
    app: &crate::helpers::TestApp,
    ada: &reqwest::Client,
) -> (String, String) {
    // A new assistant opens on its Documents, where the upload form posts.
    let page_path = location(&new_contracts(app, ada).await);
    let id = page_path
        .trim_start_matches("/assistants/")
        .trim_end_matches("/documents")
        .to_owned();
    let upload = reqwest::multipart::Form::new().part(
        "files",
        reqwest::multipart::Part::bytes(
            b"# Payment\n\nInvoices are due within 30 days of delivery.\n".to_vec(),
        )
        .file_name("terms.md"),
    );
    let response = ada
        .post(app.url(&page_path))
        .multipart(upload)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 303);
    for _ in 0..100 {
        if page(app, ada, &page_path).await.1.contains("Ready") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (id, page_path)
}

/// Makes Ada's "Contracts" assistant with a plain form post; the answer
/// sends the browser to its page.
async fn new_contracts(app: &crate::helpers::TestApp, ada: &reqwest::Client) -> reqwest::Response {
    post_form(
        app,
        ada,
        "/fn/create_assistant",
        "/assistants/new",
        &[
            ("name", "Contracts"),
            ("company_name", "Acme"),
            ("instructions", "Quote the clause."),
        ],
    )
    .await
}

/// Starts a chat from the assistant's page with a plain form post: the
/// chat's page and its id.
async fn start_chat(
    app: &crate::helpers::TestApp,
    ada: &reqwest::Client,
    assistant_id: &str,
    from: &str,
) -> (String, String) {
    let response = post_form(
        app,
        ada,
        "/fn/start_chat",
        from,
        &[("assistant_id", assistant_id)],
    )
    .await;
    let chat_path = location(&response);
    let chat_id = chat_path.rsplit('/').next().unwrap_or_default().to_owned();
    (chat_path, chat_id)
}

#[tokio::test]
async fn a_form_that_saved_goes_back_to_its_page_which_says_so() {
    let app = spawn_app().await;
    let ada = app.browser();
    sign_up(&app, &ada, "ada").await;
    let page_path = location(&new_contracts(&app, &ada).await);
    let id = page_path
        .trim_start_matches("/assistants/")
        .trim_end_matches("/documents")
        .to_owned();
    let settings = format!("/assistants/{id}/settings?tab=1&saved=old");
    let response = post_form(
        &app,
        &ada,
        "/fn/update_assistant",
        &settings,
        &[
            ("id", &id),
            ("name", "Contracts 2"),
            ("company_name", "Acme"),
            ("instructions", "Quote the clause."),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    // Back to the same page, its own query kept, saying once what was saved.
    let back = location(&response);
    assert_eq!(
        back,
        format!("/assistants/{id}/settings?tab=1&saved=assistant")
    );
    let (status, html) = page(&app, &ada, &back).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"saved\""), "{html}");
    assert!(html.contains("Contracts 2"));
    let (_, html) = page(&app, &ada, &format!("/assistants/{id}/settings")).await;
    assert!(
        !html.contains("data-testid=\"saved\""),
        "only when just saved"
    );

    // A Referer from another site does not send the browser there.
    let response = ada
        .post(app.url("/fn/update_assistant"))
        .header("Accept", "text/html")
        .header("Referer", "https://evil.example/phish?x=1")
        .form(&[
            ("id", id.as_str()),
            ("name", "Contracts 3"),
            ("company_name", "Acme"),
            ("instructions", "Quote the clause."),
        ])
        .send()
        .await
        .expect("request");
    let back = location(&response);
    assert!(back.starts_with("/phish?x=1&saved=assistant"), "{back}");

    // A refused save goes back with its errors, not a "Saved".
    let response = post_form(
        &app,
        &ada,
        "/fn/update_assistant",
        &format!("/assistants/{id}/settings"),
        &[
            ("id", &id),
            ("name", ""),
            ("company_name", "Acme"),
            ("instructions", "Quote the clause."),
        ],
    )
    .await;
    let back = location(&response);
    assert!(
        back.contains("__err=") && !back.contains("saved="),
        "{back}"
    );
}
