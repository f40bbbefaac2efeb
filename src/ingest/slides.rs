//! Presentations (.pptx): each slide is a page, numbered in the
//! presentation's order. A slide's title is its heading, its text boxes
//! and tables follow in order (a table row on one line, cells separated by
//! ` | `), and its speaker notes come last under "Notes".

use std::sync::atomic::Ordering;

use roxmltree::Node;

use super::package::{Package, parse, resolve};
use super::page::Progress;
use super::page::{Block, ExtractError, Page, normalize, normalize_lines};

/// What it is, as said to its owner.
const KIND: &str = "presentation";
/// The presentation part every .pptx has.
pub const PRESENTATION_PART: &str = "ppt/presentation.xml";
/// The most slides read from one presentation.
pub const MAX_SLIDES: usize = 5_000;
const RELATIONSHIPS_NS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The pages of a presentation.
pub fn pptx_pages(bytes: &[u8], progress: &Progress) -> Result<Vec<Page>, ExtractError> {
    let mut package = Package::open(bytes, KIND)?;
    let slides = slide_parts(&mut package)?;
    progress.pages_total.store(
        u32::try_from(slides.len()).unwrap_or(u32::MAX),
        Ordering::Relaxed,
    );
    let mut pages = Vec::with_capacity(slides.len());
    for (number, part) in (1..).zip(slides) {
        let mut blocks = match package.xml(&part)? {
            Some(xml) => shape_blocks(&parse(&xml, KIND, &part)?, false),
            None => Vec::new(),
        };
        if let Some(notes) = notes_part(&mut package, &part)?
            && let Some(xml) = package.xml(&notes)?
        {
            let notes = shape_blocks(&parse(&xml, KIND, &notes)?, true);
            if !notes.is_empty() {
                blocks.push(Block::Heading("Notes".into()));
                blocks.extend(notes);
            }
        }
        pages.push(Page {
            number: Some(number),
            blocks,
        });
        progress.pages_done.store(number, Ordering::Relaxed);
    }
    Ok(pages)
}

/// The slides' parts in the order the presentation shows them.
fn slide_parts(package: &mut Package) -> Result<Vec<String>, ExtractError> {
    let xml = package
        .xml(PRESENTATION_PART)?
        .ok_or_else(|| package.error("it has no ppt/presentation.xml"))?;
    let presentation = parse(&xml, KIND, PRESENTATION_PART)?;
    let ids: Vec<&str> = presentation
        .descendants()
        .filter(|node| node.tag_name().name() == "sldId")
        .filter_map(|node| node.attribute((RELATIONSHIPS_NS, "id")))
        .collect();
    if ids.len() > MAX_SLIDES {
        return Err(package.error(format!("it has more than {MAX_SLIDES} slides")));
    }
    let targets = relationships(package, PRESENTATION_PART)?;
    Ok(ids
        .into_iter()
        .filter_map(|id| {
            targets
                .iter()
                .find(|(rid, _, _)| rid == id)
                .map(|(_, _, target)| resolve(PRESENTATION_PART, target))
        })
        .collect())
}

/// The notes part of a slide, when it has notes.
fn notes_part(package: &mut Package, slide: &str) -> Result<Option<String>, ExtractError> {
    Ok(relationships(package, slide)?
        .into_iter()
        .find(|(_, kind, _)| kind.ends_with("/notesSlide"))
        .map(|(_, _, target)| resolve(slide, &target)))
}

/// A part's relationships: (id, type, target).
fn relationships(
    package: &mut Package,
    part: &str,
) -> Result<Vec<(String, String, String)>, ExtractError> {
    let (folder, file) = part.rsplit_once('/').unwrap_or(("", part));
    let name = if folder.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{folder}/_rels/{file}.rels")
    };
    let Some(xml) = package.xml(&name)? else {
        return Ok(Vec::new());
    };
    let document = parse(&xml, KIND, &name)?;
    Ok(document
        .descendants()
        .filter(|node| node.tag_name().name() == "Relationship")
        .filter_map(|node| {
            Some((
                node.attribute("Id")?.to_owned(),
                node.attribute("Type").unwrap_or_default().to_owned(),
                node.attribute("Target")?.to_owned(),
            ))
        })
        .collect())
}

/// The text of a slide's (or notes page's) shapes, in order. In notes,
/// the slide's picture, its number, headers and footers are left out.
fn shape_blocks(document: &roxmltree::Document, notes: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    for node in document.descendants().filter(Node::is_element) {
        match node.tag_name().name() {
            "tr" if is_drawing(&node) => {
                let cells: Vec<String> = node
                    .children()
                    .filter(|cell| cell.tag_name().name() == "tc")
                    .map(|cell| normalize(&paragraph_text(cell)))
                    .filter(|text| !text.is_empty())
                    .collect();
                if !cells.is_empty() {
                    blocks.push(Block::Paragraph(cells.join(" | ")));
                }
            }
            "p" if is_drawing(&node) => {
                if node.ancestors().any(|a| a.tag_name().name() == "tbl") {
                    continue;
                }
                let placeholder = placeholder_type(&node);
                if notes
                    && matches!(
                        placeholder.as_deref(),
                        Some("sldImg" | "sldNum" | "hdr" | "ftr" | "dt")
                    )
                {
                    continue;
                }
                let text = normalize_lines(&paragraph_text(node));
                if text.is_empty() {
                    continue;
                }
                if matches!(placeholder.as_deref(), Some("title" | "ctrTitle")) && !notes {
                    blocks.push(Block::Heading(text.replace('\n', " ")));
                } else {
                    blocks.push(Block::Paragraph(text));
                }
            }
            _ => {}
        }
    }
    merge_title_lines(blocks)
}

/// A title typed on two lines is two paragraphs: one heading.
fn merge_title_lines(blocks: Vec<Block>) -> Vec<Block> {
    let mut merged: Vec<Block> = Vec::with_capacity(blocks.len());
    for block in blocks {
        match (merged.last_mut(), block) {
            (Some(Block::Heading(title)), Block::Heading(more)) => {
                title.push(' ');
                title.push_str(&more);
            }
            (_, block) => merged.push(block),
        }
    }
    merged
}

fn is_drawing(node: &Node) -> bool {
    node.tag_name().namespace() == Some("http://schemas.openxmlformats.org/drawingml/2006/main")
}

/// The placeholder type of the shape holding `node` (`title`, `body`…).
fn placeholder_type(node: &Node) -> Option<String> {
    let shape = node.ancestors().find(|a| a.tag_name().name() == "sp")?;
    let placeholder = shape.descendants().find(|n| n.tag_name().name() == "ph")?;
    Some(placeholder.attribute("type").unwrap_or("body").to_owned())
}

/// The text of the runs under `node`, line breaks kept.
fn paragraph_text(node: Node) -> String {
    let mut text = String::new();
    for child in node.descendants().filter(Node::is_element) {
        match child.tag_name().name() {
            "t" => text.push_str(child.text().unwrap_or_default()),
            "br" => text.push('\n'),
            "tab" => text.push(' '),
            "p" if !text.is_empty() && !text.ends_with('\n') => text.push('\n'),
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::fixtures::pptx;

    #[test]
    fn slides_are_pages_in_order_with_their_notes() {
        let deck = pptx(&[
            (
                "Strategy 2025",
                &["Grow services", "Enter two markets"],
                Some("Say the margin target: 24%."),
            ),
            ("Risks", &["Supply chain"], None),
        ]);
        let pages = pptx_pages(&deck, &Progress::default()).unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(
            pages[0],
            Page {
                number: Some(1),
                blocks: vec![
                    Block::Heading("Strategy 2025".into()),
                    Block::Paragraph("Grow services".into()),
                    Block::Paragraph("Enter two markets".into()),
                    Block::Heading("Notes".into()),
                    Block::Paragraph("Say the margin target: 24%.".into()),
                ]
            }
        );
        assert_eq!(pages[1].number, Some(2));
        assert_eq!(pages[1].blocks[0], Block::Heading("Risks".into()));
    }

    #[test]
    fn a_package_without_a_presentation_is_an_error() {
        let zip = crate::ingest::fixtures::zip_of(&[("notes.txt", b"hi")]);
        let error = pptx_pages(&zip, &Progress::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the presentation could not be read: it has no ppt/presentation.xml"
        );
    }
}
