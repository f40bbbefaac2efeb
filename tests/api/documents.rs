//! Documents of an assistant: upload (multipart), processing in the
//! background, the documents sub-resource, search, and hostile files.

use std::time::Duration;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_in, spawn_app_with, status_and_json};

const REPORT_MD: &str = "# Annual report 2018\n\nAcme Corporation makes rockets and anvils.\n\n\
## Cash flows\n\nPurchases of property, plant and equipment were $1,577 million in 2018, \
up from $1,373 million in 2017.\n\n## Risks\n\nRoadrunner related losses remain a material risk.\n";
const PRICES_HTML: &str = "<!DOCTYPE html><html><body><h1>Price list</h1><table>\
<tr><th>Product</th><th>Price</th></tr><tr><td>Giant magnet</td><td>$129.99</td></tr>\
<tr><td>Rocket skates</td><td>$349.00</td></tr></table></body></html>";
const STAFF_CSV: &str =
    "name,role,office\nWile E. Coyote,Chief engineer,Desert\nRoad Runner,Consultant,Highway\n";

fn file(name: &str, bytes: &[u8]) -> Part {
    Part::bytes(bytes.to_vec()).file_name(name.to_owned())
}

async fn create_with_files(app: &TestApp, token: &str, files: Vec<Part>) -> (u16, Value) {
    let mut form = Form::new()
        .text("name", "Report helper")
        .text("company_name", "Acme")
        .text("instructions", "Cite pages.");
    for part in files {
        form = form.part("files", part);
    }
    let response = app
        .with_key(Method::POST, "/api/v1/assistants/", token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    status_and_json(response).await
}

/// Waits until every document of the assistant has left the queue.
async fn settled(app: &TestApp, token: &str, assistant_url: &str) -> Value {
    for _ in 0..200 {
        let (_, assistant) = app.call(token, Method::GET, assistant_url, None).await;
        let documents = assistant["documents"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if documents
            .iter()
            .all(|d| d["status"] == "ready" || d["status"] == "failed")
        {
            return assistant;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("documents still processing after 10 s");
}

#[tokio::test]
async fn several_files_are_uploaded_processed_and_searchable() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (status, created) = create_with_files(
        &app,
        &token,
        vec![
            file("report.md", REPORT_MD.as_bytes()),
            file("prices.html", PRICES_HTML.as_bytes()),
            file("staff.csv", STAFF_CSV.as_bytes()),
        ],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let documents = created["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), 3);
    assert_eq!(
        created["file"], documents[2]["url"],
        "file is the most recent document"
    );
    let types: Vec<_> = documents
        .iter()
        .map(|d| d["content_type"].clone())
        .collect();
    assert_eq!(
        types,
        [
            json!("text/markdown"),
            json!("text/html"),
            json!("text/csv")
        ]
    );
    assert_eq!(documents[0]["size"], REPORT_MD.len());

    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let assistant = settled(&app, &token, &url).await;
    for document in assistant["documents"].as_array().expect("documents") {
        assert_eq!(document["status"], "ready", "{document}");
        assert_eq!(document["error"], Value::Null);
        assert_eq!(document["pages"], 1);
    }

    let id = created["id"].as_i64().expect("id");
    let (status, found) = app.call(&token, Method::GET, &format!("/api/v1/assistants/{id}/search/?q=What were capital expenditures (property, plant and equipment) in 2018?"), None).await;
    assert_eq!(status, 200);
    let first = &found["results"][0];
    assert_eq!(first["document"], "report.md");
    assert_eq!(first["page"], Value::Null, "Markdown has no pages");
    assert!(
        first["text"]
            .as_str()
            .is_some_and(|t| t.contains("$1,577 million")),
        "{first}"
    );
    assert!(first["score"].as_f64().is_some_and(|s| s > 0.0));
    assert_eq!(first["document_id"], documents[0]["id"]);

    let (_, found) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{id}/search/?q=price of rocket skates"),
            None,
        )
        .await;
    assert!(
        found["results"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Rocket skates | $349.00")),
        "a table row stays whole: {found}"
    );
    let (_, found) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{id}/search/?q=who is the chief engineer&k=1"),
            None,
        )
        .await;
    assert_eq!(found["results"].as_array().map(Vec::len), Some(1));
    assert!(
        found["results"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Wile E. Coyote | Chief engineer | Desert"))
    );
}

#[tokio::test]
async fn search_rules_and_ownership() {
    let app = spawn_app().await;
    let (_, ada) = app.user_with_token("ada").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, created) =
        create_with_files(&app, &ada, vec![file("report.md", REPORT_MD.as_bytes())]).await;
    let id = created["id"].as_i64().expect("id");
    settled(&app, &ada, &format!("/api/v1/assistants/{id}/")).await;

    let (status, errors) = app
        .call(
            &ada,
            Method::GET,
            &format!("/api/v1/assistants/{id}/search/?q=%20"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(errors["q"], json!(["This field may not be blank."]));
    for bad_k in ["0", "51", "abc", "-1"] {
        let (status, _) = app
            .call(
                &ada,
                Method::GET,
                &format!("/api/v1/assistants/{id}/search/?q=cash&k={bad_k}"),
                None,
            )
            .await;
        assert_eq!(status, 400, "k={bad_k}");
    }
    let (status, found) = app
        .call(
            &ada,
            Method::GET,
            &format!("/api/v1/assistants/{id}/search/?q=%22%20OR%20*%20NEAR(%29"),
            None,
        )
        .await;
    assert_eq!(
        status, 200,
        "FTS syntax in a question is just text: {found}"
    );
    let (status, found) = app
        .call(
            &ada,
            Method::GET,
            &format!("/api/v1/assistants/{id}/search?q=zebra%20unicorn"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found, json!({"results": []}));
    let (status, _) = app
        .call(
            &bob,
            Method::GET,
            &format!("/api/v1/assistants/{id}/search/?q=cash"),
            None,
        )
        .await;
    assert_eq!(status, 404, "another user's assistant cannot be searched");
    let (status, _) = app
        .call(
            &bob,
            Method::GET,
            &format!("/api/v1/assistants/{id}/documents/"),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn unsupported_files_are_415_and_nothing_is_created() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    for (name, bytes) in [
        ("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        ("archive.zip", b"PK\x03\x04\x14\x00\x00\x00".to_vec()),
        ("latin1.txt", b"caf\xe9 cr\xe8me".to_vec()),
    ] {
        let (status, body) = create_with_files(
            &app,
            &token,
            vec![file("ok.md", REPORT_MD.as_bytes()), file(name, &bytes)],
        )
        .await;
        assert_eq!(status, 415, "{name}: {body}");
        let detail = body["detail"].as_str().expect("detail");
        assert!(
            detail.contains(name) && detail.contains("Supported:"),
            "{detail}"
        );
    }
    let (_, list) = app
        .call(&token, Method::GET, "/api/v1/assistants/", None)
        .await;
    assert_eq!(list, json!([]), "no assistant was half made");
}

#[tokio::test]
async fn an_empty_file_is_400() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (status, body) = create_with_files(&app, &token, vec![file("empty.txt", b"")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["files"], json!(["The file \"empty.txt\" is empty."]));
}

#[tokio::test]
async fn a_file_over_the_limit_is_413() {
    let app = spawn_app_with(|config| config.max_file_mb = 1).await;
    let (_, token) = app.user_with_token("ada").await;
    let big = "word ".repeat(300_000);
    let (status, body) =
        create_with_files(&app, &token, vec![file("big.txt", big.as_bytes())]).await;
    assert_eq!(status, 413);
    assert_eq!(
        body["detail"],
        "The file \"big.txt\" is larger than the 1 MB limit."
    );
}

#[tokio::test]
async fn the_same_file_twice_is_one_document_and_downloads_as_it_was() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (_, created) =
        create_with_files(&app, &token, vec![file("report.md", REPORT_MD.as_bytes())]).await;
    let id = created["id"].as_i64().expect("id");
    let upload = |name: &'static str| {
        app.with_key(
            Method::POST,
            &format!("/api/v1/assistants/{id}/documents/"),
            &token,
        )
        .multipart(Form::new().part("files", file(name, REPORT_MD.as_bytes())))
        .send()
    };
    let (status, documents) = status_and_json(upload("copy.md").await.expect("request")).await;
    assert_eq!(status, 201);
    assert_eq!(
        documents.as_array().map(Vec::len),
        Some(1),
        "recognised by content: {documents}"
    );

    let document_url = documents[0]["url"].as_str().expect("url").to_owned();
    let (status, metadata) = app.call(&token, Method::GET, &document_url, None).await;
    assert_eq!(status, 200);
    assert_eq!(metadata["name"], "report.md");
    let response = app
        .with_key(Method::GET, &format!("{document_url}?download=1"), &token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/markdown");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap_or_default()
            .contains("report.md")
    );
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        REPORT_MD.as_bytes()
    );
}

#[tokio::test]
async fn deleting_a_document_takes_its_passages_out_of_the_index_and_its_file_away() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (_, created) =
        create_with_files(&app, &token, vec![file("report.md", REPORT_MD.as_bytes())]).await;
    let id = created["id"].as_i64().expect("id");
    settled(&app, &token, &format!("/api/v1/assistants/{id}/")).await;
    let document_url = created["documents"][0]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let files_dir = app.data_dir.path().join("files");
    assert_eq!(count_files(&files_dir), 1);

    let search = format!("/api/v1/assistants/{id}/search/?q=purchases of property and equipment");
    let (_, before) = app.call(&token, Method::GET, &search, None).await;
    assert_eq!(
        before["results"].as_array().map(Vec::len),
        Some(1),
        "found before: {before}"
    );
    let response = app
        .with_key(Method::DELETE, &document_url, &token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204);
    let (_, found) = app.call(&token, Method::GET, &search, None).await;
    assert_eq!(found, json!({"results": []}));
    let (status, _) = app.call(&token, Method::GET, &document_url, None).await;
    assert_eq!(status, 404);
    assert_eq!(count_files(&files_dir), 0, "the original is gone");
}

#[tokio::test]
async fn deleting_an_assistant_removes_its_files() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (_, created) = create_with_files(
        &app,
        &token,
        vec![
            file("report.md", REPORT_MD.as_bytes()),
            file("staff.csv", STAFF_CSV.as_bytes()),
        ],
    )
    .await;
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    settled(&app, &token, &url).await;
    let response = app
        .with_key(Method::DELETE, &url, &token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204);
    assert_eq!(count_files(&app.data_dir.path().join("files")), 0);
}

#[tokio::test]
async fn a_document_left_processing_by_a_crash_is_finished_after_restart() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (_, created) =
        create_with_files(&app, &token, vec![file("report.md", REPORT_MD.as_bytes())]).await;
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    settled(&app, &token, &url).await;

    // What a kill -9 mid-way leaves: the document marked processing, no
    // passages, and (on PostgreSQL, where other servers wait for it) a lease
    // the dead server no longer renews.
    app.execute_sql(&[
        "DELETE FROM chunks",
        "UPDATE documents SET status = 'processing', lease_until = '2000-01-01T00:00:00+00:00'",
    ])
    .await;

    let restarted = spawn_app_in(app.data_dir, |_| {}).await;
    let assistant = settled(&restarted, &token, &url).await;
    assert_eq!(assistant["documents"][0]["status"], "ready");
    let id = created["id"].as_i64().expect("id");
    let (_, found) = restarted
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{id}/search/?q=purchases of property and equipment"),
            None,
        )
        .await;
    assert!(
        !found["results"].as_array().expect("results").is_empty(),
        "indexed again: {found}"
    );
}

#[tokio::test]
async fn put_and_patch_add_files_to_the_existing_ones() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (_, created) =
        create_with_files(&app, &token, vec![file("report.md", REPORT_MD.as_bytes())]).await;
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let form = Form::new()
        .text("name", "Report helper")
        .text("company_name", "Acme")
        .text("instructions", "Cite pages.")
        .part("files", file("staff.csv", STAFF_CSV.as_bytes()));
    let response = app
        .with_key(Method::PUT, &url, &token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["documents"].as_array().map(Vec::len), Some(2));
    let form = Form::new().part("files", file("prices.html", PRICES_HTML.as_bytes()));
    let response = app
        .with_key(Method::PATCH, &url, &token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["documents"].as_array().map(Vec::len), Some(3));
    assert_eq!(body["file"], body["documents"][2]["url"]);
}

fn count_files(dir: &std::path::Path) -> usize {
    walk(dir).into_iter().filter(|p| p.is_file()).count()
}

/// Every file under `dir` (none when it does not exist).
pub(crate) fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// A three-page PDF made here, with known text on each page.
fn three_page_pdf() -> Vec<u8> {
    pdf_of_pages(&[
        &[
            "ACME CORPORATION ANNUAL REPORT",
            "Letter to our shareholders about the year.",
        ],
        &[
            "CONSOLIDATED STATEMENT OF CASH FLOWS",
            "Purchases of property and equipment 1,577 1,373",
        ],
        &[
            "RISK FACTORS",
            "Roadrunner related losses remain a material risk.",
        ],
    ])
}

/// A PDF with a page per item, each holding its lines of text.
pub(crate) fn pdf_of_pages(pages: &[&[&str]]) -> Vec<u8> {
    use oxidize_pdf::{Document, Font, Page};
    let mut document = Document::new();
    for lines in pages {
        let mut page = Page::a4();
        let mut y = 750.0;
        for line in *lines {
            page.text()
                .set_font(Font::Helvetica, 12.0)
                .at(50.0, y)
                .write(line)
                .expect("text");
            y -= 24.0;
        }
        document.add_page(page);
    }
    document.to_bytes().expect("pdf")
}

#[tokio::test]
async fn a_pdf_is_read_page_by_page_and_search_gives_the_right_page() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (status, created) = create_with_files(
        &app,
        &token,
        vec![file("acme_2018_10k.pdf", &three_page_pdf())],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["documents"][0]["content_type"], "application/pdf");
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let assistant = settled(&app, &token, &url).await;
    let document = &assistant["documents"][0];
    assert_eq!(document["status"], "ready", "{document}");
    assert_eq!(document["pages"], 3);
    assert_eq!(document["pages_done"], 3);
    assert_eq!(document["empty_pages"], 0);

    let id = created["id"].as_i64().expect("id");
    let (_, found) = app.call(&token, Method::GET, &format!(
            "/api/v1/assistants/{id}/search/?q=How much were purchases of property and equipment?"
        ), None)
    .await;
    let first = &found["results"][0];
    assert_eq!(first["page"], 2, "{found}");
    assert!(
        first["text"].as_str().is_some_and(|t| t.contains("1,577")),
        "{first}"
    );
    let (_, found) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{id}/search/?q=roadrunner risk"),
            None,
        )
        .await;
    assert_eq!(found["results"][0]["page"], 3, "{found}");
}

#[tokio::test]
async fn damaged_pdfs_fail_with_a_reason_and_never_hang() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let mut truncated = three_page_pdf();
    truncated.truncate(truncated.len() / 3);
    let (status, created) = create_with_files(
        &app,
        &token,
        vec![
            file(
                "garbage.pdf",
                b"%PDF-1.7\n this is not really a pdf at all \x00\x01\x02",
            ),
            file("truncated.pdf", &truncated),
        ],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let assistant = settled(&app, &token, &url).await;
    for document in assistant["documents"].as_array().expect("documents") {
        assert_eq!(document["status"], "failed", "{document}");
        let error = document["error"].as_str().unwrap_or_default();
        assert!(!error.is_empty() && !error.contains("panicked"), "{error}");
    }
}

#[tokio::test]
async fn encrypted_pdfs_fail_with_a_reason_unless_they_open_without_a_password() {
    let encrypted = |user_password: &str| {
        let mut document = oxidize_pdf::Document::new();
        let mut page = oxidize_pdf::Page::a4();
        page.text()
            .set_font(oxidize_pdf::Font::Helvetica, 12.0)
            .at(50.0, 750.0)
            .write("Confidential merger terms")
            .expect("text");
        document.add_page(page);
        document.encrypt_with_passwords(user_password, "owner secret");
        document.to_bytes().expect("pdf")
    };
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (status, created) = create_with_files(
        &app,
        &token,
        vec![
            file("locked.pdf", &encrypted("open sesame")),
            file("owner-only.pdf", &encrypted("")),
        ],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let assistant = settled(&app, &token, &url).await;
    let locked = &assistant["documents"][0];
    assert_eq!(locked["status"], "failed", "{locked}");
    assert_eq!(
        locked["error"],
        "The file could not be read: the PDF is encrypted; remove its password and upload it again."
    );
    let owner_only = &assistant["documents"][1];
    assert_eq!(
        owner_only["status"], "ready",
        "an owner password alone does not stop reading: {owner_only}"
    );
    let id = created["id"].as_i64().expect("id");
    let (_, found) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{id}/search/?q=merger terms"),
            None,
        )
        .await;
    assert_eq!(found["results"][0]["document"], "owner-only.pdf", "{found}");
}

/// A Word document with two pages (an explicit page break) and a table.
fn two_page_docx() -> Vec<u8> {
    let word = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    let body = "<w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t>Master services agreement</w:t></w:r></w:p>\
        <w:p><w:r><w:t>Acme supplies anvils to the Coyote.</w:t></w:r></w:p>\
        <w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>\
        <w:p><w:pPr><w:pStyle w:val=\"Heading2\"/></w:pPr><w:r><w:t>Termination</w:t></w:r></w:p>\
        <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Notice period</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>90 days</w:t></w:r></w:p></w:tc></w:tr></w:tbl>";
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"{word}\"><w:body>{body}</w:body></w:document>"
    );
    zip_of(&[
        ("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
        ("word/document.xml", document.as_bytes()),
    ])
}

use crate::files::zip_of;

#[tokio::test]
async fn a_word_document_is_read_with_its_pages_and_table_rows() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    // Named .bin and declared as octet-stream: recognised by its content.
    let part = Part::bytes(two_page_docx())
        .file_name("contract.bin")
        .mime_str("application/octet-stream")
        .expect("mime");
    let (status, created) = create_with_files(&app, &token, vec![part]).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["documents"][0]["content_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let assistant = settled(&app, &token, &url).await;
    let document = &assistant["documents"][0];
    assert_eq!(document["status"], "ready", "{document}");
    assert_eq!(document["pages"], 2);

    let id = created["id"].as_i64().expect("id");
    let (_, found) = app
        .call(
            &token,
            Method::GET,
            &format!(
                "/api/v1/assistants/{id}/search/?q=What is the notice period for termination?"
            ),
            None,
        )
        .await;
    let first = &found["results"][0];
    assert_eq!(first["page"], 2, "{found}");
    assert!(
        first["text"]
            .as_str()
            .is_some_and(|t| t.contains("Notice period | 90 days")),
        "{first}"
    );
}

#[tokio::test]
async fn a_word_zip_bomb_fails_with_a_reason_and_the_server_stays_up() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    // 100 MB of text deflates to about 100 KB.
    let bomb = zip_of(&[("word/document.xml", &vec![b' '; 100 * 1024 * 1024])]);
    assert!(bomb.len() < 1024 * 1024);
    let (status, created) = create_with_files(&app, &token, vec![file("bomb.docx", &bomb)]).await;
    assert_eq!(status, 201, "{created}");
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let assistant = settled(&app, &token, &url).await;
    let document = &assistant["documents"][0];
    assert_eq!(document["status"], "failed", "{document}");
    assert!(
        document["error"]
            .as_str()
            .is_some_and(|e| e.contains("more than 64 MB")),
        "{document}"
    );
    let (status, _) = app.call(&token, Method::GET, "/api/v1/me/", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn short_sections_share_a_passage_and_long_ones_keep_their_own() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    // Too long to join the short sections before it (about 970 characters).
    let long_section = "The plant in Ohio ran three shifts all year long. ".repeat(19);
    let document = format!(
        "# Revenue\n\nTotal revenue was 17,606.\n\n# Costs\n\nTotal cost of revenue was 2,165.\n\n\
         # Plants\n\n{long_section}\n\n# Outlook\n\nWe expect growth in every region.\n"
    );
    let assistant = app
        .assistant_with_document(&token, "notes.md", &document)
        .await;
    settled(&app, &token, &format!("/api/v1/assistants/{assistant}/")).await;
    let text_of_top_hit = |found: &Value| found["results"][0]["text"].as_str().map(str::to_owned);

    // Two short sections: one passage, headings kept as its lines.
    let (_, found) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/search/?q=cost of revenue"),
            None,
        )
        .await;
    assert_eq!(
        text_of_top_hit(&found).as_deref(),
        Some("Revenue\nTotal revenue was 17,606.\nCosts\nTotal cost of revenue was 2,165."),
        "the next heading moves on with its text: {found}"
    );
    // A section of substance starts its own passage, with its heading first.
    let (_, found) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/search/?q=three shifts"),
            None,
        )
        .await;
    let plants = text_of_top_hit(&found).unwrap_or_default();
    assert!(plants.starts_with("Plants\nThe plant in Ohio"), "{found}");
    assert!(!plants.contains("17,606"), "{found}");
    // The heading after it starts a passage again.
    let (_, found) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/search/?q=growth in every region"),
            None,
        )
        .await;
    assert_eq!(
        text_of_top_hit(&found).as_deref(),
        Some("Outlook\nWe expect growth in every region."),
        "{found}"
    );
}
