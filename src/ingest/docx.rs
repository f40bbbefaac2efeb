//! Word documents (.docx): the text of `word/document.xml`, read with limits
//! so that a zip bomb ends as an error rather than an exhausted machine.
//!
//! Headings come from paragraph styles (`Heading1`, `Title`, or an outline
//! level), table rows stay on one line with their cells in order. Pages are
//! the ones Word rendered when it last saved the file
//! (`w:lastRenderedPageBreak`), or else the explicit page breaks; a document
//! with neither has one page without a number.

use roxmltree::{Document, Node};

use super::markup::nests_too_deeply;
use super::package::Package;
use super::page::{Block, ExtractError, Page, normalize, normalize_lines, pages_between_breaks};

/// What it is, as said to its owner.
const KIND: &str = "Word document";

const DOCUMENT_PART: &str = "word/document.xml";
const WORD_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// The pages of a Word document.
pub fn docx_pages(bytes: &[u8]) -> Result<Vec<Page>, ExtractError> {
    let xml = document_xml(bytes)?;
    // The walks below recurse once per level: the depth is bounded first.
    if nests_too_deeply(&xml, false) {
        return Err(ExtractError::TooDeep);
    }
    let document = Document::parse(&xml).map_err(|error| {
        ExtractError::Unreadable(KIND, format!("its text is not valid XML: {error}"))
    })?;
    let body = document
        .root_element()
        .children()
        .find(|node| is_word(node, "body"))
        .ok_or_else(|| ExtractError::Unreadable(KIND, "it has no document body".into()))?;
    let rendered_breaks = document
        .descendants()
        .any(|node| is_word(&node, "lastRenderedPageBreak"));
    let mut pages = PageBuilder::new(rendered_breaks);
    walk(body, &mut pages);
    Ok(pages.finish())
}

/// The document part, decompressed within the package's budget.
fn document_xml(bytes: &[u8]) -> Result<String, ExtractError> {
    let mut package = Package::open(bytes, KIND)?;
    package
        .text(DOCUMENT_PART)?
        .ok_or_else(|| package.error("it has no word/document.xml"))
}

fn is_word(node: &Node, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace() == Some(WORD_NS)
}

fn word_attribute<'a>(node: &Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.attribute((WORD_NS, name))
}

/// Collects blocks into pages as the body is walked.
struct PageBuilder {
    /// Page breaks counted: Word's rendered ones, or else the explicit ones.
    rendered_breaks: bool,
    pages: Vec<Vec<Block>>,
    saw_break: bool,
    text: String,
}

impl PageBuilder {
    fn new(rendered_breaks: bool) -> Self {
        Self {
            rendered_breaks,
            pages: vec![Vec::new()],
            saw_break: false,
            text: String::new(),
        }
    }

    fn push(&mut self, block: Block) {
        if let Some(page) = self.pages.last_mut() {
            page.push(block);
        }
    }

    /// Ends the paragraph being read, as a heading or a paragraph.
    fn end_paragraph(&mut self, heading: bool) {
        let text = normalize_lines(&std::mem::take(&mut self.text));
        if text.is_empty() {
            return;
        }
        self.push(if heading {
            Block::Heading(text.replace('\n', " "))
        } else {
            Block::Paragraph(text)
        });
    }

    fn page_break(&mut self, rendered: bool, heading: bool) {
        if rendered != self.rendered_breaks {
            return;
        }
        self.end_paragraph(heading);
        self.saw_break = true;
        self.pages.push(Vec::new());
    }

    fn finish(self) -> Vec<Page> {
        pages_between_breaks(self.pages, self.saw_break)
    }
}

/// Walks block-level content: paragraphs, tables, and the containers that
/// hold them (content controls, inserted revisions).
fn walk(node: Node, pages: &mut PageBuilder) {
    for child in node.children().filter(Node::is_element) {
        if is_word(&child, "p") {
            paragraph(child, pages);
        } else if is_word(&child, "tbl") {
            table(child, pages);
        } else if !is_word(&child, "sectPr") && !is_word(&child, "del") {
            walk(child, pages);
        }
    }
}

fn paragraph(node: Node, pages: &mut PageBuilder) {
    let properties = node.children().find(|child| is_word(child, "pPr"));
    let heading = properties.is_some_and(|p| is_heading(&p));
    if properties.is_some_and(|p| p.children().any(|c| is_word(&c, "pageBreakBefore"))) {
        pages.page_break(false, heading);
    }
    runs(node, pages, heading);
    pages.end_paragraph(heading);
}

/// The text of a paragraph's runs, in order, with its breaks.
fn runs(node: Node, pages: &mut PageBuilder, heading: bool) {
    for child in node.children().filter(Node::is_element) {
        match child.tag_name().name() {
            _ if child.tag_name().namespace() != Some(WORD_NS) => {}
            "t" => pages.text.push_str(child.text().unwrap_or_default()),
            "tab" => pages.text.push(' '),
            "br" | "cr" => {
                if word_attribute(&child, "type") == Some("page") {
                    pages.page_break(false, heading);
                } else {
                    pages.text.push('\n');
                }
            }
            "lastRenderedPageBreak" => pages.page_break(true, heading),
            // Deleted text, properties, and notes kept elsewhere.
            "del" | "delText" | "pPr" | "rPr" | "instrText" => {}
            _ => runs(child, pages, heading),
        }
    }
}

fn is_heading(properties: &Node) -> bool {
    properties.children().any(|child| {
        (is_word(&child, "pStyle")
            && word_attribute(&child, "val").is_some_and(|style| {
                let style = style.to_ascii_lowercase();
                style.starts_with("heading") || style == "title" || style == "subtitle"
            }))
            || is_word(&child, "outlineLvl")
    })
}

/// One block per row, cells in order separated by ` | `.
fn table(node: Node, pages: &mut PageBuilder) {
    for row in node.descendants().filter(|n| is_word(n, "tr")) {
        // Rows of a table nested in a cell are read with that cell.
        if row
            .ancestors()
            .skip(1)
            .take_while(|a| *a != node)
            .any(|a| is_word(&a, "tr"))
        {
            continue;
        }
        let cells: Vec<String> = row
            .children()
            .filter(|cell| is_word(cell, "tc"))
            .map(|cell| {
                cell.descendants()
                    .filter(|n| is_word(n, "t"))
                    .filter_map(|n| n.text())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .map(|text| normalize(&text))
            .filter(|text| !text.is_empty())
            .collect();
        if !cells.is_empty() {
            pages.push(Block::Paragraph(cells.join(" | ")));
        }
    }
}

#[cfg(test)]
pub mod fixtures {
    //! Word documents built in memory, for tests.
    pub use crate::ingest::fixtures::zip_of;

    /// A .docx whose body is `body_xml` (the children of `<w:body>`).
    pub fn docx(body_xml: &str) -> Vec<u8> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{}"><w:body>{body_xml}</w:body></w:document>"#,
            super::WORD_NS
        );
        zip_of(&[
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
            ("word/document.xml", document.as_bytes()),
        ])
    }

    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
}

#[cfg(test)]
mod tests {
    use super::fixtures::{docx, zip_of};
    use super::*;

    fn para(style: Option<&str>, text: &str) -> String {
        let style = style
            .map(|s| format!(r#"<w:pPr><w:pStyle w:val="{s}"/></w:pPr>"#))
            .unwrap_or_default();
        format!("<w:p>{style}<w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    #[test]
    fn headings_paragraphs_and_table_rows() {
        let body = format!(
            "{}{}<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Term</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>36 months</w:t></w:r></w:p></w:tc></w:tr></w:tbl>{}",
            para(Some("Heading1"), "Payment terms"),
            r#"<w:p><w:r><w:t xml:space="preserve">Invoices are due </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>within 30 days</w:t></w:r><w:del><w:r><w:delText>never</w:delText></w:r></w:del></w:p>"#,
            para(None, "Fees &amp; charges apply.")
        );
        let pages = docx_pages(&docx(&body)).unwrap();
        assert_eq!(
            pages,
            vec![Page {
                number: None,
                blocks: vec![
                    Block::Heading("Payment terms".into()),
                    Block::Paragraph("Invoices are due within 30 days".into()),
                    Block::Paragraph("Term | 36 months".into()),
                    Block::Paragraph("Fees & charges apply.".into()),
                ]
            }]
        );
    }

    #[test]
    fn explicit_page_breaks_number_the_pages() {
        let body = format!(
            r#"{}<w:p><w:r><w:br w:type="page"/></w:r></w:p>{}"#,
            para(None, "First page."),
            para(None, "Second page.")
        );
        let pages = docx_pages(&docx(&body)).unwrap();
        let numbered: Vec<_> = pages.iter().map(|p| (p.number, p.blocks.len())).collect();
        assert_eq!(numbered, vec![(Some(1), 1), (Some(2), 1)]);
    }

    #[test]
    fn rendered_breaks_win_over_explicit_ones() {
        // Word writes both for one break: counting both would skip a page.
        let body = format!(
            r#"{}<w:p><w:r><w:br w:type="page"/></w:r></w:p><w:p><w:r><w:lastRenderedPageBreak/><w:t>Second.</w:t></w:r></w:p>"#,
            para(None, "First.")
        );
        let pages = docx_pages(&docx(&body)).unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1].blocks, vec![Block::Paragraph("Second.".into())]);
    }

    #[test]
    fn a_zip_bomb_is_refused_without_inflating_it() {
        // 200 MB of spaces deflate to a few hundred kilobytes.
        let huge = vec![b' '; 200 * 1024 * 1024];
        let bomb = zip_of(&[("word/document.xml", &huge)]);
        assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
        assert!(matches!(
            docx_pages(&bomb),
            Err(ExtractError::Expands(KIND))
        ));
    }

    #[test]
    fn deep_nesting_is_refused_instead_of_overflowing_the_stack() {
        // The recipe that aborted the server: 300,000 nested content controls.
        let n = 300_000;
        let deep = docx(&format!("{}{}", "<w:sdt>".repeat(n), "</w:sdt>".repeat(n)));
        assert!(matches!(docx_pages(&deep), Err(ExtractError::TooDeep)));
        // Ordinary nesting (content controls in tables in content controls) reads.
        let nested = docx(
            "<w:sdt><w:sdtContent><w:tbl><w:tr><w:tc><w:sdt><w:sdtContent><w:p><w:r><w:t>Inner</w:t></w:r></w:p></w:sdtContent></w:sdt></w:tc></w:tr></w:tbl></w:sdtContent></w:sdt>",
        );
        let pages = docx_pages(&nested).unwrap();
        assert!(format!("{:?}", pages[0].blocks).contains("Inner"));
    }

    #[test]
    fn entity_expansion_and_broken_xml_are_errors() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"#;
        let bomb = zip_of(&[("word/document.xml", laughs)]);
        assert!(matches!(
            docx_pages(&bomb),
            Err(ExtractError::Unreadable(KIND, _))
        ));
        let broken = zip_of(&[("word/document.xml", b"<w:document><w:body>")]);
        assert!(matches!(
            docx_pages(&broken),
            Err(ExtractError::Unreadable(KIND, _))
        ));
    }
}
