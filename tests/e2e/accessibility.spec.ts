// WCAG 2.1 AA on every screen, in both themes: axe-core finds no violation
// (colour contrast above all, which the theme's colours have to meet).
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { test, expect, restoreWallet, unlock, go, NIP06_NPUB } from "./fixtures";

const WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** What axe finds wrong on the page as it is, one line per node. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_AA).analyze();
  return results.violations.flatMap((violation) =>
    violation.nodes.map((node) => `${violation.id}: ${node.target.join(" ")} (${node.failureSummary ?? ""})`),
  );
}

/** Waits for `heading` and expects the screen to pass. */
async function expectAccessible(page: Page, heading: string | RegExp) {
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
  expect(await violations(page)).toEqual([]);
}

const TABS = [
  { tab: "Home", title: "Home" },
  { tab: "Send", title: "Send" },
  { tab: "Receive", title: "Receive" },
  { tab: "Chat", title: "Chat" },
  { tab: "Contacts", title: "Contacts" },
  { tab: "Cards", title: "Cards" },
  { tab: "Settings", title: "Settings" },
];

for (const colorScheme of ["light", "dark"] as const) {
  test(`every screen meets WCAG 2.1 AA in the ${colorScheme} theme`, async ({ page }) => {
    test.setTimeout(90_000);
    await page.emulateMedia({ colorScheme });
    await page.goto("/");
    await expectAccessible(page, "Welcome to Flash");

    await restoreWallet(page);
    for (const { tab, title } of TABS) {
      await go(page, tab);
      await expectAccessible(page, title);
    }
    for (const [path, title] of [
      ["/mints", "Mints"],
      ["/relays", "Relays"],
      ["/profile", "Your profile"],
      ["/no/such/screen", "Not found"],
    ]) {
      await page.goto(path);
      await unlock(page);
      await expectAccessible(page, title);
    }
    await page.goto(`/contacts/${NIP06_NPUB}`);
    await unlock(page);
    await expect(page.getByTestId("contact")).toBeVisible();
    expect(await violations(page)).toEqual([]);

    // The locked screen, with the error a wrong passphrase shows.
    await page.goto("/");
    await unlock(page, "not the passphrase");
    await expect(page.getByRole("alert")).toContainText("wrong passphrase");
    await expectAccessible(page, "Flash is locked");
  });
}
