//! AIConvoKit: a self-hostable "chat with your documents" assistant platform.
//!
//! One crate, two builds: `ssr` (the server) and `hydrate` (the browser).

// Leptos views are deeply nested types; the assistant page's goes past the
// default limit of 128 in some builds.
#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod error;
pub mod functions;
pub mod markdown;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod analytics;
#[cfg(feature = "ssr")]
pub mod assistants;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod chat;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod documents;
#[cfg(feature = "ssr")]
pub mod embed;
#[cfg(feature = "ssr")]
pub mod evaluation;
#[cfg(feature = "ssr")]
pub mod ingest;
#[cfg(feature = "ssr")]
pub mod lease;
#[cfg(feature = "ssr")]
pub mod llm;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod ratelimit;
#[cfg(feature = "ssr")]
pub mod search;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod sso;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod web;
#[cfg(feature = "ssr")]
pub mod web_sources;
#[cfg(feature = "ssr")]
pub mod widget;
#[cfg(feature = "ssr")]
pub mod workspaces;

/// The browser entry point: the page is server-rendered HTML, and the
/// islands in it (`#[island]` components) come alive one by one right after
/// this. Tests wait for `data-hydrated` on `<body>`, set once they have.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    forget_form_outcome();
    leptos::mount::hydrate_islands();
    // The islands hydrate in microtasks queued after this call: a timer
    // runs once they all have.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}

/// A form sent without script comes back to its page with its outcome in
/// the address (`?__err=…`, `?saved=…`), which the server has shown: it
/// is taken out of the address bar, so that reloading or sharing the page
/// shows it fresh.
#[cfg(feature = "hydrate")]
fn forget_form_outcome() {
    const OUTCOME: [&str; 3] = ["__path", "__err", "saved"];
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(url) = window
        .location()
        .href()
        .ok()
        .and_then(|href| web_sys::Url::new(&href).ok())
    else {
        return;
    };
    let query = url.search_params();
    if !OUTCOME.iter().any(|name| query.has(name)) {
        return;
    }
    for name in OUTCOME {
        query.delete(name);
    }
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()));
    }
}
