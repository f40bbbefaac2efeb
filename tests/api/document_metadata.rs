//! Documents know what they are (company, kind, period, title, read at
//! ingest and correctable by their owner), and a question that names one
//! of an assistant's documents reads it first.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::chat::{ask, new_chat, with_model};
use crate::crash::wait_until_ready;
use crate::helpers::{TestApp, spawn_app, status_and_json};
use crate::mock_model::{Behaviour, MockModel};

/// A 10-K's cover page, then sections long enough to be passages of their own.
fn filing(registrant: &str, fiscal_year_end: &str, sections: &[(&str, &str)]) -> String {
    let mut text = format!(
        "UNITED STATES SECURITIES AND EXCHANGE COMMISSION\n\nFORM 10-K\n\n\
         ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d)\n\n\
         For the fiscal year ended {fiscal_year_end}\n\n\
         {registrant}\n(Exact name of registrant as specified in its charter)\n\n"
    );
    for (heading, body) in sections {
        text.push_str(&format!("## {heading}\n\n"));
        for _ in 0..8 {
            text.push_str(body);
            text.push(' ');
        }
        text.push_str("\n\n");
    }
    text
}

fn walmart() -> String {
    filing(
        "Walmart Inc.",
        "January 31, 2018",
        &[
            (
                "Results",
                "Total revenues were $500,343 million in fiscal 2018, up 3.0% from the prior year.",
            ),
            (
                "Stores",
                "We operated 11,718 retail units in 28 countries at the end of the year.",
            ),
            (
                "Employees",
                "Approximately 2.3 million associates worked for us worldwide.",
            ),
            (
                "Dividends",
                "The board approved an annual dividend of $2.04 per share for the year.",
            ),
            (
                "Segments",
                "Our operations are Walmart U.S., Walmart International and Sam's Club.",
            ),
            (
                "Leases",
                "Most of our stores are leased under long-term operating leases.",
            ),
        ],
    )
}

fn nike() -> String {
    filing(
        "NIKE, Inc.",
        "May 31, 2023",
        &[
            (
                "Revenue",
                "Revenue in fiscal 2023 rose to $51.2 billion; revenue in fiscal 2018 was $36.4 billion; revenue grew every year.",
            ),
            (
                "Revenue by region",
                "Revenue in North America was $21.6 billion and revenue in Europe $13.4 billion in fiscal 2023, against fiscal 2018 revenue.",
            ),
            (
                "Revenue outlook",
                "We expect revenue to grow; fiscal 2018 revenue and fiscal 2023 revenue show the trend of total revenue.",
            ),
        ],
    )
}

async fn assistant_with(app: &TestApp, token: &str, files: &[(&str, String)]) -> i64 {
    let mut form = Form::new()
        .text("name", "Filings")
        .text("company_name", "Various")
        .text("instructions", "Answer from the filings.");
    for (name, text) in files {
        form = form.part(
            "files",
            Part::bytes(text.as_bytes().to_vec()).file_name((*name).to_owned()),
        );
    }
    let (status, created) = status_and_json(app.post_assistant_form(token, form).await).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    wait_until_ready(app, token, id).await;
    id
}

/// An assistant holding Walmart's and Nike's filings, both read.
async fn two_filings(app: &TestApp, token: &str) -> i64 {
    assistant_with(
        app,
        token,
        &[
            ("annual-report.md", walmart()),
            ("NIKE_2023_10K.md", nike()),
        ],
    )
    .await
}

async fn documents(app: &TestApp, token: &str, assistant: i64) -> Vec<Value> {
    let (status, body) = app
        .call(
            token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/documents/"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array().expect("documents").clone()
}

fn id_of(documents: &[Value], name: &str) -> i64 {
    documents
        .iter()
        .find(|d| d["name"] == name)
        .and_then(|d| d["id"].as_i64())
        .expect("document")
}

/// The documents of the top `k` passages for `q`.
async fn searched(app: &TestApp, token: &str, assistant: i64, q: &str, k: u32) -> Vec<i64> {
    let response = app
        .with_key(
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/search/"),
            token,
        )
        .query(&[("q", q), ("k", &k.to_string())])
        .send()
        .await
        .expect("search");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 200, "{body}");
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["document_id"].as_i64().expect("document_id"))
        .collect()
}

#[tokio::test]
async fn filings_know_what_they_are_and_a_question_naming_one_reads_it_first() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let assistant = two_filings(&app, &token).await;
    let list = documents(&app, &token, assistant).await;
    let walmart = list
        .iter()
        .find(|d| d["name"] == "annual-report.md")
        .expect("walmart");
    assert_eq!(
        walmart["metadata"],
        json!({"company": "Walmart Inc.", "kind": "10-K", "period": "FY2018", "title": "Walmart Inc. 10-K FY2018"}),
        "read from the cover page alone"
    );
    let nike = list
        .iter()
        .find(|d| d["name"] == "NIKE_2023_10K.md")
        .expect("nike");
    assert_eq!(nike["metadata"]["company"], "NIKE, Inc.");
    assert_eq!(nike["metadata"]["period"], "FY2023", "the file name's year");
    let (walmart, nike) = (
        id_of(&list, "annual-report.md"),
        id_of(&list, "NIKE_2023_10K.md"),
    );

    // Nike's passages are full of the question's other words; the
    // question names Walmart, so Walmart's come first.
    let found = searched(
        &app,
        &token,
        assistant,
        "What was Walmart's total revenue in fiscal 2018?",
        5,
    )
    .await;
    assert!(
        !found.is_empty() && found.iter().all(|d| *d == walmart),
        "{found:?}"
    );
    let found = searched(
        &app,
        &token,
        assistant,
        "What was Nike's revenue in fiscal 2018?",
        3,
    )
    .await;
    assert!(found.iter().all(|d| *d == nike), "{found:?}");
    // A question that names no document reads them all.
    let found = searched(&app, &token, assistant, "revenue and dividend", 10).await;
    assert!(
        found.contains(&walmart) && found.contains(&nike),
        "{found:?}"
    );
    // Nothing in the filing named matches: all of them are searched.
    let found = searched(&app, &token, assistant, "Walmart's Europe", 10).await;
    assert_eq!(found.first(), Some(&nike), "{found:?}");
}

#[tokio::test]
async fn owners_correct_metadata_and_search_follows_but_bad_values_and_strangers_are_refused() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let assistant = two_filings(&app, &token).await;
    let list = documents(&app, &token, assistant).await;
    let nike = id_of(&list, "NIKE_2023_10K.md");
    let path = format!("/api/v1/assistants/{assistant}/documents/{nike}/");

    // No passage holds "Globex" yet.
    assert!(
        searched(&app, &token, assistant, "Globex", 5)
            .await
            .is_empty()
    );
    let (status, document) = app
        .call(
            &token,
            Method::PATCH,
            &path,
            Some(json!({"company": "  Globex Corporation ", "period": null})),
        )
        .await;
    assert_eq!(status, 200, "{document}");
    assert_eq!(document["metadata"]["company"], "Globex Corporation");
    assert_eq!(
        document["metadata"]["period"],
        Value::Null,
        "null makes it unknown"
    );
    assert_eq!(document["metadata"]["kind"], "10-K", "fields not sent stay");
    // The passages were indexed again with the new name, and routing uses it.
    let found = searched(&app, &token, assistant, "Globex", 5).await;
    assert!(
        !found.is_empty() && found.iter().all(|d| *d == nike),
        "{found:?}"
    );
    let (_, stored) = app.call(&token, Method::GET, &path, None).await;
    assert_eq!(stored["metadata"]["company"], "Globex Corporation");

    // Too long, not text, control characters: 400 by field, nothing saved.
    let (status, body) = app
        .call(
            &token,
            Method::PATCH,
            &path,
            Some(json!({"company": "x".repeat(201)})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["company"][0],
        "Ensure this field has no more than 200 characters."
    );
    let (status, body) = app
        .call(
            &token,
            Method::PATCH,
            &path,
            Some(json!({"kind": ["10-K"], "title": "a\u{7}b"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["kind"][0], "Not a valid string.");
    let (status, body) = app
        .call(
            &token,
            Method::PATCH,
            &path,
            Some(json!({"title": "a\u{7}b"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["title"][0], "Control characters are not allowed.");
    let (status, body) = app
        .call(
            &token,
            Method::PATCH,
            &path,
            Some(json!({"company": "a\u{0}b"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (_, stored) = app.call(&token, Method::GET, &path, None).await;
    assert_eq!(stored["metadata"]["company"], "Globex Corporation");

    // Someone else's document does not exist for this user.
    let (_, stranger) = app.user_with_token("eve").await;
    let (status, _) = app
        .call(
            &stranger,
            Method::PATCH,
            &path,
            Some(json!({"company": "Mine"})),
        )
        .await;
    assert_eq!(status, 404);
    let (_, stored) = app.call(&token, Method::GET, &path, None).await;
    assert_eq!(stored["metadata"]["company"], "Globex Corporation");
}

#[tokio::test]
async fn a_document_that_could_not_be_read_cannot_be_corrected() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let form = Form::new()
        .text("name", "Filings")
        .text("company_name", "Acme")
        .text("instructions", "-")
        .part(
            "files",
            Part::bytes(b"%PDF-1.4\nthis is not a PDF\n".to_vec()).file_name("broken.pdf"),
        );
    let (status, created) = status_and_json(app.post_assistant_form(&token, form).await).await;
    assert_eq!(status, 201, "{created}");
    let assistant = created["id"].as_i64().expect("id");
    let mut document = Value::Null;
    for _ in 0..200 {
        document = documents(&app, &token, assistant).await[0].clone();
        if document["status"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(document["status"], "failed", "{document}");
    let path = format!(
        "/api/v1/assistants/{assistant}/documents/{}/",
        document["id"]
    );
    let (status, body) = app
        .call(
            &token,
            Method::PATCH,
            &path,
            Some(json!({"company": "Acme"})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("once it is ready")),
        "{body}"
    );
}

/// The documents of an answer's sources.
fn source_documents(answer: &Value) -> Vec<i64> {
    answer["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["document_id"].as_i64().expect("document_id"))
        .collect()
}

#[tokio::test]
async fn without_a_model_a_follow_up_keeps_the_previous_question_s_company_and_year() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let assistant = two_filings(&app, &token).await;
    let list = documents(&app, &token, assistant).await;
    let (walmart, nike) = (
        id_of(&list, "annual-report.md"),
        id_of(&list, "NIKE_2023_10K.md"),
    );
    let chat = new_chat(&app, &token, assistant).await;
    let (status, first) = ask(
        &app,
        &token,
        chat,
        assistant,
        "What was Walmart's total revenue in fiscal 2018?",
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(source_documents(&first)[0], walmart, "{first}");
    // Alone, "in fiscal 2023" would be Nike's filing; the conversation is
    // about Walmart's revenue, which stays.
    let (status, second) = ask(&app, &token, chat, assistant, "And in fiscal 2023?").await;
    assert_eq!(status, 200, "{second}");
    let sources = source_documents(&second);
    assert!(
        !sources.is_empty() && sources.iter().all(|d| *d == walmart),
        "{second}"
    );
    assert!(
        second["sources"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("500343") || t.contains("500,343")),
        "{second}"
    );
    // A new company replaces the old one; the subject stays.
    let (status, third) = ask(&app, &token, chat, assistant, "What about Nike?").await;
    assert_eq!(status, 200, "{third}");
    let sources = source_documents(&third);
    assert!(
        !sources.is_empty() && sources.iter().all(|d| *d == nike),
        "{third}"
    );
    assert!(
        third["sources"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Revenue")),
        "{third}"
    );
}

#[tokio::test]
async fn with_a_model_a_follow_up_is_rewritten_first_and_the_sources_follow_the_rewrite() {
    let mock = MockModel::start().await;
    let app = crate::helpers::spawn_app_with(with_model(&mock)).await;
    let (_, token) = app.user_with_token("ada").await;
    let assistant = two_filings(&app, &token).await;
    let list = documents(&app, &token, assistant).await;
    let walmart = id_of(&list, "annual-report.md");
    let chat = new_chat(&app, &token, assistant).await;
    mock.then([Behaviour::answer(&["$500,343 million [1]."])]);
    let (status, _) = ask(
        &app,
        &token,
        chat,
        assistant,
        "What was Walmart's total revenue in fiscal 2018?",
    )
    .await;
    assert_eq!(status, 200);
    // The rule would search Nike's revenue; the model's rewrite asks about
    // Walmart's dividend, and that is what is searched.
    mock.then([
        Behaviour::answer(&[
            "Rewritten question: What annual dividend per share did Walmart approve?",
        ]),
        Behaviour::answer(&["$2.04 per share [1]."]),
    ]);
    let (status, second) = ask(&app, &token, chat, assistant, "What about Nike?").await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(
        second["input"], "What about Nike?",
        "the user's words are kept"
    );
    assert_eq!(source_documents(&second), [walmart], "{second}");
    assert!(
        second["sources"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("$2.04")),
        "{second}"
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), 3, "one answer, one rewrite, one answer");
    let rewrite = requests[1]["messages"][1]["content"]
        .as_str()
        .expect("rewrite prompt");
    assert!(
        rewrite.contains("- What was Walmart's total revenue in fiscal 2018?"),
        "{rewrite}"
    );
    assert!(
        rewrite.ends_with("Follow-up question: What about Nike?"),
        "{rewrite}"
    );
    // A question that stands alone costs no extra call.
    mock.then([Behaviour::answer(&["11,718 [1]."])]);
    let (status, _) = ask(
        &app,
        &token,
        chat,
        assistant,
        "How many retail units did Walmart operate at the end of the year?",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(mock.requests().len(), 4);
}

#[tokio::test]
async fn a_failing_rewrite_falls_back_to_the_rule() {
    let mock = MockModel::start().await;
    let app = crate::helpers::spawn_app_with(with_model(&mock)).await;
    let (_, token) = app.user_with_token("ada").await;
    let assistant = two_filings(&app, &token).await;
    let list = documents(&app, &token, assistant).await;
    let nike = id_of(&list, "NIKE_2023_10K.md");
    let chat = new_chat(&app, &token, assistant).await;
    mock.then([Behaviour::answer(&["$500,343 million [1]."])]);
    ask(
        &app,
        &token,
        chat,
        assistant,
        "What was Walmart's total revenue in fiscal 2018?",
    )
    .await;
    mock.then([
        Behaviour::Status(500),
        Behaviour::answer(&["$51.2 billion [1]."]),
    ]);
    let (status, second) = ask(&app, &token, chat, assistant, "What about Nike?").await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(source_documents(&second), [nike], "{second}");
}

#[tokio::test]
async fn search_explains_why_each_passage_ranked_when_asked() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let assistant = two_filings(&app, &token).await;
    let walmart = id_of(
        &documents(&app, &token, assistant).await,
        "annual-report.md",
    );
    let search = |query: Vec<(&'static str, &'static str)>| {
        let request = app
            .with_key(
                Method::GET,
                &format!("/api/v1/assistants/{assistant}/search/"),
                &token,
            )
            .query(&query);
        async move { status_and_json(request.send().await.expect("search")).await }
    };
    let (status, plain) = search(vec![("q", "Walmart revenue in fiscal 2018")]).await;
    assert_eq!(status, 200);
    assert!(
        plain.get("route").is_none() && plain["results"][0].get("explain").is_none(),
        "{plain}"
    );

    let (status, explained) = search(vec![
        ("q", "Walmart revenue in fiscal 2018"),
        ("explain", "true"),
    ])
    .await;
    assert_eq!(status, 200, "{explained}");
    assert_eq!(
        explained["route"],
        json!({"documents": [walmart], "by": ["company"]})
    );
    let first = &explained["results"][0];
    assert_eq!(first["explain"]["keyword_rank"], 1, "{first}");
    assert!(
        first["explain"]["keyword_score"]
            .as_f64()
            .is_some_and(|s| s > 0.0)
    );
    assert_eq!(
        first["explain"]["semantic_rank"],
        Value::Null,
        "no model in this test"
    );
    assert_eq!(first["explain"]["routed"], true);
    assert_eq!(
        first["text"], plain["results"][0]["text"],
        "explaining changes nothing"
    );

    let (status, refused) = search(vec![("q", "revenue"), ("explain", "maybe")]).await;
    assert_eq!(status, 400);
    assert_eq!(refused["explain"][0], "Must be a valid boolean.");
}

#[tokio::test]
async fn keyword_search_knows_the_financial_synonyms() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let text =
        "# Report\n\n## Cash flows\n\nPurchases of property and equipment were $1,577 million.\n";
    let assistant = assistant_with(&app, &token, &[("report.md", text.to_owned())]).await;
    // No passage holds "capex": only its synonyms find the purchases.
    let response = app
        .with_key(
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/search/"),
            &token,
        )
        .query(&[("q", "capex")])
        .send()
        .await
        .expect("search");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["results"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Purchases of property and equipment")),
        "{body}"
    );
}
