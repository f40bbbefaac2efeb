//! `/api/v1/assistants/`: the caller's assistants, and nobody else's.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, status_and_json};

fn report() -> Value {
    json!({"name": "Annual report helper", "company_name": "3M", "instructions": "Answer questions about our 2018 annual report."})
}

#[tokio::test]
async fn create_answers_201_with_the_contracts_shape() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (status, body) = app
        .call(&token, Method::POST, "/api/v1/assistants/", Some(report()))
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().expect("id");
    assert_eq!(body["absolute_url"], format!("/api/v1/assistants/{id}/"));
    assert!(
        body["openai_id"]
            .as_str()
            .is_some_and(|s| s.starts_with("asst_") && s.len() > 20)
    );
    assert_eq!(body["name"], "Annual report helper");
    assert_eq!(body["company_name"], "3M");
    assert_eq!(
        body["instructions"],
        "Answer questions about our 2018 annual report."
    );
    assert_eq!(body["query_count"], 0);
    assert_eq!(body["file"], Value::Null);
    assert_eq!(body["documents"], json!([]));
    let created = body["created_at"].as_str().expect("created_at");
    assert!(
        created.ends_with('Z') && created.len() == 24,
        "RFC 3339 UTC with milliseconds: {created}"
    );
    assert_eq!(body["created_at"], body["updated_at"]);
    let mut keys: Vec<_> = body.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    // The contract's fields, and one addition: the OCR languages of
    // scanned pages (English unless chosen).
    assert_eq!(
        keys,
        [
            "absolute_url",
            "company_name",
            "created_at",
            "documents",
            "file",
            "id",
            "instructions",
            "name",
            "ocr_languages",
            "openai_id",
            "query_count",
            "updated_at"
        ]
    );
    assert_eq!(body["ocr_languages"], "eng");
}

#[tokio::test]
async fn create_takes_a_form_encoded_body_too() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let response = app
        .with_key(Method::POST, "/api/v1/assistants", &token)
        .form(&[
            ("name", "Contracts"),
            ("company_name", "Acme"),
            ("instructions", "Quote the clause."),
        ])
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["name"], "Contracts");
}

#[tokio::test]
async fn every_field_is_required_not_blank_and_bounded() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (status, errors) = app
        .call(&token, Method::POST, "/api/v1/assistants/", Some(json!({})))
        .await;
    assert_eq!(status, 400);
    for field in ["name", "company_name", "instructions"] {
        assert_eq!(errors[field], json!(["This field is required."]), "{field}");
    }
    let (status, errors) = app
        .call(
            &token,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": " ", "company_name": "x".repeat(201), "instructions": "y".repeat(20_001)})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(errors["name"], json!(["This field may not be blank."]));
    assert_eq!(
        errors["company_name"],
        json!(["Ensure this field has no more than 200 characters."])
    );
    assert_eq!(
        errors["instructions"],
        json!(["Ensure this field has no more than 20000 characters."])
    );
    let (_, list) = app
        .call(&token, Method::GET, "/api/v1/assistants/", None)
        .await;
    assert_eq!(list, json!([]), "nothing was created");
}

#[tokio::test]
async fn hostile_text_is_stored_and_returned_as_text() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let hostile = json!({
        "name": "<script>alert(1)</script>",
        "company_name": "'; DROP TABLE assistants;--",
        "instructions": "Ünïcödé ✓ \u{202e} right-to-left"
    });
    let (status, body) = app
        .call(
            &token,
            Method::POST,
            "/api/v1/assistants/",
            Some(hostile.clone()),
        )
        .await;
    assert_eq!(status, 201);
    let (_, fetched) = app
        .call(
            &token,
            Method::GET,
            body["absolute_url"].as_str().expect("url"),
            None,
        )
        .await;
    for field in ["name", "company_name", "instructions"] {
        assert_eq!(fetched[field], hostile[field], "{field}");
    }
    let with_null = json!({"name": "a\u{0}b", "company_name": "3M", "instructions": "x"});
    let (status, errors) = app
        .call(&token, Method::POST, "/api/v1/assistants/", Some(with_null))
        .await;
    assert_eq!(status, 400);
    assert_eq!(errors["name"], json!(["Null characters are not allowed."]));
}

#[tokio::test]
async fn the_list_holds_only_the_callers_assistants_newest_first() {
    let app = spawn_app().await;
    let (_, ada) = app.user_with_token("ada").await;
    let (_, bob) = app.user_with_token("bob").await;
    for name in ["first", "second"] {
        let body = json!({"name": name, "company_name": "3M", "instructions": "x"});
        app.call(&ada, Method::POST, "/api/v1/assistants/", Some(body))
            .await;
    }
    app.call(&bob, Method::POST, "/api/v1/assistants/", Some(report()))
        .await;
    let (status, list) = app
        .call(&ada, Method::GET, "/api/v1/assistants", None)
        .await;
    assert_eq!(status, 200);
    let names: Vec<_> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["name"].clone())
        .collect();
    assert_eq!(names, [json!("second"), json!("first")]);
}

#[tokio::test]
async fn another_users_assistant_answers_404_to_every_method() {
    let app = spawn_app().await;
    let (_, ada) = app.user_with_token("ada").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, created) = app
        .call(&ada, Method::POST, "/api/v1/assistants/", Some(report()))
        .await;
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(report())),
        (Method::PATCH, Some(json!({"name": "stolen"}))),
        (Method::DELETE, None),
    ] {
        let (status, body) = app.call(&bob, method.clone(), &url, body).await;
        assert_eq!(status, 404, "{method}");
        assert_eq!(body, json!({"detail": "Not found."}));
    }
    let (status, still) = app.call(&ada, Method::GET, &url, None).await;
    assert_eq!(status, 200);
    assert_eq!(still["name"], "Annual report helper");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    for path in [
        "/api/v1/assistants/999/",
        "/api/v1/assistants/abc/",
        "/api/v1/assistants/-1/",
        "/api/v1/assistants/99999999999999999999/",
    ] {
        let (status, body) = app.call(&token, Method::GET, path, None).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body, json!({"detail": "Not found."}));
    }
}

#[tokio::test]
async fn put_renames_with_new_name_as_the_original_did() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (_, created) = app
        .call(&token, Method::POST, "/api/v1/assistants/", Some(report()))
        .await;
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    let body = json!({"name": "Annual report helper", "new_name": "10-K helper", "company_name": "3M Company", "instructions": "Cite pages."});
    let (status, renamed) = app.call(&token, Method::PUT, &url, Some(body)).await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "10-K helper");
    assert_eq!(renamed["company_name"], "3M Company");
    assert_eq!(renamed["instructions"], "Cite pages.");
    assert_eq!(
        renamed["openai_id"], created["openai_id"],
        "the public id never changes"
    );
    assert_ne!(renamed["updated_at"], created["updated_at"]);
    assert_eq!(renamed["created_at"], created["created_at"]);

    let body = json!({"name": "Plain name", "company_name": "3M", "instructions": "x"});
    let (_, named) = app.call(&token, Method::PUT, &url, Some(body)).await;
    assert_eq!(
        named["name"], "Plain name",
        "without new_name, name is the name"
    );

    let (status, errors) = app
        .call(
            &token,
            Method::PUT,
            &url,
            Some(json!({"new_name": "Only this"})),
        )
        .await;
    assert_eq!(status, 400);
    for field in ["name", "company_name", "instructions"] {
        assert_eq!(errors[field], json!(["This field is required."]), "{field}");
    }
    let (_, unchanged) = app.call(&token, Method::GET, &url, None).await;
    assert_eq!(
        unchanged["name"], "Plain name",
        "a refused PUT changes nothing"
    );
}

#[tokio::test]
async fn patch_changes_only_the_fields_given() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (_, created) = app
        .call(&token, Method::POST, "/api/v1/assistants/", Some(report()))
        .await;
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let (status, patched) = app
        .call(
            &token,
            Method::PATCH,
            &url,
            Some(json!({"instructions": "Be brief."})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(patched["instructions"], "Be brief.");
    assert_eq!(patched["name"], created["name"]);
    assert_eq!(patched["company_name"], created["company_name"]);
    let (status, errors) = app
        .call(
            &token,
            Method::PATCH,
            &url,
            Some(json!({"company_name": ""})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors["company_name"],
        json!(["This field may not be blank."])
    );
}

#[tokio::test]
async fn delete_answers_204_and_the_assistant_is_gone() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (_, created) = app
        .call(&token, Method::POST, "/api/v1/assistants/", Some(report()))
        .await;
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let (status, _) = app.call(&token, Method::DELETE, &url, None).await;
    assert_eq!(status, 204);
    let (status, _) = app.call(&token, Method::GET, &url, None).await;
    assert_eq!(status, 404);
    let (status, _) = app.call(&token, Method::DELETE, &url, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn assistants_need_a_key() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::GET, "/api/v1/assistants/"),
        (Method::POST, "/api/v1/assistants/"),
        (Method::GET, "/api/v1/assistants/1/"),
    ] {
        let response = app
            .api
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401, "{method} {path}");
        assert_eq!(response.headers()["www-authenticate"], "Token");
    }
}

/// The list is answered from memory between commits (SQLite): every change
/// must show in the very next list, including those the background worker
/// commits while nobody asks.
#[tokio::test]
async fn the_list_shows_every_change_at_once_even_from_background_work() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (_, other) = app.user_with_token("bob").await;
    let list = |token: String| {
        let app = &app;
        async move {
            let (status, body) = app
                .call(&token, Method::GET, "/api/v1/assistants/", None)
                .await;
            assert_eq!(status, 200, "{body}");
            body.as_array().expect("a list").clone()
        }
    };
    assert!(list(token.clone()).await.is_empty());
    assert!(list(token.clone()).await.is_empty(), "asked twice");

    let id = app
        .assistant_with_document(
            &token,
            "report.md",
            "# Cash\n\nCash was $1,577 million in 2018.\n",
        )
        .await;
    let listed = list(token.clone()).await;
    assert_eq!(listed.len(), 1, "the new assistant is listed at once");
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["documents"].as_array().map(Vec::len), Some(1));

    // The document becomes ready by the worker's own commits: the list,
    // asked over and over meanwhile, must come to show it.
    let mut status = String::new();
    for _ in 0..300 {
        let listed = list(token.clone()).await;
        status = listed[0]["documents"][0]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if status == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "ready", "the list shows the worker's progress");

    let path = format!("/api/v1/assistants/{id}/");
    let (code, patched) = app
        .call(
            &token,
            Method::PATCH,
            &path,
            Some(json!({"name": "Renamed"})),
        )
        .await;
    assert_eq!(
        (code, &patched["name"]),
        (200, &json!("Renamed")),
        "{patched}"
    );
    assert_eq!(list(token.clone()).await[0]["name"], "Renamed");
    assert!(list(other.clone()).await.is_empty(), "nobody else sees it");

    let (code, _) = app.call(&token, Method::DELETE, &path, None).await;
    assert_eq!(code, 204);
    assert!(list(token.clone()).await.is_empty(), "gone at once");
}
