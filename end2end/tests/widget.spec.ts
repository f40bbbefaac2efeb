import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { assistantWithReport, newSignedInUser, open, openTab } from "./helpers";

// The chat widget on "customer sites": end2end/host-pages.mjs serves the
// same page on two ports, two origins. Each test publishes an assistant of
// its own allowing the first origin only; the second stands for a site
// that copied the snippet without being allowed.
const port = Number(process.env.E2E_PORT ?? 3100);
const allowedSite = `http://127.0.0.1:${port + 50}`;
const otherSite = `http://127.0.0.1:${port + 51}`;

// Each test signs up, makes an assistant from a PDF and publishes it.
test.describe.configure({ timeout: 60_000 });

type Publishing = {
  title?: string;
  accent?: string;
  position?: "Bottom right" | "Bottom left";
  welcome?: string;
  suggestion?: string;
  visitorLimit?: number;
  feedback?: boolean;
};

/**
 * Signs up, makes an assistant with the annual report, turns its chat on
 * for `allowedSite` from its Publish section, and returns the public key
 * (read from the snippet) and the assistant page's path.
 */
async function publishedAssistant(
  page: Page,
  request: APIRequestContext,
  browser: Browser,
  appURL: string,
  settings: Publishing = {},
): Promise<{ key: string; assistantPath: string }> {
  await newSignedInUser(page, request, "widget");
  await assistantWithReport(page, browser, "Report helper");
  await openTab(page, "Chat");
  const assistantPath = new URL(page.url()).pathname;
  await openTab(page, "Publish");

  const publish = page.locator("section#publish");
  const field = (label: string) => publish.getByLabel(label, { exact: true });
  await field("Show the chat on websites").check();
  await field("Allowed origins").fill(allowedSite);
  if (settings.title) await field("Title").fill(settings.title);
  if (settings.accent) await field("Accent colour").fill(settings.accent);
  if (settings.position) await field("Launcher position").selectOption({ label: settings.position });
  if (settings.welcome) await field("Welcome message").fill(settings.welcome);
  if (settings.suggestion) await field("Suggested question 1").fill(settings.suggestion);
  if (settings.visitorLimit) await field("Messages per visitor per hour").fill(String(settings.visitorLimit));
  if (settings.feedback === false) await field("Ask for feedback").uncheck();
  await publish.getByRole("button", { name: "Save publishing settings" }).click();
  await expect(publish.getByTestId("publish-saved")).toHaveText("Saved.");

  const snippet = publish.getByTestId("widget-snippet");
  await expect(snippet).toHaveText(/data-assistant="pub_[^"]+"/);
  const text = (await snippet.textContent()) ?? "";
  const key = /data-assistant="(pub_[^"]+)"/.exec(text)![1];
  expect(text).toBe(`<script src="${appURL}/embed.js" data-assistant="${key}" async></script>`);
  return { key, assistantPath };
}

/** The customer site's address with the snippet for `key`. */
function siteWithSnippet(site: string, appURL: string, key: string): string {
  return `${site}/?app=${encodeURIComponent(appURL)}&key=${encodeURIComponent(key)}`;
}

/** A visitor: a browser context of its own (own storage, no dashboard session). */
async function newVisitor(browser: Browser, options: Parameters<Browser["newContext"]>[0] = {}): Promise<Page> {
  const context = await browser.newContext(options);
  return context.newPage();
}

test("a visitor of an allowed site asks the published assistant, with sources, up to the hourly limit", async ({ page, request, browser, baseURL }) => {
  const { key, assistantPath } = await publishedAssistant(page, request, browser, baseURL!, {
    title: "Ask Acme",
    accent: "#0f766e",
    welcome: "Hi! Ask me about Acme's annual report.",
    suggestion: "What were the dividends paid?",
    visitorLimit: 2,
  });

  const visitor = await newVisitor(browser);
  await visitor.goto(siteWithSnippet(allowedSite, baseURL!, key));
  const launcher = visitor.getByRole("button", { name: "Open chat" });
  // The owner's accent colour.
  await expect(launcher).toHaveCSS("background-color", "rgb(15, 118, 110)");
  await launcher.click();
  const chat = visitor.getByRole("dialog", { name: "Ask Acme" });
  await expect(chat).toBeVisible();
  await expect(chat).toContainText("Answers from Acme's documents");
  await expect(chat.locator('[data-part="welcome"]')).toHaveText("Hi! Ask me about Acme's annual report.");

  // A suggested question is asked with one click.
  await chat.getByRole("button", { name: "What were the dividends paid?" }).click();
  const questions = chat.locator('[data-part="question"]');
  const answers = chat.locator('[data-part="answer"]');
  await expect(questions).toHaveText(["What were the dividends paid?"]);
  await expect(answers.first()).toContainText("No language model is configured");
  await expect(chat.getByRole("button", { name: "What were the dividends paid?" })).toHaveCount(0);

  // A typed question: the answer quotes the passage, and its source expands.
  const box = chat.getByLabel("Your question");
  await box.fill("How much were purchases of property, plant and equipment?");
  await box.press("Enter");
  await expect(box).toHaveValue("");
  await expect(questions).toHaveCount(2);
  const answer = answers.nth(1);
  await expect(answer).toContainText("1,577");
  const source = answer.locator('[data-part="source"]').filter({ hasText: "acme_2018_annual_report.pdf · page 2" }).first();
  await expect(source.locator("summary")).toHaveText(/^\[\d\] acme_2018_annual_report\.pdf · page 2$/);
  await source.locator("summary").click();
  await expect(source.locator("blockquote")).toBeVisible();
  await expect(source.locator("blockquote")).toContainText("(1,577)");

  // The third message in the hour is over the visitor's limit: a notice,
  // and the question stays in the box.
  await box.fill("And the dividends in 2017?");
  await box.press("Enter");
  const notice = chat.locator('[data-part="notice"]');
  await expect(notice).toContainText("limit");
  await expect(notice).toHaveAttribute("role", "status");
  await expect(box).toHaveValue("And the dividends in 2017?");
  await expect(questions).toHaveCount(2);

  // The owner sees the conversation among the assistant's chats, from the website.
  await open(page, assistantPath);
  const row = page.getByTestId("chat-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Website");
  await expect(row).toContainText("What were the dividends paid?");
});

test("a site that is not allowed gets no chat, and a warning in its console", async ({ page, request, browser, baseURL }) => {
  const { key } = await publishedAssistant(page, request, browser, baseURL!);

  // The server answers the unlisted origin without CORS headers.
  const refused = await request.post(`${baseURL}/widget/v1/${key}/session`, { headers: { Origin: otherSite }, data: {} });
  expect(refused.status()).toBe(403);
  expect(refused.headers()["access-control-allow-origin"]).toBeUndefined();

  const visitor = await newVisitor(browser);
  // Wait for the widget's own verdict, so absence is not checked too early.
  const warning = visitor.waitForEvent("console", (message) => message.text().startsWith("AIConvoKit:"));
  await visitor.goto(siteWithSnippet(otherSite, baseURL!, key));
  const message = await warning;
  expect(message.type()).toBe("warning");
  expect(message.text()).toContain(otherSite);
  expect(message.text()).toContain("allowed origins");
  await expect(visitor.locator("aiconvokit-chat")).toHaveCount(0);
  await expect(visitor.getByRole("button", { name: "Open chat" })).toHaveCount(0);

  // The very same snippet works on the allowed site.
  await visitor.goto(siteWithSnippet(allowedSite, baseURL!, key));
  await expect(visitor.getByRole("button", { name: "Open chat" })).toBeVisible();
});

test("the widget and a hostile host page do not restyle each other", async ({ page, request, browser, baseURL }) => {
  const { key } = await publishedAssistant(page, request, browser, baseURL!);
  const visitor = await newVisitor(browser);
  // The page without the snippet first: its own look, then the widget is added.
  await visitor.goto(`${allowedSite}/`);
  const hostLook = () =>
    visitor.evaluate(() =>
      ["#host-text", "#host-button", "h1", "body"].map((selector) => {
        const style = getComputedStyle(document.querySelector(selector)!);
        return Array.from(style, (name) => `${name}: ${style.getPropertyValue(name)}`).join("; ");
      }),
    );
  const before = await hostLook();
  expect(before[0]).toContain("color: rgb(255, 0, 0)");

  await visitor.evaluate(
    ({ app, key }) => {
      const script = document.createElement("script");
      script.src = `${app}/embed.js`;
      script.dataset.assistant = key;
      script.async = true;
      document.body.append(script);
    },
    { app: baseURL!, key },
  );
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const chat = visitor.getByRole("dialog");
  const welcome = chat.locator('[data-part="welcome"]');
  await expect(welcome).toBeVisible();

  const look = (locator: ReturnType<Page["locator"]>) =>
    locator.evaluate((element) => {
      const style = getComputedStyle(element);
      return {
        fontSize: style.fontSize,
        color: style.color,
        fontFamily: style.fontFamily,
        letterSpacing: style.letterSpacing,
        textTransform: style.textTransform,
        backgroundColor: style.backgroundColor,
        borderStyle: style.borderTopStyle,
      };
    });
  const text = await look(welcome);
  expect(text.fontSize).toBe("14px");
  expect(text.color).not.toBe("rgb(255, 0, 0)");
  expect(text.fontFamily).not.toContain("Comic Sans");
  expect(text.letterSpacing).toBe("normal");
  expect(text.textTransform).toBe("none");
  const send = await look(chat.getByRole("button", { name: "Send" }));
  expect(send.backgroundColor).not.toBe("rgb(255, 255, 0)");
  expect(send.borderStyle).not.toBe("dashed");
  expect((await look(chat.getByLabel("Your question"))).fontSize).toBe("14px");

  // Nothing of the widget's style reached the page.
  expect(await hostLook()).toEqual(before);
});

test("on a phone the chat opens full screen, by keyboard, and Escape gives focus back to the launcher", async ({ page, request, browser, baseURL }) => {
  const { key } = await publishedAssistant(page, request, browser, baseURL!, { title: "Ask Acme" });
  const visitor = await newVisitor(browser, { viewport: { width: 390, height: 844 } });
  await visitor.goto(siteWithSnippet(allowedSite, baseURL!, key));
  const launcher = visitor.getByRole("button", { name: "Open chat" });
  await expect(launcher).toBeVisible();

  // Tab from the page's last control reaches the launcher; Enter opens the chat.
  await visitor.locator("#host-button").focus();
  await visitor.keyboard.press("Tab");
  await expect(launcher).toBeFocused();
  await expect(launcher).toHaveAttribute("aria-expanded", "false");
  await visitor.keyboard.press("Enter");
  const chat = visitor.getByRole("dialog", { name: "Ask Acme" });
  await expect(chat).toBeVisible();
  await expect(launcher).toHaveAttribute("aria-expanded", "true");
  await expect(chat.getByLabel("Your question")).toBeFocused();
  await expect.poll(() => chat.boundingBox()).toEqual({ x: 0, y: 0, width: 390, height: 844 });

  await visitor.keyboard.press("Escape");
  await expect(chat).toBeHidden();
  await expect(launcher).toBeFocused();
  await expect(launcher).toHaveAttribute("aria-expanded", "false");
});

test("the conversation continues after the visitor reloads the page, until they start a new one", async ({ page, request, browser, baseURL }) => {
  const { key } = await publishedAssistant(page, request, browser, baseURL!, { position: "Bottom left" });
  const visitor = await newVisitor(browser, { viewport: { width: 1280, height: 800 } });
  await visitor.goto(siteWithSnippet(allowedSite, baseURL!, key));
  const launcher = visitor.getByRole("button", { name: "Open chat" });
  // The launcher sits bottom left, as published.
  await expect.poll(async () => (await launcher.boundingBox())?.x).toBeLessThan(100);
  await launcher.click();
  const chat = visitor.getByRole("dialog");
  const questions = chat.locator('[data-part="question"]');
  const answers = chat.locator('[data-part="answer"]');

  // Shift+Enter makes a new line, Enter sends.
  const box = chat.getByLabel("Your question");
  await box.fill("How much were purchases of property, plant and equipment?");
  await box.press("Shift+Enter");
  await box.pressSequentially("In 2018 please.");
  await box.press("Enter");
  await expect(questions).toHaveText(["How much were purchases of property, plant and equipment?\nIn 2018 please."]);
  await expect(answers.first()).toContainText("1,577");
  await expect(answers.first().locator('[data-part="source"]').first()).toBeVisible();

  await visitor.reload();
  await launcher.click();
  await expect(questions).toHaveText(["How much were purchases of property, plant and equipment?\nIn 2018 please."]);
  await expect(answers).toHaveCount(1);
  await expect(answers.first()).toContainText("1,577");
  await expect(answers.first().locator('[data-part="source"]').filter({ hasText: "acme_2018_annual_report.pdf · page 2" })).not.toHaveCount(0);

  // A new conversation starts empty, and stays the current one after a reload.
  await chat.getByRole("button", { name: "New conversation" }).click();
  await expect(questions).toHaveCount(0);
  await expect(chat.locator('[data-part="welcome"]')).toBeVisible();
  await visitor.reload();
  await launcher.click();
  await expect(chat.locator('[data-part="welcome"]')).toBeVisible();
  await expect(questions).toHaveCount(0);
});

test("a visitor rates an answer in the website chat, and the owner sees it in the conversation", async ({ page, request, browser, baseURL }) => {
  const { key, assistantPath } = await publishedAssistant(page, request, browser, baseURL!);
  const visitor = await newVisitor(browser);
  await visitor.goto(siteWithSnippet(allowedSite, baseURL!, key));
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const chat = visitor.getByRole("dialog", { name: "Report helper" });
  const box = chat.getByLabel("Your question");
  await box.fill("How much were purchases of property, plant and equipment?");
  await box.press("Enter");
  const answer = chat.locator('[data-part="answer"]').last();
  await expect(answer).toContainText("1,577");
  const helpful = answer.getByRole("button", { name: "Helpful", exact: true });
  await helpful.click();
  await expect(helpful).toHaveAttribute("aria-pressed", "true");
  const why = answer.getByLabel("Tell us more (optional)");
  await why.fill("Exactly the figure I needed.");
  await answer.getByRole("button", { name: "Send" }).click();
  await expect(answer.getByRole("status")).toHaveText("Thanks for your feedback.");
  await visitor.screenshot({ path: "test-results/widget-feedback.png" });

  // A returning visitor sees their rating.
  await visitor.reload();
  await visitor.getByRole("button", { name: "Open chat" }).click();
  await expect(chat.locator('[data-part="answer"]').last().getByRole("button", { name: "Helpful", exact: true }))
    .toHaveAttribute("aria-pressed", "true");

  // The owner reads it in the conversation, and cannot change it.
  await open(page, assistantPath);
  await expect(page.getByTestId("chat-ratings")).toHaveText("1 helpful · 0 not helpful");
  await page.getByTestId("chat-row").getByRole("link").click();
  await expect(page.getByTestId("visitor-rating")).toHaveText("The visitor found this helpful.“Exactly the figure I needed.”");
  await expect(page.getByRole("button", { name: "Not helpful" })).toHaveCount(0);

  // Turned off, the visitor's chat shows no thumbs.
  await open(page, `${assistantPath}/publish`);
  const publish = page.locator("section#publish");
  await publish.getByLabel("Ask for feedback", { exact: true }).uncheck();
  await publish.getByRole("button", { name: "Save publishing settings" }).click();
  await expect(publish.getByTestId("publish-saved")).toHaveText("Saved.");
  await visitor.reload();
  await visitor.getByRole("button", { name: "Open chat" }).click();
  await expect(chat.locator('[data-part="answer"]').last()).toContainText("1,577");
  await expect(chat.locator('[data-part="rate"]')).toHaveCount(0);
});
