import { expect, test } from "@playwright/test";
import { assistantWithReport, modelURL, newSignedInUser, openTab } from "./helpers";

// The copy of the app whose model is the mock (end2end/mock-model.mjs): it
// answers from the passage holding "1,577", a few words every 400 ms.
test.use({ baseURL: modelURL });

test("with a model, the answer streams in and its citation opens the passage and page", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "model");
  await assistantWithReport(page, browser, "Model chat");
  await openTab(page, "Chat");
  await page.getByRole("button", { name: "New chat" }).click();
  await expect(page).toHaveURL(/\/chats\/\d+$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

  const box = page.getByLabel("Your question");
  await box.fill("What were purchases of property, plant and equipment in 2018?");
  await box.press("Enter");
  const answer = page.getByTestId("answer").last();
  // The first words are on the page while the model is still writing.
  await expect(answer).toContainText("Purchases of");
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();
  expect(await answer.textContent()).not.toContain("in 2018");
  // Then all of it, as Markdown, with its citation as a link.
  await expect(answer).toHaveText("Purchases of property, plant and equipment were $1,577 million in 2018 [1].");
  await expect(answer.locator("strong")).toHaveText("$1,577 million");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  await expect(page.getByTestId("source")).toHaveText(["[1] acme_2018_annual_report.pdf · page 2"]);

  await answer.getByRole("link", { name: "Source 1" }).click();
  const panel = page.getByRole("dialog", { name: "Sources" });
  await expect(panel).toBeVisible();
  const selected = panel.locator('[aria-current="true"]');
  await expect(selected.getByTestId("panel-document")).toHaveText("acme_2018_annual_report.pdf");
  await expect(selected.getByTestId("panel-page")).toHaveText("Page 2");
  await expect(selected.getByTestId("panel-passage")).toContainText("Purchases of property, plant and equipment (1,577)");
  await expect(panel.getByRole("button", { name: "Close sources" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(panel).toBeHidden();

  // Stopping keeps what was written so far.
  await box.fill("Say it again, slowly.");
  await box.press("Enter");
  const second = page.getByTestId("answer").last();
  await expect(second).toContainText("Purchases of");
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByText("Stopped.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  const partial = await second.textContent();
  expect(partial).not.toContain("in 2018");

  // After a reload the stored answers keep their citation links, and on a
  // phone the sources open as a sheet that fits the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(async () => {
    // The server keeps the words within moments of the Stop: what was shown,
    // and at most what the model wrote while the Stop was on its way (under
    // load a piece may cross it), never the rest of the answer.
    await page.reload();
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await expect(page.getByTestId("exchange")).toHaveCount(2);
    const kept = (await page.getByTestId("answer").last().textContent()) ?? "";
    expect(kept.trim().startsWith((partial ?? "").trim())).toBeTruthy();
    expect(kept).not.toContain("in 2018");
  }).toPass({ timeout: 10_000 });
  await page.getByTestId("answer").first().getByRole("link", { name: "Source 1" }).click();
  await expect(panel.getByTestId("panel-page")).toHaveText("Page 2");
  const box2 = await panel.boundingBox();
  expect(box2 && box2.x >= 0 && box2.x + box2.width <= 390 && box2.y + box2.height <= 844 + 1).toBeTruthy();
  await panel.getByRole("button", { name: "Close sources" }).click();
  await expect(panel).toBeHidden();
});
