import { defineConfig } from "@playwright/test";
import { CHROMIUM } from "./support/server.mjs";

// Drives Debian's Chromium; Playwright never downloads a browser here.
export default defineConfig({
  testDir: "e2e",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  workers: 2,
  reporter: [["list"]],
  use: {
    // The smallest phone the app supports.
    viewport: { width: 360, height: 740 },
    launchOptions: CHROMIUM,
  },
});
