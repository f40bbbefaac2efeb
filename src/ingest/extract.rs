//! Text out of a document, as pages of blocks (headings and paragraphs).
//! Formats without pages give one page numbered `None`.

use std::io::Cursor;
use std::sync::atomic::Ordering;

use oxidize_pdf::parser::{PdfDocument, PdfReader};

use super::detect::Format;
use super::page::normalize;
pub use super::page::{Block, ExtractError, MAX_NESTING, MAX_TEXT_BYTES, Page, Progress};

/// A heading longer than this is cut there; the rest is read as a paragraph.
pub const MAX_HEADING_CHARS: usize = 300;

/// Reads the text of a document, reporting progress page by page.
pub fn extract(
    format: Format,
    bytes: &[u8],
    progress: &Progress,
) -> Result<Vec<Page>, ExtractError> {
    let pages = match format {
        Format::Pdf => pdf_pages(bytes, progress)?,
        Format::Xlsx | Format::Xls | Format::Ods => {
            super::sheets::spreadsheet_pages(format, bytes, progress)?
        }
        Format::Pptx => super::slides::pptx_pages(bytes, progress)?,
        Format::Odt => super::opendocument::odt_pages(bytes, progress)?,
        Format::Epub => super::epub::epub_pages(bytes, progress)?,
        Format::Rtf => super::rtf::rtf_pages(bytes)?,
        Format::Eml => super::email::read_email(bytes)?.0,
        Format::Docx => {
            let pages = super::docx::docx_pages(bytes)?;
            let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
            progress.pages_total.store(count, Ordering::Relaxed);
            progress.pages_done.store(count, Ordering::Relaxed);
            pages
        }
        other => {
            let blocks = match other {
                Format::Markdown => paragraphs(utf8(bytes)?, true),
                Format::Html => super::html::html_blocks(utf8(bytes)?)?,
                Format::Csv => csv_blocks(utf8(bytes)?)?,
                _ => paragraphs(utf8(bytes)?, false),
            };
            progress.pages_total.store(1, Ordering::Relaxed);
            progress.pages_done.store(1, Ordering::Relaxed);
            vec![Page {
                number: None,
                blocks,
            }]
        }
    };
    if progress.pages_total.load(Ordering::Relaxed) == 0 {
        // Formats read in one go report their pages once read.
        let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
        progress.pages_total.store(count, Ordering::Relaxed);
        progress.pages_done.store(count, Ordering::Relaxed);
    }
    within_bounds(pages)
}

/// Refuses a document with more text than [`MAX_TEXT_BYTES`], and cuts
/// overlong headings (a heading is copied into every passage under it):
/// what is past [`MAX_HEADING_CHARS`] is kept as a paragraph.
fn within_bounds(mut pages: Vec<Page>) -> Result<Vec<Page>, ExtractError> {
    let text: usize = pages
        .iter()
        .flat_map(|page| &page.blocks)
        .map(|block| match block {
            Block::Heading(text) | Block::Paragraph(text) => text.len(),
        })
        .sum();
    if text > MAX_TEXT_BYTES {
        return Err(ExtractError::TooMuchText);
    }
    for page in &mut pages {
        if !page
            .blocks
            .iter()
            .any(|block| matches!(block, Block::Heading(text) if text.len() > MAX_HEADING_CHARS))
        {
            continue;
        }
        let blocks = std::mem::take(&mut page.blocks);
        for block in blocks {
            match block {
                Block::Heading(text) if text.len() > MAX_HEADING_CHARS => {
                    let (title, rest) = cut_heading(&text);
                    page.blocks.push(Block::Heading(title.to_owned()));
                    if !rest.is_empty() {
                        page.blocks.push(Block::Paragraph(rest.to_owned()));
                    }
                }
                block => page.blocks.push(block),
            }
        }
    }
    Ok(pages)
}

/// A heading's first [`MAX_HEADING_CHARS`] bytes or fewer, cut at a space
/// when there is one, and the rest.
pub fn cut_heading(text: &str) -> (&str, &str) {
    if text.len() <= MAX_HEADING_CHARS {
        return (text, "");
    }
    let mut end = MAX_HEADING_CHARS;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end]
        .rfind(' ')
        .filter(|space| *space > MAX_HEADING_CHARS / 2)
        .unwrap_or(end);
    (text[..end].trim_end(), text[end..].trim_start())
}

fn utf8(bytes: &[u8]) -> Result<&str, ExtractError> {
    std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| ExtractError::NotText)
}

/// A PDF's text page by page, in reading order. A page that cannot be read
/// is kept, empty, so page numbers stay right and it counts as without text.
fn pdf_pages(bytes: &[u8], progress: &Progress) -> Result<Vec<Page>, ExtractError> {
    let classify = |error: oxidize_pdf::parser::ParseError| {
        let message = error.to_string();
        if message.to_ascii_lowercase().contains("encrypt") {
            ExtractError::Encrypted
        } else {
            ExtractError::BadPdf(message.chars().take(200).collect())
        }
    };
    let mut reader = PdfReader::new(Cursor::new(bytes.to_vec())).map_err(classify)?;
    // A PDF with only an owner password (no copying, no printing) opens with
    // the empty user password, as in any viewer; one with a user password
    // cannot be read without it.
    if reader.is_encrypted()
        && !reader.is_unlocked()
        && !reader.try_empty_password().unwrap_or(false)
    {
        return Err(ExtractError::Encrypted);
    }
    let document = PdfDocument::new(reader);
    let count = document.page_count().map_err(classify)?;
    progress.pages_total.store(count, Ordering::Relaxed);
    let mut pages = Vec::with_capacity(usize::try_from(count).unwrap_or_default());
    for index in 0..count {
        let text = document
            .extract_text_from_page(index)
            .map(|t| t.text)
            .unwrap_or_default();
        pages.push(Page {
            number: Some(index + 1),
            blocks: pdf_blocks(&text),
        });
        progress.pages_done.store(index + 1, Ordering::Relaxed);
    }
    Ok(pages)
}

/// A PDF page's blocks: paragraphs at blank lines, lines kept (so table
/// rows stay whole), and short all-capitals lines or 10-K "Item 7." lines
/// taken as headings.
pub(super) fn pdf_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph(paragraph.join("\n")));
            paragraph.clear();
        }
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else if looks_like_heading(line) {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Heading(normalize(line)));
        } else {
            paragraph.push(line);
        }
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

fn looks_like_heading(line: &str) -> bool {
    let words = line.split_whitespace().count();
    if line.len() > 90 || words == 0 {
        return false;
    }
    let is_item = line
        .strip_prefix("Item ")
        .or_else(|| line.strip_prefix("ITEM "))
        .is_some_and(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_digit()));
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    let all_caps = words >= 2 && letters.len() >= 6 && letters.iter().all(|c| c.is_uppercase());
    is_item || all_caps
}

/// Paragraphs split at blank lines; with `markdown`, `#` lines are headings.
fn paragraphs(text: &str, markdown: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let flush = |current: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        let joined = current
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        if !joined.trim().is_empty() {
            blocks.push(Block::Paragraph(joined.trim().to_owned()));
        }
        current.clear();
    };
    for line in text.lines() {
        let trimmed = line.trim();
        if markdown && trimmed.starts_with('#') {
            flush(&mut current, &mut blocks);
            let heading = trimmed.trim_start_matches('#').trim();
            if !heading.is_empty() {
                blocks.push(Block::Heading(heading.to_owned()));
            }
        } else if trimmed.is_empty() {
            flush(&mut current, &mut blocks);
        } else {
            current.push(line);
        }
    }
    flush(&mut current, &mut blocks);
    blocks
}

fn csv_blocks(text: &str) -> Result<Vec<Block>, ExtractError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ExtractError::Csv(e.to_string()))?
        .clone();
    let mut blocks = vec![Block::Heading(
        headers
            .iter()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" | "),
    )];
    for record in reader.records() {
        let record = record.map_err(|e| ExtractError::Csv(e.to_string()))?;
        let row = record.iter().map(str::trim).collect::<Vec<_>>().join(" | ");
        if !row.replace('|', "").trim().is_empty() {
            blocks.push(Block::Paragraph(row));
        }
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_headings_and_paragraphs() {
        let pages = extract(
            Format::Markdown,
            b"# Results\n\nRevenue grew\n10%.\n\n## Risks\nSupply chains.",
            &Progress::default(),
        )
        .unwrap();
        assert_eq!(
            pages[0].blocks,
            vec![
                Block::Heading("Results".into()),
                Block::Paragraph("Revenue grew 10%.".into()),
                Block::Heading("Risks".into()),
                Block::Paragraph("Supply chains.".into()),
            ]
        );
    }

    #[test]
    fn html_keeps_table_rows_on_one_line_and_skips_scripts() {
        let html = b"<html><head><script>var x=1;</script></head><body><h2>Cash flow</h2>\
            <table><tr><th>Item</th><th>2018</th></tr><tr><td>Capital expenditures</td><td>(1,577)</td></tr></table>\
            <ul><li><p>Nested</p></li></ul></body></html>";
        let blocks = &extract(Format::Html, html, &Progress::default()).unwrap()[0].blocks;
        assert_eq!(
            blocks,
            &vec![
                Block::Heading("Cash flow".into()),
                Block::Paragraph("Item | 2018".into()),
                Block::Paragraph("Capital expenditures | (1,577)".into()),
                Block::Paragraph("Nested".into()),
            ]
        );
    }

    #[test]
    fn csv_rows_stay_whole_under_their_header() {
        let blocks = &extract(
            Format::Csv,
            b"year,revenue\n2018,32.8\n2019,\"1,200\"\n",
            &Progress::default(),
        )
        .unwrap()[0]
            .blocks;
        assert_eq!(
            blocks,
            &vec![
                Block::Heading("year | revenue".into()),
                Block::Paragraph("2018 | 32.8".into()),
                Block::Paragraph("2019 | 1,200".into()),
            ]
        );
    }
}

#[cfg(test)]
mod bounds_tests {
    use super::super::markup::nests_too_deeply;
    use super::*;

    #[test]
    fn deep_markup_is_refused_before_parsing() {
        let deep = "<div>".repeat(MAX_NESTING + 1);
        assert!(nests_too_deeply(&deep, true));
        assert!(matches!(
            extract(Format::Html, deep.as_bytes(), &Progress::default()),
            Err(ExtractError::TooDeep)
        ));
        // As deep as allowed, closed, is read.
        let fine = format!(
            "{}<p>Deep text.</p>{}",
            "<div>".repeat(MAX_NESTING - 1),
            "</div>".repeat(MAX_NESTING - 1)
        );
        let pages = extract(Format::Html, fine.as_bytes(), &Progress::default()).unwrap();
        assert_eq!(pages[0].blocks, vec![Block::Paragraph("Deep text.".into())]);
    }

    #[test]
    fn sloppy_html_with_unclosed_paragraphs_and_void_elements_is_not_deep() {
        let sloppy = "<p>one<br><li>two<img src=x>".repeat(5000);
        assert!(!nests_too_deeply(&sloppy, true));
        // Tags in scripts and comparisons in text are not elements.
        let script = format!(
            "<script>{}</script><p>a < b</p>",
            "if (a<b) {} ".repeat(5000)
        );
        assert!(!nests_too_deeply(&script, true));
        // XML counts every element, self-closing ones excepted.
        let xml = format!(
            "{}{}",
            "<w:sdt>".repeat(MAX_NESTING + 1),
            "</w:sdt>".repeat(MAX_NESTING + 1)
        );
        assert!(nests_too_deeply(&xml, false));
        assert!(!nests_too_deeply(&"<w:p/>".repeat(10_000), false));
        assert!(!nests_too_deeply("<", false));
        assert!(!nests_too_deeply("<a", true));
    }

    #[test]
    fn giant_headings_are_cut_and_their_text_kept() {
        let heading = "A".repeat(10_000);
        let markdown = format!("# {heading}\n\nSome text.");
        let pages = extract(Format::Markdown, markdown.as_bytes(), &Progress::default()).unwrap();
        let Block::Heading(title) = &pages[0].blocks[0] else {
            panic!("{:?}", pages[0].blocks[0]);
        };
        assert_eq!(title.len(), MAX_HEADING_CHARS);
        let Block::Paragraph(rest) = &pages[0].blocks[1] else {
            panic!("{:?}", pages[0].blocks[1]);
        };
        assert_eq!(title.len() + rest.len(), heading.len(), "no text lost");
        // Cut at a space when there is one, and on a character boundary.
        let words = "word ".repeat(100);
        let (title, rest) = cut_heading(&words);
        assert!(
            title.len() <= MAX_HEADING_CHARS && title.ends_with("word"),
            "{title}"
        );
        assert!(rest.starts_with("word"));
        let accented = "é".repeat(400);
        let (title, _) = cut_heading(&accented);
        assert!(title.len() <= MAX_HEADING_CHARS);
    }

    #[test]
    fn too_much_text_is_refused() {
        let text = "word ".repeat(MAX_TEXT_BYTES / 5 + 10);
        assert!(matches!(
            extract(Format::Text, text.as_bytes(), &Progress::default()),
            Err(ExtractError::TooMuchText)
        ));
    }
}

#[cfg(test)]
mod pdf_tests {
    use super::*;

    #[test]
    fn pdf_lines_stay_whole_and_headings_are_found() {
        let blocks = pdf_blocks(
            "ITEM 7. MANAGEMENT'S DISCUSSION\nNet income $ 4,756 $ 4,822\nStock-based compensation 1,440 1,069\n\nA new paragraph.",
        );
        assert_eq!(
            blocks,
            vec![
                Block::Heading("ITEM 7. MANAGEMENT'S DISCUSSION".into()),
                Block::Paragraph(
                    "Net income $ 4,756 $ 4,822\nStock-based compensation 1,440 1,069".into()
                ),
                Block::Paragraph("A new paragraph.".into()),
            ]
        );
    }

    #[test]
    fn garbage_that_claims_to_be_a_pdf_is_an_error_not_a_panic() {
        let progress = Progress::default();
        for bytes in [
            &b"%PDF-1.7\n"[..],
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntrailer",
            b"%PDF-",
        ] {
            assert!(extract(Format::Pdf, bytes, &progress).is_err());
        }
    }
}
