//! The Evaluate tab's server functions: the page's figures, adding,
//! editing and removing test questions, and starting a run. (CSV in and
//! out are plain form posts and downloads in `web/dashboard.rs`.)

#[cfg(feature = "ssr")]
use crate::model::workspaces::Permission;
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::evaluation::EvaluationPage;

#[cfg(feature = "ssr")]
fn eval_error(error: crate::evaluation::EvalError, typed: &[(&str, &str)]) -> AppError {
    use crate::evaluation::EvalError;
    match error {
        EvalError::Invalid(problems) => {
            let mut fields = crate::model::FieldErrors::new();
            for (field, message) in problems {
                fields.entry(field.to_owned()).or_default().push(message);
            }
            AppError::Invalid {
                fields,
                values: std::collections::BTreeMap::new(),
            }
            .with_values(typed.iter().copied())
        }
        EvalError::NotFound => AppError::NotFound,
        EvalError::Database(error) => super::context::internal(error),
    }
}

/// Everything the Evaluate tab of one of the signed-in user's assistants shows.
#[server(prefix = "/fn", endpoint = "evaluation_of")]
pub async fn evaluation_of(assistant_id: i64) -> Result<EvaluationPage, AppError> {
    use super::context::{found, internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let state = state();
        let db = &state.db;
        let assistant = found(db.assistant_of(member.workspace_id, assistant_id).await)?;
        let questions = crate::evaluation::questions(db, assistant.id)
            .await
            .map_err(internal)?;
        let documents = crate::evaluation::document_names(db, assistant.id)
            .await
            .map_err(internal)?;
        let runs = crate::evaluation::runs(db, assistant.id)
            .await
            .map_err(internal)?;
        let latest = match runs.first() {
            Some(run) => Some(
                crate::evaluation::run_detail(db, assistant.id, run.id)
                    .await
                    .map_err(|e| eval_error(e, &[]))?,
            ),
            None => None,
        };
        let history_svg = crate::evaluation::chart::history(&runs);
        Ok(EvaluationPage {
            questions,
            documents,
            latest,
            history: runs,
            history_svg,
            model_configured: state.provider.is_some(),
        })
    })
    .await
}

/// Adds a test question, or rewrites the one `question_id` names.
#[server(prefix = "/fn", endpoint = "save_eval_question")]
pub async fn save_eval_question(
    assistant_id: i64,
    #[server(default)] question_id: Option<i64>,
    question: String,
    #[server(default)] document: String,
    #[server(default)] pages: String,
    #[server(default)] phrases: String,
) -> Result<(), AppError> {
    use super::context::{found, require, respond, state};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let db = state().db;
        let assistant = found(db.assistant_of(member.workspace_id, assistant_id).await)?;
        let typed = [
            ("question", question.as_str()),
            ("document", document.as_str()),
            ("pages", pages.as_str()),
            ("phrases", phrases.as_str()),
        ];
        let pages = crate::evaluation::parse_pages(&pages)
            .map_err(|message| AppError::field("pages", message).with_values(typed))?;
        let draft = crate::evaluation::Draft {
            question: question.clone(),
            document: Some(document.clone()),
            pages,
            phrases: crate::evaluation::parse_phrases(&phrases),
        };
        let saved = match question_id {
            Some(id) => crate::evaluation::update(&db, assistant.id, id, &draft)
                .await
                .map(|_| ()),
            None => crate::evaluation::add(&db, assistant.id, &draft)
                .await
                .map(|_| ()),
        };
        saved.map_err(|e| eval_error(e, &typed))?;
        leptos_axum::redirect(&format!("/assistants/{assistant_id}/evaluate#questions"));
        Ok(())
    })
    .await
}

/// Removes a test question.
#[server(prefix = "/fn", endpoint = "delete_eval_question")]
pub async fn delete_eval_question(assistant_id: i64, question_id: i64) -> Result<(), AppError> {
    use super::context::{found, require, respond, state};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let db = state().db;
        let assistant = found(db.assistant_of(member.workspace_id, assistant_id).await)?;
        crate::evaluation::remove(&db, assistant.id, question_id)
            .await
            .map_err(|e| eval_error(e, &[]))?;
        leptos_axum::redirect(&format!("/assistants/{assistant_id}/evaluate#questions"));
        Ok(())
    })
    .await
}

/// Starts a run of the evaluation (or leaves the one waiting or running).
#[server(prefix = "/fn", endpoint = "start_eval_run")]
pub async fn start_eval_run(assistant_id: i64) -> Result<(), AppError> {
    use super::context::{found, internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let state = state();
        let assistant = found(
            state
                .db
                .assistant_of(member.workspace_id, assistant_id)
                .await,
        )?;
        match crate::evaluation::start(
            &state.db,
            &state.evaluations,
            member.workspace_id,
            assistant.id,
        )
        .await
        {
            Ok(_) => {}
            Err(
                error @ (crate::evaluation::StartError::NoQuestions
                | crate::evaluation::StartError::TooMany),
            ) => {
                return Err(AppError::field(
                    crate::model::NON_FIELD_ERRORS,
                    error.to_string(),
                ));
            }
            Err(crate::evaluation::StartError::Database(error)) => return Err(internal(error)),
        }
        leptos_axum::redirect(&format!("/assistants/{assistant_id}/evaluate"));
        Ok(())
    })
    .await
}
