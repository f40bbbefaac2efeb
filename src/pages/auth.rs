//! Sign up and log in. Both forms work with JavaScript disabled (plain form
//! posts to their server functions) and without a reload when it is enabled.
//! With single sign-on configured, both pages offer "Sign in with …" (a
//! plain link); with password log-in turned off, only that.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::form::{
    FormAlert, SubmitButton, TextField, field_errors, general_errors, typed_value,
};
use crate::components::layout::Logo;
use crate::functions::accounts::{LogIn, SignUp};
use crate::model::sign_in::{SignInOptions, SsoProblem};

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

/// How this server lets people sign in. These pages are rendered on the
/// server only (they hold no island), where the settings are at hand.
fn sign_in_options() -> SignInOptions {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<crate::state::AppState>() {
        return SignInOptions {
            sso_name: state.sso.as_ref().map(|sso| sso.name().to_owned()),
            password_login: state.config.sso.password_login,
        };
    }
    SignInOptions {
        sso_name: None,
        password_login: true,
    }
}

/// Why the last single sign-on failed, from `?sso_error=`, in words.
fn sso_problem(provider: &str) -> Vec<String> {
    use_query_map()
        .with_untracked(|query| query.get("sso_error"))
        .and_then(|code| SsoProblem::from_code(&code))
        .map(|problem| vec![problem.message(provider)])
        .unwrap_or_default()
}

/// "Sign in with …": a plain link to the provider, under why the last
/// attempt failed (if it did), with a line that sets it apart from the
/// password form when there is one.
#[component]
fn SsoSignIn(name: String, next: String, password_login: bool) -> impl IntoView {
    let href = with_next("/auth/oidc/start", &next);
    let problems = sso_problem(&name);
    let class = if password_login {
        "inline-flex w-full items-center justify-center gap-2 rounded-lg border border-slate-300 bg-white px-4 py-2.5 text-sm font-semibold text-slate-800 shadow-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
    } else {
        "inline-flex w-full items-center justify-center gap-2 rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
    };
    view! {
        {(!problems.is_empty()).then(|| view! {
            <div class="mb-5">
                <FormAlert messages=Signal::stored(problems) />
            </div>
        })}
        <a href=href rel="external" class=class data-testid="sso-sign-in">
            <svg class="h-4 w-4" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
                <path fill-rule="evenodd" d="M8 7a5 5 0 1 1 3.61 4.804l-1.903 1.903A1 1 0 0 1 9 14H8v1a1 1 0 0 1-1 1H6v1a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1v-2a1 1 0 0 1 .293-.707L8.196 8.39A5.002 5.002 0 0 1 8 7Zm5-3a.75.75 0 0 0 0 1.5A1.5 1.5 0 0 1 14.5 7 .75.75 0 0 0 16 7a3 3 0 0 0-3-3Z" clip-rule="evenodd" />
            </svg>
            {format!("Sign in with {name}")}
        </a>
        {password_login.then(|| view! {
            <div class="my-6 flex items-center gap-3 text-xs uppercase tracking-wide text-slate-400" aria-hidden="true">
                <span class="h-px flex-1 bg-slate-200"></span>
                "or"
                <span class="h-px flex-1 bg-slate-200"></span>
            </div>
        })}
    }
}

/// Where a password form sent anyway while password log-in is off says
/// it was refused (there is no form to show it in).
fn refused_form<T, I>(action: ServerAction<T>) -> impl IntoView
where
    T: leptos::server_fn::ServerFn<Error = crate::error::AppError, Output = I>
        + Send
        + Sync
        + Clone
        + 'static,
    I: Send + Sync + Clone + 'static,
{
    let errors = general_errors(action);
    view! {
        <Show when=move || !errors.get().is_empty()>
            <div class="mt-5">
                <FormAlert messages=errors />
            </div>
        </Show>
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
    let options = sign_in_options();
    let password_login = options.password_login;
    let sso = options
        .sso_name
        .map(|name| view! { <SsoSignIn name next=next.clone() password_login /> });
    view! {
        <Title text="Sign up" />
        <AuthCard title="Create your account" subtitle="Build assistants that answer from your documents.">
            {sso}
            {(!password_login).then(|| view! {
                <p class="mt-4 text-center text-sm text-slate-600" data-testid="password-login-off">
                    "Accounts here are made by signing in with single sign-on."
                </p>
            })}
            {if password_login {
                Either::Left(view! {
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
                })
            } else {
                Either::Right(refused_form(action))
            }}
            <p class="mt-6 text-center text-sm text-slate-600">
                "Already have an account? "
                <A href=login_link attr:class="font-semibold text-indigo-600 hover:text-indigo-500">"Log in"</A>
            </p>
        </AuthCard>
    }
}

/// Log in with username and password, or through single sign-on.
#[component]
pub fn LogInPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let next = next_param();
    let signup_link = with_next("/signup", &next);
    let options = sign_in_options();
    let password_login = options.password_login;
    let sso = options
        .sso_name
        .map(|name| view! { <SsoSignIn name next=next.clone() password_login /> });
    view! {
        <Title text="Log in" />
        <AuthCard title="Log in to AIConvoKit" subtitle="Welcome back.">
            {sso}
            {if password_login {
                Either::Left(view! {
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
                })
            } else {
                Either::Right(refused_form(action))
            }}
        </AuthCard>
    }
}
