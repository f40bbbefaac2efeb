import { expect, test } from "@playwright/test";
import { assistantWithReport, newSignedInUser, open } from "./helpers";

test("upload a document, watch it become ready, then delete it", async ({ page, request }) => {
  await newSignedInUser(page, request, "docs");

  await open(page, "/assistants/new");
  await page.getByLabel("Name", { exact: true }).fill("Terms helper");
  await page.getByLabel("Company name").fill("Acme");
  await page.getByLabel("Instructions").fill("Quote the clause.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+\/documents$/);
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

test("each document shows what it is, the owner corrects it, and search explains its ranking", async ({ page, request }) => {
  await newSignedInUser(page, request, "facts");
  await open(page, "/assistants/new");
  await page.getByLabel("Name", { exact: true }).fill("Filings");
  await page.getByLabel("Company name").fill("Various");
  await page.getByLabel("Instructions").fill("Answer from the filings.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+\/documents$/);

  const cover = (registrant: string, yearEnd: string, body: string) =>
    `FORM 10-K\n\nFor the fiscal year ended ${yearEnd}\n\n${registrant}\n(Exact name of registrant as specified in its charter)\n\n## Results\n\n${body}\n`;
  await page.getByLabel("Documents to upload").setInputFiles([
    { name: "walmart.md", mimeType: "text/markdown", buffer: Buffer.from(cover("Walmart Inc.", "January 31, 2018", "Total revenues were $500,343 million in fiscal 2018.")) },
    { name: "nike.md", mimeType: "text/markdown", buffer: Buffer.from(cover("NIKE, Inc.", "May 31, 2023", "Revenues were $51.2 billion in fiscal 2023.")) },
  ]);
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(page.getByTestId("document-status")).toHaveText(["Ready", "Ready"]);
  const walmart = page.getByTestId("document-row").filter({ hasText: "walmart.md" });
  const nike = page.getByTestId("document-row").filter({ hasText: "nike.md" });
  await expect(walmart.getByTestId("document-metadata")).toHaveText("Walmart Inc. · 10-K · FY2018");
  await expect(nike.getByTestId("document-metadata")).toHaveText("NIKE, Inc. · 10-K · FY2023");

  // The owner corrects values (the fields take at most 200 characters,
  // as the server does).
  await nike.getByLabel("Edit the details of nike.md").click();
  await expect(nike.getByLabel("Company")).toHaveAttribute("maxlength", "200");
  // A refused value: the page comes back with this document's editor
  // open, its error and what was typed; the other editor stays closed.
  await nike.getByLabel("Company").fill("Nike\tInc.");
  await nike.getByRole("button", { name: "Save details" }).click();
  await expect(nike.getByTestId("error-company")).toHaveText("Control characters are not allowed.");
  await expect(nike.getByLabel("Company")).toHaveValue("Nike\tInc.");
  await expect(walmart.getByTestId("error-company")).toHaveCount(0);
  await expect(walmart.getByLabel("Company")).toBeHidden();
  await nike.getByLabel("Company").fill("Nike Incorporated");
  await nike.getByLabel("Period").fill("FY2023 (year to May 31)");
  await nike.getByRole("button", { name: "Save details" }).click();
  await expect(nike.getByTestId("document-metadata")).toHaveText("Nike Incorporated · 10-K · FY2023 (year to May 31)");
  await page.reload();
  await expect(page.getByTestId("document-row").filter({ hasText: "nike.md" }).getByTestId("document-metadata"))
    .toHaveText("Nike Incorporated · 10-K · FY2023 (year to May 31)");

  // Search names Walmart: its filing is read first, and says why.
  await page.getByLabel("Question", { exact: true }).fill("Walmart revenues");
  await page.getByLabel("Explain the ranking").check();
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/explain=true/);
  const hit = page.getByTestId("search-hit").first();
  await expect(hit).toContainText("walmart.md");
  await expect(hit.getByTestId("search-why")).toContainText("Keywords: #1");
  await expect(hit.getByTestId("search-why")).toContainText("From a document the question names (by company)");
  await page.screenshot({ path: "test-results/document-metadata.png", fullPage: true });
});
