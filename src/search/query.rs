//! A question turned into keyword terms: words and numbers, lowercased,
//! without the words of question phrasing ("what", "is", "the", "give", …)
//! that would otherwise drown the content words.

/// Words that say how a question is asked, not what it is about.
const QUESTION_WORDS: &[&str] = &[
    "a",
    "about",
    "according",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "during",
    "each",
    "for",
    "from",
    "give",
    "had",
    "has",
    "have",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "me",
    "much",
    "my",
    "of",
    "on",
    "or",
    "our",
    "please",
    "provide",
    "show",
    "so",
    "tell",
    "than",
    "that",
    "the",
    "their",
    "them",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "total",
    "us",
    "using",
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
/// separators are dropped from numbers ("1,577" → "1577").
pub fn terms(question: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    let cleaned = remove_thousands_separators(question);
    for word in cleaned.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        if word.is_empty() || QUESTION_WORDS.contains(&word.as_str()) || terms.contains(&word) {
            continue;
        }
        terms.push(word);
    }
    terms.truncate(32);
    terms
}

fn remove_thousands_separators(text: &str) -> String {
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
    use super::terms;

    #[test]
    fn question_phrasing_is_dropped_content_kept() {
        assert_eq!(
            terms("What is the FY2018 capital expenditure amount (in USD millions) for 3M?"),
            [
                "fy2018",
                "capital",
                "expenditure",
                "amount",
                "usd",
                "millions",
                "3m"
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
