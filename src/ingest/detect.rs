//! What kind of document a file is, from its content: magic bytes and
//! structure first, the name and declared type only to tell apart text
//! formats that look alike (a CSV and a plain text file).

use serde::Serialize;

/// A document format the product can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Format {
    Pdf,
    Docx,
    Xlsx,
    Xls,
    Ods,
    Pptx,
    Odt,
    Epub,
    Rtf,
    Eml,
    Text,
    Markdown,
    Html,
    Csv,
}

/// The formats accepted, as said in a 415.
pub const SUPPORTED: &str = "PDF (.pdf), Word (.docx), spreadsheets (.xlsx, .xls, .ods), \
    PowerPoint (.pptx), OpenDocument text (.odt), e-books (.epub), rich text (.rtf), e-mails (.eml), plain text (.txt), \
    Markdown (.md), HTML (.html) and CSV (.csv)";

/// Every format, in the order they are listed.
const ALL: [Format; 14] = [
    Format::Pdf,
    Format::Docx,
    Format::Xlsx,
    Format::Xls,
    Format::Ods,
    Format::Pptx,
    Format::Odt,
    Format::Epub,
    Format::Rtf,
    Format::Eml,
    Format::Text,
    Format::Markdown,
    Format::Html,
    Format::Csv,
];

impl Format {
    /// The MIME type a document of this format is stored and served with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Xls => "application/vnd.ms-excel",
            Self::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Self::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            Self::Odt => "application/vnd.oasis.opendocument.text",
            Self::Epub => "application/epub+zip",
            Self::Rtf => "application/rtf",
            Self::Eml => "message/rfc822",
            Self::Text => "text/plain",
            Self::Markdown => "text/markdown",
            Self::Html => "text/html",
            Self::Csv => "text/csv",
        }
    }

    /// The format of a stored content type.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        ALL.into_iter().find(|f| f.content_type() == content_type)
    }
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Recognises a file's format, or `None` when it is not one the product reads
/// (binary data, or a text that is not UTF-8).
pub fn detect(bytes: &[u8], file_name: &str, declared: Option<&str>) -> Option<Format> {
    // The PDF header may follow a little junk (the spec allows 1024 bytes).
    let start = &bytes[..bytes.len().min(1024)];
    if start.windows(5).any(|window| window == b"%PDF-") {
        return Some(Format::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return package_format(bytes);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return is_workbook(bytes).then_some(Format::Xls);
    }
    if bytes.starts_with(b"{\\rtf") {
        return Some(Format::Rtf);
    }
    if looks_like_email(bytes) {
        return Some(Format::Eml);
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).ok()?;
    if text.contains('\0') {
        return None;
    }
    let head: String = text
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    let head = head.trim_start();
    let declared = declared
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let ext = extension(file_name);
    if head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || ((ext == "html" || ext == "htm" || declared == "text/html") && head.starts_with('<'))
    {
        return Some(Format::Html);
    }
    if (ext == "csv" || declared == "text/csv") && looks_like_csv(text) {
        return Some(Format::Csv);
    }
    if ext == "md" || ext == "markdown" || declared == "text/markdown" {
        return Some(Format::Markdown);
    }
    Some(Format::Text)
}

/// Whether `bytes` start like an e-mail: a block of headers with a sender
/// and a subject, message id or MIME version, before the first blank line.
pub fn looks_like_email(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(16 * 1024)];
    let head = String::from_utf8_lossy(head);
    let mut names = Vec::new();
    for line in head.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue; // a folded header
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
        names.push(name.to_ascii_lowercase());
    }
    names.iter().any(|n| n == "from")
        && names
            .iter()
            .any(|n| n == "subject" || n == "message-id" || n == "mime-version")
}

/// The start of an OLE compound file (.xls, and .doc and .ppt too).
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// What a zip package holds, from the names of its parts (and the
/// `mimetype` part of OpenDocument files and e-books), without inflating
/// anything but that one short part.
fn package_format(bytes: &[u8]) -> Option<Format> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("word/document.xml") {
        return Some(Format::Docx);
    }
    if has("xl/workbook.xml") {
        return Some(Format::Xlsx);
    }
    if has("ppt/presentation.xml") {
        return Some(Format::Pptx);
    }
    let mut declared = String::new();
    std::io::Read::read_to_string(
        &mut std::io::Read::take(archive.by_name("mimetype").ok()?, 100),
        &mut declared,
    )
    .ok()?;
    match declared.trim() {
        "application/vnd.oasis.opendocument.text" => Some(Format::Odt),
        "application/vnd.oasis.opendocument.spreadsheet" => Some(Format::Ods),
        "application/epub+zip" => Some(Format::Epub),
        _ => None,
    }
}

/// Whether an OLE compound file holds a workbook stream (its directory
/// names it in UTF-16: "Workbook", or "Book" in Excel 95 files).
fn is_workbook(bytes: &[u8]) -> bool {
    let utf16 =
        |name: &str| -> Vec<u8> { name.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let (workbook, book) = (utf16("Workbook\0"), utf16("Book\0"));
    bytes
        .windows(workbook.len())
        .any(|window| window == workbook.as_slice())
        || bytes
            .windows(book.len())
            .any(|window| window == book.as_slice())
}

/// Several lines with the same number of commas (at least one).
fn looks_like_csv(text: &str) -> bool {
    let mut counts = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .take(20)
        .map(|line| line.matches(',').count());
    match counts.next() {
        Some(first) if first > 0 => counts.all(|count| count == first),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_formats_by_content() {
        assert_eq!(
            detect(
                b"<!DOCTYPE html><html><body>Hi</body></html>",
                "page.txt",
                None
            ),
            Some(Format::Html)
        );
        assert_eq!(
            detect(b"year,revenue\n2018,32.8\n2019,32.1\n", "data.csv", None),
            Some(Format::Csv)
        );
        assert_eq!(
            detect(b"# Title\n\nText", "notes.md", None),
            Some(Format::Markdown)
        );
        assert_eq!(
            detect(b"Just words.", "a.txt", Some("text/plain")),
            Some(Format::Text)
        );
        assert_eq!(
            detect(b"\xEF\xBB\xBFwith a BOM", "bom.txt", None),
            Some(Format::Text)
        );
    }

    #[test]
    fn refuses_binary_and_non_utf8() {
        assert_eq!(
            detect(b"%PDF-1.7\n\xe2\xe3\xcf\xd3\n", "named-wrong.txt", None),
            Some(Format::Pdf),
            "a PDF is a PDF whatever its name"
        );
        assert_eq!(
            detect(b"PK\x03\x04\x14\x00", "contract.docx", None),
            None,
            "a truncated zip is not a Word document"
        );
        assert_eq!(
            detect(
                &super::super::docx::fixtures::docx(""),
                "named-wrong.pdf",
                None
            ),
            Some(Format::Docx)
        );
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n", "report.txt", Some("text/plain")),
            None
        );
        assert_eq!(detect(b"caf\xe9", "latin1.txt", None), None);
        assert_eq!(detect(b"a\0b", "nul.txt", None), None);
    }

    #[test]
    fn text_that_is_not_an_email_is_not_taken_for_one() {
        assert!(looks_like_email(b"From: a@b.c\r\nSubject: Q3\r\n\r\nBody"));
        assert!(!looks_like_email(
            b"From: here to there, a story.\n\nIt was late."
        ));
        assert!(!looks_like_email(b"# Notes\nFrom: x\nSubject: y\n"));
        assert!(looks_like_email(
            b"Received: by x\r\n\tfolded\r\nFrom: a@b.c\r\nMessage-ID: <1@b.c>\r\n\r\nBody"
        ));
    }

    #[test]
    fn a_csv_name_on_prose_is_plain_text() {
        assert_eq!(
            detect(b"Not, really\na table at all", "x.csv", None),
            Some(Format::Text)
        );
    }
}
