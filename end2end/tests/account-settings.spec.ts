import { expect, test } from "@playwright/test";
import { PASSWORD, logIn, newSignedInUser, open } from "./helpers";

const NEW_PASSWORD = "a much longer passphrase";

test("changing the password keeps this browser signed in and signs the others out", async ({ page, request, browser }) => {
  const username = await newSignedInUser(page, request, "pat");
  const other = await browser.newPage();
  await open(other, "/login");
  await logIn(other, username);
  await expect(other).toHaveURL(/\/dashboard$/);

  await open(page, "/account");
  const card = page.locator("section", { has: page.getByRole("heading", { name: "Password" }) });
  await card.getByLabel("Current password").fill("not my password");
  await card.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await card.getByLabel("New password, again").fill(NEW_PASSWORD);
  await card.getByRole("button", { name: "Change password" }).click();
  await expect(card.getByText("Your current password is not correct.")).toBeVisible();
  await expect(page.getByTestId("password-changed")).toHaveCount(0);

  // Passwords typed are never sent back to the page: each try types them all.
  await expect(card.getByLabel("New password", { exact: true })).toHaveValue("");
  await card.getByLabel("Current password").fill(PASSWORD);
  await card.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await card.getByLabel("New password, again").fill("a much longer passphrasE");
  await card.getByRole("button", { name: "Change password" }).click();
  await expect(card.getByText("The two passwords do not match.")).toBeVisible();

  await card.getByLabel("Current password").fill(PASSWORD);
  await card.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await card.getByLabel("New password, again").fill(NEW_PASSWORD);
  await card.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("password-changed")).toBeVisible();
  await expect(card.getByLabel("Current password")).toHaveValue("");
  await page.screenshot({ path: "test-results/account-password-changed.png", fullPage: true });

  await page.reload();
  await expect(page).toHaveURL(/\/account$/);
  await other.goto("/account");
  await expect(other).toHaveURL(/\/login/);
  await logIn(other, username, PASSWORD);
  await expect(other.getByRole("alert")).toHaveText("Unable to log in with provided credentials.");
  await other.getByLabel("Password").fill(NEW_PASSWORD);
  await other.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(other).toHaveURL(/\/(dashboard|account)$/);
});

test("deleting the account asks for the password, then removes it", async ({ page, request }) => {
  const username = await newSignedInUser(page, request, "del");
  await open(page, "/account");
  const deleteButton = page.getByRole("button", { name: "Delete my account permanently" });
  await expect(deleteButton).toBeHidden();
  await page.getByText("Delete my account…").click();
  await expect(deleteButton).toBeVisible();
  await page.getByLabel("Enter your password to confirm").fill("not my password");
  await deleteButton.click();
  await expect(page.getByText("That is not your password.")).toBeVisible();
  await expect(page).toHaveURL(/\/account$/);
  await page.screenshot({ path: "test-results/account-delete-refused.png", fullPage: true });

  await page.getByLabel("Enter your password to confirm").fill(PASSWORD);
  await deleteButton.click();
  await expect(page).toHaveURL(/\/\?account=deleted$/);
  await expect(page.getByTestId("account-deleted")).toHaveText("Your account and everything it held have been deleted.");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Log in" })).toBeVisible();

  const token = await request.post("/api/v1/tokens/", { data: { username, password: PASSWORD } });
  expect(token.status()).toBe(400);
});
