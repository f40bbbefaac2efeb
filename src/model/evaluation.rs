//! An assistant's evaluation as the API and the dashboard show it: test
//! questions, runs with their tally, and each question's result (made by
//! `crate::evaluation`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A test question and what a good answer needs: the document and pages it
/// must come from, and/or phrases it must contain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EvalQuestion {
    pub id: i64,
    pub question: String,
    /// The name of the document the answer must come from; `null`: any.
    pub document: Option<String>,
    /// Pages (1-based) one of which must be among the passages found.
    pub pages: Vec<u32>,
    /// Phrases the answer must contain (case and spacing aside).
    pub phrases: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A run of the evaluation and its tally (complete once `status` is `done`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EvalRun {
    pub id: i64,
    /// `pending` (waiting for its turn), `running`, `done` or `failed`.
    pub status: String,
    /// Questions in the run.
    pub questions: i64,
    /// Questions checked so far.
    pub checked: i64,
    pub passed: i64,
    /// Failed checks, and questions whose answer could not be written.
    pub failed: i64,
    /// Questions nothing could be checked for (phrases only, and no model).
    pub skipped: i64,
    /// Share of the questions with an expected document or page whose page
    /// was among the five passages found (`null`: none had one).
    pub hit_at_5: Option<f64>,
    pub retrieval_checked: i64,
    pub retrieval_hits: i64,
    /// Answers written and checked (with a model configured).
    pub answers_checked: i64,
    /// Answers that held every phrase and cited the expected page.
    pub answers_passed: i64,
    /// The model that wrote the answers; `null`: none is configured, so
    /// only retrieval was checked.
    pub model: Option<String>,
    /// Why the run failed.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The run's address in the API.
    pub url: String,
}

/// A passage found for a question: its document and page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FoundPage {
    pub document: String,
    pub page: Option<u32>,
}

/// One question of a run: what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EvalResult {
    /// The test question it checked (`null` once deleted from the set).
    pub question_id: Option<i64>,
    pub question: String,
    pub document: Option<String>,
    pub pages: Vec<u32>,
    pub phrases: Vec<String>,
    /// `passed`, `failed`, `skipped` or `error`; `null` until checked.
    pub outcome: Option<String>,
    /// Whether the expected page was among the five passages found
    /// (`null`: no document or page was expected).
    pub hit: Option<bool>,
    /// Its place among them, 1 to 5.
    pub rank: Option<i64>,
    /// The five passages found, best first.
    pub found: Vec<FoundPage>,
    /// The answer written (with a model configured).
    pub answer: Option<String>,
    /// The phrases the answer lacked.
    pub missing_phrases: Vec<String>,
    /// Whether the answer cited the expected page (`null`: not checked).
    pub cited: Option<bool>,
    /// Why the question failed or was skipped, in words.
    pub note: Option<String>,
}

/// A run with the result of each question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EvalRunDetail {
    #[serde(flatten)]
    pub run: EvalRun,
    pub results: Vec<EvalResult>,
}

/// Everything the Evaluate tab shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationPage {
    pub questions: Vec<EvalQuestion>,
    /// The assistant's document names, for the question form.
    pub documents: Vec<String>,
    /// The latest run with its results.
    pub latest: Option<EvalRunDetail>,
    /// Earlier runs, newest first.
    pub history: Vec<EvalRun>,
    /// The history as an SVG chart (empty without two finished runs).
    pub history_svg: String,
    /// Whether answers are written and checked (a model is configured).
    pub model_configured: bool,
}

/// Pages as the forms and the CSV write them: `12, 14-16`.
pub fn pages_text(pages: &[u32]) -> String {
    let mut sorted = pages.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while index < sorted.len() {
        let start = sorted[index];
        let mut end = start;
        while index + 1 < sorted.len() && sorted[index + 1] == end + 1 {
            index += 1;
            end = sorted[index];
        }
        parts.push(if end > start {
            format!("{start}-{end}")
        } else {
            start.to_string()
        });
        index += 1;
    }
    parts.join(", ")
}

/// The Evaluate tab's address with its question form filled in with
/// `question` (the Analytics page's "Add to evaluation").
pub fn add_question_url(assistant_id: i64, question: &str) -> String {
    let encoded: String = question
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("/assistants/{assistant_id}/evaluate?question={encoded}#question-form")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_travels_in_the_address_encoded() {
        assert_eq!(
            add_question_url(7, "Capex & 2018? «ok»"),
            "/assistants/7/evaluate?question=Capex%20%26%202018%3F%20%C2%ABok%C2%BB#question-form"
        );
    }

    #[test]
    fn pages_are_written_as_ranges() {
        assert_eq!(pages_text(&[]), "");
        assert_eq!(pages_text(&[61]), "61");
        assert_eq!(pages_text(&[14, 12, 15, 16, 12]), "12, 14-16");
    }
}
