use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::guard::RequireUser;
use crate::components::layout::{Card, PageHeader};
use crate::pages::{AssistantList, assistants_resource};

/// This site's origin as the visitor reached it, e.g. `http://127.0.0.1:3000`.
fn site_origin() -> String {
    #[cfg(feature = "ssr")]
    {
        use axum::http::request::Parts;
        let parts = use_context::<Parts>();
        let host = parts
            .as_ref()
            .and_then(|p| p.headers.get(axum::http::header::HOST))
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1:3000")
            .to_owned();
        let secure =
            use_context::<crate::state::AppState>().is_some_and(|s| s.config.secure_cookies);
        format!("{}://{host}", if secure { "https" } else { "http" })
    }
    #[cfg(not(feature = "ssr"))]
    {
        window().location().origin().unwrap_or_default()
    }
}

/// The signed-in user's home.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let assistants = assistants_resource();
    view! {
        <Title text="Dashboard" />
        <RequireUser render=move |user| {
            view! {
                <PageHeader title=format!("Welcome, {}", user.username) subtitle="Your workspace for document assistants." />
                <CurrentWorkspace />
                <AssistantList assistants />
                <div class="mt-10 grid gap-6 lg:grid-cols-2">
                    <Card title="Connect through the API" description="Every assistant can be used from your own code with an API key.">
                        <ol class="list-decimal space-y-3 pl-5 text-sm text-slate-700">
                            <li>
                                <a href="/account#api-keys" class="font-semibold text-indigo-600 hover:text-indigo-500">"Create an API key"</a>
                                " on your account page. It is shown once: keep it somewhere safe."
                            </li>
                            <li>"Check it with a request:"</li>
                        </ol>
                        <pre class="mt-3 overflow-x-auto rounded-lg bg-slate-900 p-4 text-xs leading-5 text-slate-100"><code>{format!("curl -H \"Authorization: Token $AICONVOKIT_KEY\" \\\n     {}/api/v1/me/", site_origin())}</code></pre>
                    </Card>
                    <Card title="Your account" description="Signed in with the details below.">
                        <dl class="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
                            <dt class="text-slate-500">"Username"</dt>
                            <dd class="font-medium text-slate-900">{user.username.clone()}</dd>
                            <dt class="text-slate-500">"Email"</dt>
                            <dd class="font-medium text-slate-900">{user.email.clone()}</dd>
                        </dl>
                        <a href="/account" class="mt-5 inline-block text-sm font-semibold text-indigo-600 hover:text-indigo-500">"Manage account and API keys →"</a>
                    </Card>
                </div>
            }
        } />
    }
}

/// Which workspace the dashboard shows, and what one's role there allows.
#[component]
pub fn CurrentWorkspace() -> impl IntoView {
    let auth = expect_context::<crate::components::auth::Auth>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let current = auth
                    .workspaces
                    .await
                    .ok()
                    .and_then(|all| all.into_iter().find(|workspace| workspace.current));
                current.map(|workspace| {
                    let text = if workspace.personal {
                        "Your personal workspace: only you see what is in it.".to_owned()
                    } else {
                        format!(
                            "Workspace \u{201c}{}\u{201d}, shared with its members. Your role: {} \u{2014} {}.",
                            workspace.name,
                            workspace.role.label(),
                            workspace.role.summary().to_lowercase()
                        )
                    };
                    view! {
                        <p class="-mt-4 mb-6 text-sm text-slate-600" data-testid="dashboard-workspace">
                            {text}" "
                            <a href="/workspace" class="font-medium text-indigo-600 hover:text-indigo-500">"Members and settings →"</a>
                        </p>
                    }
                })
            })}
        </Transition>
    }
}
