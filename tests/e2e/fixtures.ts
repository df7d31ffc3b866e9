import { test as base, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { finalizeEvent, getPublicKey } from "nostr-tools";
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

/** The first NIP-06 test vector: these words derive this npub. */
export const NIP06_WORDS = "leader monkey parrot ring guide accident before fence cannon height naive bean";
export const NIP06_NPUB = "npub1zutzeysacnf9rru6zqwmxd54mud0k44tst6l70ja5mhv8jjumytsd2x7nu";
export const NIP06_NSEC = "nsec10allq0gjx7fddtzef0ax00mdps9t2kmtrldkyjfs8l5xruwvh2dq0lhhkp";
export const PASSPHRASE = "correct horse battery";

export const npub = (page: Page) => page.getByTestId("npub");

/** Fills both fields of a new passphrase. */
export async function choosePassphrase(page: Page, passphrase = PASSPHRASE) {
  await page.getByLabel("Passphrase", { exact: true }).fill(passphrase);
  await page.getByLabel("Passphrase again").fill(passphrase);
}

/** Onboards by restoring `words`, and waits until the wallet is open. */
export async function restoreWallet(page: Page, words = NIP06_WORDS) {
  await page.getByRole("button", { name: "Restore from recovery words" }).click();
  await page.getByLabel(/Recovery words/).fill(words);
  await choosePassphrase(page);
  await page.getByRole("button", { name: "Restore wallet" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

/** Opens the locked wallet. */
export async function unlock(page: Page, passphrase = PASSPHRASE) {
  await page.getByLabel("Passphrase", { exact: true }).fill(passphrase);
  await page.getByRole("button", { name: "Unlock" }).click();
}

/** Opens Chat from the menu and waits until the dev relay is connected. */
export async function openChat(page: Page) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
  await expect(page.getByTestId("messaging-status")).toHaveText("Connected to 1 relay.");
}

/**
 * Opens pages in browser contexts of their own (one per user), each closed
 * after its test so no engine of an earlier test keeps running beside the
 * next. Call once per spec file.
 */
export function ownContexts(): (browser: Browser, baseURL: string | undefined) => Promise<Page> {
  const contexts: BrowserContext[] = [];
  test.afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  return async (browser, baseURL) => {
    const context = await browser.newContext({ baseURL });
    contexts.push(context);
    return context.newPage();
  };
}

/** Opens a screen from the main navigation. */
export const go = (page: Page, where: string) =>
  page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: where }).click();

/** Chooses `name` at the server, in Settings (the user's NOSTR and Lightning address). */
export async function chooseName(page: Page, name: string) {
  await go(page, "Settings");
  await page.getByLabel(/Choose a name|Change your name/).fill(name);
  await page.getByRole("button", { name: "Save name" }).click();
}

/**
 * Gives `page` a NIP-07 extension (`window.nostr`) whose key is `secret`,
 * signing with nostr-tools; returns every event it signed, as it signs.
 */
export async function fakeExtension(page: Page, secret: Uint8Array): Promise<ReturnType<typeof finalizeEvent>[]> {
  const signed: ReturnType<typeof finalizeEvent>[] = [];
  await page.exposeFunction("nostrToolsSign", (event: Parameters<typeof finalizeEvent>[0]) => {
    const result = finalizeEvent(event, secret);
    signed.push(result);
    return result;
  });
  await page.addInitScript((pubkey) => {
    (window as any).nostr = {
      getPublicKey: async () => pubkey,
      signEvent: async (event: unknown) => (window as any).nostrToolsSign(event),
    };
  }, getPublicKey(secret));
  return signed;
}

/** Picks the dev mint in a wallet select ("Receive into", "Pay from"),
 * which starts on the Lightning account. */
export async function pickDevMint(page: Page, label: string) {
  const select = page.getByLabel(label);
  const mint = await select.locator("option", { hasText: "Flash dev mint" }).getAttribute("value");
  await select.selectOption(mint!);
}
