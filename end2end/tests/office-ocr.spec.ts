import { expect, test } from "@playwright/test";
import { newSignedInUser, open, openTab } from "./helpers";

/** A one-page PDF with no text layer: a picture of a printed page, as a scanner makes it. */
async function scannedPdf(browser: import("@playwright/test").Browser, lines: string[]): Promise<Buffer> {
  const printer = await browser.newPage({ viewport: { width: 900, height: 1200 } });
  await printer.setContent(`<body style="margin:60px;background:#fff"><div style="font:22px serif;line-height:1.6">${lines.map((l) => `<p>${l}</p>`).join("")}</div></body>`);
  const picture = await printer.screenshot({ fullPage: true });
  await printer.setContent(`<body style="margin:0"><img style="width:100%" src="data:image/png;base64,${picture.toString("base64")}"></body>`);
  const pdf = await printer.pdf({ format: "A4" });
  await printer.close();
  return pdf;
}

async function newAssistant(page: import("@playwright/test").Page, name: string): Promise<void> {
  await open(page, "/assistants/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Company name").fill("Acme");
  await page.getByLabel("Instructions").fill("Quote the clause.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+\/documents$/);
}

test("a scanned contract is read by OCR, and the owner chooses the OCR languages", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "ocr");
  await newAssistant(page, "Contracts");
  const pdf = await scannedPdf(browser, [
    "Master services agreement between Acme and Globex.",
    "Either party may terminate with ninety days written notice.",
  ]);
  await page.getByLabel("Documents to upload").setInputFiles([{ name: "signed.pdf", mimeType: "application/pdf", buffer: pdf }]);
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(page.getByTestId("document-status")).toHaveText("Ready", { timeout: 60_000 });
  await expect(page.getByTestId("document-row")).toContainText("1 read by OCR");

  await page.getByLabel("Question", { exact: true }).fill("How much notice is needed to terminate?");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const hit = page.getByTestId("search-hit").first();
  await expect(hit).toContainText("signed.pdf · page 1");
  await expect(hit).toContainText("ninety days written notice");

  await openTab(page, "Settings");
  const panel = page.locator("#ocr");
  await expect(panel.getByLabel("English")).toBeChecked();
  await panel.getByLabel("German").check();
  await panel.getByRole("button", { name: "Save languages" }).click();
  await expect(panel.getByTestId("ocr-saved")).toHaveText("Saved.");
  await expect(panel.getByLabel("German")).toBeChecked();
  await expect(panel.getByLabel("English")).toBeChecked();

  // No language at all is refused, and nothing is lost.
  await panel.getByLabel("German").uncheck();
  await panel.getByLabel("English").uncheck();
  await panel.getByRole("button", { name: "Save languages" }).click();
  await expect(page.locator("#ocr").getByRole("alert")).toContainText("Choose at least one language.");
  await page.reload();
  await expect(page.locator("#ocr").getByLabel("German")).toBeChecked();
});

test("office files, RTF and an e-mail with its attachment become documents", async ({ page, request }) => {
  await newSignedInUser(page, request, "office");
  await newAssistant(page, "Board pack");
  const email = [
    "From: Ada Lovelace <ada@example.com>",
    "To: board@example.com",
    "Subject: Q3 figures",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "The regional figures are attached.",
    "--b1",
    'Content-Type: text/csv; name="regions.csv"',
    'Content-Disposition: attachment; filename="regions.csv"',
    "",
    "region,revenue",
    "Lakeshore,410",
    "--b1--",
    "",
  ].join("\r\n");
  await page.getByLabel("Documents to upload").setInputFiles([
    { name: "q3.eml", mimeType: "message/rfc822", buffer: Buffer.from(email) },
    { name: "minutes.rtf", mimeType: "application/rtf", buffer: Buffer.from("{\\rtf1\\ansi The board approved a dividend of 42 cents.\\par}") },
  ]);
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  // The attachment appears as a document of its own.
  await expect(page.getByTestId("document-row")).toHaveCount(3, { timeout: 30_000 });
  await expect(page.getByTestId("document-status")).toHaveText(["Ready", "Ready", "Ready"], { timeout: 30_000 });
  const mail = page.getByTestId("document-row").filter({ hasText: "q3.eml" });
  await expect(mail).toContainText("E-mail");
  await expect(mail.getByTestId("document-notice")).toHaveText("Attachments added as documents: regions.csv.");
  await expect(page.getByTestId("document-row").filter({ hasText: "minutes.rtf" })).toContainText("RTF");

  await page.getByLabel("Question", { exact: true }).fill("Lakeshore revenue");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByTestId("search-hit").first()).toContainText("regions.csv");
});
