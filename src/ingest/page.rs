//! What every reader of a document gives: pages of blocks, or why it
//! could not, and the bounds a document must stay within.

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
    #[error("the Word document could not be read: {0}")]
    BadDocx(String),
    #[error(
        "the Word document's text expands to more than {} MB (a zip bomb?)",
        MAX_DOCUMENT_XML_BYTES / 1024 / 1024
    )]
    DocxTooLarge,
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
/// The most a Word document's main XML part may expand to.
pub const MAX_DOCUMENT_XML_BYTES: u64 = 64 * 1024 * 1024;
