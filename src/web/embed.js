// AIConvoKit chat widget, plain ES2017 served as is. Attributes: data-assistant;
// data-container and data-preview-token for the dashboard's preview.
(() => {
  "use strict";

  const script = document.currentScript;
  const warn = (message) => console.warn("AIConvoKit: " + message);
  const key = script && script.dataset.assistant;
  if (!key) return warn("the script tag needs data-assistant.");
  const api = `${new URL(script.src).origin}/widget/v1/${encodeURIComponent(key)}`;
  const { previewToken, container: containerSelector } = script.dataset;
  const storageKey = "aiconvokit:" + key;
  const TAG = "aiconvokit-chat";
  const TRY_AGAIN = "Something went wrong. Please try again.";

  let token = null;
  const storedToken = () => {
    try { return localStorage.getItem(storageKey); } catch (_) { return null; }
  };
  const storeToken = (value) => {
    try { localStorage.setItem(storageKey, value); } catch (_) { /* blocked */ }
  };

  const post = (path, body, headers) => fetch(api + path, {
    method: "POST",
    mode: "cors",
    credentials: "omit",
    headers: Object.assign({ "Content-Type": "application/json" }, headers),
    body: JSON.stringify(body),
  });
  const jsonOf = (response) => response.json().catch(() => ({}));

  function messageOf(problem, fallback = TRY_AGAIN) {
    if (typeof problem.detail === "string") return problem.detail;
    const field = Object.values(problem).find((value) => Array.isArray(value) && value.length);
    return field ? String(field[0]) : fallback;
  }

  async function openSession(previous) {
    const body = {};
    if (previous) body.token = previous;
    if (previewToken) body.preview_token = previewToken;
    const response = await post("/session", body).catch(() => null);
    if (!response) {
      throw new Error(`the chat did not start: ${location.origin} is not among the assistant's allowed ` +
        "origins (Publish settings), or its server cannot be reached.");
    }
    if (!response.ok) {
      const problem = messageOf(await jsonOf(response), "");
      throw new Error(response.status === 404
        ? `the chat did not start (${problem}). Check data-assistant (the key may have been rotated) ` +
          "and that the chat is switched on in the assistant's Publish settings."
        : `the chat did not start (${response.status} ${problem}).`);
    }
    const session = await response.json();
    token = session.token;
    storeToken(token);
    return session;
  }

  function el(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const name in attributes) node.setAttribute(name, attributes[name]);
    if (text != null) node.textContent = text;
    return node;
  }

  const svg = (paths) => '<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" ' +
    `stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${paths}</svg>`;
  const ICONS = {
    chat: svg('<path fill="currentColor" d="M7.9 20A9 9 0 1 0 4 16.1L2 22z"/>'),
    close: svg('<path d="M6 6l12 12M18 6L6 18"/>'),
    plus: svg('<path d="M12 5v14M5 12h14"/>'),
    send: svg('<path d="M5 12h14M13 6l6 6-6 6"/>'),
    up: svg('<path d="M7 10v11H3V10zM7 10l4-8a3 3 0 0 1 3 3v4h6a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.6 21H7"/>'),
    down: svg('<path d="M17 14V3h4v11zM17 14l-4 8a3 3 0 0 1-3-3v-4H4a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 5.4 3H17"/>'),
  };

  // Over a relative luminance of 0.2, dark text contrasts better than white.
  function textColourOn(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => (parseInt(hex.substr(i, 2), 16) / 255) ** 2.2);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.2 ? "#0f172a" : "#fff";
  }

  const withoutCitations = (text) => text.replace(/ *\[(?=[\d, ]*\d)[\d, ]+\]/g, "");

  // The host's inline `all: initial` stops the page's inherited styles; .root sets ours.
  const CSS = `
.root { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #0f172a; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
button, textarea { font: inherit; color: inherit; margin: 0; }
button { border: 0; background: none; padding: 0; cursor: pointer; }
button, .avatar { display: grid; place-items: center; }
:focus-visible { outline: 2px solid var(--ring); outline-offset: 2px; }
svg { width: 18px; height: 18px; }
.launcher, .avatar, .send { background: var(--accent); color: var(--on-accent); }
.launcher { width: 56px; height: 56px; border-radius: 50%; box-shadow: 0 8px 24px #0f172a40; }
.launcher svg { width: 28px; height: 28px; }
.panel { position: absolute; z-index: 1; bottom: 72px; right: 0; display: flex; flex-direction: column;
  width: min(370px, calc(var(--room-w, 100vw) - 40px)); height: min(600px, calc(var(--room-h, 100vh) - 110px));
  background: #fff; border: 1px solid #e2e8f0; border-radius: 16px; overflow: hidden;
  box-shadow: 0 24px 48px -12px #0f172a4d; }
.left .panel { right: auto; left: 0; }
.head { display: flex; align-items: center; gap: 10px; padding: 12px 10px 12px 14px; border-bottom: 1px solid #e2e8f0; }
.avatar { flex: none; width: 34px; height: 34px; border-radius: 50%; }
.titles { flex: 1; min-width: 0; }
.titles p { margin: 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font-size: 12px; color: #64748b; }
.titles .title { font-size: 15px; font-weight: 600; color: inherit; }
.tool { width: 32px; height: 32px; border-radius: 8px; color: #64748b; }
.tool:hover { background: #f1f5f9; color: #0f172a; }
.log { flex: 1; display: flex; flex-direction: column; gap: 10px; padding: 16px 14px; overflow-y: auto;
  background: #f8fafc; overscroll-behavior: contain; }
.bubble { max-width: 88%; padding: 8px 12px; border-radius: 14px; overflow-wrap: anywhere; }
.question, .welcome, .streaming { white-space: pre-wrap; }
.question { align-self: flex-end; background: var(--accent); color: var(--on-accent); border-bottom-right-radius: 4px; }
.answer { align-self: flex-start; background: #fff; border: 1px solid #e2e8f0; border-bottom-left-radius: 4px; }
.text > * { margin: 0 0 8px; }
.text > :last-child { margin-bottom: 0; }
.text ul, .text ol { padding-left: 20px; }
.text h1, .text h2, .text h3 { font-size: 15px; }
blockquote { margin: 4px 0; padding-left: 10px; border-left: 2px solid #cbd5e1; color: #475569; }
.text pre, .text table { display: block; overflow-x: auto; font-size: 12px; }
.text td, .text th { padding: 3px 6px; border: 1px solid #e2e8f0; }
.typing::after { content: "● ● ●"; font-size: 8px; color: #94a3b8; animation: blink 1s infinite; }
@keyframes blink { 50% { opacity: .3; } }
.error { margin: 6px 0 0; padding: 6px 10px; border-radius: 8px; background: #fef2f2; color: #b91c1c; }
.sources { margin: 8px 0 0; padding: 8px 0 0; list-style: none; border-top: 1px solid #f1f5f9; font-size: 12px; color: #475569; }
.sources blockquote { max-height: 160px; overflow-y: auto; white-space: pre-wrap; }
.sources a { color: inherit; text-decoration: underline; }
.rate { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; margin: 6px 0 0; font-size: 12px; color: #64748b; }
.thumb { width: 28px; height: 28px; padding: 5px; border-radius: 8px; color: #64748b; }
.thumb:hover { background: #f1f5f9; color: #0f172a; }
.thumb[aria-pressed="true"] { background: var(--accent); color: var(--on-accent); }
.why { display: flex; gap: 6px; width: 100%; margin-top: 4px; }
.why input { flex: 1; min-width: 0; height: 30px; padding: 4px 8px; border: 1px solid #cbd5e1; border-radius: 8px; font-size: 13px; }
.why button { padding: 4px 10px; border: 1px solid #cbd5e1; border-radius: 8px; background: #fff; font-size: 13px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; }
.chip { padding: 6px 12px; border: 1px solid #cbd5e1; border-radius: 99px; background: #fff; font-size: 13px; }
.chip:hover { background: #f1f5f9; }
.notice { margin: 0; padding: 8px 14px; background: #fffbeb; color: #92400e; font-size: 13px; }
.notice:empty { display: none; }
form { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px 6px; border-top: 1px solid #e2e8f0; }
textarea { flex: 1; height: 40px; max-height: 120px; padding: 9px 12px; resize: none; line-height: 20px;
  border: 1px solid #cbd5e1; border-radius: 12px; background: #fff; }
textarea:focus-visible { outline-offset: -1px; }
.send { flex: none; width: 40px; height: 40px; border-radius: 12px; }
.send:disabled, .tool:disabled { opacity: .45; cursor: default; }
.footer { margin: 0; padding-bottom: 6px; text-align: center; font-size: 11px; color: #94a3b8; }
@media (max-width: 480px) {
  .page .panel { position: fixed; inset: 0; width: auto; height: auto; border: 0; border-radius: 0; }
}
`;

  const MARKUP = `
<div class="panel" role="dialog" hidden>
  <div class="head">
    <span class="avatar">${ICONS.chat}</span>
    <div class="titles"><p class="title"></p><p class="byline"></p></div>
    <button type="button" class="tool restart" aria-label="New conversation" title="New conversation">${ICONS.plus}</button>
    <button type="button" class="tool close" aria-label="Close chat" title="Close">${ICONS.close}</button>
  </div>
  <div class="log" role="log" aria-live="polite"></div>
  <p class="notice" role="status" data-part="notice"></p>
  <form>
    <textarea rows="1" maxlength="10000" placeholder="Ask a question…" aria-label="Your question"></textarea>
    <button class="send" aria-label="Send">${ICONS.send}</button>
  </form>
  <p class="footer">Powered by AIConvoKit</p>
</div>
<button type="button" class="launcher" aria-label="Open chat" aria-expanded="false">${ICONS.chat}</button>`;

  function start() {
    const container = containerSelector ? document.querySelector(containerSelector) : document.body;
    if (!container) return warn(`data-container="${containerSelector}" matches nothing on this page.`);
    // Inserted again (after saving settings): replace the old chat.
    for (const old of container.querySelectorAll(":scope > " + TAG)) old.remove();
    const host = container.appendChild(document.createElement(TAG));
    openSession(storedToken()).then(
      (session) => host.isConnected && mount(host, container, session),
      (problem) => { host.remove(); warn(problem.message); });
  }

  function mount(host, container, session) {
    const config = session.config;
    const accent = /^#[\da-f]{6}$/i.test(config.accent) ? config.accent : "#4f46e5";
    const onAccent = textColourOn(accent);
    const side = config.position === "left" ? "left" : "right";
    const boxed = Boolean(containerSelector);

    // Inline !important beats any rule of the page.
    const hostStyle = { all: "initial", position: boxed ? "absolute" : "fixed", bottom: "20px", [side]: "20px", "z-index": 2147483000 };
    for (const name in hostStyle) host.style.setProperty(name, hostStyle[name], "important");
    if (boxed && getComputedStyle(container).position === "static") container.style.position = "relative";

    const root = el("div", { class: `root ${side} ${boxed ? "" : "page"}` });
    root.innerHTML = MARKUP;
    host.attachShadow({ mode: "open" }).append(el("style", {}, CSS), root);
    const setVar = (name, value) => root.style.setProperty("--" + name, value);
    setVar("accent", accent);
    setVar("on-accent", onAccent);
    setVar("ring", onAccent === "#fff" ? accent : "#0f172a");
    if (boxed) new ResizeObserver(() => {
      setVar("room-w", container.clientWidth + "px");
      setVar("room-h", container.clientHeight + "px");
    }).observe(container);

    const part = (selector) => root.querySelector(selector);
    const [panel, log, notice, input, sendButton, restartButton, launcher] =
      [".panel", ".log", ".notice", "textarea", ".send", ".restart", ".launcher"].map(part);
    const title = config.title || config.assistant;
    panel.setAttribute("aria-label", title);
    part(".title").textContent = title;
    part(".byline").textContent = `Answers from ${config.company ? config.company + "'s" : "our"} documents`;

    launcher.onclick = () => setOpen(panel.hidden);
    part(".close").onclick = () => setOpen(false);
    restartButton.onclick = restart;
    part("form").onsubmit = (event) => {
      event.preventDefault();
      send(input.value);
    };
    input.oninput = autosize;
    input.onkeydown = (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send(input.value);
      }
    };
    root.onkeydown = (event) => {
      if (event.key === "Escape" && !panel.hidden) setOpen(false);
    };

    let busy = false;
    let chips;
    showConversation(session.messages);

    function setOpen(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", open);
      launcher.innerHTML = open ? ICONS.close : ICONS.chat;
      if (open) {
        log.scrollTop = log.scrollHeight;
        input.focus();
      } else {
        launcher.focus();
      }
    }

    function autosize() {
      input.style.height = "";
      input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
    }

    // A log scrolled to the end stays there.
    function follow(change) {
      const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
      change();
      if (atEnd) log.scrollTop = log.scrollHeight;
    }

    function showConversation(messages = []) {
      chips = el("div", { class: "chips" });
      for (const suggestion of messages.length ? [] : config.suggestions || []) {
        chips.appendChild(el("button", { type: "button", class: "chip" }, suggestion)).onclick = () => send(suggestion);
      }
      log.replaceChildren(el("div", { class: "bubble answer welcome", "data-part": "welcome" }, config.welcome), chips);
      for (const message of messages) addExchange(message.input).finish(message);
    }

    function addExchange(question) {
      const asked = el("div", { class: "bubble question", "data-part": "question" }, question);
      const answer = el("div", { class: "bubble answer", "data-part": "answer" });
      const text = answer.appendChild(el("div", { class: "text typing" }));
      follow(() => log.append(asked, answer));
      return {
        stream: (raw) => follow(() => {
          text.className = "text streaming";
          text.textContent = config.show_sources ? raw : withoutCitations(raw);
        }),
        // Sanitized by the server.
        finish: (result) => follow(() => {
          text.className = "text";
          text.innerHTML = result.output_html;
          for (const link of text.querySelectorAll("a")) {
            if (link.matches(".citation")) link.removeAttribute("href");
            else link.target = "_blank";
          }
          if (config.show_sources && result.sources.length) answer.append(sourceList(result.sources));
          if (config.show_feedback && result.message_id) answer.append(ratingBar(result.message_id, result.rating));
        }),
        fail: (message) => follow(() => {
          if (text.matches(".typing")) text.remove();
          answer.append(el("p", { class: "error", role: "alert" }, message));
        }),
        remove: () => { asked.remove(); answer.remove(); },
      };
    }

    // Thumbs up and down under an answer; a rating opens an optional "why".
    function ratingBar(messageId, rating) {
      const bar = el("div", { class: "rate", "data-part": "rate", role: "group", "aria-label": "Rate this answer" });
      const status = el("span", { role: "status" });
      const thumbs = {};
      const show = (chosen) => {
        for (const name in thumbs) thumbs[name].setAttribute("aria-pressed", String(name === chosen));
      };
      const submit = async (chosen, comment) => {
        const body = { rating: chosen };
        if (comment) body.comment = comment;
        const response = await post(`/messages/${messageId}/feedback`, body, { Authorization: "Bearer " + token })
          .catch(() => null);
        if (!response || !response.ok) {
          status.textContent = response ? messageOf(await jsonOf(response)) : TRY_AGAIN;
          return false;
        }
        show(chosen);
        return true;
      };
      for (const [name, label] of [["up", "Helpful"], ["down", "Not helpful"]]) {
        const thumb = el("button", { type: "button", class: "thumb", "aria-label": label, title: label, "data-rating": name });
        thumb.innerHTML = ICONS[name];
        thumb.onclick = async () => {
          status.textContent = "";
          if (!(await submit(name))) return;
          const earlier = bar.querySelector(".why");
          if (earlier) earlier.remove();
          const why = el("div", { class: "why" });
          const box = why.appendChild(el("input", { type: "text", maxlength: "2000", "aria-label": "Tell us more (optional)",
            placeholder: name === "down" ? "What was wrong? (optional)" : "Anything to add? (optional)" }));
          const sendWhy = async () => {
            if (box.value.trim() && (await submit(name, box.value.trim()))) {
              why.remove();
              status.textContent = "Thanks for your feedback.";
            }
          };
          why.appendChild(el("button", { type: "button" }, "Send")).onclick = sendWhy;
          box.onkeydown = (event) => {
            if (event.key === "Enter" && !event.isComposing) {
              event.preventDefault();
              sendWhy();
            }
          };
          bar.append(why);
          status.textContent = "Thanks!";
        };
        thumbs[name] = bar.appendChild(thumb);
      }
      bar.append(status);
      show(rating);
      return bar;
    }

    function sourceList(sources) {
      const list = el("ol", { class: "sources", "aria-label": "Sources" });
      sources.forEach((source, index) => {
        const details = list.appendChild(el("li")).appendChild(el("details", { "data-part": "source" }));
        const page = source.page == null ? "" : " · page " + source.page;
        details.append(el("summary", {}, `[${index + 1}] ${source.document}${page}`), el("blockquote", {}, source.text));
        if (/^https?:\/\//.test(source.url || "")) {
          details.append(el("a", { href: source.url, target: "_blank", rel: "noopener noreferrer" }, "Open the page"));
        }
        details.ontoggle = () => details.open && details.scrollIntoView({ block: "nearest" });
      });
      return list;
    }

    async function restart() {
      notice.textContent = "";
      try {
        showConversation((await openSession(null)).messages);
        input.focus();
      } catch (_) {
        notice.textContent = TRY_AGAIN;
      }
    }

    function restoreQuestion(question) {
      if (!input.value.trim()) {
        input.value = question;
        autosize();
      }
    }

    async function send(raw) {
      const question = raw.trim();
      if (!question || busy) return;
      busy = sendButton.disabled = restartButton.disabled = true;
      notice.textContent = input.value = "";
      autosize();
      chips.remove();
      const exchange = addExchange(question);
      const failure = await deliver(question, exchange, false).catch(() => TRY_AGAIN);
      if (failure) {
        exchange.fail(failure);
        restoreQuestion(question);
      }
      busy = sendButton.disabled = restartButton.disabled = false;
    }

    async function deliver(question, exchange, isRetry) {
      const response = await post("/messages", { input: question }, { Authorization: "Bearer " + token })
        .catch(() => null);
      if (!response) return TRY_AGAIN;
      if (response.status === 401 && !isRetry) {
        // Expired: a fresh token for the same conversation.
        await openSession(token);
        return deliver(question, exchange, true);
      }
      if (response.status === 429) {
        exchange.remove();
        notice.textContent = messageOf(await jsonOf(response));
        restoreQuestion(question);
        return null;
      }
      if (!response.ok) return messageOf(await jsonOf(response));
      let streamed = "";
      let failure = TRY_AGAIN;
      await readServerSentEvents(response, (name, data) => {
        const payload = JSON.parse(data);
        if (name === "delta") {
          streamed += payload.text;
          exchange.stream(streamed);
        } else if (name === "done") {
          failure = null;
          exchange.finish(payload);
        } else if (name === "error") {
          failure = messageOf(payload);
        }
      });
      return failure;
    }
  }

  async function readServerSentEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (let done = false; !done;) {
      const chunk = await reader.read();
      done = chunk.done;
      buffer += decoder.decode(chunk.value, { stream: !done }).replace(/\r/g, "");
      const blocks = buffer.split("\n\n");
      buffer = done ? "" : blocks.pop();
      for (const block of blocks) {
        const name = /^event: ?(.*)$/m.exec(block);
        const data = block.match(/^data: ?.*$/gm);
        if (data) onEvent(name && name[1], data.map((line) => line.replace(/^data: ?/, "")).join("\n"));
      }
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
