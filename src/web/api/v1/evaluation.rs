//! `/api/v1/assistants/{id}/evaluation/…`: an assistant's test questions
//! (JSON, or CSV in and out) and its runs.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::assistants::{owned, parse_id};
use crate::error::ApiError;
use crate::evaluation::{self, Draft, EvalError, Imported, StartError};
use crate::model::evaluation::{EvalQuestion, EvalRun, EvalRunDetail};
use crate::state::AppState;
use crate::web::api::openapi::schemas::{BadRequest, EvalImportInput, EvalQuestionInput};
use crate::web::auth::ApiAuth;
use crate::web::input::Input;

impl From<EvalError> for ApiError {
    fn from(error: EvalError) -> Self {
        match error {
            EvalError::Invalid(problems) => {
                let mut fields = crate::model::FieldErrors::new();
                for (field, message) in problems {
                    fields.entry(field.to_owned()).or_default().push(message);
                }
                Self::Validation(fields)
            }
            EvalError::NotFound => Self::NotFound,
            EvalError::Database(error) => error.into(),
        }
    }
}

/// A test question from a JSON, form or multipart body: `pages` as a list
/// of numbers or as text (`61, 62-64`), `phrases` as a list or as text
/// (one per line).
fn read_draft(input: &Input) -> Result<Draft, ApiError> {
    let mut errors = crate::model::FieldErrors::new();
    let mut fail = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_default().push(message);
    };
    let question = match input.text("question") {
        Ok(Some(question)) => question,
        Ok(None) => {
            fail("question", "This field is required.".into());
            String::new()
        }
        Err((field, message)) => {
            fail(&field, message);
            String::new()
        }
    };
    let document = input
        .nullable_text("document")
        .unwrap_or_else(|(field, message)| {
            fail(&field, message);
            None
        });
    let pages = match input.fields.get("pages") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => evaluation::parse_pages(text).unwrap_or_else(|message| {
            fail("pages", message);
            Vec::new()
        }),
        Some(Value::Number(number)) => match number.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(page) => vec![page],
            None => {
                fail("pages", "A valid integer is required.".into());
                Vec::new()
            }
        },
        Some(Value::Array(items)) => {
            let pages: Option<Vec<u32>> = items
                .iter()
                .map(|item| item.as_u64().and_then(|n| u32::try_from(n).ok()))
                .collect();
            pages.unwrap_or_else(|| {
                fail("pages", "Give page numbers: a list of integers.".into());
                Vec::new()
            })
        }
        Some(_) => {
            fail("pages", "Give page numbers: a list of integers.".into());
            Vec::new()
        }
    };
    let phrases = match input.fields.get("phrases") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => evaluation::parse_phrases(text),
        Some(Value::Array(items)) => {
            let phrases: Option<Vec<String>> = items
                .iter()
                .map(|item| {
                    item.as_str()
                        .filter(|s| !s.contains('\0'))
                        .map(str::to_owned)
                })
                .collect();
            phrases.unwrap_or_else(|| {
                fail("phrases", "Give phrases: a list of strings.".into());
                Vec::new()
            })
        }
        Some(_) => {
            fail("phrases", "Give phrases: a list of strings.".into());
            Vec::new()
        }
    };
    if question.contains('\0') || document.as_deref().is_some_and(|d| d.contains('\0')) {
        fail("question", "Null characters are not allowed.".into());
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(Draft {
        question,
        document,
        pages,
        phrases,
    })
}

/// An assistant's test questions, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/evaluation/questions/",
    tag = "evaluation",
    operation_id = "list_eval_questions",
    summary = "An assistant's test questions",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    responses((status = 200, description = "The test questions, oldest first.", body = Vec<EvalQuestion>)),
)]
pub async fn list_questions(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<EvalQuestion>>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    Ok(Json(evaluation::questions(&state.db, assistant.id).await?))
}

/// Adds a test question: 201 with it.
#[utoipa::path(
    post,
    path = "/api/v1/assistants/{id}/evaluation/questions/",
    tag = "evaluation",
    operation_id = "add_eval_question",
    summary = "Add a test question",
    description = "A question and what a good answer needs: the `document` (one of the assistant's, by name) \
and/or `pages` it must come from, and/or `phrases` the answer must contain. At least one of the three is required. \
An assistant has at most 500 test questions.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    request_body(content(
        (EvalQuestionInput = "application/json"),
        (EvalQuestionInput = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 201, description = "The test question.", body = EvalQuestion),
        (status = 400, description = "A field is missing or wrong, or the question is already in the set.",
            body = BadRequest, example = json!({"document": ["This assistant has no document named \"10K.pdf\"."]})),
    ),
)]
pub async fn add_question(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    input: Input,
) -> Result<(StatusCode, Json<EvalQuestion>), ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let draft = read_draft(&input)?;
    let question = evaluation::add(&state.db, assistant.id, &draft).await?;
    Ok((StatusCode::CREATED, Json(question)))
}

/// One test question.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/evaluation/questions/{question_id}/",
    tag = "evaluation",
    operation_id = "get_eval_question",
    summary = "A test question",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The assistant's id.", minimum = 1),
        ("question_id" = i64, Path, description = "The test question's id.", minimum = 1),
    ),
    responses((status = 200, description = "The test question.", body = EvalQuestion)),
)]
pub async fn get_question(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, question_id)): Path<(String, String)>,
) -> Result<Json<EvalQuestion>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let question_id = parse_id(&question_id)?;
    let row = state
        .db
        .eval_question(assistant.id, question_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(evaluation::question_view(row)))
}

/// Rewrites a test question (every field, as when adding it).
#[utoipa::path(
    put,
    path = "/api/v1/assistants/{id}/evaluation/questions/{question_id}/",
    tag = "evaluation",
    operation_id = "replace_eval_question",
    summary = "Rewrite a test question",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The assistant's id.", minimum = 1),
        ("question_id" = i64, Path, description = "The test question's id.", minimum = 1),
    ),
    request_body(content(
        (EvalQuestionInput = "application/json"),
        (EvalQuestionInput = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "The test question.", body = EvalQuestion),
        (status = 400, description = "A field is missing or wrong.", body = BadRequest,
            example = json!({"question": ["This field may not be blank."]})),
    ),
)]
pub async fn replace_question(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, question_id)): Path<(String, String)>,
    input: Input,
) -> Result<Json<EvalQuestion>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let question_id = parse_id(&question_id)?;
    let draft = read_draft(&input)?;
    Ok(Json(
        evaluation::update(&state.db, assistant.id, question_id, &draft).await?,
    ))
}

/// Removes a test question: 204 (past runs keep their result for it).
#[utoipa::path(
    delete,
    path = "/api/v1/assistants/{id}/evaluation/questions/{question_id}/",
    tag = "evaluation",
    operation_id = "delete_eval_question",
    summary = "Remove a test question",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The assistant's id.", minimum = 1),
        ("question_id" = i64, Path, description = "The test question's id.", minimum = 1),
    ),
    responses((status = 204, description = "Removed.")),
)]
pub async fn delete_question(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, question_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let question_id = parse_id(&question_id)?;
    evaluation::remove(&state.db, assistant.id, question_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The test questions as a CSV file.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/evaluation/questions/csv/",
    tag = "evaluation",
    operation_id = "export_eval_questions",
    summary = "The test questions as CSV",
    description = "Columns `question`, `document`, `pages` (`61, 62-64`) and `phrases` (separated by `|`). \
A cell that a spreadsheet would run as a formula starts with `'`; importing the file takes it away again.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    responses((status = 200, description = "The file.", content_type = "text/csv", body = String)),
)]
pub async fn export_questions(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let questions = evaluation::questions(&state.db, assistant.id).await?;
    Ok(csv_download(assistant.id, &questions))
}

/// The questions as a CSV download.
pub fn csv_download(assistant_id: i64, questions: &[EvalQuestion]) -> Response {
    let mut response = evaluation::csv::write(questions).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"assistant-{assistant_id}-test-questions.csv\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Imports test questions from CSV.
#[utoipa::path(
    post,
    path = "/api/v1/assistants/{id}/evaluation/questions/csv/",
    tag = "evaluation",
    operation_id = "import_eval_questions",
    summary = "Import test questions from CSV",
    description = "The CSV as a `file` part (multipart) or as the `csv` field. The first line names the columns \
(`question` required; `document`, `pages`, `phrases` optional, in any order). Every row is checked as a question \
added alone; if any is wrong, nothing is imported and each problem is listed with its line. A question already in \
the set is rewritten, the others are added.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    request_body(content(
        (EvalImportInput = "multipart/form-data"),
        (EvalImportInput = "application/json"),
    )),
    responses(
        (status = 200, description = "How many questions were added and rewritten.", body = Imported,
            example = json!({"added": 12, "updated": 3})),
        (status = 400, description = "The file is missing or wrong; nothing was imported.", body = BadRequest,
            example = json!({"file": ["Line 3, pages: \"p.3\" is not a page number (1 to 100000)."]})),
    ),
)]
pub async fn import_questions(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
    input: Input,
) -> Result<Json<Imported>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let text = match input.files.as_slice() {
        [file] => String::from_utf8(file.bytes.clone())
            .map_err(|_| ApiError::field("file", "The file is not UTF-8 text."))?,
        [] => input
            .text("csv")
            .map_err(|(field, message)| ApiError::field(&field, message))?
            .ok_or_else(|| {
                ApiError::field("file", "Send the CSV as a file or as the csv field.")
            })?,
        _ => return Err(ApiError::field("file", "Send one file.")),
    };
    Ok(Json(
        evaluation::import(&state.db, assistant.id, &text).await?,
    ))
}

/// An assistant's runs, newest first (the latest 30).
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/evaluation/runs/",
    tag = "evaluation",
    operation_id = "list_eval_runs",
    summary = "An assistant's evaluation runs",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    responses((status = 200, description = "The runs, newest first.", body = Vec<EvalRun>)),
)]
pub async fn list_runs(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<EvalRun>>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    Ok(Json(evaluation::runs(&state.db, assistant.id).await?))
}

/// Starts a run: 201 with it; 200 with the run already waiting or running.
#[utoipa::path(
    post,
    path = "/api/v1/assistants/{id}/evaluation/runs/",
    tag = "evaluation",
    operation_id = "start_eval_run",
    summary = "Run the evaluation",
    description = "Checks every test question in the background: whether an expected page is among the five \
passages retrieved (hit@5) and, with a model configured, whether the answer contains the phrases and cites the \
page. One run at a time per assistant: while one is waiting or running, this answers 200 with it instead of \
starting another; and at most two runs of one user's assistants wait or run at once. Follow it with `GET` on its `url` until `status` is `done`.",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The assistant's id.", minimum = 1)),
    responses(
        (status = 201, description = "The run, started.", body = EvalRun),
        (status = 200, description = "The run already waiting or running.", body = EvalRun),
        (status = 400, description = "The assistant has no test questions, or two runs of the caller's assistants are already waiting or running.", body = BadRequest,
            example = json!({"non_field_errors": ["Add test questions before running the evaluation."]})),
    ),
)]
pub async fn start_run(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<EvalRun>), ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    match evaluation::start(
        &state.db,
        &state.evaluations,
        auth.workspace_id,
        assistant.id,
    )
    .await
    {
        Ok((run, true)) => Ok((StatusCode::CREATED, Json(run))),
        Ok((run, false)) => Ok((StatusCode::OK, Json(run))),
        Err(error @ (StartError::NoQuestions | StartError::TooMany)) => {
            Err(ApiError::non_field(error.to_string()))
        }
        Err(StartError::Database(error)) => Err(error.into()),
    }
}

/// One run with each question's result.
#[utoipa::path(
    get,
    path = "/api/v1/assistants/{id}/evaluation/runs/{run_id}/",
    tag = "evaluation",
    operation_id = "get_eval_run",
    summary = "An evaluation run with its results",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The assistant's id.", minimum = 1),
        ("run_id" = i64, Path, description = "The run's id.", minimum = 1),
    ),
    responses((status = 200, description = "The run and a result per question, in the order of the set.", body = EvalRunDetail)),
)]
pub async fn get_run(
    State(state): State<AppState>,
    auth: ApiAuth,
    Path((id, run_id)): Path<(String, String)>,
) -> Result<Json<EvalRunDetail>, ApiError> {
    let assistant = owned(&state, &auth, &id).await?;
    let run_id = parse_id(&run_id)?;
    Ok(Json(
        evaluation::run_detail(&state.db, assistant.id, run_id).await?,
    ))
}
