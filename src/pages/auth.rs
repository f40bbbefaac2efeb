//! Sign up and log in. Both forms work with JavaScript disabled (plain form
//! posts to their server functions) and without a reload when it is enabled.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::form::{
    FormAlert, SubmitButton, TextField, field_errors, general_errors, typed_value,
};
use crate::components::layout::Logo;
use crate::functions::accounts::{LogIn, SignUp};

/// Where to go after the form, from `?next=`.
fn next_param() -> String {
    use_query_map()
        .with_untracked(|query| query.get("next"))
        .unwrap_or_default()
}

/// A link to `page` that carries `?next=` along.
fn with_next(page: &str, next: &str) -> String {
    if next.is_empty() {
        page.to_owned()
    } else {
        crate::functions::login_url(next).replacen("/login", page, 1)
    }
}

#[component]
fn AuthCard(title: &'static str, subtitle: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="mx-auto max-w-md py-6 sm:py-12">
            <div class="mb-8 flex flex-col items-center text-center">
                <Logo />
                <h1 class="mt-6 text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
                <p class="mt-2 text-sm text-slate-600">{subtitle}</p>
            </div>
            <div class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">{children()}</div>
        </div>
    }
}

/// Create an account.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let next = next_param();
    let login_link = with_next("/login", &next);
    view! {
        <Title text="Sign up" />
        <AuthCard title="Create your account" subtitle="Build assistants that answer from your documents.">
            <ActionForm action=action>
                <div class="space-y-5">
                    <input type="hidden" name="next" value=next />
                    <FormAlert messages=general_errors(action) />
                    <TextField
                        label="Username"
                        name="username"
                        autocomplete="username"
                        value=typed_value(action, "username")
                        hint="Up to 150 letters, digits and @ . + - _"
                        errors=field_errors(action, "username")
                    />
                    <TextField
                        label="Email"
                        name="email"
                        kind="email"
                        autocomplete="email"
                        value=typed_value(action, "email")
                        errors=field_errors(action, "email")
                    />
                    <TextField
                        label="Password"
                        name="password"
                        kind="password"
                        autocomplete="new-password"
                        hint="At least 8 characters."
                        errors=field_errors(action, "password")
                    />
                    <TextField
                        label="Password again"
                        name="password_confirm"
                        kind="password"
                        autocomplete="new-password"
                        errors=field_errors(action, "password_confirm")
                    />
                    <SubmitButton label="Create account" busy_label="Creating your account…" />
                </div>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600">
                "Already have an account? "
                <A href=login_link attr:class="font-semibold text-indigo-600 hover:text-indigo-500">"Log in"</A>
            </p>
        </AuthCard>
    }
}

/// Log in with username and password.
#[component]
pub fn LogInPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let next = next_param();
    let signup_link = with_next("/signup", &next);
    view! {
        <Title text="Log in" />
        <AuthCard title="Log in to AIConvoKit" subtitle="Welcome back.">
            <ActionForm action=action>
                <div class="space-y-5">
                    <input type="hidden" name="next" value=next />
                    <FormAlert messages=general_errors(action) />
                    <TextField
                        label="Username"
                        name="username"
                        autocomplete="username"
                        value=typed_value(action, "username")
                        errors=field_errors(action, "username")
                    />
                    <TextField
                        label="Password"
                        name="password"
                        kind="password"
                        autocomplete="current-password"
                        errors=field_errors(action, "password")
                    />
                    <SubmitButton label="Log in" busy_label="Logging in…" />
                </div>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600">
                "New here? "
                <A href=signup_link attr:class="font-semibold text-indigo-600 hover:text-indigo-500">"Create an account"</A>
            </p>
        </AuthCard>
    }
}
