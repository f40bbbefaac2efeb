//! Searching an assistant's documents as the chat would.

use leptos::prelude::*;

use crate::components::layout::Loading;
use crate::model::SearchHit;

/// "Search the documents": what the assistant would read for a question,
/// with the matching words highlighted. A GET form, so results have an
/// address and it works without JavaScript.
#[component]
pub(super) fn SearchPanel(
    question: String,
    explain: bool,
    hits: Resource<Result<Option<Vec<SearchHit>>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <section id="search" class="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="search-heading">
            <h2 id="search-heading" class="text-lg font-semibold text-slate-900">"Search the documents"</h2>
            <p class="mt-1 text-sm text-slate-600">"Ask a question to see the passages the assistant would read, and the page each is on."</p>
            <form id="search-form" method="get" action="#search" class="mt-4 flex flex-col gap-3 sm:flex-row">
                <label for="search-q" class="sr-only">"Question"</label>
                <input id="search-q" name="q" type="search" value=question placeholder="e.g. What were capital expenditures in 2018?" class="block w-full rounded-lg border border-slate-300 px-3 py-2 text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30" />
                <button type="submit" class="shrink-0 rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">"Search"</button>
            </form>
            <label class="mt-2 inline-flex items-center gap-2 text-sm text-slate-600">
                <input type="checkbox" name="explain" value="true" form="search-form" checked=explain class="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500" />
                "Explain the ranking"
            </label>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match hits.await {
                        Ok(None) => ().into_any(),
                        Ok(Some(list)) if list.is_empty() => view! {
                            <p class="mt-6 text-sm text-slate-500" data-testid="no-hits">"No passage matches that question."</p>
                        }.into_any(),
                        Ok(Some(list)) => view! {
                            <ol class="mt-6 space-y-4">
                                {list.into_iter().map(|hit| {
                                    let place = match hit.page {
                                        Some(page) => format!("{} · page {page}", hit.document),
                                        None => hit.document.clone(),
                                    };
                                    view! {
                                        <li class="rounded-lg border border-slate-200 p-4" data-testid="search-hit">
                                            <p class="text-xs font-semibold uppercase tracking-wide text-indigo-700">{place}</p>
                                            <p class="mt-2 whitespace-pre-line text-sm leading-6 text-slate-800">
                                                {hit.runs.into_iter().map(|(text, marked)| if marked {
                                                    view! { <mark class="rounded bg-amber-100 px-0.5 text-slate-900">{text}</mark> }.into_any()
                                                } else {
                                                    text.into_any()
                                                }).collect_view()}
                                            </p>
                                            {(!hit.why.is_empty()).then(|| view! {
                                                <ul class="mt-3 space-y-0.5 border-t border-slate-100 pt-2 text-xs text-slate-500" data-testid="search-why">
                                                    {hit.why.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                                                </ul>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="mt-6 text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
