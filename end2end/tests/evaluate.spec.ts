import { expect, test } from "@playwright/test";
import { assistantWithReport, newSignedInUser, open, openTab } from "./helpers";

const UNCOVERED = "Who won the football world cup in 1954?";
const CAPEX = "How much were purchases of property, plant and equipment?";
const REPORT = "acme_2018_annual_report.pdf";

test("an owner builds a test set, runs it, reads the results and the history, and moves it as CSV", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "evaluator");
  await assistantWithReport(page, browser, "Evaluated");
  const assistantPath = new URL(page.url()).pathname.replace(/\/documents$/, "");

  // A question the documents did not cover, one click from the test set.
  await openTab(page, "Chat");
  await page.getByRole("button", { name: "New chat" }).click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Your question").fill(UNCOVERED);
  await page.getByLabel("Your question").press("Enter");
  await expect(page.getByTestId("exchange").last().getByTestId("answer")).not.toBeEmpty();
  await open(page, `${assistantPath}/analytics`);
  await page.getByTestId("not-covered").getByTestId("add-to-evaluation").first().click();
  await expect(page).toHaveURL(/\/evaluate\?question=/);
  await expect(page.getByRole("heading", { name: "Evaluate", exact: true })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Question" })).toHaveValue(UNCOVERED);

  // Nothing said about a good answer: refused with a sentence.
  await page.getByRole("button", { name: "Add the question" }).click();
  await expect(page.getByTestId("form-alert")).toContainText("Say what a good answer needs");

  await page.getByLabel("Pages").fill("3");
  await page.getByRole("button", { name: "Add the question" }).click();
  await expect(page.getByTestId("question")).toHaveCount(1);
  await expect(page.getByTestId("question").first()).toContainText(UNCOVERED);

  await page.getByRole("textbox", { name: "Question" }).fill(CAPEX);
  await page.getByLabel("The answer comes from").selectOption(REPORT);
  await page.getByLabel("Pages").fill("2");
  await page.getByRole("button", { name: "Add the question" }).click();
  await expect(page.getByTestId("question")).toHaveCount(2);
  await expect(page.getByTestId("question").nth(1)).toContainText(`${REPORT} · p. 2`);
  // The form is empty again for the next question.
  await expect(page.getByRole("textbox", { name: "Question" })).toHaveValue("");
  await expect(page.getByLabel("Pages")).toHaveValue("");
  await expect(page).not.toHaveURL(/question=/);

  // Run: the capex question finds its page, the other finds nothing.
  await page.getByTestId("run-evaluation").click();
  const summary = page.getByTestId("run-summary");
  await expect(summary).toBeVisible({ timeout: 30_000 });
  await expect(summary).toContainText("Passed1 of 2");
  await expect(summary).toContainText("hit@550%");
  await expect(summary).toContainText("Not checked");
  const results = page.getByTestId("result");
  await expect(results.filter({ hasText: CAPEX })).toHaveAttribute("data-outcome", "passed");
  await expect(results.filter({ hasText: CAPEX })).toContainText(`1. ${REPORT} p. 2`);
  await expect(results.filter({ hasText: UNCOVERED })).toHaveAttribute("data-outcome", "failed");
  await expect(results.filter({ hasText: UNCOVERED })).toContainText("None of the 5 passages found came from page 3.");

  // Fix the expectation (the question has no answer in the report: drop it),
  // run again: the history shows both runs, as a chart and a table.
  await page.getByTestId("question").filter({ hasText: UNCOVERED }).getByRole("button", { name: /Remove/ }).click();
  await expect(page.getByTestId("question")).toHaveCount(1);
  await page.getByTestId("run-evaluation").click();
  await expect(page.getByTestId("run-summary")).toContainText("Passed1 of 1", { timeout: 30_000 });
  await expect(page.getByRole("img", { name: "Evaluation runs: passed and hit@5" })).toBeVisible();
  await expect(page.getByTestId("runs-table").getByRole("row")).toHaveCount(3);
  await page.screenshot({ path: "test-results/evaluate.png", fullPage: true });

  // Edit a question in place.
  await page.getByRole("link", { name: `Edit “${CAPEX}”` }).click();
  await expect(page.getByRole("heading", { name: "Edit the question" })).toBeVisible();
  await expect(page.getByLabel("Pages")).toHaveValue("2");
  await page.getByLabel("Phrases the answer must contain").fill("1,577");
  await page.getByRole("button", { name: "Save the question" }).click();
  await expect(page.getByRole("heading", { name: "Add a question" })).toBeVisible();
  await expect(page.getByTestId("question").first()).toContainText("“1,577”");

  // The set as CSV, out and back in.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/test-questions\.csv$/);
  const csv = await (await import("node:fs/promises")).readFile(await file.path(), "utf8");
  expect(csv).toContain(`question,document,pages,phrases`);
  expect(csv).toContain(`"${CAPEX}",${REPORT},2,"1,577"`);

  await page.getByLabel("CSV file of test questions").setInputFiles({
    name: "more.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("question,pages\nWhat are the risk factors?,3\nBroken?,page three\n"),
  });
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("import-error")).toContainText('Line 3, pages: "page" is not a page number');
  await expect(page.getByTestId("question")).toHaveCount(1);
  await page.getByLabel("CSV file of test questions").setInputFiles({
    name: "more.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`question,pages\nWhat are the risk factors?,3\n"${CAPEX}",2\n`),
  });
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("imported")).toHaveText("Imported: 1 added, 1 updated.");
  await expect(page.getByTestId("question")).toHaveCount(2);

  // On a phone, without JavaScript: the page fits and its forms work.
  const phone = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 390, height: 844 },
    storageState: await page.context().storageState(),
  });
  const small = await phone.newPage();
  await small.goto(`${assistantPath}/evaluate`);
  await expect(small.getByTestId("run-summary")).toContainText("Passed1 of 1");
  await small.getByRole("textbox", { name: "Question" }).fill("What was net income?");
  await small.getByLabel("Pages").fill("2");
  await small.getByRole("button", { name: "Add the question" }).click();
  await expect(small.getByTestId("question")).toHaveCount(3);
  const width = await small.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await small.screenshot({ path: "test-results/evaluate-phone.png", fullPage: true });
  await phone.close();
});
