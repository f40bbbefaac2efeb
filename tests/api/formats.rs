//! Office files, e-books and scanned PDFs, through the API as an
//! integrator sends them: recognised by content, read into pages with
//! the numbers a viewer shows, findable by search; hostile ones fail with
//! a reason and leave the server up.

use std::time::Duration;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use aiconvokit::ingest::extract::Progress;
use aiconvokit::ingest::ocr::{OcrTools, character_accuracy};
use aiconvokit::ingest::sandbox::{Sandbox, ToRead};

use crate::files::{epub, ods, odt, pptx, xlsx, zip_of};
use crate::helpers::{TestApp, spawn_app, status_and_json};

/// Creates an assistant with these files: (status, body).
async fn create_with(app: &TestApp, token: &str, files: Vec<(&str, Vec<u8>)>) -> (u16, Value) {
    let mut form = Form::new()
        .text("name", "Office helper")
        .text("company_name", "Acme")
        .text("instructions", "Cite pages.");
    for (name, bytes) in files {
        form = form.part(
            "files",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/octet-stream")
                .expect("mime"),
        );
    }
    let response = app
        .with_key(Method::POST, "/api/v1/assistants/", token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    status_and_json(response).await
}

/// The assistant once none of its documents is waiting or being read.
async fn settled(app: &TestApp, token: &str, url: &str, limit: Duration) -> Value {
    let started = std::time::Instant::now();
    loop {
        let (_, assistant) = app.call(token, Method::GET, url, None).await;
        let done = assistant["documents"].as_array().is_some_and(|docs| {
            docs.iter()
                .all(|d| d["status"] == "ready" || d["status"] == "failed")
        });
        if done {
            return assistant;
        }
        assert!(started.elapsed() < limit, "still processing: {assistant}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The passages search finds for `query`, as (document, page, text).
async fn search(
    app: &TestApp,
    token: &str,
    id: i64,
    query: &str,
) -> Vec<(String, Option<i64>, String)> {
    let path = format!("/api/v1/assistants/{id}/search/?q={}", urlencode(query));
    let (status, found) = app.call(token, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{found}");
    found["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["document"].as_str().unwrap_or_default().to_owned(),
                r["page"].as_i64(),
                r["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn by_name<'a>(assistant: &'a Value, name: &str) -> &'a Value {
    assistant["documents"]
        .as_array()
        .and_then(|docs| docs.iter().find(|d| d["name"] == name))
        .unwrap_or_else(|| panic!("no {name} in {assistant}"))
}

#[tokio::test]
async fn spreadsheets_presentations_odt_and_epub_are_read_and_found() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let files = vec![
        (
            "figures.xlsx",
            xlsx(&[
                ("Summary", &[&["Metric", "Value"], &["Employees", "1200"]]),
                (
                    "Revenue by region",
                    &[
                        &["Region", "FY2023", "FY2024"],
                        &["Northwind", "120", "135"],
                        &["Southmarch", "88", "91"],
                    ],
                ),
            ]),
        ),
        (
            "strategy.pptx",
            pptx(&[
                ("Welcome", &["Agenda for the board"], None),
                (
                    "Expansion plan",
                    &["Open offices in Lisbon and Oslo"],
                    Some("Mention the hiring freeze ends in March."),
                ),
            ]),
        ),
        (
            "policy.odt",
            odt("<text:h>Travel policy</text:h><text:p>Economy class for flights under six hours.</text:p><text:soft-page-break/><text:p>Hotel allowance is 180 euros per night.</text:p>"),
        ),
        (
            "handbook.epub",
            epub(&[("Onboarding", "Every hire meets a buddy on day one."), ("Leave", "Parental leave lasts twenty weeks.")]),
        ),
        (
            "minutes.rtf",
            br"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\pard The board approved a dividend of 42 cents.\par\page The auditor is Deloitte.\par}".to_vec(),
        ),
        ("q3.eml", EMAIL.as_bytes().to_vec()),
    ];
    let (status, created) = create_with(&app, &token, files).await;
    assert_eq!(status, 201, "{created}");
    let types: Vec<&str> = created["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["content_type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        vec![
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/vnd.oasis.opendocument.text",
            "application/epub+zip",
            "application/rtf",
            "message/rfc822",
        ],
        "recognised by content, whatever they are declared as"
    );
    let id = created["id"].as_i64().expect("id");
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    // The e-mail's attachment is a document of its own (added before the
    // e-mail is ready), read in turn.
    let assistant = settled(&app, &token, &url, Duration::from_secs(60)).await;
    for name in [
        "figures.xlsx",
        "strategy.pptx",
        "policy.odt",
        "handbook.epub",
        "minutes.rtf",
        "q3.eml",
        "regions.csv",
    ] {
        assert_eq!(by_name(&assistant, name)["status"], "ready", "{assistant}");
    }
    assert_eq!(
        by_name(&assistant, "q3.eml")["notice"],
        "Attachments added as documents: regions.csv. Attachments not added (not a supported document): logo.png."
    );
    assert_eq!(by_name(&assistant, "minutes.rtf")["pages"], 2);
    assert_eq!(
        by_name(&assistant, "figures.xlsx")["pages"],
        2,
        "a sheet is a page"
    );
    assert_eq!(
        by_name(&assistant, "strategy.pptx")["pages"],
        2,
        "a slide is a page"
    );
    assert_eq!(by_name(&assistant, "policy.odt")["pages"], 2);

    // A row keeps its column headers, on its sheet's page.
    let found = search(&app, &token, id, "Southmarch revenue FY2024").await;
    let (document, page, text) = &found[0];
    assert_eq!(
        (document.as_str(), *page),
        ("figures.xlsx", Some(2)),
        "{found:?}"
    );
    assert!(
        text.contains("Region: Southmarch | FY2023: 88 | FY2024: 91"),
        "{text}"
    );

    // Speaker notes are part of their slide.
    let found = search(&app, &token, id, "When does the hiring freeze end?").await;
    let (document, page, text) = &found[0];
    assert_eq!(
        (document.as_str(), *page),
        ("strategy.pptx", Some(2)),
        "{found:?}"
    );
    assert!(text.contains("hiring freeze ends in March"), "{text}");

    let found = search(&app, &token, id, "hotel allowance per night").await;
    assert_eq!(
        (found[0].0.as_str(), found[0].1),
        ("policy.odt", Some(2)),
        "{found:?}"
    );

    let found = search(&app, &token, id, "Which dividend did the board approve?").await;
    assert_eq!(
        (found[0].0.as_str(), found[0].1),
        ("minutes.rtf", Some(1)),
        "{found:?}"
    );
    let found = search(&app, &token, id, "Who sent the Q3 figures and when?").await;
    assert!(
        found.iter().any(|(document, _, text)| document == "q3.eml"
            && text.contains("From: Ada Lovelace <ada@example.com>")),
        "{found:?}"
    );
    let found = search(&app, &token, id, "Lakeshore region revenue").await;
    assert_eq!(
        found[0].0, "regions.csv",
        "the attachment is searchable: {found:?}"
    );

    let found = search(&app, &token, id, "How long is parental leave?").await;
    assert_eq!(found[0].0, "handbook.epub", "{found:?}");
    assert!(found[0].2.contains("twenty weeks"), "{found:?}");
}

#[tokio::test]
async fn old_excel_files_and_opendocument_spreadsheets_are_read_sheet_by_sheet() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    // Written by Python's xlwt (Excel 97-2003, BIFF8): a Headcount sheet
    // (Team, People, Budget: Sales 12 1.5, Research 30 4.25) and an
    // Offices sheet (City, Opened: Marseille 2019).
    let xls = include_bytes!("../data/staff.xls").to_vec();
    let budget = ods(&[
        (
            "Plan",
            &[&["Quarter", "Spend"], &["Q1", "40"], &["Q2", "55"]],
        ),
        ("Notes", &[&["Owner"], &["Grace Hopper"]]),
    ]);
    let (status, created) = create_with(
        &app,
        &token,
        vec![("staff.xls", xls), ("budget.ods", budget)],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["documents"][0]["content_type"],
        "application/vnd.ms-excel"
    );
    assert_eq!(
        created["documents"][1]["content_type"],
        "application/vnd.oasis.opendocument.spreadsheet"
    );
    let id = created["id"].as_i64().expect("id");
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let assistant = settled(&app, &token, &url, Duration::from_secs(60)).await;
    assert_eq!(
        by_name(&assistant, "staff.xls")["status"],
        "ready",
        "{assistant}"
    );
    assert_eq!(by_name(&assistant, "staff.xls")["pages"], 2);
    assert_eq!(
        by_name(&assistant, "budget.ods")["status"],
        "ready",
        "{assistant}"
    );
    assert_eq!(by_name(&assistant, "budget.ods")["pages"], 2);

    let found = search(&app, &token, id, "Research team people budget").await;
    let (document, page, text) = &found[0];
    assert_eq!(
        (document.as_str(), *page),
        ("staff.xls", Some(1)),
        "{found:?}"
    );
    assert!(
        text.contains("Team: Research | People: 30 | Budget: 4.25"),
        "{text}"
    );
    let found = search(&app, &token, id, "When was the Marseille office opened?").await;
    assert_eq!(
        (found[0].0.as_str(), found[0].1),
        ("staff.xls", Some(2)),
        "{found:?}"
    );
    assert!(
        found[0].2.contains("City: Marseille | Opened: 2019"),
        "{found:?}"
    );
    let found = search(&app, &token, id, "Q2 spend").await;
    assert_eq!(
        (found[0].0.as_str(), found[0].1),
        ("budget.ods", Some(1)),
        "{found:?}"
    );
    assert!(found[0].2.contains("Quarter: Q2 | Spend: 55"), "{found:?}");
}

/// An e-mail with a body, a CSV attachment and a picture.
const EMAIL: &str = "From: Ada Lovelace <ada@example.com>\r\nTo: board@example.com\r\nSubject: Q3 figures\r\nDate: Tue, 1 Oct 2024 09:30:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello board,\r\n\r\nThe regional figures are attached.\r\n--b1\r\nContent-Type: text/csv; name=\"regions.csv\"\r\nContent-Disposition: attachment; filename=\"regions.csv\"\r\n\r\nregion,revenue\r\nLakeshore,410\r\nHighlands,220\r\n--b1\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b1--\r\n";

#[tokio::test]
async fn hostile_office_files_fail_with_a_reason_and_the_server_stays_up() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    // A workbook whose sheet inflates to 100 MB (about 100 KB zipped).
    let bomb = zip_of(&[
        ("xl/workbook.xml", br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>"#),
        ("xl/worksheets/sheet1.xml", &vec![b' '; 100 * 1024 * 1024]),
    ]);
    // A slide nested 300,000 levels deep.
    let deep_slide = format!("{}{}", "<a:p>".repeat(300_000), "</a:p>".repeat(300_000));
    let deep = zip_of(&[
        ("ppt/presentation.xml", br#"<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst></p:presentation>"#),
        ("ppt/_rels/presentation.xml.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="slide" Target="slides/slide1.xml"/></Relationships>"#),
        ("ppt/slides/slide1.xml", deep_slide.as_bytes()),
    ]);
    // A sheet claiming a million rows of a thousand columns, sparsely.
    let mut rows = String::new();
    for row in (1..=1_048_576).step_by(65_536) {
        rows.push_str(&format!(r#"<row r="{row}"><c r="ALL{row}" t="inlineStr"><is><t>far cell {row}</t></is></c></row>"#));
    }
    let wide = zip_of(&[
        ("xl/workbook.xml", br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Wide" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", format!(r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData>{rows}</sheetData></worksheet>"#).as_bytes()),
    ]);
    let (status, created) = create_with(
        &app,
        &token,
        vec![
            ("bomb.xlsx", bomb),
            ("deep.pptx", deep),
            ("wide.xlsx", wide),
        ],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let assistant = settled(&app, &token, &url, Duration::from_secs(120)).await;
    let bomb = by_name(&assistant, "bomb.xlsx");
    assert_eq!(bomb["status"], "failed", "{bomb}");
    assert!(
        bomb["error"]
            .as_str()
            .is_some_and(|e| e.contains("spreadsheet's text expands to more than 64 MB")),
        "{bomb}"
    );
    let deep = by_name(&assistant, "deep.pptx");
    assert_eq!(deep["status"], "failed", "{deep}");
    assert!(
        deep["error"]
            .as_str()
            .is_some_and(|e| e.contains("nested too deeply")),
        "{deep}"
    );
    let wide = by_name(&assistant, "wide.xlsx");
    assert_eq!(
        wide["status"], "ready",
        "a sparse giant sheet costs its values only: {wide}"
    );

    // Not a workbook, though it starts like one (an OLE file without a
    // workbook stream), and a zip of nothing we read: refused at upload.
    for (name, bytes) in [
        (
            "fake.xls",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 just bytes".to_vec(),
        ),
        ("photos.zip", zip_of(&[("a.jpg", b"\xFF\xD8\xFF")])),
    ] {
        let (status, body) = create_with(&app, &token, vec![(name, bytes)]).await;
        assert_eq!(status, 415, "{name}: {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| d.contains(".xlsx")),
            "{body}"
        );
    }
    let (status, _) = app.call(&token, Method::GET, "/api/v1/me/", None).await;
    assert_eq!(status, 200, "the server is still up");
}

/// A page of known text rendered to an image and wrapped in a PDF with no
/// text layer, as a scanner makes it.
fn scanned_page(lines: &[&str]) -> oxidize_pdf::Page {
    let text_pdf = crate::documents::pdf_of_pages(&[lines]);
    let folder = tempfile::tempdir().expect("temp dir");
    let source = folder.path().join("text.pdf");
    std::fs::write(&source, text_pdf).expect("write");
    let image = folder.path().join("scan");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-jpeg", "-singlefile"])
        .arg(&source)
        .arg(&image)
        .status()
        .expect("pdftoppm (poppler-utils) is installed by .ci/setup.sh");
    assert!(status.success());
    let jpeg = std::fs::read(folder.path().join("scan.jpg")).expect("image");
    let mut page = oxidize_pdf::Page::a4();
    page.add_image(
        "scan",
        oxidize_pdf::Image::from_jpeg_data(jpeg).expect("jpeg"),
    );
    page.draw_image("scan", 0.0, 0.0, 595.0, 842.0)
        .expect("draw");
    page
}

const SCANNED_LINES: [&str; 6] = [
    "Master services agreement between Acme Corporation and Globex.",
    "The initial term is thirty six months from the effective date.",
    "Either party may terminate with ninety days written notice.",
    "Fees are invoiced monthly and due within thirty days.",
    "Late payments accrue interest at one percent per month.",
    "This agreement is governed by the laws of Delaware.",
];

/// Page 1 has a text layer, page 2 is a scan of [`SCANNED_LINES`], page 3
/// has text again.
fn mixed_pdf() -> Vec<u8> {
    let mut document = oxidize_pdf::Document::new();
    let text_page = |lines: &[&str]| {
        let mut page = oxidize_pdf::Page::a4();
        let mut y = 750.0;
        for line in lines {
            page.text()
                .set_font(oxidize_pdf::Font::Helvetica, 12.0)
                .at(50.0, y)
                .write(line)
                .expect("text");
            y -= 24.0;
        }
        page
    };
    document.add_page(text_page(&[
        "Cover letter from the legal department of Acme Corporation.",
    ]));
    document.add_page(scanned_page(&SCANNED_LINES));
    document.add_page(text_page(&[
        "Signature page: signed by both parties in Wilmington.",
    ]));
    document.to_bytes().expect("pdf")
}

#[tokio::test]
async fn without_ocr_installed_a_scanned_page_says_so_and_the_rest_is_read() {
    let mut sandbox = Sandbox::new(
        Some(env!("CARGO_BIN_EXE_aiconvokit").into()),
        1024,
        Duration::from_secs(60),
    );
    sandbox.ocr_tools = OcrTools {
        tesseract: "/nonexistent/tesseract".into(),
        pdftoppm: "pdftoppm".into(),
    };
    let document = ToRead {
        content_type: "application/pdf",
        name: "signed contract.pdf",
        company: "Acme",
        ocr_languages: "eng",
    };
    let (read, _) = sandbox
        .read(&document, mixed_pdf(), &Progress::default())
        .await;
    let read = read.expect("read");
    assert_eq!((read.pages, read.empty_pages, read.ocr_pages), (3, 1, 0));
    assert_eq!(
        read.notice.as_deref(),
        Some("1 scanned page: OCR is not installed on this server, so it has no text.")
    );
    assert!(
        read.chunks
            .iter()
            .any(|c| c.text.contains("Wilmington") && c.page == Some(3))
    );
}

#[tokio::test]
async fn scanned_pages_are_read_by_ocr_and_keep_their_page_numbers() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let pdf = mixed_pdf();
    let (status, created) = create_with(&app, &token, vec![("signed contract.pdf", pdf)]).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["ocr_languages"], "eng", "English unless chosen");
    let id = created["id"].as_i64().expect("id");
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let assistant = settled(&app, &token, &url, Duration::from_secs(180)).await;
    let document = &assistant["documents"][0];
    assert_eq!(document["status"], "ready", "{document}");
    assert_eq!(document["pages"], 3);
    assert_eq!(document["ocr_pages"], 1, "{document}");
    assert_eq!(document["empty_pages"], 0, "{document}");
    assert_eq!(document["notice"], Value::Null, "{document}");

    let found = search(&app, &token, id, "How much notice is needed to terminate?").await;
    let (_, page, _) = &found[0];
    assert_eq!(
        *page,
        Some(2),
        "the scanned page keeps its number: {found:?}"
    );
    let read: String = found
        .iter()
        .filter(|(_, page, _)| *page == Some(2))
        .map(|(_, _, text)| text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let accuracy = character_accuracy(&SCANNED_LINES.join(" "), &read);
    assert!(accuracy >= 0.95, "character accuracy {accuracy:.3}: {read}");
    let found = search(&app, &token, id, "Wilmington signature").await;
    assert_eq!(found[0].1, Some(3), "{found:?}");
}

#[tokio::test]
async fn ocr_languages_are_chosen_per_assistant_and_checked() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("ada").await;
    let (status, created) = create_with(&app, &token, vec![]).await;
    assert_eq!(status, 201, "{created}");
    let url = created["absolute_url"].as_str().expect("url").to_owned();
    let patch = |body: Value| {
        let app = &app;
        let token = &token;
        let url = url.clone();
        async move { app.call(token, Method::PATCH, &url, Some(body)).await }
    };
    let (status, changed) = patch(serde_json::json!({"ocr_languages": "deu+eng"})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["ocr_languages"], "deu+eng");
    let (status, changed) = patch(serde_json::json!({"instructions": "Be brief."})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["ocr_languages"], "deu+eng", "kept when not sent");
    for bad in ["", "klingon", "eng; rm -rf /", "xxx"] {
        let (status, body) = patch(serde_json::json!({"ocr_languages": bad})).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["ocr_languages"][0].is_string(), "{body}");
    }
    let (_, assistant) = app.call(&token, Method::GET, &url, None).await;
    assert_eq!(
        assistant["ocr_languages"], "deu+eng",
        "nothing saved from refused changes"
    );
}
