//! Passages that follow the document: a passage never crosses a heading or a
//! page end, gathers whole paragraphs up to a target size, and splits an
//! overlong paragraph at sentence ends. Each knows its page and heading.

use super::extract::{Block, Page};

/// Passages aim for this many characters.
pub const TARGET_CHARS: usize = 1000;
/// A single paragraph longer than this is split at sentence ends.
const MAX_CHARS: usize = 1600;

/// A passage of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub page: Option<u32>,
    pub heading: String,
    pub text: String,
}

/// Cuts pages into passages.
pub fn passages(pages: &[Page]) -> Vec<Passage> {
    let mut out = Vec::new();
    let mut heading = String::new();
    for page in pages {
        let mut current = String::new();
        for block in &page.blocks {
            match block {
                Block::Heading(text) => {
                    flush(&mut out, page.number, &heading, &mut current);
                    heading.clone_from(text);
                }
                Block::Paragraph(text) => {
                    for piece in split_long(text) {
                        if !current.is_empty() && current.len() + piece.len() + 1 > TARGET_CHARS {
                            flush(&mut out, page.number, &heading, &mut current);
                        }
                        if !current.is_empty() {
                            current.push('\n');
                        }
                        current.push_str(piece);
                    }
                }
            }
        }
        flush(&mut out, page.number, &heading, &mut current);
    }
    out
}

fn flush(out: &mut Vec<Passage>, page: Option<u32>, heading: &str, current: &mut String) {
    if !current.trim().is_empty() {
        out.push(Passage {
            page,
            heading: heading.to_owned(),
            text: std::mem::take(current),
        });
    }
    current.clear();
}

/// Splits a paragraph longer than `MAX_CHARS` at sentence ends (or, failing
/// that, at spaces) into pieces of about `TARGET_CHARS`.
fn split_long(text: &str) -> Vec<&str> {
    if text.len() <= MAX_CHARS {
        return vec![text];
    }
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > MAX_CHARS {
        let window = floor_char_boundary(rest, TARGET_CHARS);
        let cut = rest[..window]
            .rfind(". ")
            .map(|i| i + 1)
            .filter(|i| *i > TARGET_CHARS / 3)
            .or_else(|| rest[..window].rfind(' '))
            .unwrap_or(window)
            .max(1);
        let cut = floor_char_boundary(rest, cut).max(rest.chars().next().map_or(1, char::len_utf8));
        pieces.push(rest[..cut].trim());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// What the keyword index holds for a passage: its text with its context,
/// so a question that names the document, company or section matches.
/// Numbers lose their grouping commas, as they do in questions.
pub fn indexed_text(document: &str, company: &str, passage: &Passage) -> String {
    let stem = document
        .rsplit_once('.')
        .map_or(document, |(stem, _)| stem)
        .replace(['_', '-'], " ");
    let indexed = format!("{stem} | {company} | {}\n{}", passage.heading, passage.text);
    crate::search::query::remove_thousands_separators(&indexed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(number: Option<u32>, blocks: Vec<Block>) -> Page {
        Page { number, blocks }
    }

    #[test]
    fn passages_break_at_headings_and_pages_and_carry_them() {
        let pages = vec![
            page(
                Some(1),
                vec![
                    Block::Heading("Intro".into()),
                    Block::Paragraph("a".into()),
                    Block::Paragraph("b".into()),
                ],
            ),
            page(
                Some(2),
                vec![
                    Block::Paragraph("c".into()),
                    Block::Heading("Risks".into()),
                    Block::Paragraph("d".into()),
                ],
            ),
        ];
        let out = passages(&pages);
        assert_eq!(
            out,
            vec![
                Passage {
                    page: Some(1),
                    heading: "Intro".into(),
                    text: "a\nb".into()
                },
                Passage {
                    page: Some(2),
                    heading: "Intro".into(),
                    text: "c".into()
                },
                Passage {
                    page: Some(2),
                    heading: "Risks".into(),
                    text: "d".into()
                },
            ]
        );
    }

    #[test]
    fn paragraphs_gather_up_to_the_target_and_long_ones_split_at_sentences() {
        let sentence = "The company reported strong results this year. ";
        let long = sentence.repeat(80);
        let out = passages(&[page(None, vec![Block::Paragraph(long.trim().to_owned())])]);
        assert!(out.len() > 2);
        for passage in &out {
            assert!(passage.text.len() <= MAX_CHARS, "{}", passage.text.len());
            assert!(
                passage.text.ends_with('.'),
                "cut at a sentence end: {:?}",
                &passage.text[passage.text.len() - 10..]
            );
        }
        let joined: String = out
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            joined.split_whitespace().count(),
            long.split_whitespace().count(),
            "no words lost"
        );
    }

    #[test]
    fn unbroken_text_and_multibyte_characters_split_safely() {
        let out = passages(&[page(None, vec![Block::Paragraph("é".repeat(3000))])]);
        assert_eq!(
            out.iter().map(|p| p.text.chars().count()).sum::<usize>(),
            3000
        );
    }

    #[test]
    fn the_index_carries_document_company_and_heading() {
        let passage = Passage {
            page: Some(3),
            heading: "Cash flows".into(),
            text: "Capex rose to 1,577.".into(),
        };
        assert_eq!(
            indexed_text("3M_2018_10K.pdf", "3M", &passage),
            "3M 2018 10K | 3M | Cash flows\nCapex rose to 1577."
        );
    }
}
