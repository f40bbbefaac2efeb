//! The question sets: FinanceBench dev (split by filing into a tuning part
//! and a check part) and the 10-Q multi-document set.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Which half of the FinanceBench dev set a filing's questions belong to.
/// Changes are tuned on one half and must not hurt the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Part {
    #[default]
    Tuning,
    Check,
}

/// A FinanceBench question and the pages that answer it.
#[derive(Debug, Deserialize)]
pub struct Question {
    pub doc_name: String,
    pub question: String,
    pub evidence: Vec<Evidence>,
    #[serde(skip)]
    pub part: Part,
}

#[derive(Debug, Deserialize)]
pub struct Evidence {
    /// 0-based.
    pub evidence_page_num: i64,
}

impl Question {
    /// Whether a (1-based) page of the question's filing holds its answer.
    pub fn is_evidence(&self, page: Option<i64>) -> bool {
        self.evidence
            .iter()
            .any(|e| page == Some(e.evidence_page_num + 1))
    }
}

/// The FinanceBench questions of `dir/questions.jsonl`. The filings, in
/// name order, alternate between the parts: the first tunes, the second
/// checks, and so on (12 filings each for the dev set).
pub fn financebench(dir: &Path) -> anyhow::Result<Vec<Question>> {
    let mut questions: Vec<Question> = std::fs::read_to_string(dir.join("questions.jsonl"))?
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let mut filings: Vec<&str> = questions.iter().map(|q| q.doc_name.as_str()).collect();
    filings.sort_unstable();
    filings.dedup();
    let parts: Vec<(String, Part)> = filings
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let part = if i % 2 == 0 {
                Part::Tuning
            } else {
                Part::Check
            };
            ((*name).to_owned(), part)
        })
        .collect();
    for question in &mut questions {
        question.part = parts
            .iter()
            .find(|(name, _)| *name == question.doc_name)
            .map_or(Part::Tuning, |(_, part)| *part);
    }
    Ok(questions)
}

/// A question of the 10-Q set and the filings its answer comes from.
#[derive(Debug)]
pub struct FilingQuestion {
    pub question: String,
    /// File names of the source filings.
    pub sources: Vec<String>,
    /// One source filing (`Single-Doc …`), or several (`Multi-Doc RAG`).
    pub single: bool,
}

/// The 10-Q set of `dir`: its PDFs (name order) and its questions.
pub fn sec10q(dir: &Path) -> anyhow::Result<(Vec<PathBuf>, Vec<FilingQuestion>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("pdfs"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let text = std::fs::read_to_string(dir.join("questions.csv"))?;
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut questions = Vec::new();
    for record in reader.records() {
        let record = record?;
        let (Some(question), Some(pattern), Some(kind)) =
            (record.get(0), record.get(1), record.get(2))
        else {
            continue;
        };
        // "*2023 Q3 AAPL*" is one filing, "*AAPL*" all of a company's.
        let needle = pattern.trim().trim_matches('*');
        let sources: Vec<String> = names
            .iter()
            .filter(|name| name.contains(needle))
            .cloned()
            .collect();
        anyhow::ensure!(!sources.is_empty(), "no filing matches {pattern}");
        questions.push(FilingQuestion {
            question: question.trim().to_owned(),
            sources,
            single: kind.starts_with("Single-Doc"),
        });
    }
    Ok((files, questions))
}
