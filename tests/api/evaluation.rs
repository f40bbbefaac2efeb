//! Evaluation through the API: test questions with what a good answer
//! needs (added, checked, rewritten, removed; CSV in and out), runs in the
//! background that check hit@5 on the expected page and, with a model,
//! the answer's phrases and cited page; one run at a time per assistant;
//! a run cut off by `kill -9` goes on where it was after the restart.

use std::time::Duration;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::binary::start_binary;
use crate::chat::with_model;
use crate::documents::pdf_of_pages;
use crate::helpers::{TestApp, location, sign_up, spawn_app, spawn_app_with, status_and_json};
use crate::mock_model::{Behaviour, MockModel};

const REPORT: &str = "acme_2018.pdf";

/// A three-page report: the company, its capital spending, its people.
fn report_pdf() -> Vec<u8> {
    pdf_of_pages(&[
        &[
            "Acme Corporation annual report 2018.",
            "Acme makes rockets and anvils for customers in forty countries.",
            "The chairman thanks the shareholders for their patience.",
        ],
        &[
            "Cash flows from investing activities.",
            "Purchases of property, plant and equipment were $1,577 million in 2018,",
            "up from $1,373 million in 2017, mostly for the assembly lines in Ohio.",
        ],
        &[
            "Our people.",
            "Acme employed 12,400 people at the end of 2018, of whom 3,100 were engineers.",
            "Employee turnover fell to seven percent.",
        ],
    ])
}

async fn assistant_with_report(app: &TestApp, username: &str) -> (String, i64) {
    let (_, token) = app.user_with_token(username).await;
    let id = report_assistant(app, &token).await;
    (token, id)
}

/// Another assistant of the same user with the report, read and ready.
async fn report_assistant(app: &TestApp, token: &str) -> i64 {
    let form = Form::new()
        .text("name", "Report helper")
        .text("company_name", "Acme")
        .text("instructions", "Answer for investors, citing pages.")
        .part("files", Part::bytes(report_pdf()).file_name(REPORT));
    let (status, created) = status_and_json(app.post_assistant_form(token, form).await).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    app.wait_until_ready(token, id).await;
    id
}

fn questions_path(assistant: i64) -> String {
    format!("/api/v1/assistants/{assistant}/evaluation/questions/")
}

fn runs_path(assistant: i64) -> String {
    format!("/api/v1/assistants/{assistant}/evaluation/runs/")
}

async fn add(app: &TestApp, token: &str, assistant: i64, body: Value) -> (u16, Value) {
    app.call(token, Method::POST, &questions_path(assistant), Some(body))
        .await
}

/// Polls a run until it is no longer waiting or running.
async fn finished_run(app: &TestApp, token: &str, url: &str) -> Value {
    let mut run = Value::Null;
    for _ in 0..600 {
        let status;
        (status, run) = app.call(token, Method::GET, url, None).await;
        assert_eq!(status, 200, "{run}");
        if run["status"] == "done" || run["status"] == "failed" {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the run did not finish: {run}");
}

async fn start_run(app: &TestApp, token: &str, assistant: i64) -> (u16, Value) {
    app.call(token, Method::POST, &runs_path(assistant), None)
        .await
}

#[tokio::test]
async fn test_questions_are_added_checked_rewritten_and_removed() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app, "ada").await;

    let (status, created) = add(
        &app,
        &token,
        assistant,
        json!({"question": "  What was capex in 2018? ", "document": REPORT, "pages": [2, 2], "phrases": ["$1,577 million"]}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["question"], "What was capex in 2018?");
    assert_eq!(created["pages"], json!([2]));
    assert_eq!(created["phrases"], json!(["$1,577 million"]));
    let id = created["id"].as_i64().unwrap();

    // Pages and phrases also come as text, as a form sends them.
    let (status, typed) = add(
        &app,
        &token,
        assistant,
        json!({"question": "How many engineers?", "pages": "3, 1-2", "phrases": "3,100\nengineers"}),
    )
    .await;
    assert_eq!(status, 201, "{typed}");
    assert_eq!(typed["pages"], json!([1, 2, 3]));
    assert_eq!(typed["phrases"], json!(["3,100", "engineers"]));
    assert_eq!(typed["document"], Value::Null);

    // Bad input: each a 400 naming the field.
    for (body, field, message) in [
        (json!({"pages": [1]}), "question", "This field is required."),
        (
            json!({"question": "  ", "pages": [1]}),
            "question",
            "This field may not be blank.",
        ),
        (
            json!({"question": "Q?"}),
            "non_field_errors",
            "Say what a good answer needs: the document or pages it comes from, or phrases it contains.",
        ),
        (
            json!({"question": "Q?", "document": "other.pdf"}),
            "document",
            "This assistant has no document named \"other.pdf\".",
        ),
        (
            json!({"question": "Q?", "pages": "p. 3"}),
            "pages",
            "\"p.\" is not a page number (1 to 100000).",
        ),
        (
            json!({"question": "Q?", "pages": [0]}),
            "pages",
            "0 is not a page number (1 to 100000).",
        ),
        (
            json!({"question": "Q?", "pages": ["x"]}),
            "pages",
            "Give page numbers: a list of integers.",
        ),
        (
            json!({"question": "Q?", "pages": {"a": 1}}),
            "pages",
            "Give page numbers: a list of integers.",
        ),
        (
            json!({"question": "Q?", "phrases": [1]}),
            "phrases",
            "Give phrases: a list of strings.",
        ),
        (
            json!({"question": "x".repeat(2001), "pages": [1]}),
            "question",
            "Ensure this field has no more than 2000 characters.",
        ),
        (
            json!({"question": "What was capex in 2018?", "pages": [1]}),
            "question",
            "This question is already in the set.",
        ),
    ] {
        let (status, refused) = add(&app, &token, assistant, body.clone()).await;
        assert_eq!(status, 400, "{body} → {refused}");
        assert_eq!(refused[field], json!([message]), "{body} → {refused}");
    }
    let (status, huge) = add(
        &app,
        &token,
        assistant,
        json!({"question": "Q?", "pages": "1-50000"}),
    )
    .await;
    assert_eq!(status, 400, "a huge range is refused: {huge}");

    let path = format!("{}{id}/", questions_path(assistant));
    let (status, rewritten) = app
        .call(
            &token,
            Method::PUT,
            &path,
            Some(json!({"question": "What was capex in 2018?", "pages": [2]})),
        )
        .await;
    assert_eq!(status, 200, "{rewritten}");
    assert_eq!(rewritten["document"], Value::Null);
    assert_eq!(rewritten["phrases"], json!([]));
    let (status, listed) = app
        .call(&token, Method::GET, &questions_path(assistant), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0], rewritten);

    // Another account sees none of it.
    let (_, other) = app.user_with_token("mallory").await;
    for (method, target) in [
        (Method::GET, questions_path(assistant)),
        (Method::GET, path.clone()),
        (Method::DELETE, path.clone()),
        (Method::POST, runs_path(assistant)),
        (Method::GET, format!("{}csv/", questions_path(assistant))),
    ] {
        let (status, body) = app.call(&other, method.clone(), &target, None).await;
        assert_eq!(status, 404, "{method} {target}: {body}");
    }

    let (status, _) = app.call(&token, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (status, _) = app.call(&token, Method::GET, &path, None).await;
    assert_eq!(status, 404);
    let (status, _) = app.call(&token, Method::DELETE, &path, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn questions_go_out_and_come_back_as_csv_and_a_bad_file_imports_nothing() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app, "ada").await;
    let csv_path = format!("{}csv/", questions_path(assistant));
    let csv = format!(
        "question,document,pages,phrases\r\n\
         \"What was capex, in 2018?\",{REPORT},2,$1\u{2009}577 million | Ohio\r\n\
         =HYPERLINK(\"http://evil\"),,3,\r\n"
    );
    let form = Form::new().part(
        "file",
        Part::bytes(csv.into_bytes()).file_name("questions.csv"),
    );
    let response = app
        .with_key(Method::POST, &csv_path, &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, imported) = status_and_json(response).await;
    assert_eq!(status, 200, "{imported}");
    assert_eq!(imported, json!({"added": 2, "updated": 0}));

    let response = app
        .with_key(Method::GET, &csv_path, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("test-questions.csv")
    );
    let exported = response.text().await.unwrap();
    assert!(
        exported.starts_with("question,document,pages,phrases\r\n"),
        "{exported}"
    );
    assert!(
        exported.contains("'=HYPERLINK"),
        "a formula is made plain text: {exported}"
    );

    // The exported file, edited, comes back as an update (as the `csv` field).
    let edited = exported.replace(",3,", ",2-3,");
    let (status, again) = app
        .call(
            &token,
            Method::POST,
            &csv_path,
            Some(json!({"csv": edited})),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, json!({"added": 0, "updated": 2}));
    let (_, listed) = app
        .call(&token, Method::GET, &questions_path(assistant), None)
        .await;
    assert_eq!(listed[1]["question"], "=HYPERLINK(\"http://evil\")");
    assert_eq!(listed[1]["pages"], json!([2, 3]));

    // A file with bad rows: every problem by line, nothing imported.
    let bad = "question,pages\nNew one?,4\nBroken?,p.3\n,2\n";
    let (status, refused) = app
        .call(&token, Method::POST, &csv_path, Some(json!({"csv": bad})))
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        refused["file"],
        json!([
            "Line 3, pages: \"p.3\" is not a page number (1 to 100000).",
            "Line 4, question: This field may not be blank."
        ])
    );
    let (_, listed) = app
        .call(&token, Method::GET, &questions_path(assistant), None)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "nothing was imported");

    // Not CSV, no file, not text.
    for body in [
        json!({"csv": "name,age\nx,1\n"}),
        json!({}),
        json!({"csv": ["x"]}),
    ] {
        let (status, refused) = app
            .call(&token, Method::POST, &csv_path, Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{body} → {refused}");
    }
    let binary = Form::new().part(
        "file",
        Part::bytes(vec![0xff, 0xfe, 0x00]).file_name("x.csv"),
    );
    let response = app
        .with_key(Method::POST, &csv_path, &token)
        .multipart(binary)
        .send()
        .await
        .unwrap();
    let (status, refused) = status_and_json(response).await;
    assert_eq!(status, 400);
    assert_eq!(refused["file"], json!(["The file is not UTF-8 text."]));
}

#[tokio::test]
async fn a_run_without_a_model_checks_that_the_expected_page_is_found() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app, "ada").await;
    let (status, refused) = start_run(&app, &token, assistant).await;
    assert_eq!(status, 400, "no questions, no run: {refused}");
    assert_eq!(
        refused["non_field_errors"],
        json!(["Add test questions before running the evaluation."])
    );

    let capex = "What were purchases of property, plant and equipment in 2018?";
    for body in [
        json!({"question": capex, "document": REPORT, "pages": [2]}),
        // Wrongly expected on page 3: a miss.
        json!({"question": "How many engineers were there?", "pages": [1]}),
        // Only phrases: nothing to check without a model.
        json!({"question": "Who thanks the shareholders?", "phrases": ["chairman"]}),
    ] {
        let (status, body) = add(&app, &token, assistant, body).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, run) = start_run(&app, &token, assistant).await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["questions"], 3);
    let url = run["url"].as_str().unwrap().to_owned();
    assert_eq!(
        url,
        format!(
            "/api/v1/assistants/{assistant}/evaluation/runs/{}/",
            run["id"]
        )
    );
    let done = finished_run(&app, &token, &url).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["checked"], 3);
    assert_eq!(done["passed"], 1, "{done}");
    assert_eq!(done["failed"], 1);
    assert_eq!(done["skipped"], 1);
    assert_eq!(done["retrieval_checked"], 2);
    assert_eq!(done["retrieval_hits"], 1);
    assert_eq!(done["hit_at_5"], 0.5);
    assert_eq!(done["answers_checked"], 0);
    assert_eq!(done["model"], Value::Null);

    let results = done["results"].as_array().unwrap();
    assert_eq!(results[0]["outcome"], "passed", "{}", results[0]);
    assert_eq!(results[0]["hit"], true);
    assert_eq!(results[0]["rank"], 1);
    assert_eq!(
        results[0]["found"][0],
        json!({"document": REPORT, "page": 2})
    );
    assert_eq!(results[1]["outcome"], "failed");
    assert_eq!(results[1]["hit"], false);
    assert_eq!(
        results[1]["note"],
        "None of the 5 passages found came from page 1."
    );
    assert!(
        results[1]["found"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["page"] == 3),
        "the page it is really on was found: {}",
        results[1]
    );
    assert_eq!(results[2]["outcome"], "skipped");
    assert_eq!(results[2]["hit"], Value::Null);
    assert_eq!(results[2]["answer"], Value::Null);

    // Another account reaches neither the run nor the list.
    let (_, mallory) = app.user_with_token("mallory").await;
    for target in [url.clone(), runs_path(assistant)] {
        let (status, body) = app.call(&mallory, Method::GET, &target, None).await;
        assert_eq!(status, 404, "{target}: {body}");
    }

    // The run's questions are not conversations: no chat, no query counted.
    let (_, chats) = app.call(&token, Method::GET, "/api/v1/chat/", None).await;
    assert_eq!(chats, json!([]));
    let (_, detail) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/"),
            None,
        )
        .await;
    assert_eq!(detail["query_count"], 0);

    // Fix the expectation, run again: the history shows both, newest first.
    let (_, listed) = app
        .call(&token, Method::GET, &questions_path(assistant), None)
        .await;
    let engineers = listed[1]["id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            &token,
            Method::PUT,
            &format!("{}{engineers}/", questions_path(assistant)),
            Some(json!({"question": "How many engineers were there?", "pages": [3]})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, second) = start_run(&app, &token, assistant).await;
    assert_eq!(status, 201, "{second}");
    let second = finished_run(&app, &token, second["url"].as_str().unwrap()).await;
    assert_eq!(second["hit_at_5"], 1.0, "{second}");
    let (status, history) = app
        .call(&token, Method::GET, &runs_path(assistant), None)
        .await;
    assert_eq!(status, 200);
    let ids: Vec<i64> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [second["id"].as_i64().unwrap(), done["id"].as_i64().unwrap()]
    );
    assert!(history[0].get("results").is_none(), "the list is a summary");
}

#[tokio::test]
async fn with_a_model_answers_are_checked_for_their_phrases_and_cited_page_one_run_at_a_time() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, assistant) = assistant_with_report(&app, "ada").await;
    let capex = "What were purchases of property, plant and equipment in 2018?";
    for body in [
        json!({"question": capex, "pages": [2], "phrases": ["$1,577 million"]}),
        json!({"question": "How did purchases of property, plant and equipment change from 2017?", "pages": [2], "phrases": ["$1,373 million"]}),
    ] {
        let (status, body) = add(&app, &token, assistant, body).await;
        assert_eq!(status, 201, "{body}");
    }
    // Each answer takes a moment, long enough to ask for a second run.
    mock.then([Behaviour::Answer {
        pieces: vec!["Purchases were ".into(), "$1,577 million [1].".into()],
        delay: Duration::from_millis(400),
    }]);
    let (status, run) = start_run(&app, &token, assistant).await;
    assert_eq!(status, 201, "{run}");
    let (status, same) = start_run(&app, &token, assistant).await;
    assert_eq!(status, 200, "one run at a time: {same}");
    assert_eq!(same["id"], run["id"]);

    let done = finished_run(&app, &token, run["url"].as_str().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["model"], "gpt-4o-mini", "{done}");
    assert_eq!(done["answers_checked"], 2);
    assert_eq!(done["answers_passed"], 1);
    assert_eq!(done["passed"], 1);
    let results = done["results"].as_array().unwrap();
    assert_eq!(results[0]["outcome"], "passed", "{}", results[0]);
    assert_eq!(results[0]["cited"], true);
    assert_eq!(results[0]["answer"], "Purchases were $1,577 million [1].");
    assert_eq!(results[1]["outcome"], "failed");
    assert_eq!(results[1]["missing_phrases"], json!(["$1,373 million"]));
    assert_eq!(results[1]["note"], "The answer lacks \"$1,373 million\".");

    // A model that fails marks the question an error; the run goes on.
    mock.then([Behaviour::Status(500)]);
    let (status, failing) = start_run(&app, &token, assistant).await;
    assert_eq!(status, 201);
    let failing = finished_run(&app, &token, failing["url"].as_str().unwrap()).await;
    assert_eq!(failing["status"], "done");
    assert_eq!(failing["failed"], 2);
    assert_eq!(failing["results"][0]["outcome"], "error");
    assert!(
        failing["results"][0]["note"]
            .as_str()
            .unwrap()
            .starts_with("The model did not answer"),
        "{failing}"
    );
}

#[tokio::test]
async fn a_run_cut_off_by_kill_9_goes_on_where_it_was_after_the_restart() {
    let mock = MockModel::start().await;
    let env = [
        ("OPENAI_BASE_URL", mock.base_url.as_str()),
        ("OPENAI_API_KEY", "sk-test-eval-key"),
        ("AICONVOKIT_MODEL_TOTAL_TIMEOUT_SECS", "60"),
        ("AICONVOKIT_LEASE_SECS", "2"),
    ];
    let (app, server) = start_binary(tempfile::tempdir().expect("dir"), &env).await;
    let (token, assistant) = assistant_with_report(&app, "ada").await;
    for n in 1..=4 {
        let (status, body) = add(
            &app,
            &token,
            assistant,
            json!({"question": format!("Question {n}: what were purchases of property, plant and equipment?"), "pages": [2], "phrases": ["$1,577 million"]}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    mock.then([Behaviour::Answer {
        pieces: vec!["$1,577 million [1].".into()],
        delay: Duration::from_millis(700),
    }]);
    let (status, run) = start_run(&app, &token, assistant).await;
    assert_eq!(status, 201, "{run}");
    let url = run["url"].as_str().unwrap().to_owned();
    let mut checked = 0;
    for _ in 0..200 {
        let (_, now) = app.call(&token, Method::GET, &url, None).await;
        checked = now["checked"].as_i64().unwrap();
        if checked >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!((1..4).contains(&checked), "cut off mid-run: {checked}");
    let asked_before = mock.requests().len();

    drop(server); // SIGKILL
    let TestApp { data_dir, .. } = app;
    mock.then([Behaviour::answer(&["$1,577 million [1]."])]);
    let (app, _server) = start_binary(data_dir, &env).await;
    let done = finished_run(&app, &token, &url).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["checked"], 4);
    assert_eq!(done["passed"], 4, "{done}");
    let asked_after = mock.requests().len() - asked_before;
    assert!(
        asked_after <= 4 - checked as usize + 1,
        "questions checked before the kill are not asked again: {asked_after} asked after, {checked} were checked"
    );
}

#[tokio::test]
async fn one_user_has_at_most_two_runs_waiting_or_running() {
    let mock = MockModel::start().await;
    let app = spawn_app_with(with_model(&mock)).await;
    let (token, first) = assistant_with_report(&app, "ada").await;
    let mut assistants = vec![first];
    for _ in 0..2 {
        assistants.push(report_assistant(&app, &token).await);
    }
    for assistant in &assistants {
        let (status, body) = add(
            &app,
            &token,
            *assistant,
            json!({"question": "What were purchases of property, plant and equipment in 2018?", "pages": [2], "phrases": ["$1,577 million"]}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    mock.then([Behaviour::Answer {
        pieces: vec!["$1,577 million [1].".into()],
        delay: Duration::from_millis(800),
    }]);
    let (status, first_run) = start_run(&app, &token, assistants[0]).await;
    assert_eq!(status, 201, "{first_run}");
    let (status, second_run) = start_run(&app, &token, assistants[1]).await;
    assert_eq!(status, 201, "{second_run}");
    let (status, refused) = start_run(&app, &token, assistants[2]).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        refused["non_field_errors"],
        json!([
            "You already have 2 evaluation runs waiting or running. Start another when one of them has finished."
        ])
    );
    // Asking again for a run in progress gives it, whatever the cap.
    let (status, same) = start_run(&app, &token, assistants[1]).await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(same["id"], second_run["id"]);

    finished_run(&app, &token, first_run["url"].as_str().unwrap()).await;
    let (status, third_run) = start_run(&app, &token, assistants[2]).await;
    assert_eq!(
        status, 201,
        "once one finished, another may start: {third_run}"
    );
    // Runs take turns: each finishes.
    for run in [&second_run, &third_run] {
        let done = finished_run(&app, &token, run["url"].as_str().unwrap()).await;
        assert_eq!(done["passed"], 1, "{done}");
    }
}

#[tokio::test]
async fn the_dashboard_downloads_and_imports_the_csv_for_its_owner_only() {
    let app = spawn_app().await;
    let owner = app.browser();
    sign_up(&app, &owner, "ada").await;
    let token = app.token_for("ada").await;
    let assistant = report_assistant(&app, &token).await;
    let csv_page = format!("/assistants/{assistant}/evaluate/questions.csv");
    let import_page = format!("/assistants/{assistant}/evaluate/import");
    let import = |client: &reqwest::Client, csv: &str, site: &'static str| {
        let form = Form::new().part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("questions.csv"),
        );
        client
            .post(app.url(&import_page))
            .header("Sec-Fetch-Site", site)
            .multipart(form)
            .send()
    };

    let response = import(
        &owner,
        "question,pages\nCapex?,2\nBroken?,p.3\n",
        "same-origin",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 303);
    let back = location(&response);
    assert!(
        back.starts_with(&format!("/assistants/{assistant}/evaluate?import_error=")),
        "{back}"
    );
    assert!(
        back.ends_with("#import") && back.contains("Line+3%2C+pages"),
        "{back}"
    );
    let response = import(&owner, "question,pages\nCapex?,2\n", "same-origin")
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("/assistants/{assistant}/evaluate?added=1&updated=0#questions")
    );
    let response = owner.get(app.url(&csv_page)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        "question,document,pages,phrases\r\nCapex?,,2,\r\n"
    );

    // From another site: refused, nothing imported.
    let response = import(&owner, "question,pages\nOther?,2\n", "cross-site")
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // Another account: not found; signed out: to log in.
    let mallory = app.browser();
    sign_up(&app, &mallory, "mallory").await;
    let response = mallory.get(app.url(&csv_page)).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let response = import(&mallory, "question,pages\nOther?,2\n", "same-origin")
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = app.browser().get(app.url(&csv_page)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/login?next="));
    let (_, listed) = app
        .call(&token, Method::GET, &questions_path(assistant), None)
        .await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "only the owner's own import: {listed}"
    );
}
