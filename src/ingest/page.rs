//! What every reader of a document gives: pages of blocks, or why it
//! could not, and the bounds a document must stay within.

use std::sync::atomic::AtomicU32;

/// How far extraction has got, shared with whoever shows progress.
#[derive(Debug, Default)]
pub struct Progress {
    pub pages_done: AtomicU32,
    pub pages_total: AtomicU32,
    /// Scanned pages to read by OCR, and those read so far.
    pub ocr_total: AtomicU32,
    pub ocr_done: AtomicU32,
}

/// A piece of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
}

/// One page of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// 1-based, as a viewer shows it; `None` for formats without pages.
    pub number: Option<u32>,
    pub blocks: Vec<Block>,
}

/// Why a document's text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("the PDF is encrypted; remove its password and upload it again")]
    Encrypted,
    #[error("the PDF is damaged or not a PDF ({0})")]
    BadPdf(String),
    #[error("the file is not valid UTF-8 text")]
    NotText,
    #[error("the CSV file could not be read: {0}")]
    Csv(String),
    /// A package (Word, spreadsheet, presentation, e-book…) that cannot be
    /// read: what it is, and why.
    #[error("the {0} could not be read: {1}")]
    Unreadable(&'static str, String),
    #[error(
        "the {0}'s text expands to more than {mb} MB (a zip bomb?)",
        mb = MAX_DOCUMENT_XML_BYTES / 1024 / 1024
    )]
    Expands(&'static str),
    #[error("it is nested too deeply (more than {MAX_NESTING} levels)")]
    TooDeep,
    #[error(
        "its text is longer than {} MB; split it into smaller documents",
        MAX_TEXT_BYTES / 1024 / 1024
    )]
    TooMuchText,
}

/// The most text one document may hold.
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
/// The deepest nesting of elements read in XML and HTML.
pub const MAX_NESTING: usize = 1000;
/// The most the parts of a zipped document (Word, spreadsheet,
/// presentation, e-book) may expand to, all together.
pub const MAX_DOCUMENT_XML_BYTES: u64 = 64 * 1024 * 1024;

/// Whitespace runs collapsed to one space, ends trimmed.
pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whitespace runs collapsed within lines, empty lines dropped.
pub fn normalize_lines(text: &str) -> String {
    text.lines()
        .map(normalize)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A document's pages from the blocks between its page breaks: numbered
/// from 1 when it has breaks, else one page without a number.
pub fn pages_between_breaks(parts: Vec<Vec<Block>>, has_breaks: bool) -> Vec<Page> {
    if !has_breaks {
        return vec![Page {
            number: None,
            blocks: parts.into_iter().flatten().collect(),
        }];
    }
    (1..)
        .zip(parts)
        .map(|(number, blocks)| Page {
            number: Some(number),
            blocks,
        })
        .collect()
}
