//! Follow-up questions ("And in 2019?", "What about Nike?") made into
//! questions that stand alone before they are searched: by the model when
//! one is configured (one short call, [`rewrite_prompt`]), else by carrying
//! the previous question's companies and years over ([`carry_over`]).

use std::ops::Range;

use crate::search::query;
use crate::search::route::{RoutedDocument, company_mentions, years_in};

use super::prompt::Turn;
use crate::llm::PromptMessage;

/// The longest rewrite taken from the model, in characters.
const MAX_REWRITE_CHARS: usize = 500;

/// Words that refer to something said before.
const REFERRING_WORDS: &[&str] = &[
    "it", "its", "that", "this", "these", "those", "they", "them", "their", "same", "there",
    "then", "also", "previous", "above", "former", "latter",
];

/// Whether `question` can be searched without the conversation before it:
/// it does not refer back ("it", "that", "they"…), does not start as a
/// follow-up does ("And …", "What about …"), and asks about something
/// besides years and quarters ("In 2019?" does not).
pub fn stands_alone(history: &[Turn], question: &str) -> bool {
    if history.is_empty() {
        return true;
    }
    let refers_back = question
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| REFERRING_WORDS.contains(&word.to_lowercase().as_str()));
    let starts_as_follow_up = {
        let lower = question.trim_start().to_lowercase();
        [
            "and ",
            "and?",
            "what about",
            "how about",
            "same for",
            "what of ",
        ]
        .iter()
        .any(|start| lower.starts_with(start))
    };
    let asks_something = query::terms(question)
        .iter()
        .any(|term| years_in(term).is_empty() && !FILLER.contains(&term.as_str()));
    !refers_back && !starts_as_follow_up && asks_something
}

/// The messages asking the model to make `question` stand alone, given the
/// conversation's last questions (answers are left out: they are long and
/// the questions carry what is being asked about).
pub fn rewrite_prompt(history: &[Turn], question: &str) -> Vec<PromptMessage> {
    let earlier: Vec<String> = history
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|turn| format!("- {}", one_line(&turn.question)))
        .collect();
    vec![
        PromptMessage::System(
            "You rewrite a follow-up question so that it can be understood without the \
conversation: name the company, the period and the subject it refers to. Answer with the \
rewritten question only, on one line, in the language of the question. If it already stands \
alone, repeat it unchanged."
                .to_owned(),
        ),
        PromptMessage::User(format!(
            "Earlier questions:\n{}\n\nFollow-up question: {}",
            earlier.join("\n"),
            one_line(question)
        )),
    ]
}

/// The model's rewrite, if usable: its first line, without quotes or a
/// "Question:" label, not empty and not overlong.
pub fn accept_rewrite(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    let line = line
        .strip_prefix("Rewritten question:")
        .or_else(|| line.strip_prefix("Question:"))
        .unwrap_or(line)
        .trim()
        .trim_matches(|c| c == '"' || c == '“' || c == '”')
        .trim();
    (!line.is_empty() && line.chars().count() <= MAX_REWRITE_CHARS).then(|| line.to_owned())
}

/// Without a model: the previous question with the follow-up's companies
/// and years in place of its own ("What was Walmart's revenue in 2018?" +
/// "And in 2019?" → "What was Walmart's revenue in 2019?"), with the
/// follow-up's other words in front when it has any ("And the dividend?").
pub fn carry_over(previous: &str, question: &str, documents: &[RoutedDocument]) -> String {
    let new_companies = company_mentions(question, documents);
    let new_years = years_in(question);
    let mut carried = previous.to_owned();
    if let Some((range, _)) = new_companies.first() {
        let named = &question[range.clone()];
        let old = company_mentions(previous, documents);
        if old.is_empty() {
            carried = format!("{carried} {named}");
        } else {
            for range in right_to_left(&old) {
                carried.replace_range(range, named);
            }
        }
    }
    if let Some(year) = new_years.first() {
        let old_years = years_in(previous);
        if old_years.is_empty() {
            carried = format!("{carried} {year}");
        } else {
            for old in old_years {
                carried = carried.replace(&old.to_string(), &year.to_string());
            }
        }
    }
    // What the follow-up asks besides its companies and years.
    let mut rest = question.to_owned();
    for range in right_to_left(&new_companies) {
        rest.replace_range(range, " ");
    }
    let asks_more = query::terms(&rest)
        .iter()
        .any(|term| years_in(term).is_empty() && !FILLER.contains(&term.as_str()));
    if asks_more || (new_companies.is_empty() && new_years.is_empty()) {
        format!("{} {carried}", question.trim())
    } else {
        carried
    }
}

/// [`carry_over`] along a whole conversation: each earlier follow-up is
/// first made to stand alone the same way, so "And in 2019?" then "What
/// about Nike?" asks about Nike's revenue in 2019.
pub fn carry_over_conversation(
    history: &[Turn],
    question: &str,
    documents: &[RoutedDocument],
) -> String {
    let mut standalone: Option<String> = None;
    for (i, turn) in history.iter().enumerate() {
        standalone = Some(match &standalone {
            Some(previous) if !stands_alone(&history[..i], &turn.question) => {
                carry_over(previous, &turn.question, documents)
            }
            _ => turn.question.clone(),
        });
    }
    match standalone {
        Some(previous) if !stands_alone(history, question) => {
            carry_over(&previous, question, documents)
        }
        _ => question.to_owned(),
    }
}

/// The places of `mentions` from the last to the first, each once: several
/// documents of one company are named by the same words, and two names of
/// a company can overlap (the first of them is kept). Replacing them in
/// this order keeps the places before each valid.
fn right_to_left(mentions: &[(Range<usize>, i64)]) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = mentions.iter().map(|(range, _)| range.clone()).collect();
    ranges.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
    let mut kept: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        if kept.last().is_none_or(|last| range.start >= last.end) {
            kept.push(range);
        }
    }
    kept.reverse();
    kept
}

/// Words of a follow-up that ask nothing by themselves.
const FILLER: &[&str] = &[
    "fiscal", "year", "quarter", "instead", "same", "period", "q1", "q2", "q3", "q4",
];

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DocumentMetadata;

    fn turn(question: &str) -> Turn {
        Turn {
            question: question.to_owned(),
            answer: "…".to_owned(),
        }
    }

    fn company(name: &str) -> DocumentMetadata {
        DocumentMetadata {
            company: Some(name.to_owned()),
            ..DocumentMetadata::default()
        }
    }

    #[test]
    fn follow_ups_are_told_from_questions_that_stand_alone() {
        let history = [turn("What was Walmart's total revenue in fiscal 2018?")];
        assert!(stands_alone(&[], "And in 2019?"), "nothing to follow");
        assert!(!stands_alone(&history, "And in 2019?"));
        assert!(!stands_alone(&history, "What about Nike?"));
        assert!(!stands_alone(
            &history,
            "How did it change over the next five years of operations?"
        ));
        assert!(stands_alone(
            &history,
            "What was Nike's gross margin in fiscal 2023 for footwear?"
        ));
        assert!(
            stands_alone(&history, "When are invoices due?"),
            "short, but whole"
        );
        assert!(!stands_alone(&history, "In fiscal 2019?"));
    }

    #[test]
    fn companies_and_years_carry_over_by_rule() {
        let (walmart, nike) = (company("Walmart Inc."), company("NIKE, Inc."));
        let documents = [
            RoutedDocument {
                id: 1,
                name: "a.pdf".to_owned(),
                metadata: walmart,
            },
            RoutedDocument {
                id: 2,
                name: "b.pdf".to_owned(),
                metadata: nike,
            },
        ];
        let previous = "What was Walmart's total revenue in fiscal 2018?";
        assert_eq!(
            carry_over(previous, "And in 2019?", &documents),
            "What was Walmart's total revenue in fiscal 2019?"
        );
        assert_eq!(
            carry_over(previous, "What about Nike?", &documents),
            "What was Nike's total revenue in fiscal 2018?"
        );
        assert_eq!(
            carry_over(previous, "And Nike in fiscal 2023?", &documents),
            "What was Nike's total revenue in fiscal 2023?"
        );
        assert_eq!(
            carry_over(previous, "And the dividend?", &documents),
            "And the dividend? What was Walmart's total revenue in fiscal 2018?"
        );
        assert_eq!(
            carry_over("How many stores?", "What about Nike?", &documents),
            "How many stores? Nike"
        );
        // Documents of one company are named by the same words, once.
        let reports: Vec<RoutedDocument> = (1..=6)
            .map(|i| RoutedDocument {
                id: i,
                name: format!("report_{i}.pdf"),
                metadata: DocumentMetadata::default(),
            })
            .collect();
        assert_eq!(
            carry_over(
                "What does report 2 say on page 40?",
                "And report 4 on page 8?",
                &reports
            ),
            "And report 4 on page 8? What does report 2 say on page 40?"
        );
        assert_eq!(
            carry_over("Was sagt Bericht 2 über Öl?", "Und report ünd?", &reports),
            "Und report ünd? Was sagt Bericht 2 über Öl? report"
        );
        let history = [turn(previous), turn("And in 2019?")];
        assert_eq!(
            carry_over_conversation(&history, "What about Nike?", &documents),
            "What was Nike's total revenue in fiscal 2019?"
        );
        assert_eq!(
            carry_over_conversation(
                &history,
                "How many stores did Nike have in 2023?",
                &documents
            ),
            "How many stores did Nike have in 2023?"
        );
    }

    proptest::proptest! {
        #[test]
        fn carrying_over_any_text_never_fails(previous in "\\PC{0,80}", question in "\\PC{0,80}") {
            let documents: Vec<RoutedDocument> = ["report_1.pdf", "report_2.pdf", "ÖL AG.pdf", "2023 Q3 AAPL.pdf"]
                .iter()
                .enumerate()
                .map(|(i, name)| RoutedDocument {
                    id: i as i64,
                    name: (*name).to_owned(),
                    metadata: company(if i == 3 { "Apple Inc." } else { "Report Öl Company" }),
                })
                .collect();
            let history = [turn(&previous)];
            let _ = carry_over_conversation(&history, &question, &documents);
            let _ = carry_over(&question, &previous, &documents);
        }
    }

    #[test]
    fn model_rewrites_are_checked() {
        assert_eq!(
            accept_rewrite("\n  Rewritten question: \"What was Nike's revenue in 2019?\"\nextra"),
            Some("What was Nike's revenue in 2019?".to_owned())
        );
        assert_eq!(accept_rewrite("   \n "), None);
        assert_eq!(accept_rewrite(&"x".repeat(501)), None);
        let prompt = rewrite_prompt(&[turn("Walmart revenue 2018?")], "And in\n2019?");
        assert!(prompt[1].text().contains("- Walmart revenue 2018?"));
        assert!(
            prompt[1]
                .text()
                .ends_with("Follow-up question: And in 2019?")
        );
    }
}
