//! The in-app chat: start a chat with an assistant, list and read its
//! chats, delete one. Questions are asked through the streaming endpoint
//! `POST /chats/{id}/messages`.

#[cfg(feature = "ssr")]
use crate::model::workspaces::Permission;
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{AnswerSettingsView, ChatView, MessageView};

/// Questions listed per chat page.
#[cfg(feature = "ssr")]
const MESSAGES_SHOWN: i64 = 500;

/// The chats of one of the signed-in user's assistants, latest first.
#[server(prefix = "/fn", endpoint = "list_chats")]
pub async fn list_chats(assistant_id: i64) -> Result<Vec<ChatView>, AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let db = state().db;
        let chats = db
            .chats_of(member.workspace_id, Some(&[assistant_id]), 50, 0)
            .await
            .map_err(internal)?;
        let ids: Vec<i64> = chats.iter().map(|chat| chat.id).collect();
        let ratings = db.rating_counts(&ids).await.map_err(internal)?;
        let mut views = Vec::with_capacity(chats.len());
        for chat in chats {
            let first = db.messages_of(chat.id, 1, 0).await.map_err(internal)?;
            let counts = ratings.iter().find(|r| r.chat_id == chat.id);
            let mut view = chat_view(chat, first.into_iter().next().map(|m| m.input));
            if let Some(counts) = counts {
                (view.rated_up, view.rated_down) = (counts.up, counts.down);
            }
            views.push(view);
        }
        Ok(views)
    })
    .await
}

/// Starts a chat with one of the signed-in user's assistants and opens it.
#[server(prefix = "/fn", endpoint = "start_chat")]
pub async fn start_chat(assistant_id: i64) -> Result<i64, AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Ask).await?;
        let db = state().db;
        let assistant = db
            .assistant_of(member.workspace_id, assistant_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let chat = db
            .insert_chat(
                member.workspace_id,
                assistant.id,
                &crate::chat::new_thread_id(),
                "app",
            )
            .await
            .map_err(internal)?;
        leptos_axum::redirect(&format!("/assistants/{}/chats/{}", assistant.id, chat.id));
        Ok(chat.id)
    })
    .await
}

/// One of the signed-in user's chats, without its messages.
#[server(prefix = "/fn", endpoint = "chat_summary")]
pub async fn chat_summary(chat_id: i64) -> Result<ChatView, AppError> {
    use super::context::{found, internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let db = state().db;
        let chat = found(db.chat_of(member.workspace_id, chat_id).await)?;
        let first = db.messages_of(chat.id, 1, 0).await.map_err(internal)?;
        Ok(chat_view(chat, first.into_iter().next().map(|m| m.input)))
    })
    .await
}

/// A chat as pages list it, titled by its first question.
#[cfg(feature = "ssr")]
fn chat_view(chat: crate::db::chats::ChatRow, title: Option<String>) -> ChatView {
    ChatView {
        id: chat.id,
        assistant_id: chat.assistant_id,
        title,
        updated_at: chat.updated_at,
        origin: chat.origin,
        site: chat.site_origin,
        rated_up: 0,
        rated_down: 0,
    }
}

/// The messages of one of the signed-in user's chats, oldest first.
#[server(prefix = "/fn", endpoint = "chat_messages")]
pub async fn chat_messages(chat_id: i64) -> Result<Vec<MessageView>, AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let db = state().db;
        let chat = db
            .chat_of(member.workspace_id, chat_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let rows = db
            .messages_of(chat.id, MESSAGES_SHOWN, 0)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let sources: Vec<crate::model::Source> =
                    serde_json::from_str(&row.sources).unwrap_or_default();
                MessageView {
                    feedback: crate::chat::feedback::of(&row),
                    id: row.id,
                    input: row.input,
                    html: crate::markdown::answer_html(
                        row.output.as_deref().unwrap_or_default(),
                        sources.len(),
                        &format!("m{}", row.id),
                    ),
                    sources,
                    status: row.status,
                    error: row.error,
                }
            })
            .collect())
    })
    .await
}

/// Rates an answer in one of the signed-in user's chats (`rating` `None`
/// withdraws the rating); returns the feedback now kept. A visitor's
/// rating in a website chat is theirs and is not changed here.
#[server(prefix = "/fn", endpoint = "rate_answer")]
pub async fn rate_answer(
    chat_id: i64,
    message_id: i64,
    rating: Option<String>,
    comment: Option<String>,
) -> Result<Option<crate::model::Feedback>, AppError> {
    use super::context::{found, internal, require, respond, state};
    use crate::chat::feedback::{self, FeedbackError};

    respond(async move {
        let member = require(Permission::Ask).await?;
        let db = state().db;
        let chat = found(db.chat_of(member.workspace_id, chat_id).await)?;
        if chat.origin == "widget" {
            return Err(AppError::field(
                "rating",
                "This is a visitor's conversation: their rating is theirs to give.",
            ));
        }
        let given = match rating {
            Some(rating) => Some(
                feedback::parse(Some(&rating), comment.as_deref())
                    .map_err(|error| AppError::field("rating", error.to_string()))?,
            ),
            None => None,
        };
        match feedback::record(&db, chat.id, message_id, given.as_ref()).await {
            Ok(row) => Ok(feedback::of(&row)),
            Err(FeedbackError::NoSuchMessage) => Err(AppError::NotFound),
            Err(FeedbackError::Database(error)) => Err(internal(error)),
            Err(error) => Err(AppError::field("rating", error.to_string())),
        }
    })
    .await
}

/// Deletes one of the signed-in user's chats.
#[server(prefix = "/fn", endpoint = "delete_chat")]
pub async fn delete_chat(chat_id: i64) -> Result<(), AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Edit).await?;
        if state()
            .db
            .delete_chat(member.workspace_id, chat_id)
            .await
            .map_err(internal)?
        {
            super::context::back_saying_saved("answers");
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    })
    .await
}

/// How one of the signed-in user's assistants answers.
#[server(prefix = "/fn", endpoint = "answer_settings")]
pub async fn answer_settings(assistant_id: i64) -> Result<AnswerSettingsView, AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let state = state();
        let assistant = state
            .db
            .assistant_of(member.workspace_id, assistant_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let settings = state
            .db
            .answer_settings(assistant.id)
            .await
            .map_err(internal)?;
        Ok(AnswerSettingsView {
            grounded: settings.grounded,
            refusal: settings.refusal,
            chat_model: settings.chat_model,
            temperature: settings.temperature,
            default_model: state.config.model.chat_model.trim().to_owned(),
            allowed_models: crate::llm::allowed_models(&state.config.model),
            model_configured: state.provider.is_some(),
        })
    })
    .await
}

/// Saves how one of the signed-in user's assistants answers. `grounded` is
/// a checkbox: present when ticked.
#[server(prefix = "/fn", endpoint = "save_answer_settings")]
pub async fn save_answer_settings(
    assistant_id: i64,
    #[server(default)] grounded: Option<String>,
    refusal: String,
    chat_model: String,
    temperature: String,
) -> Result<(), AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let invalid = |field: &str, message: &str| {
            AppError::field(field, message).with_values([
                ("refusal", refusal.as_str()),
                ("chat_model", chat_model.as_str()),
                ("temperature", temperature.as_str()),
            ])
        };
        if refusal.chars().count() > 2000 {
            return Err(invalid("refusal", "Keep it under 2,000 characters."));
        }
        let allowed = crate::llm::allowed_models(&state().config.model);
        let chosen_model = crate::assistants::check_model(&chat_model, &allowed)
            .map_err(|message| invalid("chat_model", &message))?;
        let temperature_value = match temperature.trim() {
            "" => None,
            text => match text.replace(',', ".").parse::<f64>() {
                Ok(value) if (0.0..=2.0).contains(&value) => Some(value),
                _ => {
                    return Err(invalid(
                        "temperature",
                        "Enter a number from 0 to 2, or leave it empty.",
                    ));
                }
            },
        };
        let settings = crate::db::chats::AnswerSettings {
            grounded: grounded.is_some(),
            refusal: refusal.trim().to_owned(),
            chat_model: chosen_model,
            temperature: temperature_value,
        };
        if state()
            .db
            .update_answer_settings(member.workspace_id, assistant_id, &settings)
            .await
            .map_err(internal)?
        {
            super::context::back_saying_saved("answers");
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    })
    .await
}
