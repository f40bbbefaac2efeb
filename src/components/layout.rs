//! The navigation bar and page furniture.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::auth::Auth;
use crate::functions::workspaces::SwitchWorkspace;
use crate::model::workspaces::WorkspaceView;

/// The product's mark.
#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <span class="flex items-center gap-2 text-lg font-semibold tracking-tight text-slate-900">
            <span aria-hidden="true" class="grid h-8 w-8 place-items-center rounded-lg bg-indigo-600 text-sm font-bold text-white">
                "AI"
            </span>
            "AIConvoKit"
        </span>
    }
}

/// The bar at the top of every page: the signed-in user's name and log out,
/// or log in and sign up.
#[component]
pub fn NavBar() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <header class="border-b border-slate-200 bg-white">
            <nav aria-label="Main" class="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-6 lg:px-8">
                <a href="/" class="rounded-md focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                    <Logo />
                </a>
                <Transition fallback=|| view! { <span class="h-9" /> }>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => {
                                let workspaces = auth.workspaces.await.unwrap_or_default();
                                view! { <UserMenu username=user.username workspaces /> }.into_any()
                            }
                            _ => view! { <GuestMenu /> }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

const NAV_LINK: &str = "rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-600 aria-[current=page]:bg-slate-100 aria-[current=page]:text-slate-900";

#[component]
fn UserMenu(username: String, workspaces: Vec<WorkspaceView>) -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <div class="flex flex-wrap items-center gap-1 sm:gap-2">
            <WorkspaceSwitcher workspaces />
            <A href="/dashboard" attr:class=NAV_LINK>"Dashboard"</A>
            <A href="/account" attr:class=NAV_LINK>"Account"</A>
            <span class="hidden items-center gap-2 px-2 text-sm text-slate-700 sm:flex" data-testid="nav-username">
                <span aria-hidden="true" class="grid h-7 w-7 place-items-center rounded-full bg-indigo-100 text-xs font-semibold uppercase text-indigo-700">
                    {username.chars().next().map(String::from).unwrap_or_default()}
                </span>
                <span class="sr-only">"Signed in as "</span>
                {username}
            </span>
            <ActionForm action=auth.log_out>
                <button type="submit" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                    "Log out"
                </button>
            </ActionForm>
        </div>
    }
}

/// The workspace one works in, and the others to switch to: a disclosure
/// of plain forms, so it works without JavaScript.
#[component]
fn WorkspaceSwitcher(workspaces: Vec<WorkspaceView>) -> impl IntoView {
    let switch = ServerAction::<SwitchWorkspace>::new();
    let name = |workspace: &WorkspaceView| {
        if workspace.personal {
            "Personal".to_owned()
        } else {
            workspace.name.clone()
        }
    };
    let current = workspaces
        .iter()
        .find(|workspace| workspace.current)
        .map(|workspace| (name(workspace), workspace.role.label()))
        .unwrap_or_else(|| ("Personal".to_owned(), "Owner"));
    view! {
        <details class="relative" data-testid="workspace-switcher">
            <summary class="flex cursor-pointer list-none items-center gap-2 rounded-md border border-slate-200 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600">
                <span class="sr-only">"Workspace: "</span>
                <span class="max-w-40 truncate" data-testid="current-workspace">{current.0}</span>
                <span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">{current.1}</span>
                <span aria-hidden="true" class="text-slate-400">"▾"</span>
            </summary>
            <div class="absolute left-0 z-20 mt-2 w-64 rounded-lg border border-slate-200 bg-white p-2 shadow-lg">
                <p class="px-2 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">"Workspaces"</p>
                <ul>
                    {workspaces.into_iter().map(|workspace| {
                        let label = name(&workspace);
                        let role = workspace.role.label();
                        let current = workspace.current;
                        view! {
                            <li>
                                <ActionForm action=switch>
                                    <input type="hidden" name="id" value=workspace.id />
                                    <button type="submit" aria-current=current.then_some("true") class="flex w-full items-center justify-between gap-2 rounded-md px-2 py-1.5 text-left text-sm text-slate-700 hover:bg-slate-100 aria-[current=true]:font-semibold aria-[current=true]:text-indigo-700">
                                        <span class="truncate">{label}</span>
                                        <span class="text-xs font-normal text-slate-500">{role}</span>
                                    </button>
                                </ActionForm>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <div class="mt-1 border-t border-slate-100 pt-1">
                    <a href="/workspace" class="block rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-100">"Members and settings"</a>
                    <a href="/workspace#new" class="block rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-100">"New workspace…"</a>
                </div>
            </div>
        </details>
    }
}

#[component]
fn GuestMenu() -> impl IntoView {
    view! {
        <div class="flex items-center gap-2">
            <A href="/login" attr:class=NAV_LINK>"Log in"</A>
            <A href="/signup" attr:class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                "Sign up"
            </A>
        </div>
    }
}

/// A page's title and an optional line under it.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: Option<String>,
) -> impl IntoView {
    view! {
        <div class="mb-8">
            <h1 class="text-2xl font-semibold tracking-tight text-slate-900 sm:text-3xl">{title}</h1>
            {subtitle.map(|text| view! { <p class="mt-2 text-slate-600">{text}</p> })}
        </div>
    }
}

/// A white panel with a heading.
#[component]
pub fn Card(
    #[prop(into)] title: String,
    #[prop(optional, into)] description: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="min-w-0 rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="text-lg font-semibold text-slate-900">{title}</h2>
            {description.map(|text| view! { <p class="mt-1 text-sm text-slate-600">{text}</p> })}
            <div class="mt-5">{children()}</div>
        </section>
    }
}

/// Shown while a page's data loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div role="status" class="flex items-center gap-3 py-10 text-slate-500">
            <span aria-hidden="true" class="h-5 w-5 animate-spin rounded-full border-2 border-slate-300 border-t-indigo-600" />
            "Loading…"
        </div>
    }
}
