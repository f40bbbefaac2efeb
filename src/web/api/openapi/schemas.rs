//! Schemas of the error bodies and of the request bodies, for the
//! description only (the handlers read bodies with [`Input`]). Text fields
//! that may not be blank say `pattern = "NOT_BLANK"`, which
//! [`super::conventions`] turns into [`super::conventions::NOT_BLANK`].
//!
//! [`Input`]: crate::web::input::Input

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// Every error that is not a validation error.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"detail": "Not found."}))]
pub struct Detail {
    pub detail: String,
}

/// Validation errors: the messages of each field that was not accepted;
/// errors that belong to no single field are under `non_field_errors`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": ["This field may not be blank."]}))]
pub struct ValidationErrors(pub BTreeMap<String, Vec<String>>);

/// A 400: messages by field, or a `detail` when the body could not be read
/// at all (malformed JSON, a broken multipart body).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BadRequest {
    Fields(ValidationErrors),
    Detail(Detail),
}

/// `POST /api/v1/users/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"username": "ada", "email": "ada@example.com", "password": "correct horse"}))]
pub struct SignUp {
    /// Letters, digits and `@.+-_`; unique.
    #[schema(min_length = 1, max_length = 150, pattern = r"^[A-Za-z0-9@.+_-]+$")]
    pub username: String,
    /// Unique.
    #[schema(format = Email, max_length = 254, pattern = r"^[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")]
    pub email: String,
    #[schema(min_length = 8, max_length = 1024, pattern = r"^[^\u0000]*$")]
    pub password: String,
}

/// `POST /api/v1/tokens/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"username": "ada", "password": "correct horse"}))]
pub struct LogIn {
    #[schema(min_length = 1, max_length = 150, pattern = r"^[^\u0000]*$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 1024, pattern = r"^[^\u0000]*$")]
    pub password: String,
    /// What the new key may do: `full` (the default: everything), `chat`
    /// (read, search and ask; no changes) or `read` (`GET` only).
    #[schema(nullable = false)]
    pub scope: Option<KeyScope>,
    /// The assistants (ids) the key may reach; absent: all, those made
    /// later included.
    #[schema(nullable = false)]
    pub assistants: Option<Vec<i64>>,
    /// When the key stops working: a date (`YYYY-MM-DD`, the end of that
    /// day in UTC) or an RFC 3339 moment, in the future; absent: never.
    #[schema(nullable = false, example = "2027-01-31")]
    pub expires_at: Option<String>,
    /// A name for the key, shown on the account page (default `API`).
    #[schema(nullable = false, max_length = 100, pattern = "NOT_BLANK")]
    pub name: Option<String>,
    /// The workspace (id) the key acts in, one the account is a member of;
    /// absent: the account's personal workspace. The key acts with the
    /// account's role there (a viewer's key reads and asks only).
    #[schema(nullable = false, minimum = 1, example = 12)]
    pub workspace: Option<i64>,
}

/// `POST /api/v1/tokens/` with a key and no credentials: a new key for the
/// key's owner, within what the calling key may do.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyFromKey {
    /// As for a log-in; no wider than the calling key's.
    #[schema(nullable = false)]
    pub scope: Option<KeyScope>,
    /// Among the calling key's assistants when it is limited.
    #[schema(nullable = false)]
    pub assistants: Option<Vec<i64>>,
    /// No later than the calling key's expiry when it has one.
    #[schema(nullable = false, example = "2027-01-31")]
    pub expires_at: Option<String>,
    #[schema(nullable = false, max_length = 100, pattern = "NOT_BLANK")]
    pub name: Option<String>,
}

/// A log-in, or a key made with a key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum NewToken {
    LogIn(LogIn),
    KeyFromKey(KeyFromKey),
}

/// What a key may do.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyScope {
    Full,
    Chat,
    Read,
}

/// A file part of a multipart body.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
pub struct UploadFile(pub Vec<u8>);

/// `POST /api/v1/assistants/` as JSON.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "Annual report helper", "company_name": "3M", "instructions": "Answer questions about our 2018 annual report."}))]
pub struct NewAssistant {
    #[schema(max_length = 200, pattern = "NOT_BLANK")]
    pub name: String,
    #[schema(max_length = 200, pattern = "NOT_BLANK")]
    pub company_name: String,
    #[schema(max_length = 20000, pattern = "NOT_BLANK")]
    pub instructions: String,
    /// The languages scanned pages are read in by OCR: Tesseract's codes
    /// joined by `+` (`eng`, `eng+deu`), each installed on the server.
    #[schema(
        required = false,
        max_length = 100,
        pattern = r"^[ \t\n\r,+]*[a-z]{3}(_[a-z]{2,8})?([ \t\n\r,+]+[a-z]{3}(_[a-z]{2,8})?){0,4}[ \t\n\r,+]*$"
    )]
    pub ocr_languages: String,
}

/// `POST /api/v1/assistants/` as multipart: the fields, and documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewAssistantUpload {
    #[schema(max_length = 200, pattern = "NOT_BLANK")]
    pub name: String,
    #[schema(max_length = 200, pattern = "NOT_BLANK")]
    pub company_name: String,
    #[schema(max_length = 20000, pattern = "NOT_BLANK")]
    pub instructions: String,
    /// The languages scanned pages are read in by OCR: Tesseract's codes
    /// joined by `+` (`eng`, `eng+deu`), each installed on the server.
    #[schema(
        required = false,
        max_length = 100,
        pattern = r"^[ \t\n\r,+]*[a-z]{3}(_[a-z]{2,8})?([ \t\n\r,+]+[a-z]{3}(_[a-z]{2,8})?){0,4}[ \t\n\r,+]*$"
    )]
    pub ocr_languages: String,
    /// Documents to add: PDF, Word (.docx), spreadsheets (.xlsx, .xls, .ods), PowerPoint (.pptx), OpenDocument text (.odt), e-books (.epub), rich text (.rtf), e-mails (.eml, their attachments added as documents of their own), plain text, Markdown, HTML or CSV.
    #[schema(required = false)]
    pub files: Vec<UploadFile>,
}

/// `PUT /api/v1/assistants/{id}/` as JSON: every field; `new_name` renames.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "Annual report helper", "new_name": "3M helper", "company_name": "3M", "instructions": "Cite pages."}))]
pub struct AssistantReplacement {
    /// The name; when `new_name` is given, still required (as in the original).
    #[schema(max_length = 200, pattern = "NOT_BLANK")]
    pub name: String,
    /// The new name.
    #[schema(required = false, max_length = 200, pattern = "NOT_BLANK")]
    pub new_name: String,
    #[schema(max_length = 200, pattern = "NOT_BLANK")]
    pub company_name: String,
    #[schema(max_length = 20000, pattern = "NOT_BLANK")]
    pub instructions: String,
    /// The languages scanned pages are read in by OCR: Tesseract's codes
    /// joined by `+` (`eng`, `eng+deu`), each installed on the server.
    #[schema(
        required = false,
        max_length = 100,
        pattern = r"^[ \t\n\r,+]*[a-z]{3}(_[a-z]{2,8})?([ \t\n\r,+]+[a-z]{3}(_[a-z]{2,8})?){0,4}[ \t\n\r,+]*$"
    )]
    pub ocr_languages: String,
}

/// `PUT /api/v1/assistants/{id}/` as multipart: the fields, and documents
/// added to the existing ones.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssistantReplacementUpload {
    #[schema(max_length = 200, pattern = "NOT_BLANK")]
    pub name: String,
    #[schema(required = false, max_length = 200, pattern = "NOT_BLANK")]
    pub new_name: String,
    #[schema(max_length = 200, pattern = "NOT_BLANK")]
    pub company_name: String,
    #[schema(max_length = 20000, pattern = "NOT_BLANK")]
    pub instructions: String,
    /// The languages scanned pages are read in by OCR: Tesseract's codes
    /// joined by `+` (`eng`, `eng+deu`), each installed on the server.
    #[schema(
        required = false,
        max_length = 100,
        pattern = r"^[ \t\n\r,+]*[a-z]{3}(_[a-z]{2,8})?([ \t\n\r,+]+[a-z]{3}(_[a-z]{2,8})?){0,4}[ \t\n\r,+]*$"
    )]
    pub ocr_languages: String,
    #[schema(required = false)]
    pub files: Vec<UploadFile>,
}

/// `PATCH /api/v1/assistants/{id}/` as JSON: any subset of the fields.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"instructions": "Answer briefly, citing pages."}))]
pub struct AssistantChanges {
    #[schema(required = false, max_length = 200, pattern = "NOT_BLANK")]
    pub name: String,
    /// Renames (takes precedence over `name`).
    #[schema(required = false, max_length = 200, pattern = "NOT_BLANK")]
    pub new_name: String,
    #[schema(required = false, max_length = 200, pattern = "NOT_BLANK")]
    pub company_name: String,
    #[schema(required = false, max_length = 20000, pattern = "NOT_BLANK")]
    pub instructions: String,
    /// The languages scanned pages are read in by OCR: Tesseract's codes
    /// joined by `+` (`eng`, `eng+deu`), each installed on the server.
    #[schema(
        required = false,
        max_length = 100,
        pattern = r"^[ \t\n\r,+]*[a-z]{3}(_[a-z]{2,8})?([ \t\n\r,+]+[a-z]{3}(_[a-z]{2,8})?){0,4}[ \t\n\r,+]*$"
    )]
    pub ocr_languages: String,
}

/// `PATCH /api/v1/assistants/{id}/` as multipart.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssistantChangesUpload {
    #[schema(required = false, max_length = 200, pattern = "NOT_BLANK")]
    pub name: String,
    #[schema(required = false, max_length = 200, pattern = "NOT_BLANK")]
    pub new_name: String,
    #[schema(required = false, max_length = 200, pattern = "NOT_BLANK")]
    pub company_name: String,
    #[schema(required = false, max_length = 20000, pattern = "NOT_BLANK")]
    pub instructions: String,
    /// The languages scanned pages are read in by OCR: Tesseract's codes
    /// joined by `+` (`eng`, `eng+deu`), each installed on the server.
    #[schema(
        required = false,
        max_length = 100,
        pattern = r"^[ \t\n\r,+]*[a-z]{3}(_[a-z]{2,8})?([ \t\n\r,+]+[a-z]{3}(_[a-z]{2,8})?){0,4}[ \t\n\r,+]*$"
    )]
    pub ocr_languages: String,
    #[schema(required = false)]
    pub files: Vec<UploadFile>,
}

/// `POST /api/v1/assistants/{id}/documents/`: one or more files.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentsUpload {
    /// PDF, Word (.docx), spreadsheets (.xlsx, .xls, .ods), PowerPoint (.pptx), OpenDocument text (.odt), e-books (.epub), rich text (.rtf), e-mails (.eml, their attachments added as documents of their own), plain text, Markdown, HTML or CSV.
    #[schema(min_items = 1)]
    pub files: Vec<UploadFile>,
}

/// `PATCH /api/v1/assistants/{id}/documents/{doc_id}/`: any subset; an
/// empty string or `null` makes a value unknown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"company": "Apple Inc.", "period": "2023 Q3"}))]
pub struct MetadataUpdate {
    /// The company the document is from or about.
    #[schema(max_length = 200)]
    pub company: Option<String>,
    /// "10-K", "10-Q", "8-K", "Earnings release", "Contract"…
    #[schema(max_length = 200)]
    pub kind: Option<String>,
    /// The period it covers: "FY2018", "2023 Q3"…
    #[schema(max_length = 200)]
    pub period: Option<String>,
    /// A title for people.
    #[schema(max_length = 200)]
    pub title: Option<String>,
}

/// `POST /api/v1/chat/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"assistant_id": 7}))]
pub struct NewChat {
    /// One of the caller's assistants; any other id is a 400 on this field.
    #[schema(minimum = 1)]
    pub assistant_id: i64,
}

/// `PUT /api/v1/chat/{id}/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"assistant_id": 7, "input": "What were capital expenditures in 2018?"}))]
pub struct Question {
    /// The chat's assistant (400 otherwise).
    #[schema(minimum = 1)]
    pub assistant_id: i64,
    /// The question.
    #[schema(max_length = 10000, pattern = "NOT_BLANK")]
    pub input: String,
}

/// `POST /api/v1/chat/{id}/messages/{message_id}/feedback/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"rating": "down", "comment": "It cites the 2017 figure."}))]
pub struct FeedbackInput {
    /// Thumbs up or down.
    pub rating: crate::model::Rating,
    /// Why, in a few words (at most 2,000 characters; blank is none).
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

/// An error of the OpenAI-compatible `/v1`, in OpenAI's shape.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": {"message": "The model `asst_x` does not exist or you do not have access to it.", "type": "invalid_request_error", "param": "model", "code": "model_not_found"}}))]
pub struct OpenAiErrorBody {
    pub error: OpenAiErrorDetail,
}

/// What went wrong, as OpenAI says it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenAiErrorDetail {
    pub message: String,
    /// `invalid_request_error`, `permission_error`, `requests`, `api_error`, `server_error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The request parameter at fault, if one is.
    pub param: Option<String>,
    /// `invalid_api_key`, `model_not_found`, `rate_limit_exceeded`, …
    pub code: Option<String>,
}

/// The role of a chat-completion message.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageRole {
    System,
    Developer,
    User,
    Assistant,
}

/// A message's content: text, or text parts (an assistant reads no images,
/// audio or files).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MessageContent {
    Text(String),
    Parts(Vec<TextPart>),
}

/// A text part of a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct TextPart {
    #[serde(rename = "type")]
    pub kind: TextPartKind,
    pub text: String,
}

/// Always `text`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TextPartKind {
    Text,
}

/// Where the model stops: one sequence, or up to four (more are a 400).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum StopSequences {
    One(String),
    Many(Vec<String>),
}

/// `POST /api/v1/assistants/{id}/evaluation/questions/`: a test question and
/// what a good answer needs (at least one of `document`, `pages`, `phrases`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"question": "What were 3M's capital expenditures in 2018?", "document": "3M_2018_10K.pdf", "pages": [60], "phrases": ["1,577"]}))]
pub struct EvalQuestionInput {
    /// The question, as a user would ask it (at most 2,000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub question: String,
    /// The name of one of the assistant's documents the answer must come from.
    #[schema(max_length = 255)]
    pub document: Option<String>,
    /// Pages (1-based), one of which must be among the passages found.
    pub pages: Option<EvalPages>,
    /// Phrases the answer must contain (case and spacing aside).
    pub phrases: Option<EvalPhrases>,
}

/// Pages: a list of numbers, or text such as `61, 62-64` (as a form sends them).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum EvalPages {
    List(Vec<u32>),
    Text(String),
}

/// Phrases: a list, or text with one phrase per line.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum EvalPhrases {
    List(Vec<String>),
    Text(String),
}

/// `POST /api/v1/assistants/{id}/evaluation/questions/csv/`: the CSV as a
/// file, or as text.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvalImportInput {
    /// The CSV file (multipart).
    #[schema(format = Binary, content_media_type = "text/csv")]
    pub file: Option<String>,
    /// The CSV as text (JSON).
    pub csv: Option<String>,
}

/// `POST /api/v1/assistants/{id}/sources/`: a web page, a sitemap or a site.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"kind": "site", "url": "http://docs.example.com/", "schedule": "weekly", "max_depth": 2, "max_pages": 50, "include": ["/guide/"], "exclude": ["/guide/old/"]}))]
pub struct WebSourceInput {
    /// `page` (the default), `sitemap` or `site`.
    #[schema(pattern = "^(page|sitemap|site)$")]
    pub kind: Option<String>,
    /// An http or https address on the public internet (at most 2,000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// `daily`, `weekly` (the default) or `never`.
    #[schema(pattern = "^(daily|weekly|never)$")]
    pub schedule: Option<String>,
    /// For a site: how many links deep from the start page (0 to 5, default 2).
    #[schema(minimum = 0, maximum = 5)]
    pub max_depth: Option<i64>,
    /// The most pages fetched per sync (1 to 500, default 50).
    #[schema(minimum = 1, maximum = 500)]
    pub max_pages: Option<i64>,
    /// Path patterns a page must match (`/docs/`, `/blog/*/2026`); all pages when empty.
    pub include: Option<WebPathPatterns>,
    /// Path patterns of pages left out.
    pub exclude: Option<WebPathPatterns>,
}

/// Path patterns: a list, or text with one a line (as a form sends them).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum WebPathPatterns {
    List(Vec<String>),
    Text(String),
}
