//! The dashboard's list of assistants.

use leptos::prelude::*;
use leptos_router::components::A;

use super::super::format_time;
use super::PRIMARY;
use crate::components::layout::Loading;
use crate::functions::analytics::assistants_week;
use crate::functions::assistants::list_assistants;
use crate::model::AssistantView;
use crate::model::analytics::WeekFigures;

/// The assistants with their last seven days.
pub type AssistantsWithFigures = (Vec<AssistantView>, Vec<WeekFigures>);

/// The signed-in user's assistants and their week, to load before the
/// page's Suspense.
pub fn assistants_resource() -> Resource<Result<AssistantsWithFigures, crate::error::AppError>> {
    Resource::new(
        || (),
        |()| async move {
            let list = list_assistants().await?;
            let figures = assistants_week().await?;
            Ok::<_, crate::error::AppError>((list, figures))
        },
    )
}

/// The dashboard's list of assistants, with an invitation when there are none.
#[component]
pub fn AssistantList(
    assistants: Resource<Result<AssistantsWithFigures, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="assistants-heading">
            <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
                <h2 id="assistants-heading" class="text-lg font-semibold text-slate-900">"Assistants"</h2>
                <a href="/assistants/new" class=PRIMARY>"New assistant"</a>
            </div>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match assistants.await {
                        Ok((list, _)) if list.is_empty() => view! { <EmptyAssistants /> }.into_any(),
                        Ok((list, figures)) => view! {
                            <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                                {list.into_iter().map(|assistant| {
                                    let week = figures.iter().find(|f| f.assistant_id == assistant.id).cloned().unwrap_or_default();
                                    view! { <AssistantCard assistant week /> }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn EmptyAssistants() -> impl IntoView {
    view! {
        <div class="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center" data-testid="no-assistants">
            <h3 class="font-semibold text-slate-900">"Create your first assistant"</h3>
            <p class="mx-auto mt-2 max-w-md text-sm text-slate-600">
                "Give it a name, the company it speaks for and a short directive. It answers questions from the documents you give it, citing their pages."
            </p>
            <a href="/assistants/new" class=format!("{PRIMARY} mt-6")>"New assistant"</a>
        </div>
    }
}

#[component]
fn AssistantCard(assistant: AssistantView, week: WeekFigures) -> impl IntoView {
    let href = format!("/assistants/{}", assistant.id);
    let documents = match assistant.documents.len() {
        1 => "1 document".to_owned(),
        n => format!("{n} documents"),
    };
    let questions = match week.questions {
        1 => "1 question this week".to_owned(),
        n => format!("{n} questions this week"),
    };
    let percent = |part: i64, whole: i64| (whole > 0).then(|| (part * 100 + whole / 2) / whole);
    let answered =
        percent(week.answered, week.questions).map_or_else(|| "–".to_owned(), |p| format!("{p}%"));
    let liked =
        percent(week.up, week.up + week.down).map_or_else(|| "–".to_owned(), |p| format!("{p}%"));
    view! {
        <li data-testid="assistant-card">
            <A href=href attr:class="block h-full rounded-xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-indigo-300 hover:shadow focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                <p class="truncate font-semibold text-slate-900">{assistant.name}</p>
                <p class="mt-0.5 truncate text-sm text-slate-600">{assistant.company_name}</p>
                <p class="mt-4 text-xs text-slate-500">{format!("{documents} · {questions}")}</p>
                <dl class="mt-3 grid grid-cols-2 gap-2 text-xs" data-testid="assistant-week">
                    <div class="rounded-lg bg-slate-50 px-2.5 py-1.5">
                        <dt class="text-slate-500">"Answered"</dt>
                        <dd class="text-sm font-semibold text-slate-900">{answered}</dd>
                    </div>
                    <div class="rounded-lg bg-slate-50 px-2.5 py-1.5">
                        <dt class="text-slate-500">"Thumbs up"</dt>
                        <dd class="text-sm font-semibold text-slate-900">{liked}</dd>
                    </div>
                </dl>
                <p class="mt-1 text-xs text-slate-500">{format!("Updated {}", format_time(assistant.updated_at))}</p>
            </A>
        </li>
    }
}
