//! Evaluating an assistant: test questions, each with what a good answer
//! needs (the document and pages it must come from, phrases it must
//! contain), and runs that check them all: whether an expected page is
//! among the five passages retrieved (hit@5) and, with a model configured,
//! whether the answer holds the phrases and cites the page.
//!
//! The rules are pure functions here ([`check`], [`validate`]); the CSV in
//! [`csv`], the background runs in [`run`], the history chart in [`chart`].

pub mod chart;
pub mod csv;
pub mod run;

use crate::db::Db;
use crate::db::evaluations::{EvalQuestionRecord, EvalQuestionRow, EvalResultRow, EvalRunRow};
use crate::model::evaluation::{EvalQuestion, EvalResult, EvalRun, EvalRunDetail, FoundPage};

/// Test questions an assistant may have.
pub const MAX_QUESTIONS: usize = 500;
/// The longest question, in characters.
pub const QUESTION_MAX_CHARS: usize = 2000;
/// The longest document name, in characters.
pub const DOCUMENT_MAX_CHARS: usize = 255;
/// Pages a question may list.
pub const MAX_PAGES: usize = 50;
/// The highest page number accepted.
pub const MAX_PAGE: u32 = 100_000;
/// Phrases a question may list.
pub const MAX_PHRASES: usize = 20;
/// The longest phrase, in characters.
pub const PHRASE_MAX_CHARS: usize = 300;
/// Passages looked at for hit@5.
pub const TOP: i64 = 5;
/// Runs shown in the history.
pub const HISTORY: i64 = 30;
/// Runs one user may have waiting or running at once, over all their
/// assistants: runs take turns on the server, and no one may hold the
/// queue for everyone else.
pub const MAX_RUNS_IN_PROGRESS: i64 = 2;

/// Why an evaluation request was refused.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Messages by field (`question`, `document`, `pages`, `phrases`, or
    /// `non_field_errors`).
    #[error("invalid test question")]
    Invalid(Vec<(&'static str, String)>),
    #[error("Not found.")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl EvalError {
    fn one(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![(field, message.into())])
    }
}

/// A test question as given, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub question: String,
    pub document: Option<String>,
    pub pages: Vec<u32>,
    pub phrases: Vec<String>,
}

/// Reads pages as people write them: `61`, `61, 62`, `61-63` (spaces,
/// commas or semicolons between them). Blank is none.
pub fn parse_pages(text: &str) -> Result<Vec<u32>, String> {
    let mut pages = Vec::new();
    for part in text
        .split([',', ';', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let page = |p: &str| {
            p.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| format!("\"{part}\" is not a page number (1 to {MAX_PAGE})."))
        };
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (page(from)?, page(to)?);
                if to < from || (to - from) as usize >= MAX_PAGES {
                    return Err(format!(
                        "\"{part}\" is not a range of at most {MAX_PAGES} pages."
                    ));
                }
                pages.extend(from..=to);
            }
            None => pages.push(page(part)?),
        }
        if pages.len() > MAX_PAGES {
            return Err(format!("List at most {MAX_PAGES} pages."));
        }
    }
    pages.sort_unstable();
    pages.dedup();
    Ok(pages)
}

/// Reads phrases written one per line (or separated by `|`, as the CSV
/// does). Blank ones are dropped.
pub fn parse_phrases(text: &str) -> Vec<String> {
    text.split(['\n', '|'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Checks a draft against the assistant's document names: a question is
/// required; at least one of document, pages or phrases says what a good
/// answer needs; the document, when named, is one of the assistant's.
pub fn validate(draft: &Draft, documents: &[String]) -> Result<EvalQuestionRecord, EvalError> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let question = draft.question.trim();
    if question.is_empty() {
        errors.push(("question", "This field may not be blank.".into()));
    } else if question.chars().count() > QUESTION_MAX_CHARS {
        errors.push((
            "question",
            format!("Ensure this field has no more than {QUESTION_MAX_CHARS} characters."),
        ));
    }
    let document = draft
        .document
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if let Some(name) = document {
        if name.chars().count() > DOCUMENT_MAX_CHARS {
            errors.push((
                "document",
                format!("Ensure this field has no more than {DOCUMENT_MAX_CHARS} characters."),
            ));
        } else if !documents.iter().any(|d| d == name) {
            errors.push((
                "document",
                format!("This assistant has no document named \"{name}\"."),
            ));
        }
    }
    if draft.pages.len() > MAX_PAGES {
        errors.push(("pages", format!("List at most {MAX_PAGES} pages.")));
    } else if let Some(bad) = draft.pages.iter().find(|p| !(1..=MAX_PAGE).contains(*p)) {
        errors.push((
            "pages",
            format!("{bad} is not a page number (1 to {MAX_PAGE})."),
        ));
    }
    let phrases: Vec<String> = draft
        .phrases
        .iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    if phrases.len() > MAX_PHRASES {
        errors.push(("phrases", format!("List at most {MAX_PHRASES} phrases.")));
    } else if phrases.iter().any(|p| p.chars().count() > PHRASE_MAX_CHARS) {
        errors.push((
            "phrases",
            format!("Keep each phrase to at most {PHRASE_MAX_CHARS} characters."),
        ));
    }
    if errors.is_empty() && document.is_none() && draft.pages.is_empty() && phrases.is_empty() {
        errors.push((
            crate::model::NON_FIELD_ERRORS,
            "Say what a good answer needs: the document or pages it comes from, or phrases it contains.".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(EvalError::Invalid(errors));
    }
    let mut pages = draft.pages.clone();
    pages.sort_unstable();
    pages.dedup();
    Ok(EvalQuestionRecord {
        question: question.to_owned(),
        document: document.map(str::to_owned),
        pages: serde_json::to_string(&pages).unwrap_or_else(|_| "[]".into()),
        phrases: serde_json::to_string(&phrases).unwrap_or_else(|_| "[]".into()),
    })
}

fn pages_of(json: &str) -> Vec<u32> {
    serde_json::from_str(json).unwrap_or_default()
}

fn strings_of(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A test question as it is shown.
pub fn question_view(row: EvalQuestionRow) -> EvalQuestion {
    EvalQuestion {
        id: row.id,
        pages: pages_of(&row.pages),
        phrases: strings_of(&row.phrases),
        question: row.question,
        document: row.document,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// A run as it is shown.
pub fn run_view(assistant_id: i64, row: EvalRunRow) -> EvalRun {
    EvalRun {
        url: format!(
            "/api/v1/assistants/{assistant_id}/evaluation/runs/{}/",
            row.id
        ),
        id: row.id,
        hit_at_5: (row.retrieval_checked > 0)
            .then(|| row.retrieval_hits as f64 / row.retrieval_checked as f64),
        status: row.status,
        questions: row.questions,
        checked: row.checked,
        passed: row.passed,
        failed: row.failed,
        skipped: row.skipped,
        retrieval_checked: row.retrieval_checked,
        retrieval_hits: row.retrieval_hits,
        answers_checked: row.answers_checked,
        answers_passed: row.answers_passed,
        model: row.model,
        error: row.error,
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
    }
}

/// A result as it is shown.
pub fn result_view(row: EvalResultRow) -> EvalResult {
    EvalResult {
        question_id: row.question_id,
        pages: pages_of(&row.pages),
        phrases: strings_of(&row.phrases),
        found: serde_json::from_str(&row.found).unwrap_or_default(),
        missing_phrases: strings_of(&row.missing_phrases),
        question: row.question,
        document: row.document,
        outcome: row.outcome,
        hit: row.hit,
        rank: row.hit_rank,
        answer: row.answer,
        cited: row.cited,
        note: row.note,
    }
}

/// What a good answer to a question needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    pub document: Option<String>,
    pub pages: Vec<u32>,
    pub phrases: Vec<String>,
}

impl Expected {
    /// The expectation copied into a run's result.
    pub fn of(row: &EvalResultRow) -> Self {
        Self {
            document: row.document.clone(),
            pages: pages_of(&row.pages),
            phrases: strings_of(&row.phrases),
        }
    }

    /// Whether the answer must come from a document or page.
    pub fn has_source(&self) -> bool {
        self.document.is_some() || !self.pages.is_empty()
    }

    /// Whether a passage of `document` on `page` is one a good answer
    /// comes from.
    pub fn matches(&self, document: &str, page: Option<u32>) -> bool {
        self.document.as_deref().is_none_or(|d| d == document)
            && (self.pages.is_empty() || page.is_some_and(|p| self.pages.contains(&p)))
    }
}

/// An answer written for a question: its text and the pages it cites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub text: String,
    pub cited: Vec<FoundPage>,
}

/// What checking a question found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// `passed`, `failed` or `skipped`.
    pub outcome: &'static str,
    pub hit: Option<bool>,
    /// 1-based place of the first passage from an expected page.
    pub rank: Option<i64>,
    pub missing_phrases: Vec<String>,
    pub cited: Option<bool>,
    pub note: Option<String>,
}

/// Judges one question: the passages found (best first) against the
/// expected document and pages, and, when an answer was written, the
/// answer against the phrases and the expected page. Without an answer
/// the phrases are not checked (no model is configured).
pub fn check(expected: &Expected, found: &[FoundPage], written: Option<&Written>) -> Check {
    let mut notes: Vec<String> = Vec::new();
    let (hit, rank) = if expected.has_source() {
        let rank = found
            .iter()
            .take(TOP as usize)
            .position(|f| expected.matches(&f.document, f.page))
            .map(|i| i as i64 + 1);
        if rank.is_none() {
            notes.push(format!(
                "None of the {TOP} passages found came from {}.",
                where_expected(expected)
            ));
        }
        (Some(rank.is_some()), rank)
    } else {
        (None, None)
    };
    let (missing_phrases, cited) = match written {
        Some(answer) => {
            let text = normalise(&answer.text);
            let missing: Vec<String> = expected
                .phrases
                .iter()
                .filter(|p| !text.contains(&normalise(p)))
                .cloned()
                .collect();
            if !missing.is_empty() {
                notes.push(format!(
                    "The answer lacks {}.",
                    missing
                        .iter()
                        .map(|p| format!("\"{p}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let cited = expected.has_source().then(|| {
                answer
                    .cited
                    .iter()
                    .any(|c| expected.matches(&c.document, c.page))
            });
            if cited == Some(false) {
                notes.push(format!(
                    "The answer does not cite {}.",
                    where_expected(expected)
                ));
            }
            (missing, cited)
        }
        None => (Vec::new(), None),
    };
    let checked_phrases = written.is_some() && !expected.phrases.is_empty();
    if hit.is_none() && !checked_phrases {
        return Check {
            outcome: "skipped",
            hit,
            rank,
            missing_phrases,
            cited,
            note: Some(
                "Only phrases are expected, and they are checked in answers, which need a language model: none is configured."
                    .into(),
            ),
        };
    }
    let passed = hit != Some(false) && missing_phrases.is_empty() && cited != Some(false);
    Check {
        outcome: if passed { "passed" } else { "failed" },
        hit,
        rank,
        missing_phrases,
        cited,
        note: (!notes.is_empty()).then(|| notes.join(" ")),
    }
}

/// "page 61 of 3M_2018_10K.pdf", "pages 12, 14-16", "3M_2018_10K.pdf".
fn where_expected(expected: &Expected) -> String {
    let pages = match expected.pages.as_slice() {
        [] => None,
        [one] => Some(format!("page {one}")),
        many => Some(format!(
            "pages {}",
            crate::model::evaluation::pages_text(many)
        )),
    };
    match (pages, &expected.document) {
        (Some(pages), Some(document)) => format!("{pages} of {document}"),
        (Some(pages), None) => pages,
        (None, Some(document)) => document.clone(),
        (None, None) => "the expected source".into(),
    }
}

/// Text compared as a reader would: case, spacing, typographic quotes and
/// dashes aside.
fn normalise(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
            '\u{00A0}' => ' ',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The names of an assistant's documents.
pub async fn document_names(db: &Db, assistant_id: i64) -> sqlx::Result<Vec<String>> {
    Ok(db
        .documents_of(assistant_id)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect())
}

/// An assistant's test questions.
pub async fn questions(db: &Db, assistant_id: i64) -> sqlx::Result<Vec<EvalQuestion>> {
    Ok(db
        .eval_questions(assistant_id)
        .await?
        .into_iter()
        .map(question_view)
        .collect())
}

/// Adds a test question to an assistant's set.
pub async fn add(db: &Db, assistant_id: i64, draft: &Draft) -> Result<EvalQuestion, EvalError> {
    let record = validate(draft, &document_names(db, assistant_id).await?)?;
    let existing = db.eval_questions(assistant_id).await?;
    if existing.len() >= MAX_QUESTIONS {
        return Err(EvalError::one(
            crate::model::NON_FIELD_ERRORS,
            format!("An assistant can have at most {MAX_QUESTIONS} test questions."),
        ));
    }
    if existing.iter().any(|q| q.question == record.question) {
        return Err(EvalError::one(
            "question",
            "This question is already in the set.",
        ));
    }
    Ok(question_view(
        db.insert_eval_question(assistant_id, &record).await?,
    ))
}

/// Rewrites one of an assistant's test questions.
pub async fn update(
    db: &Db,
    assistant_id: i64,
    id: i64,
    draft: &Draft,
) -> Result<EvalQuestion, EvalError> {
    db.eval_question(assistant_id, id)
        .await?
        .ok_or(EvalError::NotFound)?;
    let record = validate(draft, &document_names(db, assistant_id).await?)?;
    let clash = db
        .eval_questions(assistant_id)
        .await?
        .into_iter()
        .any(|q| q.id != id && q.question == record.question);
    if clash {
        return Err(EvalError::one(
            "question",
            "This question is already in the set.",
        ));
    }
    db.update_eval_question(assistant_id, id, &record)
        .await?
        .map(question_view)
        .ok_or(EvalError::NotFound)
}

/// Removes one of an assistant's test questions (its past results stay).
pub async fn remove(db: &Db, assistant_id: i64, id: i64) -> Result<(), EvalError> {
    if db.delete_eval_question(assistant_id, id).await? {
        Ok(())
    } else {
        Err(EvalError::NotFound)
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// Questions new to the set.
    pub added: usize,
    /// Questions already in the set, rewritten.
    pub updated: usize,
}

/// Imports test questions from CSV: all of them or none. A question
/// already in the set is rewritten, the others are added.
pub async fn import(db: &Db, assistant_id: i64, text: &str) -> Result<Imported, EvalError> {
    let documents = document_names(db, assistant_id).await?;
    let records = csv::read(text, &documents)
        .map_err(|errors| EvalError::Invalid(errors.into_iter().map(|e| ("file", e)).collect()))?;
    let existing = db.eval_questions(assistant_id).await?;
    let new = records
        .iter()
        .filter(|r| !existing.iter().any(|q| q.question == r.question))
        .count();
    if existing.len() + new > MAX_QUESTIONS {
        return Err(EvalError::one(
            "file",
            format!(
                "An assistant can have at most {MAX_QUESTIONS} test questions: this file would make {}.",
                existing.len() + new
            ),
        ));
    }
    let (added, updated) = db.import_eval_questions(assistant_id, &records).await?;
    Ok(Imported { added, updated })
}

/// Why a run was not started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("Add test questions before running the evaluation.")]
    NoQuestions,
    #[error(
        "You already have {MAX_RUNS_IN_PROGRESS} evaluation runs waiting or running. Start another when one of them has finished."
    )]
    TooMany,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Starts a run of the assistant's questions, or gives the run already
/// waiting or running (one at a time): `(run, started)`. The assistant
/// belongs to `workspace_id`.
pub async fn start(
    db: &Db,
    queue: &crate::ingest::worker::JobQueue,
    workspace_id: i64,
    assistant_id: i64,
) -> Result<(EvalRun, bool), StartError> {
    if let Some(run) = db.eval_run_in_progress(assistant_id).await? {
        return Ok((run_view(assistant_id, run), false));
    }
    if db.eval_questions(assistant_id).await?.is_empty() {
        return Err(StartError::NoQuestions);
    }
    if db.eval_runs_in_progress_of_workspace(workspace_id).await? >= MAX_RUNS_IN_PROGRESS {
        return Err(StartError::TooMany);
    }
    loop {
        if let Some(run) = db.start_eval_run(assistant_id).await? {
            queue.notify();
            return Ok((run_view(assistant_id, run), true));
        }
        // Another run holds the place; it may have just finished.
        if let Some(run) = db.eval_run_in_progress(assistant_id).await? {
            return Ok((run_view(assistant_id, run), false));
        }
    }
}

/// An assistant's runs, newest first.
pub async fn runs(db: &Db, assistant_id: i64) -> sqlx::Result<Vec<EvalRun>> {
    Ok(db
        .eval_runs(assistant_id, HISTORY)
        .await?
        .into_iter()
        .map(|row| run_view(assistant_id, row))
        .collect())
}

/// One of an assistant's runs with its results.
pub async fn run_detail(
    db: &Db,
    assistant_id: i64,
    run_id: i64,
) -> Result<EvalRunDetail, EvalError> {
    let run = db
        .eval_run(assistant_id, run_id)
        .await?
        .ok_or(EvalError::NotFound)?;
    let results = db.eval_results(run.id).await?;
    Ok(EvalRunDetail {
        run: run_view(assistant_id, run),
        results: results.into_iter().map(result_view).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(document: &str, page: u32) -> FoundPage {
        FoundPage {
            document: document.into(),
            page: Some(page),
        }
    }

    #[test]
    fn pages_are_read_as_people_write_them() {
        assert_eq!(parse_pages(""), Ok(vec![]));
        assert_eq!(parse_pages("61"), Ok(vec![61]));
        assert_eq!(
            parse_pages("62, 61; 64-66 61"),
            Ok(vec![61, 62, 64, 65, 66])
        );
        assert!(parse_pages("p. 3").unwrap_err().contains("\"p.\""));
        assert!(parse_pages("0").is_err());
        assert!(parse_pages("5-3").is_err());
        assert!(parse_pages("1-100000").is_err(), "a huge range is refused");
        assert!(parse_pages("99999999999999").is_err());
    }

    #[test]
    fn phrases_are_one_per_line_or_split_by_bars() {
        assert_eq!(
            parse_phrases("$1,577 million\n\n  capital | 2018 "),
            vec!["$1,577 million", "capital", "2018"]
        );
    }

    #[test]
    fn a_question_says_what_a_good_answer_needs() {
        let docs = vec!["3M_2018_10K.pdf".to_owned()];
        let draft = Draft {
            question: "  What was capex?  ".into(),
            document: Some("3M_2018_10K.pdf".into()),
            pages: vec![61, 60, 61],
            phrases: vec![" $1,577 million ".into(), "  ".into()],
        };
        let record = validate(&draft, &docs).unwrap();
        assert_eq!(record.question, "What was capex?");
        assert_eq!(record.pages, "[60,61]");
        assert_eq!(record.phrases, r#"["$1,577 million"]"#);

        let bare = Draft {
            question: "What?".into(),
            ..Draft::default()
        };
        let EvalError::Invalid(errors) = validate(&bare, &docs).unwrap_err() else {
            panic!()
        };
        assert_eq!(errors[0].0, "non_field_errors");

        let unknown = Draft {
            question: "What?".into(),
            document: Some("other.pdf".into()),
            ..Draft::default()
        };
        let EvalError::Invalid(errors) = validate(&unknown, &docs).unwrap_err() else {
            panic!()
        };
        assert_eq!(
            errors,
            vec![(
                "document",
                "This assistant has no document named \"other.pdf\".".to_owned()
            )]
        );
        let huge = Draft {
            question: "x".repeat(QUESTION_MAX_CHARS + 1),
            pages: vec![1],
            ..Draft::default()
        };
        assert!(validate(&huge, &docs).is_err());
    }

    #[test]
    fn a_hit_is_an_expected_page_among_the_top_five() {
        let expected = Expected {
            document: Some("a.pdf".into()),
            pages: vec![61, 62],
            phrases: vec![],
        };
        let passages = [
            found("a.pdf", 3),
            found("b.pdf", 61),
            found("a.pdf", 62),
            found("a.pdf", 61),
        ];
        let check = check(&expected, &passages, None);
        assert_eq!(
            (check.outcome, check.hit, check.rank),
            ("passed", Some(true), Some(3))
        );

        let sixth = [
            found("a.pdf", 1),
            found("a.pdf", 2),
            found("a.pdf", 3),
            found("a.pdf", 4),
            found("a.pdf", 5),
            found("a.pdf", 61),
        ];
        let missed = super::check(&expected, &sixth, None);
        assert_eq!((missed.outcome, missed.hit), ("failed", Some(false)));
        assert_eq!(
            missed.note.as_deref(),
            Some("None of the 5 passages found came from pages 61-62 of a.pdf.")
        );
    }

    #[test]
    fn an_answer_needs_every_phrase_and_the_expected_page_cited() {
        let expected = Expected {
            document: None,
            pages: vec![61],
            phrases: vec!["$1,577 million".into(), "Capital Expenditures".into()],
        };
        let passages = [found("a.pdf", 61)];
        let good = Written {
            text: "Capital  expenditures were $1,577\u{a0}million [1].".into(),
            cited: vec![found("a.pdf", 61)],
        };
        let check1 = check(&expected, &passages, Some(&good));
        assert_eq!(check1.outcome, "passed", "{check1:?}");
        assert_eq!(check1.cited, Some(true));

        let vague = Written {
            text: "They rose.".into(),
            cited: vec![found("a.pdf", 9)],
        };
        let check2 = check(&expected, &passages, Some(&vague));
        assert_eq!(check2.outcome, "failed");
        assert_eq!(check2.missing_phrases.len(), 2);
        assert_eq!(check2.cited, Some(false));
        let note = check2.note.unwrap();
        assert!(note.contains("lacks \"$1,577 million\""), "{note}");
        assert!(note.contains("does not cite page 61"), "{note}");
    }

    #[test]
    fn phrases_without_a_model_are_skipped_not_passed() {
        let expected = Expected {
            phrases: vec!["x".into()],
            ..Expected::default()
        };
        let check = check(&expected, &[], None);
        assert_eq!(check.outcome, "skipped");
        assert!(check.note.unwrap().contains("none is configured"));
    }
}
