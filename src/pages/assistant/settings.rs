//! An assistant's settings: name, company, instructions, and how it answers.

use leptos::prelude::*;

use super::super::format_time;
use super::INSTRUCTIONS_PLACEHOLDER;
use crate::components::form::{
    FormAlert, SubmitButton, TextArea, TextField, field_errors, general_errors, typed_value,
};
use crate::components::layout::Loading;
use crate::functions::assistants::{
    DeleteAssistant, SaveOcrLanguages, UpdateAssistant, ocr_choices,
};
use crate::functions::chats::SaveAnswerSettings;
use crate::model::AssistantView;

#[component]
#[expect(
    clippy::needless_pass_by_value,
    reason = "a component takes its props by value"
)]
pub(super) fn AssistantDetail(
    assistant: AssistantView,
    update: ServerAction<UpdateAssistant>,
) -> impl IntoView {
    let delete = ServerAction::<DeleteAssistant>::new();
    let saved = crate::components::form::saved("assistant");
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
                            <div class="w-40"><SubmitButton label="Save changes" busy_label="Saving…" /></div>
                            <Show when=move || saved>
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

/// How the assistant answers: only from its documents (and what it says
/// when they do not cover a question), and which model, how creatively.
#[component]
pub(super) fn AnswerSettingsPanel(
    assistant_id: i64,
    settings: Resource<Result<crate::model::AnswerSettingsView, crate::error::AppError>>,
    save: ServerAction<SaveAnswerSettings>,
) -> impl IntoView {
    let saved = crate::components::form::saved("answers");
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
                                            <div class="w-40"><SubmitButton label="Save answers" busy_label="Saving…" /></div>
                                            <Show when=move || saved>
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

/// The languages scanned pages are read in by OCR: a box for each
/// language the server has, the assistant's ticked.
#[component]
#[expect(
    clippy::needless_pass_by_value,
    reason = "a component takes its props by value"
)]
pub(super) fn OcrLanguagesPanel(assistant_id: i64, chosen: String) -> impl IntoView {
    let save = ServerAction::<SaveOcrLanguages>::new();
    let choices = Resource::new(|| (), |()| ocr_choices());
    let saved = crate::components::form::saved("ocr");
    let chosen: Vec<String> = chosen.split('+').map(str::to_owned).collect();
    view! {
        <section id="ocr" class="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="ocr-heading">
            <h2 id="ocr-heading" class="text-lg font-semibold text-slate-900">"Scanned pages"</h2>
            <p class="mt-1 text-sm text-slate-600">"Pages of a PDF without text (scans, photos of paper) are read by OCR in these languages. Changes apply to documents added from now on."</p>
            <Transition fallback=|| view! { <Loading /> }>
                {move || {
                    let chosen = chosen.clone();
                    Suspend::new(async move {
                        match choices.await {
                            Ok(offered) if offered.installed => view! {
                                <ActionForm action=save>
                                    <input type="hidden" name="assistant_id" value=assistant_id />
                                    <FormAlert messages=general_errors(save) />
                                    <fieldset class="mt-4">
                                        <legend class="text-sm font-medium text-slate-900">"Languages"</legend>
                                        <div class="mt-2 grid grid-cols-2 gap-2 sm:grid-cols-3">
                                            {offered.languages.into_iter().enumerate().map(|(index, (code, name))| {
                                                let checked = chosen.contains(&code);
                                                view! {
                                                    <label class="flex items-center gap-2 text-sm text-slate-700">
                                                        <input type="checkbox" name=format!("languages[{index}]") value=code checked=checked
                                                            class="h-4 w-4 rounded border-slate-300 text-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-600" />
                                                        {name}
                                                    </label>
                                                }
                                            }).collect_view()}
                                        </div>
                                        {move || field_errors(save, "ocr_languages").get().into_iter().map(|message| view! {
                                            <p class="mt-2 text-sm text-red-600" role="alert">{message}</p>
                                        }).collect_view()}
                                    </fieldset>
                                    <div class="mt-4 flex flex-wrap items-center gap-4">
                                        <div class="w-40"><SubmitButton label="Save languages" busy_label="Saving…" /></div>
                                        <Show when=move || saved>
                                            <p role="status" class="text-sm font-medium text-emerald-700" data-testid="ocr-saved">"Saved."</p>
                                        </Show>
                                    </div>
                                </ActionForm>
                            }.into_any(),
                            Ok(_) => view! {
                                <p class="mt-4 text-sm text-amber-700" data-testid="ocr-missing">"OCR is not installed on this server: scanned pages are kept without text. The operator can install Tesseract and poppler-utils."</p>
                            }.into_any(),
                            Err(error) => view! { <p class="mt-4 text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}
