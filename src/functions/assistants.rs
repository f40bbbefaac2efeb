//! The dashboard's assistants: list, create, show, edit, delete.

#[cfg(feature = "ssr")]
use crate::model::workspaces::Permission;
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::AssistantView;

/// The assistant fields a form sent, checked; errors keep what was typed.
#[cfg(feature = "ssr")]
fn checked_fields(
    change: crate::assistants::Change,
    name: &str,
    company_name: &str,
    instructions: &str,
    current: Option<&crate::db::assistants::AssistantFields>,
) -> Result<crate::db::assistants::AssistantFields, AppError> {
    let input = crate::assistants::AssistantInput {
        name: Some(name.to_owned()),
        new_name: None,
        company_name: Some(company_name.to_owned()),
        instructions: Some(instructions.to_owned()),
        ocr_languages: None,
    };
    crate::assistants::apply(change, &input, current).map_err(|fields| {
        AppError::Invalid {
            fields,
            values: Default::default(),
        }
        .with_values([
            ("name", name),
            ("company_name", company_name),
            ("instructions", instructions),
        ])
    })
}

/// The signed-in user's assistants, newest first.
#[server(prefix = "/fn", endpoint = "list_assistants")]
pub async fn list_assistants() -> Result<Vec<AssistantView>, AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let views = {
            let state = state();
            crate::assistants::views_of_workspace(
                &state.db,
                state.semantic.as_deref(),
                &state.assistant_lists,
                member.workspace_id,
            )
            .await
        }
        .map_err(internal)?;
        Ok(views.to_vec())
    })
    .await
}

/// One of the signed-in user's assistants.
#[server(prefix = "/fn", endpoint = "get_assistant")]
pub async fn get_assistant(id: i64) -> Result<AssistantView, AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let db = state().db;
        let row = db
            .assistant_of(member.workspace_id, id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let documents = {
            let state = state();
            crate::documents::views_of(&state.db, state.semantic.as_deref(), row.id).await
        }
        .map_err(internal)?;
        Ok(crate::assistants::to_view(row, documents))
    })
    .await
}

/// Creates an assistant and opens its page, unless `uploads_follow`: then
/// the browser uploads the documents chosen in the form first, and opens
/// the page itself.
#[server(prefix = "/fn", endpoint = "create_assistant")]
pub async fn create_assistant(
    name: String,
    company_name: String,
    instructions: String,
    #[server(default)] uploads_follow: bool,
) -> Result<AssistantView, AppError> {
    use crate::assistants::{self, Change};
    use crate::functions::assistants::checked_fields;
    use crate::functions::context::{internal, record, require, respond, state};
    use crate::workspaces::audit::{Event, named};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let fields = checked_fields(Change::Create, &name, &company_name, &instructions, None)?;
        let row = state()
            .db
            .insert_assistant(member.workspace_id, &assistants::new_public_id(), &fields)
            .await
            .map_err(internal)?;
        let target = named(&row.name, row.id);
        record(&member, Event::new("assistant.created", &target)).await;
        if !uploads_follow {
            leptos_axum::redirect(&format!("/assistants/{}/documents", row.id));
        }
        Ok(assistants::to_view(row, Vec::new()))
    })
    .await
}

/// Saves an assistant's name, company and instructions.
#[server(prefix = "/fn", endpoint = "update_assistant")]
pub async fn update_assistant(
    id: i64,
    name: String,
    company_name: String,
    instructions: String,
) -> Result<AssistantView, AppError> {
    use crate::assistants::{self, Change};
    use crate::functions::assistants::checked_fields;
    use crate::functions::context::{internal, record, require, respond, state};
    use crate::workspaces::audit::{Event, named};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let current = state()
            .db
            .assistant_of(member.workspace_id, id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let fields = checked_fields(
            Change::Replace,
            &name,
            &company_name,
            &instructions,
            Some(&current.fields()),
        )?;
        let row = state()
            .db
            .update_assistant(member.workspace_id, id, &fields)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        record(
            &member,
            Event::new("assistant.changed", &named(&row.name, row.id)),
        )
        .await;
        let documents = {
            let state = state();
            crate::documents::views_of(&state.db, state.semantic.as_deref(), row.id).await
        }
        .map_err(internal)?;
        super::context::back_saying_saved("assistant");
        Ok(assistants::to_view(row, documents))
    })
    .await
}

/// Deletes an assistant with everything it owns, then goes to the dashboard.
#[server(prefix = "/fn", endpoint = "delete_assistant")]
pub async fn delete_assistant(id: i64) -> Result<(), AppError> {
    use super::context::{found, internal, record, require, respond, state};
    use crate::workspaces::audit::{Event, named};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let assistant = found(state().db.assistant_of(member.workspace_id, id).await)?;
        if !{
            let state = state();
            crate::assistants::delete(
                &state.db,
                &state.files,
                state.semantic.as_deref(),
                member.workspace_id,
                id,
            )
            .await
        }
        .map_err(internal)?
        {
            return Err(AppError::NotFound);
        }
        let target = named(&assistant.name, assistant.id);
        record(&member, Event::new("assistant.deleted", &target)).await;
        leptos_axum::redirect("/dashboard");
        Ok(())
    })
    .await
}

/// Deletes one document of one of the signed-in user's assistants.
#[server(prefix = "/fn", endpoint = "delete_document")]
pub async fn delete_document(assistant_id: i64, id: i64) -> Result<(), AppError> {
    use crate::functions::context::{internal, owned_document, record, respond, state};
    use crate::workspaces::audit::{Event, named};

    respond(async move {
        let (member, document) = owned_document(Permission::Edit, assistant_id, id).await?;
        let state = state();
        if !crate::documents::delete_document(&state.db, &state.files, &document)
            .await
            .map_err(internal)?
        {
            return Err(AppError::NotFound);
        }
        let target = named(&document.name, document.id);
        record(&member, Event::new("document.removed", &target)).await;
        Ok(())
    })
    .await
}

/// Corrects what one document of the signed-in user's assistants is
/// (empty values make it unknown); its passages are indexed again.
#[server(prefix = "/fn", endpoint = "correct_document")]
pub async fn correct_document(
    assistant_id: i64,
    id: i64,
    company: String,
    kind: String,
    period: String,
    title: String,
) -> Result<crate::model::DocumentView, AppError> {
    use crate::documents::{CorrectionError, MetadataChange, correct_metadata, view_of};
    use crate::functions::context::{internal, owned_document, respond, state};
    use crate::model::NON_FIELD_ERRORS;

    respond(async move {
        let (_, document) = owned_document(Permission::Edit, assistant_id, id).await?;
        let state = state();
        // The document's id goes back with what was typed, so that a form
        // posted without script opens the right editor with its errors.
        let values = [
            ("id", id.to_string()),
            ("company", company.clone()),
            ("kind", kind.clone()),
            ("period", period.clone()),
            ("title", title.clone()),
        ];
        let change = MetadataChange {
            company: Some(company),
            kind: Some(kind),
            period: Some(period),
            title: Some(title),
        };
        let corrected = correct_metadata(&state.db, &document, change)
            .await
            .map_err(|error| match error {
                CorrectionError::Invalid(fields) => AppError::Invalid {
                    fields,
                    values: values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                },
                CorrectionError::NotReady => AppError::field(NON_FIELD_ERRORS, error.to_string())
                    .with_values([("id", id.to_string().as_str())]),
                CorrectionError::Database(error) => internal(error),
            })?;
        super::context::back_saying_saved("document");
        view_of(&state.db, state.semantic.as_deref(), corrected)
            .await
            .map_err(internal)
    })
    .await
}

/// The documents of one of the signed-in user's assistants.
#[server(prefix = "/fn", endpoint = "list_documents")]
pub async fn list_documents(
    assistant_id: i64,
) -> Result<Vec<crate::model::DocumentView>, AppError> {
    use crate::functions::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let db = state().db;
        let assistant = db
            .assistant_of(member.workspace_id, assistant_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        {
            let state = state();
            crate::documents::views_of(&state.db, state.semantic.as_deref(), assistant.id).await
        }
        .map_err(internal)
    })
    .await
}

/// The passages one of the signed-in user's assistants would read for a question.
#[server(prefix = "/fn", endpoint = "search_documents")]
pub async fn search_documents(
    assistant_id: i64,
    q: String,
    explain: bool,
) -> Result<Vec<crate::model::SearchHit>, AppError> {
    use crate::functions::context::{internal, require, respond, state};
    use crate::search::{self, query};

    respond(async move {
        let member = require(Permission::Read).await?;
        let state = state();
        let db = state.db;
        let assistant = db
            .assistant_of(member.workspace_id, assistant_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let question: String = q.trim().chars().take(2000).collect();
        if question.is_empty() {
            return Ok(Vec::new());
        }
        let terms = query::terms(&question);
        let searched = search::search_with(
            &db,
            state.semantic.as_deref(),
            assistant.id,
            &question,
            search::DEFAULT_K,
            search::Stages::SERVED,
        )
        .await
        .map_err(internal)?;
        let route = searched.route;
        Ok(searched
            .found
            .into_iter()
            .map(|(hit, why)| crate::model::SearchHit {
                document: hit.document,
                page: hit.page,
                runs: query::highlight(&hit.text, &terms),
                why: if explain {
                    why.in_words(&route)
                } else {
                    Vec::new()
                },
            })
            .collect())
    })
    .await
}

/// The OCR languages this server offers, as (code, name) by name, and
/// whether OCR is installed at all.
#[server(prefix = "/fn", endpoint = "ocr_choices")]
pub async fn ocr_choices() -> Result<crate::model::OcrChoices, AppError> {
    use super::context::{require, respond};

    respond(async move {
        require(Permission::Read).await?;
        let installed = crate::assistants::installed_ocr_languages();
        let mut languages: Vec<(String, String)> = installed
            .iter()
            .map(|code| (code.clone(), crate::model::language_name(code)))
            .collect();
        languages.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(crate::model::OcrChoices {
            installed: !installed.is_empty(),
            languages,
        })
    })
    .await
}

/// Saves the languages an assistant's scanned pages are read in (boxes
/// ticked on its settings page: `languages[0]=eng&languages[2]=fra`).
#[server(prefix = "/fn", endpoint = "save_ocr_languages")]
pub async fn save_ocr_languages(
    assistant_id: i64,
    #[server(default)] languages: Vec<String>,
) -> Result<(), AppError> {
    use crate::assistants::{self, AssistantInput, Change};
    use crate::functions::context::{back_saying_saved, internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let db = state().db;
        let current = db
            .assistant_of(member.workspace_id, assistant_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let input = AssistantInput {
            ocr_languages: Some(languages.join("+")),
            ..AssistantInput::default()
        };
        let fields = assistants::apply(Change::Patch, &input, Some(&current.fields())).map_err(
            |fields| AppError::Invalid {
                fields,
                values: Default::default(),
            },
        )?;
        db.update_assistant(member.workspace_id, current.id, &fields)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        back_saying_saved("ocr");
        Ok(())
    })
    .await
}
