//! An assistant's web sources: add a page, a sitemap or a site, see each
//! one's last sync, sync it now, remove it. Plain forms: they work without
//! JavaScript.

use leptos::prelude::*;

use crate::components::form::{
    FormAlert, SubmitButton, TextField, field_errors, general_errors, typed_value,
};
use crate::components::layout::Loading;
use crate::components::live::KeepFresh;
use crate::functions::web_sources::{AddWebSource, RemoveWebSource, SyncWebSource};
use crate::model::web_sources::{SyncSummary, WebSourceView};
use crate::pages::format_time;

const KINDS: [(&str, &str); 3] = [
    ("page", "One page"),
    ("sitemap", "A sitemap"),
    ("site", "A site (follows links)"),
];
const SCHEDULES: [(&str, &str); 3] = [
    ("weekly", "Weekly"),
    ("daily", "Daily"),
    ("never", "Only when asked"),
];

/// `<option>`s written as HTML: hydration markers inside a `<select>` are
/// not kept by the browser's parser.
fn options(choices: &[(&str, &str)], chosen: &str) -> String {
    choices
        .iter()
        .map(|(value, label)| {
            format!(
                "<option value=\"{value}\"{}>{label}</option>",
                if *value == chosen { " selected" } else { "" }
            )
        })
        .collect()
}

/// What a sync did, in words: `3 added · 1 changed`.
fn summary_text(summary: &SyncSummary) -> String {
    let parts: Vec<String> = [
        (summary.added, "added"),
        (summary.changed, "changed"),
        (summary.removed, "removed"),
        (summary.unchanged, "unchanged"),
        (summary.failed, "failed"),
    ]
    .into_iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, word)| format!("{count} {word}"))
    .collect();
    if parts.is_empty() {
        "no pages".to_owned()
    } else {
        parts.join(" · ")
    }
}

/// The web sources of an assistant and the form to add one.
#[component]
pub(super) fn SourcesPanel(
    assistant_id: i64,
    sources: Resource<Result<Vec<WebSourceView>, crate::error::AppError>>,
    add: ServerAction<AddWebSource>,
    sync: ServerAction<SyncWebSource>,
    remove: ServerAction<RemoveWebSource>,
) -> impl IntoView {
    let kind = typed_value(add, "kind");
    let schedule = typed_value(add, "schedule");
    view! {
        <section id="sources" class="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="sources-heading">
            <h2 id="sources-heading" class="text-lg font-semibold text-slate-900">"Web pages"</h2>
            <p class="mt-1 text-sm text-slate-600">"Add a web page, sitemap or site: each page's main text becomes a document, checked again on the schedule you pick."</p>
            <ActionForm action=add>
                <input type="hidden" name="assistant_id" value=assistant_id />
                <div class="mt-4 grid gap-4 sm:grid-cols-[1fr_auto_auto] sm:items-end">
                    <TextField label="Address" name="url" kind="url" value=typed_value(add, "url") placeholder="https://docs.example.com/" errors=field_errors(add, "url") />
                    <div>
                        <label for="field-kind" class="block text-sm font-medium text-slate-800">"What"</label>
                        <select id="field-kind" name="kind" inner_html=options(&KINDS, &kind) class="mt-1.5 block rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900"></select>
                    </div>
                    <div>
                        <label for="field-schedule" class="block text-sm font-medium text-slate-800">"Check"</label>
                        <select id="field-schedule" name="schedule" inner_html=options(&SCHEDULES, &schedule) class="mt-1.5 block rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900"></select>
                    </div>
                </div>
                <div class="mt-3"><FormAlert messages=general_errors(add) /></div>
                <div class="mt-3 sm:w-48"><SubmitButton label="Add web source" busy_label="Adding…" /></div>
            </ActionForm>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match sources.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="mt-6 text-sm text-slate-500" data-testid="no-sources">"No web sources yet."</p>
                        }.into_any(),
                        Ok(list) => {
                            let busy = list.iter().any(|s| s.status == "syncing");
                            view! {
                                <ul id="source-list" data-busy=busy.to_string() class="mt-6 divide-y divide-slate-100">
                                    {list.into_iter().map(|source| view! { <SourceRow assistant_id source sync remove /> }).collect_view()}
                                </ul>
                                {busy.then(|| view! { <KeepFresh region="source-list".to_owned() /> })}
                            }.into_any()
                        }
                        Err(error) => view! { <p role="alert" class="mt-6 text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SourceRow(
    assistant_id: i64,
    source: WebSourceView,
    sync: ServerAction<SyncWebSource>,
    remove: ServerAction<RemoveWebSource>,
) -> impl IntoView {
    let (badge, badge_class) = match source.status.as_str() {
        "syncing" => ("Syncing", "bg-indigo-50 text-indigo-700 ring-indigo-200"),
        "failed" => ("Failed", "bg-red-50 text-red-700 ring-red-200"),
        _ => (
            "Up to date",
            "bg-emerald-50 text-emerald-700 ring-emerald-200",
        ),
    };
    let kind = KINDS
        .iter()
        .find(|(value, _)| *value == source.kind)
        .map_or(source.kind.as_str(), |(_, label)| label);
    let schedule = SCHEDULES
        .iter()
        .find(|(value, _)| *value == source.schedule)
        .map_or(source.schedule.as_str(), |(_, label)| label);
    let pages = if source.page_count == 1 {
        "1 page".to_owned()
    } else {
        format!("{} pages", source.page_count)
    };
    let mut details = vec![kind.to_owned(), schedule.to_owned(), pages];
    if let Some(when) = source.last_synced_at {
        let mut last = format!("synced {}", format_time(when));
        if let Some(summary) = &source.summary {
            last.push_str(&format!(" ({})", summary_text(summary)));
        }
        details.push(last);
    }
    let sync_label = format!("Sync {} now", source.url);
    let remove_label = format!("Remove {}", source.url);
    view! {
        <li class="flex flex-col gap-2 py-4 sm:flex-row sm:items-start sm:justify-between" data-testid="source-row">
            <div class="min-w-0 flex-1">
                <div class="flex flex-wrap items-center gap-2">
                    <a href=source.url.clone() rel="noopener noreferrer" target="_blank" class="truncate font-medium text-indigo-700 hover:underline">{source.url.clone()}</a>
                    <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {badge_class}") data-testid="source-status">{badge}</span>
                </div>
                <p class="mt-0.5 text-xs text-slate-500" data-testid="source-details">{details.join(" · ")}</p>
                {source.error.clone().map(|error| view! { <p class="mt-1 text-sm text-red-600">{error}</p> })}
            </div>
            <div class="flex gap-1">
                <ActionForm action=sync>
                    <input type="hidden" name="assistant_id" value=assistant_id />
                    <input type="hidden" name="id" value=source.id />
                    <button type="submit" aria-label=sync_label class="rounded-md px-3 py-1.5 text-sm font-medium text-indigo-700 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-600">"Sync now"</button>
                </ActionForm>
                <ActionForm action=remove>
                    <input type="hidden" name="assistant_id" value=assistant_id />
                    <input type="hidden" name="id" value=source.id />
                    <button type="submit" aria-label=remove_label class="rounded-md px-3 py-1.5 text-sm font-medium text-red-600 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-red-600">"Remove"</button>
                </ActionForm>
            </div>
        </li>
    }
}
