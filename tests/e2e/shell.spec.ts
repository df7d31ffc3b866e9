// The app shell: loads, talks to its engine, navigates, works on a phone.
import { test, expect, expectEngineReady, engineStatus } from "./fixtures";

const SCREENS = [
  { tab: "Send", path: "/send", title: "Send" },
  { tab: "Receive", path: "/receive", title: "Receive" },
  { tab: "Chat", path: "/chat", title: "Chat" },
  { tab: "Cards", path: "/cards", title: "Cards" },
  { tab: "Settings", path: "/settings", title: "Settings" },
  { tab: "Home", path: "/", title: "Home" },
];

test("the app loads and the engine answers ready with its version", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Home");
  await expectEngineReady(page);
  await expect(engineStatus(page)).toHaveText("Ready");

  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByTestId("engine-version")).toHaveText(/^\d+\.\d+\.\d+/);
});

test("the navigation bar reaches every screen without reloading", async ({ page, consoleErrors }) => {
  await page.goto("/");
  await expectEngineReady(page);
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

test("a deep link opens its screen directly", async ({ page, consoleErrors }) => {
  for (const screen of SCREENS) {
    await page.goto(screen.path);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(screen.title);
    await expectEngineReady(page);
  }
  expect(consoleErrors).toEqual([]);
});

test("an unknown route says so inside the app", async ({ page }) => {
  await page.goto("/no/such/screen");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Not found");
});

test("nothing overflows sideways on a 360 px phone", async ({ page }) => {
  for (const screen of SCREENS) {
    await page.goto(screen.path);
    await expectEngineReady(page);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `horizontal overflow on ${screen.path}`).toBeLessThanOrEqual(0);
  }
});

test("the chosen theme applies at once and survives a reload", async ({ page }) => {
  await page.goto("/settings");
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  await page.getByRole("radio", { name: "Light" }).check({ force: true });
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  const light = await background();

  await page.getByRole("radio", { name: "Dark" }).check({ force: true });
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  expect(await background()).not.toBe(light);

  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.getByRole("radio", { name: "Dark" })).toBeChecked();
});
