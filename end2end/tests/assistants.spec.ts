import { expect, test } from "@playwright/test";
import { assistantWithReport, newSignedInUser, openTab } from "./helpers";

test("create, edit and delete an assistant from the dashboard", async ({ page, request }) => {
  await newSignedInUser(page, request, "maker");
  await expect(page.getByTestId("no-assistants")).toBeVisible();

  await page.getByRole("link", { name: "New assistant" }).first().click();
  await expect(page).toHaveURL(/\/assistants\/new$/);
  // Spaces pass the browser's own "required" check; the server trims them.
  await page.getByLabel("Name", { exact: true }).fill("   ");
  await page.getByLabel("Company name").fill("3M");
  await page.getByLabel("Instructions").fill("Answer questions about our 2018 annual report.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page.getByTestId("error-name")).toHaveText("This field may not be blank.");
  await expect(page.getByLabel("Company name")).toHaveValue("3M");

  await page.getByLabel("Name", { exact: true }).fill("Annual report helper");
  await page.getByLabel("Company name").fill("3M");
  await page.getByLabel("Instructions").fill("Answer questions about our 2018 annual report.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+\/documents$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Annual report helper");
  await expect(page.getByTestId("no-documents")).toBeVisible();

  await openTab(page, "Settings");
  await expect(page).toHaveURL(/\/assistants\/\d+\/settings$/);

  await page.getByLabel("Name", { exact: true }).fill("10-K helper");
  // While a form is on its way its button says so and cannot send it
  // twice. (The page keeps this sending back, to look at that moment.)
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.evaluate(() => window.addEventListener("submit", (event) => event.preventDefault(), { once: true }));
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("button", { name: "Saving…" })).toBeDisabled();
  await page.reload();
  await page.getByLabel("Name", { exact: true }).fill("10-K helper");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
  await expect(page.getByRole("button", { name: "Save changes" })).toBeEnabled();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("10-K helper");

  await page.getByRole("link", { name: "← Assistants" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  const card = page.getByTestId("assistant-card");
  await expect(card).toHaveCount(1);
  await expect(card).toContainText("10-K helper");
  await expect(card).toContainText("3M");

  await card.getByRole("link").click();
  await expect(page).toHaveURL(/\/assistants\/\d+$/);
  await openTab(page, "Settings");
  await page.getByText("Delete assistant…").click();
  await page.getByRole("button", { name: "Delete “10-K helper”" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("no-assistants")).toBeVisible();
});

test("every tab of an assistant has its own address and works on a phone without JavaScript", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "tabs");
  await assistantWithReport(page, browser, "Phone tabs");
  const base = new URL(page.url()).pathname.replace(/\/documents$/, "");
  const phone = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 390, height: 844 },
    storageState: await page.context().storageState(),
  });
  const small = await phone.newPage();
  const tabs: [string, string, string][] = [
    ["Chat", "", "New chat"],
    ["Documents", "/documents", "Upload"],
    ["Analytics", "/analytics", "7 days"],
    ["Publish", "/publish", "Save publishing settings"],
    ["Settings", "/settings", "Save changes"],
  ];
  for (const [name, path, control] of tabs) {
    await small.goto(base + path);
    const nav = small.getByRole("navigation", { name: "This assistant" });
    await expect(nav.getByRole("link", { name, exact: true })).toHaveAttribute("aria-current", "page");
    await expect(nav.getByRole("link", { name: "Settings", exact: true })).toHaveAttribute("href", `${base}/settings`);
    await expect(small.getByRole("heading", { level: 1 })).toHaveText("Phone tabs");
    await expect(small.getByText(control, { exact: true }).first()).toBeVisible();
    const width = await small.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${name} fits a phone`).toBeLessThanOrEqual(390);
    await small.screenshot({ path: `test-results/tab-${name.toLowerCase()}-phone.png`, fullPage: true });
  }

  // Without JavaScript: search the documents, rename, start a chat.
  await small.goto(`${base}/documents`);
  await small.getByLabel("Question", { exact: true }).fill("purchases of property, plant and equipment");
  await small.getByRole("button", { name: "Search", exact: true }).click();
  await expect(small).toHaveURL(/\/documents\?q=/);
  await expect(small.getByTestId("search-hit").first()).toContainText("page 2");
  await small.goto(`${base}/settings`);
  await small.getByLabel("Name", { exact: true }).fill("Phone tabs renamed");
  await small.getByRole("button", { name: "Save changes" }).click();
  await expect(small.getByRole("heading", { level: 1 })).toHaveText("Phone tabs renamed");
  await small.goto(base);
  await small.getByRole("button", { name: "New chat" }).click();
  await expect(small).toHaveURL(/\/assistants\/\d+\/chats\/\d+$/);
  await phone.close();
});
