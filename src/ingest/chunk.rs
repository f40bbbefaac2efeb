//! Passages that follow the document: a passage never crosses a page end,
//! gathers whole paragraphs up to a target size, and splits an overlong
//! paragraph at sentence ends. A heading starts a new passage unless the
//! one gathered so far is short: then it joins it, so short sections (and
//! headings detected inside a table) do not become fragments too small to
//! be found. Each passage knows its page and the heading it began under.

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
    // The heading in effect, and the one the passage being gathered began under.
    let mut latest = String::new();
    let mut heading = String::new();
    for page in pages {
        let first_of_page = out.len();
        let mut current = String::new();
        // Where the headings that no text has followed yet begin in
        // `current`: if their text does not fit, they move on with it.
        let mut open_headings: Option<usize> = None;
        for block in &page.blocks {
            let pieces = match block {
                Block::Heading(text) => {
                    // Copied into every passage under it: never overlong
                    // (`extract` has already cut such headings).
                    latest = super::extract::cut_heading(text).0.to_owned();
                    // A heading starts a passage, unless the one gathered so
                    // far is short: a run of short sections (or a heading
                    // detected in a table) stays together.
                    if current.len() >= TARGET_CHARS / 2 {
                        flush(&mut out, page.number, &heading, &mut current);
                        open_headings = None;
                    }
                    vec![text.as_str()]
                }
                Block::Paragraph(text) => split_long(text),
            };
            for piece in pieces {
                // (Headings alone are never a passage: their text joins them.)
                // (A run of headings longer than a passage is one, though.)
                let only_headings = open_headings == Some(0);
                if !current.is_empty()
                    && (!only_headings || current.len() >= TARGET_CHARS)
                    && current.len() + piece.len() + 1 > TARGET_CHARS
                {
                    let carried = open_headings
                        .filter(|_| !only_headings)
                        .map(|start| {
                            let carried = current.split_off(start);
                            current.pop(); // the line break before them
                            carried
                        })
                        .unwrap_or_default();
                    flush(&mut out, page.number, &heading, &mut current);
                    open_headings = (!carried.is_empty()).then_some(0);
                    if let Some(first) = carried.lines().next() {
                        heading = first.to_owned();
                    }
                    current = carried;
                }
                if current.is_empty() {
                    heading.clone_from(&latest);
                } else {
                    current.push('\n');
                }
                if matches!(block, Block::Heading(_)) {
                    open_headings.get_or_insert(current.len());
                } else {
                    open_headings = None;
                }
                current.push_str(piece);
            }
        }
        flush(&mut out, page.number, &heading, &mut current);
        merge_short_tail(&mut out, first_of_page);
        add_table_context(page, &mut out[first_of_page..]);
    }
    out
}

/// Names of financial statements: a page that starts with one is that
/// statement, and every passage cut from it says so.
const STATEMENT_NAMES: &[&str] = &[
    "statements of cash flows",
    "statement of cash flows",
    "balance sheets",
    "balance sheet",
    "statements of financial position",
    "statement of financial position",
    "statements of operations",
    "statement of operations",
    "statements of income",
    "statement of income",
    "statements of earnings",
    "statement of earnings",
    "statements of comprehensive income",
    "statements of stockholders",
    "statements of shareholders",
    "statements of changes in equity",
    "statements of financial condition",
];

/// Lines at the top of a page searched for its statement name and columns.
const TOP_LINES: usize = 12;

/// What a table's context adds to a heading is joined to it by this.
const CONTEXT_SEPARATOR: &str = " · ";

/// How the columns' years begin in a table's context.
const COLUMNS: &str = "columns ";

/// Gives the passages of a page that holds a table what they lose when
/// the table is cut: the statement's name (when a passage does not hold
/// it) and the columns' years ("columns 2019 | 2018 | 2017"), added to
/// their heading, which both indexes read with the text.
fn add_table_context(page: &Page, passages: &mut [Passage]) {
    let top: Vec<&str> = page
        .blocks
        .iter()
        .flat_map(|block| match block {
            Block::Heading(text) | Block::Paragraph(text) => text.lines(),
        })
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(TOP_LINES)
        .collect();
    // A title, not a sentence that mentions a statement.
    let statement = top.iter().find(|line| {
        let lower = line.to_lowercase();
        line.len() <= 100
            && line.split_whitespace().count() <= 12
            && !line.ends_with('.')
            && STATEMENT_NAMES.iter().any(|name| lower.contains(name))
    });
    let columns = top.iter().find_map(|line| {
        let years = years_of(line);
        (years.len() >= 2 && line.len() <= 200).then(|| years.join(" | "))
    });
    for passage in passages {
        let mut extra = Vec::new();
        if let Some(statement) = statement
            && !passage.text.contains(*statement)
            && !passage.heading.contains(*statement)
        {
            extra.push((*statement).to_owned());
        }
        if let Some(columns) = &columns
            && looks_tabular(&passage.text)
        {
            extra.push(format!("{COLUMNS}{columns}"));
        }
        if !extra.is_empty() {
            let heading = std::iter::once(passage.heading.as_str())
                .filter(|h| !h.is_empty())
                .chain(extra.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(CONTEXT_SEPARATOR);
            passage.heading = super::extract::cut_heading(&heading).0.to_owned();
        }
    }
}

/// The distinct years (1900-2099) a line names, in order.
fn years_of(line: &str) -> Vec<&str> {
    let mut years: Vec<&str> = Vec::new();
    for word in line.split(|c: char| !c.is_ascii_digit()) {
        let is_year = word.len() == 4 && (word.starts_with("19") || word.starts_with("20"));
        if is_year && !years.contains(&word) {
            years.push(word);
        }
    }
    years
}

/// Whether a passage reads as table rows: most of its lines end in a number.
fn looks_tabular(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let numeric = lines
        .iter()
        .filter(|line| {
            line.trim_end_matches([')', '%', '—', '-', ' '])
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .count();
    lines.len() >= 3 && numeric * 2 >= lines.len()
}

/// Joins a page's last passage to the one before it when it is short (a
/// page footer, the end of a table), of the same section, and the two fit
/// in one.
fn merge_short_tail(out: &mut Vec<Passage>, first_of_page: usize) {
    if out.len() < first_of_page + 2 {
        return;
    }
    let last = &out[out.len() - 1];
    let before = &out[out.len() - 2];
    if last.heading == before.heading
        && last.text.len() < TARGET_CHARS / 4
        && before.text.len() + last.text.len() < MAX_CHARS
    {
        let tail = out.pop().map(|passage| passage.text).unwrap_or_default();
        if let Some(before) = out.last_mut() {
            before.text.push('\n');
            before.text.push_str(&tail);
        }
    }
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

/// A passage's heading without the columns' years its table context
/// added ("columns 2019 | 2018"): what the semantic index reads, where a
/// list of years would crowd out the passage's own words.
pub fn heading_without_columns(heading: &str) -> String {
    heading
        .split(CONTEXT_SEPARATOR)
        .filter(|part| !part.starts_with(COLUMNS))
        .collect::<Vec<_>>()
        .join(CONTEXT_SEPARATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(number: Option<u32>, blocks: Vec<Block>) -> Page {
        Page { number, blocks }
    }

    fn paragraph(length: usize) -> Block {
        Block::Paragraph("word ".repeat(length / 5).trim_end().to_owned())
    }

    #[test]
    fn sections_of_substance_start_passages_and_pages_always_do() {
        let pages = vec![
            page(
                Some(1),
                vec![
                    Block::Heading("Intro".into()),
                    paragraph(600),
                    Block::Heading("Risks".into()),
                    Block::Paragraph("d".into()),
                ],
            ),
            page(Some(2), vec![Block::Paragraph("e".into())]),
        ];
        let out = passages(&pages);
        let summary: Vec<(Option<u32>, &str, usize)> = out
            .iter()
            .map(|p| (p.page, p.heading.as_str(), p.text.len()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (Some(1), "Intro", 605),
                (Some(1), "Risks", 7),
                (Some(2), "Risks", 1)
            ]
        );
    }

    #[test]
    fn short_sections_stay_together_with_their_headings_in_the_text() {
        let pages = vec![page(
            Some(1),
            vec![
                Block::Heading("Revenue".into()),
                Block::Paragraph("Total revenue 17,606".into()),
                Block::Heading("OPERATING EXPENSES".into()),
                Block::Paragraph("Research and development 2,987".into()),
            ],
        )];
        assert_eq!(
            passages(&pages),
            vec![Passage {
                page: Some(1),
                heading: "Revenue".into(),
                text: "Revenue\nTotal revenue 17,606\nOPERATING EXPENSES\nResearch and development 2,987"
                    .into()
            }]
        );
    }

    #[test]
    fn a_heading_moves_on_with_its_text_and_is_never_a_passage_alone() {
        let pages = vec![page(
            Some(3),
            vec![
                Block::Heading("Summary".into()),
                Block::Paragraph("Short.".into()),
                Block::Heading("RISK FACTORS".into()),
                Block::Heading("Market risks".into()),
                paragraph(995),
                Block::Heading("Legal".into()),
                paragraph(1200),
            ],
        )];
        let out = passages(&pages);
        let starts: Vec<(&str, String)> = out
            .iter()
            .map(|p| (p.heading.as_str(), p.text.chars().take(25).collect()))
            .collect();
        assert_eq!(
            starts,
            vec![
                ("Summary", "Summary\nShort.".to_owned()),
                ("RISK FACTORS", "RISK FACTORS\nMarket risks".to_owned()),
                ("Legal", "Legal\nword word word word".to_owned()),
            ]
        );
    }

    #[test]
    fn a_short_end_of_page_joins_the_passage_before_it() {
        let pages = vec![page(
            Some(7),
            vec![
                paragraph(900),
                Block::Paragraph("Table of Contents 7".into()),
            ],
        )];
        let out = passages(&pages);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(out[0].text.ends_with("\nTable of Contents 7"));
        // A long end of page stays a passage of its own.
        let pages = vec![page(Some(7), vec![paragraph(900), paragraph(600)])];
        assert_eq!(passages(&pages).len(), 2);
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
    fn a_long_run_of_headings_does_not_make_one_giant_passage() {
        let headings: Vec<Block> = (0..1000)
            .map(|i| Block::Heading(format!("Heading number {i} of a long table of contents")))
            .collect();
        let out = passages(&[page(Some(1), headings)]);
        assert!(out.len() > 10, "{}", out.len());
        for passage in &out {
            assert!(
                passage.text.len() <= TARGET_CHARS + 100,
                "{}",
                passage.text.len()
            );
        }
        let all: usize = out.iter().map(|p| p.text.lines().count()).sum();
        assert_eq!(all, 1000, "no heading lost");
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
    fn passages_cut_from_a_statement_keep_its_name_and_columns() {
        let rows = |from: usize| -> String {
            (from..from + 30)
                .map(|i| format!("Line item number {i} 1,{i:03} 2,{i:03} 3,{i:03}\n"))
                .collect()
        };
        let pages = vec![page(
            Some(7),
            vec![
                Block::Heading("CONSOLIDATED STATEMENTS OF CASH FLOWS".into()),
                Block::Paragraph("(In millions) Year ended December 31, 2019 2018 2017".into()),
                Block::Paragraph(rows(0)),
                Block::Heading("Cash flows from investing activities:".into()),
                Block::Paragraph(rows(30)),
            ],
        )];
        let cut = passages(&pages);
        assert!(cut.len() >= 3, "{cut:?}");
        // The first passage holds the name and the columns' line itself.
        assert_eq!(cut[0].heading, "CONSOLIDATED STATEMENTS OF CASH FLOWS");
        assert!(cut[0].text.contains("2019 2018 2017"));
        // Rows cut from it get the columns.
        assert_eq!(
            cut[1].heading,
            "CONSOLIDATED STATEMENTS OF CASH FLOWS · columns 2019 | 2018 | 2017"
        );
        // One under a later heading gets the statement's name too.
        assert_eq!(
            cut.last().map(|p| p.heading.as_str()),
            Some(
                "Cash flows from investing activities: · CONSOLIDATED STATEMENTS OF CASH FLOWS · columns 2019 | 2018 | 2017"
            )
        );
        // Prose pages are left alone.
        let prose = vec![page(
            Some(1),
            vec![Block::Paragraph(
                "Revenue grew in 2019 and 2018 because of demand.\nOur balance sheet is strong."
                    .into(),
            )],
        )];
        assert_eq!(passages(&prose)[0].heading, "");
        // The semantic index reads the statement's name, not the years.
        assert_eq!(
            heading_without_columns(&cut[1].heading),
            "CONSOLIDATED STATEMENTS OF CASH FLOWS"
        );
        assert_eq!(
            heading_without_columns(&cut[cut.len() - 1].heading),
            "Cash flows from investing activities: · CONSOLIDATED STATEMENTS OF CASH FLOWS"
        );
        assert_eq!(
            heading_without_columns("Columns of text"),
            "Columns of text"
        );
    }
}
