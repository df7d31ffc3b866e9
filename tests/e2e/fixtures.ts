import { test as base, expect, type Page } from "@playwright/test";
import { startServer } from "../support/server.mjs";

type RunningServer = Awaited<ReturnType<typeof startServer>>;

/** One server per Playwright worker; `baseURL` points at it. */
export const test = base.extend<{ consoleErrors: string[] }, { server: RunningServer }>({
  server: [
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.stop();
    },
    { scope: "worker" },
  ],
  baseURL: async ({ server }, use) => use(server.url),
  // Every console error and uncaught exception the page reports.
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await use(errors);
  },
});

export { expect };

export const engineStatus = (page: Page) => page.getByTestId("engine-status");

/** Waits until the engine answered the app's status request with "ready". */
export async function expectEngineReady(page: Page) {
  await expect(engineStatus(page)).toHaveAttribute("data-state", "ready");
}
