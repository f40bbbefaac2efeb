//! The in-app chat with an assistant: earlier questions and answers, a box
//! to ask (Enter sends, Shift+Enter adds a line), answers that stream in as
//! they are written, and the passages each answer cites with their pages:
//! a citation `[n]` opens the sources panel on that passage.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::guard::RequireUser;
use crate::components::layout::Loading;
use crate::functions::assistants::get_assistant;
use crate::functions::chats::{chat_messages, chat_summary, rate_answer};
use crate::model::{Feedback, MessageView, Rating, Source};

/// One event of the answer stream: its name and its data.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn parse_event(block: &str) -> Option<(String, String)> {
    let mut name = String::from("message");
    let mut data = Vec::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            name = value.trim().to_owned();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    (!data.is_empty()).then(|| (name, data.join("\n")))
}

/// Ends a request in flight (the browser's `AbortController`).
#[cfg(feature = "hydrate")]
type Aborter = web_sys::AbortController;
#[cfg(not(feature = "hydrate"))]
type Aborter = ();

/// A question asked on this page: its answer fills in as it streams.
#[derive(Clone, Copy)]
struct LiveMessage {
    key: usize,
    input: StoredValue<String>,
    /// The answer so far as safe HTML (the server renders its Markdown).
    html: RwSignal<String>,
    sources: RwSignal<Vec<Source>>,
    error: RwSignal<Option<String>>,
    streaming: RwSignal<bool>,
    stopped: RwSignal<bool>,
    /// The message the answer is kept as, once it is.
    message_id: RwSignal<Option<i64>>,
    /// Only the browser build aborts requests.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    abort: StoredValue<Option<Aborter>, LocalStorage>,
}

impl LiveMessage {
    /// Stops the answer: the server stops the model and keeps what was written.
    fn stop(self) {
        self.stopped.set(true);
        #[cfg(feature = "hydrate")]
        self.abort.with_value(|abort| {
            if let Some(abort) = abort {
                abort.abort();
            }
        });
    }
}

/// The sources panel: the sources of one answer, one of them selected.
#[derive(Debug, Clone, PartialEq)]
struct OpenSources {
    sources: Vec<Source>,
    selected: usize,
}

/// What opens and closes the sources panel.
type SourcesPanelState = RwSignal<Option<OpenSources>>;

/// `/assistants/:id/chats/:chat_id`: rendered on the server, with the
/// conversation itself an island that runs in the browser.
#[component]
pub fn ChatPage() -> impl IntoView {
    let params = use_params_map();
    let assistant_id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let chat_id = move || {
        params
            .read()
            .get("chat_id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let assistant = Resource::new(assistant_id, get_assistant);
    let history = Resource::new(chat_id, chat_messages);
    let summary = Resource::new(chat_id, chat_summary);
    view! {
        <Title text="Chat" />
        <RequireUser render=move |_| view! {
            <div class="mx-auto flex max-w-3xl flex-col">
                <nav aria-label="Breadcrumb" class="mb-2 text-sm">
                    <a href=move || format!("/assistants/{}", assistant_id()) class="font-medium text-indigo-600 hover:text-indigo-500">
                        <Transition fallback=|| "Assistant">
                            {move || Suspend::new(async move {
                                assistant.await.map(|a| format!("← {}", a.name)).unwrap_or_else(|_| "← Assistant".into())
                            })}
                        </Transition>
                    </a>
                </nav>
                <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Chat"</h1>
                <noscript><p class="mt-2 text-sm text-amber-700">"The chat needs JavaScript."</p></noscript>
                <Transition fallback=|| view! { <Loading /> }>
                    {move || Suspend::new(async move {
                        match (history.await, summary.await) {
                            (Ok(history), Ok(chat)) => {
                                // A visitor's conversation from the website is read here, not continued.
                                let visitor_site = (chat.origin == "widget").then(|| chat.site.unwrap_or_default());
                                view! { <Conversation chat_id=chat.id visitor_site history /> }.into_any()
                            }
                            (Err(error), _) | (_, Err(error)) => view! {
                                <p role="alert" class="mt-6 text-sm text-red-600">{error.to_string()}</p>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        } />
    }
}

/// The conversation: earlier exchanges, the answers asked for here as they
/// stream, the question box and the sources panel.
#[island]
fn Conversation(
    chat_id: i64,
    /// The site of a visitor's conversation from the website (read, not continued).
    visitor_site: Option<String>,
    history: Vec<MessageView>,
) -> impl IntoView {
    let visitor_site = RwSignal::new(visitor_site);
    let live = RwSignal::new(Vec::<LiveMessage>::new());
    let draft = RwSignal::new(String::new());
    let panel: SourcesPanelState = RwSignal::new(None);
    provide_context(panel);

    let streaming = move || live.with(|l| l.iter().find(|m| m.streaming.get()).copied());
    let ask = Callback::new(move |input: String| {
        let input = input.trim().to_owned();
        if input.is_empty()
            || live.with_untracked(|l| l.iter().any(|m| m.streaming.get_untracked()))
        {
            return;
        }
        let message = LiveMessage {
            key: live.with_untracked(Vec::len),
            input: StoredValue::new(input.clone()),
            html: RwSignal::new(String::new()),
            sources: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            streaming: RwSignal::new(true),
            stopped: RwSignal::new(false),
            message_id: RwSignal::new(None),
            abort: StoredValue::new_local(None),
        };
        live.update(|l| l.push(message));
        leptos::task::spawn_local(async move {
            stream_answer(chat_id, input, message).await;
            message.streaming.set(false);
        });
    });
    let send = move || {
        let input = draft.get_untracked();
        if !input.trim().is_empty() && streaming().is_none() {
            draft.set(String::new());
            ask.run(input);
        }
    };

    view! {
                <ol class="mt-6 space-y-6" data-testid="messages" aria-live="polite">
                    {history.into_iter().map(|m| view! { <StoredMessage message=m retry=ask chat_id visitor=visitor_site /> }).collect_view()}
                    <For each=move || live.get() key=|m| m.key let:message>
                        <Exchange
                            anchor=Signal::derive(move || message.message_id.get().map_or_else(|| format!("live{}", message.key), |id| format!("m{id}")))
                            input=message.input.get_value()
                            html=Signal::derive(move || message.html.get())
                            sources=Signal::derive(move || message.sources.get())
                            error=Signal::derive(move || message.error.get())
                            streaming=Signal::derive(move || message.streaming.get())
                            stopped=Signal::derive(move || message.stopped.get())
                            retry=ask
                            rating=Signal::derive(move || message.message_id.get().map(|id| RatingTarget {
                                chat_id,
                                message_id: id,
                                given: None,
                                visitor: false,
                            }))
                        />
                    </For>
                </ol>
                {move || visitor_site.get().map(|site| view! {
                    <p role="note" data-testid="visitor-chat" class="mt-6 rounded-lg border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-800">
                        {format!("A visitor's conversation on {site}, through the chat on your website. It is shown here as it happened; start a new chat to ask yourself.")}
                    </p>
                })}
                <form class="sticky bottom-0 mt-6 flex items-end gap-2 border-t border-slate-200 bg-slate-50 py-4" class:hidden=move || visitor_site.get().is_some()
                    on:submit=move |event| { event.prevent_default(); send(); }>
                    <label for="chat-input" class="sr-only">"Your question"</label>
                    <textarea id="chat-input" rows="2" placeholder="Ask about the documents… (Enter sends, Shift+Enter adds a line)"
                        class="min-h-[3rem] flex-1 resize-y rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30"
                        prop:value=move || draft.get()
                        on:input=move |event| draft.set(event_target_value(&event))
                        on:keydown=move |event| {
                            if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
                                event.prevent_default();
                                send();
                            }
                        }
                    ></textarea>
                    {move || match streaming() {
                        Some(message) => view! {
                            <button type="button" on:click=move |_| message.stop() class="rounded-lg border border-slate-300 bg-white px-4 py-2.5 text-sm font-semibold text-slate-800 shadow-sm hover:bg-slate-50">"Stop"</button>
                        }.into_any(),
                        None => view! {
                            <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">"Send"</button>
                        }.into_any(),
                    }}
                </form>
                <SourcesPanel />
    }
}

/// What the thumbs under an answer rate, and the feedback already given.
#[derive(Debug, Clone, PartialEq)]
struct RatingTarget {
    chat_id: i64,
    message_id: i64,
    given: Option<Feedback>,
    /// A visitor's rating, shown and not changed.
    visitor: bool,
}

#[component]
fn StoredMessage(
    message: MessageView,
    retry: Callback<String>,
    chat_id: i64,
    visitor: RwSignal<Option<String>>,
) -> impl IntoView {
    let target = (message.status == "answered").then(|| RatingTarget {
        chat_id,
        message_id: message.id,
        given: message.feedback.clone(),
        visitor: false,
    });
    let rating = Signal::derive(move || {
        target.clone().map(|target| RatingTarget {
            visitor: visitor.with(Option::is_some),
            ..target
        })
    });
    let failed = match message.status.as_str() {
        "failed" => Some(
            message
                .error
                .clone()
                .unwrap_or_else(|| "The answer failed.".into()),
        ),
        "pending" => Some(
            "The answer was not finished when this page loaded: reload to see it, or retry.".into(),
        ),
        _ => None,
    };
    view! {
        <Exchange
            anchor=Signal::stored(format!("m{}", message.id))
            input=message.input
            html=Signal::stored(message.html)
            sources=Signal::stored(message.sources)
            error=Signal::stored(failed)
            streaming=Signal::stored(false)
            stopped=Signal::stored(false)
            retry
            rating
        />
    }
}

/// A question and its answer, with the sources it cites below it. Sources
/// are anchored at `#{anchor}-{n}`.
#[component]
fn Exchange(
    anchor: Signal<String>,
    input: String,
    html: Signal<String>,
    sources: Signal<Vec<Source>>,
    error: Signal<Option<String>>,
    streaming: Signal<bool>,
    stopped: Signal<bool>,
    retry: Callback<String>,
    rating: Signal<Option<RatingTarget>>,
) -> impl IntoView {
    let panel = expect_context::<SourcesPanelState>();
    let question = StoredValue::new(input.clone());
    let open = move |selected: usize| {
        panel.set(Some(OpenSources {
            sources: sources.get_untracked(),
            selected,
        }));
    };
    view! {
        <li class="space-y-3" data-testid="exchange">
            <div class="ml-auto w-fit max-w-[85%] whitespace-pre-wrap rounded-2xl rounded-br-sm bg-indigo-600 px-4 py-2 text-sm text-white" data-testid="question">{input}</div>
            <div class="max-w-[95%] rounded-2xl rounded-bl-sm border border-slate-200 bg-white px-4 py-3 text-sm text-slate-800 shadow-sm">
                <div class="answer break-words" data-testid="answer" inner_html=html
                    on:click=move |event| {
                        if let Some(n) = cited_number(&event) {
                            event.prevent_default();
                            open(n - 1);
                        }
                    }
                ></div>
                {move || (streaming.get() && html.with(String::is_empty)).then(|| view! { <span class="text-sm text-slate-400">"Thinking…"</span> })}
                {move || stopped.get().then(|| view! { <p class="mt-2 text-xs text-slate-500">"Stopped."</p> })}
                {move || error.get().map(|message| view! {
                    <div role="alert" class="mt-2 flex flex-wrap items-center gap-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="answer-error">
                        <span class="flex-1">{message}" Your question is kept."</span>
                        <button type="button" on:click=move |_| retry.run(question.get_value()) class="rounded-md border border-red-200 bg-white px-3 py-1 text-sm font-medium text-red-700 hover:bg-red-50">"Retry"</button>
                    </div>
                })}
                {move || rating.get().map(|target| view! { <RateAnswer target /> })}
                {move || {
                    let list = sources.get();
                    (!list.is_empty()).then(|| view! {
                        <div class="mt-3 border-t border-slate-100 pt-2">
                            <p class="text-xs font-semibold uppercase tracking-wide text-slate-500">"Sources"</p>
                            <ul class="mt-1 flex flex-wrap gap-1.5">
                                {list.into_iter().enumerate().map(|(index, source)| view! {
                                    <li data-testid="source" id=anchor.with(|a| format!("{a}-{}", index + 1))>
                                        <button type="button" on:click=move |_| open(index)
                                            class="rounded-full border border-slate-200 bg-slate-50 px-2.5 py-0.5 text-xs text-indigo-700 hover:border-indigo-300 hover:bg-indigo-50">
                                            {format!("[{}] {}", index + 1, place(&source))}
                                        </button>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </div>
                    })
                }}
            </div>
        </li>
    }
}

/// Thumbs up and down under an answer, then an optional comment. Pressing
/// the chosen thumb again withdraws the rating. A visitor's rating is
/// shown as they gave it.
#[component]
fn RateAnswer(target: RatingTarget) -> impl IntoView {
    let RatingTarget {
        chat_id,
        message_id,
        given,
        visitor,
    } = target;
    let comment_given = given.as_ref().and_then(|f| f.comment.clone());
    let chosen = RwSignal::new(given.map(|f| f.rating));
    let comment = RwSignal::new(comment_given);
    let asking_why = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    if visitor {
        return view! {
            {move || chosen.get().map(|rating| view! {
                <p class="mt-3 border-t border-slate-100 pt-2 text-xs text-slate-600" data-testid="visitor-rating">
                    {match rating { Rating::Up => "The visitor found this helpful.", Rating::Down => "The visitor found this not helpful." }}
                    {move || comment.get().map(|c| view! { <span class="ml-1 italic">{format!("“{c}”")}</span> })}
                </p>
            })}
        }
        .into_any();
    }
    let send = move |rating: Option<Rating>, text: Option<String>| {
        problem.set(None);
        leptos::task::spawn_local(async move {
            let result = rate_answer(
                chat_id,
                message_id,
                rating.map(|r| r.as_str().to_owned()),
                text,
            )
            .await;
            match result {
                Ok(kept) => {
                    chosen.set(kept.as_ref().map(|f| f.rating));
                    comment.set(kept.and_then(|f| f.comment));
                }
                Err(error) => problem.set(Some(error.to_string())),
            }
        });
    };
    let press = move |rating: Rating| {
        if chosen.get_untracked() == Some(rating) {
            asking_why.set(false);
            send(None, None);
        } else {
            asking_why.set(true);
            send(Some(rating), None);
        }
    };
    let thumb = move |rating: Rating| {
        let (label, testid, path) = match rating {
            Rating::Up => ("Helpful", "rate-up", THUMB_UP),
            Rating::Down => ("Not helpful", "rate-down", THUMB_DOWN),
        };
        view! {
            <button type="button" aria-label=label title=label data-testid=testid
                aria-pressed=move || (chosen.get() == Some(rating)).to_string()
                on:click=move |_| press(rating)
                class="rounded-md p-1.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700 aria-pressed:bg-indigo-50 aria-pressed:text-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500">
                <svg viewBox="0 0 24 24" class="h-4 w-4" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d=path /></svg>
            </button>
        }
    };
    view! {
        <div class="mt-3 flex flex-wrap items-center gap-1 border-t border-slate-100 pt-2 text-xs text-slate-500" role="group" aria-label="Rate this answer" data-testid="rating">
            {thumb(Rating::Up)}
            {thumb(Rating::Down)}
            {move || comment.get().map(|c| view! { <span class="ml-1 italic text-slate-600" data-testid="feedback-comment">{format!("“{c}”")}</span> })}
            {move || problem.get().map(|p| view! { <span role="alert" class="ml-1 text-red-600">{p}</span> })}
            {move || (asking_why.get() && chosen.get().is_some()).then(|| view! {
                <form class="mt-1 flex w-full gap-2" on:submit=move |event| {
                    event.prevent_default();
                    let text = draft.get_untracked().trim().to_owned();
                    if !text.is_empty() {
                        send(chosen.get_untracked(), Some(text));
                        draft.set(String::new());
                        asking_why.set(false);
                    }
                }>
                    <label for=format!("why-{message_id}") class="sr-only">"Tell us more (optional)"</label>
                    <input id=format!("why-{message_id}") type="text" maxlength="2000" data-testid="feedback-why"
                        placeholder=move || if chosen.get() == Some(Rating::Down) { "What was wrong? (optional)" } else { "Anything to add? (optional)" }
                        prop:value=move || draft.get() on:input=move |event| draft.set(event_target_value(&event))
                        class="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 text-xs focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30" />
                    <button type="submit" class="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50">"Send"</button>
                </form>
            })}
        </div>
    }
    .into_any()
}

const THUMB_UP: &str =
    "M7 10v11H3V10zM7 10l4-8a3 3 0 0 1 3 3v4h6a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.6 21H7";
const THUMB_DOWN: &str =
    "M17 14V3h4v11zM17 14l-4 8a3 3 0 0 1-3-3v-4H4a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 5.4 3H17";

/// "10k.pdf · page 61", or the document's name alone.
fn place(source: &Source) -> String {
    match source.page {
        Some(page) => format!("{} · page {page}", source.document),
        None => source.document.clone(),
    }
}

/// The `n` of a citation link `[n]` the click landed on.
#[cfg(feature = "hydrate")]
fn cited_number(event: &leptos::ev::MouseEvent) -> Option<usize> {
    use wasm_bindgen::JsCast;
    let target: web_sys::Element = event.target()?.dyn_into().ok()?;
    let link = target.closest("a[data-cite]").ok()??;
    link.get_attribute("data-cite")?
        .parse()
        .ok()
        .filter(|&n| n > 0)
}

#[cfg(not(feature = "hydrate"))]
fn cited_number(_event: &leptos::ev::MouseEvent) -> Option<usize> {
    None
}

/// The sources of one answer beside the chat (a sheet from the bottom on a
/// phone): each with its document, page and passage, the one clicked
/// highlighted and scrolled to. Escape or the close button closes it.
#[component]
fn SourcesPanel() -> impl IntoView {
    let panel = expect_context::<SourcesPanelState>();
    let close = move || panel.set(None);
    let handle = window_event_listener(leptos::ev::keydown, move |event| {
        if event.key() == "Escape" && panel.with_untracked(Option::is_some) {
            panel.set(None);
        }
    });
    on_cleanup(move || handle.remove());
    let close_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        let Some(open) = panel.get() else { return };
        #[cfg(feature = "hydrate")]
        {
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
            if let Some(item) =
                document().get_element_by_id(&format!("panel-source-{}", open.selected + 1))
            {
                item.scroll_into_view();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (open, close_button);
    });
    view! {
        {move || panel.get().map(|open| view! {
            <div class="fixed inset-0 z-40 bg-slate-900/30 lg:hidden" on:click=move |_| close()></div>
            <aside role="dialog" aria-labelledby="sources-title" data-testid="sources-panel"
                class="fixed inset-x-0 bottom-0 z-50 flex max-h-[75vh] flex-col rounded-t-2xl border-t border-slate-200 bg-white shadow-2xl lg:inset-y-0 lg:left-auto lg:right-0 lg:max-h-none lg:w-[28rem] lg:rounded-none lg:border-l lg:border-t-0">
                <div class="flex items-center justify-between border-b border-slate-200 px-4 py-3">
                    <h2 id="sources-title" class="text-base font-semibold text-slate-900">"Sources"</h2>
                    <button type="button" node_ref=close_button on:click=move |_| close() aria-label="Close sources"
                        class="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-800 focus:outline-none focus:ring-2 focus:ring-indigo-500">
                        <span aria-hidden="true" class="block h-5 w-5 text-center text-lg leading-5">"×"</span>
                    </button>
                </div>
                <ol class="flex-1 space-y-3 overflow-y-auto p-4">
                    {open.sources.into_iter().enumerate().map(|(index, source)| {
                        let selected = index == open.selected;
                        view! {
                            <li id=format!("panel-source-{}", index + 1) data-testid="panel-source"
                                aria-current=selected.then_some("true")
                                class=if selected { "rounded-lg border border-indigo-300 bg-indigo-50/60 p-3 ring-2 ring-indigo-500/30" } else { "rounded-lg border border-slate-200 p-3" }>
                                <p class="flex items-baseline gap-2 text-sm">
                                    <span class="font-semibold text-indigo-700">{format!("[{}]", index + 1)}</span>
                                    {match source.url.clone() {
                                        Some(url) => view! { <a href=url target="_blank" rel="noopener noreferrer" class="break-all font-medium text-indigo-700 hover:underline" data-testid="panel-document">{source.document.clone()}</a> }.into_any(),
                                        None => view! { <span class="break-all font-medium text-slate-900" data-testid="panel-document">{source.document.clone()}</span> }.into_any(),
                                    }}
                                </p>
                                <p class="mt-0.5 text-xs text-slate-500" data-testid="panel-page">
                                    {source.page.map_or_else(|| "No page numbers".to_owned(), |page| format!("Page {page}"))}
                                </p>
                                <blockquote class="mt-2 max-h-72 overflow-y-auto whitespace-pre-wrap border-l-2 border-slate-300 pl-3 text-xs leading-relaxed text-slate-700" data-testid="panel-passage">{source.text}</blockquote>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </aside>
        })}
    }
}

/// Asks the question and fills `message` in as the answer streams.
#[cfg(feature = "hydrate")]
async fn stream_answer(chat_id: i64, input: String, message: LiveMessage) {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    let fail = |text: &str| message.error.set(Some(text.to_owned()));
    let Some(window) = web_sys::window() else {
        return;
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    if let Ok(headers) = web_sys::Headers::new() {
        let _ = headers.set("Content-Type", "application/json");
        let _ = headers.set("Accept", "text/event-stream");
        init.set_headers(&headers);
    }
    init.set_body(&JsValue::from_str(
        &serde_json::json!({ "input": input }).to_string(),
    ));
    if let Ok(controller) = web_sys::AbortController::new() {
        init.set_signal(Some(&controller.signal()));
        message.abort.set_value(Some(controller));
    }
    let url = format!("/chats/{chat_id}/messages");
    let Ok(response) = JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await else {
        if !message.stopped.get_untracked() {
            fail("The server could not be reached.");
        }
        return;
    };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else {
        return;
    };
    if !response.ok() {
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise)
                .await
                .ok()
                .and_then(|t| t.as_string()),
            Err(_) => None,
        }
        .unwrap_or_default();
        let detail = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                v["detail"]
                    .as_str()
                    .or_else(|| v["input"][0].as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "The answer failed.".into());
        return fail(&detail);
    }
    let Some(body) = response.body() else { return };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else {
            if !message.stopped.get_untracked() {
                fail("The connection broke before the answer was complete.");
            }
            return;
        };
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        if let Ok(value) = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")) {
            buffer.extend(js_sys::Uint8Array::new(&value).to_vec());
        }
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = buffer.drain(..end + 2).collect();
            let Some((name, data)) = parse_event(&String::from_utf8_lossy(&block)) else {
                continue;
            };
            let data: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
            match name.as_str() {
                "delta" => {
                    if let Some(html) = data["html"].as_str() {
                        message.html.set(html.to_owned());
                    }
                }
                "done" => {
                    if let Some(html) = data["html"].as_str() {
                        message.html.set(html.to_owned());
                    }
                    message.message_id.set(data["message_id"].as_i64());
                    let sources: Vec<Source> =
                        serde_json::from_value(data["sources"].clone()).unwrap_or_default();
                    message.sources.set(sources);
                }
                "error" => fail(data["detail"].as_str().unwrap_or("The answer failed.")),
                _ => {}
            }
        }
    }
}

#[cfg(not(feature = "hydrate"))]
async fn stream_answer(_chat_id: i64, _input: String, _message: LiveMessage) {}

#[cfg(test)]
mod tests {
    use super::parse_event;

    #[test]
    fn events_are_read_with_their_name_and_data() {
        assert_eq!(
            parse_event("event: delta\ndata: {\"text\":\"Hi\"}\n\n"),
            Some(("delta".into(), "{\"text\":\"Hi\"}".into()))
        );
        assert_eq!(parse_event(": keep-alive\n\n"), None);
        assert_eq!(
            parse_event("data: a\ndata: b"),
            Some(("message".into(), "a\nb".into()))
        );
    }
}
