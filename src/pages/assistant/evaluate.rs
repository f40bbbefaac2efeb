//! The Evaluate tab (`/assistants/:id/evaluate`): the assistant's test
//! questions (added by hand, from Analytics, or imported as CSV), "Run",
//! the latest run's results and summary, and the history of runs as a
//! chart drawn on the server. Every form posts without JavaScript too.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::super::format_time;
use super::{PRIMARY, assistant_id};
use crate::components::form::{
    FormAlert, TextArea, TextField, field_errors, general_errors, typed_value,
};
use crate::components::layout::Loading;
use crate::components::live::KeepFresh;
use crate::functions::evaluation::{
    DeleteEvalQuestion, SaveEvalQuestion, StartEvalRun, evaluation_of,
};
use crate::model::evaluation::{
    EvalQuestion, EvalResult, EvalRun, EvalRunDetail, EvaluationPage, pages_text,
};

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-5 shadow-sm";
const HEAD: &str = "border-b border-slate-200 pb-1 pr-2 text-xs font-semibold uppercase tracking-wide text-slate-500";
const SECONDARY: &str = "inline-flex items-center gap-2 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm font-semibold text-slate-700 shadow-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

fn in_progress(run: &EvalRun) -> bool {
    run.status == "pending" || run.status == "running"
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".into(), |s| format!("{:.0}%", s * 100.0))
}

/// The Evaluate tab of an assistant.
#[component]
pub fn EvaluateTab() -> impl IntoView {
    let id = assistant_id();
    let save = ServerAction::<SaveEvalQuestion>::new();
    let delete = ServerAction::<DeleteEvalQuestion>::new();
    let start = ServerAction::<StartEvalRun>::new();
    let evaluation = Resource::new(
        {
            let id = id.clone();
            move || {
                (
                    id(),
                    start.version().get(),
                    save.version().get(),
                    delete.version().get(),
                )
            }
        },
        |(id, ..)| evaluation_of(id),
    );
    let query = use_query_map();
    let prefill = move || query.read().get("question");
    let import_error = move || query.read().get("import_error");
    let imported = move || {
        query.with(|q| {
            Some((
                q.get("added")?.parse::<usize>().ok()?,
                q.get("updated")?.parse::<usize>().ok()?,
            ))
        })
    };
    let editing = move || query.read().get("edit").and_then(|e| e.parse::<i64>().ok());
    let assistant = id.clone();
    view! {
        <div class="flex flex-wrap items-end justify-between gap-3">
            <div>
                <h2 class="text-xl font-semibold tracking-tight text-slate-900">"Evaluate"</h2>
                <p class="mt-1 max-w-2xl text-sm text-slate-600">"Test questions with what a good answer needs. A run checks whether an expected page is among the five passages found (hit@5) and, with a language model, whether the answer holds the phrases and cites the page."</p>
            </div>
            <ActionForm action=start>
                <input type="hidden" name="assistant_id" value=assistant />
                <button type="submit" class=PRIMARY data-testid="run-evaluation" data-busy-label="Starting…">
                    "Run evaluation"
                </button>
            </ActionForm>
        </div>
        <div class="mt-3"><FormAlert messages=general_errors(start) /></div>
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match evaluation.await {
                    Ok(page) => {
                        // Looked at again every second while a run is in progress.
                        let busy = page.latest.as_ref().is_some_and(|latest| in_progress(&latest.run));
                        view! {
                            <div id="evaluation-runs" data-busy=busy.to_string()><Runs page /></div>
                            {busy.then(|| view! { <KeepFresh region="evaluation-runs".to_owned() /> })}
                        }.into_any()
                    }
                    Err(error) => view! { <p role="alert" class="text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| view! { <Loading /> }>
            {
                let id = id.clone();
                move || {
                    let (assistant_id, prefill, import_error, imported) = (id(), prefill(), import_error(), imported());
                    let editing = editing();
                    Suspend::new(async move {
                        match evaluation.await {
                            Ok(page) => view! {
                                <Questions assistant_id page save delete editing prefill import_error imported />
                            }.into_any(),
                            Err(error) => view! { <p role="alert" class="text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                        }
                    })
                }
            }
        </Transition>
    }
}

/// The latest run (progress, or its summary and results) and the history.
#[component]
fn Runs(page: EvaluationPage) -> impl IntoView {
    let Some(latest) = page.latest else {
        return view! {
            <p class=format!("mt-6 text-sm text-slate-600 {CARD}") data-testid="no-runs">
                "No run yet. Add test questions below, then press “Run evaluation”."
            </p>
        }
        .into_any();
    };
    let model_configured = page.model_configured;
    view! {
        <LatestRun latest model_configured />
        <History runs=page.history chart=page.history_svg />
    }
    .into_any()
}

#[component]
fn LatestRun(latest: EvalRunDetail, model_configured: bool) -> impl IntoView {
    let run = latest.run.clone();
    let status = if in_progress(&run) {
        let waiting = run.status == "pending";
        let now = run.checked.min(run.questions);
        view! {
            <div class=format!("mt-6 {CARD}") role="status" data-testid="run-progress">
                <p class="text-sm font-medium text-slate-800">
                    {if waiting { format!("Run {} is waiting for its turn…", run.id) } else { format!("Run {}: {} of {} questions checked…", run.id, now, run.questions) }}
                </p>
                <progress class="mt-3 h-2 w-full accent-indigo-600" max=run.questions.max(1) value=now aria-label="Questions checked"></progress>
            </div>
        }
        .into_any()
    } else if let Some(error) = run.error.clone() {
        view! { <p role="alert" class="mt-6 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-700">{error}</p> }.into_any()
    } else {
        let judged = run.checked - run.skipped;
        let answers = if run.answers_checked > 0 {
            (
                format!("{} of {}", run.answers_passed, run.answers_checked),
                format!(
                    "held the phrases and cited the page · {}",
                    run.model.clone().unwrap_or_default()
                ),
            )
        } else if model_configured || run.model.is_some() {
            (
                "–".to_owned(),
                "No question needed an answer checked".to_owned(),
            )
        } else {
            (
                "Not checked".to_owned(),
                "No language model is configured: only retrieval was checked".to_owned(),
            )
        };
        let cards = vec![
            (
                "Passed",
                format!("{} of {judged}", run.passed),
                format!(
                    "Run {} · {}",
                    run.id,
                    run.finished_at.map(format_time).unwrap_or_default()
                ),
            ),
            (
                "hit@5",
                percent(run.hit_at_5),
                format!(
                    "{} of {} expected pages found",
                    run.retrieval_hits, run.retrieval_checked
                ),
            ),
            ("Answers", answers.0, answers.1),
            (
                "Skipped",
                run.skipped.to_string(),
                "Phrases only, and no model to answer".to_owned(),
            ),
        ];
        view! {
            <dl class="mt-6 grid grid-cols-2 gap-3 lg:grid-cols-4" data-testid="run-summary">
                {cards.into_iter().map(|(label, value, hint)| view! {
                    <div class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
                        <dt class="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</dt>
                        <dd class="mt-1 text-2xl font-semibold text-slate-900">{value}</dd>
                        <dd class="mt-0.5 text-xs text-slate-500">{hint}</dd>
                    </div>
                }).collect_view()}
            </dl>
        }
        .into_any()
    };
    view! {
        {status}
        <section class=format!("mt-6 {CARD}") aria-labelledby="results-heading">
            <h2 id="results-heading" class="text-base font-semibold text-slate-900">{format!("Results of run {}", run.id)}</h2>
            <ol class="mt-3 divide-y divide-slate-100" data-testid="results">
                {latest.results.into_iter().map(|result| view! { <ResultRow result /> }).collect_view()}
            </ol>
        </section>
    }
}

/// What a question expects, in a line: `3M.pdf · p. 60-61 · “1,577”`.
fn expectation(document: Option<&str>, pages: &[u32], phrases: &[String]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(document) = document {
        parts.push(document.to_owned());
    }
    if !pages.is_empty() {
        parts.push(format!("p. {}", pages_text(pages)));
    }
    parts.extend(phrases.iter().map(|p| format!("“{p}”")));
    parts.join(" · ")
}

#[component]
fn ResultRow(result: EvalResult) -> impl IntoView {
    let (badge, colour) = match result.outcome.as_deref() {
        Some("passed") => (
            "Passed",
            "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
        ),
        Some("failed") => ("Failed", "bg-red-50 text-red-700 ring-red-600/20"),
        Some("error") => ("Error", "bg-red-50 text-red-700 ring-red-600/20"),
        Some("skipped") => ("Skipped", "bg-slate-100 text-slate-700 ring-slate-500/20"),
        _ => ("Waiting", "bg-amber-50 text-amber-800 ring-amber-600/20"),
    };
    let expected = expectation(result.document.as_deref(), &result.pages, &result.phrases);
    let found = result.found.clone();
    let hit_rank = result.rank;
    view! {
        <li class="py-3" data-testid="result" data-outcome=result.outcome.unwrap_or_default()>
            <div class="flex items-start justify-between gap-3">
                <div class="min-w-0">
                    <p class="text-sm font-medium text-slate-900">{result.question.clone()}</p>
                    <p class="mt-0.5 break-words text-xs text-slate-500">{format!("Expected: {expected}")}</p>
                </div>
                <span class=format!("shrink-0 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset {colour}")>{badge}</span>
            </div>
            {(!found.is_empty()).then(|| view! {
                <p class="mt-1.5 flex flex-wrap gap-1.5 text-xs" aria-label="Passages found, best first">
                    <span class="text-slate-500">"Found:"</span>
                    {found.into_iter().enumerate().map(|(index, page)| {
                        let hit = hit_rank == Some(index as i64 + 1);
                        let label = match page.page { Some(p) => format!("{} p. {p}", page.document), None => page.document };
                        view! {
                            <span class=if hit { "rounded bg-emerald-100 px-1.5 py-0.5 font-medium text-emerald-900" } else { "rounded bg-slate-100 px-1.5 py-0.5 text-slate-700" }>
                                {format!("{}. {label}", index + 1)}
                            </span>
                        }
                    }).collect_view()}
                </p>
            })}
            {result.note.map(|note| view! { <p class="mt-1 text-xs text-slate-700">{note}</p> })}
            {result.answer.map(|answer| view! {
                <details class="mt-1 text-xs">
                    <summary class="cursor-pointer text-slate-600 hover:text-slate-900">"The answer"</summary>
                    <p class="mt-1 whitespace-pre-wrap text-slate-700">{answer}</p>
                </details>
            })}
        </li>
    }
}

/// Earlier runs: the chart, and the same numbers as a table.
#[component]
fn History(runs: Vec<EvalRun>, chart: String) -> impl IntoView {
    if runs.len() < 2 {
        return ().into_any();
    }
    view! {
        <section class=format!("mt-6 {CARD}") aria-labelledby="history-heading">
            <h2 id="history-heading" class="text-base font-semibold text-slate-900">"Runs over time"</h2>
            {(!chart.is_empty()).then(|| view! { <div class="mt-3" inner_html=chart></div> })}
            <div class="mt-3 overflow-x-auto">
                <table class="w-full text-left text-sm" data-testid="runs-table">
                    <caption class="sr-only">"Evaluation runs, newest first"</caption>
                    <thead><tr>
                        <th scope="col" class=HEAD>"Run"</th>
                        <th scope="col" class=HEAD>"Started"</th>
                        <th scope="col" class=HEAD>"Passed"</th>
                        <th scope="col" class=HEAD>"hit@5"</th>
                        <th scope="col" class=HEAD>"Answers"</th>
                        <th scope="col" class=HEAD>"Model"</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100">
                        {runs.into_iter().map(|run| {
                            let passed = if run.status == "done" { format!("{} of {}", run.passed, run.checked - run.skipped) } else { run.status.clone() };
                            view! {
                                <tr>
                                    <th scope="row" class="py-1.5 pr-2 font-normal">{run.id}</th>
                                    <td class="py-1.5 pr-2 text-slate-600">{format_time(run.created_at)}</td>
                                    <td class="py-1.5 pr-2 tabular-nums">{passed}</td>
                                    <td class="py-1.5 pr-2 tabular-nums">{percent(run.hit_at_5)}</td>
                                    <td class="py-1.5 pr-2 tabular-nums">{if run.answers_checked > 0 { format!("{} of {}", run.answers_passed, run.answers_checked) } else { "–".into() }}</td>
                                    <td class="py-1.5 text-slate-600">{run.model.unwrap_or_else(|| "None".into())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// The test questions: the form to add (or edit) one, CSV in and out, and
/// the list.
#[component]
fn Questions(
    assistant_id: i64,
    page: EvaluationPage,
    save: ServerAction<SaveEvalQuestion>,
    delete: ServerAction<DeleteEvalQuestion>,
    editing: Option<i64>,
    prefill: Option<String>,
    import_error: Option<String>,
    imported: Option<(usize, usize)>,
) -> impl IntoView {
    let edited = editing.and_then(|id| page.questions.iter().find(|q| q.id == id).cloned());
    let typed_or = |field: &str, current: String| {
        let typed = typed_value(save, field);
        if typed.is_empty() { current } else { typed }
    };
    let question = typed_or(
        "question",
        edited
            .as_ref()
            .map(|q| q.question.clone())
            .or(prefill)
            .unwrap_or_default(),
    );
    let document = typed_or(
        "document",
        edited
            .as_ref()
            .and_then(|q| q.document.clone())
            .unwrap_or_default(),
    );
    let pages = typed_or(
        "pages",
        edited
            .as_ref()
            .map(|q| pages_text(&q.pages))
            .unwrap_or_default(),
    );
    let phrases = typed_or(
        "phrases",
        edited
            .as_ref()
            .map(|q| q.phrases.join("\n"))
            .unwrap_or_default(),
    );
    // Written as HTML: hydration markers inside a <select> are not kept by
    // the browser's parser.
    let option = |value: &str, label: &str, selected: bool| {
        format!(
            "<option value=\"{}\"{}>{}</option>",
            crate::markdown::escape_html(value),
            if selected { " selected" } else { "" },
            crate::markdown::escape_html(label)
        )
    };
    let options = std::iter::once(option("", "Any document", document.is_empty()))
        .chain(
            page.documents
                .iter()
                .map(|name| option(name, name, *name == document)),
        )
        .collect::<String>();
    let count = page.questions.len();
    view! {
        <section id="questions" class=format!("mt-6 {CARD}") aria-labelledby="questions-heading">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h2 id="questions-heading" class="text-base font-semibold text-slate-900">{format!("Test questions ({count})")}</h2>
                <a href=format!("/assistants/{assistant_id}/evaluate/questions.csv") class=SECONDARY download>"Download CSV"</a>
            </div>
            {imported.map(|(added, updated)| view! {
                <p role="status" class="mt-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-800" data-testid="imported">
                    {format!("Imported: {added} added, {updated} updated.")}
                </p>
            })}
            {if page.questions.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500" data-testid="no-questions">"No test questions yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-100" data-testid="questions">
                        {page.questions.into_iter().map(|question| view! { <QuestionRow assistant_id question delete /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <div class="mt-6 grid gap-6 lg:grid-cols-2">
                <div id="question-form">
                    <h3 class="text-sm font-semibold text-slate-900">{if edited.is_some() { "Edit the question" } else { "Add a question" }}</h3>
                    <ActionForm action=save>
                        <div class="mt-3 space-y-4">
                            <input type="hidden" name="assistant_id" value=assistant_id />
                            {edited.as_ref().map(|q| view! { <input type="hidden" name="question_id" value=q.id /> })}
                            <FormAlert messages=general_errors(save) />
                            <TextArea label="Question" name="question" value=question rows=2 placeholder="e.g. What were capital expenditures in 2018?" errors=field_errors(save, "question") />
                            <div>
                                <label for="field-document" class="block text-sm font-medium text-slate-800">"The answer comes from"</label>
                                <select id="field-document" name="document" inner_html=options
                                    class="mt-1.5 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30"></select>
                                <For each=move || field_errors(save, "document").get() key=|m| m.clone() let:message>
                                    <p class="mt-1 text-sm text-red-600" data-testid="error-document">{message}</p>
                                </For>
                            </div>
                            <TextField label="Pages" name="pages" value=pages required=false placeholder="e.g. 60, 61-62" hint="One of them must be among the five passages found." errors=field_errors(save, "pages") />
                            <TextArea label="Phrases the answer must contain" name="phrases" value=phrases rows=2 required=false placeholder="One per line, e.g. $1,577 million" hint="Checked in the answer when a language model is configured; case and spacing do not matter." errors=field_errors(save, "phrases") />
                            <div class="flex items-center gap-3">
                                <button type="submit" class=PRIMARY data-busy-label="Saving…">
                                    {if edited.is_some() { "Save the question" } else { "Add the question" }}
                                </button>
                                {edited.is_some().then(|| view! { <a href=format!("/assistants/{assistant_id}/evaluate#questions") class="text-sm text-slate-600 hover:text-slate-900">"Cancel"</a> })}
                            </div>
                        </div>
                    </ActionForm>
                </div>
                <div id="import">
                    <h3 class="text-sm font-semibold text-slate-900">"Import from CSV"</h3>
                    <p class="mt-1 text-xs text-slate-600">"Columns: question, document, pages (60, 61-62), phrases (separated by |). A question already in the set is updated; if any row is wrong, nothing is imported."</p>
                    {import_error.map(|message| view! {
                        <div role="alert" data-testid="import-error" class="mt-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-700">
                            {message.lines().map(|line| view! { <p>{line.to_owned()}</p> }).collect_view()}
                        </div>
                    })}
                    <form method="post" action=format!("/assistants/{assistant_id}/evaluate/import") enctype="multipart/form-data" class="mt-3 space-y-3">
                        <input type="file" name="file" accept=".csv,text/csv" required aria-label="CSV file of test questions"
                            class="block w-full text-sm text-slate-600 file:mr-3 file:rounded-md file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-sm file:font-semibold file:text-indigo-700" />
                        <button type="submit" class=SECONDARY>"Import"</button>
                    </form>
                </div>
            </div>
        </section>
    }
}

#[component]
fn QuestionRow(
    assistant_id: i64,
    question: EvalQuestion,
    delete: ServerAction<DeleteEvalQuestion>,
) -> impl IntoView {
    let expected = expectation(
        question.document.as_deref(),
        &question.pages,
        &question.phrases,
    );
    view! {
        <li class="flex items-start justify-between gap-3 py-2.5" data-testid="question">
            <div class="min-w-0">
                <p class="text-sm font-medium text-slate-900">{question.question.clone()}</p>
                <p class="mt-0.5 break-words text-xs text-slate-500">{expected}</p>
            </div>
            <div class="flex shrink-0 items-center gap-2">
                <a href=format!("/assistants/{assistant_id}/evaluate?edit={}#question-form", question.id)
                    class="text-sm font-medium text-indigo-700 hover:underline"
                    aria-label=format!("Edit “{}”", question.question)>"Edit"</a>
                <ActionForm action=delete>
                    <input type="hidden" name="assistant_id" value=assistant_id />
                    <input type="hidden" name="question_id" value=question.id />
                    <button type="submit" class="text-sm font-medium text-red-700 hover:underline"
                        aria-label=format!("Remove “{}”", question.question)>"Remove"</button>
                </ActionForm>
            </div>
        </li>
    }
}
