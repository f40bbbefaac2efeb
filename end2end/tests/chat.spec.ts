import { expect, test } from "@playwright/test";
import { assistantWithReport, newSignedInUser } from "./helpers";

test("chat with an assistant built from a PDF: the answer shows the passage and its page", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "chat");
  await assistantWithReport(page, browser, "Report chat");
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
