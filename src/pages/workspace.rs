//! The workspace pages: its members, roles and invitations (`/workspace`),
//! its audit log (`/workspace/audit`), and an invitation link
//! (`/invitations/{token}`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::format_time;
use crate::components::form::{
    FormAlert, SubmitButton, TextField, field_errors, general_errors, saved, typed_value,
};
use crate::components::guard::RequireUser;
use crate::components::layout::{Card, Loading, PageHeader};
use crate::components::live::CopyButton;
use crate::functions::workspaces::{
    AUDIT_PAGE, AcceptInvitation, ChangeMemberRole, CreateWorkspace, DeleteWorkspace, InviteMember,
    RemoveMember, RenameWorkspace, RevokeInvitation, audit_log, open_invitation,
    take_invitation_sent, workspace_overview,
};
use crate::model::workspaces::{
    AuditEventView, InvitationSent, InvitationView, MemberView, Permission, Role, WorkspacePage,
};

const BUTTON: &str = "inline-flex items-center justify-center rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";
const DANGER: &str = "inline-flex items-center justify-center rounded-lg border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600";
const SELECT: &str = "block rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30";
const NOTICE: &str =
    "rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800";

/// The workspace one works in: who is in it with what role, invitations,
/// its name, leaving or deleting it, and making another.
#[component]
pub fn WorkspaceSettingsPage() -> impl IntoView {
    let page = Resource::new(|| (), |()| workspace_overview());
    let flashed = Resource::new(|| (), |()| take_invitation_sent());
    view! {
        <Title text="Workspace" />
        <RequireUser render=move |_| {
            view! {
                <Transition fallback=|| view! { <Loading /> }>
                    {move || Suspend::new(async move {
                        match page.await {
                            Ok(page) => {
                                let sent = flashed.await.ok().flatten();
                                view! { <WorkspaceBody page sent /> }.into_any()
                            }
                            Err(error) => view! { <p role="alert" class="text-sm text-red-600">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            }
        } />
    }
}

#[component]
fn WorkspaceBody(page: WorkspacePage, sent: Option<InvitationSent>) -> impl IntoView {
    let role = page.workspace.role;
    let personal = page.workspace.personal;
    let administer = role.allows(Permission::Administer);
    let own = role.allows(Permission::Own);
    let subtitle = if personal {
        "Your personal workspace: only you can see what is in it.".to_owned()
    } else {
        format!(
            "A shared workspace. Your role: {} — {}.",
            role.label(),
            role.summary().to_lowercase()
        )
    };
    let name = if personal {
        "Personal".to_owned()
    } else {
        page.workspace.name.clone()
    };
    let members = page.members;
    let invitations = page.invitations;
    let mail = page.mail;
    view! {
        <PageHeader title=name subtitle=subtitle />
        <div class="space-y-6">
            {(administer && !personal).then(|| view! {
                <p class="text-sm"><a href="/workspace/audit" class="font-medium text-indigo-700 hover:underline" data-testid="audit-link">"Audit log →"</a></p>
            })}
            <MembersCard members administer own personal />
            {(administer && !personal).then(|| view! { <InviteCard invitations sent mail own /> })}
            {(own && !personal).then(|| view! { <RenameCard name=page.workspace.name.clone() /> })}
            <NewWorkspaceCard />
            {(own && !personal).then(|| view! { <DeleteWorkspaceCard name=page.workspace.name.clone() /> })}
        </div>
    }
}

#[component]
fn MembersCard(
    members: Vec<MemberView>,
    administer: bool,
    own: bool,
    personal: bool,
) -> impl IntoView {
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let changed = saved("member");
    view! {
        <Card title="Members" description="Owners can do everything; admins manage members, keys and the audit log; editors change assistants, documents and publishing; viewers chat, search and read analytics.">
            <FormAlert messages=general_errors(change) />
            <FormAlert messages=general_errors(remove) />
            <Show when=move || changed>
                <p role="status" class=NOTICE>"Saved."</p>
            </Show>
            <ul class="mt-2 divide-y divide-slate-100" data-testid="members">
                {members
                    .into_iter()
                    .map(|member| {
                        // Admins manage everyone but owners; owners everyone.
                        let manageable = administer && (own || member.role != Role::Owner);
                        let choices: Vec<Role> = Role::ALL
                            .into_iter()
                            .filter(|role| own || *role != Role::Owner)
                            .collect();
                        let current = member.role;
                        let user_id = member.user_id;
                        let username = member.username.clone();
                        let you = member.you;
                        view! {
                            <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="member" data-username=member.username>
                                <div class="min-w-0">
                                    <p class="font-medium text-slate-900">
                                        {member.username.clone()}
                                        {you.then(|| view! { <span class="ml-2 text-xs font-normal text-slate-500">"(you)"</span> })}
                                    </p>
                                    <p class="truncate text-sm text-slate-500">{member.email.clone()}" · joined "{format_time(member.joined_at)}</p>
                                </div>
                                <div class="flex flex-wrap items-center gap-2">
                                    {if manageable && !personal {
                                        view! {
                                            <ActionForm action=change>
                                                <input type="hidden" name="user_id" value=user_id />
                                                <label class="sr-only" for=format!("role-{user_id}")>{format!("Role of {username}")}</label>
                                                <div class="flex items-center gap-2">
                                                    <select id=format!("role-{user_id}") name="role" class=SELECT data-testid="member-role">
                                                        {choices.iter().map(|role| view! {
                                                            <option value=role.as_str() selected=*role == current>{role.label()}</option>
                                                        }).collect_view()}
                                                    </select>
                                                    <button type="submit" class=BUTTON>"Change"</button>
                                                </div>
                                            </ActionForm>
                                        }.into_any()
                                    } else {
                                        view! { <span class="rounded-full bg-slate-100 px-2.5 py-1 text-xs font-medium text-slate-700" data-testid="member-role-label">{current.label()}</span> }.into_any()
                                    }}
                                    {((manageable || you) && !personal).then(|| view! {
                                        <ActionForm action=remove>
                                            <input type="hidden" name="user_id" value=user_id />
                                            <button type="submit" class=DANGER>{if you { "Leave" } else { "Remove" }}</button>
                                        </ActionForm>
                                    })}
                                </div>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </Card>
    }
}

#[component]
fn InviteCard(
    invitations: Vec<InvitationView>,
    sent: Option<InvitationSent>,
    mail: bool,
    own: bool,
) -> impl IntoView {
    let invite = ServerAction::<InviteMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let description = if mail {
        "The link is e-mailed to them and shown here to copy. It works for 7 days, once."
    } else {
        "Copy the link and send it to them (this server does not send e-mail). It works for 7 days, once."
    };
    view! {
        <section id="invite" class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="text-lg font-semibold text-slate-900">"Invite people"</h2>
            <p class="mt-1 text-sm text-slate-600">{description}</p>
            {move || {
                let fresh = invite.value().get().and_then(Result::ok).flatten();
                fresh.or_else(|| sent.clone()).map(|sent| view! { <SentNotice sent /> })
            }}
            <ActionForm action=invite>
                <div class="mt-4 grid gap-4 sm:grid-cols-[1fr_auto_auto] sm:items-end">
                    <div class="sm:col-span-3"><FormAlert messages=general_errors(invite) /></div>
                    <TextField label="E-mail address" name="email" kind="email" autocomplete="off" value=typed_value(invite, "email") errors=field_errors(invite, "email") />
                    <div>
                        <label for="field-role" class="block text-sm font-medium text-slate-800">"Role"</label>
                        <select id="field-role" name="role" class=format!("{SELECT} mt-1.5 py-2")>
                            {Role::ALL.into_iter().filter(|role| own || *role != Role::Owner).map(|role| view! {
                                <option value=role.as_str() selected=role == Role::Viewer>{role.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="sm:w-40"><SubmitButton label="Invite" busy_label="Inviting…" /></div>
                </div>
            </ActionForm>
            <FormAlert messages=general_errors(revoke) />
            {(!invitations.is_empty()).then(|| view! {
                <h3 class="mt-6 text-sm font-semibold text-slate-900">"Open invitations"</h3>
                <ul class="mt-2 divide-y divide-slate-100" data-testid="invitations">
                    {invitations.into_iter().map(|invitation| view! {
                        <li class="flex flex-wrap items-center justify-between gap-3 py-2 text-sm">
                            <span>
                                <span class="font-medium text-slate-900">{invitation.email.clone()}</span>
                                " as "{invitation.role.label()}
                                {invitation.invited_by.clone().map(|by| format!(", by {by}"))}
                                <span class=if invitation.expired { "ml-2 text-red-600" } else { "ml-2 text-slate-500" }>
                                    {if invitation.expired { "expired ".to_owned() } else { "until ".to_owned() }}{format_time(invitation.expires_at)}
                                </span>
                            </span>
                            <ActionForm action=revoke>
                                <input type="hidden" name="id" value=invitation.id />
                                <button type="submit" class=DANGER>"Withdraw"</button>
                            </ActionForm>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// The invitation just made, with its link to copy.
#[component]
fn SentNotice(sent: InvitationSent) -> impl IntoView {
    let mailed = match &sent.mailed {
        Some(Ok(())) => format!("We e-mailed the link to {}.", sent.email),
        Some(Err(why)) => format!(
            "The e-mail to {} could not be sent ({why}): pass the link on yourself.",
            sent.email
        ),
        None => format!("Send this link to {}:", sent.email),
    };
    view! {
        <div role="status" class="mt-4 space-y-2 rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900" data-testid="invitation-sent">
            <p>{format!("Invited {} as {}. ", sent.email, sent.role.label())}{mailed}</p>
            <div class="flex flex-wrap items-center gap-2">
                <code class="break-all rounded bg-white px-2 py-1 text-xs text-slate-800" data-testid="invitation-link">{sent.link.clone()}</code>
                <CopyButton text=sent.link label="Copy link".to_owned() class=BUTTON.to_owned() />
            </div>
        </div>
    }
}

#[component]
fn RenameCard(name: String) -> impl IntoView {
    let rename = ServerAction::<RenameWorkspace>::new();
    let renamed = saved("workspace");
    view! {
        <Card title="Name">
            <ActionForm action=rename>
                <div class="max-w-md space-y-4">
                    <FormAlert messages=general_errors(rename) />
                    <Show when=move || renamed><p role="status" class=NOTICE>"Saved."</p></Show>
                    <TextField label="Workspace name" name="name" value=name errors=field_errors(rename, "name") />
                    <div class="sm:w-40"><SubmitButton label="Rename" busy_label="Saving…" /></div>
                </div>
            </ActionForm>
        </Card>
    }
}

#[component]
fn NewWorkspaceCard() -> impl IntoView {
    let create = ServerAction::<CreateWorkspace>::new();
    view! {
        <section id="new" class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="text-lg font-semibold text-slate-900">"Create a shared workspace"</h2>
            <p class="mt-1 text-sm text-slate-600">"For a team: its assistants, documents, chats and API keys belong to the workspace, not to one person, and stay when someone leaves."</p>
            <ActionForm action=create>
                <div class="mt-4 max-w-md space-y-4">
                    <FormAlert messages=general_errors(create) />
                    <TextField label="Name" name="name" placeholder="e.g. Finance team" value=typed_value(create, "name") errors=field_errors(create, "name") />
                    <div class="sm:w-48"><SubmitButton label="Create workspace" busy_label="Creating…" /></div>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn DeleteWorkspaceCard(name: String) -> impl IntoView {
    let delete = ServerAction::<DeleteWorkspace>::new();
    let refused = move || matches!(delete.value().get(), Some(Err(_)));
    view! {
        <section class="rounded-xl border border-red-200 bg-white p-6 shadow-sm" aria-labelledby="delete-workspace-heading">
            <h2 id="delete-workspace-heading" class="text-lg font-semibold text-red-700">"Delete workspace"</h2>
            <p class="mt-1 text-sm text-slate-600">"Deletes the workspace with all its assistants, documents, chats, website chats and API keys, for every member. This cannot be undone."</p>
            <details class="group mt-4" open=refused>
                <summary class="inline-flex cursor-pointer list-none items-center rounded-lg border border-red-300 px-4 py-2 text-sm font-semibold text-red-700 hover:bg-red-50 group-open:hidden">"Delete this workspace…"</summary>
                <ActionForm action=delete>
                    <div class="max-w-md space-y-4">
                        <FormAlert messages=general_errors(delete) />
                        <TextField label=format!("Type “{name}” to confirm") name="confirm" autocomplete="off" errors=field_errors(delete, "confirm") />
                        <button type="submit" class="inline-flex items-center justify-center rounded-lg bg-red-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-red-500">"Delete the workspace permanently"</button>
                    </div>
                </ActionForm>
            </details>
        </section>
    }
}

/// The audit log of the workspace, with filters and a CSV download
/// (admins).
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| {
        query
            .with_untracked(|q| q.get(name))
            .filter(|v| !v.is_empty())
    };
    let (action, actor, since, until) = (
        param("action"),
        param("actor"),
        param("since"),
        param("until"),
    );
    let offset: i64 = param("offset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .max(0);
    let filters = (action.clone(), actor.clone(), since.clone(), until.clone());
    let events = Resource::new(
        || (),
        move |()| {
            let (action, actor, since, until) = filters.clone();
            audit_log(action, actor, since, until, Some(offset))
        },
    );
    let kept: Vec<(&str, String)> = [
        ("action", &action),
        ("actor", &actor),
        ("since", &since),
        ("until", &until),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.clone().map(|value| (name, value)))
    .collect();
    let encoded = |pairs: &[(&str, String)]| {
        pairs
            .iter()
            .map(|(name, value)| format!("{name}={}", urlencoding(value)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let csv_href = format!("/workspace/audit.csv?{}", encoded(&kept));
    let mut older = kept.clone();
    older.push(("offset", (offset + AUDIT_PAGE).to_string()));
    let older_href = format!("/workspace/audit?{}", encoded(&older));
    view! {
        <Title text="Audit log" />
        <RequireUser render=move |_| {
            let csv_href = csv_href.clone();
            let older_href = older_href.clone();
            view! {
                <PageHeader title="Audit log" subtitle="Who did what, and when, in this workspace. Kept for the time the server's operator set." />
                <p class="-mt-4 mb-6 text-sm"><a href="/workspace" class="font-medium text-indigo-700 hover:underline">"← Workspace"</a></p>
                <form method="get" action="/workspace/audit" class="mb-6 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-5 sm:items-end">
                    <AuditFilter label="Action starts with" name="action" value=action.clone().unwrap_or_default() kind="text" />
                    <AuditFilter label="Actor" name="actor" value=actor.clone().unwrap_or_default() kind="text" />
                    <AuditFilter label="From" name="since" value=since.clone().unwrap_or_default() kind="date" />
                    <AuditFilter label="To" name="until" value=until.clone().unwrap_or_default() kind="date" />
                    <div class="flex gap-2">
                        <button type="submit" class=BUTTON>"Filter"</button>
                        <a href=csv_href class=BUTTON data-testid="audit-csv" download>"CSV"</a>
                    </div>
                </form>
                <Transition fallback=|| view! { <Loading /> }>
                    {move || {
                        let older_href = older_href.clone();
                        Suspend::new(async move {
                            match events.await {
                                Ok(events) if events.is_empty() => view! {
                                    <p class="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">"Nothing recorded matches."</p>
                                }.into_any(),
                                Ok(events) => {
                                    let full = i64::try_from(events.len()).unwrap_or(0) >= AUDIT_PAGE;
                                    view! {
                                        <AuditTable events />
                                        {full.then(|| view! { <p class="mt-4 text-sm"><a href=older_href class="font-medium text-indigo-700 hover:underline">"Older entries →"</a></p> })}
                                    }.into_any()
                                }
                                Err(error) => view! { <p role="alert" class="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-700" data-testid="audit-refused">{error.to_string()}</p> }.into_any(),
                            }
                        })
                    }}
                </Transition>
            }
        } />
    }
}

/// Percent-encodes a query value.
fn urlencoding(value: &str) -> String {
    value
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

#[component]
fn AuditFilter(
    label: &'static str,
    name: &'static str,
    value: String,
    kind: &'static str,
) -> impl IntoView {
    let id = format!("audit-{name}");
    view! {
        <div>
            <label for=id.clone() class="block text-xs font-medium text-slate-700">{label}</label>
            <input id=id name=name type=kind value=value class="mt-1 block w-full rounded-lg border border-slate-300 px-2 py-1.5 text-sm" />
        </div>
    }
}

#[component]
fn AuditTable(events: Vec<AuditEventView>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
            <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="audit-table">
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr><th class="px-4 py-2">"When"</th><th class="px-4 py-2">"Who"</th><th class="px-4 py-2">"What"</th><th class="px-4 py-2">"On"</th><th class="px-4 py-2">"Details"</th></tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {events.into_iter().map(|event| view! {
                        <tr data-testid="audit-row" data-action=event.action>
                            <td class="whitespace-nowrap px-4 py-2 text-slate-500">{format_time(event.created_at)}</td>
                            <td class="px-4 py-2 text-slate-900">{event.actor.clone()}</td>
                            <td class="px-4 py-2"><code class="rounded bg-slate-100 px-1.5 py-0.5 text-xs">{event.action.clone()}</code></td>
                            <td class="px-4 py-2 text-slate-700">{event.target.clone()}</td>
                            <td class="px-4 py-2 text-slate-500">{[Some(event.detail.clone()), event.ip.clone()].into_iter().flatten().filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" · ")}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// An invitation link: what it offers, and accepting it (after logging in
/// or signing up, which come back here).
#[component]
pub fn InvitationPage() -> impl IntoView {
    let token = use_params_map()
        .with_untracked(|params| params.get("token"))
        .unwrap_or_default();
    let preview = Resource::new(|| (), {
        let token = token.clone();
        move |()| open_invitation(token.clone())
    });
    let accept = ServerAction::<AcceptInvitation>::new();
    let back = format!("/invitations/{token}");
    let auth = expect_context::<crate::components::auth::Auth>();
    view! {
        <Title text="Invitation" />
        <div class="mx-auto max-w-lg py-8">
            <Transition fallback=|| view! { <Loading /> }>
                {move || {
                    let token = token.clone();
                    let back = back.clone();
                    Suspend::new(async move {
                        let signed_in = matches!(auth.user.await, Ok(Some(_)));
                        match preview.await {
                            Ok(invitation) => view! {
                                <Card title="You are invited">
                                    <p class="text-sm text-slate-700" data-testid="invitation-text">
                                        {invitation.invited_by.clone().map(|by| format!("{by} invited ")).unwrap_or_else(|| "You are invited ".to_owned())}
                                        {format!("{} to join the workspace “{}” as {} {}.", invitation.email, invitation.workspace, if invitation.role == Role::Viewer { "a" } else { "an" }, invitation.role.as_str())}
                                    </p>
                                    <p class="mt-2 text-xs text-slate-500">{format!("{}. Valid until {}.", invitation.role.summary(), format_time(invitation.expires_at))}</p>
                                    {if signed_in {
                                        view! {
                                            <ActionForm action=accept>
                                                <input type="hidden" name="token" value=token.clone() />
                                                <div class="mt-5 space-y-3">
                                                    <FormAlert messages=general_errors(accept) />
                                                    <div class="sm:w-48"><SubmitButton label="Accept invitation" busy_label="Joining…" /></div>
                                                </div>
                                            </ActionForm>
                                        }.into_any()
                                    } else {
                                        let next = crate::functions::login_url(&back);
                                        let signup = next.replacen("/login", "/signup", 1);
                                        view! {
                                            <div class="mt-5 flex flex-wrap gap-3">
                                                <a href=signup class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500" data-testid="invitation-signup">"Sign up to accept"</a>
                                                <a href=next class=BUTTON data-testid="invitation-login">"Log in to accept"</a>
                                            </div>
                                        }.into_any()
                                    }}
                                </Card>
                            }.into_any(),
                            Err(error) => {
                                let message = match error {
                                    crate::error::AppError::NotFound => "This invitation link is not valid: it was already used, withdrawn, or mistyped.".to_owned(),
                                    other => other.general_messages().join(" "),
                                };
                                view! {
                                    <Card title="Invitation">
                                        <p role="alert" class="text-sm text-red-700" data-testid="invitation-invalid">{message}</p>
                                    </Card>
                                }.into_any()
                            }
                        }
                    })
                }}
            </Transition>
        </div>
    }
}
