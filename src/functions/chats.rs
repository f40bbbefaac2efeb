//! The in-app chat: start a chat with an assistant, list and read its
//! chats, delete one. Questions are asked through the streaming endpoint
//! `POST /chats/{id}/messages`.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ChatView, MessageView};

/// Questions listed per chat page.
#[cfg(feature = "ssr")]
const MESSAGES_SHOWN: i64 = 500;

/// The chats of one of the signed-in user's assistants, latest first.
#[server(prefix = "/fn", endpoint = "list_chats")]
pub async fn list_chats(assistant_id: i64) -> Result<Vec<ChatView>, AppError> {
    use super::context::{internal, require_user, respond, state};

    respond(async move {
        let user = require_user().await?;
        let db = state().db;
        let chats = db
            .chats_of(user.id, Some(assistant_id), 50, 0)
            .await
            .map_err(internal)?;
        let mut views = Vec::with_capacity(chats.len());
        for chat in chats {
            let first = db.messages_of(chat.id, 1, 0).await.map_err(internal)?;
            views.push(ChatView {
                id: chat.id,
                assistant_id: chat.assistant_id,
                title: first.into_iter().next().map(|m| m.input),
                updated_at: chat.updated_at,
            });
        }
        Ok(views)
    })
    .await
}

/// Starts a chat with one of the signed-in user's assistants and opens it.
#[server(prefix = "/fn", endpoint = "start_chat")]
pub async fn start_chat(assistant_id: i64) -> Result<i64, AppError> {
    use super::context::{internal, require_user, respond, state};

    respond(async move {
        let user = require_user().await?;
        let db = state().db;
        let assistant = db
            .assistant_of(user.id, assistant_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let chat = db
            .insert_chat(
                user.id,
                assistant.id,
                &crate::api::v1::chat::new_thread_id(),
                "app",
            )
            .await
            .map_err(internal)?;
        leptos_axum::redirect(&format!("/assistants/{}/chats/{}", assistant.id, chat.id));
        Ok(chat.id)
    })
    .await
}

/// The messages of one of the signed-in user's chats, oldest first.
#[server(prefix = "/fn", endpoint = "chat_messages")]
pub async fn chat_messages(chat_id: i64) -> Result<Vec<MessageView>, AppError> {
    use super::context::{internal, require_user, respond, state};

    respond(async move {
        let user = require_user().await?;
        let db = state().db;
        let chat = db
            .chat_of(user.id, chat_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let rows = db
            .messages_of(chat.id, MESSAGES_SHOWN, 0)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row| MessageView {
                id: row.id,
                input: row.input,
                output: row.output,
                sources: serde_json::from_str(&row.sources).unwrap_or_default(),
                status: row.status,
                error: row.error,
            })
            .collect())
    })
    .await
}

/// Deletes one of the signed-in user's chats.
#[server(prefix = "/fn", endpoint = "delete_chat")]
pub async fn delete_chat(chat_id: i64) -> Result<(), AppError> {
    use super::context::{internal, require_user, respond, state};

    respond(async move {
        let user = require_user().await?;
        if state()
            .db
            .delete_chat(user.id, chat_id)
            .await
            .map_err(internal)?
        {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    })
    .await
}
