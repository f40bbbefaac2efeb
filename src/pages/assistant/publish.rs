//! The assistant page's "Publish" section: put the chat on websites. The
//! owner switches it on, lists the sites allowed to show it, sets its look
//! and limits, copies the snippet, rotates the key, and tries the widget in
//! a live preview.

use leptos::prelude::*;

use crate::components::form::{
    FormAlert, SubmitButton, TextArea, TextField, field_errors, general_errors, typed_value,
};
use crate::components::layout::Loading;
use crate::components::live::CopyButton;
use crate::functions::widget::{RotateWidgetKey, SaveWidget, widget_settings};
use crate::model::WidgetView;

const CHECKBOX: &str = "mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600";

/// The "Publish" section's data and actions. Made by the page before its
/// own suspense, like its other resources: a resource first made inside a
/// resolved suspense is not sent with the server's HTML, so the browser
/// would load it again and fail to hydrate the page.
#[derive(Clone, Copy)]
pub struct Publishing {
    save: ServerAction<SaveWidget>,
    rotate: ServerAction<RotateWidgetKey>,
    widget: Resource<Result<WidgetView, crate::error::AppError>>,
}

impl Publishing {
    /// The publishing state of the assistant `id` gives (none: not found).
    pub fn new(id: impl Fn() -> Option<i64> + Send + Sync + 'static) -> Self {
        let save = ServerAction::<SaveWidget>::new();
        let rotate = ServerAction::<RotateWidgetKey>::new();
        let widget = Resource::new(
            move || (id(), save.version().get(), rotate.version().get()),
            |(id, _, _)| async move {
                match id {
                    Some(id) => widget_settings(id).await,
                    None => Err(crate::error::AppError::NotFound),
                }
            },
        );
        Self {
            save,
            rotate,
            widget,
        }
    }
}

/// The "Publish" section of an assistant's page.
#[component]
pub fn PublishPanel(assistant_id: i64, publishing: Publishing) -> impl IntoView {
    let Publishing {
        save,
        rotate,
        widget,
    } = publishing;
    view! {
        <section id="publish" class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="publish-heading">
            <h2 id="publish-heading" class="text-lg font-semibold text-slate-900">"Publish on your website"</h2>
            <p class="mt-1 text-sm text-slate-600">"Put this assistant on your own site with one line of HTML. It works only on the sites you list, within the limits you set."</p>
            <div class="mt-6 grid gap-8 lg:grid-cols-5">
                <div class="min-w-0 lg:col-span-3">
                    <Transition fallback=|| view! { <Loading /> }>
                        {move || Suspend::new(async move {
                            match widget.await {
                                Ok(current) => view! { <PublishForm current save rotate /> }.into_any(),
                                Err(error) => view! { <p role="alert" class="text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
                <div class="min-w-0 lg:col-span-2">
                    <h3 class="text-sm font-semibold text-slate-900">"Preview"</h3>
                    <p class="mt-1 text-xs text-slate-500">"The chat as visitors see it, with the saved settings. Questions asked here count like any other."</p>
                    <div class="mt-3 overflow-hidden rounded-lg border border-slate-200 shadow-inner">
                        <div class="flex items-center gap-1.5 border-b border-slate-200 bg-slate-100 px-3 py-2" aria-hidden="true">
                            <span class="h-2.5 w-2.5 rounded-full bg-slate-300"></span>
                            <span class="h-2.5 w-2.5 rounded-full bg-slate-300"></span>
                            <span class="h-2.5 w-2.5 rounded-full bg-slate-300"></span>
                            <span class="ml-2 h-4 flex-1 rounded bg-white"></span>
                        </div>
                        <div id="widget-preview-stage" data-testid="widget-preview" class="relative h-[600px] bg-gradient-to-b from-slate-50 to-white">
                            <div class="space-y-3 p-6" aria-hidden="true">
                                <div class="h-4 w-2/3 rounded bg-slate-200"></div>
                                <div class="h-3 w-full rounded bg-slate-100"></div>
                                <div class="h-3 w-5/6 rounded bg-slate-100"></div>
                                <div class="h-3 w-4/6 rounded bg-slate-100"></div>
                            </div>
                            <noscript><p class="px-6 text-sm text-slate-500">"The preview needs JavaScript."</p></noscript>
                            <WidgetPreview assistant_id />
                        </div>
                    </div>
                </div>
            </div>
        </section>
    }
}

/// The settings form, the snippet and the key.
#[component]
fn PublishForm(
    current: WidgetView,
    save: ServerAction<SaveWidget>,
    rotate: ServerAction<RotateWidgetKey>,
) -> impl IntoView {
    let saved = crate::components::form::saved("publishing");
    let typed_or = |field: &str, current: String| {
        let typed = typed_value(save, field);
        if typed.is_empty() { current } else { typed }
    };
    let origins = typed_or("allowed_origins", current.allowed_origins.join("\n"));
    let title = typed_or("title", current.title.clone());
    let welcome = typed_or("welcome", current.welcome.clone());
    let hourly = typed_or(
        "visitor_hourly_limit",
        current.visitor_hourly_limit.to_string(),
    );
    let daily = typed_or("daily_limit", current.daily_limit.to_string());
    let suggestion = |index: usize| {
        typed_or(
            &format!("suggestion_{}", index + 1),
            current.suggestions.get(index).cloned().unwrap_or_default(),
        )
    };
    let (s1, s2, s3, s4) = (suggestion(0), suggestion(1), suggestion(2), suggestion(3));
    let snippet = current.snippet();
    let status = if current.enabled {
        view! { <span class="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 ring-1 ring-inset ring-emerald-600/20" data-testid="publish-status">"On"</span> }.into_any()
    } else {
        view! { <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600 ring-1 ring-inset ring-slate-500/20" data-testid="publish-status">"Off"</span> }.into_any()
    };
    let right = current.position != "left";
    view! {
        <ActionForm action=save>
            <div class="space-y-5">
                <input type="hidden" name="assistant_id" value=current.assistant_id />
                <FormAlert messages=general_errors(save) />
                <div class="flex items-start justify-between gap-4">
                    <div class="flex items-start gap-3 text-sm">
                        <input id="field-enabled" type="checkbox" name="enabled" value="on" checked=current.enabled aria-describedby="field-enabled-hint" class=CHECKBOX />
                        <div>
                            <label for="field-enabled" class="font-medium text-slate-800">"Show the chat on websites"</label>
                            <p id="field-enabled-hint" class="text-slate-500">"Off: the snippet shows nothing, wherever it is."</p>
                        </div>
                    </div>
                    {status}
                </div>
                <TextArea label="Allowed origins" name="allowed_origins" value=origins rows=3 required=false
                    placeholder="https://www.example.com"
                    hint="One per line: scheme, host and port, no path. The chat refuses to work on any other site."
                    errors=field_errors(save, "allowed_origins") />
                <div class="grid gap-5 sm:grid-cols-3">
                    <div class="sm:col-span-3">
                        <TextField label="Title" name="title" value=title required=false placeholder="Empty: the assistant's name" errors=field_errors(save, "title") />
                    </div>
                    <div>
                        <label for="field-accent" class="block text-sm font-medium text-slate-800">"Accent colour"</label>
                        <input id="field-accent" type="color" name="accent" value=current.accent.clone() class="mt-1.5 block h-10 w-full cursor-pointer rounded-lg border border-slate-300 bg-white px-1 py-1" />
                        {move || field_errors(save, "accent").get().into_iter().map(|message| view! { <p class="mt-1 text-sm text-red-600">{message}</p> }).collect_view()}
                    </div>
                    <div class="sm:col-span-2">
                        <label for="field-position" class="block text-sm font-medium text-slate-800">"Launcher position"</label>
                        <select id="field-position" name="position" class="mt-1.5 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30">
                            <option value="right" selected=right>"Bottom right"</option>
                            <option value="left" selected=!right>"Bottom left"</option>
                        </select>
                    </div>
                </div>
                <TextArea label="Welcome message" name="welcome" value=welcome rows=2 required=false
                    placeholder="Empty: “Hi! Ask me anything about …'s documents.”"
                    errors=field_errors(save, "welcome") />
                <fieldset>
                    <legend class="text-sm font-medium text-slate-800">"Suggested questions"</legend>
                    <p class="mt-1 text-xs text-slate-500">"Up to four, shown before the first question; a click asks them."</p>
                    <div class="mt-2 grid gap-3 sm:grid-cols-2">
                        <TextField label="Suggested question 1" name="suggestion_1" value=s1 required=false errors=field_errors(save, "suggestion_1") />
                        <TextField label="Suggested question 2" name="suggestion_2" value=s2 required=false errors=field_errors(save, "suggestion_2") />
                        <TextField label="Suggested question 3" name="suggestion_3" value=s3 required=false errors=field_errors(save, "suggestion_3") />
                        <TextField label="Suggested question 4" name="suggestion_4" value=s4 required=false errors=field_errors(save, "suggestion_4") />
                    </div>
                </fieldset>
                <div class="flex items-start gap-3 text-sm">
                    <input id="field-show-sources" type="checkbox" name="show_sources" value="on" checked=current.show_sources aria-describedby="field-show-sources-hint" class=CHECKBOX />
                    <div>
                        <label for="field-show-sources" class="font-medium text-slate-800">"Show sources"</label>
                        <p id="field-show-sources-hint" class="text-slate-500">"Each answer lists the documents and pages it comes from, with the passages."</p>
                    </div>
                </div>
                <div class="flex items-start gap-3 text-sm">
                    <input id="field-show-feedback" type="checkbox" name="show_feedback" value="on" checked=current.show_feedback aria-describedby="field-show-feedback-hint" class=CHECKBOX />
                    <div>
                        <label for="field-show-feedback" class="font-medium text-slate-800">"Ask for feedback"</label>
                        <p id="field-show-feedback-hint" class="text-slate-500">"Visitors can rate each answer with a thumb up or down and say why; you see it in the chat and in the figures."</p>
                    </div>
                </div>
                <div class="grid gap-5 sm:grid-cols-2">
                    <TextField label="Messages per visitor per hour" name="visitor_hourly_limit" kind="number" value=hourly hint="Counted by visitor session and address." errors=field_errors(save, "visitor_hourly_limit") />
                    <TextField label="Messages per assistant per day" name="daily_limit" kind="number" value=daily hint="All visitors together, over the last 24 hours." errors=field_errors(save, "daily_limit") />
                </div>
                <div class="flex flex-wrap items-center gap-4">
                    <div class="w-64"><SubmitButton label="Save publishing settings" busy_label="Saving…" /></div>
                    <Show when=move || saved>
                        <p role="status" class="text-sm font-medium text-emerald-700" data-testid="publish-saved">"Saved."</p>
                    </Show>
                </div>
            </div>
        </ActionForm>
        <div class="mt-8 border-t border-slate-100 pt-6">
            <h3 class="text-sm font-semibold text-slate-900">"Snippet"</h3>
            <p class="mt-1 text-sm text-slate-600">"Paste it in the pages of the allowed sites, before "<code class="font-mono text-xs">"</body>"</code>"."</p>
            <div class="mt-3 flex flex-col gap-2 sm:flex-row sm:items-start">
                <code class="block min-w-0 flex-1 break-all rounded-md border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs text-slate-900" data-testid="widget-snippet">{snippet.clone()}</code>
                <CopyButton text=snippet label="Copy snippet".to_owned()
                    class="shrink-0 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-semibold text-slate-800 shadow-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600".to_owned() />
            </div>
            <details class="mt-4">
                <summary class="cursor-pointer text-sm font-medium text-slate-700 hover:text-slate-900">"Rotate key…"</summary>
                <div class="mt-2 rounded-lg bg-amber-50 p-3">
                    <p class="text-sm text-amber-900">"A new public key replaces "<code class="font-mono text-xs">{current.public_key.clone()}</code>". The snippet on your sites stops working until you paste the new one, and open conversations end."</p>
                    <ActionForm action=rotate>
                        <input type="hidden" name="assistant_id" value=current.assistant_id />
                        <button type="submit" class="mt-3 rounded-md bg-amber-600 px-3 py-2 text-sm font-semibold text-white hover:bg-amber-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-600">"Rotate the public key"</button>
                    </ActionForm>
                </div>
            </details>
        </div>
    }
}

/// The widget in the preview box, with the saved settings (each save
/// loads the page again, and with it the preview).
#[island]
fn WidgetPreview(assistant_id: i64) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(mount_preview(assistant_id));
    #[cfg(not(feature = "hydrate"))]
    let _ = assistant_id;
}

/// Loads the widget into the preview box with a preview token (the
/// dashboard's own origin needs not be among the allowed ones).
#[cfg(feature = "hydrate")]
async fn mount_preview(assistant_id: i64) {
    let Ok(preview) = crate::functions::widget::start_widget_preview(assistant_id).await else {
        return;
    };
    let document = document();
    if let Some(old) = document.get_element_by_id("widget-preview-script") {
        old.remove();
    }
    let (Ok(script), Some(body)) = (document.create_element("script"), document.body()) else {
        return;
    };
    for (name, value) in [
        ("id", "widget-preview-script"),
        ("src", preview.script_url.as_str()),
        ("data-assistant", preview.public_key.as_str()),
        ("data-preview-token", preview.token.as_str()),
        ("data-container", "#widget-preview-stage"),
    ] {
        let _ = script.set_attribute(name, value);
    }
    let _ = body.append_child(&script);
}
