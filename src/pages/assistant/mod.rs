//! An assistant's pages: the list, making one, and its own page with a
//! panel per task (documents, search, chats, answers, publishing), one
//! component family per file.

mod chat;
mod chats;
mod documents;
mod list;
mod new;
mod publish;
mod search;
mod settings;

pub use chat::ChatPage;
pub use list::{AssistantList, assistants_resource};
pub use new::NewAssistantPage;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::guard::RequireUser;
use crate::components::layout::Loading;
use crate::functions::assistants::{
    DeleteDocument, UpdateAssistant, get_assistant, list_documents, search_documents,
};
use crate::functions::chats::{
    DeleteChat, SaveAnswerSettings, StartChat, answer_settings, list_chats,
};
use chats::ChatsPanel;
use documents::DocumentsPanel;
use leptos_router::hooks::use_query_map;
use search::SearchPanel;
use settings::{AnswerSettingsPanel, AssistantDetail};

pub(super) const INSTRUCTIONS_PLACEHOLDER: &str = "e.g. You answer questions about our 2023 annual report for investors. Be precise, quote figures with their units, and say so when the report does not cover a question.";
pub(super) const PRIMARY: &str = "inline-flex items-center gap-2 rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

/// An assistant's page: its settings, editable, and its deletion.
#[component]
pub fn AssistantPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let update = ServerAction::<UpdateAssistant>::new();
    let delete_document = ServerAction::<DeleteDocument>::new();
    let start_chat = ServerAction::<StartChat>::new();
    let delete_chat = ServerAction::<DeleteChat>::new();
    let save_settings = ServerAction::<SaveAnswerSettings>::new();
    let publishing = publish::Publishing::new(id);
    let settings = Resource::new(
        move || (id(), save_settings.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => answer_settings(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let chats = Resource::new(
        move || (id(), delete_chat.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => list_chats(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let assistant = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_assistant(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let documents = Resource::new(
        move || (id(), delete_document.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => list_documents(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    // While documents are being processed or embedded, look again every second.
    Effect::new(move || {
        if let Some(Ok(list)) = documents.get()
            && list.iter().any(|d| {
                d.status == "pending"
                    || d.status == "processing"
                    || (d.status == "ready" && d.semantic.is_some_and(|s| s.done < s.total))
            })
        {
            set_timeout(
                move || documents.refetch(),
                std::time::Duration::from_secs(1),
            );
        }
    });
    let query = use_query_map();
    let upload_error = query.with_untracked(|query| query.get("upload_error"));
    let question = move || query.read().get("q").unwrap_or_default();
    let explain = move || {
        query
            .read()
            .get("explain")
            .is_some_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
    };
    let hits = Resource::new(
        move || (id(), question(), explain()),
        |(id, q, explain)| async move {
            match id {
                Some(id) if !q.trim().is_empty() => {
                    search_documents(id, q, explain).await.map(Some)
                }
                _ => Ok(None),
            }
        },
    );
    view! {
        <RequireUser render=move |_| {
            let upload_error = upload_error.clone();
            view! {
                <Transition fallback=|| view! { <Loading /> }>
                    {
                        let upload_error = upload_error.clone();
                        move || {
                            let upload_error = upload_error.clone();
                            Suspend::new(async move {
                                match assistant.await {
                                    Ok(found) => {
                                        let assistant_id = found.id;
                                        view! {
                                            <AssistantDetail assistant=found update />
                                            <ChatsPanel assistant_id chats start=start_chat delete=delete_chat />
                                            <AnswerSettingsPanel assistant_id settings save=save_settings />
                                            <publish::PublishPanel assistant_id publishing />
                                            <DocumentsPanel assistant_id documents delete=delete_document upload_error />
                                            <SearchPanel question=question() explain=explain() hits />
                                        }
                                            .into_any()
                                    }
                                    Err(_) => view! { <crate::pages::NotFoundPage /> }.into_any(),
                                }
                            })
                        }
                    }
                </Transition>
            }
        } />
    }
}
