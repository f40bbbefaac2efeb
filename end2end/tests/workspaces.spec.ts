import { expect, test } from "@playwright/test";
import { PASSWORD, newSignedInUser, open, uniqueName } from "./helpers";

/** Creates an assistant with no documents through the form. */
async function newAssistant(page: import("@playwright/test").Page, name: string): Promise<void> {
  await open(page, "/assistants/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Company name").fill("Acme");
  await page.getByLabel("Instructions").fill("Answer briefly.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/\d+\/documents$/);
}

test("an admin invites someone, who accepts in another browser and sees only that workspace", async ({ page, request, browser }) => {
  const admin = await newSignedInUser(page, request, "lead");
  // Something private first, in the admin's personal workspace.
  await newAssistant(page, "Private notes");

  // A shared workspace, from the switcher.
  await open(page, "/dashboard");
  await page.getByTestId("workspace-switcher").locator("summary").click();
  await page.getByRole("link", { name: "New workspace…" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Finance team");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(/\/workspace$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Finance team");
  await expect(page.getByTestId("current-workspace")).toHaveText("Finance team");
  await newAssistant(page, "Team reports");

  // The invitation: a link shown to copy.
  await open(page, "/workspace");
  const invitee = uniqueName("member");
  await page.getByLabel("E-mail address").fill(`${invitee}@example.com`);
  await page.getByLabel("Role", { exact: true }).selectOption("editor");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const link = page.getByTestId("invitation-link");
  await expect(link).toContainText("/invitations/");
  const address = (await link.textContent())!.trim();
  await expect(page.getByTestId("invitations")).toContainText(`${invitee}@example.com`);

  // The invitee, in a browser of their own: signs up from the link and accepts.
  const other = await browser.newContext();
  const guest = await other.newPage();
  await open(guest, new URL(address).pathname);
  await expect(guest.getByTestId("invitation-text")).toContainText("Finance team");
  await expect(guest.getByTestId("invitation-text")).toContainText(`${admin} invited`);
  await guest.getByTestId("invitation-signup").click();
  await guest.getByLabel("Username").fill(invitee);
  await guest.getByLabel("Email").fill(`${invitee}@example.com`);
  await guest.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await guest.getByLabel("Password again").fill(PASSWORD);
  await guest.getByRole("button", { name: "Create account" }).click();
  await expect(guest).toHaveURL(/\/invitations\//);
  await guest.getByRole("button", { name: "Accept invitation" }).click();
  await expect(guest).toHaveURL(/\/dashboard$/);
  await expect(guest.getByTestId("current-workspace")).toHaveText("Finance team");
  const cards = guest.getByTestId("assistant-card");
  await expect(cards).toHaveCount(1);
  await expect(cards).toContainText("Team reports");
  await expect(guest.getByText("Private notes")).toHaveCount(0);

  // The link works once.
  await open(guest, new URL(address).pathname);
  await expect(guest.getByTestId("invitation-invalid")).toBeVisible();
  await other.close();

  // The admin sees the new member, and the trail in the audit log.
  await open(page, "/workspace");
  await expect(page.getByTestId("members")).toContainText(invitee);
  await page.getByTestId("audit-link").click();
  await expect(page.getByTestId("audit-table")).toContainText("member.joined");
  await expect(page.getByTestId("audit-table")).toContainText("member.invited");
});

test("a viewer is told plainly what their role does not allow", async ({ page, request, browser }) => {
  await newSignedInUser(page, request, "owner");
  await open(page, "/workspace");
  await page.getByLabel("Name", { exact: true }).fill("Readers");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(/\/workspace$/);
  await newAssistant(page, "Shared answers");
  await open(page, "/workspace");
  const viewer = uniqueName("viewer");
  await page.getByLabel("E-mail address").fill(`${viewer}@example.com`);
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const address = (await page.getByTestId("invitation-link").textContent())!.trim();

  const other = await browser.newContext();
  const reader = await other.newPage();
  const created = await request.post("/api/v1/users/", { data: { username: viewer, email: `${viewer}@example.com`, password: PASSWORD } });
  expect(created.status()).toBe(201);
  await open(reader, new URL(address).pathname);
  await reader.getByTestId("invitation-login").click();
  await reader.getByLabel("Username").fill(viewer);
  await reader.getByLabel("Password").fill(PASSWORD);
  await reader.getByRole("button", { name: "Log in", exact: true }).click();
  await reader.getByRole("button", { name: "Accept invitation" }).click();
  await expect(reader.getByTestId("assistant-card")).toContainText("Shared answers");
  await expect(reader.getByTestId("workspace-switcher")).toContainText("Viewer");

  // Trying to create an assistant anyway: refused, in words.
  await open(reader, "/assistants/new");
  await reader.getByLabel("Name", { exact: true }).fill("Not allowed");
  await reader.getByLabel("Company name").fill("Acme");
  await reader.getByLabel("Instructions").fill("x");
  await reader.getByRole("button", { name: "Create assistant" }).click();
  await expect(reader.getByRole("alert").filter({ hasText: "(viewer)" })).toBeVisible();
  // The audit log is for admins.
  await open(reader, "/workspace/audit");
  await expect(reader.getByTestId("audit-refused")).toContainText("(viewer)");
  await other.close();
});
