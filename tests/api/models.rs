//! Which model answers: the operator allows some (`--allowed-models`, the
//! chat model always among them), an assistant's owner chooses among them
//! in its answer settings, and nothing else reaches the provider.

use reqwest::Method;
use serde_json::json;

use crate::chat::{ask, new_chat};
use crate::helpers::{TestApp, location, post_form, spawn_app, spawn_app_with};
use crate::mock_model::{Behaviour, MockModel};
use crate::widget::{Owner, owner, server_fn};

/// Saves the owner's answer settings with this model; gives status and body.
async fn save_model(app: &TestApp, owner: &Owner, model: &str) -> (u16, serde_json::Value) {
    server_fn(
        app,
        owner,
        "save_answer_settings",
        &[
            ("assistant_id", owner.assistant_id.to_string()),
            ("grounded", "on".into()),
            ("refusal", String::new()),
            ("chat_model", model.into()),
            ("temperature", String::new()),
        ],
    )
    .await
}

async fn settings(app: &TestApp, owner: &Owner) -> serde_json::Value {
    let (status, settings) = server_fn(
        app,
        owner,
        "answer_settings",
        &[("assistant_id", owner.assistant_id.to_string())],
    )
    .await;
    assert_eq!(status, 200, "{settings}");
    settings
}

/// The model the provider was asked for, for a question in a new chat.
async fn model_asked(app: &TestApp, owner: &Owner, mock: &MockModel) -> String {
    mock.then([Behaviour::answer(&[
        "Capital expenditures were $1,577 million [1].",
    ])]);
    let before = mock.requests().len();
    let chat = new_chat(app, &owner.token, owner.assistant_id).await;
    let (status, answer) = ask(
        app,
        &owner.token,
        chat,
        owner.assistant_id,
        "What were capital expenditures in 2018?",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let requests = mock.requests();
    assert_eq!(requests.len(), before + 1);
    requests[before]["model"]
        .as_str()
        .expect("model")
        .to_owned()
}

fn with_models(mock: &MockModel, allowed: &[&str]) -> impl FnOnce(&mut aiconvokit::config::Config) {
    let base_url = mock.base_url.clone();
    let allowed: Vec<String> = allowed.iter().map(|m| (*m).to_owned()).collect();
    move |config| {
        config.model.base_url = Some(base_url);
        config.model.allowed_models = allowed;
    }
}

#[tokio::test]
async fn only_the_chat_model_may_be_chosen_unless_the_operator_allows_more() {
    let app = spawn_app().await;
    let owner = owner(&app, "ada").await;
    let (status, body) = save_model(&app, &owner, "gpt-4").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["Invalid"]["fields"]["chat_model"],
        json!(["\"gpt-4\" is not a valid choice. Choose one of: gpt-4o-mini."])
    );
    assert_eq!(settings(&app, &owner).await["chat_model"], json!(null));
    let (status, _) = save_model(&app, &owner, "gpt-4o-mini").await;
    assert_eq!(status, 200);
    let current = settings(&app, &owner).await;
    assert_eq!(current["chat_model"], "gpt-4o-mini");
    assert_eq!(current["allowed_models"], json!(["gpt-4o-mini"]));
}

#[tokio::test]
async fn the_owner_chooses_among_the_allowed_models_and_that_one_answers() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_models(&mock, &["llama3.1", "mistral-small"])).await;
    let owner = owner(&app, "ada").await;
    assert_eq!(
        settings(&app, &owner).await["allowed_models"],
        json!(["gpt-4o-mini", "llama3.1", "mistral-small"])
    );
    assert_eq!(
        model_asked(&app, &owner, &mock).await,
        "gpt-4o-mini",
        "the default"
    );

    let (status, body) = save_model(&app, &owner, "gpt-4-32k").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["Invalid"]["fields"]["chat_model"],
        json!([
            "\"gpt-4-32k\" is not a valid choice. Choose one of: gpt-4o-mini, llama3.1, mistral-small."
        ])
    );
    assert_eq!(
        settings(&app, &owner).await["chat_model"],
        json!(null),
        "nothing saved"
    );

    let (status, body) = save_model(&app, &owner, "mistral-small").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(model_asked(&app, &owner, &mock).await, "mistral-small");
    let (status, _) = save_model(&app, &owner, "").await;
    assert_eq!(status, 200);
    assert_eq!(settings(&app, &owner).await["chat_model"], json!(null));
    assert_eq!(model_asked(&app, &owner, &mock).await, "gpt-4o-mini");
}

#[tokio::test]
async fn the_answer_settings_offer_a_select_of_the_allowed_models_without_javascript() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_models(&mock, &["llama3.1", "mistral-small"])).await;
    let owner = owner(&app, "ada").await;
    let (status, _) = save_model(&app, &owner, "llama3.1").await;
    assert_eq!(status, 200);
    let page_path = format!("/assistants/{}/settings", owner.assistant_id);
    let page = |path: String| {
        let browser = owner.browser.clone();
        let url = app.url(&path);
        async move {
            let response = browser.get(url).send().await.expect("page");
            assert_eq!(response.status(), 200);
            response.text().await.expect("html")
        }
    };
    let html = page(page_path.clone()).await;
    let select = html
        .split(r#"<select id="field-chat_model" name="chat_model""#)
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
        .unwrap_or_else(|| panic!("a select of models: {html}"));
    assert!(
        select.contains(r#"<option value="""#),
        "the default: {select}"
    );
    assert!(
        select.contains("gpt-4o-mini (the server&#39;s default)")
            || select.contains("gpt-4o-mini (the server's default)"),
        "{select}"
    );
    assert!(
        select.contains(r#"<option value="llama3.1" selected"#),
        "the chosen one: {select}"
    );
    assert!(
        select.contains(r#"<option value="mistral-small""#),
        "{select}"
    );
    assert!(
        !html.contains(r#"type="text" name="chat_model""#)
            && !html.contains(r#"name="chat_model" type="text""#)
    );

    // A browser without JavaScript posts the form; a model that is not
    // offered comes back as the field's error on the page.
    let response = post_form(
        &app,
        &owner.browser,
        "/fn/save_answer_settings",
        &page_path,
        &[
            ("assistant_id", &owner.assistant_id.to_string()),
            ("grounded", "on"),
            ("refusal", ""),
            ("chat_model", "gpt-4-32k"),
            ("temperature", ""),
        ],
    )
    .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let back = location(&response);
    let html = page(back.trim_start_matches(&app.address).to_owned()).await;
    assert!(
        html.contains(
            "is not a valid choice. Choose one of: gpt-4o-mini, llama3.1, mistral-small."
        ),
        "the error beside the select: {back}"
    );
    assert_eq!(
        settings(&app, &owner).await["chat_model"],
        "llama3.1",
        "unchanged"
    );

    let response = post_form(
        &app,
        &owner.browser,
        "/fn/save_answer_settings",
        &page_path,
        &[
            ("assistant_id", &owner.assistant_id.to_string()),
            ("grounded", "on"),
            ("refusal", ""),
            ("chat_model", "mistral-small"),
            ("temperature", ""),
        ],
    )
    .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(settings(&app, &owner).await["chat_model"], "mistral-small");
}

#[tokio::test]
async fn a_stored_model_the_operator_no_longer_allows_is_answered_by_the_default() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_models(&mock, &["llama3.1"])).await;
    let owner = owner(&app, "ada").await;
    let (status, _) = save_model(&app, &owner, "llama3.1").await;
    assert_eq!(status, 200);
    assert_eq!(model_asked(&app, &owner, &mock).await, "llama3.1");

    // Set before the operator narrowed the list (or by hand in the database).
    app.execute_sql(&[&format!(
        "UPDATE assistants SET chat_model = 'gpt-4-32k' WHERE id = {}",
        owner.assistant_id
    )])
    .await;
    assert_eq!(model_asked(&app, &owner, &mock).await, "gpt-4o-mini");
    let html = owner
        .browser
        .get(app.url(&format!("/assistants/{}/settings", owner.assistant_id)))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(
            "is no longer offered on this server: the assistant answers with gpt-4o-mini"
        ),
        "the owner is told"
    );

    // The API has no say in the model: fields it does not know are ignored.
    let response = app
        .with_key(
            Method::PATCH,
            &format!("/api/v1/assistants/{}/", owner.assistant_id),
            &owner.token,
        )
        .json(&json!({"chat_model": "gpt-4", "model": "gpt-4"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), 200);
    assert_eq!(model_asked(&app, &owner, &mock).await, "gpt-4o-mini");
}
