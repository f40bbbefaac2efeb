use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::auth::Auth;

/// What the product does, for visitors.
#[component]
pub fn LandingPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let query = leptos_router::hooks::use_query_map();
    let deleted = move || query.read().get("account").as_deref() == Some("deleted");
    view! {
        <Title text="Chat with your documents" />
        <Show when=deleted>
            <p role="status" class="mx-auto mt-2 max-w-xl rounded-lg border border-slate-200 bg-white px-4 py-3 text-center text-sm text-slate-700 shadow-sm" data-testid="account-deleted">
                "Your account and everything it held have been deleted."
            </p>
        </Show>
        <section class="py-12 text-center sm:py-20">
            <p class="text-sm font-semibold uppercase tracking-wider text-indigo-600">"Self-hosted document assistants"</p>
            <h1 class="mx-auto mt-3 max-w-3xl text-4xl font-semibold tracking-tight text-slate-900 sm:text-5xl">
                "Ask your documents. Get answers with the page they came from."
            </h1>
            <p class="mx-auto mt-6 max-w-2xl text-lg text-slate-600">
                "AIConvoKit turns annual reports, contracts and manuals into assistants that answer in plain words and cite the passage and page of every fact. Use them in the dashboard, through a JSON API, or in a chat on your own website."
            </p>
            <div class="mt-10 flex flex-wrap items-center justify-center gap-3">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        if matches!(auth.user.await, Ok(Some(_))) {
                            view! { <a href="/dashboard" class=PRIMARY>"Go to your dashboard"</a> }.into_any()
                        } else {
                            view! {
                                <a href="/signup" class=PRIMARY>"Create a free account"</a>
                                <a href="/login" class=SECONDARY>"Log in"</a>
                            }
                                .into_any()
                        }
                    })}
                </Transition>
            </div>
        </section>
        <section aria-label="Features" class="grid gap-6 sm:grid-cols-3">
            <Feature
                title="Answers you can check"
                text="Every answer lists the document, page and passage it was drawn from, so nobody has to take it on trust."
            />
            <Feature
                title="Built for long PDFs"
                text="10-K filings, contracts and reports of hundreds of pages, with their tables, are read page by page and searched in-process."
            />
            <Feature
                title="Yours to run"
                text="One binary with an embedded database. Bring any OpenAI-compatible model, or none: answers then come straight from the best passages."
            />
        </section>
    }
}

const PRIMARY: &str = "rounded-lg bg-indigo-600 px-5 py-3 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";
const SECONDARY: &str = "rounded-lg border border-slate-300 bg-white px-5 py-3 text-sm font-semibold text-slate-800 shadow-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

#[component]
fn Feature(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="font-semibold text-slate-900">{title}</h2>
            <p class="mt-2 text-sm leading-6 text-slate-600">{text}</p>
        </div>
    }
}
