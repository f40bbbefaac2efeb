import { expect, test } from "@playwright/test";
import { assistantWithReport, newSignedInUser, open } from "./helpers";

test("upload a document, watch it become ready, then delete it", async ({ page, request }) => {
  await newSignedInUser(page, request, "docs");

  await open(page, "/assistants/new");
  await page.getByLabel("Name", { exact: true }).fill("Terms helper");
  await page.getByLabel("Company name").fill("Acme");
  await page.getByLabel("Instructions").fill("Quote the clause.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+$/);
  await expect(page.getByTestId("no-documents")).toBeVisible();

  await page.getByLabel("Documents to upload").setInputFiles([
    { name: "terms.md", mimeType: "text/markdown", buffer: Buffer.from("# Payment\n\nInvoices are due within 30 days.\n") },
    { name: "prices.csv", mimeType: "text/csv", buffer: Buffer.from("item,price\nanvil,10\nrocket,99\n") },
  ]);
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(page.getByTestId("document-row")).toHaveCount(2);
  await expect(page.getByTestId("document-status")).toHaveText(["Ready", "Ready"]);
  await expect(page.getByTestId("document-row").first()).toContainText("Markdown");

  await page.getByLabel("Question", { exact: true }).fill("When are invoices due?");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const hit = page.getByTestId("search-hit").first();
  await expect(hit).toContainText("terms.md");
  await expect(hit).toContainText("Invoices are due within 30 days.");
  await expect(hit.locator("mark").first()).toHaveText("Invoices");
  await page.getByLabel("Question", { exact: true }).fill("zebras on unicycles");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByTestId("no-hits")).toBeVisible();

  await page.getByRole("button", { name: "Delete terms.md" }).click();
  await expect(page.getByTestId("document-row")).toHaveCount(1);
  await expect(page.getByTestId("document-row")).toContainText("prices.csv");
});

test("a PDF is processed page by page and search shows the right page", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "pdf");
  await assistantWithReport(page, browser, "Annual report helper");

  const row = page.getByTestId("document-row");
  await expect(row).toHaveCount(1);
  await expect(page.getByTestId("document-status")).toHaveText("Ready");
  await expect(row).toContainText("acme_2018_annual_report.pdf");
  await expect(row).toContainText("PDF");
  await expect(row).toContainText("3 pages");
  // The e2e servers run without an embedding model, and the page says so.
  await expect(row.getByTestId("semantic-status")).toHaveText("Keyword search only: no embedding model is loaded.");

  await page.getByLabel("Question", { exact: true }).fill("What was capital expenditure (purchases of property, plant and equipment) in 2018?");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const hit = page.getByTestId("search-hit").first();
  await expect(hit).toContainText("acme_2018_annual_report.pdf · page 2");
  await expect(hit).toContainText("Purchases of property, plant and equipment");
  await expect(hit).toContainText("(1,577)");

  // A question in other words than the report's finds nothing by keywords
  // (semantic.spec.ts shows the same question with the model loaded).
  await page.getByLabel("Question", { exact: true }).fill("How much did they spend on new factories and machinery?");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByTestId("no-hits")).toBeVisible();
});
