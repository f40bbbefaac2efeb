import { expect, test } from "@playwright/test";
import { newSignedInUser, openTab } from "./helpers";

test("create, edit and delete an assistant from the dashboard", async ({ page, request }) => {
  await newSignedInUser(page, request, "maker");
  await expect(page.getByTestId("no-assistants")).toBeVisible();

  await page.getByRole("link", { name: "New assistant" }).first().click();
  await expect(page).toHaveURL(/\/assistants\/new$/);
  // Spaces pass the browser's own "required" check; the server trims them.
  await page.getByLabel("Name", { exact: true }).fill("   ");
  await page.getByLabel("Company name").fill("3M");
  await page.getByLabel("Instructions").fill("Answer questions about our 2018 annual report.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page.getByTestId("error-name")).toHaveText("This field may not be blank.");
  await expect(page.getByLabel("Company name")).toHaveValue("3M");

  await page.getByLabel("Name", { exact: true }).fill("Annual report helper");
  await page.getByLabel("Company name").fill("3M");
  await page.getByLabel("Instructions").fill("Answer questions about our 2018 annual report.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+\/documents$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Annual report helper");
  await expect(page.getByTestId("no-documents")).toBeVisible();

  await openTab(page, "Settings");
  await expect(page).toHaveURL(/\/assistants\/\d+\/settings$/);

  await page.getByLabel("Name", { exact: true }).fill("10-K helper");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("10-K helper");

  await page.getByRole("link", { name: "← Assistants" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  const card = page.getByTestId("assistant-card");
  await expect(card).toHaveCount(1);
  await expect(card).toContainText("10-K helper");
  await expect(card).toContainText("3M");

  await card.getByRole("link").click();
  await expect(page).toHaveURL(/\/assistants\/\d+$/);
  await openTab(page, "Settings");
  await page.getByText("Delete assistant…").click();
  await page.getByRole("button", { name: "Delete “10-K helper”" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("no-assistants")).toBeVisible();
});
