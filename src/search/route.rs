//! Which of an assistant's documents a question is about: the companies,
//! years, quarters and kinds of document it names, matched against each
//! document's metadata and file name. Search reads the documents a
//! question points at first ([`super::search`]).

use std::ops::Range;

use crate::ingest::metadata::name_company;
use crate::model::DocumentMetadata;

/// A document as routing sees it.
#[derive(Debug, Clone)]
pub struct RoutedDocument {
    pub id: i64,
    /// Its file name.
    pub name: String,
    pub metadata: DocumentMetadata,
}

/// The documents a question points at, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    /// Their ids; empty when the question points at none in particular
    /// (or at all of them).
    pub documents: Vec<i64>,
    /// What narrowed them down: "company", "year", "quarter", "kind",
    /// "latest".
    pub by: Vec<&'static str>,
    /// The question's words that named the company (lowercase), when it
    /// narrowed them down: within those documents they tell nothing apart.
    pub company_words: Vec<String>,
}

/// Words of a company name that do not tell companies apart.
const COMPANY_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "company",
    "co",
    "ltd",
    "limited",
    "plc",
    "llc",
    "lp",
    "holdings",
    "group",
    "the",
    "sa",
    "ag",
    "nv",
    "se",
    "com",
    "and",
];

/// First words of company names too common to name one alone.
const COMMON_FIRST_WORDS: &[&str] = &[
    "american",
    "general",
    "united",
    "first",
    "national",
    "international",
    "global",
    "new",
    "north",
    "south",
    "east",
    "west",
    "great",
    "royal",
    "bank",
    "china",
    "us",
    "best",
];

/// The documents among `documents` that `question` names (see the module).
pub fn route(question: &str, documents: &[RoutedDocument]) -> Route {
    if documents.len() < 2 {
        return Route::default();
    }
    let words = words(question);
    let mut candidates: Vec<&RoutedDocument> = documents.iter().collect();
    let mut by = Vec::new();

    let word_refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut company_words: Vec<String> = Vec::new();
    let named: Vec<&RoutedDocument> = candidates
        .iter()
        .copied()
        .filter(|document| match mention_of(&word_refs, document) {
            Some((from, count)) => {
                company_words.extend(words[from..from + count].iter().cloned());
                true
            }
            None => false,
        })
        .collect();
    narrow(&mut candidates, named, "company", &mut by);
    if !by.contains(&"company") {
        company_words.clear();
    }
    company_words.sort();
    company_words.dedup();

    let years = question_years(&words);
    if !years.is_empty() {
        let matching = candidates
            .iter()
            .copied()
            .filter(|d| period_of(d).0.iter().any(|year| years.contains(year)))
            .collect();
        narrow(&mut candidates, matching, "year", &mut by);
    }
    let quarters = question_quarters(&words);
    if !quarters.is_empty() {
        let matching = candidates
            .iter()
            .copied()
            .filter(|d| period_of(d).1.is_some_and(|q| quarters.contains(&q)))
            .collect();
        narrow(&mut candidates, matching, "quarter", &mut by);
    }
    if let Some(kinds) = question_kinds(&words) {
        let matching = candidates
            .iter()
            .copied()
            .filter(|d| {
                d.metadata
                    .kind
                    .as_deref()
                    .is_some_and(|kind| kinds.contains(&kind))
            })
            .collect();
        narrow(&mut candidates, matching, "kind", &mut by);
    }
    if years.is_empty() && asks_for_latest(&words) {
        let newest = candidates.iter().map(|d| period_key(d)).max();
        if let Some(newest) = newest.filter(|key| key.0 > 0) {
            let matching = candidates
                .iter()
                .copied()
                .filter(|d| period_key(d) == newest)
                .collect();
            narrow(&mut candidates, matching, "latest", &mut by);
        }
    }
    if candidates.len() == documents.len() {
        return Route::default();
    }
    Route {
        documents: candidates.iter().map(|d| d.id).collect(),
        by,
        company_words,
    }
}

/// Keeps `matching` as the candidates when it is a non-empty part of them.
fn narrow<'d>(
    candidates: &mut Vec<&'d RoutedDocument>,
    matching: Vec<&'d RoutedDocument>,
    reason: &'static str,
    by: &mut Vec<&'static str>,
) {
    if !matching.is_empty() && matching.len() < candidates.len() {
        *candidates = matching;
        by.push(reason);
    }
}

/// Lowercase words and numbers, split like the keyword index splits, with
/// letters and digits apart ("FY2019" → "fy", "2019"; "10-K" → "10", "k").
fn words(text: &str) -> Vec<String> {
    spanned_words(text)
        .into_iter()
        .map(|(word, _)| word)
        .collect()
}

/// [`words`] with where each is in `text` (byte ranges).
fn spanned_words(text: &str) -> Vec<(String, Range<usize>)> {
    let mut words: Vec<(String, Range<usize>)> = Vec::new();
    let mut previous: Option<bool> = None;
    for (at, c) in text.char_indices() {
        if !c.is_alphanumeric() {
            previous = None;
            continue;
        }
        let digit = c.is_ascii_digit();
        let end = at + c.len_utf8();
        match words.last_mut() {
            Some((word, span)) if previous == Some(digit) => {
                word.extend(c.to_lowercase());
                span.end = end;
            }
            _ => words.push((c.to_lowercase().collect(), at..end)),
        }
        previous = Some(digit);
    }
    words
}

/// Where `text` names the company of each of `documents`: the byte range
/// and the document's id. A company is named by the distinctive words of
/// its name in a row ("Activision Blizzard"), its first word when
/// distinctive ("JPMorgan" for "JPMorgan Chase & Co."), or the company of
/// its file name, whose words may run together ("AMERICANWATERWORKS",
/// "AAPL").
pub fn company_mentions(text: &str, documents: &[RoutedDocument]) -> Vec<(Range<usize>, i64)> {
    let spanned = spanned_words(text);
    let words: Vec<&str> = spanned.iter().map(|(word, _)| word.as_str()).collect();
    let mut mentions = Vec::new();
    for document in documents {
        if let Some((from, count)) = mention_of(&words, document) {
            let range = spanned[from].1.start..spanned[from + count - 1].1.end;
            mentions.push((range, document.id));
        }
    }
    mentions
}

/// The first mention of the document's company among `words`: (index, count).
fn mention_of(words: &[&str], document: &RoutedDocument) -> Option<(usize, usize)> {
    if let Some(company) = &document.metadata.company {
        let name: Vec<String> = self::words(company)
            .into_iter()
            .filter(|w| !COMPANY_SUFFIXES.contains(&w.as_str()))
            .collect();
        if !name.is_empty()
            && let Some(at) = words.windows(name.len()).position(|window| window == name)
        {
            return Some((at, name.len()));
        }
        if let Some(first) = name.first()
            && first.chars().count() >= 4
            && first.chars().all(char::is_alphabetic)
            && !COMMON_FIRST_WORDS.contains(&first.as_str())
            && let Some(at) = words.iter().position(|w| w == first)
        {
            return Some((at, 1));
        }
    }
    let key: String = self::words(&name_company(&document.name)?).concat();
    if key.chars().count() < 3 || key.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    (1..=4).find_map(|n| {
        words
            .windows(n)
            .position(|window| window.concat() == key)
            .map(|at| (at, n))
    })
}

/// Years a text names (1900-2099).
pub fn years_in(text: &str) -> Vec<i32> {
    question_years(&words(text))
}

/// Years the question names (1900-2099).
fn question_years(words: &[String]) -> Vec<i32> {
    words.iter().filter_map(|word| year(word)).collect()
}

fn year(word: &str) -> Option<i32> {
    (word.len() == 4 && (word.starts_with("19") || word.starts_with("20")))
        .then(|| word.parse().ok())
        .flatten()
}

/// Quarters the question names: "Q3", "third quarter".
fn question_quarters(words: &[String]) -> Vec<u8> {
    let mut quarters = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let next = words.get(i + 1).map(String::as_str);
        let quarter = match (word.as_str(), next) {
            ("q", Some(n @ ("1" | "2" | "3" | "4"))) => n.parse().ok(),
            ("first", Some("quarter")) => Some(1),
            ("second", Some("quarter")) => Some(2),
            ("third", Some("quarter")) => Some(3),
            ("fourth", Some("quarter")) => Some(4),
            _ => None,
        };
        quarters.extend(quarter);
    }
    quarters
}

/// The kinds of document the question names, as metadata writes them.
fn question_kinds(words: &[String]) -> Option<&'static [&'static str]> {
    let pair = |a: &str, b: &str| words.windows(2).any(|w| w[0] == a && w[1] == b);
    if pair("10", "k") || pair("annual", "report") {
        Some(&["10-K", "Annual report"])
    } else if pair("10", "q") || pair("quarterly", "report") {
        Some(&["10-Q"])
    } else if pair("8", "k") {
        Some(&["8-K"])
    } else if words.iter().any(|w| w == "earnings") {
        Some(&["Earnings release"])
    } else {
        None
    }
}

/// "The latest", "the most recent", unless compared with earlier ones
/// ("… compared to previous quarters", "over time"). Comparing two things
/// of the latest filing ("how does revenue compare with marketing
/// expenses") still asks for the latest alone.
fn asks_for_latest(words: &[String]) -> bool {
    let latest = words
        .iter()
        .any(|w| matches!(w.as_str(), "latest" | "newest" | "recent"));
    let earlier = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "previous" | "prior" | "earlier" | "trend" | "trends" | "time"
        )
    });
    latest && !earlier
}

/// The years and the quarter of a document's period.
fn period_of(document: &RoutedDocument) -> (Vec<i32>, Option<u8>) {
    let Some(period) = &document.metadata.period else {
        return (Vec::new(), None);
    };
    let words = words(period);
    let years = question_years(&words);
    let quarter = question_quarters(&words).first().copied();
    (years, quarter)
}

/// A document's period as (year, quarter) to compare ("latest").
fn period_key(document: &RoutedDocument) -> (i32, u8) {
    let (years, quarter) = period_of(document);
    (
        years.iter().copied().max().unwrap_or(0),
        quarter.unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(company: &str, kind: &str, period: &str) -> DocumentMetadata {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        DocumentMetadata {
            company: some(company),
            kind: some(kind),
            period: some(period),
            title: None,
        }
    }

    fn documents(list: &[(&str, DocumentMetadata)]) -> Vec<RoutedDocument> {
        list.iter()
            .enumerate()
            .map(|(i, (name, metadata))| RoutedDocument {
                id: i as i64,
                name: (*name).to_owned(),
                metadata: metadata.clone(),
            })
            .collect()
    }

    fn routed(question: &str, list: &[(&str, DocumentMetadata)]) -> Vec<i64> {
        route(question, &documents(list)).documents
    }

    #[test]
    fn a_named_company_and_year_pick_the_filing() {
        let filings = [
            (
                "WALMART_2018_10K.pdf",
                metadata("Walmart Inc.", "10-K", "FY2018"),
            ),
            (
                "NIKE_2023_10K.pdf",
                metadata("NIKE, Inc.", "10-K", "FY2023"),
            ),
            (
                "WALMART_2017_10K.pdf",
                metadata("Wal-Mart Stores, Inc.", "10-K", "FY2017"),
            ),
        ];
        assert_eq!(
            routed("What was Walmart's total revenue in fiscal 2018?", &filings),
            [0]
        );
        assert_eq!(routed("What about Walmart?", &filings), [0, 2]);
        assert_eq!(routed("Nike's gross margin", &filings), [1]);
        // Nothing named: every document stays in.
        assert!(routed("What were total revenues?", &filings).is_empty());
        // A year no filing has does not empty the assistant.
        assert_eq!(routed("Walmart in 1999", &filings), [0, 2]);
    }

    #[test]
    fn tickers_joined_names_quarters_and_latest() {
        let filings = [
            (
                "2023 Q1 AAPL.pdf",
                metadata("Apple Inc.", "10-Q", "2023 Q1"),
            ),
            (
                "2023 Q3 AAPL.pdf",
                metadata("Apple Inc.", "10-Q", "2023 Q3"),
            ),
            (
                "2023 Q3 NVDA.pdf",
                metadata("NVIDIA CORPORATION", "10-Q", "2023 Q3"),
            ),
            (
                "AMERICANWATERWORKS_2021_10K.pdf",
                metadata("", "10-K", "FY2021"),
            ),
        ];
        assert_eq!(routed("Apple's third quarter of 2023", &filings), [1]);
        assert_eq!(routed("NVDA revenue in Q3 2023", &filings), [2]);
        assert_eq!(routed("Apple's most recent 10-Q", &filings), [1]);
        assert_eq!(
            routed(
                "In Apple's latest 10-Q, how does revenue compare with marketing expenses?",
                &filings
            ),
            [1],
            "two things of the latest filing compared"
        );
        assert_eq!(
            routed(
                "Apple's margin in the most recent 10-Q compared to previous quarters",
                &filings
            ),
            [0, 1]
        );
        assert_eq!(routed("American Water Works' debt", &filings), [3]);
        assert_eq!(routed("annual report capex", &filings), [3]);
        let route = route("Apple in Q1 2023", &documents(&filings));
        assert_eq!(
            route.by,
            ["company", "quarter"],
            "both of Apple's are of 2023"
        );
        assert_eq!(route.company_words, ["apple"]);
    }

    #[test]
    fn one_document_or_hostile_questions_route_nowhere() {
        let one = [("a.pdf", metadata("Acme", "", ""))];
        assert!(routed("Acme", &one).is_empty());
        let two = [
            ("a.pdf", metadata("Acme", "", "")),
            ("b.pdf", metadata("", "", "")),
        ];
        assert!(routed("", &two).is_empty());
        assert!(routed(&"q ".repeat(10_000), &two).is_empty());
        assert_eq!(routed("ACME!!!", &two), [0]);
    }
}
