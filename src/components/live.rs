//! Small islands: the only parts of the server-rendered pages that run in
//! the browser, besides the chat.

use leptos::prelude::*;

/// Keeps the server-rendered element `region` (an id) current while the
/// work it shows is in progress: every second it reads this page again and
/// puts the fresh element in its place, until the fresh one no longer says
/// `data-busy="true"`. A region the user is typing in, or has a section
/// open in, waits for them. Without JavaScript the page is simply as it
/// was when loaded (and reloading shows the progress).
#[island]
pub fn KeepFresh(region: String) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(refresh::keep_fresh(region));
    // The server only marks the place.
    #[cfg(not(feature = "hydrate"))]
    drop(region);
}

#[cfg(feature = "hydrate")]
mod refresh {
    use std::time::Duration;

    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    /// How long to wait between two looks, more after failures.
    const EVERY: Duration = Duration::from_secs(1);

    pub async fn keep_fresh(region: String) {
        let mut failures: u32 = 0;
        loop {
            sleep(EVERY * (1 + failures.min(9))).await;
            let Some(current) = leptos::prelude::document().get_element_by_id(&region) else {
                return;
            };
            if is_in_use(&current) {
                continue;
            }
            match fetch_region(&region).await {
                Some(fresh) => {
                    failures = 0;
                    let busy = fresh.get_attribute("data-busy").as_deref() == Some("true");
                    // Looked at again: the user may have started typing meanwhile.
                    if !is_in_use(&current) {
                        let _ = current.replace_with_with_node_1(&fresh);
                    }
                    if !busy {
                        return;
                    }
                }
                None => failures += 1,
            }
        }
    }

    /// True when the user is typing in the region or has a section of it open.
    fn is_in_use(region: &web_sys::Element) -> bool {
        let focused = leptos::prelude::document()
            .active_element()
            .is_some_and(|active| region.contains(Some(&active)));
        let open = region
            .query_selector("details[open]")
            .ok()
            .flatten()
            .is_some();
        focused || open
    }

    /// This page as the server renders it now, or nothing when it failed.
    async fn fetch_region(region: &str) -> Option<web_sys::Element> {
        let window = web_sys::window()?;
        let href = window.location().href().ok()?;
        let response = JsFuture::from(window.fetch_with_str(&href)).await.ok()?;
        let response: web_sys::Response = response.dyn_into().ok()?;
        if !response.ok() {
            return None;
        }
        let html = JsFuture::from(response.text().ok()?)
            .await
            .ok()?
            .as_string()?;
        let parsed = web_sys::DomParser::new()
            .ok()?
            .parse_from_string(&html, web_sys::SupportedType::TextHtml)
            .ok()?;
        let fresh = parsed.get_element_by_id(region)?;
        leptos::prelude::document().adopt_node(&fresh).ok()?;
        fresh.dyn_into().ok()
    }

    /// Waits `duration` on the browser's timer.
    async fn sleep(duration: Duration) {
        let millis = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ =
                    window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
            }
        });
        let _ = JsFuture::from(promise).await;
    }
}

/// A button that copies `text` to the clipboard and says so.
#[island]
pub fn CopyButton(text: String, label: String, class: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    view! {
        <button type="button" class=class on:click=move |_| copy_to_clipboard(&text, copied)>
            {move || if copied.get() { "Copied".to_owned() } else { label.clone() }}
        </button>
    }
}

/// Puts `text` on the clipboard and sets `done` when it is there.
fn copy_to_clipboard(text: &str, done: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        let promise = window().navigator().clipboard().write_text(text);
        leptos::task::spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                done.set(true);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (text, done);
}

/// Forms post without script, so a page cannot tell while one is being
/// sent: this island, once on every page, shows it. A submit button with
/// `data-busy-label` (see `form::SubmitButton`) then says so and is
/// disabled, so a second click does not send the form twice; it is itself
/// again when the browser shows the page from its history.
#[island]
pub fn BusyForms() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    busy::listen();
}

#[cfg(feature = "hydrate")]
mod busy {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;

    pub fn listen() {
        let document = leptos::prelude::document();
        let on_submit =
            Closure::<dyn FnMut(web_sys::SubmitEvent)>::new(|event: web_sys::SubmitEvent| {
                // An island that sends its form itself says so itself.
                if event.default_prevented() {
                    return;
                }
                let Some(button) = event
                    .submitter()
                    .and_then(|b| b.dyn_into::<web_sys::HtmlButtonElement>().ok())
                else {
                    return;
                };
                let Some(busy) = button.get_attribute("data-busy-label") else {
                    return;
                };
                // After the browser has read the form: a disabled button's
                // own name and value would not be sent.
                leptos::prelude::set_timeout(
                    move || {
                        if button.get_attribute("data-label").is_none() {
                            let label = button.text_content().unwrap_or_default();
                            let _ = button.set_attribute("data-label", &label);
                        }
                        button.set_disabled(true);
                        button.set_text_content(Some(&busy));
                    },
                    std::time::Duration::ZERO,
                );
            });
        let _ =
            document.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
        on_submit.forget();
        let on_show = Closure::<dyn FnMut()>::new(|| {
            let Ok(buttons) = leptos::prelude::document().query_selector_all("button[data-label]")
            else {
                return;
            };
            for index in 0..buttons.length() {
                let Some(button) = buttons
                    .get(index)
                    .and_then(|b| b.dyn_into::<web_sys::HtmlButtonElement>().ok())
                else {
                    continue;
                };
                let label = button.get_attribute("data-label").unwrap_or_default();
                button.set_disabled(false);
                button.set_text_content(Some(&label));
                let _ = button.remove_attribute("data-label");
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("pageshow", on_show.as_ref().unchecked_ref());
        }
        on_show.forget();
    }
}
