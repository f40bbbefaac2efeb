//! Creating, viewing, editing and deleting assistants.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::format_time;
use crate::components::form::{
    FormAlert, SubmitButton, TextArea, TextField, field_errors, general_errors, typed_value,
};
use crate::components::guard::RequireUser;
use crate::components::layout::{Loading, PageHeader};
use crate::functions::assistants::{
    CorrectDocument, CreateAssistant, DeleteAssistant, DeleteDocument, UpdateAssistant,
    get_assistant, list_assistants, list_documents, search_documents,
};
use crate::functions::chats::{
    DeleteChat, SaveAnswerSettings, StartChat, answer_settings, list_chats,
};
use crate::model::{AssistantView, ChatView, DocumentView, SearchHit};
use leptos_router::hooks::use_query_map;

const INSTRUCTIONS_PLACEHOLDER: &str = "e.g. You answer questions about our 2023 annual report for investors. Be precise, quote figures with their units, and say so when the report does not cover a question.";
const PRIMARY: &str = "inline-flex items-center gap-2 rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

/// The signed-in user's assistants, to load before the page's Suspense.
pub fn assistants_resource() -> Resource<Result<Vec<AssistantView>, crate::error::AppError>> {
    Resource::new(|| (), |()| list_assistants())
}

/// The dashboard's list of assistants, with an invitation when there are none.
#[component]
pub fn AssistantList(
    assistants: Resource<Result<Vec<AssistantView>, crate::error::AppError>>,
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
                        Ok(list) if list.is_empty() => view! { <EmptyAssistants /> }.into_any(),
                        Ok(list) => view! {
                            <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                                {list.into_iter().map(|assistant| view! { <AssistantCard assistant /> }).collect_view()}
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
fn AssistantCard(assistant: AssistantView) -> impl IntoView {
    let href = format!("/assistants/{}", assistant.id);
    let documents = match assistant.documents.len() {
        1 => "1 document".to_owned(),
        n => format!("{n} documents"),
    };
    let questions = match assistant.query_count {
        1 => "1 question answered".to_owned(),
        n => format!("{n} questions answered"),
    };
    view! {
        <li data-testid="assistant-card">
            <A href=href attr:class="block h-full rounded-xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-indigo-300 hover:shadow focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                <p class="truncate font-semibold text-slate-900">{assistant.name}</p>
                <p class="mt-0.5 truncate text-sm text-slate-600">{assistant.company_name}</p>
                <p class="mt-4 text-xs text-slate-500">{format!("{documents} · {questions}")}</p>
                <p class="mt-1 text-xs text-slate-500">{format!("Updated {}", format_time(assistant.updated_at))}</p>
            </A>
        </li>
    }
}

/// Create an assistant.
#[component]
pub fn NewAssistantPage() -> impl IntoView {
    let action = ServerAction::<CreateAssistant>::new();
    let files = NodeRef::<leptos::html::Input>::new();
    let (has_files, set_has_files) = signal(false);
    let (upload_failed, set_upload_failed) = signal(None::<String>);
    // Files are sent by the page's code once the assistant exists: until
    // that code runs (or without JavaScript) the input is disabled rather
    // than silently dropping what was chosen.
    let (can_upload, set_can_upload) = signal(false);
    Effect::new(move |_| set_can_upload.set(true));
    let navigate = leptos_router::hooks::use_navigate();
    // Once the assistant exists, the chosen documents go to it, then its page opens.
    Effect::new(move |_| {
        let Some(Ok(created)) = action.value().get() else {
            return;
        };
        let Some(input) = files.get_untracked().filter(|_| has_files.get_untracked()) else {
            return;
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match upload_files(created.id, &input).await {
                Ok(landed_on) => navigate(&landed_on, Default::default()),
                Err(message) => set_upload_failed.set(Some(message)),
            }
        });
    });
    view! {
        <Title text="New assistant" />
        <RequireUser render=move |_| {
            view! {
                <PageHeader title="New assistant" subtitle="Who it is, who it speaks for, and how it should answer." />
                <div class="max-w-2xl rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
                    <ActionForm action=action>
                        <div class="space-y-5">
                            <FormAlert messages=general_errors(action) />
                            <TextField label="Name" name="name" value=typed_value(action, "name") placeholder="e.g. Annual report helper" errors=field_errors(action, "name") />
                            <TextField label="Company name" name="company_name" value=typed_value(action, "company_name") placeholder="e.g. 3M" errors=field_errors(action, "company_name") />
                            <TextArea
                                label="Instructions"
                                name="instructions"
                                value=typed_value(action, "instructions")
                                placeholder=INSTRUCTIONS_PLACEHOLDER
                                hint="A short directive: who the assistant serves and how it should answer."
                                errors=field_errors(action, "instructions")
                            />
                            <div>
                                <label for="new-documents" class="block text-sm font-medium text-slate-800">"Documents"</label>
                                <p class="mt-1 text-sm text-slate-500">{move || if can_upload.get() {
                                    "Optional: PDF, Word, plain text, Markdown, HTML or CSV, several at once. You can add more later."
                                } else {
                                    "Add documents on the assistant's page once it is created (choosing them here needs JavaScript)."
                                }}</p>
                                <div class="mt-2 rounded-lg border-2 border-dashed border-slate-300 px-4 py-5 hover:border-indigo-400 focus-within:border-indigo-500">
                                    // No `name`: the browser uploads these once the assistant exists.
                                    <input id="new-documents" type="file" multiple accept=ACCEPTED_FILES node_ref=files
                                        disabled=move || !can_upload.get()
                                        on:change=move |_| set_has_files.set(files.get_untracked().is_some_and(|input| chosen_files(&input) > 0))
                                        class="block w-full text-sm text-slate-600 file:mr-3 file:rounded-md file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-sm file:font-semibold file:text-indigo-700 disabled:opacity-50" />
                                </div>
                                <input type="hidden" name="uploads_follow" value=move || has_files.get().to_string() />
                                {move || upload_failed.get().map(|message| view! {
                                    <p role="alert" class="mt-2 text-sm text-red-600">{message}</p>
                                })}
                            </div>
                            <div class="flex flex-wrap items-center gap-3">
                                <div class="w-48"><SubmitButton label="Create assistant" busy_label="Creating…" pending=Signal::derive(move || action.pending().get() || (has_files.get() && action.value().with(|v| matches!(v, Some(Ok(_)))) && upload_failed.with(Option::is_none))) /></div>
                                <a href="/dashboard" class="text-sm font-medium text-slate-600 hover:text-slate-900">"Cancel"</a>
                            </div>
                        </div>
                    </ActionForm>
                </div>
            }
        } />
    }
}

/// The file types the upload fields offer (the server checks the content).
const ACCEPTED_FILES: &str = ".pdf,.docx,.txt,.md,.markdown,.html,.htm,.csv";

/// Posts the files chosen in `input` to the assistant's upload form, as the
/// dashboard's own upload does; gives the page the server sent the browser
/// to (the assistant's page, with an upload error when there was one).
#[cfg(feature = "hydrate")]
async fn upload_files(
    assistant_id: i64,
    input: &web_sys::HtmlInputElement,
) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    let page = format!("/assistants/{assistant_id}");
    let Some(files) = input.files().filter(|files| files.length() > 0) else {
        return Ok(page);
    };
    let failed = |_| {
        "The assistant was created, but its documents could not be sent. Add them on its page."
            .to_owned()
    };
    let form = web_sys::FormData::new().map_err(failed)?;
    for index in 0..files.length() {
        if let Some(file) = files.get(index) {
            form.append_with_blob_and_filename("files", &file, &file.name())
                .map_err(failed)?;
        }
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&form.into());
    let window = web_sys::window().ok_or("no window".to_owned())?;
    let response = wasm_bindgen_futures::JsFuture::from(
        window.fetch_with_str_and_init(&format!("{page}/documents"), &init),
    )
    .await
    .map_err(failed)?;
    let response: web_sys::Response = response.dyn_into().map_err(failed)?;
    // The upload answers with a redirect to the page to show; keep its path.
    let landed = web_sys::Url::new(&response.url()).map_err(failed)?;
    Ok(format!(
        "{}{}{}",
        landed.pathname(),
        landed.search(),
        landed.hash()
    ))
}

/// How many files are chosen in a file input.
#[cfg(feature = "hydrate")]
fn chosen_files(input: &web_sys::HtmlInputElement) -> u32 {
    input.files().map_or(0, |files| files.length())
}

#[cfg(not(feature = "hydrate"))]
fn chosen_files(_input: &leptos::web_sys::HtmlInputElement) -> u32 {
    0
}

#[cfg(not(feature = "hydrate"))]
async fn upload_files(
    assistant_id: i64,
    _input: &leptos::web_sys::HtmlInputElement,
) -> Result<String, String> {
    Ok(format!("/assistants/{assistant_id}"))
}

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
    let publishing = super::publish::Publishing::new(id);
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
                                            <super::publish::PublishPanel assistant_id publishing />
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

/// A document's size for people: `1.2 MB`, `340 KB`.
fn human_size(bytes: i64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let bytes = bytes as f64;
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MB", bytes / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KB", (bytes / 1024.0).max(1.0))
    }
}

/// The documents of an assistant: list with status and progress, delete,
/// and upload more (a plain form: it works without JavaScript).
#[component]
fn DocumentsPanel(
    assistant_id: i64,
    documents: Resource<Result<Vec<DocumentView>, crate::error::AppError>>,
    delete: ServerAction<DeleteDocument>,
    upload_error: Option<String>,
) -> impl IntoView {
    view! {
        <section id="documents" class="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="documents-heading">
            <h2 id="documents-heading" class="text-lg font-semibold text-slate-900">"Documents"</h2>
            <p class="mt-1 text-sm text-slate-600">"The assistant answers from these. PDF, Word, plain text, Markdown, HTML and CSV; up to 50 MB each."</p>
            {upload_error.map(|message| view! {
                <p role="alert" data-testid="upload-error" class="mt-4 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-700">{message}</p>
            })}
            <form method="post" action=format!("/assistants/{assistant_id}/documents") enctype="multipart/form-data" class="mt-4">
                <label class="flex cursor-pointer flex-col items-center justify-center gap-2 rounded-lg border-2 border-dashed border-slate-300 px-4 py-6 text-center hover:border-indigo-400 focus-within:border-indigo-500">
                    <span class="text-sm font-medium text-slate-800">"Drop files here or choose them"</span>
                    <span class="text-xs text-slate-500">"Several at once are fine."</span>
                    <input type="file" name="files" multiple required accept=ACCEPTED_FILES aria-label="Documents to upload" class="mt-2 block w-full max-w-sm text-sm text-slate-600 file:mr-3 file:rounded-md file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-sm file:font-semibold file:text-indigo-700" />
                </label>
                <button type="submit" class="mt-3 rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">"Upload"</button>
            </form>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match documents.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="mt-6 text-sm text-slate-500" data-testid="no-documents">"No documents yet."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="mt-6 divide-y divide-slate-100">
                                {list.into_iter().map(|document| view! { <DocumentRow assistant_id document delete documents /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="mt-6 text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// "Search the documents": what the assistant would read for a question,
/// with the matching words highlighted. A GET form, so results have an
/// address and it works without JavaScript.
#[component]
fn SearchPanel(
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

/// Where semantic indexing of a ready document stands, in words.
fn semantic_note(document: &DocumentView) -> Option<String> {
    if document.status != "ready" {
        return None;
    }
    Some(match document.semantic {
        None => "Keyword search only: no embedding model is loaded.".to_owned(),
        Some(progress) if progress.done < progress.total => format!(
            "Semantic index: {} of {} passages ({}%) — keyword search works meanwhile.",
            progress.done,
            progress.total,
            progress.done * 100 / progress.total.max(1)
        ),
        Some(progress) => format!("Semantic index ready ({} passages).", progress.total),
    })
}

#[component]
fn DocumentRow(
    assistant_id: i64,
    document: DocumentView,
    delete: ServerAction<DeleteDocument>,
    documents: Resource<Result<Vec<DocumentView>, crate::error::AppError>>,
) -> impl IntoView {
    let (badge, badge_class) = match document.status.as_str() {
        "ready" => ("Ready", "bg-emerald-50 text-emerald-700 ring-emerald-200"),
        "failed" => ("Failed", "bg-red-50 text-red-700 ring-red-200"),
        "processing" => ("Processing", "bg-indigo-50 text-indigo-700 ring-indigo-200"),
        _ => ("Waiting", "bg-slate-50 text-slate-700 ring-slate-200"),
    };
    let kind = match document.content_type.as_str() {
        "application/pdf" => "PDF",
        "text/markdown" => "Markdown",
        "text/html" => "HTML",
        "text/csv" => "CSV",
        _ => "Text",
    };
    let mut details = vec![kind.to_owned(), human_size(document.size)];
    if let Some(pages) = document.pages.filter(|_| document.status == "ready") {
        details.push(if pages == 1 {
            "1 page".to_owned()
        } else {
            format!("{pages} pages")
        });
    }
    let busy = document.status == "processing" || document.status == "pending";
    let percent = match document.pages {
        Some(total) if total > 0 => (document.pages_done * 100 / total).clamp(0, 100),
        _ => 0,
    };
    let warning = (document.status == "ready" && document.empty_pages > 0).then(|| {
        let verb = if document.empty_pages == 1 {
            "has"
        } else {
            "have"
        };
        format!(
            "{} of {} pages {verb} no text — scanned?",
            document.empty_pages,
            document.pages.unwrap_or_default()
        )
    });
    let label = format!("Delete {}", document.name);
    view! {
        <li class="flex flex-col gap-2 py-4 sm:flex-row sm:items-start sm:justify-between" data-testid="document-row">
            <div class="min-w-0 flex-1">
                <div class="flex flex-wrap items-center gap-2">
                    <p class="truncate font-medium text-slate-900">{document.name.clone()}</p>
                    <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {badge_class}") data-testid="document-status">{badge}</span>
                </div>
                <p class="mt-0.5 text-xs text-slate-500">{details.join(" · ")}</p>
                {busy.then(|| view! {
                    <div class="mt-2 h-1.5 w-full max-w-sm overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-label=format!("Processing {}", document.name) aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                        <div class="h-full rounded-full bg-indigo-500 transition-all" style=format!("width: {}%", percent.max(5))></div>
                    </div>
                })}
                {document.error.clone().map(|error| view! { <p class="mt-1 text-sm text-red-600">{error}</p> })}
                {warning.map(|text| view! { <p class="mt-1 text-sm text-amber-700">{text}</p> })}
                {semantic_note(&document).map(|text| view! { <p class="mt-1 text-xs text-slate-500" data-testid="semantic-status">{text}</p> })}
                {(document.status == "ready").then(|| view! { <DocumentMetadataEditor assistant_id document=document.clone() documents /> })}
            </div>
            <ActionForm action=delete>
                <input type="hidden" name="assistant_id" value=assistant_id />
                <input type="hidden" name="id" value=document.id />
                <button type="submit" aria-label=label class="rounded-md px-3 py-1.5 text-sm font-medium text-red-600 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-red-600">"Delete"</button>
            </ActionForm>
        </li>
    }
}

/// What a document is (company, kind, period), and a form to correct it.
#[component]
fn DocumentMetadataEditor(
    assistant_id: i64,
    document: DocumentView,
    documents: Resource<Result<Vec<DocumentView>, crate::error::AppError>>,
) -> impl IntoView {
    let correct = ServerAction::<CorrectDocument>::new();
    Effect::new(move || {
        if matches!(correct.value().get(), Some(Ok(_))) {
            documents.refetch();
        }
    });
    let metadata = document.metadata.clone();
    let parts: Vec<String> = [&metadata.company, &metadata.kind, &metadata.period]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let summary = if parts.is_empty() {
        metadata.title.clone().unwrap_or_else(|| {
            "Company, kind and period not recognised: add them so questions that name them find this document.".to_owned()
        })
    } else {
        parts.join(" · ")
    };
    let field = move |name: &'static str,
                      label: &'static str,
                      value: Option<String>,
                      placeholder: &'static str| {
        let input_id = format!("document-{}-{name}", document.id);
        let errors = crate::components::form::field_errors(correct, name);
        view! {
            <div>
                <label for=input_id.clone() class="block text-xs font-medium text-slate-700">{label}</label>
                <input id=input_id name=name type="text" maxlength="200" value=value.unwrap_or_default() placeholder=placeholder
                    class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30" />
                {move || errors.get().into_iter().map(|message| view! { <p class="mt-1 text-xs text-red-600">{message}</p> }).collect_view()}
            </div>
        }
    };
    let label = format!("Edit the details of {}", document.name);
    view! {
        <p class="mt-1 text-xs text-slate-700" data-testid="document-metadata">{summary}</p>
        <details class="mt-1" data-testid="document-metadata-editor">
            <summary class="cursor-pointer text-xs font-medium text-indigo-700 hover:text-indigo-500" aria-label=label>"Edit details"</summary>
            <ActionForm action=correct>
                <input type="hidden" name="assistant_id" value=assistant_id />
                <input type="hidden" name="id" value=document.id />
                <div class="mt-2 grid max-w-xl gap-3 sm:grid-cols-2">
                    {field("company", "Company", metadata.company.clone(), "e.g. Apple Inc.")}
                    {field("kind", "Kind", metadata.kind.clone(), "e.g. 10-K, contract")}
                    {field("period", "Period", metadata.period.clone(), "e.g. FY2023, 2023 Q3")}
                    {field("title", "Title", metadata.title.clone(), "e.g. Apple 10-Q, third quarter 2023")}
                </div>
                <FormAlert messages=general_errors(correct) />
                <button type="submit" class="mt-3 rounded-md bg-indigo-600 px-3 py-1.5 text-xs font-semibold text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">"Save details"</button>
                <p class="mt-1 text-xs text-slate-500">"Questions that name a company, year, quarter or kind of document read the matching documents first."</p>
            </ActionForm>
        </details>
    }
}

#[component]
fn AssistantDetail(
    assistant: AssistantView,
    update: ServerAction<UpdateAssistant>,
) -> impl IntoView {
    let delete = ServerAction::<DeleteAssistant>::new();
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    let typed_or = |field: &str, current: &str| {
        let typed = typed_value(update, field);
        if typed.is_empty() {
            current.to_owned()
        } else {
            typed
        }
    };
    let name_value = typed_or("name", &assistant.name);
    let company_value = typed_or("company_name", &assistant.company_name);
    let instructions_value = typed_or("instructions", &assistant.instructions);
    let delete_label = format!("Delete “{}”", assistant.name);
    view! {
        <Title text=assistant.name.clone() />
        <nav aria-label="Breadcrumb" class="mb-2 text-sm">
            <a href="/dashboard" class="text-slate-500 hover:text-slate-800">"← Assistants"</a>
        </nav>
        <PageHeader title=assistant.name.clone() subtitle=assistant.company_name.clone() />
        <div class="grid gap-6 lg:grid-cols-3">
            <section class="min-w-0 self-start rounded-xl border border-slate-200 bg-white p-6 shadow-sm lg:col-span-2" aria-labelledby="settings-heading">
                <h2 id="settings-heading" class="text-lg font-semibold text-slate-900">"Settings"</h2>
                <ActionForm action=update>
                    <div class="mt-5 space-y-5">
                        <input type="hidden" name="id" value=assistant.id />
                        <FormAlert messages=general_errors(update) />
                        <TextField label="Name" name="name" value=name_value errors=field_errors(update, "name") />
                        <TextField label="Company name" name="company_name" value=company_value errors=field_errors(update, "company_name") />
                        <TextArea label="Instructions" name="instructions" value=instructions_value placeholder=INSTRUCTIONS_PLACEHOLDER errors=field_errors(update, "instructions") />
                        <div class="flex flex-wrap items-center gap-4">
                            <div class="w-40"><SubmitButton label="Save changes" busy_label="Saving…" pending=update.pending() /></div>
                            <Show when=saved>
                                <p role="status" class="text-sm font-medium text-emerald-700" data-testid="saved">"Saved."</p>
                            </Show>
                        </div>
                    </div>
                </ActionForm>
            </section>
            <aside class="space-y-6">
                <section class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="about-heading">
                    <h2 id="about-heading" class="text-lg font-semibold text-slate-900">"About"</h2>
                    <dl class="mt-4 space-y-3 text-sm">
                        <div><dt class="text-slate-500">"Public id"</dt><dd class="mt-0.5 break-all font-mono text-xs text-slate-800">{assistant.openai_id.clone()}</dd></div>
                        <div><dt class="text-slate-500">"API"</dt><dd class="mt-0.5 break-all font-mono text-xs text-slate-800">{assistant.absolute_url.clone()}</dd></div>
                        <div><dt class="text-slate-500">"Questions answered"</dt><dd class="mt-0.5 text-slate-800">{assistant.query_count}</dd></div>
                        <div><dt class="text-slate-500">"Created"</dt><dd class="mt-0.5 text-slate-800">{format_time(assistant.created_at)}</dd></div>
                        <div><dt class="text-slate-500">"Last changed"</dt><dd class="mt-0.5 text-slate-800">{format_time(assistant.updated_at)}</dd></div>
                    </dl>
                </section>
                <section class="rounded-xl border border-red-200 bg-white p-6 shadow-sm" aria-labelledby="danger-heading">
                    <h2 id="danger-heading" class="text-lg font-semibold text-slate-900">"Delete"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Deleting removes the assistant with its documents, chats and index. It cannot be undone."</p>
                    <details class="mt-4">
                        <summary class="cursor-pointer list-none rounded-md border border-red-300 px-3 py-2 text-center text-sm font-semibold text-red-700 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-red-600">
                            "Delete assistant…"
                        </summary>
                        <div class="mt-3 rounded-lg bg-red-50 p-3">
                            <p class="text-sm text-red-800">{format!("Delete “{}” and everything it holds?", assistant.name)}</p>
                            <ActionForm action=delete>
                                <input type="hidden" name="id" value=assistant.id />
                                <button type="submit" class="mt-3 w-full rounded-md bg-red-600 px-3 py-2 text-sm font-semibold text-white hover:bg-red-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600">
                                    {delete_label}
                                </button>
                            </ActionForm>
                        </div>
                    </details>
                </section>
            </aside>
        </div>
    }
}

/// The assistant's chats: start one, open or delete an earlier one.
#[component]
fn ChatsPanel(
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

/// How the assistant answers: only from its documents (and what it says
/// when they do not cover a question), and which model, how creatively.
#[component]
fn AnswerSettingsPanel(
    assistant_id: i64,
    settings: Resource<Result<crate::model::AnswerSettingsView, crate::error::AppError>>,
    save: ServerAction<SaveAnswerSettings>,
) -> impl IntoView {
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    view! {
        <section id="answers" class="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="answers-heading">
            <h2 id="answers-heading" class="text-lg font-semibold text-slate-900">"Answers"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(current) => {
                            let typed_or = |field: &str, current: String| {
                                let typed = typed_value(save, field);
                                if typed.is_empty() { current } else { typed }
                            };
                            let refusal = typed_or("refusal", current.refusal.clone());
                            let temperature = typed_or("temperature", current.temperature.map(|t| t.to_string()).unwrap_or_default());
                            let model_hint = if current.model_configured {
                                "The models this server offers.".to_owned()
                            } else {
                                "No language model is configured on this server: answers quote the best passages.".to_owned()
                            };
                            // The select offers the server's default (sent
                            // empty) and the other allowed models. A stored
                            // model the server no longer allows is not
                            // offered: the default answers instead, as the
                            // note under the select says.
                            let default_model = current.default_model.clone();
                            let offered = |model: &String| !model.is_empty() && *model != default_model && current.allowed_models.contains(model);
                            let stored = current.chat_model.clone().unwrap_or_default();
                            let chosen = [typed_value(save, "chat_model"), stored.clone()]
                                .into_iter()
                                .find(|model| offered(model))
                                .unwrap_or_default();
                            let withdrawn = (!stored.is_empty() && !current.allowed_models.contains(&stored)).then(|| format!(
                                "“{stored}” is no longer offered on this server: the assistant answers with {default_model} until you choose again."
                            ));
                            // Written as HTML: hydration markers inside a
                            // <select> are not kept by the browser's parser.
                            let option = |value: &str, label: &str, selected: bool| format!(
                                "<option value=\"{}\"{}>{}</option>",
                                crate::markdown::escape_html(value),
                                if selected { " selected" } else { "" },
                                crate::markdown::escape_html(label)
                            );
                            let options = std::iter::once(option("", &format!("{} (the server's default)", current.default_model), chosen.is_empty()))
                                .chain(current.allowed_models.iter().filter(|model| offered(model)).map(|model| option(model, model, *model == chosen)))
                                .collect::<String>();
                            let model_errors = field_errors(save, "chat_model");
                            view! {
                                <ActionForm action=save>
                                    <div class="mt-4 space-y-5">
                                        <input type="hidden" name="assistant_id" value=assistant_id />
                                        <FormAlert messages=general_errors(save) />
                                        <label class="flex items-start gap-3 text-sm text-slate-800">
                                            <input type="checkbox" name="grounded" value="on" checked=current.grounded class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600" />
                                            <span><span class="font-medium">"Answer only from the documents"</span><br /><span class="text-slate-500">"When they hold nothing relevant, say so instead of asking the model."</span></span>
                                        </label>
                                        <TextArea label="When the documents do not cover a question" name="refusal" value=refusal rows=2 required=false placeholder=crate::model::DEFAULT_REFUSAL errors=field_errors(save, "refusal") />
                                        <div class="grid gap-5 sm:grid-cols-2">
                                            <div>
                                                <label for="field-chat_model" class="block text-sm font-medium text-slate-800">"Model"</label>
                                                <select id="field-chat_model" name="chat_model"
                                                    aria-describedby="field-chat_model-hint field-chat_model-error"
                                                    aria-invalid=move || if model_errors.get().is_empty() { "false" } else { "true" }
                                                    class="mt-1.5 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 aria-[invalid=true]:border-red-500"
                                                    inner_html=options>
                                                </select>
                                                <p id="field-chat_model-hint" class="mt-1 text-xs text-slate-500">{model_hint}</p>
                                                {withdrawn.map(|note| view! { <p class="mt-1 text-xs text-amber-700" data-testid="model-withdrawn">{note}</p> })}
                                                <div id="field-chat_model-error" aria-live="polite">
                                                    {move || model_errors.get().into_iter().map(|message| view! { <p class="mt-1 text-sm text-red-600" data-testid="error-chat_model">{message}</p> }).collect_view()}
                                                </div>
                                            </div>
                                            <TextField label="Temperature" name="temperature" value=temperature required=false placeholder="e.g. 0.2" hint="0 (precise) to 2 (creative); empty for the model's default." errors=field_errors(save, "temperature") />
                                        </div>
                                        <div class="flex flex-wrap items-center gap-4">
                                            <div class="w-40"><SubmitButton label="Save answers" busy_label="Saving…" pending=save.pending() /></div>
                                            <Show when=saved>
                                                <p role="status" class="text-sm font-medium text-emerald-700" data-testid="answers-saved">"Saved."</p>
                                            </Show>
                                        </div>
                                    </div>
                                </ActionForm>
                            }.into_any()
                        }
                        Err(error) => view! { <p role="alert" class="mt-4 text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
