import { expect, test } from "@playwright/test";
import { assistantWithReport, newSignedInUser, open, openTab } from "./helpers";

const COVERED = "How much were purchases of property, plant and equipment?";
const UNCOVERED = "Who won the football world cup in 1954?";

test("an owner reads how the assistant does: cards, a chart with its numbers, questions to look at", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "figures");
  await assistantWithReport(page, browser, "Figures");
  await openTab(page, "Chat");
  const assistantPath = new URL(page.url()).pathname;
  await page.getByRole("button", { name: "New chat" }).click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const box = page.getByLabel("Your question");
  for (const question of [COVERED, UNCOVERED]) {
    await box.fill(question);
    await box.press("Enter");
    await expect(page.getByTestId("exchange").last().getByTestId("answer")).not.toBeEmpty();
    await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  }
  await page.getByTestId("exchange").first().getByRole("button", { name: "Helpful", exact: true }).click();
  await expect(page.getByTestId("exchange").first().getByRole("button", { name: "Helpful", exact: true }))
    .toHaveAttribute("aria-pressed", "true");

  // The dashboard's card: this week's questions, answered share, thumbs up.
  await open(page, "/dashboard");
  const card = page.getByTestId("assistant-card");
  await expect(card).toContainText("2 questions this week");
  await expect(card.getByTestId("assistant-week")).toContainText("Answered50%");
  await expect(card.getByTestId("assistant-week")).toContainText("Thumbs up100%");

  await open(page, assistantPath);
  await openTab(page, "Analytics");
  await expect(page).toHaveURL(/\/analytics$/);
  await expect(page.getByRole("heading", { name: "Analytics" })).toBeVisible();
  const cards = page.getByTestId("analytics-card");
  await expect(cards.filter({ hasText: "Questions" })).toContainText("2");
  await expect(cards.filter({ hasText: "Answered" })).toContainText("50%");
  await expect(cards.filter({ hasText: "Not covered" })).toContainText("1");
  await expect(cards.filter({ hasText: "Thumbs up" })).toContainText("100%");
  const chart = page.getByRole("img", { name: "Questions per day, by surface" });
  await expect(chart).toBeVisible();
  await page.getByText("The numbers per day (table)").click();
  const today = new Date().toISOString().slice(0, 10);
  await expect(page.getByTestId("per-day-table").getByRole("row", { name: new RegExp(today) })).toContainText("2");
  await expect(page.getByTestId("cited-documents")).toContainText("acme_2018_annual_report.pdf");
  await expect(page.getByTestId("answers-per-model")).toContainText("No model (quoted passages)");
  await page.screenshot({ path: "test-results/analytics.png", fullPage: true });

  // The period is a link; the latest question not covered opens its chat.
  await page.getByRole("navigation", { name: "Period" }).getByRole("link", { name: "7 days" }).click();
  await expect(page).toHaveURL(/\?days=7$/);
  await expect(page.getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "page");
  await page.getByTestId("not-covered").getByRole("link", { name: UNCOVERED }).click();
  await expect(page).toHaveURL(/\/chats\/\d+#m\d+$/);
  await expect(page.getByTestId("question").last()).toHaveText(UNCOVERED);

  // On a phone, without JavaScript, the page is whole and fits.
  const phone = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 390, height: 844 },
    storageState: await page.context().storageState(),
  });
  const small = await phone.newPage();
  await small.goto(`${assistantPath}/analytics?days=90`);
  await expect(small.getByRole("link", { name: "90 days" })).toHaveAttribute("aria-current", "page");
  await expect(small.getByTestId("analytics-card").filter({ hasText: "Questions" })).toContainText("2");
  await expect(small.getByRole("img", { name: "Questions per day, by surface" })).toBeVisible();
  const width = await small.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await small.screenshot({ path: "test-results/analytics-phone.png", fullPage: true });
  await phone.close();
});
