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

/// Create an assistant: a plain form, with the documents chosen in it sent
/// by the page once the assistant exists ([`DocumentsToSend`]).
#[component]
pub fn NewAssistantPage() -> impl IntoView {
    let action = ServerAction::<CreateAssistant>::new();
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
                            <DocumentsToSend />
                            <div class="flex flex-wrap items-center gap-3">
                                <div class="w-48"><SubmitButton label="Create assistant" busy_label="Creating…" /></div>
                                <a href="/dashboard" class="text-sm font-medium text-slate-600 hover:text-slate-900">"Cancel"</a>
                            </div>
                        </div>
                    </ActionForm>
                </div>
            }
        } />
    }
}

/// The documents to give a new assistant. Files are sent by the page once
/// the assistant exists: until this island runs (or without JavaScript)
/// the input is disabled rather than silently dropping what was chosen.
/// With files chosen, sending the form creates the assistant from script,
/// uploads the files to it, then opens its Documents page; when the
/// assistant cannot be created, the form is sent as it is, and comes back
/// with its errors.
#[island]
fn DocumentsToSend() -> impl IntoView {
    let files = NodeRef::<leptos::html::Input>::new();
    let (can_upload, set_can_upload) = signal(false);
    let (sending, set_sending) = signal(false);
    let (upload_failed, set_upload_failed) = signal(None::<String>);
    Effect::new(move |_| {
        set_can_upload.set(true);
        #[cfg(feature = "hydrate")]
        if let Some(input) = files.get() {
            send::take_over_the_form(&input, set_sending, set_upload_failed);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (set_sending, set_upload_failed);
    });
    view! {
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
                    disabled=move || !can_upload.get() || sending.get()
                    class="block w-full text-sm text-slate-600 file:mr-3 file:rounded-md file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-sm file:font-semibold file:text-indigo-700 disabled:opacity-50" />
            </div>
            {move || sending.get().then(|| view! {
                <p role="status" class="mt-2 text-sm text-slate-600">"Creating the assistant and sending its documents…"</p>
            })}
            {move || upload_failed.get().map(|message| view! {
                <p role="alert" class="mt-2 text-sm text-red-600">{message}</p>
            })}
        </div>
    }
}

/// The file types the upload fields offer (the server checks the content).
pub(super) const ACCEPTED_FILES: &str =
    ".pdf,.docx,.xlsx,.xls,.ods,.pptx,.odt,.epub,.rtf,.eml,.txt,.md,.markdown,.html,.htm,.csv";

#[cfg(feature = "hydrate")]
mod send {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    use wasm_bindgen_futures::JsFuture;

    /// Sends the input's form from script when files are chosen in it.
    pub fn take_over_the_form(
        input: &web_sys::HtmlInputElement,
        sending: WriteSignal<bool>,
        failed: WriteSignal<Option<String>>,
    ) {
        let Some(form) = input.form() else { return };
        let input = input.clone();
        let on_submit = Closure::<dyn FnMut(web_sys::Event)>::new({
            let form = form.clone();
            move |event: web_sys::Event| {
                if input.files().is_none_or(|files| files.length() == 0) {
                    return;
                }
                event.prevent_default();
                sending.set(true);
                failed.set(None);
                let (form, input) = (form.clone(), input.clone());
                leptos::task::spawn_local(async move {
                    match create(&form).await {
                        Some(assistant_id) => match upload_files(assistant_id, &input).await {
                            Ok(page) => {
                                let _ = window().location().assign(&page);
                            }
                            Err(message) => {
                                failed.set(Some(message));
                                sending.set(false);
                            }
                        },
                        // Sent as a plain form, it comes back with its errors.
                        None => {
                            let _ = form.submit();
                        }
                    }
                });
            }
        });
        let _ = form.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
        on_submit.forget();
    }

    /// Creates the assistant the form describes; its id, or nothing when
    /// the server refused.
    async fn create(form: &web_sys::HtmlFormElement) -> Option<i64> {
        let fields = web_sys::FormData::new_with_form(form).ok()?;
        let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&fields).ok()?;
        body.set("uploads_follow", "true");
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        let headers = web_sys::Headers::new().ok()?;
        headers.set("Accept", "application/json").ok()?;
        headers
            .set("Content-Type", "application/x-www-form-urlencoded")
            .ok()?;
        init.set_headers(&headers);
        init.set_body(&body.to_string().into());
        let response = JsFuture::from(window().fetch_with_str_and_init(&form.action(), &init))
            .await
            .ok()?;
        let response: web_sys::Response = response.dyn_into().ok()?;
        if !response.ok() {
            return None;
        }
        let text = JsFuture::from(response.text().ok()?)
            .await
            .ok()?
            .as_string()?;
        serde_json::from_str::<serde_json::Value>(&text).ok()?["id"].as_i64()
    }

    /// Posts the files chosen in `input` to the assistant's upload form, as
    /// the dashboard's own upload does; gives the page the server sent the
    /// browser to (the assistant's page, with an upload error when there
    /// was one).
    async fn upload_files(
        assistant_id: i64,
        input: &web_sys::HtmlInputElement,
    ) -> Result<String, String> {
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
        let response = JsFuture::from(window().fetch_with_str_and_init(&page, &init))
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
}
