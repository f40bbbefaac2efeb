import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const PASSWORD = "correct horse battery";

/** A username no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Opens a page and waits until the app has hydrated (when JavaScript runs). */
export async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Fills in and sends the sign-up form. */
export async function signUp(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Password again").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Fills in and sends the log-in form. */
export async function logIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
}

/** Makes an account through the API and logs in to it in the browser. */
export async function newSignedInUser(page: Page, request: APIRequestContext, prefix: string): Promise<string> {
  const username = uniqueName(prefix);
  const created = await request.post("/api/v1/users/", {
    data: { username, email: `${username}@example.com`, password: PASSWORD },
  });
  expect(created.status()).toBe(201);
  await open(page, "/login");
  await logIn(page, username);
  await expect(page).toHaveURL(/\/dashboard$/);
  return username;
}

/** A three-page annual report, printed to PDF by Chromium itself. */
export async function annualReportPdf(browser: import("@playwright/test").Browser): Promise<Buffer> {
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

/** The copy of the app that talks to the mock model (see playwright.config.ts). */
export const modelURL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 1}`;
/** The copy of the app that signs people in through the OpenID provider (end2end/oidc-provider.mjs) as "Test ID". */
export const ssoURL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 2}`;

/**
 * Creates an assistant through the form, with the three-page annual report
 * as its document (uploaded by the form), and waits on its page until the
 * report is processed.
 */
export async function assistantWithReport(page: Page, browser: import("@playwright/test").Browser, name: string): Promise<void> {
  const pdf = await annualReportPdf(browser);
  await open(page, "/assistants/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Company name").fill("Acme");
  await page.getByLabel("Instructions").fill("Answer from the annual report.");
  await page.getByLabel("Documents", { exact: true }).setInputFiles([
    { name: "acme_2018_annual_report.pdf", mimeType: "application/pdf", buffer: pdf },
  ]);
  await page.getByRole("button", { name: "Create assistant" }).click();
  // A new assistant opens on its Documents.
  await expect(page).toHaveURL(/\/assistants\/\d+\/documents$/);
  await expect(page.getByTestId("document-status")).toHaveText("Ready");
}

/** Opens one of an assistant's tabs: Chat, Documents, Analytics, Publish or Settings. */
export async function openTab(page: Page, name: string): Promise<void> {
  const tab = page.getByRole("navigation", { name: "This assistant" }).getByRole("link", { name, exact: true });
  await tab.click();
  await expect(tab).toHaveAttribute("aria-current", "page");
}
