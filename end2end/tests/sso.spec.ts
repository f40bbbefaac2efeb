import { expect, test } from "@playwright/test";
import { ssoURL } from "./helpers";

// The copy of the app configured for single sign-on against the OpenID
// provider of end2end/oidc-provider.mjs ("Test ID"); its sign-in page
// accepts any password for the people it knows.
test.use({ baseURL: ssoURL });

async function signInAtProvider(page: import("@playwright/test").Page, login: string): Promise<void> {
  await page.getByRole("link", { name: "Sign in with Test ID" }).click();
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
}

test("signing in with single sign-on lands signed in where the person was going", async ({ page }) => {
  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?next=\/account$/);
  await expect(page.getByRole("link", { name: "Sign in with Test ID" })).toBeVisible();
  await signInAtProvider(page, "pat");
  await expect(page).toHaveURL(`${ssoURL}/account`);
  await expect(page.getByTestId("account-username")).toHaveText("pat");
  await expect(page.getByText("pat@example.com")).toBeVisible();
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: "Welcome, pat" })).toBeVisible();
});

test("an email the provider has not verified is refused, with the reason", async ({ page }) => {
  await page.goto("/login");
  await signInAtProvider(page, "eve");
  await expect(page).toHaveURL(/\/login\?sso_error=unverified_email$/);
  await expect(page.getByRole("alert")).toHaveText(
    "Your email address at Test ID is not verified. Verify it there, then sign in again.",
  );
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?next=\/dashboard$/);
});
