//! An assistant's web sources on the dashboard: list, add, sync now, remove.

#[cfg(feature = "ssr")]
use crate::model::workspaces::Permission;
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::web_sources::WebSourceView;

/// The web sources of one of the signed-in user's assistants.
#[server(prefix = "/fn", endpoint = "list_web_sources")]
pub async fn list_web_sources(assistant_id: i64) -> Result<Vec<WebSourceView>, AppError> {
    use super::context::{found, internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let db = state().db;
        let assistant = found(db.assistant_of(member.workspace_id, assistant_id).await)?;
        crate::web_sources::views_of(&db, assistant.id)
            .await
            .map_err(internal)
    })
    .await
}

/// Adds a web page, a sitemap or a site to one of the signed-in user's
/// assistants; its first sync starts in the background.
#[server(prefix = "/fn", endpoint = "add_web_source")]
pub async fn add_web_source(
    assistant_id: i64,
    url: String,
    #[server(default)] kind: String,
    #[server(default)] schedule: String,
) -> Result<(), AppError> {
    use super::context::{back_saying_saved, found, internal, require, respond, state};
    use crate::web_sources::{Draft, SourceError};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let state = state();
        let assistant = found(
            state
                .db
                .assistant_of(member.workspace_id, assistant_id)
                .await,
        )?;
        let typed = [
            ("url", url.as_str()),
            ("kind", kind.as_str()),
            ("schedule", schedule.as_str()),
        ];
        let draft = Draft {
            kind: Some(kind.clone()),
            url: Some(url.clone()),
            schedule: Some(schedule.clone()),
            ..Draft::default()
        };
        crate::web_sources::add(
            &state.db,
            &state.web_syncs,
            state.config.allow_private_fetch,
            assistant.id,
            &draft,
        )
        .await
        .map_err(|error| match error {
            SourceError::Invalid(fields) => AppError::Invalid {
                fields,
                values: typed
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            },
            SourceError::TooMany => {
                AppError::field(crate::model::NON_FIELD_ERRORS, error.to_string())
                    .with_values(typed)
            }
            SourceError::Database(error) => internal(error),
        })?;
        back_saying_saved("source");
        Ok(())
    })
    .await
}

/// One web source of the signed-in user's assistants, or `NotFound`.
#[cfg(feature = "ssr")]
async fn owned_source(
    assistant_id: i64,
    id: i64,
) -> Result<crate::db::web_sources::WebSourceRow, AppError> {
    use super::context::{found, require, state};

    let member = require(Permission::Edit).await?;
    let db = state().db;
    let assistant = found(db.assistant_of(member.workspace_id, assistant_id).await)?;
    found(db.web_source_of(assistant.id, id).await)
}

/// Asks for a sync of a web source now.
#[server(prefix = "/fn", endpoint = "sync_web_source")]
pub async fn sync_web_source(assistant_id: i64, id: i64) -> Result<(), AppError> {
    use super::context::{back_saying_saved, internal, respond, state};

    respond(async move {
        let source = owned_source(assistant_id, id).await?;
        let state = state();
        crate::web_sources::request_sync(&state.db, &state.web_syncs, source)
            .await
            .map_err(internal)?;
        back_saying_saved("sync");
        Ok(())
    })
    .await
}

/// Removes a web source with its pages' documents.
#[server(prefix = "/fn", endpoint = "remove_web_source")]
pub async fn remove_web_source(assistant_id: i64, id: i64) -> Result<(), AppError> {
    use super::context::{back_saying_saved, internal, respond, state};

    respond(async move {
        let source = owned_source(assistant_id, id).await?;
        let state = state();
        if !crate::web_sources::delete(&state.db, &state.files, source.assistant_id, source.id)
            .await
            .map_err(internal)?
        {
            return Err(AppError::NotFound);
        }
        back_saying_saved("source-removed");
        Ok(())
    })
    .await
}
