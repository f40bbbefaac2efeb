import { expect, test } from "@playwright/test";
import { assistantWithReport, newSignedInUser, openTab } from "./helpers";

test("chat with an assistant built from a PDF: the answer shows the passage and its page", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "chat");
  await assistantWithReport(page, browser, "Report chat");
  await openTab(page, "Chat");
  await expect(page.getByTestId("no-chats")).toBeVisible();

  await page.getByRole("button", { name: "New chat" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+\/chats\/\d+$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

  const box = page.getByLabel("Your question");
  await box.fill("How much were purchases of property, plant and equipment?");
  await box.press("Shift+Enter");
  await box.pressSequentially("In 2018 please.");
  await expect(box).toHaveValue("How much were purchases of property, plant and equipment?\nIn 2018 please.");
  await box.press("Enter");
  await expect(box).toHaveValue("");

  const exchange = page.getByTestId("exchange").last();
  await expect(exchange.getByTestId("question")).toHaveText("How much were purchases of property, plant and equipment?\nIn 2018 please.");
  await expect(exchange.getByTestId("answer")).toContainText("No language model is configured");
  const source = exchange.getByTestId("source").first();
  await expect(source).toHaveText("[1] acme_2018_annual_report.pdf · page 2");
  await source.getByRole("button").click();
  const panel = page.getByRole("dialog", { name: "Sources" });
  await expect(panel.locator('[aria-current="true"]').getByTestId("panel-passage")).toContainText("(1,577)");
  await panel.getByRole("button", { name: "Close sources" }).click();
  await expect(panel).toBeHidden();
  // The quoted passages are cited [n] in the text too: a link to the same panel.
  await exchange.getByTestId("answer").getByRole("link", { name: "Source 1" }).click();
  await expect(panel.locator('[aria-current="true"]').getByTestId("panel-page")).toHaveText("Page 2");
  await page.keyboard.press("Escape");

  // The conversation is kept: it is there after a reload, and listed on the assistant's page.
  await page.reload();
  await expect(page.getByTestId("exchange")).toHaveCount(1);
  await expect(page.getByTestId("source").first()).toContainText("page 2");
  await page.getByRole("link", { name: /Report chat/ }).click();
  const row = page.getByTestId("chat-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("How much were purchases of property, plant and equipment?");
  await page.getByRole("button", { name: /Delete chat/ }).click();
  await expect(page.getByTestId("no-chats")).toBeVisible();
});

test("an answer is rated with a thumb and a comment, kept, counted, and exported", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "rate");
  await assistantWithReport(page, browser, "Rated chat");
  await openTab(page, "Chat");
  const assistantPath = new URL(page.url()).pathname;
  await page.getByRole("button", { name: "New chat" }).click();
  await expect(page).toHaveURL(/\/chats\/\d+$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const box = page.getByLabel("Your question");
  await box.fill("How much were purchases of property, plant and equipment?");
  await box.press("Enter");
  const exchange = page.getByTestId("exchange").last();
  await expect(exchange.getByTestId("answer")).toContainText("1,577");

  // A thumb down, then why.
  const down = exchange.getByRole("button", { name: "Not helpful" });
  const up = exchange.getByRole("button", { name: "Helpful", exact: true });
  await expect(down).toHaveAttribute("aria-pressed", "false");
  await down.click();
  await expect(down).toHaveAttribute("aria-pressed", "true");
  await expect(up).toHaveAttribute("aria-pressed", "false");
  const why = exchange.getByLabel("Tell us more (optional)");
  await expect(why).toHaveAttribute("placeholder", "What was wrong? (optional)");
  await why.fill("It should give the 2017 figure as well.");
  await why.press("Enter");
  await expect(exchange.getByTestId("feedback-comment")).toHaveText("“It should give the 2017 figure as well.”");
  await page.screenshot({ path: "test-results/rated-answer.png" });

  // Kept: after a reload, and counted on the assistant's page.
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const kept = page.getByTestId("exchange").last();
  await expect(kept.getByRole("button", { name: "Not helpful" })).toHaveAttribute("aria-pressed", "true");
  await expect(kept.getByTestId("feedback-comment")).toHaveText("“It should give the 2017 figure as well.”");
  await page.goto(assistantPath);
  await expect(page.getByTestId("chat-ratings")).toHaveText("0 helpful · 1 not helpful");

  // The conversations download as CSV from the same page (a plain form).
  await page.getByText("Export conversations").click();
  const downloading = page.waitForEvent("download");
  await page.getByTestId("export-form").getByRole("button", { name: "Download" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^conversations-asst_\w+-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$/);
  const csv = (await (await import("node:fs/promises")).readFile(await download.path())).toString();
  expect(csv.split("\r\n")[0]).toContain("question,answer,status");
  expect(csv).toContain("How much were purchases of property, plant and equipment?");
  expect(csv).toContain(",down,It should give the 2017 figure as well.");

  // A reversed range says why, on the page.
  await page.goto(`${assistantPath}/export?from=2026-03-02&to=2026-03-01`);
  await expect(page.getByTestId("export-error")).toHaveText("The start date must not be after the end date.");

  // Pressing the chosen thumb again withdraws the rating.
  await page.getByTestId("chat-row").getByRole("link").click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const again = page.getByTestId("exchange").last().getByRole("button", { name: "Not helpful" });
  await again.click();
  await expect(again).toHaveAttribute("aria-pressed", "false");
  await expect(page.getByTestId("feedback-comment")).toHaveCount(0);
});
