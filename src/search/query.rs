//! A question turned into keyword terms: words and numbers, lowercased,
//! without the words of question phrasing ("what", "is", "the", "give", …)
//! that would otherwise drown the content words.

/// Words that say how a question is asked, or how its answer should be
/// given ("round your answer to two decimal places", "base your judgment on
/// the information provided"), not what it is about.
const QUESTION_WORDS: &[&str] = &[
    "a",
    "abilities",
    "about",
    "access",
    "according",
    "account",
    "address",
    "all",
    "also",
    "am",
    "an",
    "analyst",
    "and",
    "answer",
    "any",
    "approach",
    "are",
    "as",
    "asked",
    "assuming",
    "at",
    "base",
    "based",
    "basing",
    "be",
    "been",
    "best",
    "by",
    "calculate",
    "can",
    "clearly",
    "compute",
    "computing",
    "consider",
    "considering",
    "could",
    "decimal",
    "define",
    "defined",
    "details",
    "did",
    "do",
    "does",
    "during",
    "each",
    "explain",
    "extract",
    "following",
    "for",
    "from",
    "fy",
    "give",
    "had",
    "has",
    "have",
    "how",
    "i",
    "if",
    "in",
    "information",
    "into",
    "is",
    "it",
    "its",
    "judgement",
    "judgements",
    "judgment",
    "judgments",
    "like",
    "me",
    "much",
    "my",
    "need",
    "not",
    "of",
    "on",
    "only",
    "or",
    "our",
    "outlined",
    "percents",
    "place",
    "places",
    "please",
    "primarily",
    "provide",
    "provided",
    "question",
    "respond",
    "round",
    // The possessive's "s" and the contraction's "t" ("Walmart's", "don't").
    "s",
    "show",
    "shown",
    "so",
    "standpoint",
    "state",
    "t",
    "taking",
    "tell",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "total",
    "units",
    "us",
    "usd",
    "useful",
    "using",
    "utilising",
    "utilizing",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
];

/// The terms of a question, in order, without duplicates. Thousands
/// separators are dropped from numbers ("1,577" → "1577", as in the index),
/// and a fiscal period also gives its year and quarter ("FY2023Q1" → "fy2023q1",
/// "2023", "q1"), since documents mostly write "2023" in their tables.
pub fn terms(question: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    let cleaned = remove_thousands_separators(question);
    for word in cleaned.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        if word.is_empty() || QUESTION_WORDS.contains(&word.as_str()) {
            continue;
        }
        let parts = period_parts(&word);
        for term in std::iter::once(word).chain(parts) {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
    }
    terms.truncate(32);
    terms
}

/// A keyword query: terms, each with a weight that scales its BM25 weight
/// (1 for the question's own words, [`SYNONYM_WEIGHT`] for a synonym).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keywords {
    pub terms: Vec<String>,
    pub weights: Vec<f64>,
}

/// How much a synonym weighs against the question's own word.
pub const SYNONYM_WEIGHT: f64 = 0.5;

/// Financial and legal phrasings that documents word differently, for
/// keyword search only (semantic search knows them already): when the
/// question's terms hold the words on the left in a row, the words on the
/// right are searched too, at [`SYNONYM_WEIGHT`].
const SYNONYMS: &[(&[&str], &[&str])] = &[
    (
        &["capital", "expenditure"],
        &["purchases", "property", "equipment"],
    ),
    (
        &["capital", "expenditures"],
        &["purchases", "property", "equipment"],
    ),
    (
        &["capex"],
        &[
            "capital",
            "expenditures",
            "purchases",
            "property",
            "equipment",
        ],
    ),
    (&["ppe"], &["property", "plant", "equipment"]),
    (&["pp", "e"], &["property", "plant", "equipment"]),
    (&["revenue"], &["sales"]),
    (&["revenues"], &["sales"]),
    (&["sales"], &["revenue", "revenues"]),
    (&["net", "income"], &["earnings"]),
    (&["profit"], &["income", "earnings"]),
    (&["eps"], &["earnings", "per", "share"]),
    (&["r", "d"], &["research", "development"]),
    (&["sg"], &["selling", "general", "administrative"]),
    (&["cogs"], &["cost", "sales"]),
    (&["cost", "goods", "sold"], &["sales"]),
    (&["gross", "margin"], &["gross", "profit"]),
    (&["operating", "profit"], &["operating", "income"]),
    (&["operating", "cash", "flow"], &["operating", "activities"]),
    (
        &["free", "cash", "flow"],
        &["operating", "activities", "purchases", "property"],
    ),
    (&["d", "a"], &["depreciation", "amortization"]),
    (&["headcount"], &["employees", "associates"]),
    (&["employees"], &["associates", "headcount"]),
    (&["buyback"], &["repurchase", "repurchases"]),
    (&["buybacks"], &["repurchase", "repurchases"]),
    (&["debt"], &["borrowings", "notes"]),
    (
        &["working", "capital"],
        &["current", "assets", "liabilities"],
    ),
    (&["tax", "rate"], &["income", "taxes", "provision"]),
    (&["terminate"], &["termination"]),
    (&["indemnify"], &["indemnification", "indemnity"]),
    (&["governing", "law"], &["jurisdiction", "laws"]),
    (&["confidential"], &["confidentiality", "disclosure"]),
    (&["liability", "cap"], &["limitation", "liability"]),
];

impl Keywords {
    /// The terms alone, each weighing 1.
    pub fn plain(terms: Vec<String>) -> Self {
        let weights = vec![1.0; terms.len()];
        Self { terms, weights }
    }

    /// The terms and, at [`SYNONYM_WEIGHT`], the synonyms of their phrases
    /// ([`SYNONYMS`]) that are not terms already.
    pub fn with_synonyms(terms: Vec<String>) -> Self {
        let mut keywords = Self::plain(terms);
        let mut added: Vec<String> = Vec::new();
        for (phrase, synonyms) in SYNONYMS {
            let found = keywords
                .terms
                .windows(phrase.len())
                .any(|window| window.iter().zip(phrase.iter()).all(|(a, b)| a == b));
            if !found {
                continue;
            }
            for synonym in *synonyms {
                let synonym = (*synonym).to_owned();
                if !keywords.terms.contains(&synonym) && !added.contains(&synonym) {
                    added.push(synonym);
                }
            }
        }
        // The index holds at most 63 phrases a query (one bit each, with the
        // assistant's); the question's own words come first.
        for synonym in added {
            if keywords.terms.len() >= MAX_TERMS {
                break;
            }
            keywords.terms.push(synonym);
            keywords.weights.push(SYNONYM_WEIGHT);
        }
        keywords
    }
}

/// The most terms one keyword query holds.
pub const MAX_TERMS: usize = 48;

/// The year and quarter inside a fiscal-period word: "fy2019" → ["2019"],
/// "2022q2" → ["2022", "q2"]; nothing for other words.
fn period_parts(word: &str) -> Vec<String> {
    let mut runs: Vec<String> = Vec::new();
    for c in word.chars() {
        match runs.last_mut() {
            Some(run)
                if run
                    .chars()
                    .last()
                    .is_some_and(|l| l.is_ascii_digit() == c.is_ascii_digit()) =>
            {
                run.push(c);
            }
            _ => runs.push(c.to_string()),
        }
    }
    let is_year = |run: &str| {
        run.len() == 4
            && (run.starts_with("19") || run.starts_with("20"))
            && run.chars().all(|c| c.is_ascii_digit())
    };
    if runs.len() < 2 || !runs.iter().any(|run| is_year(run)) {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let mut previous_q = false;
    for run in runs {
        let is_q = run == "q";
        if is_year(&run) {
            parts.push(run);
        } else if previous_q && matches!(run.as_str(), "1" | "2" | "3" | "4") {
            parts.push(format!("q{run}"));
        } else if !matches!(run.as_str(), "fy" | "q" | "h" | "cy") {
            return Vec::new();
        }
        previous_q = is_q;
    }
    parts
}

/// The words of an indexed text separated by single spaces, split exactly
/// where [`terms`] splits questions. PostgreSQL's text-search parser has
/// ideas of its own ("XK-4427-C" gives `xk`, `-4427`, `c`; paths, emails
/// and URLs stay whole): fed this, it sees the words a question names.
pub fn words_only(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Drops the commas that group digits ("1,577,000" → "1577000"), so a
/// number is one term in questions and in the index alike.
pub fn remove_thousands_separators(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        let digit_before = i > 0 && chars[i - 1].is_ascii_digit();
        let three_after =
            chars.len() > i + 3 && chars[i + 1..=i + 3].iter().all(char::is_ascii_digit);
        if *c == ',' && digit_before && three_after {
            continue;
        }
        out.push(*c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{terms, words_only};

    #[test]
    fn words_only_splits_like_questions() {
        assert_eq!(
            words_only("Part XK-4427-C (see /docs/a.pdf, ir@acme.com)"),
            "Part XK 4427 C see docs a pdf ir acme com"
        );
        assert_eq!(words_only("  —  "), "");
        let question = terms("Where is part XK-4427-C?");
        assert!(question.contains(&"4427".to_owned()), "{question:?}");
    }

    #[test]
    fn question_phrasing_is_dropped_content_kept() {
        assert_eq!(
            terms("What is the FY2018 capital expenditure amount (in USD millions) for 3M?"),
            [
                "fy2018",
                "2018",
                "capital",
                "expenditure",
                "amount",
                "millions",
                "3m"
            ]
        );
    }

    #[test]
    fn fiscal_periods_also_give_their_year_and_quarter() {
        assert_eq!(
            terms("As of FY2023Q1, why did guidance change since 2022Q4 and FY 2021?"),
            [
                "fy2023q1", "2023", "q1", "guidance", "change", "since", "2022q4", "2022", "q4",
                "2021"
            ]
        );
        assert_eq!(
            terms("mp3 a4 x2019y"),
            ["mp3", "a4", "x2019y"],
            "not periods"
        );
    }

    #[test]
    fn answer_instructions_are_not_searched_for() {
        assert_eq!(
            terms(
                "What is the FY2016 working capital ratio? Round your answer to two decimal places, based on the information provided in the balance sheet."
            ),
            [
                "fy2016", "2016", "working", "capital", "ratio", "two", "balance", "sheet"
            ]
        );
    }

    #[test]
    fn numbers_lose_thousands_separators_and_duplicates_go() {
        assert_eq!(
            terms("Revenue of $1,577 and 1,577 again, 12.5%"),
            ["revenue", "1577", "again", "12", "5"]
        );
    }

    #[test]
    fn synonyms_join_the_keyword_query_at_half_weight() {
        let keywords = super::Keywords::with_synonyms(terms(
            "What is the FY2018 capital expenditure amount for 3M?",
        ));
        assert_eq!(
            keywords.terms,
            [
                "fy2018",
                "2018",
                "capital",
                "expenditure",
                "amount",
                "3m",
                "purchases",
                "property",
                "equipment"
            ]
        );
        assert_eq!(
            keywords.weights,
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
        );
        // A synonym already asked for keeps its full weight.
        let keywords = super::Keywords::with_synonyms(terms("revenue and sales"));
        assert_eq!(keywords.terms, ["revenue", "sales", "revenues"]);
        assert_eq!(keywords.weights, [1.0, 1.0, 0.5]);
        assert_eq!(super::Keywords::plain(terms("revenue")).weights, [1.0]);
        // Never more terms than the index takes.
        let many: String = (0..40)
            .map(|i| format!("w{i} revenue capex r&d "))
            .collect();
        assert!(super::Keywords::with_synonyms(terms(&many)).terms.len() <= super::MAX_TERMS);
    }

    #[test]
    fn hostile_queries_are_only_words() {
        assert_eq!(
            terms("\" OR 1=1; DROP TABLE chunks -- NEAR(a b)"),
            ["1", "drop", "table", "chunks", "near", "b"]
        );
        assert!(terms("").is_empty());
        assert!(terms("??? !!!").is_empty());
    }
}

/// Splits `text` into runs, marking the words that match a query term (the
/// same word, or one sharing its first letters with a term of 4 or more),
/// so the dashboard can highlight why a passage was found.
pub fn highlight(text: &str, terms: &[String]) -> Vec<(String, bool)> {
    let matches = |word: &str| {
        let word = word.to_lowercase();
        terms.iter().any(|term| {
            word == *term
                || (term.chars().count() >= 4
                    && (word.starts_with(term.as_str())
                        || term.starts_with(&word) && word.chars().count() >= 4))
        })
    };
    let mut runs: Vec<(String, bool)> = Vec::new();
    let mut word = String::new();
    let push = |piece: &str, marked: bool, runs: &mut Vec<(String, bool)>| match runs.last_mut() {
        Some((last, last_marked)) if *last_marked == marked => last.push_str(piece),
        _ => runs.push((piece.to_owned(), marked)),
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            if !word.is_empty() {
                push(&word, matches(&word), &mut runs);
                word.clear();
            }
            push(c.encode_utf8(&mut [0; 4]), false, &mut runs);
        }
    }
    if !word.is_empty() {
        push(&word, matches(&word), &mut runs);
    }
    runs
}

#[cfg(test)]
mod highlight_tests {
    use super::{highlight, terms};

    #[test]
    fn matching_words_are_marked_and_nothing_is_lost() {
        let runs = highlight("Capital expenditures rose.", &terms("capital expenditure"));
        assert_eq!(
            runs,
            vec![
                ("Capital".to_owned(), true),
                (" ".to_owned(), false),
                ("expenditures".to_owned(), true),
                (" rose.".to_owned(), false)
            ]
        );
        let text = "<b>not html</b> ünïcode";
        assert_eq!(
            highlight(text, &[])
                .into_iter()
                .map(|(s, _)| s)
                .collect::<String>(),
            text
        );
    }
}
