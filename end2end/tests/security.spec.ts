import { expect, test } from "@playwright/test";
import { PASSWORD, logIn, newSignedInUser, open, openTab, uniqueName } from "./helpers";

test("the pages run under their Content-Security-Policy without a single violation", async ({ page, request }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) =>
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`));
  });
  await newSignedInUser(page, request, "csp");
  const response = await page.goto("/assistants/new");
  expect(response?.headers()["content-security-policy"]).toContain("'nonce-");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Name", { exact: true }).fill("Policy check");
  await page.getByLabel("Company name").fill("Acme");
  await page.getByLabel("Instructions").fill("Answer briefly.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+\/documents$/);
  await openTab(page, "Publish");
  // The widget's live preview (a script, a shadow root and its styles) runs too.
  await expect(page.getByTestId("widget-preview").getByRole("button", { name: "Open chat" })).toBeVisible();
  expect(violations).toEqual([]);
});

test("repeated wrong passwords are slowed down with a clear message on the log-in page", async ({ page, request }) => {
  const username = uniqueName("guess");
  const created = await request.post("/api/v1/users/", {
    data: { username, email: `${username}@example.com`, password: PASSWORD },
  });
  expect(created.status()).toBe(201);
  await open(page, "/login");
  // Signing up was one attempt; the server allows 20 an hour per address and username.
  for (let attempt = 1; attempt < 20; attempt++) {
    await logIn(page, username, "wrong password");
    await expect(page.getByTestId("form-alert")).toBeVisible();
  }
  await logIn(page, username, PASSWORD);
  await expect(page.getByTestId("form-alert")).toContainText("Too many attempts");
  await expect(page.getByTestId("form-alert")).toContainText("try again");
  await expect(page).toHaveURL(/\/login/);
});
