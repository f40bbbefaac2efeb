//! What a document is: the company it is about, its kind (10-K, 10-Q,
//! earnings release, contract, …), its period and a title, read from its
//! file name and first pages. Search uses them to favour the documents a
//! question names ([`crate::search::route`]), and every passage carries
//! them as context in both indexes. Owners can correct them.

use super::extract::{Block, Page};
pub use crate::model::DocumentMetadata;

/// The longest value of one fact, in characters (an owner's edit is cut
/// here as well).
pub const MAX_VALUE_CHARS: usize = 200;

/// How many of the first pages are read for facts.
const PAGES_READ: usize = 3;

impl DocumentMetadata {
    /// What the document is, as one line of passage context: "Apple Inc. |
    /// 10-Q | 2023 Q3". The assistant's company stands in for the
    /// document's own when that is unknown.
    pub fn context(&self, assistant_company: &str) -> String {
        let company = self.company.as_deref().unwrap_or(assistant_company).trim();
        std::iter::once(company)
            .chain(
                [&self.kind, &self.period]
                    .into_iter()
                    .flatten()
                    .map(String::as_str),
            )
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// The facts with each value trimmed, cut to [`MAX_VALUE_CHARS`], and
    /// empty ones unknown.
    pub fn cleaned(self) -> Self {
        let clean = |value: Option<String>| {
            value
                .map(|v| {
                    let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
                    v.chars().take(MAX_VALUE_CHARS).collect::<String>()
                })
                .filter(|v| !v.is_empty())
        };
        Self {
            company: clean(self.company),
            kind: clean(self.kind),
            period: clean(self.period),
            title: clean(self.title),
        }
    }
}

/// The metadata of a document named `file_name` with these pages.
pub fn read_metadata(file_name: &str, pages: &[Page]) -> DocumentMetadata {
    let first: Vec<&str> = pages
        .iter()
        .take(PAGES_READ)
        .flat_map(|page| page.blocks.iter())
        .map(|block| match block {
            Block::Heading(text) | Block::Paragraph(text) => text.as_str(),
        })
        .collect();
    // Covers often space their words with no-break spaces.
    let text: String = first
        .join("\n")
        .chars()
        .map(|c| {
            if c.is_whitespace() && c != '\n' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let name = NameParts::of(file_name);
    let company = registrant(&text)
        .or_else(|| corporate_line(&text))
        .or(name.company.clone());
    // A file name's kind is the owner's word ("…_EARNINGS.pdf" though the
    // release names a Form 10-Q), unless it only says "annual report".
    let kind = match name.kind {
        Some(kind) if kind != "Annual report" => Some(kind),
        from_name => kind_in_text(&text).or(from_name),
    };
    let period = name
        .period
        .or_else(|| period_in_text(&text, kind.as_deref()));
    let title = match (&company, &kind, &period) {
        (None, None, None) => first_line(&first),
        _ => Some(
            [&company, &kind, &period]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
    };
    DocumentMetadata {
        company,
        kind,
        period,
        title,
    }
    .cleaned()
}

/// The company a file name names ("WALMART" of "WALMART_2018_10K.pdf",
/// "AAPL" of "2023 Q3 AAPL.pdf"), if any.
pub fn name_company(file_name: &str) -> Option<String> {
    NameParts::of(file_name).company
}

/// What a file name says: "WALMART_2018_10K.pdf", "2023 Q3 AAPL.pdf",
/// "JPMORGAN_2022Q2_10Q.pdf".
#[derive(Debug, Default, PartialEq)]
struct NameParts {
    company: Option<String>,
    kind: Option<String>,
    period: Option<String>,
}

impl NameParts {
    fn of(file_name: &str) -> Self {
        let stem = file_name
            .rsplit_once('.')
            .map_or(file_name, |(stem, _)| stem);
        let words = split_runs(stem);
        let mut parts = NameParts::default();
        let (mut year, mut quarter, mut date) = (None, None, None);
        let mut names = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let word = words[i].to_ascii_lowercase();
            let next = words.get(i + 1).map(|w| w.to_ascii_lowercase());
            if let Some(kind) = kind_word(&word, next.as_deref()) {
                parts.kind.get_or_insert(kind.0.to_owned());
                i += kind.1;
                continue;
            }
            if is_year(&word) {
                // A date: year, month, day.
                let month = words.get(i + 1).and_then(|w| w.parse::<u32>().ok());
                let day = words.get(i + 2).and_then(|w| w.parse::<u32>().ok());
                if let (Some(month @ 1..=12), Some(day @ 1..=31)) = (month, day) {
                    date.get_or_insert(format!("{word}-{month:02}-{day:02}"));
                    i += 3;
                    continue;
                }
                year.get_or_insert(word);
            } else if let Some(q) = quarter_word(&word, next.as_deref()) {
                quarter.get_or_insert(q);
                if word == "q" {
                    i += 1;
                }
            } else if word.chars().all(|c| c.is_ascii_alphabetic())
                && !matches!(word.as_str(), "dated" | "fy" | "final" | "copy" | "draft")
            {
                names.push(words[i].clone());
            }
            i += 1;
        }
        parts.period = match (year, quarter, date) {
            (Some(year), Some(q), _) => Some(format!("{year} Q{q}")),
            (Some(year), None, _) if parts.kind.as_deref() != Some("8-K") => {
                Some(format!("FY{year}"))
            }
            (_, _, Some(date)) => Some(date),
            (Some(year), None, None) => Some(year),
            _ => None,
        };
        if !names.is_empty() {
            parts.company = Some(names.join(" "));
        }
        parts
    }
}

/// Letters and digits of a name as separate runs: "2022Q2" → "2022",
/// "Q", "2"; "10K" → "10", "K".
fn split_runs(text: &str) -> Vec<String> {
    let mut runs: Vec<String> = Vec::new();
    let mut previous: Option<bool> = None;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            previous = None;
            continue;
        }
        let digit = c.is_ascii_digit();
        match runs.last_mut() {
            Some(run) if previous == Some(digit) => run.push(c),
            _ => runs.push(c.to_string()),
        }
        previous = Some(digit);
    }
    runs
}

fn is_year(word: &str) -> bool {
    word.len() == 4
        && (word.starts_with("19") || word.starts_with("20"))
        && word.chars().all(|c| c.is_ascii_digit())
}

/// "q" followed by 1-4 → the quarter.
fn quarter_word(word: &str, next: Option<&str>) -> Option<u8> {
    match (word, next) {
        ("q", Some(n @ ("1" | "2" | "3" | "4"))) => n.parse().ok(),
        _ => None,
    }
}

/// A kind named by a file name's runs, and how many runs it takes.
fn kind_word(word: &str, next: Option<&str>) -> Option<(&'static str, usize)> {
    Some(match (word, next) {
        ("10", Some("k")) => ("10-K", 2),
        ("10", Some("q")) => ("10-Q", 2),
        ("8", Some("k")) => ("8-K", 2),
        ("20", Some("f")) => ("20-F", 2),
        ("earnings", _) => ("Earnings release", 1),
        ("contract" | "agreement", _) => ("Contract", 1),
        ("annual", Some("report")) => ("Annual report", 2),
        _ => return None,
    })
}

/// The registrant of an SEC filing's cover page: the line before "(Exact
/// name of registrant as specified in its charter)".
fn registrant(text: &str) -> Option<String> {
    // (ASCII lowercase keeps byte offsets, so they index `text` too.)
    let lower = text.to_ascii_lowercase();
    let at = lower.find("exact name of registrant")?;
    // Back over the opening parenthesis, then take the last line before it.
    let before = text[..at].trim_end().trim_end_matches('(').trim_end();
    let line = before.lines().last()?.trim();
    // A table row can put the state and file number beside it: keep the
    // part that reads as a name.
    let name = line
        .split("  ")
        .map(str::trim)
        .find(|part| part.chars().any(char::is_alphabetic))?;
    let name = name.trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != ')');
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    (letters >= 2 && name.chars().count() <= 80).then(|| tidy_company(name))
}

/// "APPLE INC." → "Apple Inc."; names already in mixed case stay as they are.
fn tidy_company(name: &str) -> String {
    if name.chars().any(char::is_lowercase) {
        return name.to_owned();
    }
    name.split(' ')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                // Short words stay: initials and tickers ("CVS", "AMD").
                Some(first)
                    if word.len() > 3
                        || word.ends_with('.')
                        || word.ends_with(',')
                        || matches!(word, "THE" | "AND" | "OF") =>
                {
                    first
                        .to_uppercase()
                        .chain(chars.flat_map(char::to_lowercase))
                        .collect()
                }
                _ => word.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The form or kind a document's first pages name: the form named first
/// (a 10-Q's cover names it before any "Form 10-K" it refers to).
fn kind_in_text(text: &str) -> Option<String> {
    let compact: String = text
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let first_form = [
        ("form10-k", "10-K"),
        ("form10-q", "10-Q"),
        ("form8-k", "8-K"),
        ("form20-f", "20-F"),
    ]
    .into_iter()
    .filter_map(|(needle, kind)| compact.find(needle).map(|at| (at, kind)))
    .min();
    if let Some((_, kind)) = first_form {
        return Some(kind.to_owned());
    }
    let lower = text.to_lowercase();
    if lower.contains("annual report") {
        Some("Annual report".to_owned())
    } else if [
        "results for",
        "reports fourth",
        "reports first",
        "reports second",
        "reports third",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
        && lower.contains("quarter")
    {
        Some("Earnings release".to_owned())
    } else if lower.contains("this agreement") || lower.contains("agreement is made") {
        Some("Contract".to_owned())
    } else {
        None
    }
}

/// Last words that make a line a company's name.
const CORPORATE_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "corporation",
    "corp",
    "company",
    "co",
    "ltd",
    "limited",
    "plc",
    "llc",
    "nv",
    "sa",
    "ag",
    "se",
];

/// A cover without the "exact name of registrant" line: its first short
/// line that ends like a company's name ("MICROSOFT CORPORATION").
fn corporate_line(text: &str) -> Option<String> {
    text.lines()
        .take(60)
        .map(str::trim)
        .filter(|line| line.len() <= 80 && line.split_whitespace().count() <= 8)
        .find(|line| {
            let lower = line.to_lowercase();
            let last = lower
                .split(|c: char| !c.is_alphanumeric())
                .rfind(|w| !w.is_empty())
                .unwrap_or_default();
            CORPORATE_SUFFIXES.contains(&last)
                && !["commission", "exchange", "securities", "act"]
                    .iter()
                    .any(|word| lower.contains(word))
        })
        .map(tidy_company)
}

/// The period an SEC cover page states: "For the fiscal year ended January
/// 31, 2018" → "FY2018"; "For the quarterly period ended July 1, 2023" →
/// "quarter ended July 1, 2023".
fn period_in_text(text: &str, kind: Option<&str>) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for (needle, quarterly) in [
        ("fiscal year ended", false),
        ("quarterly period ended", true),
    ] {
        let Some(at) = lower.find(needle) else {
            continue;
        };
        let rest = &text[at + needle.len()..];
        let date: String = rest.chars().take(40).collect();
        let date = date.lines().next().unwrap_or_default().trim();
        let year = date
            .split(|c: char| !c.is_ascii_digit())
            .find(|word| is_year(word))?;
        let date_end = date.find(year).map_or(date.len(), |i| i + year.len());
        return Some(if quarterly {
            format!("quarter ended {}", &date[..date_end])
        } else {
            format!("FY{year}")
        });
    }
    if kind == Some("8-K") {
        let at = lower.find("date of report")?;
        let rest: String = text[at..].chars().take(80).collect();
        let year = rest
            .split(|c: char| !c.is_ascii_digit())
            .find(|word| is_year(word))?;
        return Some(year.to_owned());
    }
    None
}

/// The first short line of the first pages (for documents of no known kind).
fn first_line(blocks: &[&str]) -> Option<String> {
    blocks
        .iter()
        .flat_map(|block| block.lines())
        .map(str::trim)
        .find(|line| line.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .map(|line| line.chars().take(120).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(blocks: &[&str]) -> Page {
        Page {
            number: Some(1),
            blocks: blocks
                .iter()
                .map(|text| Block::Paragraph((*text).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn file_names_give_company_kind_and_period() {
        let facts = |name| {
            let parts = NameParts::of(name);
            (parts.company, parts.kind, parts.period)
        };
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            facts("WALMART_2018_10K.pdf"),
            (some("WALMART"), some("10-K"), some("FY2018"))
        );
        assert_eq!(
            facts("2023 Q3 AAPL.pdf"),
            (some("AAPL"), None, some("2023 Q3"))
        );
        assert_eq!(
            facts("JPMORGAN_2022Q2_10Q.pdf"),
            (some("JPMORGAN"), some("10-Q"), some("2022 Q2"))
        );
        assert_eq!(
            facts("FOOTLOCKER_2022_8K_dated_2022-08-19.pdf"),
            (some("FOOTLOCKER"), some("8-K"), some("2022-08-19"))
        );
        assert_eq!(
            facts("MGMRESORTS_2022Q4_EARNINGS.pdf"),
            (
                some("MGMRESORTS"),
                some("Earnings release"),
                some("2022 Q4")
            )
        );
        assert_eq!(facts("notes.txt"), (some("notes"), None, None));
        assert_eq!(facts(""), (None, None, None));
    }

    #[test]
    fn a_cover_page_gives_registrant_form_and_period() {
        let pages = [page(&[
            "UNITED STATES\nSECURITIES AND EXCHANGE COMMISSION",
            "FORM 10-Q",
            "(Mark One)\n☒ QUARTERLY REPORT PURSUANT TO SECTION 13 OR 15(d)\nFor the quarterly period ended July 1, 2023",
            "Apple Inc.\n(Exact name of registrant as specified in its charter)",
        ])];
        let facts = read_metadata("2023 Q3 AAPL.pdf", &pages);
        assert_eq!(facts.company.as_deref(), Some("Apple Inc."));
        assert_eq!(facts.kind.as_deref(), Some("10-Q"));
        // The file name's period is more precise than the cover's date.
        assert_eq!(facts.period.as_deref(), Some("2023 Q3"));
        assert_eq!(facts.title.as_deref(), Some("Apple Inc. 10-Q 2023 Q3"));
        assert_eq!(facts.context("Acme"), "Apple Inc. | 10-Q | 2023 Q3");
        let unknown = DocumentMetadata {
            company: None,
            ..facts
        };
        assert_eq!(unknown.context("Acme"), "Acme | 10-Q | 2023 Q3");
        assert_eq!(DocumentMetadata::default().context(""), "");

        let pages = [page(&[
            "FORM 10-K\nFor the fiscal year ended January 31, 2018",
            "WALMART INC.\n(Exact name of registrant as specified in its charter)",
        ])];
        let facts = read_metadata("report.pdf", &pages);
        assert_eq!(facts.company.as_deref(), Some("Walmart Inc."));
        assert_eq!(facts.period.as_deref(), Some("FY2018"));
    }

    #[test]
    fn covers_spaced_with_no_break_spaces_or_without_the_registrant_line() {
        let pages = [page(&[
            "FORM\u{a0}10-K",
            "For\u{a0}the\u{a0}fiscal\u{a0}year\u{a0}ended\u{a0}December\u{a0}31,\u{a0}2018",
            "THE CVS HEALTH CORPORATION\n(Exact\u{a0}name\u{a0}of\u{a0}registrant\u{a0}as\u{a0}specified\u{a0}in\u{a0}its\u{a0}charter)",
        ])];
        let metadata = read_metadata("report.pdf", &pages);
        assert_eq!(
            metadata.company.as_deref(),
            Some("The CVS Health Corporation")
        );
        assert_eq!(metadata.period.as_deref(), Some("FY2018"));
        let pages = [page(&[
            "SECURITIES AND EXCHANGE COMMISSION",
            "FORM 10-Q\nFor the Quarterly Period Ended December 31, 2022",
            "Commission File Number 001-37845",
            "MICROSOFT CORPORATION\nWASHINGTON 91-1144442",
            "Information in our Form 10-K for the year",
        ])];
        let metadata = read_metadata("2023 Q2 MSFT.pdf", &pages);
        assert_eq!(metadata.company.as_deref(), Some("Microsoft Corporation"));
        assert_eq!(
            metadata.kind.as_deref(),
            Some("10-Q"),
            "the first form named"
        );
        assert_eq!(metadata.period.as_deref(), Some("2023 Q2"));
    }

    #[test]
    fn documents_of_no_known_kind_get_a_title_and_hostile_text_is_bounded() {
        let facts = read_metadata("", &[page(&["", "  Master services terms  "])]);
        assert_eq!(facts.title.as_deref(), Some("Master services terms"));
        assert_eq!(facts.kind, None);
        let long = "X".repeat(10_000);
        let facts = read_metadata(
            &format!("{long}.pdf"),
            &[page(&[&format!(
                "{long}\n(Exact name of registrant as specified in its charter)"
            )])],
        );
        assert!(facts.company.unwrap().chars().count() <= MAX_VALUE_CHARS);
        assert_eq!(read_metadata("a.pdf", &[]).kind, None);
        // Letters whose lowercase is longer do not shift what is cut out.
        let facts = read_metadata(
            "",
            &[page(&[
                "İİİ Acme İnc.\n(Exact name of registrant as specified in its charter)\nFor the fiscal year ended İ 2019",
            ])],
        );
        assert_eq!(facts.company.as_deref(), Some("İİİ Acme İnc."));
        assert_eq!(facts.period.as_deref(), Some("FY2019"));
    }
}
