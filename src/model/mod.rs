//! Wire types shared by the UI, the server functions and the JSON API.

pub mod analytics;
pub mod evaluation;
pub mod sign_in;
pub mod web_sources;
pub mod workspaces;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Validation messages by field name, DRF style; errors not tied to one
/// field go under [`NON_FIELD_ERRORS`].
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// The key of errors that belong to no single field.
pub const NON_FIELD_ERRORS: &str = "non_field_errors";

/// A user as they see themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"id": 1, "username": "ada", "email": "ada@example.com"})))]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub email: String,
}

/// An API key as the dashboard lists it: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// `full`, `chat` or `read`.
    pub scope: String,
    /// The assistants it may reach (ids); `None`: all.
    pub assistant_ids: Option<Vec<i64>>,
    /// When it stops working; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it has stopped working (judged on the server: the browser
    /// build has no clock).
    pub expired: bool,
    /// Who made it, when the list holds other members' keys too.
    #[serde(default)]
    pub made_by: Option<String>,
}

/// A key just created: the only time the whole key is shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: ApiKeyView,
    pub token: String,
}

impl std::fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKey")
            .field("key", &self.key)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// The site's address for links it gives out (the widget's script,
/// invitations): the configured public address, or the scheme and host the
/// dashboard was visited at.
pub fn site_address(public_url: Option<&str>, host: Option<&str>, https: bool) -> String {
    match public_url.map(|url| url.trim().trim_end_matches('/')) {
        Some(url) if !url.is_empty() => url.to_owned(),
        _ => format!(
            "{}://{}",
            if https { "https" } else { "http" },
            host.unwrap_or("localhost:3000")
        ),
    }
}

/// Timestamps on the wire: RFC 3339 in UTC with milliseconds,
/// e.g. `2026-11-26T19:47:45.123Z`.
pub mod timestamp {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// `2026-11-26T19:47:45.123Z`.
    pub fn format(time: &DateTime<Utc>) -> String {
        time.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn serialize<S: Serializer>(
        time: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|time| time.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// An assistant as every API endpoint and the dashboard show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"id": 7, "openai_id": "asst_5qJ1xYz0aB3cD4eF5gH6iJ7k", "absolute_url": "/api/v1/assistants/7/", "name": "Annual report helper", "company_name": "3M", "instructions": "Answer questions about our 2018 annual report.", "created_at": "2026-11-26T19:47:45.123Z", "updated_at": "2026-11-26T19:47:45.123Z", "query_count": 0, "file": "/api/v1/assistants/7/documents/3/", "documents": [{"id": 3, "name": "3M_2018_10K.pdf", "content_type": "application/pdf", "size": 1_160_173, "pages": 128, "pages_done": 128, "empty_pages": 0, "ocr_pages": 0, "notice": null, "status": "ready", "error": null, "url": "/api/v1/assistants/7/documents/3/", "semantic": {"done": 412, "total": 412}}], "ocr_languages": "eng"})))]
pub struct AssistantView {
    pub id: i64,
    /// The stable public identifier (`asst_…`), named as in the original API.
    pub openai_id: String,
    pub absolute_url: String,
    pub name: String,
    pub company_name: String,
    pub instructions: String,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
    /// How many messages the assistant has answered.
    pub query_count: i64,
    /// The URL of the most recently uploaded document, if any.
    pub file: Option<String>,
    pub documents: Vec<DocumentView>,
    /// The languages scanned pages are read in by OCR: Tesseract's codes
    /// joined by `+` (`eng`, `eng+deu`).
    pub ocr_languages: String,
}

/// A document of an assistant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"id": 3, "name": "3M_2018_10K.pdf", "content_type": "application/pdf", "size": 1_160_173, "pages": 128, "pages_done": 128, "empty_pages": 0, "ocr_pages": 0, "notice": null, "status": "ready", "error": null, "url": "/api/v1/assistants/7/documents/3/", "semantic": null, "metadata": {"company": "3M Company", "kind": "10-K", "period": "FY2018", "title": "3M Company 10-K FY2018"}})))]
pub struct DocumentView {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub pages: Option<i64>,
    /// Pages read so far, for progress while `processing`.
    pub pages_done: i64,
    /// Pages with no extractable text (scanned pages, images).
    pub empty_pages: i64,
    /// Pages whose text was read by OCR (scanned pages), so far while
    /// `processing`.
    pub ocr_pages: i64,
    /// Something the owner should know about the document's pages (for
    /// example scanned pages left unread because OCR is not installed).
    pub notice: Option<String>,
    /// `pending`, `processing`, `ready` or `failed`.
    pub status: String,
    /// Why processing failed, in words a user understands.
    pub error: Option<String>,
    pub url: String,
    /// Passages embedded for semantic search so far; `None` when semantic
    /// search is off (no embedding model).
    pub semantic: Option<SemanticProgressView>,
    /// What the document is (company, kind, period, title).
    pub metadata: DocumentMetadata,
    /// For a web page: its address and its last check; `null` for an
    /// uploaded file.
    #[serde(default)]
    pub web: Option<web_sources::WebPageCheck>,
}

/// What a document is, read from its file name and first pages at ingest
/// and correctable by its owner; each value is `None` when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"company": "Apple Inc.", "kind": "10-Q", "period": "2023 Q3", "title": "Apple Inc. 10-Q 2023 Q3"})))]
pub struct DocumentMetadata {
    /// The company the document is from or about.
    pub company: Option<String>,
    /// Its kind: "10-K", "10-Q", "8-K", "Earnings release", "Contract"…
    pub kind: Option<String>,
    /// The period it covers: "FY2018", "2023 Q3", "2022-08-19"…
    pub period: Option<String>,
    /// A title for people.
    pub title: Option<String>,
}

/// How many of a document's passages have their vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SemanticProgressView {
    pub done: i64,
    pub total: i64,
}

/// The editable fields of an assistant as a form sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistantForm {
    pub name: String,
    pub company_name: String,
    pub instructions: String,
}

/// A passage found by the dashboard's search, with the words that matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub document: String,
    pub page: Option<i64>,
    /// The passage as runs of text, `true` where a word matched the question.
    pub runs: Vec<(String, bool)>,
    /// Why it ranked, in words (asked for with "explain"; else empty).
    pub why: Vec<String>,
}

/// A passage an answer may cite, numbered `[n]` in the prompt: the
/// document, the page (1-based; `None` for formats without pages) and the
/// text. The one citation type of the chat, the API, the website chat and
/// the stored messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Source {
    pub document_id: i64,
    pub document: String,
    pub page: Option<i64>,
    pub text: String,
    /// How well the passage matched the question when it was found (the
    /// search's score, in [0, 1] when keyword and semantic rankings are
    /// fused); absent on answers kept before scores were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The web address of a document read from a web page (the link to
    /// the passage's source); absent for uploaded files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A chat as the assistant's page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatView {
    pub id: i64,
    pub assistant_id: i64,
    /// The first question asked, or `None` for a chat not yet used.
    pub title: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Where it was held: `app`, `api` or `widget`.
    pub origin: String,
    /// For widget chats, the site the visitor was on.
    pub site: Option<String>,
    /// Answers rated thumbs up and down.
    pub rated_up: i64,
    pub rated_down: i64,
}

/// The embeddable chat of an assistant, as its owner edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetView {
    pub assistant_id: i64,
    /// The public key the snippet carries (`pub_…`).
    pub public_key: String,
    pub enabled: bool,
    pub allowed_origins: Vec<String>,
    pub title: String,
    pub accent: String,
    /// `right` or `left`.
    pub position: String,
    pub welcome: String,
    pub suggestions: Vec<String>,
    pub show_sources: bool,
    /// Whether visitors see thumbs up and down under each answer.
    pub show_feedback: bool,
    pub visitor_hourly_limit: i64,
    pub daily_limit: i64,
    /// Where the script is served, e.g. `https://chat.example.com/embed.js`.
    pub script_url: String,
}

impl WidgetView {
    /// The line a site pastes in its pages.
    pub fn snippet(&self) -> String {
        format!(
            "<script src=\"{}\" data-assistant=\"{}\" async></script>",
            self.script_url, self.public_key
        )
    }
}

/// What the dashboard's live preview mounts the widget with.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetPreview {
    pub script_url: String,
    pub public_key: String,
    /// A short-lived token for the dashboard's own origin.
    pub token: String,
}

impl std::fmt::Debug for WidgetPreview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WidgetPreview")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

/// A question of a chat with its answer and the passages it cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub input: String,
    /// The answer as safe HTML, its citations linked to `#m{id}-{n}`
    /// (rendered on the server: no Markdown parser in the browser).
    pub html: String,
    pub sources: Vec<Source>,
    /// `pending`, `answered` or `failed`.
    pub status: String,
    pub error: Option<String>,
    /// The asker's feedback on the answer.
    pub feedback: Option<Feedback>,
}

/// An asker's verdict on an answer: thumbs up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Up,
    Down,
}

impl Rating {
    /// `up` or `down`, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }

    /// `up` or `down`, exactly.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "up" => Some(Self::Up),
            "down" => Some(Self::Down),
            _ => None,
        }
    }
}

/// Feedback on an answer: the rating and an optional comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"rating": "down", "comment": "It cites the 2017 figure."})))]
pub struct Feedback {
    pub rating: Rating,
    pub comment: Option<String>,
}

/// The OCR languages a server offers its assistants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcrChoices {
    /// Whether OCR (Tesseract and pdftoppm) is installed at all.
    pub installed: bool,
    /// (Tesseract's code, the language's name), by name.
    pub languages: Vec<(String, String)>,
}

/// A Tesseract language code's name in English (the code itself when it
/// is not a common one).
pub fn language_name(code: &str) -> String {
    let name = match code {
        "eng" => "English",
        "deu" => "German",
        "fra" => "French",
        "spa" => "Spanish",
        "ita" => "Italian",
        "por" => "Portuguese",
        "nld" => "Dutch",
        "pol" => "Polish",
        "swe" => "Swedish",
        "dan" => "Danish",
        "nor" => "Norwegian",
        "fin" => "Finnish",
        "ces" => "Czech",
        "rus" => "Russian",
        "ukr" => "Ukrainian",
        "tur" => "Turkish",
        "ell" => "Greek",
        "ara" => "Arabic",
        "heb" => "Hebrew",
        "hin" => "Hindi",
        "jpn" => "Japanese",
        "kor" => "Korean",
        "chi_sim" => "Chinese (simplified)",
        "chi_tra" => "Chinese (traditional)",
        _ => code,
    };
    name.to_owned()
}

/// How an assistant answers, as its settings form shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerSettingsView {
    /// Answer only from the documents (refuse when they hold nothing relevant).
    pub grounded: bool,
    /// What it says when the documents do not cover a question; empty for
    /// the product's default.
    pub refusal: String,
    /// The assistant's own model; the default answers instead while it is
    /// not one of `allowed_models`.
    pub chat_model: Option<String>,
    pub temperature: Option<f64>,
    /// The server's model, used when `chat_model` is empty.
    pub default_model: String,
    /// The models an assistant may choose (`--allowed-models`), the
    /// default first.
    pub allowed_models: Vec<String>,
    /// Whether a language model is configured at all.
    pub model_configured: bool,
}

/// The default reply when the documents do not cover a question.
pub const DEFAULT_REFUSAL: &str = "I couldn't find that in my documents, so I can't answer it. \
Try asking in other words, or about something the documents cover.";
