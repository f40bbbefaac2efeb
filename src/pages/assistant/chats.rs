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
    export_error: Option<String>,
) -> impl IntoView {
    view! {
        <section id="chats" class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="chats-heading">
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
                                            {(chat.rated_up + chat.rated_down > 0).then(|| view! {
                                                <span class="shrink-0 text-xs text-slate-600" data-testid="chat-ratings">
                                                    {format!("{} helpful · {} not helpful", chat.rated_up, chat.rated_down)}
                                                </span>
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
            <ExportForm assistant_id error=export_error />
        </section>
    }
}

/// Downloads the assistant's conversations for a date range (a plain form:
/// it works without JavaScript). Empty dates: the last 30 days.
#[component]
fn ExportForm(assistant_id: i64, error: Option<String>) -> impl IntoView {
    let open = error.is_some();
    const INPUT: &str = "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30";
    view! {
        <details id="export" class="mt-4 border-t border-slate-100 pt-4" open=open>
            <summary class="cursor-pointer text-sm font-medium text-slate-700 hover:text-slate-900">"Export conversations"</summary>
            <form method="get" action=format!("/assistants/{assistant_id}/export") class="mt-3 grid gap-3 sm:grid-cols-4 sm:items-end" data-testid="export-form">
                <label class="text-sm text-slate-700">"From"
                    <input type="date" name="from" class=INPUT />
                </label>
                <label class="text-sm text-slate-700">"To (included)"
                    <input type="date" name="to" class=INPUT />
                </label>
                <label class="text-sm text-slate-700">"Format"
                    <select name="format" class=INPUT>
                        <option value="csv">"CSV (spreadsheets)"</option>
                        <option value="jsonl">"JSON Lines"</option>
                    </select>
                </label>
                <button type="submit" class="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-800 shadow-sm hover:bg-slate-50">"Download"</button>
            </form>
            <p class="mt-2 text-xs text-slate-500">"Every question with its answer, sources, outcome and feedback, from every surface. Dates are UTC; empty dates give the last 30 days."</p>
            {error.map(|error| view! { <p role="alert" class="mt-2 text-sm text-red-600" data-testid="export-error">{error}</p> })}
        </details>
    }
}
