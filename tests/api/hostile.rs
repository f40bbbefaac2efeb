//! Hostile documents against the real binary, as an attacker with an
//! account would send them: deep nesting in every structured format, giant
//! headings, lines and tokens, zip bombs, millions of cells, thousands of
//! pages, truncated and malformed files, and files that need too much
//! memory or time. For each: the server stays up and answers `/healthz`,
//! stays under a memory bound, and the document ends `failed` with a
//! sentence a person understands (or `ready`), with no reader process left
//! and the CPU idle again afterwards.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::binary::{Server, start_binary};
use crate::files::{docx, epub, odt, pdf_with_pages, xlsx_with_sheet_xml, zip_of};
use crate::helpers::{TestApp, status_and_json};

/// How a hostile document must end.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Read, with at least this many passages.
    Ready,
    /// Failed, its error containing this.
    Failed(&'static str),
    /// Refused at upload with this status, or failed with a sentence.
    RefusedOrFailed(u16),
    /// Either way, but never a crash: failed with a sentence, or read.
    Survived,
}

struct Case {
    class: &'static str,
    file_name: &'static str,
    bytes: Vec<u8>,
    expect: Expect,
}

/// The hostile files, one per class (all made here: nothing large is kept
/// in the repository).
fn cases() -> Vec<Case> {
    let n = 300_000;
    let mut truncated_docx = docx(&"<w:p><w:r><w:t>Revenue grew.</w:t></w:r></w:p>".repeat(2000));
    truncated_docx.truncate(truncated_docx.len() * 2 / 3);
    let mut truncated_pdf = pdf_with_pages(50, "");
    truncated_pdf.truncate(truncated_pdf.len() / 2);
    let many_sections: String = (0..52_000)
        .map(|i| format!("# Section {i}\n\n{}\n\n", "w".repeat(500)))
        .collect();
    vec![
        Case {
            class: "DOCX nested 300,000 deep",
            file_name: "deep.docx",
            bytes: docx(&format!("{}{}", "<w:sdt>".repeat(n), "</w:sdt>".repeat(n))),
            expect: Expect::Failed("nested too deeply"),
        },
        Case {
            class: "HTML nested 2,000,000 deep",
            file_name: "deep.html",
            bytes: format!("<html><body>{}</body></html>", "<div>".repeat(2_000_000)).into_bytes(),
            expect: Expect::Failed("nested too deeply"),
        },
        Case {
            class: "Markdown nested quotes and lists",
            file_name: "deep.md",
            bytes: format!(
                "{}deep quote\n\n{}",
                "> ".repeat(100_000),
                (0..2_000)
                    .map(|i| format!("{}- item {i}\n", "  ".repeat(i)))
                    .collect::<String>()
            )
            .into_bytes(),
            expect: Expect::Survived,
        },
        Case {
            class: "PDF object nested 100,000 deep",
            file_name: "deep.pdf",
            bytes: pdf_with_pages(
                2,
                &format!("/Deep {}{}", "[".repeat(100_000), "]".repeat(100_000)),
            ),
            expect: Expect::Survived,
        },
        Case {
            class: "CSV with an unterminated quote over 5 MB",
            file_name: "quotes.csv",
            bytes: format!("year,note\n2018,\"{}", "x, \"\"y\"\" ".repeat(500_000)).into_bytes(),
            expect: Expect::Survived,
        },
        Case {
            class: "Markdown heading of 10 MB over 2 million words",
            file_name: "heading.md",
            bytes: format!(
                "# {}\n\n{}",
                "A".repeat(10_000_000),
                "word ".repeat(2_000_000)
            )
            .into_bytes(),
            expect: Expect::Ready,
        },
        Case {
            class: "a single 20 MB token",
            file_name: "token.txt",
            bytes: "x".repeat(20_000_000).into_bytes(),
            expect: Expect::Ready,
        },
        Case {
            class: "DOCX zip bomb (200 MB of XML)",
            file_name: "bomb.docx",
            bytes: zip_of(&[("word/document.xml", &vec![b' '; 200 * 1024 * 1024])]),
            expect: Expect::RefusedOrFailed(415),
        },
        Case {
            class: "CSV of a million cells",
            file_name: "cells.csv",
            bytes: (0..100_000)
                .map(|row| {
                    (0..10)
                        .map(|col| (row * 10 + col).to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                        + "\n"
                })
                .collect::<String>()
                .into_bytes(),
            expect: Expect::Ready,
        },
        Case {
            class: "PDF of 3,000 pages",
            file_name: "pages.pdf",
            bytes: pdf_with_pages(3000, ""),
            expect: Expect::Ready,
        },
        Case {
            class: "truncated PDF",
            file_name: "truncated.pdf",
            bytes: truncated_pdf,
            expect: Expect::Survived,
        },
        Case {
            class: "truncated DOCX",
            file_name: "truncated.docx",
            bytes: truncated_docx,
            expect: Expect::RefusedOrFailed(415),
        },
        Case {
            class: "malformed PDF",
            file_name: "garbage.pdf",
            bytes: [
                &b"%PDF-1.7\n"[..],
                &(0..=255u8).cycle().take(100_000).collect::<Vec<_>>(),
            ]
            .concat(),
            expect: Expect::Failed("could not be read"),
        },
        Case {
            class: "more than 32 MB of text",
            file_name: "long.txt",
            bytes: "word ".repeat(7_000_000).into_bytes(),
            expect: Expect::Failed("longer than 32 MB"),
        },
        Case {
            class: "more than 50,000 passages",
            file_name: "sections.md",
            bytes: many_sections.into_bytes(),
            expect: Expect::Failed("more than 50000 passages"),
        },
        Case {
            class: "XLSX sheet of 200,000 cells",
            file_name: "cells.xlsx",
            bytes: xlsx_with_sheet_xml(
                &(1..=20_000)
                    .map(|row| {
                        let cells: String = (0..10)
                            .map(|col| format!(r#"<c><v>{}</v></c>"#, row * 10 + col))
                            .collect();
                        format!(r#"<row r="{row}">{cells}</row>"#)
                    })
                    .collect::<String>(),
            ),
            expect: Expect::Ready,
        },
        Case {
            class: "ODS claiming 17 billion repeated cells",
            file_name: "repeated.ods",
            bytes: zip_of(&[
                ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                ("META-INF/manifest.xml", br#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#),
                ("content.xml", br#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Big"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#),
            ]),
            expect: Expect::Failed("more than 100 million cells"),
        },
        Case {
            class: "PPTX zip bomb (200 MB slide)",
            file_name: "bomb.pptx",
            bytes: zip_of(&[
                ("ppt/presentation.xml", br#"<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst></p:presentation>"#),
                ("ppt/_rels/presentation.xml.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="slide" Target="slides/slide1.xml"/></Relationships>"#),
                ("ppt/slides/slide1.xml", &vec![b' '; 200 * 1024 * 1024]),
            ]),
            expect: Expect::Failed("expands to more than 64 MB"),
        },
        Case {
            class: "EPUB chapter nested 300,000 deep",
            file_name: "deep.epub",
            bytes: epub(&[("Deep", &"<div>".repeat(n))]),
            expect: Expect::Failed("nested too deeply"),
        },
        Case {
            class: "ODT nested 300,000 deep",
            file_name: "deep.odt",
            bytes: odt(&format!("{}{}", "<text:span>".repeat(n), "</text:span>".repeat(n))),
            expect: Expect::Failed("nested too deeply"),
        },
        Case {
            class: "RTF nested 300,000 deep",
            file_name: "deep.rtf",
            bytes: format!("{{\\rtf1 {}", "{".repeat(n)).into_bytes(),
            expect: Expect::Failed("nested too deeply"),
        },
        Case {
            class: "e-mail nested 1,000 messages deep",
            file_name: "nested.eml",
            bytes: nested_email(1_000).into_bytes(),
            expect: Expect::Survived,
        },
        Case {
            class: "scanned page with a 200-inch media box",
            file_name: "giant-page.pdf",
            bytes: {
                let mut document = oxidize_pdf::Document::new();
                document.add_page(oxidize_pdf::Page::new(14_400.0, 14_400.0));
                document.to_bytes().expect("pdf")
            },
            expect: Expect::Survived,
        },
    ]
}

/// An e-mail forwarding an e-mail forwarding an e-mail… `depth` times.
fn nested_email(depth: usize) -> String {
    let mut message =
        "From: a@example.com\r\nSubject: innermost\r\n\r\nThe innermost text.\r\n".to_owned();
    for level in 0..depth {
        message = format!(
            "From: a@example.com\r\nSubject: level {level}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\nContent-Type: message/rfc822\r\n\r\n{message}\r\n--b{level}--\r\n"
        );
    }
    message
}

/// Uploads one file to `assistant`: the status, and the document's id.
async fn upload(app: &TestApp, token: &str, assistant: i64, case: &Case) -> (u16, Option<i64>) {
    let form = Form::new().part(
        "files",
        Part::bytes(case.bytes.clone()).file_name(case.file_name),
    );
    let response = app
        .with_key(
            Method::POST,
            &format!("/api/v1/assistants/{assistant}/documents/"),
            token,
        )
        .multipart(form)
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    let id = body
        .as_array()
        .into_iter()
        .flatten()
        .find(|document| document["name"] == case.file_name)
        .and_then(|document| document["id"].as_i64());
    (status, id)
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
    body.as_array().cloned().unwrap_or_default()
}

async fn new_assistant(app: &TestApp, token: &str) -> i64 {
    let form = Form::new()
        .text("name", "Probe")
        .text("company_name", "Acme")
        .text("instructions", "Cite pages.");
    let (status, body) = status_and_json(app.post_assistant_form(token, form).await).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().expect("id")
}

/// Waits until every document of `assistant` is `ready` or `failed`,
/// checking on the way that the server keeps answering `/healthz`. Each
/// document's row and the seconds from upload to its end.
async fn settle(app: &TestApp, token: &str, assistant: i64, within: Duration) -> Vec<(Value, f64)> {
    let started = Instant::now();
    let mut ended: std::collections::BTreeMap<i64, (Value, f64)> = Default::default();
    loop {
        let health = app
            .api
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("the server answers /healthz while reading hostile documents");
        assert_eq!(health.status(), 200);
        let rows = documents(app, token, assistant).await;
        for row in &rows {
            let status = row["status"].as_str().unwrap_or_default();
            let id = row["id"].as_i64().expect("id");
            if (status == "ready" || status == "failed") && !ended.contains_key(&id) {
                ended.insert(id, (row.clone(), started.elapsed().as_secs_f64()));
            }
        }
        if ended.len() == rows.len() {
            return ended.into_values().collect();
        }
        assert!(
            started.elapsed() < within,
            "documents still processing after {within:?}: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A process's resident-memory high-water mark, in megabytes.
fn peak_memory_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM")
        / 1024
}

/// The processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| {
                    let after_name = &stat[stat.rfind(')')? + 2..];
                    after_name.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// CPU seconds `pid` has used so far (user + system).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let fields: Vec<&str> = stat[stat.rfind(')').expect("name") + 2..]
        .split_whitespace()
        .collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    ticks as f64 / 100.0
}

/// After the hostile documents: no reader process is left and the server
/// does next to nothing.
async fn assert_quiet(server: &Server) {
    let mut children = children_of(server.pid());
    for _ in 0..50 {
        if children.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        children = children_of(server.pid());
    }
    assert!(
        children.is_empty(),
        "reader processes left running: {children:?}"
    );
    let before = cpu_seconds(server.pid());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = cpu_seconds(server.pid()) - before;
    assert!(
        used < 0.5,
        "the server used {used:.2} s of CPU in 2 s once idle"
    );
}

/// What the server logged of a document's reader: `field`'s value.
fn reader_logged(log: &str, document: i64, field: &str) -> Option<String> {
    let line = log
        .lines()
        .filter(|line| line.contains("document reader finished"))
        .find(|line| line.contains(&format!("document={document} ")))?;
    let rest = &line[line.find(&format!("{field}="))? + field.len() + 1..];
    Some(rest.split_whitespace().next()?.trim_matches('"').to_owned())
}

/// The reader's peak memory for a document, from the server's log.
fn reader_peak_mb(log: &str, document: i64) -> Option<u64> {
    reader_logged(log, document, "reader_peak_memory_mb")?
        .parse()
        .ok()
}

#[tokio::test]
async fn hostile_documents_fail_with_a_reason_and_leave_the_server_up_and_idle() {
    let data = tempfile::tempdir().expect("dir");
    let (app, server) = start_binary(data, &[("AICONVOKIT_MAX_FILE_MB", "60")]).await;
    let (_, token) = app.user_with_token("mallory").await;
    let assistant = new_assistant(&app, &token).await;
    let cases = cases();
    let mut uploaded = Vec::new();
    for case in &cases {
        let (status, id) = upload(&app, &token, assistant, case).await;
        match (case.expect, id) {
            (Expect::RefusedOrFailed(refused), None) => {
                assert_eq!(status, refused, "{}: refused at upload", case.class);
                println!("{:<45} refused at upload ({status})", case.class);
            }
            (_, Some(id)) => {
                assert_eq!(status, 201, "{}", case.class);
                uploaded.push((id, case));
            }
            (_, None) => panic!("{}: upload answered {status}", case.class),
        }
    }
    let rows = settle(&app, &token, assistant, Duration::from_secs(600)).await;
    let log = server.log_text();
    for (id, case) in &uploaded {
        let (row, _) = rows
            .iter()
            .find(|(row, _)| row["id"].as_i64() == Some(*id))
            .expect("document listed");
        let status = row["status"].as_str().unwrap_or_default();
        let error = row["error"].as_str().unwrap_or_default();
        println!(
            "{:<47} {status:<6} in {:>5} s, reader peak {:>4} MB  {error}",
            case.class,
            reader_logged(&log, *id, "reader_seconds").unwrap_or_default(),
            reader_peak_mb(&log, *id).map_or("?".into(), |mb| mb.to_string()),
        );
        match case.expect {
            Expect::Ready => assert_eq!(status, "ready", "{}: {row}", case.class),
            Expect::Failed(words) => {
                assert_eq!(status, "failed", "{}: {row}", case.class);
                assert!(error.contains(words), "{}: {error}", case.class);
            }
            Expect::RefusedOrFailed(_) | Expect::Survived => {
                assert!(
                    status == "ready" || status == "failed",
                    "{}: {row}",
                    case.class
                );
            }
        }
        if status == "failed" {
            assert!(
                error.ends_with('.') && !error.contains("panicked") && !error.contains("overflow"),
                "{}: a sentence for a person: {error}",
                case.class
            );
        }
    }
    let server_peak = peak_memory_mb(server.pid());
    println!("server peak resident memory: {server_peak} MB");
    assert!(server_peak < 1500, "the server peaked at {server_peak} MB");
    assert!(
        !log.contains("overflowed its stack") || log.contains("document reader"),
        "no stack overflow reached the server"
    );
    assert_quiet(&server).await;
}

#[tokio::test]
async fn a_reader_over_its_memory_limit_is_stopped_with_a_reason() {
    let data = tempfile::tempdir().expect("dir");
    let (app, server) = start_binary(data, &[("AICONVOKIT_EXTRACT_MEMORY_MB", "128")]).await;
    let (_, token) = app.user_with_token("mallory").await;
    let assistant = new_assistant(&app, &token).await;
    // Four million one-letter paragraphs: 12 MB, well within the text
    // limit, but each is a block of its own, which takes far more than 128 MB.
    let tiny_paragraphs = Case {
        class: "4 million tiny paragraphs",
        file_name: "tiny.txt",
        bytes: "a\n\n".repeat(4_000_000).into_bytes(),
        expect: Expect::Failed("needed more than 128 MB of memory"),
    };
    let (status, Some(id)) = upload(&app, &token, assistant, &tiny_paragraphs).await else {
        panic!("upload refused");
    };
    assert_eq!(status, 201);
    let rows = settle(&app, &token, assistant, Duration::from_secs(300)).await;
    let (row, _) = &rows[0];
    let log = server.log_text();
    println!(
        "memory: failed in {:?} s, reader peak {:?} MB, server peak {} MB",
        reader_logged(&log, id, "reader_seconds"),
        reader_peak_mb(&log, id),
        peak_memory_mb(server.pid())
    );
    assert_eq!(row["status"], "failed", "{row}");
    assert_eq!(
        row["error"],
        "This file could not be read: it needed more than 128 MB of memory.",
    );
    assert_quiet(&server).await;
}

#[tokio::test]
async fn a_reader_over_its_time_limit_is_killed_with_a_reason() {
    let data = tempfile::tempdir().expect("dir");
    let (app, server) = start_binary(data, &[("AICONVOKIT_DOCUMENT_TIMEOUT_SECS", "2")]).await;
    let (_, token) = app.user_with_token("mallory").await;
    let assistant = new_assistant(&app, &token).await;
    // Thirty thousand pages take longer than 2 seconds.
    let slow = Case {
        class: "30,000 pages in 2 seconds",
        file_name: "slow.pdf",
        bytes: pdf_with_pages(30_000, ""),
        expect: Expect::Failed("took longer than 2 seconds"),
    };
    let (status, Some(id)) = upload(&app, &token, assistant, &slow).await else {
        panic!("upload refused");
    };
    assert_eq!(status, 201);
    let rows = settle(&app, &token, assistant, Duration::from_secs(60)).await;
    let (row, _) = &rows[0];
    let log = server.log_text();
    println!(
        "time: failed in {:?} s, reader peak {:?} MB",
        reader_logged(&log, id, "reader_seconds"),
        reader_peak_mb(&log, id)
    );
    assert_eq!(row["status"], "failed", "{row}");
    assert_eq!(
        row["error"],
        "This file could not be read: it took longer than 2 seconds.",
    );
    assert_quiet(&server).await;
}
