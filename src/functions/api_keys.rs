//! The account page's API keys: list, create (the whole key shown once), revoke.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ApiKeyView, CreatedApiKey};

/// Longest name a key may have.
pub const KEY_NAME_MAX: usize = 100;

/// The session key under which a key created by a plain form post waits to
/// be shown once.
#[cfg(feature = "ssr")]
const FLASH_NEW_KEY: &str = "new_api_key";

/// The signed-in user's keys, newest first.
#[server(prefix = "/fn", endpoint = "list_api_keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    use super::context::{internal, require_user, respond, state};

    respond(async move {
        let user = require_user().await?;
        let rows = state().db.api_tokens_of(user.id).await.map_err(internal)?;
        Ok(rows.into_iter().map(|row| row.into_view()).collect())
    })
    .await
}

/// Creates a key. With JavaScript the whole key comes back in the result;
/// from a plain form post it is kept in the session until the account page
/// shows it once.
#[server(prefix = "/fn", endpoint = "create_api_key")]
pub async fn create_api_key(name: String) -> Result<Option<CreatedApiKey>, AppError> {
    use super::context::{internal, is_plain_form_post, require_user, respond, state};
    use crate::auth::api_token;

    respond(async move {
        let user = require_user().await?;
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::field(
                "name",
                "Give the key a name, e.g. where it will be used.",
            ));
        }
        if name.chars().count() > KEY_NAME_MAX {
            return Err(AppError::field(
                "name",
                format!("Ensure this field has no more than {KEY_NAME_MAX} characters."),
            )
            .with_values([("name", name)]));
        }
        let token = api_token::generate();
        let row = state()
            .db
            .insert_api_token(user.id, name, &token.prefix, &token.hash)
            .await
            .map_err(internal)?;
        let created = CreatedApiKey {
            key: row.into_view(),
            token: token.plaintext,
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
    use super::context::{internal, require_user, respond};

    respond(async move {
        require_user().await?;
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

/// Revokes one of the signed-in user's keys.
#[server(prefix = "/fn", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: i64) -> Result<(), AppError> {
    use super::context::{internal, require_user, respond, state};

    respond(async move {
        let user = require_user().await?;
        let state = state();
        if state
            .db
            .delete_api_token(user.id, id)
            .await
            .map_err(internal)?
        {
            state.known_keys.forget_all();
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    })
    .await
}
