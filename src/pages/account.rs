//! The account page: who you are, your API keys, your password, and
//! deleting the account.

use leptos::prelude::*;
use leptos_meta::Title;

use super::format_time;
use crate::components::form::{
    FormAlert, SubmitButton, TextField, field_errors, general_errors, typed_value,
};
use crate::components::guard::RequireUser;
use crate::components::layout::{Card, Loading, PageHeader};
use crate::components::live::CopyButton;
use crate::functions::accounts::{ChangePassword, DeleteAccount};
use crate::functions::api_keys::{CreateApiKey, RevokeApiKey, list_api_keys, take_new_api_key};
use crate::functions::assistants::list_assistants;
use crate::model::{ApiKeyView, AssistantView, CreatedApiKey};

/// Profile, API keys, password, and account deletion.
#[component]
pub fn AccountPage() -> impl IntoView {
    // Data loading is set up here, outside any Suspense, so that it starts
    // at once and the server waits for it (resources created inside a
    // Suspense are a known way to stall server rendering).
    let keys = ApiKeysData::new();
    view! {
        <Title text="Account" />
        <RequireUser render=move |user| {
            view! {
                <PageHeader title="Account" subtitle="Your profile, the keys that let your code use the API, your password." />
                <div class="space-y-6">
                    <Card title="Profile">
                        <dl class="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
                            <dt class="text-slate-500">"Username"</dt>
                            <dd class="font-medium text-slate-900" data-testid="account-username">{user.username.clone()}</dd>
                            <dt class="text-slate-500">"Email"</dt>
                            <dd class="font-medium text-slate-900">{user.email.clone()}</dd>
                        </dl>
                    </Card>
                    <ApiKeys data=keys />
                    <ChangePasswordCard />
                    <DeleteAccountCard />
                </div>
            }
        } />
    }
}

/// Changing the password: this browser stays signed in, others are signed out.
#[component]
fn ChangePasswordCard() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let changed = crate::components::form::saved("password");
    view! {
        <Card
            title="Password"
            description="Changing it signs you out everywhere else: other browsers and devices must log in again. Your API keys keep working; revoke any you suspect above."
        >
            <ActionForm action=change>
                <div class="max-w-md space-y-4">
                    <FormAlert messages=general_errors(change) />
                    <Show when=move || changed>
                        <p role="status" class="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800" data-testid="password-changed">
                            "Password changed. Every other session has been signed out."
                        </p>
                    </Show>
                    <TextField label="Current password" name="current_password" kind="password" autocomplete="current-password" errors=field_errors(change, "current_password") />
                    <TextField label="New password" name="new_password" kind="password" autocomplete="new-password" hint="At least 8 characters." errors=field_errors(change, "new_password") />
                    <TextField label="New password, again" name="new_password_confirm" kind="password" autocomplete="new-password" errors=field_errors(change, "new_password_confirm") />
                    <div class="sm:w-48">
                        <SubmitButton label="Change password" busy_label="Changing…" />
                    </div>
                </div>
            </ActionForm>
        </Card>
    }
}

/// Deleting the account, behind a disclosure and the password.
#[component]
fn DeleteAccountCard() -> impl IntoView {
    let delete = ServerAction::<DeleteAccount>::new();
    // Open again after a refused attempt, so its message is seen.
    let refused = move || matches!(delete.value().get(), Some(Err(_)));
    view! {
        <section class="min-w-0 rounded-xl border border-red-200 bg-white p-6 shadow-sm" aria-labelledby="delete-account-heading">
            <h2 id="delete-account-heading" class="text-lg font-semibold text-red-700">"Delete account"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Deletes your account with all its assistants, their documents and stored files, chats, website chat settings and API keys. This cannot be undone."
            </p>
            <details class="group mt-4" open=refused>
                <summary class="inline-flex cursor-pointer list-none items-center rounded-lg border border-red-300 px-4 py-2 text-sm font-semibold text-red-700 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 group-open:hidden">
                    "Delete my account…"
                </summary>
                <ActionForm action=delete>
                    <div class="max-w-md space-y-4">
                        <FormAlert messages=general_errors(delete) />
                        <TextField label="Enter your password to confirm" name="password" kind="password" autocomplete="current-password" errors=field_errors(delete, "password") />
                        <button
                            type="submit"
                            data-busy-label="Deleting…"
                            class="inline-flex items-center justify-center rounded-lg bg-red-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-red-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 disabled:cursor-wait disabled:opacity-70"
                        >
                            "Delete my account permanently"
                        </button>
                    </div>
                </ActionForm>
            </details>
        </section>
    }
}

/// The user's keys, and their assistants' names by id.
type KeysAndNames = (Vec<ApiKeyView>, Vec<(i64, String)>);

/// The account page's API key data and actions.
#[derive(Clone, Copy)]
struct ApiKeysData {
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
    /// The keys, with the names of the assistants they may reach.
    keys: Resource<Result<KeysAndNames, crate::error::AppError>>,
    flashed: Resource<Result<Option<CreatedApiKey>, crate::error::AppError>>,
    assistants: Resource<Result<Vec<AssistantView>, crate::error::AppError>>,
}

impl ApiKeysData {
    fn new() -> Self {
        let create = ServerAction::<CreateApiKey>::new();
        let revoke = ServerAction::<RevokeApiKey>::new();
        let keys = Resource::new(
            move || (create.version().get(), revoke.version().get()),
            |_| async {
                let keys = list_api_keys().await?;
                let names = list_assistants()
                    .await?
                    .into_iter()
                    .map(|assistant| (assistant.id, assistant.name))
                    .collect();
                Ok((keys, names))
            },
        );
        let flashed = Resource::new(|| (), |()| take_new_api_key());
        let assistants = Resource::new(|| (), |()| list_assistants());
        Self {
            create,
            revoke,
            keys,
            flashed,
            assistants,
        }
    }
}

#[component]
fn ApiKeys(data: ApiKeysData) -> impl IntoView {
    let ApiKeysData {
        create,
        revoke,
        keys,
        flashed,
        assistants,
    } = data;

    view! {
        <section id="api-keys" class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="text-lg font-semibold text-slate-900">"API keys"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Send a key as "
                <code class="rounded bg-slate-100 px-1 py-0.5 text-xs">"Authorization: Token <key>"</code>
                ". A key that may do everything can act as you: give each use the least it needs (ask only, read only, some assistants, an end date), and revoke any you no longer use."
            </p>
            <p class="mt-2 text-sm text-slate-600" data-testid="keys-workspace">
                "Keys act in the workspace you work in now, with your role there; admins see and revoke every member's keys. Switch workspaces in the bar above."
            </p>
            <Transition fallback=|| ()>
                {move || {
                    let fresh = create.value().get().and_then(Result::ok).flatten();
                    Suspend::new(async move {
                        let flashed = flashed.await.ok().flatten();
                        fresh.or(flashed).map(|created| view! { <NewKeyNotice created /> })
                    })
                }}
            </Transition>
            <ActionForm action=create>
                <div class="mt-6 space-y-4">
                    <FormAlert messages=general_errors(create) />
                    <div class="grid gap-4 sm:grid-cols-3">
                        <TextField
                            label="Key name"
                            name="name"
                            placeholder="e.g. Website backend"
                            value=typed_value(create, "name")
                            errors=field_errors(create, "name")
                        />
                        <div>
                            <label for="field-scope" class="block text-sm font-medium text-slate-800">"What it may do"</label>
                            <select id="field-scope" name="scope" class="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30">
                                <option value="full">"Everything (full)"</option>
                                <option value="chat">"Ask and search only (chat)"</option>
                                <option value="read">"Read only (read)"</option>
                            </select>
                            <FieldMessages errors=field_errors(create, "scope") />
                        </div>
                        <TextField
                            label="Expires (optional)"
                            name="expires_at"
                            kind="date"
                            required=false
                            hint="Works until the end of that day (UTC)."
                            value=typed_value(create, "expires_at")
                            errors=field_errors(create, "expires_at")
                        />
                    </div>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let list = assistants.await.unwrap_or_default();
                            (!list.is_empty()).then(|| view! { <AssistantChoice assistants=list errors=field_errors(create, "assistants") /> })
                        })}
                    </Transition>
                    <div class="sm:w-40">
                        <SubmitButton label="Create key" busy_label="Creating…" />
                    </div>
                </div>
            </ActionForm>
            <div class="mt-6">
                <Transition fallback=|| view! { <Loading /> }>
                    {move || Suspend::new(async move {
                        let listed = keys.await;
                        match listed {
                            Ok((list, _)) if list.is_empty() => view! {
                                <p class="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500" data-testid="no-keys">
                                    "You have no API keys yet."
                                </p>
                            }.into_any(),
                            Ok((list, names)) => view! { <KeyTable keys=list revoke names /> }.into_any(),
                            Err(error) => view! { <p role="alert" class="text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}

/// The assistants a new key may be limited to: none ticked, all of them.
#[component]
fn AssistantChoice(assistants: Vec<AssistantView>, errors: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <fieldset>
            <legend class="text-sm font-medium text-slate-800">"Assistants it may reach"</legend>
            <p class="mt-1 text-xs text-slate-500">"Tick none for all of them, including those you create later."</p>
            <div class="mt-2 flex flex-wrap gap-x-5 gap-y-2">
                {assistants
                    .into_iter()
                    .map(|assistant| {
                        let id = format!("key-assistant-{}", assistant.id);
                        let label_for = id.clone();
                        view! {
                            <label for=label_for class="inline-flex items-center gap-2 text-sm text-slate-700">
                                <input id=id type="checkbox" name="assistants[]" value=assistant.id class="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500" />
                                {assistant.name}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <FieldMessages errors />
        </fieldset>
    }
}

/// A field's messages under it, announced.
#[component]
fn FieldMessages(#[prop(into)] errors: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <For each=move || errors.get() key=|message| message.clone() let:message>
            <p role="alert" class="mt-1 text-sm text-red-600">{message}</p>
        </For>
    }
}

/// What a key may do, in words.
fn scope_words(scope: &str) -> &'static str {
    match scope {
        "full" => "Everything",
        "chat" => "Ask and search",
        "read" => "Read only",
        _ => "Unknown",
    }
}

#[component]
fn KeyTable(
    keys: Vec<ApiKeyView>,
    revoke: ServerAction<RevokeApiKey>,
    names: Vec<(i64, String)>,
) -> impl IntoView {
    let reach = move |ids: &Option<Vec<i64>>| match ids {
        None => "All assistants".to_owned(),
        Some(ids) => ids
            .iter()
            .map(|id| {
                names
                    .iter()
                    .find(|(known, _)| known == id)
                    .map_or_else(|| "(deleted)".to_owned(), |(_, name)| name.clone())
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    view! {
        <div class="relative overflow-x-auto">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <thead>
                    <tr class="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                        <th scope="col" class="py-2 pr-4">"Name"</th>
                        <th scope="col" class="py-2 pr-4">"Key"</th>
                        <th scope="col" class="py-2 pr-4">"May do"</th>
                        <th scope="col" class="py-2 pr-4">"Assistants"</th>
                        <th scope="col" class="py-2 pr-4">"Expires"</th>
                        <th scope="col" class="hidden py-2 pr-4 sm:table-cell">"Created"</th>
                        <th scope="col" class="py-2 pr-4">"Last used"</th>
                        <th scope="col" class="py-2"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {keys
                        .into_iter()
                        .map(|key| {
                            let label = format!("Revoke key {}", key.name);
                            let expired = key.expired;
                            let expires = key.expires_at.map_or_else(|| "Never".to_owned(), format_time);
                            view! {
                                <tr data-testid="api-key-row">
                                    <td class="py-3 pr-4 font-medium text-slate-900">
                                        {key.name.clone()}
                                        {key.made_by.clone().map(|by| view! { <span class="block text-xs font-normal text-slate-500" data-testid="api-key-maker">{format!("by {by}")}</span> })}
                                    </td>
                                    <td class="py-3 pr-4"><code class="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{format!("{}…", key.prefix)}</code></td>
                                    <td class="py-3 pr-4 text-slate-700" data-testid="api-key-scope">{scope_words(&key.scope)}</td>
                                    <td class="py-3 pr-4 text-slate-700" data-testid="api-key-assistants">{reach(&key.assistant_ids)}</td>
                                    <td class="whitespace-nowrap py-3 pr-4 text-slate-600" data-testid="api-key-expires">
                                        {expires}
                                        {expired.then(|| view! { <span class="ml-2 rounded bg-red-50 px-1.5 py-0.5 text-xs font-medium text-red-700">"Expired"</span> })}
                                    </td>
                                    <td class="hidden whitespace-nowrap py-3 pr-4 text-slate-600 sm:table-cell">{format_time(key.created_at)}</td>
                                    <td class="whitespace-nowrap py-3 pr-4 text-slate-600" data-testid="api-key-last-used">{key.last_used_at.map_or_else(|| "Never".to_owned(), format_time)}</td>
                                    <td class="py-3 text-right">
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="id" value=key.id />
                                            <button type="submit" aria-label=label class="rounded-md px-3 py-1.5 text-sm font-medium text-red-600 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-red-600">
                                                "Revoke"
                                            </button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The whole key, shown once, with a copy button.
#[component]
fn NewKeyNotice(created: CreatedApiKey) -> impl IntoView {
    view! {
        <div role="status" class="mt-5 rounded-lg border border-emerald-200 bg-emerald-50 p-4" data-testid="new-key">
            <p class="text-sm font-semibold text-emerald-900">{format!("Key “{}” created.", created.key.name)}</p>
            <p class="mt-1 text-sm text-emerald-800">"Copy it now: for your safety it will not be shown again."</p>
            <div class="mt-3 flex flex-col gap-2 sm:flex-row sm:items-center">
                <code class="block break-all rounded-md border border-emerald-200 bg-white px-3 py-2 font-mono text-sm text-slate-900" data-testid="new-key-value">
                    {created.token.clone()}
                </code>
                <CopyButton
                    text=created.token
                    label="Copy".to_owned()
                    class="shrink-0 rounded-md bg-emerald-600 px-3 py-2 text-sm font-semibold text-white hover:bg-emerald-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600".to_owned()
                />
            </div>
        </div>
    }
}
