import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// The built app (`cargo leptos build`) on its own port with a fresh data
// folder, in Debian's Chromium: no browser download. A second copy of the
// app talks to a mock OpenAI-compatible model (end2end/mock-model.mjs);
// specs that need a model use its address, `modelURL`. That copy also runs
// semantic search with the embedding model `.ci/setup.sh` puts in models/;
// the first runs keyword search only.
const port = Number(process.env.E2E_PORT ?? 3100);
const modelAppPort = port + 1;
const mockModelPort = port + 99;
// Two "customer sites" (two origins) that embed the chat widget.
const hostPagesPorts = [port + 50, port + 51];
const baseURL = `http://127.0.0.1:${port}`;
const modelURL = `http://127.0.0.1:${modelAppPort}`;
const root = path.resolve(__dirname, "..");
function freshDir(variable: string): string {
  const dir = process.env[variable] ?? mkdtempSync(path.join(tmpdir(), "aiconvokit-e2e-"));
  process.env[variable] = dir;
  return dir;
}
const dataDir = freshDir("E2E_DATA_DIR");
const modelDataDir = freshDir("E2E_MODEL_DATA_DIR");
const app = (listen: number, dir: string) =>
  `${root}/target/debug/aiconvokit serve --addr 127.0.0.1:${listen} --data-dir ${dir}`;
const appEnv = { LEPTOS_SITE_ROOT: `${root}/target/site`, RUST_LOG: "warn", AICONVOKIT_EMBEDDING_MODEL: "none" };

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
    {
      command: app(port, dataDir),
      url: `${baseURL}/`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      env: appEnv,
    },
    {
      command: `node ${__dirname}/mock-model.mjs`,
      url: `http://127.0.0.1:${mockModelPort}/`,
      reuseExistingServer: false,
      timeout: 20_000,
      env: { MOCK_MODEL_PORT: String(mockModelPort) },
    },
    {
      command: app(modelAppPort, modelDataDir),
      url: `${modelURL}/`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        ...appEnv,
        OPENAI_BASE_URL: `http://127.0.0.1:${mockModelPort}/v1`,
        OPENAI_API_KEY: "sk-e2e-not-a-real-key",
        AICONVOKIT_CHAT_MODEL: "mock-e2e",
        AICONVOKIT_EMBEDDING_MODEL: `${root}/models/all-MiniLM-L6-v2`,
      },
    },
    {
      command: `node ${__dirname}/host-pages.mjs`,
      url: `http://127.0.0.1:${hostPagesPorts[0]}/`,
      reuseExistingServer: false,
      timeout: 20_000,
      env: { HOST_PAGES_PORTS: hostPagesPorts.join(",") },
    },
  ],
});
