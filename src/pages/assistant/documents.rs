//! An assistant's documents: status and progress, metadata, upload, delete.

use leptos::prelude::*;

use super::new::ACCEPTED_FILES;
use crate::components::form::{FormAlert, general_errors};
use crate::components::layout::Loading;
use crate::components::live::KeepFresh;
use crate::functions::assistants::{CorrectDocument, DeleteDocument};
use crate::model::DocumentView;
use crate::model::web_sources::WebPageCheck;

/// True while a document is being read or its semantic index built.
fn in_progress(document: &DocumentView) -> bool {
    document.status == "pending"
        || document.status == "processing"
        || (document.status == "ready" && document.semantic.is_some_and(|s| s.done < s.total))
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
pub(super) fn DocumentsPanel(
    assistant_id: i64,
    documents: Resource<Result<Vec<DocumentView>, crate::error::AppError>>,
    delete: ServerAction<DeleteDocument>,
    upload_error: Option<String>,
) -> impl IntoView {
    view! {
        <section id="documents" class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="documents-heading">
            <h2 id="documents-heading" class="text-lg font-semibold text-slate-900">"Documents"</h2>
            <p class="mt-1 text-sm text-slate-600">"The assistant answers from these. PDF (scans too), Word, spreadsheets, PowerPoint, OpenDocument, e-books, RTF, e-mails with their attachments, plain text, Markdown, HTML and CSV; up to 50 MB each."</p>
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
                        Ok(list) => {
                            let busy = list.iter().any(in_progress);
                            view! {
                                <ul id="document-list" data-busy=busy.to_string() class="mt-6 divide-y divide-slate-100">
                                    {list.into_iter().map(|document| view! { <DocumentRow assistant_id document delete /> }).collect_view()}
                                </ul>
                                {busy.then(|| view! { <KeepFresh region="document-list".to_owned() /> })}
                            }.into_any()
                        }
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

/// When a web page was last checked and what that found:
/// `checked Dec 5, 2026 10:00 UTC · changed`.
fn web_check(web: &WebPageCheck) -> String {
    let found = match (web.outcome.as_str(), &web.detail) {
        ("failed", Some(why)) => format!("could not be read: {why}"),
        (outcome, _) => outcome.to_owned(),
    };
    format!(
        "checked {} · {found}",
        crate::pages::format_time(web.checked_at)
    )
}

#[component]
fn DocumentRow(
    assistant_id: i64,
    document: DocumentView,
    delete: ServerAction<DeleteDocument>,
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
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "Word",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.ms-excel" => "Excel",
        "application/vnd.oasis.opendocument.spreadsheet" => "Spreadsheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "PowerPoint",
        "application/vnd.oasis.opendocument.text" => "OpenDocument",
        "application/epub+zip" => "E-book",
        "application/rtf" => "RTF",
        "message/rfc822" => "E-mail",
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
    if document.ocr_pages > 0 && document.status == "ready" {
        details.push(format!("{} read by OCR", document.ocr_pages));
    }
    let busy = document.status == "processing" || document.status == "pending";
    let percent = match document.pages {
        Some(total) if total > 0 => (document.pages_done * 100 / total).clamp(0, 100),
        _ => 0,
    };
    let ocr_progress = (busy && document.ocr_pages > 0).then(|| {
        format!(
            "Reading scanned pages by OCR: {} done so far",
            document.ocr_pages
        )
    });
    let warning = (document.status == "ready"
        && document.empty_pages > 0
        && document.notice.is_none())
    .then(|| {
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
                    {match document.web.clone() {
                        Some(web) => view! { <a href=web.url rel="noopener noreferrer" target="_blank" class="truncate font-medium text-indigo-700 hover:underline" data-testid="document-link">{document.name.clone()}</a> }.into_any(),
                        None => view! { <p class="truncate font-medium text-slate-900">{document.name.clone()}</p> }.into_any(),
                    }}
                    <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {badge_class}") data-testid="document-status">{badge}</span>
                </div>
                <p class="mt-0.5 text-xs text-slate-500">{details.join(" · ")}</p>
                {document.web.as_ref().map(|web| view! { <p class="mt-0.5 text-xs text-slate-500" data-testid="document-checked">{web_check(web)}</p> })}
                {busy.then(|| view! {
                    <div class="mt-2 h-1.5 w-full max-w-sm overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-label=format!("Processing {}", document.name) aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                        <div class="h-full rounded-full bg-indigo-500 transition-all" style=format!("width: {}%", percent.max(5))></div>
                    </div>
                })}
                {document.error.clone().map(|error| view! { <p class="mt-1 text-sm text-red-600">{error}</p> })}
                {ocr_progress.map(|text| view! { <p class="mt-1 text-xs text-slate-500" data-testid="ocr-progress">{text}</p> })}
                {warning.map(|text| view! { <p class="mt-1 text-sm text-amber-700">{text}</p> })}
                {document.notice.clone().filter(|_| document.status == "ready").map(|text| view! { <p class="mt-1 text-sm text-amber-700" data-testid="document-notice">{text}</p> })}
                {semantic_note(&document).map(|text| view! { <p class="mt-1 text-xs text-slate-500" data-testid="semantic-status">{text}</p> })}
                {(document.status == "ready").then(|| view! { <DocumentMetadataEditor assistant_id document=document.clone() /> })}
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
fn DocumentMetadataEditor(assistant_id: i64, document: DocumentView) -> impl IntoView {
    let correct = ServerAction::<CorrectDocument>::new();
    // The editor a refused correction came from opens with its errors (a
    // page holds one editor per document).
    let refused_here =
        crate::components::form::typed_value(correct, "id") == document.id.to_string();
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
        let value = if refused_here {
            crate::components::form::typed_value(correct, name)
        } else {
            value.unwrap_or_default()
        };
        view! {
            <div>
                <label for=input_id.clone() class="block text-xs font-medium text-slate-700">{label}</label>
                <input id=input_id name=name type="text" maxlength="200" value=value placeholder=placeholder
                    class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30" />
                {refused_here.then(|| errors.get_untracked().into_iter().map(|message| view! { <p class="mt-1 text-xs text-red-600" data-testid=format!("error-{name}")>{message}</p> }).collect_view())}
            </div>
        }
    };
    let label = format!("Edit the details of {}", document.name);
    view! {
        <p class="mt-1 text-xs text-slate-700" data-testid="document-metadata">{summary}</p>
        <details class="mt-1" data-testid="document-metadata-editor" open=refused_here>
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
                {refused_here.then(|| view! { <FormAlert messages=general_errors(correct) /> })}
                <button type="submit" class="mt-3 rounded-md bg-indigo-600 px-3 py-1.5 text-xs font-semibold text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">"Save details"</button>
                <p class="mt-1 text-xs text-slate-500">"Questions that name a company, year, quarter or kind of document read the matching documents first."</p>
            </ActionForm>
        </details>
    }
}
