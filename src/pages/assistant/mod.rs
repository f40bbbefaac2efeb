//! An assistant's pages: the list, making one, and its workspace: the
//! assistant's name over a tab per task (Chat, Documents, Analytics,
//! Evaluate, Publish, Settings), each its own page with its own URL, one component
//! family per file.

mod analytics;
mod chat;
mod chats;
mod documents;
mod evaluate;
mod list;
mod new;
mod publish;
mod search;
mod settings;
mod sources;

pub use analytics::AnalyticsTab;
pub use chat::ChatPage;
pub use evaluate::EvaluateTab;
pub use list::{AssistantList, assistants_resource};
pub use new::NewAssistantPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::components::layout::{Loading, PageHeader};
use crate::functions::assistants::{
    DeleteDocument, UpdateAssistant, get_assistant, list_documents, search_documents,
};
use crate::functions::chats::{
    DeleteChat, SaveAnswerSettings, StartChat, answer_settings, list_chats,
};
use crate::functions::web_sources::{
    AddWebSource, RemoveWebSource, SyncWebSource, list_web_sources,
};
use chats::ChatsPanel;
use documents::DocumentsPanel;
use search::SearchPanel;
use settings::{AnswerSettingsPanel, AssistantDetail, OcrLanguagesPanel};
use sources::SourcesPanel;

pub(super) const INSTRUCTIONS_PLACEHOLDER: &str = "e.g. You answer questions about our 2023 annual report for investors. Be precise, quote figures with their units, and say so when the report does not cover a question.";
pub(super) const PRIMARY: &str = "inline-flex items-center gap-2 rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

/// The assistant of the workspace's URL (0 when it is not a number: every
/// lookup then answers "not found").
fn assistant_id() -> impl Fn() -> i64 + Clone + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    }
}

/// The workspace's tabs: label, path under `/assistants/{id}`.
const TABS: [(&str, &str); 6] = [
    ("Chat", ""),
    ("Documents", "/documents"),
    ("Analytics", "/analytics"),
    ("Evaluate", "/evaluate"),
    ("Publish", "/publish"),
    ("Settings", "/settings"),
];

/// `/assistants/:id/*`: the assistant's name and its tabs over the page of
/// the task at hand. Renaming in Settings renames the header at once.
#[component]
pub fn AssistantWorkspace() -> impl IntoView {
    let id = assistant_id();
    let update = ServerAction::<UpdateAssistant>::new();
    provide_context(update);
    // The header follows renames. The tab's page is outside every async
    // boundary: its resources are made as it renders, never after an
    // `.await` (which the server's rendering does not wait for reliably).
    let header = Resource::new(
        {
            let id = id.clone();
            move || (id(), update.version().get())
        },
        |(id, _)| get_assistant(id),
    );
    view! {
        <nav aria-label="Breadcrumb" class="mb-2 text-sm">
            <a href="/dashboard" class="text-slate-500 hover:text-slate-800">"← Assistants"</a>
        </nav>
        <Transition fallback=|| view! { <div class="mb-8 h-9" /> }>
            {
                let id = id.clone();
                move || {
                    let id = id.clone();
                    Suspend::new(async move {
                        match header.await {
                            Ok(found) => view! {
                                <Title text=found.name.clone() />
                                <PageHeader title=found.name subtitle=found.company_name />
                                <Tabs id=Signal::derive(id) />
                            }.into_any(),
                            Err(_) => view! { <crate::pages::NotFoundPage /> }.into_any(),
                        }
                    })
                }
            }
        </Transition>
        <Outlet />
    }
}

/// The tab bar: links, the current one marked (scrolls sideways on a phone).
#[component]
fn Tabs(id: Signal<i64>) -> impl IntoView {
    let location = use_location();
    let base = move || format!("/assistants/{}", id.get());
    view! {
        <nav aria-label="This assistant" class="-mt-4 mb-6 overflow-x-auto border-b border-slate-200">
            <ul class="flex min-w-max gap-1 text-sm font-medium">
                {TABS.into_iter().map(|(label, path)| {
                    let href = move || format!("{}{path}", base());
                    let current = move || location.pathname.get().trim_end_matches('/') == href();
                    view! {
                        <li>
                            <a href=href aria-current=move || current().then_some("page")
                                class=move || if current() {
                                    "-mb-px inline-block border-b-2 border-indigo-600 px-3 py-2.5 text-indigo-700"
                                } else {
                                    "-mb-px inline-block border-b-2 border-transparent px-3 py-2.5 text-slate-600 hover:border-slate-300 hover:text-slate-900"
                                }>
                                {label}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// Chat: start a chat, open or delete earlier ones, export them.
#[component]
pub fn ChatTab() -> impl IntoView {
    let id = assistant_id();
    let start_chat = ServerAction::<StartChat>::new();
    let delete_chat = ServerAction::<DeleteChat>::new();
    let chats = Resource::new(
        {
            let id = id.clone();
            move || (id(), delete_chat.version().get())
        },
        |(id, _)| list_chats(id),
    );
    let export_error = use_query_map().with_untracked(|query| query.get("export_error"));
    move || {
        view! {
            <ChatsPanel assistant_id=id() chats start=start_chat delete=delete_chat export_error=export_error.clone() />
        }
    }
}

/// Documents: upload, watch them being read, correct their details, and
/// search them.
#[component]
pub fn DocumentsTab() -> impl IntoView {
    let id = assistant_id();
    let delete_document = ServerAction::<DeleteDocument>::new();
    let add_source = ServerAction::<AddWebSource>::new();
    let sync_source = ServerAction::<SyncWebSource>::new();
    let remove_source = ServerAction::<RemoveWebSource>::new();
    let documents = Resource::new(
        {
            let id = id.clone();
            move || {
                (
                    id(),
                    delete_document.version().get(),
                    remove_source.version().get(),
                )
            }
        },
        |(id, _, _)| list_documents(id),
    );
    let sources = Resource::new(
        {
            let id = id.clone();
            move || {
                (
                    id(),
                    add_source.version().get(),
                    sync_source.version().get(),
                    remove_source.version().get(),
                )
            }
        },
        |(id, ..)| list_web_sources(id),
    );
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
        {
            let id = id.clone();
            move || (id(), question(), explain())
        },
        |(id, q, explain)| async move {
            if q.trim().is_empty() {
                Ok(None)
            } else {
                search_documents(id, q, explain).await.map(Some)
            }
        },
    );
    move || {
        view! {
            <DocumentsPanel assistant_id=id() documents delete=delete_document upload_error=upload_error.clone() />
            <SourcesPanel assistant_id=id() sources add=add_source sync=sync_source remove=remove_source />
            <SearchPanel question=question() explain=explain() hits />
        }
    }
}

/// Publish: the chat on the owner's website.
#[component]
pub fn PublishTab() -> impl IntoView {
    let id = assistant_id();
    let publishing = publish::Publishing::new({
        let id = id.clone();
        move || Some(id())
    });
    move || view! { <publish::PublishPanel assistant_id=id() publishing /> }
}

/// Settings: name, company and instructions, how it answers, and deleting it.
#[component]
pub fn SettingsTab() -> impl IntoView {
    let id = assistant_id();
    let update = expect_context::<ServerAction<UpdateAssistant>>();
    let save_settings = ServerAction::<SaveAnswerSettings>::new();
    let settings = Resource::new(
        {
            let id = id.clone();
            move || (id(), save_settings.version().get())
        },
        |(id, _)| answer_settings(id),
    );
    let assistant = Resource::new(
        {
            let id = id.clone();
            move || (id(), update.version().get())
        },
        |(id, _)| get_assistant(id),
    );
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                assistant.await.ok().map(|found| {
                    let assistant_id = found.id;
                    let ocr_languages = found.ocr_languages.clone();
                    view! {
                        <AssistantDetail assistant=found update />
                        <AnswerSettingsPanel assistant_id settings save=save_settings />
                        <OcrLanguagesPanel assistant_id chosen=ocr_languages />
                    }
                })
            })}
        </Transition>
    }
}
