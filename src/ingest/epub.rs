//! E-books (.epub): the chapters of the spine, in reading order, read as
//! HTML. A book has no fixed pages: it is one page without a number, its
//! chapters' headings giving each passage its place.

use std::sync::atomic::Ordering;

use super::html::html_blocks;
use super::package::{Package, parse, resolve};
use super::page::Progress;
use super::page::{Block, ExtractError, Page};

/// What it is, as said to its owner.
const KIND: &str = "e-book";
/// The most chapters read from one book.
pub const MAX_CHAPTERS: usize = 5_000;

/// The text of an e-book.
pub fn epub_pages(bytes: &[u8], progress: &Progress) -> Result<Vec<Page>, ExtractError> {
    let mut package = Package::open(bytes, KIND)?;
    let container = package
        .xml("META-INF/container.xml")?
        .ok_or_else(|| package.error("it has no META-INF/container.xml"))?;
    let container = parse(&container, KIND, "META-INF/container.xml")?;
    let root = container
        .descendants()
        .find(|node| node.tag_name().name() == "rootfile")
        .and_then(|node| node.attribute("full-path"))
        .ok_or_else(|| package.error("its container names no package file"))?
        .to_owned();
    let opf = package
        .xml(&root)?
        .ok_or_else(|| package.error(format!("it has no {root}")))?;
    let opf = parse(&opf, KIND, &root)?;
    let manifest: Vec<(&str, &str, &str)> = opf
        .descendants()
        .filter(|node| node.tag_name().name() == "item")
        .filter_map(|node| {
            Some((
                node.attribute("id")?,
                node.attribute("href")?,
                node.attribute("media-type").unwrap_or_default(),
            ))
        })
        .collect();
    let chapters: Vec<String> = opf
        .descendants()
        .filter(|node| node.tag_name().name() == "itemref")
        .filter_map(|node| node.attribute("idref"))
        .filter_map(|id| manifest.iter().find(|(item, _, _)| *item == id))
        .filter(|(_, _, media)| media.contains("html"))
        .map(|(_, href, _)| resolve(&root, &percent_decoded(href)))
        .collect();
    if chapters.len() > MAX_CHAPTERS {
        return Err(package.error(format!("it has more than {MAX_CHAPTERS} chapters")));
    }
    progress.pages_total.store(
        u32::try_from(chapters.len()).unwrap_or(u32::MAX).max(1),
        Ordering::Relaxed,
    );
    let mut blocks: Vec<Block> = Vec::new();
    for (done, chapter) in (1..).zip(&chapters) {
        if let Some(html) = package.text(chapter)? {
            blocks.extend(html_blocks(&html)?);
        }
        progress.pages_done.store(done, Ordering::Relaxed);
    }
    Ok(vec![Page {
        number: None,
        blocks,
    }])
}

/// `%20` and the like in a manifest's links, decoded.
fn percent_decoded(href: &str) -> String {
    let bytes = href.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%'
            && let Some(hex) = href.get(at + 1..at + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::fixtures::epub;

    #[test]
    fn chapters_are_read_in_spine_order() {
        let book = epub(&[("Chapter One", "It began."), ("Chapter Two", "It ended.")]);
        let pages = epub_pages(&book, &Progress::default()).unwrap();
        assert_eq!(
            pages,
            vec![Page {
                number: None,
                blocks: vec![
                    Block::Heading("Chapter One".into()),
                    Block::Paragraph("It began.".into()),
                    Block::Heading("Chapter Two".into()),
                    Block::Paragraph("It ended.".into()),
                ]
            }]
        );
        assert_eq!(percent_decoded("a%20b%zz"), "a b%zz");
    }
}
