//! An assistant's conversations as a file: every question in a date range
//! with its answer, sources, outcome and feedback, as CSV (one row per
//! question) or JSON Lines (one object per line).

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::db::chats::ExportedMessage;
use crate::model::Source;

/// The longest range one export covers, in days.
pub const MAX_DAYS: u64 = 366;

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
}

impl ExportFormat {
    /// `csv` (the default) or `jsonl`.
    pub fn parse(text: Option<&str>) -> Result<Self, ExportError> {
        match text {
            None | Some("csv") => Ok(Self::Csv),
            Some("jsonl") => Ok(Self::JsonLines),
            Some(_) => Err(ExportError::Format),
        }
    }

    /// The response's content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::JsonLines => "application/x-ndjson; charset=utf-8",
        }
    }

    /// The file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::JsonLines => "jsonl",
        }
    }
}

/// Why an export was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("Choose \"csv\" or \"jsonl\".")]
    Format,
    #[error("Enter a date as YYYY-MM-DD.")]
    Date { field: &'static str },
    #[error("The start date must not be after the end date.")]
    Order,
    #[error("Export at most {MAX_DAYS} days at a time.")]
    TooLong,
}

/// Days in UTC, both included: `[from, to]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl ExportRange {
    /// The range `from`..=`to` (`YYYY-MM-DD`); without `to`, up to `today`;
    /// without `from`, the 30 days that end with `to`. A date given blank
    /// is not a date.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, ExportError> {
        let date =
            |text: Option<&str>, field: &'static str| -> Result<Option<NaiveDate>, ExportError> {
                match text.map(str::trim) {
                    None => Ok(None),
                    Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .map(Some)
                        .map_err(|_| ExportError::Date { field }),
                }
            };
        let to = date(to, "to")?.unwrap_or(today);
        let from = match date(from, "from")? {
            Some(from) => from,
            None => to.checked_sub_days(Days::new(29)).unwrap_or(to),
        };
        if from > to {
            return Err(ExportError::Order);
        }
        if (to - from).num_days() >= i64::try_from(MAX_DAYS).unwrap_or(i64::MAX) {
            return Err(ExportError::TooLong);
        }
        Ok(Self { from, to })
    }

    /// The instants `[start, end)` the range covers.
    pub fn instants(self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.from.and_time(chrono::NaiveTime::MIN).and_utc();
        let end = self
            .to
            .checked_add_days(Days::new(1))
            .unwrap_or(self.to)
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        (start, end)
    }

    /// The file's name: `conversations-<assistant>-<from>-to-<to>.<ext>`.
    pub fn file_name(self, assistant_public_id: &str, format: ExportFormat) -> String {
        format!(
            "conversations-{assistant_public_id}-{}-to-{}.{}",
            self.from,
            self.to,
            format.extension()
        )
    }
}

/// The columns of the CSV, in order.
pub const CSV_COLUMNS: [&str; 17] = [
    "chat_id",
    "thread_id",
    "origin",
    "site",
    "message_id",
    "asked_at",
    "answered_at",
    "question",
    "answer",
    "status",
    "error",
    "covered",
    "model",
    "first_word_ms",
    "sources",
    "rating",
    "comment",
];

/// The CSV's header line.
pub fn csv_header() -> String {
    csv_line(CSV_COLUMNS.iter().map(|c| (*c).to_owned()))
}

/// One question as a CSV line. A cell a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return: a
/// visitor wrote it) is opened with `'`.
pub fn csv_row(message: &ExportedMessage) -> String {
    let time = |t: Option<DateTime<Utc>>| t.map(|t| crate::model::timestamp::format(&t));
    let sources = sources_of(message)
        .iter()
        .map(|s| match s.page {
            Some(page) => format!("{} p. {page}", s.document),
            None => s.document.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    csv_line(
        [
            Some(message.chat_id.to_string()),
            Some(message.thread_id.clone()),
            Some(message.origin.clone()),
            message.site_origin.clone(),
            Some(message.message_id.to_string()),
            time(Some(message.created_at)),
            time(message.answered_at),
            Some(message.input.clone()),
            message.output.clone(),
            Some(message.status.clone()),
            message.error.clone(),
            Some(covered(message).to_owned()),
            message.model.clone(),
            message.first_word_ms.map(|ms| ms.to_string()),
            Some(sources),
            message.rating.clone(),
            message.feedback_comment.clone(),
        ]
        .into_iter()
        .map(|cell| defuse(cell.unwrap_or_default())),
    )
}

/// One question as a line of JSON.
pub fn json_line(message: &ExportedMessage) -> String {
    let time = |t: Option<DateTime<Utc>>| t.map(|t| crate::model::timestamp::format(&t));
    let feedback = message
        .rating
        .as_ref()
        .map(|rating| json!({ "rating": rating, "comment": message.feedback_comment }));
    let line: Value = json!({
        "chat_id": message.chat_id,
        "thread_id": message.thread_id,
        "origin": message.origin,
        "site": message.site_origin,
        "message_id": message.message_id,
        "asked_at": time(Some(message.created_at)),
        "answered_at": time(message.answered_at),
        "question": message.input,
        "answer": message.output,
        "status": message.status,
        "error": message.error,
        "covered": covered(message) == "yes",
        "model": message.model,
        "first_word_ms": message.first_word_ms,
        "sources": sources_of(message),
        "feedback": feedback,
    });
    let mut text = line.to_string();
    text.push('\n');
    text
}

fn sources_of(message: &ExportedMessage) -> Vec<Source> {
    serde_json::from_str(&message.sources).unwrap_or_default()
}

/// `yes`, `no` (the documents held nothing relevant), or blank when the
/// question has no answer.
fn covered(message: &ExportedMessage) -> &'static str {
    match (message.status.as_str(), message.covered) {
        ("answered", true) => "yes",
        ("answered", false) => "no",
        _ => "",
    }
}

/// A cell a spreadsheet would run as a formula, made plain text with a leading `'`.
pub fn defuse(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// One CSV line (CRLF-terminated) of `cells`.
pub fn csv_line(cells: impl Iterator<Item = String>) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let cells: Vec<String> = cells.collect();
    // Writing to memory cannot fail.
    let _ = writer.write_record(&cells);
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_range_defaults_to_the_last_30_days_and_is_checked() {
        let today = day("2026-12-04");
        let range = ExportRange::parse(None, None, today).unwrap();
        assert_eq!((range.from, range.to), (day("2026-11-05"), today));
        let range = ExportRange::parse(Some("2026-01-01"), Some(" 2026-01-31 "), today).unwrap();
        let (start, end) = range.instants();
        assert_eq!(start.to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-02-01T00:00:00+00:00");
        assert_eq!(
            ExportRange::parse(Some("2026-02-01"), Some("2026-01-01"), today),
            Err(ExportError::Order)
        );
        assert_eq!(
            ExportRange::parse(Some("01/02/2026"), None, today),
            Err(ExportError::Date { field: "from" })
        );
        assert_eq!(
            ExportRange::parse(None, Some("2026-02-30"), today),
            Err(ExportError::Date { field: "to" })
        );
        assert_eq!(
            ExportRange::parse(None, Some(""), today),
            Err(ExportError::Date { field: "to" })
        );
        assert_eq!(
            ExportRange::parse(Some("2020-01-01"), None, today),
            Err(ExportError::TooLong)
        );
    }

    #[test]
    fn formats_are_csv_by_default_or_json_lines() {
        assert_eq!(ExportFormat::parse(None), Ok(ExportFormat::Csv));
        assert_eq!(
            ExportFormat::parse(Some("jsonl")),
            Ok(ExportFormat::JsonLines)
        );
        assert_eq!(ExportFormat::parse(Some("JSONL")), Err(ExportError::Format));
        assert_eq!(ExportFormat::parse(Some("xlsx")), Err(ExportError::Format));
    }

    fn message(input: &str) -> ExportedMessage {
        ExportedMessage {
            message_id: 9,
            chat_id: 2,
            thread_id: "thread_x".into(),
            origin: "widget".into(),
            site_origin: Some("https://shop.example".into()),
            created_at: "2026-12-01T10:00:00Z".parse().unwrap(),
            answered_at: Some("2026-12-01T10:00:02Z".parse().unwrap()),
            input: input.into(),
            output: Some("Revenue was $5 billion [1].".into()),
            status: "answered".into(),
            error: None,
            sources: r#"[{"document_id":1,"document":"10k.pdf","page":61,"text":"..."}]"#.into(),
            covered: true,
            model: Some("gpt-4o-mini".into()),
            first_word_ms: Some(420),
            rating: Some("down".into()),
            feedback_comment: Some("Wrong year, \"2017\"".into()),
        }
    }

    #[test]
    fn a_csv_row_quotes_what_it_must_and_defuses_formulas() {
        let row = csv_row(&message("=HYPERLINK(\"http://evil\")"));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(row.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(record.len(), CSV_COLUMNS.len());
        assert_eq!(&record[7], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(&record[11], "yes");
        assert_eq!(&record[14], "10k.pdf p. 61");
        assert_eq!(&record[15], "down");
        assert_eq!(&record[16], "Wrong year, \"2017\"");
        assert!(csv_header().starts_with("chat_id,thread_id,origin,site,"));
    }

    #[test]
    fn a_json_line_is_one_object_with_its_feedback() {
        let line = json_line(&message("What was revenue?\nIn 2018?"));
        assert_eq!(line.matches('\n').count(), 1, "one line: {line}");
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["question"], "What was revenue?\nIn 2018?");
        assert_eq!(value["feedback"]["rating"], "down");
        assert_eq!(value["sources"][0]["page"], 61);
        assert_eq!(value["covered"], true);
    }
}
