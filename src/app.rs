//! The HTML shell, the root component and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{SsrMode, path};

use crate::components::auth::Auth;
use crate::components::layout::NavBar;
use crate::components::live::BusyForms;
use crate::functions::accounts::{LogOut, current_user};
use crate::pages::{
    AccountPage, AnalyticsTab, AssistantWorkspace, AuditPage, ChatPage, ChatTab, DashboardPage,
    DocumentsTab, EvaluateTab, InvitationPage, LandingPage, LogInPage, NewAssistantPage,
    NotFoundPage, PublishTab, SettingsTab, SignUpPage, WorkspaceSettingsPage,
};

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="AIConvoKit: assistants that answer from your documents, with the page each answer came from." />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body class="min-h-full bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// Gives the page its Content-Security-Policy, allowing the scripts that
/// carry this request's nonce (Leptos writes it on its own).
#[cfg(feature = "ssr")]
fn set_page_policy() {
    use leptos_axum::ResponseOptions;
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<ResponseOptions>())
    else {
        return;
    };
    let widget_origin = use_context::<crate::state::AppState>()
        .and_then(|state| state.config.public_url.clone())
        .and_then(|url| crate::widget::normalize_origin(&url));
    let policy = crate::web::security::page_policy(&nonce, widget_origin.as_deref());
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/aiconvokit.css" />
        <Title formatter=|title: String| {
            if title.is_empty() { "AIConvoKit".to_owned() } else { format!("{title} · AIConvoKit") }
        } />
        <Router>
            <Layout />
        </Router>
    }
}

/// Every page renders with its data in place (`SsrMode::Async`): it reads
/// complete without JavaScript, and the server can still redirect.
#[component]
fn Layout() -> impl IntoView {
    let location = use_location();
    let log_out = ServerAction::<LogOut>::new();
    let user = Resource::new(
        move || (location.pathname.get(), log_out.version().get()),
        |_| current_user(),
    );
    let workspaces = Resource::new(
        move || (location.pathname.get(), log_out.version().get()),
        |_| crate::functions::workspaces::list_workspaces(),
    );
    provide_context(Auth {
        user,
        workspaces,
        log_out,
    });

    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-4 focus:py-2 focus:shadow">
            "Skip to content"
        </a>
        <NavBar />
        <BusyForms />
        <main id="main" class="mx-auto w-full max-w-6xl px-4 pb-16 pt-8 sm:px-6 lg:px-8">
            <Routes fallback=|| view! { <NotFoundPage /> }>
                <Route path=path!("") view=LandingPage ssr=SsrMode::Async />
                <Route path=path!("signup") view=SignUpPage ssr=SsrMode::Async />
                <Route path=path!("login") view=LogInPage ssr=SsrMode::Async />
                <Route path=path!("dashboard") view=DashboardPage ssr=SsrMode::Async />
                <Route path=path!("account") view=AccountPage ssr=SsrMode::Async />
                <Route path=path!("workspace") view=WorkspaceSettingsPage ssr=SsrMode::Async />
                <Route path=path!("workspace/audit") view=AuditPage ssr=SsrMode::Async />
                <Route path=path!("invitations/:token") view=InvitationPage ssr=SsrMode::Async />
                <Route path=path!("assistants/new") view=NewAssistantPage ssr=SsrMode::Async />
                <Route path=path!("assistants/:id/chats/:chat_id") view=ChatPage ssr=SsrMode::Async />
                <ParentRoute path=path!("assistants/:id") view=AssistantWorkspace ssr=SsrMode::Async>
                    <Route path=path!("") view=ChatTab />
                    <Route path=path!("documents") view=DocumentsTab />
                    <Route path=path!("analytics") view=AnalyticsTab />
                    <Route path=path!("evaluate") view=EvaluateTab />
                    <Route path=path!("publish") view=PublishTab />
                    <Route path=path!("settings") view=SettingsTab />
                </ParentRoute>
            </Routes>
        </main>
    }
}
