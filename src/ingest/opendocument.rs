//! OpenDocument text (.odt): headings and paragraphs of `content.xml`,
//! table rows on one line with their cells separated by ` | `. Pages are
//! the ones the editor laid out when it last saved the file
//! (`text:soft-page-break`); a document without them has one page without
//! a number. Notes, annotations and tracked deletions are left out.

use std::sync::atomic::Ordering;

use roxmltree::Node;

use super::package::{Package, parse};
use super::page::Progress;
use super::page::{Block, ExtractError, Page, normalize, normalize_lines, pages_between_breaks};

/// What it is, as said to its owner.
const KIND: &str = "OpenDocument text";
const CONTENT_PART: &str = "content.xml";
const TEXT_NS: &str = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
const TABLE_NS: &str = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
const OFFICE_NS: &str = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";

/// The pages of an OpenDocument text.
pub fn odt_pages(bytes: &[u8], progress: &Progress) -> Result<Vec<Page>, ExtractError> {
    let mut package = Package::open(bytes, KIND)?;
    let xml = package
        .xml(CONTENT_PART)?
        .ok_or_else(|| package.error("it has no content.xml"))?;
    let document = parse(&xml, KIND, CONTENT_PART)?;
    let body = document
        .descendants()
        .find(|node| is(node, OFFICE_NS, "text"))
        .ok_or_else(|| package.error("it has no text body"))?;
    let mut pages: Vec<Vec<Block>> = vec![Vec::new()];
    let mut saw_break = false;
    for node in body.descendants().filter(Node::is_element) {
        if is(&node, TEXT_NS, "soft-page-break") {
            saw_break = true;
            pages.push(Vec::new());
            continue;
        }
        let block = if is(&node, TABLE_NS, "table-row") && !inside(&node, TABLE_NS, "table-row") {
            let cells: Vec<String> = node
                .children()
                .filter(|cell| is(cell, TABLE_NS, "table-cell"))
                .map(|cell| normalize(&text_of(cell)))
                .filter(|text| !text.is_empty())
                .collect();
            (!cells.is_empty()).then(|| Block::Paragraph(cells.join(" | ")))
        } else if (is(&node, TEXT_NS, "h") || is(&node, TEXT_NS, "p"))
            && !inside(&node, TABLE_NS, "table-cell")
            && !inside(&node, TEXT_NS, "p")
            && !inside(&node, TEXT_NS, "h")
            && !skipped(&node)
        {
            let text = normalize_lines(&text_of(node));
            (!text.is_empty()).then(|| {
                if is(&node, TEXT_NS, "h") {
                    Block::Heading(text.replace('\n', " "))
                } else {
                    Block::Paragraph(text)
                }
            })
        } else {
            None
        };
        if let (Some(block), Some(page)) = (block, pages.last_mut()) {
            page.push(block);
        }
    }
    let pages = pages_between_breaks(pages, saw_break);
    let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    progress.pages_total.store(count, Ordering::Relaxed);
    progress.pages_done.store(count, Ordering::Relaxed);
    Ok(pages)
}

fn is(node: &Node, namespace: &str, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace() == Some(namespace)
}

fn inside(node: &Node, namespace: &str, name: &str) -> bool {
    node.ancestors().skip(1).any(|a| is(&a, namespace, name))
}

/// Notes, annotations and deleted text are not the document's text.
fn skipped(node: &Node) -> bool {
    node.ancestors().any(|a| {
        is(&a, TEXT_NS, "note")
            || is(&a, OFFICE_NS, "annotation")
            || is(&a, TEXT_NS, "tracked-changes")
    })
}

/// The text under `node`, with its spaces, tabs and line breaks.
fn text_of(node: Node) -> String {
    let mut text = String::new();
    collect(node, &mut text);
    text
}

fn collect(node: Node, text: &mut String) {
    for child in node.children() {
        if child.is_text() {
            text.push_str(child.text().unwrap_or_default());
        } else if is(&child, TEXT_NS, "s") {
            let count: usize = child
                .attribute((TEXT_NS, "c"))
                .and_then(|c| c.parse().ok())
                .unwrap_or(1);
            text.push_str(&" ".repeat(count.min(100)));
        } else if is(&child, TEXT_NS, "tab") {
            text.push(' ');
        } else if is(&child, TEXT_NS, "line-break") {
            text.push('\n');
        } else if is(&child, TEXT_NS, "p") || is(&child, TEXT_NS, "h") {
            collect(child, text);
            text.push('\n');
        } else if !(is(&child, TEXT_NS, "note")
            || is(&child, OFFICE_NS, "annotation")
            || is(&child, TEXT_NS, "tracked-changes"))
        {
            collect(child, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::fixtures::odt;

    #[test]
    fn headings_paragraphs_tables_and_laid_out_pages() {
        let body = r#"<text:h text:outline-level="1">Payment terms</text:h><text:p>Invoices are due<text:s text:c="2"/>within <text:span>30 days</text:span>.<text:note><text:note-body><text:p>A footnote.</text:p></text:note-body></text:note></text:p><text:soft-page-break/><table:table><table:table-row><table:table-cell><text:p>Term</text:p></table:table-cell><table:table-cell><text:p>36 months</text:p></table:table-cell></table:table-row></table:table><text:list><text:list-item><text:p>Listed item</text:p></text:list-item></text:list>"#;
        let pages = odt_pages(&odt(body), &Progress::default()).unwrap();
        assert_eq!(
            pages,
            vec![
                Page {
                    number: Some(1),
                    blocks: vec![
                        Block::Heading("Payment terms".into()),
                        Block::Paragraph("Invoices are due within 30 days.".into()),
                    ]
                },
                Page {
                    number: Some(2),
                    blocks: vec![
                        Block::Paragraph("Term | 36 months".into()),
                        Block::Paragraph("Listed item".into()),
                    ]
                },
            ]
        );
    }

    #[test]
    fn without_laid_out_pages_it_is_one_page() {
        let pages = odt_pages(&odt("<text:p>Only text.</text:p>"), &Progress::default()).unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].number, None);
    }
}
