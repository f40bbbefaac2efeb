//! HTML pages (and e-books' chapters, and e-mails' HTML bodies) as blocks.

use scraper::{ElementRef, Html, Selector};

use super::markup::nests_too_deeply;
use super::page::{Block, ExtractError, normalize};

/// The blocks of an HTML page: headings, paragraphs, list items, table
/// rows on one line.
pub fn html_blocks(text: &str) -> Result<Vec<Block>, ExtractError> {
    // The HTML parser and the walk below take time in the square of the
    // depth: deeper documents are refused before either runs.
    if nests_too_deeply(text, true) {
        return Err(ExtractError::TooDeep);
    }
    let document = Html::parse_document(text);
    let Ok(selector) = Selector::parse(
        "h1, h2, h3, h4, h5, h6, p, li, tr, pre, blockquote, dt, dd, caption, figcaption",
    ) else {
        return Ok(Vec::new());
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
    Ok(blocks)
}
