import { expect, test } from "@playwright/test";
import { assistantWithReport, modelURL, newSignedInUser } from "./helpers";

// The copy of the app that runs semantic search with the embedding model
// (see playwright.config.ts).
test.use({ baseURL: modelURL });

test("a question in other words than the report's finds the right page once the semantic index is ready", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "semantic");
  await assistantWithReport(page, browser, "Semantic helper");

  const row = page.getByTestId("document-row");
  await expect(row.getByTestId("semantic-status")).toHaveText(/^Semantic index ready \(\d+ passages\)\.$/, { timeout: 30_000 });

  // No word of the question is in the cash-flow statement that answers it.
  await page.getByLabel("Question", { exact: true }).fill("How much did they spend on new factories and machinery?");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const hit = page.getByTestId("search-hit").first();
  await expect(hit).toContainText("acme_2018_annual_report.pdf · page 2");
  await expect(hit).toContainText("Purchases of property, plant and equipment");
});
