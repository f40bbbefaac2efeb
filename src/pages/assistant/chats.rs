//! An assistant's chats: start one, open or delete an earlier one.

use leptos::prelude::*;

use super::super::format_time;
use super::PRIMARY;
use crate::components::layout::Loading;
use crate::functions::chats::{DeleteChat, StartChat};
use crate::model::ChatView;

/// The assistant's chats: start one, open or delete an earlier one.
#[component]
pub(super) fn ChatsPanel(
    assistant_id: i64,
    chats: Resource<Result<Vec<ChatView>, crate::error::AppError>>,
    start: ServerAction<StartChat>,
    delete: ServerAction<DeleteChat>,
) -> impl IntoView {
    view! {
        <section id="chats" class="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="chats-heading">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <div>
                    <h2 id="chats-heading" class="text-lg font-semibold text-slate-900">"Chat"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Try the assistant: it answers from its documents and shows the pages it used."</p>
                </div>
                <ActionForm action=start>
                    <input type="hidden" name="assistant_id" value=assistant_id />
                    <button type="submit" class=PRIMARY>"New chat"</button>
                </ActionForm>
            </div>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match chats.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="mt-4 text-sm text-slate-500" data-testid="no-chats">"No chats yet."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="mt-4 divide-y divide-slate-100">
                                {list.into_iter().map(|chat| {
                                    let title = chat.title.clone().unwrap_or_else(|| "New chat".into());
                                    let label = format!("Delete chat “{title}”");
                                    view! {
                                        <li class="flex items-center justify-between gap-3 py-2" data-testid="chat-row">
                                            <a href=format!("/assistants/{}/chats/{}", chat.assistant_id, chat.id) class="min-w-0 flex-1 truncate text-sm font-medium text-indigo-700 hover:underline">{title}</a>
                                            {(chat.origin == "widget").then(|| view! {
                                                <span class="shrink-0 rounded-full bg-sky-50 px-2 py-0.5 text-xs font-medium text-sky-700 ring-1 ring-inset ring-sky-600/20" title=chat.site.clone().map(|site| format!("A visitor on {site}")) data-testid="chat-origin">"Website"</span>
                                            })}
                                            {(chat.origin == "openai" || chat.origin == "mcp").then(|| {
                                                let (name, hint) = if chat.origin == "openai" {
                                                    ("OpenAI API", "Asked through the OpenAI-compatible /v1/chat/completions")
                                                } else {
                                                    ("MCP", "Asked by an MCP client (ask_assistant)")
                                                };
                                                view! {
                                                    <span class="shrink-0 rounded-full bg-violet-50 px-2 py-0.5 text-xs font-medium text-violet-700 ring-1 ring-inset ring-violet-600/20" title=hint data-testid="chat-origin">{name}</span>
                                                }
                                            })}
                                            <span class="shrink-0 text-xs text-slate-500">{format_time(chat.updated_at)}</span>
                                            <ActionForm action=delete>
                                                <input type="hidden" name="chat_id" value=chat.id />
                                                <button type="submit" aria-label=label class="rounded-md px-2 py-1 text-sm font-medium text-red-600 hover:bg-red-50">"Delete"</button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="mt-4 text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
