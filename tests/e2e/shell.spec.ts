// The app shell: loads, talks to its engine, navigates, works on a phone.
import { test, expect, expectEngineReady, engineStatus, restoreWallet, unlock } from "./fixtures";

const SCREENS = [
  { tab: "Send", path: "/send", title: "Send" },
  { tab: "Receive", path: "/receive", title: "Receive" },
  { tab: "Chat", path: "/chat", title: "Chat" },
  { tab: "Contacts", path: "/contacts", title: "Contacts" },
  { tab: "Cards", path: "/cards", title: "Cards" },
  { tab: "Settings", path: "/settings", title: "Settings" },
  { tab: "Home", path: "/", title: "Home" },
];

test("the app loads, the engine answers ready, and a new browser is offered onboarding", async ({ page }) => {
  await page.goto("/");
  await expectEngineReady(page);
  await expect(engineStatus(page)).toHaveText("Ready");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome to Flash");
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);

  await restoreWallet(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Home");

  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByTestId("engine-version")).toHaveText(/^\d+\.\d+\.\d+/);
});

test("the navigation bar reaches every screen without reloading", async ({ page, consoleErrors }) => {
  await page.goto("/");
  await restoreWallet(page);
  const navigation = page.getByRole("navigation", { name: "Main" });
  for (const screen of SCREENS) {
    await navigation.getByRole("link", { name: screen.tab }).click();
    await expect(page).toHaveURL(screen.path);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(screen.title);
    await expect(navigation.getByRole("link", { name: screen.tab })).toHaveAttribute("aria-current", "page");
  }
  // The engine kept running across client-side navigation: no reload happened.
  await expectEngineReady(page);
  expect(consoleErrors).toEqual([]);
});

test("a deep link opens its screen once the wallet is unlocked", async ({ page, consoleErrors }) => {
  await page.goto("/");
  await restoreWallet(page);
  for (const screen of SCREENS) {
    await page.goto(screen.path);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Flash is locked");
    await unlock(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(screen.title);
    await expect(page).toHaveURL(screen.path);
  }
  expect(consoleErrors).toEqual([]);
});

test("an unknown route says so inside the app", async ({ page }) => {
  await page.goto("/no/such/screen");
  await restoreWallet(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Not found");
});

test("nothing overflows sideways on a 360 px phone", async ({ page }) => {
  const overflow = () =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.goto("/");
  await expectEngineReady(page);
  expect(await overflow(), "horizontal overflow on the welcome screen").toBeLessThanOrEqual(0);
  await restoreWallet(page);
  const navigation = page.getByRole("navigation", { name: "Main" });
  for (const screen of SCREENS) {
    await navigation.getByRole("link", { name: screen.tab }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(screen.title);
    expect(await overflow(), `horizontal overflow on ${screen.path}`).toBeLessThanOrEqual(0);
  }
});

test("the chosen theme applies at once and survives a reload", async ({ page }) => {
  await page.goto("/settings");
  await restoreWallet(page);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  await page.getByRole("radio", { name: "Light" }).check();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  const light = await background();

  await page.getByRole("radio", { name: "Dark" }).check();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  expect(await background()).not.toBe(light);

  await page.reload();
  // Applied before the wallet is even unlocked.
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await unlock(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("radio", { name: "Dark" })).toBeChecked();
});
