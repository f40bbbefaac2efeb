//! Form fields with their labels and messages.

use leptos::prelude::*;

use crate::error::AppError;

/// True when the page was reached back from a form that saved `what`
/// (`?saved={what}`, see `functions::context::back_saying_saved`).
pub fn saved(what: &'static str) -> bool {
    leptos_router::hooks::use_query_map()
        .with_untracked(|query| query.get("saved").as_deref() == Some(what))
}

/// The messages of `field` in the latest error of an action.
pub fn field_errors<T, I>(action: ServerAction<T>, field: &'static str) -> Signal<Vec<String>>
where
    T: leptos::server_fn::ServerFn<Error = AppError, Output = I> + Send + Sync + Clone + 'static,
    I: Send + Sync + Clone + 'static,
{
    Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error.messages_for(field))
            .unwrap_or_default()
    })
}

/// The messages that belong to no field in the latest error of an action.
pub fn general_errors<T, I>(action: ServerAction<T>) -> Signal<Vec<String>>
where
    T: leptos::server_fn::ServerFn<Error = AppError, Output = I> + Send + Sync + Clone + 'static,
    I: Send + Sync + Clone + 'static,
{
    Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.general_messages())
            .unwrap_or_default()
    })
}

/// What the user typed in `field` before a form posted without JavaScript
/// came back with errors (passwords are never kept).
pub fn typed_value<T, I>(action: ServerAction<T>, field: &str) -> String
where
    T: leptos::server_fn::ServerFn<Error = AppError, Output = I> + Send + Sync + Clone + 'static,
    I: Send + Sync + Clone + 'static,
{
    action
        .value()
        .get_untracked()
        .and_then(Result::err)
        .and_then(|error| error.typed_value(field))
        .unwrap_or_default()
}

/// A labelled input with its error messages, announced to screen readers.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(default = true)] required: bool,
    #[prop(into)] errors: Signal<Vec<String>>,
) -> impl IntoView {
    let input_id = format!("field-{name}");
    let error_id = format!("{input_id}-error");
    let hint_id = format!("{input_id}-hint");
    let has_errors = move || !errors.get().is_empty();
    let described_by = {
        let (error_id, hint_id, has_hint) = (error_id.clone(), hint_id.clone(), hint.is_some());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if has_errors() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div>
            <label for=input_id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            <input
                id=input_id
                name=name
                type=kind
                value=value
                placeholder=placeholder
                autocomplete=autocomplete
                required=required
                aria-invalid=move || if has_errors() { "true" } else { "false" }
                aria-describedby=described_by
                class="mt-1.5 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 aria-[invalid=true]:border-red-500 aria-[invalid=true]:focus:ring-red-500/30"
            />
            {hint.map(|text| view! { <p id=hint_id class="mt-1 text-xs text-slate-500">{text}</p> })}
            <div id=error_id aria-live="polite">
                <For each=move || errors.get() key=|message| message.clone() let:message>
                    <p class="mt-1 text-sm text-red-600" data-testid=format!("error-{name}")>{message}</p>
                </For>
            </div>
        </div>
    }
}

/// A banner for messages that belong to the whole form.
#[component]
pub fn FormAlert(#[prop(into)] messages: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <div aria-live="assertive" class="empty:hidden">
            <Show when=move || !messages.get().is_empty()>
                <div role="alert" data-testid="form-alert" class="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-700">
                    <For each=move || messages.get() key=|message| message.clone() let:message>
                        <p>{message}</p>
                    </For>
                </div>
            </Show>
        </div>
    }
}

/// The main button of a form; says `busy_label` while the form is being
/// sent (see `live::BusyForms`).
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into)] busy_label: String,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            data-busy-label=busy_label
            class="inline-flex w-full items-center justify-center gap-2 rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70"
        >
            {label}
        </button>
    }
}

/// A labelled multi-line field with its error messages.
#[component]
pub fn TextArea(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(default = 6)] rows: u32,
    #[prop(default = true)] required: bool,
    #[prop(into)] errors: Signal<Vec<String>>,
) -> impl IntoView {
    let input_id = format!("field-{name}");
    let error_id = format!("{input_id}-error");
    let hint_id = format!("{input_id}-hint");
    let has_errors = move || !errors.get().is_empty();
    let described_by = format!("{hint_id} {error_id}");
    view! {
        <div>
            <label for=input_id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            <textarea
                id=input_id
                name=name
                rows=rows
                placeholder=placeholder
                required=required
                aria-invalid=move || if has_errors() { "true" } else { "false" }
                aria-describedby=described_by
                class="mt-1.5 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 aria-[invalid=true]:border-red-500"
            >
                {value}
            </textarea>
            {hint.map(|text| view! { <p id=hint_id class="mt-1 text-xs text-slate-500">{text}</p> })}
            <div id=error_id aria-live="polite">
                <For each=move || errors.get() key=|message| message.clone() let:message>
                    <p class="mt-1 text-sm text-red-600" data-testid=format!("error-{name}")>{message}</p>
                </For>
            </div>
        </div>
    }
}
