import { expect, test } from "@playwright/test";
import { newSignedInUser, open } from "./helpers";

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

  await page.getByLabel("Question").fill("When are invoices due?");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const hit = page.getByTestId("search-hit").first();
  await expect(hit).toContainText("terms.md");
  await expect(hit).toContainText("Invoices are due within 30 days.");
  await expect(hit.locator("mark").first()).toHaveText("Invoices");
  await page.getByLabel("Question").fill("zebras on unicycles");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByTestId("no-hits")).toBeVisible();

  await page.getByRole("button", { name: "Delete terms.md" }).click();
  await expect(page.getByTestId("document-row")).toHaveCount(1);
  await expect(page.getByTestId("document-row")).toContainText("prices.csv");
});

/** A three-page annual report, printed to PDF by Chromium itself. */
async function annualReportPdf(browser: import("@playwright/test").Browser): Promise<Buffer> {
  const printer = await browser.newPage();
  await printer.setContent(`
    <style>section { page-break-after: always; font: 12pt serif } td { padding: 2px 12px }</style>
    <section><h1>ACME CORPORATION</h1><p>Annual report for the fiscal year 2018. Letter to our shareholders.</p></section>
    <section><h2>CONSOLIDATED STATEMENTS OF CASH FLOWS</h2>
      <table><tr><td>Net income</td><td>4,756</td><td>4,822</td></tr>
      <tr><td>Purchases of property, plant and equipment</td><td>(1,577)</td><td>(1,373)</td></tr>
      <tr><td>Dividends paid</td><td>(3,193)</td><td>(2,803)</td></tr></table></section>
    <section><h2>RISK FACTORS</h2><p>Roadrunner related losses remain a material risk to the business.</p></section>`);
  const pdf = await printer.pdf({ format: "A4" });
  await printer.close();
  return pdf;
}

test("a PDF is processed page by page and search shows the right page", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "pdf");
  const pdf = await annualReportPdf(browser);

  await open(page, "/assistants/new");
  await page.getByLabel("Name", { exact: true }).fill("Annual report helper");
  await page.getByLabel("Company name").fill("Acme");
  await page.getByLabel("Instructions").fill("Answer from the annual report.");
  await page.getByLabel("Documents", { exact: true }).setInputFiles([
    { name: "acme_2018_annual_report.pdf", mimeType: "application/pdf", buffer: pdf },
  ]);
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+$/);

  const row = page.getByTestId("document-row");
  await expect(row).toHaveCount(1);
  await expect(page.getByTestId("document-status")).toHaveText("Ready");
  await expect(row).toContainText("acme_2018_annual_report.pdf");
  await expect(row).toContainText("PDF");
  await expect(row).toContainText("3 pages");

  await page.getByLabel("Question").fill("What was capital expenditure (purchases of property, plant and equipment) in 2018?");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const hit = page.getByTestId("search-hit").first();
  await expect(hit).toContainText("acme_2018_annual_report.pdf · page 2");
  await expect(hit).toContainText("Purchases of property, plant and equipment");
  await expect(hit).toContainText("(1,577)");
});
