//! Making an assistant: its name, company, instructions and first documents.

use leptos::prelude::*;
use leptos_meta::Title;

use super::INSTRUCTIONS_PLACEHOLDER;
use crate::components::form::{
    FormAlert, SubmitButton, TextArea, TextField, field_errors, general_errors, typed_value,
};
use crate::components::guard::RequireUser;
use crate::components::layout::PageHeader;
use crate::functions::assistants::CreateAssistant;

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
pub(super) const ACCEPTED_FILES: &str = ".pdf,.docx,.txt,.md,.markdown,.html,.htm,.csv";

/// Posts the files chosen in `input` to the assistant's upload form, as the
/// dashboard's own upload does; gives the page the server sent the browser
/// to (the assistant's page, with an upload error when there was one).
#[cfg(feature = "hydrate")]
async fn upload_files(
    assistant_id: i64,
    input: &web_sys::HtmlInputElement,
) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    let page = format!("/assistants/{assistant_id}/documents");
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
    let response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&page, &init))
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
    Ok(format!("/assistants/{assistant_id}/documents"))
}
