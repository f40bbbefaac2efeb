import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// The built app (`cargo leptos build`) on its own port with a fresh data
// folder, in Debian's Chromium: no browser download. A second copy of the
// app talks to a mock OpenAI-compatible model (end2end/mock-model.mjs);
// specs that need a model use its address, `modelURL`. That copy also runs
// semantic search with the embedding model `.ci/setup.sh` puts in models/;
// the first runs keyword search only. A third copy signs people in
// through a real OpenID provider (npm `oidc-provider`, run by
// end2end/oidc-provider.mjs); specs that need it use `ssoURL`.
const port = Number(process.env.E2E_PORT ?? 3100);
const modelAppPort = port + 1;
const ssoAppPort = port + 2;
const providerPort = port + 98;
const mockModelPort = port + 99;
// Two "customer sites" (two origins) that embed the chat widget.
const hostPagesPorts = [port + 50, port + 51];
const baseURL = `http://127.0.0.1:${port}`;
const root = path.resolve(__dirname, "..");
function freshDir(variable: string): string {
  const dir = process.env[variable] ?? mkdtempSync(path.join(tmpdir(), "aiconvokit-e2e-"));
  process.env[variable] = dir;
  return dir;
}
const dataDir = freshDir("E2E_DATA_DIR");
const modelDataDir = freshDir("E2E_MODEL_DATA_DIR");
const ssoDataDir = freshDir("E2E_SSO_DATA_DIR");
const ssoURL = `http://127.0.0.1:${ssoAppPort}`;
const providerURL = `http://127.0.0.1:${providerPort}`;
const app = (listen: number, dir: string) =>
  `${root}/target/debug/aiconvokit serve --addr 127.0.0.1:${listen} --data-dir ${dir}`;
const appEnv = { LEPTOS_SITE_ROOT: `${root}/target/site`, RUST_LOG: "warn", AICONVOKIT_EMBEDDING_MODEL: "none" };
// A copy of the app as a web server, with its own settings.
const appServer = (listen: number, dir: string, env: Record<string, string> = {}) => ({
  command: app(listen, dir),
  url: `http://127.0.0.1:${listen}/`,
  reuseExistingServer: false,
  timeout: 60_000,
  stdout: "ignore" as const,
  stderr: "pipe" as const,
  env: { ...appEnv, ...env },
});

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    appServer(port, dataDir),
    {
      command: `node ${__dirname}/mock-model.mjs`,
      url: `http://127.0.0.1:${mockModelPort}/`,
      reuseExistingServer: false,
      timeout: 20_000,
      env: { MOCK_MODEL_PORT: String(mockModelPort) },
    },
    appServer(modelAppPort, modelDataDir, {
      OPENAI_BASE_URL: `http://127.0.0.1:${mockModelPort}/v1`,
      OPENAI_API_KEY: "sk-e2e-not-a-real-key",
      AICONVOKIT_CHAT_MODEL: "mock-e2e",
      AICONVOKIT_EMBEDDING_MODEL: `${root}/models/all-MiniLM-L6-v2`,
    }),
    {
      command: `node ${__dirname}/oidc-provider.mjs`,
      url: `${providerURL}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 20_000,
      stdout: "ignore",
      stderr: "ignore",
      env: { OIDC_PORT: String(providerPort), OIDC_REDIRECT_URIS: `${ssoURL}/auth/oidc/callback` },
    },
    appServer(ssoAppPort, ssoDataDir, {
      AICONVOKIT_PUBLIC_URL: ssoURL,
      AICONVOKIT_OIDC_ISSUER: providerURL,
      AICONVOKIT_OIDC_CLIENT_ID: "aiconvokit-test",
      AICONVOKIT_OIDC_CLIENT_SECRET: "test-client-secret-not-for-production",
      AICONVOKIT_OIDC_NAME: "Test ID",
    }),
    {
      command: `node ${__dirname}/host-pages.mjs`,
      url: `http://127.0.0.1:${hostPagesPorts[0]}/`,
      reuseExistingServer: false,
      timeout: 20_000,
      env: { HOST_PAGES_PORTS: hostPagesPorts.join(",") },
    },
  ],
});
