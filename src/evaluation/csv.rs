//! Test questions as CSV, for spreadsheets: a header row, then one question
//! per row with the columns `question`, `document`, `pages` (`61, 62-64`)
//! and `phrases` (separated by `|`). The header names the columns, in any
//! order; `question` is required, the others may be left out.

use crate::chat::export::defuse;
use crate::db::evaluations::EvalQuestionRecord;
use crate::model::evaluation::{EvalQuestion, pages_text};

use super::{Draft, EvalError, MAX_QUESTIONS, parse_pages, parse_phrases, validate};

/// The columns written, in order.
pub const COLUMNS: [&str; 4] = ["question", "document", "pages", "phrases"];
/// The largest file read, in bytes.
pub const MAX_BYTES: usize = 512 * 1024;
/// Errors listed before the rest are summed up.
const MAX_ERRORS: usize = 20;

/// The questions as a CSV file (formula-like cells made plain text).
pub fn write(questions: &[EvalQuestion]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = writer.write_record(COLUMNS);
    for question in questions {
        let _ = writer.write_record([
            defuse(question.question.clone()),
            defuse(question.document.clone().unwrap_or_default()),
            pages_text(&question.pages),
            defuse(question.phrases.join(" | ")),
        ]);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Reads a CSV file of questions, each checked as a question added by hand
/// is; every problem is reported with its line, and nothing is kept unless
/// all rows are right.
pub fn read(text: &str, documents: &[String]) -> Result<Vec<EvalQuestionRecord>, Vec<String>> {
    if text.len() > MAX_BYTES {
        return Err(vec![format!(
            "The file is larger than {} KB.",
            MAX_BYTES / 1024
        )]);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|h| h.to_lowercase()).collect(),
        Err(_) => return Err(vec!["The file is not CSV text.".into()]),
    };
    let column = |name: &str| header.iter().position(|h| h == name);
    let Some(question_at) = column("question") else {
        return Err(vec![format!(
            "Line 1 must name the columns: {} (question is required).",
            COLUMNS.join(", ")
        )]);
    };
    if let Some(unknown) = header
        .iter()
        .find(|h| !h.is_empty() && !COLUMNS.contains(&h.as_str()))
    {
        return Err(vec![format!(
            "Line 1: \"{unknown}\" is not a column. The columns are {}.",
            COLUMNS.join(", ")
        )]);
    }
    let (document_at, pages_at, phrases_at) =
        (column("document"), column("pages"), column("phrases"));
    let mut records: Vec<EvalQuestionRecord> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(error) => {
                let line = error.position().map_or(0, |p| line_at(text, p.byte()));
                errors.push(format!("Line {line}: this row is not valid CSV."));
                break;
            }
        };
        let line = row.position().map_or(0, |p| line_at(text, p.byte()));
        if row.iter().all(str::is_empty) {
            continue;
        }
        if records.len() >= MAX_QUESTIONS {
            errors.push(format!("The file has more than {MAX_QUESTIONS} questions."));
            break;
        }
        let cell = |at: Option<usize>| {
            at.and_then(|i| row.get(i))
                .map(undefuse)
                .unwrap_or_default()
        };
        let pages = match parse_pages(&cell(pages_at)) {
            Ok(pages) => pages,
            Err(message) => {
                errors.push(format!("Line {line}, pages: {message}"));
                continue;
            }
        };
        let draft = Draft {
            question: cell(Some(question_at)),
            document: Some(cell(document_at)),
            pages,
            phrases: parse_phrases(&cell(phrases_at)),
        };
        match validate(&draft, documents) {
            Ok(record) => {
                if records.iter().any(|r| r.question == record.question) {
                    errors.push(format!(
                        "Line {line}: this question is already in the file."
                    ));
                } else {
                    records.push(record);
                }
            }
            Err(EvalError::Invalid(problems)) => {
                for (field, message) in problems {
                    errors.push(if field == crate::model::NON_FIELD_ERRORS {
                        format!("Line {line}: {message}")
                    } else {
                        format!("Line {line}, {field}: {message}")
                    });
                }
            }
            Err(other) => errors.push(format!("Line {line}: {other}")),
        }
        if errors.len() > MAX_ERRORS {
            break;
        }
    }
    if records.is_empty() && errors.is_empty() {
        errors.push("The file has no questions under its header.".into());
    }
    if errors.len() > MAX_ERRORS {
        errors.truncate(MAX_ERRORS);
        errors.push("…and more. Correct these and import again.".into());
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}

/// The line (1-based) of a byte offset: counted from the text, since the
/// reader's own count leaves out blank lines.
fn line_at(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    // A record's position may be at the blank lines before it.
    while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
        end += 1;
    }
    bytes[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// A cell as written before [`defuse`] made it plain text.
fn undefuse(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn docs() -> Vec<String> {
        vec!["3M_2018_10K.pdf".into()]
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let question = EvalQuestion {
            id: 1,
            question: "=What, \"exactly\", was capex?".into(),
            document: Some("3M_2018_10K.pdf".into()),
            pages: vec![60, 61, 62, 64],
            phrases: vec!["$1,577 million".into(), "capital".into()],
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let text = write(&[question]);
        assert!(
            text.starts_with("question,document,pages,phrases\r\n"),
            "{text}"
        );
        assert!(text.contains("'=What"), "a formula is defused: {text}");
        assert!(text.contains("\"60-62, 64\""), "{text}");
        let records = read(&text, &docs()).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].question, "=What, \"exactly\", was capex?");
        assert_eq!(records[0].pages, "[60,61,62,64]");
        assert_eq!(records[0].phrases, r#"["$1,577 million","capital"]"#);
    }

    #[test]
    fn columns_may_come_in_any_order_and_be_left_out() {
        let text = "\u{feff}Pages,Question\n61,What was capex?\n\n,Revenue?\n";
        let result = read(text, &docs());
        let errors = result.unwrap_err();
        assert_eq!(
            errors,
            vec!["Line 4: Say what a good answer needs: the document or pages it comes from, or phrases it contains.".to_owned()]
        );
        let records = read("pages,question\n61,What was capex?\n", &docs()).unwrap();
        assert_eq!(records[0].pages, "[61]");
        assert_eq!(records[0].document, None);
    }

    #[test]
    fn every_bad_row_is_reported_by_line_and_nothing_is_kept() {
        let text = "question,document,pages\nA?,other.pdf,1\nB?,,p.3\nC?,,2\nC?,,3\n";
        let errors = read(text, &docs()).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("Line 2, document: This assistant has no document named"));
        assert!(errors[1].starts_with("Line 3, pages: \"p.3\""));
        assert_eq!(errors[2], "Line 5: this question is already in the file.");
    }

    #[test]
    fn hostile_files_are_refused_with_a_sentence() {
        assert!(read("", &docs()).unwrap_err()[0].starts_with("Line 1 must name the columns"));
        assert!(read("name,age\nx,1\n", &docs()).unwrap_err()[0].starts_with("Line 1 must name"));
        assert!(
            read("question,evil\nx,1\n", &docs()).unwrap_err()[0]
                .contains("\"evil\" is not a column")
        );
        assert_eq!(
            read("question\n", &docs()).unwrap_err(),
            vec!["The file has no questions under its header.".to_owned()]
        );
        let huge = "question,pages\n".to_owned() + &"q,1\n".repeat(MAX_BYTES / 4 + 1);
        assert!(read(&huge, &docs()).unwrap_err()[0].contains("larger than"));
        let many: String = (0..=MAX_QUESTIONS).map(|i| format!("q{i},1\n")).collect();
        let errors = read(&format!("question,pages\n{many}"), &docs()).unwrap_err();
        assert_eq!(
            errors,
            vec![format!("The file has more than {MAX_QUESTIONS} questions.")]
        );
        let noisy: String = (0..100).map(|i| format!("q{i},x\n")).collect();
        let errors = read(&format!("question,pages\n{noisy}"), &docs()).unwrap_err();
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert!(errors.last().unwrap().contains("and more"));
    }
}
