//! Fuzzing each document reader with generated inputs, a bounded number of
//! cases per run (proptest; failures are shrunk and printed, nothing is
//! written to the tree). Our own readers (text, Markdown, HTML, CSV, Word)
//! run in this process: none may panic, and what they read must cut into
//! passages within bounds. Every format, PDF included (whose parser is a
//! crate's), also goes through the real sandbox: a file ends read or
//! failed with a sentence, never with a fault of ours.

use std::time::Duration;

use aiconvokit::ingest::chunk::{TARGET_CHARS, passages};
use aiconvokit::ingest::detect::Format;
use aiconvokit::ingest::extract::{MAX_HEADING_CHARS, Progress, extract};
use aiconvokit::ingest::sandbox::{Sandbox, SandboxError};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

#[path = "support/files.rs"]
mod files;

use files::{docx, pdf_with_pages};

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
    ])
    .prop_flat_map(|format| soup(format).prop_map(move |text| (format, as_file(format, &text))));
    let inputs = prop_oneof![2 => mutated_pdf, 1 => any_format];
    runner(80)
        .run(&inputs, |(format, bytes)| {
            let (outcome, _) = runtime.block_on(sandbox.read(
                format.content_type(),
                "fuzz",
                "Acme",
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
