import { expect, test } from "@playwright/test";
import { PASSWORD, logIn, newSignedInUser, open, signUp, uniqueName } from "./helpers";

test("sign up, log out, a wrong password, log in, and an API key's whole life", async ({ page, request }) => {
  const username = uniqueName("ada");

  await open(page, "/");
  await page.getByRole("link", { name: "Create a free account" }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await signUp(page, username);

  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: `Welcome, ${username}` })).toBeVisible();
  await expect(page.getByTestId("nav-username")).toContainText(username);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$/);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Log in" })).toBeVisible();

  await nav.getByRole("link", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login/);
  await logIn(page, username, "not the password");
  await expect(page.getByRole("alert")).toHaveText("Unable to log in with provided credentials.");
  await expect(page.getByLabel("Username")).toHaveValue(username);

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.getByRole("link", { name: "Account", exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("no-keys")).toBeVisible();
  await page.getByLabel("Key name").fill("Playwright");
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-key-value");
  await expect(shown).toHaveText(/^ack_[A-Za-z0-9]{40}$/);
  const key = (await shown.textContent())!.trim();
  await expect(page.getByTestId("api-key-row")).toHaveCount(1);
  await expect(page.getByTestId("api-key-row")).toContainText("Playwright");
  await expect(page.getByTestId("api-key-row")).toContainText(key.slice(0, 12));
  await expect(page.getByLabel("Key name")).toHaveValue("");

  const me = await request.get("/api/v1/me/", { headers: { Authorization: `Token ${key}` } });
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ username, email: `${username}@example.com` });

  await page.reload();
  await expect(page.getByTestId("new-key-value")).toHaveCount(0);
  await expect(page.getByTestId("api-key-last-used")).not.toHaveText("Never");

  await page.getByRole("button", { name: "Revoke key Playwright" }).click();
  await expect(page.getByTestId("no-keys")).toBeVisible();
  const revoked = await request.get("/api/v1/me/", { headers: { Authorization: `Token ${key}` } });
  expect(revoked.status()).toBe(401);
  expect(await revoked.json()).toEqual({ detail: "Invalid token." });
});

test("sign-up errors appear beside their fields and what was typed stays", async ({ page }) => {
  await open(page, "/signup");
  await page.getByLabel("Username").fill("not valid!");
  await page.getByLabel("Email").fill("someone@example.com");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Password again").fill("shorter");
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page.getByTestId("error-username")).toContainText("Enter a valid username.");
  await expect(page.getByTestId("error-password")).toHaveText(
    "This password is too short. It must contain at least 8 characters.",
  );
  await expect(page.getByTestId("error-password_confirm")).toHaveText("The two passwords do not match.");
  await expect(page.getByLabel("Username")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Email")).toHaveValue("someone@example.com");
  await expect(page.getByLabel("Username")).toHaveValue("not valid!");
  await expect(page).toHaveURL(/\/signup$/);
});

test("a signed-out visitor is sent to log in and brought back", async ({ page, request }) => {
  const username = uniqueName("grace");
  const created = await request.post("/api/v1/users/", {
    data: { username, email: `${username}@example.com`, password: PASSWORD },
  });
  expect(created.status()).toBe(201);

  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?next=\/account$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await logIn(page, username);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("account-username")).toHaveText(username);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("sign up, see errors and log in with plain form posts", async ({ page }) => {
    const username = uniqueName("nojs");
    await page.goto("/signup");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Email").fill("broken-email");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password again").fill(PASSWORD);
    // The browser's own email check would stop the post; this test is about the server's.
    await page.locator("form").evaluate((form) => form.setAttribute("novalidate", ""));
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByTestId("error-email")).toHaveText("Enter a valid email address.");
    await expect(page.getByLabel("Username")).toHaveValue(username);

    await page.getByLabel("Email").fill(`${username}@example.com`);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password again").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole("heading", { name: `Welcome, ${username}` })).toBeVisible();

    // Documents chosen on the new-assistant form are sent by the page's
    // code: without it the input is disabled and says where to add them,
    // instead of dropping the files on the floor.
    await page.goto("/assistants/new");
    await expect(page.getByLabel("Documents", { exact: true })).toBeDisabled();
    await expect(page.getByText("Add documents on the assistant's page once it is created")).toBeVisible();
  });
});

test("a key that may only ask one assistant, until a date, made on the account page", async ({ page, request }) => {
  const username = await newSignedInUser(page, request, "scoped");
  const login = await request.post("/api/v1/tokens/", { data: { username, password: PASSWORD } });
  const full = (await login.json()).token;
  const made = [];
  for (const name of ["Filings helper", "Contracts helper"]) {
    const created = await request.post("/api/v1/assistants/", {
      headers: { Authorization: `Token ${full}` },
      data: { name, company_name: "Acme", instructions: "Cite pages." },
    });
    expect(created.status()).toBe(201);
    made.push((await created.json()).id);
  }

  await open(page, "/account");
  await page.getByLabel("Key name").fill("Support bot");
  await page.getByLabel("What it may do").selectOption("chat");
  await page.getByLabel("Filings helper").check();
  await page.getByLabel("Expires (optional)").fill("2999-12-31");
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-key-value");
  await expect(shown).toHaveText(/^ack_[A-Za-z0-9]{40}$/);
  const key = (await shown.textContent())!.trim();
  const row = page.getByTestId("api-key-row").filter({ hasText: "Support bot" });
  await expect(row.getByTestId("api-key-scope")).toHaveText("Ask and search");
  await expect(row.getByTestId("api-key-assistants")).toHaveText("Filings helper");
  await expect(row.getByTestId("api-key-expires")).toContainText("3000");
  await page.screenshot({ path: "test-results/account-scoped-key.png", fullPage: true });

  const auth = { Authorization: `Bearer ${key}` };
  expect((await request.get(`/api/v1/assistants/${made[0]}/`, { headers: auth })).status()).toBe(200);
  expect((await request.get(`/api/v1/assistants/${made[1]}/`, { headers: auth })).status()).toBe(403);
  expect((await request.delete(`/api/v1/assistants/${made[0]}/`, { headers: auth })).status()).toBe(403);
  const models = await request.get("/v1/models", { headers: auth });
  expect((await models.json()).data).toHaveLength(1);

  // A date in the past is refused beside its field.
  await page.getByLabel("Key name").fill("Too late");
  await page.getByLabel("Expires (optional)").fill("2001-01-01");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByText("The expiry must be in the future.")).toBeVisible();
  await expect(page.getByTestId("api-key-row")).toHaveCount(2);
});
