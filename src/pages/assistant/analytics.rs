//! The Analytics tab (`/assistants/:id/analytics`): how an assistant does
//! over 7, 30 or 90 days. The chart is drawn on the server (SVG) with its numbers in a
//! table; the period is a link, so the page works without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::super::format_time;
use crate::components::layout::Loading;
use crate::functions::analytics::assistant_analytics;
use crate::model::analytics::{Analytics, ToReview, origin_name};
use crate::model::evaluation::add_question_url;

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-5 shadow-sm";
const TABLE: &str = "mt-3 w-full text-left text-sm";
const HEAD: &str =
    "border-b border-slate-200 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500";

/// The Analytics tab of an assistant.
#[component]
pub fn AnalyticsTab() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let days = move || {
        query
            .read()
            .get("days")
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|d| [7, 30, 90].contains(d))
            .unwrap_or(30)
    };
    let page = Resource::new(
        move || (id(), days()),
        |(id, days)| assistant_analytics(id, days),
    );
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(figures) => {
                        let assistant_id = id();
                        view! {
                            <div class="flex flex-wrap items-end justify-between gap-3">
                                <h2 class="text-xl font-semibold tracking-tight text-slate-900">"Analytics"</h2>
                                <PeriodPicker assistant_id current=figures.analytics.days />
                            </div>
                            <Figures assistant_id figures=figures.analytics chart=figures.chart_svg />
                        }.into_any()
                    }
                    Err(error) => view! { <p role="alert" class="text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// 7 / 30 / 90 days, as links.
#[component]
fn PeriodPicker(assistant_id: i64, current: u32) -> impl IntoView {
    view! {
        <nav aria-label="Period" class="inline-flex rounded-lg border border-slate-300 bg-white p-0.5 text-sm shadow-sm">
            {[7u32, 30, 90].into_iter().map(|days| {
                let chosen = days == current;
                view! {
                    <a href=format!("/assistants/{assistant_id}/analytics?days={days}")
                        aria-current=chosen.then_some("page")
                        class=if chosen { "rounded-md bg-indigo-600 px-3 py-1.5 font-semibold text-white" } else { "rounded-md px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-100" }>
                        {format!("{days} days")}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

fn share(part: u64, whole: u64) -> String {
    (part * 100 + whole / 2)
        .checked_div(whole)
        .map_or_else(|| "–".into(), |percent| format!("{percent}%"))
}

fn millis(ms: Option<i64>) -> String {
    match ms {
        None => "–".into(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

#[component]
fn Figures(assistant_id: i64, figures: Analytics, chart: String) -> impl IntoView {
    let outcomes = figures.outcomes.clone();
    let ratings = figures.ratings.clone();
    let rated = ratings.up + ratings.down;
    let cards = vec![
        (
            "Questions",
            outcomes.questions.to_string(),
            format!("{} to {}", figures.from, figures.to),
        ),
        (
            "Answered",
            share(outcomes.answered, outcomes.questions),
            format!("{} of {}", outcomes.answered, outcomes.questions),
        ),
        (
            "Not covered",
            outcomes.not_covered.to_string(),
            "The documents held nothing relevant".to_owned(),
        ),
        (
            "Failed",
            outcomes.failed.to_string(),
            "The model did not answer".to_owned(),
        ),
        (
            "Thumbs up",
            share(ratings.up, rated),
            format!("{} up · {} down", ratings.up, ratings.down),
        ),
        (
            "First word",
            millis(figures.first_word.p50_ms),
            format!("p95 {}", millis(figures.first_word.p95_ms)),
        ),
    ];
    let origins = figures.origins.clone();
    let names: Vec<String> = origins.iter().map(|o| origin_name(o).to_owned()).collect();
    view! {
        <dl class="mt-6 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="analytics-cards">
            {cards.into_iter().map(|(label, value, hint)| view! {
                <div class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid="analytics-card">
                    <dt class="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</dt>
                    <dd class="mt-1 text-2xl font-semibold text-slate-900">{value}</dd>
                    <dd class="mt-0.5 text-xs text-slate-500">{hint}</dd>
                </div>
            }).collect_view()}
        </dl>
        <section class=format!("mt-6 {CARD}") aria-labelledby="per-day-heading">
            <h2 id="per-day-heading" class="text-base font-semibold text-slate-900">"Questions per day"</h2>
            <div class="mt-3" inner_html=chart></div>
            <details class="mt-3 text-sm">
                <summary class="cursor-pointer text-slate-600 hover:text-slate-900">"The numbers per day (table)"</summary>
                <div class="mt-2 max-h-80 overflow-auto">
                    <table class=TABLE data-testid="per-day-table">
                        <caption class="sr-only">"Questions per day, by surface"</caption>
                        <thead><tr>
                            <th scope="col" class=HEAD>"Day"</th>
                            {names.into_iter().map(|name| view! { <th scope="col" class=HEAD>{name}</th> }).collect_view()}
                            <th scope="col" class=HEAD>"Total"</th>
                        </tr></thead>
                        <tbody class="divide-y divide-slate-100">
                            {figures.per_day.iter().map(|day| {
                                let cells: Vec<u64> = origins.iter().map(|o| day.by_origin.get(o).copied().unwrap_or(0)).collect();
                                view! {
                                    <tr>
                                        <th scope="row" class="py-1 font-normal text-slate-700">{day.date.to_string()}</th>
                                        {cells.into_iter().map(|n| view! { <td class="py-1 tabular-nums">{n}</td> }).collect_view()}
                                        <td class="py-1 font-medium tabular-nums">{day.total}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </section>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <section class=CARD aria-labelledby="documents-heading">
                <h2 id="documents-heading" class="text-base font-semibold text-slate-900">"Most cited documents and pages"</h2>
                {if figures.documents.is_empty() {
                    view! { <p class="mt-3 text-sm text-slate-500">"No answer cited a document in this period."</p> }.into_any()
                } else {
                    view! {
                        <table class=TABLE data-testid="cited-documents">
                            <thead><tr><th scope="col" class=HEAD>"Document"</th><th scope="col" class=HEAD>"Pages most cited"</th><th scope="col" class=HEAD>"Citations"</th></tr></thead>
                            <tbody class="divide-y divide-slate-100">
                                {figures.documents.iter().map(|document| {
                                    let pages = document.pages.iter().filter_map(|p| p.page.map(|page| format!("p. {page} ({})", p.citations))).take(5).collect::<Vec<_>>().join(", ");
                                    view! {
                                        <tr>
                                            <td class="break-all py-1.5 pr-2 text-slate-800">{document.document.clone()}</td>
                                            <td class="py-1.5 pr-2 text-slate-600">{if pages.is_empty() { "–".to_owned() } else { pages }}</td>
                                            <td class="py-1.5 tabular-nums">{document.citations}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <section class=CARD aria-labelledby="models-heading">
                <h2 id="models-heading" class="text-base font-semibold text-slate-900">"Answers per model"</h2>
                {if figures.models.is_empty() {
                    view! { <p class="mt-3 text-sm text-slate-500">"No answers in this period."</p> }.into_any()
                } else {
                    view! {
                        <table class=TABLE data-testid="answers-per-model">
                            <thead><tr><th scope="col" class=HEAD>"Model"</th><th scope="col" class=HEAD>"Answers"</th></tr></thead>
                            <tbody class="divide-y divide-slate-100">
                                {figures.models.iter().map(|m| view! {
                                    <tr>
                                        <td class="py-1.5 text-slate-800">{m.model.clone().unwrap_or_else(|| "No model (quoted passages)".into())}</td>
                                        <td class="py-1.5 tabular-nums">{m.answers}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
                <h2 class="mt-6 text-base font-semibold text-slate-900">"Websites"</h2>
                {if figures.sites.is_empty() {
                    view! { <p class="mt-3 text-sm text-slate-500">"The website chat was not used in this period."</p> }.into_any()
                } else {
                    view! {
                        <table class=TABLE data-testid="websites">
                            <thead><tr><th scope="col" class=HEAD>"Site"</th><th scope="col" class=HEAD>"Questions"</th></tr></thead>
                            <tbody class="divide-y divide-slate-100">
                                {figures.sites.iter().map(|s| view! {
                                    <tr><td class="break-all py-1.5 text-slate-800">{s.site.clone()}</td><td class="py-1.5 tabular-nums">{s.questions}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        </div>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <ReviewList assistant_id title="Latest questions not covered" testid="not-covered"
                empty="Every question found something in the documents." items=figures.latest_not_covered />
            <ReviewList assistant_id title="Latest answers rated down" testid="rated-down"
                empty="No answer was rated down in this period." items=figures.latest_thumbs_down />
        </div>
    }
}

/// Questions to look at, each opening its chat.
#[component]
fn ReviewList(
    assistant_id: i64,
    title: &'static str,
    testid: &'static str,
    empty: &'static str,
    items: Vec<ToReview>,
) -> impl IntoView {
    view! {
        <section class=CARD aria-label=title>
            <h2 class="text-base font-semibold text-slate-900">{title}</h2>
            {if items.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500">{empty}</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-100" data-testid=testid>
                        {items.into_iter().map(|item| view! {
                            <li class="py-2">
                                <a href=format!("/assistants/{assistant_id}/chats/{}#m{}", item.chat_id, item.message_id)
                                    class="text-sm font-medium text-indigo-700 hover:underline">{item.question.clone()}</a>
                                {item.comment.map(|c| view! { <p class="mt-0.5 text-xs italic text-slate-600">{format!("“{c}”")}</p> })}
                                <p class="mt-0.5 text-xs text-slate-500">
                                    {format!("{} · {} · ", origin_name(&item.origin), format_time(item.asked_at))}
                                    <a href=add_question_url(assistant_id, &item.question) data-testid="add-to-evaluation"
                                        class="font-medium text-indigo-700 hover:underline">"Add to evaluation"</a>
                                </p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
