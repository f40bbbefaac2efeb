//! Text out of a document, as pages of blocks (headings and paragraphs).
//! Formats without pages give one page numbered `None`.

use scraper::{ElementRef, Html, Selector};

use super::detect::Format;

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
    #[error("the file is not valid UTF-8 text")]
    NotText,
    #[error("the CSV file could not be read: {0}")]
    Csv(String),
}

/// Reads the text of a document.
pub fn extract(format: Format, bytes: &[u8]) -> Result<Vec<Page>, ExtractError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| ExtractError::NotText)?;
    let blocks = match format {
        Format::Text => paragraphs(text, false),
        Format::Markdown => paragraphs(text, true),
        Format::Html => html_blocks(text),
        Format::Csv => csv_blocks(text)?,
    };
    Ok(vec![Page {
        number: None,
        blocks,
    }])
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

fn html_blocks(text: &str) -> Vec<Block> {
    let document = Html::parse_document(text);
    let Ok(selector) = Selector::parse(
        "h1, h2, h3, h4, h5, h6, p, li, tr, pre, blockquote, dt, dd, caption, figcaption",
    ) else {
        return Vec::new();
    };
    let mut blocks = Vec::new();
    for element in document.select(&selector) {
        // The outermost block only: a <p> inside an <li> is part of the <li>.
        if element
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| selector.matches(&a))
        {
            continue;
        }
        let name = element.value().name();
        let content = if name == "tr" {
            element
                .children()
                .filter_map(ElementRef::wrap)
                .map(|cell| normalize(&cell.text().collect::<String>()))
                .filter(|cell| !cell.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        } else {
            normalize(&element.text().collect::<String>())
        };
        if content.is_empty() {
            continue;
        }
        if name.len() == 2 && name.starts_with('h') {
            blocks.push(Block::Heading(content));
        } else {
            blocks.push(Block::Paragraph(content));
        }
    }
    if blocks.is_empty() {
        // No block elements: take the body's text as it is.
        let body = normalize(&document.root_element().text().collect::<String>());
        if !body.is_empty() {
            blocks.push(Block::Paragraph(body));
        }
    }
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

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_headings_and_paragraphs() {
        let pages = extract(
            Format::Markdown,
            b"# Results\n\nRevenue grew\n10%.\n\n## Risks\nSupply chains.",
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
        let blocks = &extract(Format::Html, html).unwrap()[0].blocks;
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
        let blocks =
            &extract(Format::Csv, b"year,revenue\n2018,32.8\n2019,\"1,200\"\n").unwrap()[0].blocks;
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
