//! The answer pipeline's pure steps: what to search for, whether what was
//! found is relevant enough to answer from, the prompt the model gets, the
//! sources an answer cites, and the answer given when no model is configured.

use crate::llm::PromptMessage;
use crate::model::Source;
use crate::search::query;

/// One earlier turn of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub question: String,
    pub answer: String,
}

/// Who the assistant is, for the prompt.
#[derive(Debug, Clone, Copy)]
pub struct Persona<'a> {
    pub name: &'a str,
    pub company: &'a str,
    pub instructions: &'a str,
    /// Only from the passages; otherwise general knowledge may fill gaps.
    pub grounded: bool,
}

/// The passages that share enough words with the question to answer from:
/// at least two of its terms (one, for a one-term question) in the passage
/// text itself, not only in its document name or heading.
pub fn relevant(passages: Vec<Source>, question: &str) -> Vec<Source> {
    let terms = query::terms(question);
    let needed = terms.len().min(2);
    if needed == 0 {
        return Vec::new();
    }
    passages
        .into_iter()
        .filter(|passage| {
            let mut matched: Vec<String> = query::highlight(&passage.text, &terms)
                .into_iter()
                .filter(|(_, marked)| *marked)
                .map(|(word, _)| word.to_lowercase())
                .collect();
            matched.sort();
            matched.dedup();
            // Words sharing a stem ("expenditure", "expenditures") count once.
            let distinct = terms
                .iter()
                .filter(|term| {
                    matched.iter().any(|word| {
                        word == *term
                            || (term.chars().count() >= 4
                                && (word.starts_with(term.as_str())
                                    || term.starts_with(word.as_str())))
                    })
                })
                .count();
            distinct >= needed
        })
        .collect()
}

pub use crate::model::DEFAULT_REFUSAL;

/// The sentence that opens an answer made without a language model.
pub const OFFLINE_INTRO: &str = "No language model is configured, so here are the passages \
from the documents that best match your question:";

/// The answer without a language model when nothing matches at all.
pub const OFFLINE_NOTHING_FOUND: &str = "No language model is configured, and no passage of \
the documents matches your question. Try other words.";

/// An answer without a language model: the best passages, each with its
/// document and page, introduced by a sentence that says so.
pub fn offline_answer(passages: &[Source]) -> String {
    let mut answer = String::from(OFFLINE_INTRO);
    for (index, passage) in passages.iter().enumerate() {
        let place = match passage.page {
            Some(page) => format!("{}, page {page}", passage.document),
            None => passage.document.clone(),
        };
        // Each line ends in a hard break, so table rows stay rows.
        let quoted = passage
            .text
            .lines()
            .map(|line| format!("> {line}"))
            .collect::<Vec<_>>()
            .join("  \n");
        answer.push_str(&format!("\n\n[{}] **{place}**\n{quoted}", index + 1));
    }
    answer
}

/// Token budgets of the prompt.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// For the earlier conversation; the oldest turns go first.
    pub history_tokens: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            history_tokens: 2_000,
        }
    }
}

/// The messages sent to the model: the assistant's persona and rules, the
/// passages numbered `[1]…[n]` with document and page, as much recent
/// conversation as fits the budget (counted with `count_tokens`), and the
/// question.
pub fn build_prompt(
    persona: Persona,
    passages: &[Source],
    history: &[Turn],
    question: &str,
    budget: Budget,
    count_tokens: impl Fn(&str) -> usize,
) -> Vec<PromptMessage> {
    let company = if persona.company.trim().is_empty() {
        String::new()
    } else {
        format!(" for {}", persona.company.trim())
    };
    let rule = if persona.grounded {
        "Answer only from the numbered passages below, taken from the documents you were given. \
         After each fact, cite the passage it comes from as [n], for example [2]. \
         If the passages do not contain the answer, say that the documents do not cover it; \
         do not use outside knowledge and do not guess."
    } else {
        "Answer from the numbered passages below, taken from the documents you were given, \
         citing the passage of each fact as [n], for example [2]. When they do not cover the \
         question, you may answer from general knowledge, and say that you do."
    };
    let mut system = format!(
        "You are {name}, an assistant{company}.\n{instructions}\n\n{rule} \
         Answer in the language of the question.\n\nPassages:",
        name = persona.name.trim(),
        instructions = persona.instructions.trim(),
    );
    for (index, passage) in passages.iter().enumerate() {
        let place = match passage.page {
            Some(page) => format!("{}, page {page}", passage.document),
            None => passage.document.clone(),
        };
        system.push_str(&format!("\n\n[{}] ({place})\n{}", index + 1, passage.text));
    }

    let mut kept: Vec<&Turn> = Vec::new();
    let mut used = 0;
    for turn in history.iter().rev() {
        let cost = count_tokens(&turn.question) + count_tokens(&turn.answer) + 8;
        if used + cost > budget.history_tokens {
            break;
        }
        used += cost;
        kept.push(turn);
    }
    let mut messages = vec![PromptMessage::System(system)];
    for turn in kept.into_iter().rev() {
        messages.push(PromptMessage::User(turn.question.clone()));
        messages.push(PromptMessage::Assistant(turn.answer.clone()));
    }
    messages.push(PromptMessage::User(question.to_owned()));
    messages
}

/// The longest citation group read as one: `[1, 2, 3]` fits, a long run of
/// digits in brackets is text.
const MAX_CITATION_CHARS: usize = 24;

/// Renumbers an answer's citations as it streams, so that `[n]` in the text
/// is the n-th source listed: passages are numbered in the order the answer
/// first cites them. `[n]` outside `1..=passages` stays as written, and a
/// group split between two pieces of the stream is held back until whole.
#[derive(Debug, Clone)]
pub struct Citations {
    passages: usize,
    /// Prompt numbers of the passages cited, in the order first cited.
    order: Vec<usize>,
    /// Text from an unfinished `[` on, not yet given out.
    pending: String,
}

impl Citations {
    /// For an answer written from `passages` numbered passages.
    pub fn new(passages: usize) -> Self {
        Self {
            passages,
            order: Vec::new(),
            pending: String::new(),
        }
    }

    /// Takes the next piece of the answer; gives the text ready to show.
    pub fn push(&mut self, piece: &str) -> String {
        let text = std::mem::take(&mut self.pending) + piece;
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(open) = rest.find('[') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == ' ')) {
                None if after.len() <= MAX_CITATION_CHARS => {
                    self.pending = rest[open..].to_owned();
                    return out;
                }
                Some(close) if close <= MAX_CITATION_CHARS && after[close..].starts_with(']') => {
                    out.push_str(&self.renumber(&after[..close]));
                    rest = &after[close + 1..];
                }
                _ => {
                    out.push('[');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Ends the answer: the text held back, and the prompt numbers of the
    /// passages cited, in their new order.
    pub fn finish(self) -> (String, Vec<usize>) {
        (self.pending, self.order)
    }

    /// The whole of `answer` renumbered, and the passages it cites in order.
    pub fn apply<'p>(answer: &str, passages: &'p [Source]) -> (String, Vec<&'p Source>) {
        let mut citations = Self::new(passages.len());
        let mut text = citations.push(answer);
        let (rest, order) = citations.finish();
        text.push_str(&rest);
        let cited = order.into_iter().map(|n| &passages[n - 1]).collect();
        (text, cited)
    }

    fn renumber(&mut self, inside: &str) -> String {
        let numbers: Vec<usize> = inside
            .split(',')
            .filter_map(|n| n.trim().parse::<usize>().ok())
            .filter(|n| (1..=self.passages).contains(n))
            .collect();
        if numbers.is_empty() {
            return format!("[{inside}]");
        }
        let mut renumbered: Vec<String> = Vec::new();
        for number in numbers {
            let position = match self.order.iter().position(|&n| n == number) {
                Some(position) => position,
                None => {
                    self.order.push(number);
                    self.order.len() - 1
                }
            };
            let label = (position + 1).to_string();
            if !renumbered.contains(&label) {
                renumbered.push(label);
            }
        }
        format!("[{}]", renumbered.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(document: &str, page: i64, text: &str) -> Source {
        Source {
            document_id: 1,
            document: document.into(),
            page: Some(page),
            text: text.into(),
            score: None,
            url: None,
        }
    }

    fn words(text: &str) -> usize {
        text.split_whitespace().count()
    }

    #[test]
    fn only_passages_that_share_words_with_the_question_are_relevant() {
        let found = vec![
            passage(
                "10k.pdf",
                61,
                "Purchases of property, plant and equipment 1,577",
            ),
            passage("10k.pdf", 3, "Our company makes anvils."),
        ];
        let kept = relevant(
            found.clone(),
            "How much were purchases of property and equipment?",
        );
        assert_eq!(kept, vec![found[0].clone()]);
        assert!(relevant(found.clone(), "Who won the football match?").is_empty());
        assert!(relevant(found, "???").is_empty());
    }

    #[test]
    fn the_prompt_carries_persona_passages_history_and_question() {
        let passages = [
            passage("3M_2018_10K.pdf", 61, "Capex 1,577"),
            passage("3M_2018_10K.pdf", 62, "Dividends 3,193"),
        ];
        let history = [
            Turn {
                question: "old question one two three".into(),
                answer: "old answer".into(),
            },
            Turn {
                question: "recent question".into(),
                answer: "recent answer [1]".into(),
            },
        ];
        let persona = Persona {
            name: "Report helper",
            company: "3M",
            instructions: "Be precise.",
            grounded: true,
        };
        let messages = build_prompt(
            persona,
            &passages,
            &history,
            "What was capex?",
            Budget { history_tokens: 14 },
            words,
        );
        let system = messages[0].text();
        assert!(system.starts_with("You are Report helper, an assistant for 3M.\nBe precise."));
        assert!(system.contains("[1] (3M_2018_10K.pdf, page 61)\nCapex 1,577"));
        assert!(system.contains("[2] (3M_2018_10K.pdf, page 62)\nDividends 3,193"));
        assert!(system.contains("cite the passage"));
        assert!(system.contains("do not use outside knowledge"));
        let free = build_prompt(
            Persona {
                grounded: false,
                ..persona
            },
            &passages,
            &[],
            "q",
            Budget::default(),
            words,
        );
        assert!(
            free[0]
                .text()
                .contains("you may answer from general knowledge")
        );
        assert_eq!(
            messages[1..],
            [
                PromptMessage::User("recent question".into()),
                PromptMessage::Assistant("recent answer [1]".into()),
                PromptMessage::User("What was capex?".into()),
            ],
            "the older turn did not fit the budget"
        );
    }

    #[test]
    fn citations_are_renumbered_in_the_order_first_cited() {
        let passages = [
            passage("a.pdf", 1, "one"),
            passage("a.pdf", 2, "two"),
            passage("b.pdf", 9, "three"),
        ];
        let answer = "Capex rose [3]. Dividends too [1, 3][2]. Not a citation: [x] [7] [] [2019].";
        let (text, cited) = Citations::apply(answer, &passages);
        assert_eq!(
            text,
            "Capex rose [1]. Dividends too [2, 1][3]. Not a citation: [x] [7] [] [2019]."
        );
        let pages: Vec<_> = cited.iter().map(|p| p.page).collect();
        assert_eq!(pages, [Some(9), Some(1), Some(2)]);
        assert!(
            Citations::apply("No citations here.", &passages)
                .1
                .is_empty()
        );
        assert_eq!(Citations::apply("[", &passages).0, "[");
        assert_eq!(Citations::apply("a [3, 7] b", &passages).0, "a [1] b");
    }

    #[test]
    fn streamed_citations_split_between_pieces_come_out_whole_and_renumbered() {
        let pieces = [
            "Capex [",
            "3",
            "] and [2",
            "][",
            "3, 1] in [20",
            "19] [x",
            "y] end [",
        ];
        let mut citations = Citations::new(3);
        let mut shown = Vec::new();
        for piece in pieces {
            shown.push(citations.push(piece));
        }
        assert_eq!(shown[0], "Capex ", "the unfinished group is held back");
        assert_eq!(shown[2], "[1] and ");
        let (rest, order) = citations.finish();
        assert_eq!(
            rest, "[",
            "an unfinished group at the end is given out as text"
        );
        assert_eq!(order, [3, 2, 1]);
        let whole: String = shown.concat() + &rest;
        assert_eq!(whole, "Capex [1] and [2][1, 3] in [2019] [xy] end [");
        assert_eq!(whole, Citations::apply(&pieces.concat(), &three()).0);
    }

    fn three() -> [Source; 3] {
        [
            passage("a", 1, "x"),
            passage("a", 2, "y"),
            passage("a", 3, "z"),
        ]
    }

    #[test]
    fn the_offline_answer_says_so_and_quotes_the_passages_with_places() {
        let answer = offline_answer(&[passage("10k.pdf", 61, "Capex\n1,577")]);
        assert!(answer.starts_with(OFFLINE_INTRO));
        assert!(answer.ends_with("[1] **10k.pdf, page 61**\n> Capex  \n> 1,577"));
    }
}
