//! The account page's API keys: list, create (the whole key shown once), revoke.

#[cfg(feature = "ssr")]
use crate::model::workspaces::Permission;
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ApiKeyView, CreatedApiKey};

/// The session key under which a key created by a plain form post waits to
/// be shown once.
#[cfg(feature = "ssr")]
const FLASH_NEW_KEY: &str = "new_api_key";

/// The keys of the workspace the person works in, newest first: their
/// own, or everyone's for its admins.
#[server(prefix = "/fn", endpoint = "list_api_keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let rows = state()
            .db
            .api_tokens_of(member.workspace_id, maker_unless_admin(&member))
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(|row| row.into_view()).collect())
    })
    .await
}

/// Whose keys a member manages: everyone's for an admin (`None`), else
/// their own.
#[cfg(feature = "ssr")]
fn maker_unless_admin(member: &crate::workspaces::Member) -> Option<i64> {
    if member.role.allows(Permission::Administer) {
        None
    } else {
        Some(member.user_id)
    }
}

/// Creates a key with a scope (`full`, `chat`, `read`), optionally limited
/// to some of the user's assistants and to a date. With JavaScript the
/// whole key comes back in the result; from a plain form post it is kept in
/// the session until the account page shows it once.
#[server(prefix = "/fn", endpoint = "create_api_key")]
pub async fn create_api_key(
    name: String,
    #[server(default)] scope: Option<String>,
    #[server(default)] assistants: Vec<String>,
    #[server(default)] expires_at: Option<String>,
) -> Result<Option<CreatedApiKey>, AppError> {
    use super::context::{internal, is_plain_form_post, record, require, respond, state};
    use crate::auth::keys::{self, KeyRequest};
    use crate::workspaces::audit::Event;

    respond(async move {
        let member = require(Permission::Read).await?;
        let db = &state().db;
        let typed = [
            ("name", name.as_str()),
            ("scope", scope.as_deref().unwrap_or_default()),
            ("expires_at", expires_at.as_deref().unwrap_or_default()),
        ];
        let name = keys::check_name(&name)
            .map_err(|message| AppError::field("name", message).with_values(typed))?;
        let owned: Vec<i64> = db
            .assistants_of(member.workspace_id)
            .await
            .map_err(internal)?
            .iter()
            .map(|assistant| assistant.id)
            .collect();
        let request = KeyRequest {
            scope: scope.clone(),
            assistants,
            expires_at: expires_at.clone(),
        };
        let grant = keys::check(&request, &owned, chrono::Utc::now()).map_err(|fields| {
            AppError::Invalid {
                fields,
                values: Default::default(),
            }
            .with_values(typed)
        })?;
        let (row, token) = keys::make(db, member.user_id, member.workspace_id, name, &grant)
            .await
            .map_err(internal)?;
        let target = format!("{} ({}…)", row.name, row.prefix);
        let detail = format!("scope {}", grant.scope.as_str());
        record(&member, Event::new("key.created", &target).with(&detail)).await;
        let created = CreatedApiKey {
            key: row.into_view(),
            token,
        };
        if is_plain_form_post() {
            let session = leptos_axum::extract::<tower_sessions::Session>()
                .await
                .map_err(internal)?;
            session
                .insert(FLASH_NEW_KEY, &created)
                .await
                .map_err(internal)?;
            leptos_axum::redirect("/account");
            return Ok(None);
        }
        Ok(Some(created))
    })
    .await
}

/// The key created by a plain form post, once; `None` after that.
#[server(prefix = "/fn", endpoint = "take_new_api_key")]
pub async fn take_new_api_key() -> Result<Option<CreatedApiKey>, AppError> {
    use super::context::{internal, require, respond};

    respond(async move {
        require(Permission::Read).await?;
        let session = leptos_axum::extract::<tower_sessions::Session>()
            .await
            .map_err(internal)?;
        session
            .remove::<CreatedApiKey>(FLASH_NEW_KEY)
            .await
            .map_err(internal)
    })
    .await
}

/// Revokes one of the person's keys in the workspace (any of its keys, for
/// an admin).
#[server(prefix = "/fn", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: i64) -> Result<(), AppError> {
    use super::context::{internal, record, require, respond, state};
    use crate::workspaces::audit::Event;

    respond(async move {
        let member = require(Permission::Read).await?;
        let state = state();
        if state
            .db
            .delete_api_token(member.workspace_id, maker_unless_admin(&member), id)
            .await
            .map_err(internal)?
        {
            state.known_keys.forget_all();
            record(&member, Event::new("key.revoked", &format!("#{id}"))).await;
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    })
    .await
}
