//! Fuzzing each document reader with generated inputs, a bounded number of
//! cases per run (proptest; failures are shrunk and printed, nothing is
//! written to the tree). Our own readers (text, Markdown, HTML, CSV, Word,
//! spreadsheets, presentations, OpenDocument, e-books, RTF) run in this process: none may panic, and what they read must cut into
//! passages within bounds. Every format, PDF included (whose parser is a
//! crate's), also goes through the real sandbox: a file ends read or
//! failed with a sentence, never with a fault of ours.

use std::time::Duration;

use aiconvokit::ingest::chunk::{TARGET_CHARS, passages};
use aiconvokit::ingest::detect::Format;
use aiconvokit::ingest::extract::{MAX_HEADING_CHARS, Progress, extract};
use aiconvokit::ingest::sandbox::{Sandbox, SandboxError, ToRead};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

#[path = "support/files.rs"]
mod files;

use files::{docx, epub, odt, pdf_with_pages, pptx_with_slide_xml, xlsx_with_sheet_xml};

/// Pieces each format's inputs are made of: its syntax, text, and trouble.
fn pieces(format: Format) -> Vec<&'static str> {
    let common = vec![
        "word ", "é", "\n", "\n\n", "\r\n", "\u{0}", "\u{feff}", "  ", "1,234",
    ];
    let own: &[&str] = match format {
        Format::Html => &[
            "<div>",
            "</div>",
            "<p>",
            "</p>",
            "<h1>",
            "</h1>",
            "<table>",
            "<tr>",
            "<td>",
            "</td>",
            "<li>",
            "<script>",
            "</script>",
            "<!--",
            "-->",
            "<",
            ">",
            "&amp;",
            "<br>",
            "<pre>",
            "<style>",
            "</",
        ],
        Format::Markdown => &["# ", "## ", "> ", "- ", "```", "|", "#", "* ", "    "],
        Format::Csv => &[",", "\"", "\"\"", "a", ";", "\t"],
        Format::Docx => &[
            "<w:p>",
            "</w:p>",
            "<w:r>",
            "</w:r>",
            "<w:t>",
            "</w:t>",
            "<w:tbl>",
            "</w:tbl>",
            "<w:tr>",
            "</w:tr>",
            "<w:tc>",
            "</w:tc>",
            "<w:sdt>",
            "</w:sdt>",
            "<w:br w:type=\"page\"/>",
            "<w:lastRenderedPageBreak/>",
            "<w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr>",
            "&lt;",
            "<!--x-->",
            "<w:tab/>",
        ],
        Format::Pdf => &[
            "[",
            "]",
            "<<",
            ">>",
            "obj",
            "endobj",
            "stream",
            "endstream",
            "9999999999 0 R",
            "/Kids",
            "(",
            ")",
            "\\",
            "%",
        ],
        Format::Text => &["\t", ". ", "!"],
        Format::Xlsx | Format::Xls | Format::Ods => &[
            "<row>",
            "</row>",
            "<row r=\"1048576\">",
            "<c r=\"XFD1\" t=\"inlineStr\"><is><t>",
            "<c r=\"A1\"><v>",
            "</v></c>",
            "</t></is></c>",
            "<c t=\"s\"><v>99</v></c>",
            "<c t=\"d\"><v>",
            "1e308",
            "&amp;",
        ],
        Format::Pptx => &[
            "<p:sp>",
            "</p:sp>",
            "<p:nvSpPr><p:nvPr><p:ph type=\"title\"/></p:nvPr></p:nvSpPr>",
            "<p:txBody>",
            "</p:txBody>",
            "<a:p>",
            "</a:p>",
            "<a:r><a:t>",
            "</a:t></a:r>",
            "<a:br/>",
            "<a:tbl><a:tr><a:tc>",
            "</a:tc></a:tr></a:tbl>",
        ],
        Format::Odt => &[
            "<text:p>",
            "</text:p>",
            "<text:h>",
            "</text:h>",
            "<text:s text:c=\"99999\"/>",
            "<text:soft-page-break/>",
            "<table:table-row><table:table-cell>",
            "</table:table-cell></table:table-row>",
            "<text:note><text:note-body>",
            "</text:note-body></text:note>",
        ],
        Format::Epub => &["<h1>", "</h1>", "<p>", "</p>", "<div>", "</div>", "&nbsp;"],
        Format::Eml => &[
            "From: a@b.c\r\n",
            "Subject: =?utf-8?B?w6k=?=\r\n",
            "Content-Type: multipart/mixed; boundary=x\r\n",
            "\r\n--x\r\n",
            "--x--",
            "Content-Transfer-Encoding: base64\r\n",
            "Content-Disposition: attachment; filename=a.csv\r\n",
            "Content-Type: message/rfc822\r\n",
            "\r\n\r\n",
            "=C3=A9",
        ],
        Format::Rtf => &[
            "{",
            "}",
            "\\par ",
            "\\page ",
            "\\'e9",
            "\\u8364?",
            "\\uc2 ",
            "\\u-1",
            "{\\*\\x ",
            "{\\fonttbl ",
            "\\cell ",
            "\\row ",
            "\\outlinelevel1 ",
            "\\",
            "\\'",
            "\\ansicpg1251 ",
            "\\ansicpg99999 ",
        ],
    };
    common.into_iter().chain(own.iter().copied()).collect()
}

/// Inputs of `format`: runs of its pieces, some repeated many times.
fn soup(format: Format) -> impl Strategy<Value = String> {
    let pieces = pieces(format);
    proptest::collection::vec(
        (
            proptest::sample::select(pieces),
            prop_oneof![9 => Just(1usize), 1 => 2usize..500],
        ),
        0..400,
    )
    .prop_map(|runs| {
        runs.into_iter()
            .map(|(piece, times)| piece.repeat(times))
            .collect()
    })
}

/// The file a format's reader gets for `text`.
fn as_file(format: Format, text: &str) -> Vec<u8> {
    match format {
        Format::Docx => docx(text),
        Format::Xlsx | Format::Xls | Format::Ods => xlsx_with_sheet_xml(text),
        Format::Pptx => pptx_with_slide_xml(text),
        Format::Odt => odt(text),
        Format::Epub => epub(&[("Chapter", text)]),
        Format::Rtf => format!("{{\\rtf1 {text}}}").into_bytes(),
        Format::Eml => format!("From: a@b.c\r\nSubject: fuzz\r\n{text}").into_bytes(),
        _ => text.as_bytes().to_vec(),
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn our_readers_never_panic_and_cut_within_bounds() {
    for format in [
        Format::Text,
        Format::Markdown,
        Format::Html,
        Format::Csv,
        Format::Docx,
        Format::Pptx,
        Format::Odt,
        Format::Epub,
        Format::Rtf,
    ] {
        let inputs = prop_oneof![
            3 => soup(format).prop_map(move |text| as_file(format, &text)),
            1 => proptest::collection::vec(any::<u8>(), 0..2048),
        ];
        runner(200)
            .run(&inputs, |bytes| {
                if let Ok(pages) = extract(format, &bytes, &Progress::default()) {
                    for passage in passages(&pages) {
                        prop_assert!(passage.heading.len() <= MAX_HEADING_CHARS);
                        // A passage gathers up to the target, plus carried
                        // headings and a piece of an overlong paragraph.
                        prop_assert!(
                            passage.text.len() <= 3 * TARGET_CHARS + MAX_HEADING_CHARS,
                            "{} bytes",
                            passage.text.len()
                        );
                    }
                }
                Ok(())
            })
            .unwrap_or_else(|failure| panic!("{format:?}: {failure}"));
    }
}

#[test]
fn every_format_through_the_sandbox_ends_read_or_failed_with_a_sentence() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = Sandbox::new(
        Some(env!("CARGO_BIN_EXE_aiconvokit").into()),
        1024,
        Duration::from_secs(30),
    );
    let valid_pdf = pdf_with_pages(3, "");
    let mutated_pdf = (
        proptest::collection::vec((0..valid_pdf.len(), any::<u8>()), 0..20),
        0..=valid_pdf.len(),
        soup(Format::Pdf),
    )
        .prop_map(move |(flips, keep, inserted)| {
            let mut bytes = valid_pdf.clone();
            for (at, byte) in flips {
                bytes[at] = byte;
            }
            bytes.truncate(keep.max(9));
            let middle = bytes.len() / 2;
            bytes.splice(middle..middle, inserted.into_bytes());
            (Format::Pdf, bytes)
        });
    let any_format = proptest::sample::select(vec![
        Format::Text,
        Format::Markdown,
        Format::Html,
        Format::Csv,
        Format::Docx,
        Format::Xlsx,
        Format::Pptx,
        Format::Odt,
        Format::Epub,
        Format::Rtf,
        Format::Eml,
    ])
    .prop_flat_map(|format| soup(format).prop_map(move |text| (format, as_file(format, &text))));
    let inputs = prop_oneof![2 => mutated_pdf, 1 => any_format];
    runner(80)
        .run(&inputs, |(format, bytes)| {
            let (outcome, _) = runtime.block_on(sandbox.read(
                &ToRead {
                    content_type: format.content_type(),
                    name: "fuzz",
                    company: "Acme",
                    ocr_languages: "eng",
                },
                bytes,
                &Progress::default(),
            ));
            match outcome {
                Ok(_) => {}
                Err(SandboxError::Unreadable(sentence)) => {
                    prop_assert!(sentence.ends_with('.'), "{sentence}");
                    prop_assert!(!sentence.contains("panicked"), "{sentence}");
                }
                Err(SandboxError::Internal(error)) => {
                    prop_assert!(false, "{format:?}: a fault of ours: {error}");
                }
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
}
