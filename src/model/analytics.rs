//! An assistant's figures over a period, as the API and the dashboard
//! show them (computed by `crate::analytics`).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// An assistant's figures over the `days` days from `from` to `to` (UTC,
/// both included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Analytics {
    pub days: u32,
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = Date))]
    pub from: NaiveDate,
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = Date))]
    pub to: NaiveDate,
    /// The surfaces questions came through in the period: `app`, `api`,
    /// `widget` (the website chat), `openai`, `mcp`.
    pub origins: Vec<String>,
    /// Every day of the period, oldest first.
    pub per_day: Vec<DayCount>,
    pub outcomes: Outcomes,
    pub ratings: Ratings,
    pub first_word: FirstWord,
    /// Answers written by each model (`null`: without one), most first.
    pub models: Vec<ModelCount>,
    /// The documents the answers cited most, with their pages.
    pub documents: Vec<CitedDocument>,
    /// The websites the chat ran on, most questions first.
    pub sites: Vec<SiteCount>,
    /// The latest questions the documents did not cover, newest first.
    pub latest_not_covered: Vec<ToReview>,
    /// The latest answers rated thumbs down, newest first.
    pub latest_thumbs_down: Vec<ToReview>,
}

/// Questions asked on one day, by surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayCount {
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub total: u64,
    pub by_origin: BTreeMap<String, u64>,
}

/// What became of the questions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Outcomes {
    pub questions: u64,
    /// Answered from the documents (or, without a model, quoted from them).
    pub answered: u64,
    /// The documents held nothing relevant: the refusal was given.
    pub not_covered: u64,
    /// The model failed; the question is kept.
    pub failed: u64,
    /// Still being answered.
    pub pending: u64,
}

/// Feedback given on the period's answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Ratings {
    pub up: u64,
    pub down: u64,
}

/// How long askers waited for the first word of an answer from the
/// documents (refusals, given without the model, are not counted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FirstWord {
    /// Answers measured.
    pub answers: u64,
    pub p50_ms: Option<i64>,
    pub p95_ms: Option<i64>,
}

/// Answers written by one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModelCount {
    /// `null`: written without a model (quoted passages).
    pub model: Option<String>,
    pub answers: u64,
}

/// A document the answers cited, and its most cited pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CitedDocument {
    pub document: String,
    pub citations: u64,
    pub pages: Vec<CitedPage>,
}

/// A page and how often answers cited it (`page` `null`: formats without pages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CitedPage {
    pub page: Option<i64>,
    pub citations: u64,
}

/// A website the chat ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SiteCount {
    pub site: String,
    pub questions: u64,
}

/// A question worth a look, with its chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ToReview {
    pub chat_id: i64,
    pub message_id: i64,
    pub question: String,
    pub answer: Option<String>,
    /// The asker's comment with a thumbs down.
    pub comment: Option<String>,
    pub origin: String,
    #[serde(with = "super::timestamp")]
    pub asked_at: DateTime<Utc>,
}

/// What a surface (a chat's `origin`) is called on the pages.
pub fn origin_name(origin: &str) -> &str {
    match origin {
        "app" => "App",
        "api" => "API",
        "widget" => "Website",
        "openai" => "OpenAI API",
        "mcp" => "MCP",
        other => other,
    }
}

/// An assistant's last seven days, as its dashboard card shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekFigures {
    pub assistant_id: i64,
    pub questions: i64,
    /// Answered from the documents (not the refusal).
    pub answered: i64,
    pub up: i64,
    pub down: i64,
}

/// The figures with their chart, drawn on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsPage {
    pub analytics: Analytics,
    /// An accessible SVG of questions per day by surface.
    pub chart_svg: String,
}
