// When the app cannot run, the user reads why instead of a blank page.
import { test, expect } from "./fixtures";

test("a browser without WebAssembly gets a clear message", async ({ page }) => {
  await page.addInitScript(() => {
    delete (globalThis as { WebAssembly?: unknown }).WebAssembly;
  });
  await page.goto("/");
  const message = page.getByTestId("unsupported");
  await expect(message).toContainText("This browser cannot run Flash");
  await expect(message).toContainText("WebAssembly");
});

test("a browser without IndexedDB gets a clear message", async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, "indexedDB", { value: undefined });
  });
  await page.goto("/");
  await expect(page.getByTestId("unsupported")).toContainText("IndexedDB");
  // The app did not start behind the message.
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
});

test("an engine that fails to load shows the error screen with the reason", async ({ browser, baseURL }) => {
  // No service worker: the failure must come from the network, not a cache.
  const context = await browser.newContext({ baseURL, serviceWorkers: "block" });
  // Routed on the context so the worker's own requests are covered too.
  await context.route("**/flash-worker-*_bg.wasm", (route) => route.abort("failed"));
  const page = await context.newPage();
  await page.goto("/");
  const failure = page.getByTestId("engine-failed");
  await expect(failure).toBeVisible();
  await expect(failure.getByRole("heading")).toHaveText("Flash could not start");
  await expect(failure.locator(".failure-message")).toContainText("The engine stopped");
  await expect(page.getByTestId("engine-status")).toHaveAttribute("data-state", "failed");
  await context.close();
});
