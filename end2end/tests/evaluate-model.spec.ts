import { expect, test } from "@playwright/test";
import { assistantWithReport, modelURL, newSignedInUser, openTab } from "./helpers";

// The copy of the app whose model is the mock (end2end/mock-model.mjs): it
// answers "Purchases of property, plant and equipment were **$1,577 million**
// in 2018 [n]", citing the passage that holds "1,577".
test.use({ baseURL: modelURL });

const CAPEX = "What were purchases of property, plant and equipment in 2018?";
const WRONG = "How much were purchases of property, plant and equipment in 2017?";

test("with a model, a run checks each answer's phrases and cited page", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "evalmodel");
  await assistantWithReport(page, browser, "Model evaluation");
  await openTab(page, "Evaluate");
  await expect(page.getByTestId("no-runs")).toBeVisible();

  const question = page.getByRole("textbox", { name: "Question" });
  for (const [text, phrase] of [[CAPEX, "$1,577 million"], [WRONG, "$1,373 million"]]) {
    await question.fill(text);
    await page.getByLabel("Pages").fill("2");
    await page.getByLabel("Phrases the answer must contain").fill(phrase);
    await page.getByRole("button", { name: "Add the question" }).click();
    await expect(page.getByTestId("question").filter({ hasText: text })).toContainText(`“${phrase}”`);
  }

  await page.getByTestId("run-evaluation").click();
  const summary = page.getByTestId("run-summary");
  await expect(summary).toBeVisible({ timeout: 25_000 });
  await expect(summary).toContainText("Passed1 of 2");
  await expect(summary).toContainText("Answers1 of 2");
  await expect(summary).toContainText("hit@5100%");
  const results = page.getByTestId("result");
  const good = results.filter({ hasText: CAPEX });
  await expect(good).toHaveAttribute("data-outcome", "passed");
  await good.getByText("The answer").click();
  await expect(good).toContainText("were **$1,577 million** in 2018 [");
  const bad = results.filter({ hasText: WRONG });
  await expect(bad).toHaveAttribute("data-outcome", "failed");
  await expect(bad).toContainText('The answer lacks "$1,373 million".');
  await page.screenshot({ path: "test-results/evaluate-model.png", fullPage: true });

  // The run's questions are not chats: the Chat tab has none.
  await openTab(page, "Chat");
  await expect(page.getByText("No chats yet")).toBeVisible();
});
