//! A second look at the best candidates of a search, with signals the
//! rankings ignore: how many of the question's words a passage holds (both
//! rankings reward a passage that repeats one word), whether they stand
//! close together, and whether the years the question names are there
//! (in the text, or in the columns its table context names).

use crate::db::documents::FoundChunk;

use super::Explanation;

/// Candidates looked at again: the best this many of the first pass.
pub const DEPTH: i64 = 30;

/// How much each signal adds to a candidate's score, once the first pass's
/// scores are scaled so that the best is 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// × the share of the question's words the passage holds.
    pub coverage: f64,
    /// × how close together they are (1 = side by side).
    pub proximity: f64,
    /// × the share of the question's years the passage names.
    pub years: f64,
}

/// The weights served.
pub const WEIGHTS: Weights = Weights {
    coverage: 0.3,
    proximity: 0.1,
    years: 0.15,
};

/// Reorders `candidates` (best first) by their first-pass score, scaled
/// so that the best is 1, plus the signals' bonus; each candidate's score
/// becomes that sum and its explanation records the bonus.
pub fn rescore(terms: &[String], candidates: &mut [(FoundChunk, Explanation)], weights: Weights) {
    let words: Vec<&String> = terms.iter().filter(|t| !is_year(t)).collect();
    let years: Vec<&String> = terms.iter().filter(|t| is_year(t)).collect();
    let best = candidates
        .iter()
        .map(|(chunk, _)| chunk.score)
        .fold(f64::MIN, f64::max);
    if candidates.is_empty() || best <= 0.0 || terms.is_empty() {
        return;
    }
    for (chunk, why) in candidates.iter_mut() {
        let text = format!("{}\n{}", chunk.heading, chunk.text);
        let tokens = tokens(&text);
        let positions: Vec<Vec<usize>> = words
            .iter()
            .map(|term| {
                tokens
                    .iter()
                    .enumerate()
                    .filter(|(_, token)| matches(token, term))
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let found: Vec<&Vec<usize>> = positions.iter().filter(|p| !p.is_empty()).collect();
        let coverage = if words.is_empty() {
            0.0
        } else {
            found.len() as f64 / words.len() as f64
        };
        let proximity = if found.len() >= 2 {
            let span = smallest_window(&found);
            (found.len() as f64 / span as f64).min(1.0)
        } else {
            0.0
        };
        let years_named = if years.is_empty() {
            0.0
        } else {
            years
                .iter()
                .filter(|year| tokens.iter().any(|token| token == **year))
                .count() as f64
                / years.len() as f64
        };
        let bonus = weights.coverage * coverage
            + weights.proximity * proximity
            + weights.years * years_named;
        chunk.score = chunk.score / best + bonus;
        why.rescore = Some(bonus);
    }
    candidates.sort_by(|a, b| b.0.score.total_cmp(&a.0.score));
}

fn is_year(term: &str) -> bool {
    term.len() == 4
        && (term.starts_with("19") || term.starts_with("20"))
        && term.chars().all(|c| c.is_ascii_digit())
}

/// Lowercase words and numbers of a passage, thousands separators gone.
fn tokens(text: &str) -> Vec<String> {
    super::query::remove_thousands_separators(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A passage's word matches a question's term: the same, or sharing the
/// term's first letters when it has 4 or more ("expenditure",
/// "expenditures").
fn matches(token: &str, term: &str) -> bool {
    token == term
        || (term.chars().count() >= 4
            && (token.starts_with(term) || (term.starts_with(token) && token.chars().count() >= 4)))
}

/// The fewest words covering one position of each list (lists sorted).
fn smallest_window(lists: &[&Vec<usize>]) -> usize {
    let mut next = vec![0usize; lists.len()];
    let mut best = usize::MAX;
    loop {
        let (mut low, mut low_list, mut high) = (usize::MAX, 0, 0);
        for (i, list) in lists.iter().enumerate() {
            let position = list[next[i]];
            if position < low {
                low = position;
                low_list = i;
            }
            high = high.max(position);
        }
        best = best.min(high - low + 1);
        next[low_list] += 1;
        if next[low_list] == lists[low_list].len() {
            return best;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: i64, text: &str, score: f64) -> (FoundChunk, Explanation) {
        (
            FoundChunk {
                chunk_id: id,
                document_id: 1,
                document: "a.pdf".into(),
                page: Some(1),
                heading: String::new(),
                text: text.into(),
                score,
            },
            Explanation::default(),
        )
    }

    fn terms(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn a_passage_with_all_the_words_close_together_and_the_year_moves_up() {
        let mut found = vec![
            candidate(1, "Revenue revenue revenue revenue grew.", 1.0),
            candidate(2, "Capital expenditures in 2018 were $1,577 million.", 0.8),
            candidate(
                3,
                "Capital was raised. Much later, expenditures fell.",
                0.85,
            ),
        ];
        rescore(
            &terms(&["capital", "expenditure", "2018"]),
            &mut found,
            WEIGHTS,
        );
        let order: Vec<i64> = found.iter().map(|(c, _)| c.chunk_id).collect();
        assert_eq!(order, [2, 3, 1]);
        assert!(found[0].1.rescore.is_some_and(|bonus| bonus > 0.5));
        assert_eq!(found[2].1.rescore, Some(0.0));
    }

    #[test]
    fn windows_and_empty_input() {
        assert_eq!(smallest_window(&[&vec![0, 10], &vec![4, 11]]), 2);
        assert_eq!(smallest_window(&[&vec![3]]), 1);
        let mut none: Vec<(FoundChunk, Explanation)> = Vec::new();
        rescore(&terms(&["a"]), &mut none, WEIGHTS);
        let mut one = vec![candidate(1, "text", 0.0)];
        rescore(&terms(&[]), &mut one, WEIGHTS);
        assert_eq!(one[0].1.rescore, None);
    }
}
