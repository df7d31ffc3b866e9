// Identity and vault: create, back up, lock, unlock, restore, export, and
// NIP-07 sign-in with a signer built from nostr-tools.
import { readFile } from "node:fs/promises";
import { generateSecretKey, getPublicKey, verifyEvent, nip19 } from "nostr-tools";
import * as nip49 from "nostr-tools/nip49";
import {
  test, expect, choosePassphrase, fakeExtension, npub, restoreWallet, unlock,
  NIP06_NPUB, NIP06_NSEC, NIP06_WORDS, PASSPHRASE,
} from "./fixtures";

/** Fails if `text` holds the NIP-06 words, their nsec, or the key's hex. */
function expectNoNip06Secret(text: string) {
  // Single words also name ordinary fields ("before"); two in a row do not.
  const words = NIP06_WORDS.split(" ");
  for (let i = 1; i < words.length; i++) expect(text).not.toContain(`${words[i - 1]} ${words[i]}`);
  expect(text).not.toContain(NIP06_NSEC);
  expect(text).not.toContain("7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a");
}

const heading = (page) => page.getByRole("heading", { level: 1 });

test("create → back up → lock → unlock → reload → unlock: the same identity throughout", async ({ page, consoleErrors }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Create a new wallet" }).click();
  await page.getByRole("button", { name: "Show my 12 recovery words" }).click();
  // Read once they are shown: the engine draws them.
  await expect(page.getByTestId("recovery-words").locator("li")).toHaveCount(12);
  const words = await page.getByTestId("recovery-words").locator("li").allTextContents();
  expect(new Set(words).size).toBeGreaterThan(1);
  await page.getByRole("button", { name: "I wrote them down" }).click();

  // A wrong answer is refused and nothing is created.
  const asked = page.getByLabel(/^Word #\d+$/);
  await expect(asked).toHaveCount(3);
  for (let i = 0; i < 3; i++) await asked.nth(i).fill("zoo");
  await choosePassphrase(page);
  await page.getByRole("button", { name: "Create wallet" }).click();
  await expect(page.getByRole("alert")).toContainText("not the words");

  for (let i = 0; i < 3; i++) {
    const label = await asked.nth(i).getAttribute("name");
    const position = Number(label!.replace("word-", ""));
    await asked.nth(i).fill(words[position - 1]);
  }
  await page.getByRole("button", { name: "Create wallet" }).click();
  await expect(heading(page)).toHaveText("Home");
  const created = await npub(page).getAttribute("data-npub");
  expect(created).toMatch(/^npub1[02-9ac-hj-np-z]{58}$/);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await page.getByRole("button", { name: "Lock now" }).click();
  await expect(heading(page)).toHaveText("Flash is locked");
  await expect(npub(page)).toHaveAttribute("data-npub", created!);
  await unlock(page);
  await expect(heading(page)).toHaveText("Settings");

  await page.reload();
  await expect(heading(page)).toHaveText("Flash is locked");
  await expect(npub(page)).toHaveAttribute("data-npub", created!);
  await unlock(page);
  await expect(npub(page).first()).toHaveAttribute("data-npub", created!);

  // The words shown at creation are the ones the vault keeps.
  const backUp = page.locator("form", { has: page.getByRole("heading", { name: "Back up" }) });
  await backUp.getByLabel("Passphrase, to confirm it is you").fill(PASSPHRASE);
  await backUp.getByRole("button", { name: "Show" }).click();
  await expect(page.getByTestId("exported-secret")).toHaveText(words.join(" "));
  expect(consoleErrors).toEqual([]);
});

test("restoring the NIP-06 test words shows the NIP-06 npub", async ({ page }) => {
  await page.goto("/");
  await restoreWallet(page, NIP06_WORDS);
  await expect(npub(page)).toHaveAttribute("data-npub", NIP06_NPUB);
});

test("a mistyped recovery word is pointed out with the likely word, and restore waits", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Restore from recovery words" }).click();
  const mistyped = NIP06_WORDS.replace("monkey", "monkee");
  await page.getByLabel(/Recovery words/).fill(mistyped);
  await expect(page.getByTestId("mnemonic-problem")).toContainText("Word 2 “monkee”");
  await expect(page.getByTestId("mnemonic-problem")).toContainText("monkey");
  await choosePassphrase(page);
  await expect(page.getByRole("button", { name: "Restore wallet" })).toBeDisabled();

  // Valid words in the wrong order fail the checksum.
  const swapped = NIP06_WORDS.split(" ");
  [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
  await page.getByLabel(/Recovery words/).fill(swapped.join(" "));
  await expect(page.getByTestId("mnemonic-problem")).toContainText("do not fit together");

  await page.getByLabel(/Recovery words/).fill(NIP06_WORDS);
  await expect(page.getByTestId("mnemonic-problem")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Restore wallet" })).toBeEnabled();
});

test("a wrong passphrase is refused clearly and the right one still opens", async ({ page }) => {
  await page.goto("/");
  await restoreWallet(page);
  await page.reload();
  await unlock(page, "not my passphrase");
  await expect(page.getByRole("alert")).toContainText("wrong passphrase");
  await expect(heading(page)).toHaveText("Flash is locked");
  await unlock(page);
  await expect(npub(page)).toHaveAttribute("data-npub", NIP06_NPUB);
});

test("the NOSTR key exports as nsec and as a NIP-49 ncryptsec that nostr-tools decrypts", async ({ page }) => {
  await page.goto("/settings");
  await restoreWallet(page);
  const backUp = page.locator("form", { has: page.getByRole("heading", { name: "Back up" }) });

  await backUp.getByRole("radio", { name: "NOSTR key (nsec)" }).check();
  await backUp.getByLabel("Passphrase, to confirm it is you").fill(PASSPHRASE);
  await backUp.getByRole("button", { name: "Show" }).click();
  await expect(page.getByTestId("exported-secret")).toHaveText(NIP06_NSEC);

  await backUp.getByRole("radio", { name: "Encrypted NOSTR key (ncryptsec)" }).check();
  await backUp.getByLabel("Passphrase, to confirm it is you").fill(PASSPHRASE);
  await backUp.getByRole("button", { name: "Show" }).click();
  await expect(page.getByTestId("exported-secret")).toHaveText(/^ncryptsec1/);
  const ncryptsec = await page.getByTestId("exported-secret").textContent();
  const decrypted = nip49.decrypt(ncryptsec!, PASSPHRASE);
  expect(nip19.nsecEncode(decrypted)).toBe(NIP06_NSEC);

  // Exporting needs the passphrase: a wrong one reveals nothing.
  await backUp.getByLabel("Passphrase, to confirm it is you").fill("guess");
  await backUp.getByRole("button", { name: "Show" }).click();
  await expect(backUp.getByRole("alert")).toContainText("wrong passphrase");
  await expect(page.getByTestId("exported-secret")).toHaveCount(0);
});

test("changing the passphrase: the old one stops working, the new one opens", async ({ page }) => {
  await page.goto("/settings");
  await restoreWallet(page);
  const form = page.locator("form", { has: page.getByRole("heading", { name: "Change passphrase" }) });
  await form.getByLabel("Current passphrase").fill(PASSPHRASE);
  await form.getByLabel("Passphrase", { exact: true }).fill("a much better passphrase");
  await form.getByLabel("Passphrase again").fill("a much better passphrase");
  await form.getByRole("button", { name: "Change passphrase" }).click();
  await expect(form.getByRole("status")).toHaveText("Passphrase changed.");

  await page.reload();
  await unlock(page, PASSPHRASE);
  await expect(page.getByRole("alert")).toContainText("wrong passphrase");
  await unlock(page, "a much better passphrase");
  await expect(heading(page)).toHaveText("Settings");
});

test.describe("NIP-07 extension", () => {
  test("signs in with a nostr-tools signer and the challenge it signed verifies", async ({ page }) => {
    const secret = generateSecretKey();
    const pubkey = getPublicKey(secret);
    const signed = await fakeExtension(page, secret);

    await page.goto("/");
    await page.getByRole("button", { name: "Sign in with extension (NIP-07)" }).click();
    await expect(npub(page)).toHaveAttribute("data-npub", nip19.npubEncode(pubkey));
    await expect(page.getByRole("heading", { name: "Your wallet needs a seed" })).toBeVisible();

    // First the sign-in challenge; then, as messaging starts with the
    // extension's key, only the user's relay lists (NIP-17 inbox, NIP-65),
    // and the server's Lightning account's requests (NIP-98).
    const events = signed as Parameters<typeof verifyEvent>[0][];
    expect(events[0].kind).toBe(22242);
    for (const event of events.slice(1)) expect([10002, 10050, 27235]).toContain(event.kind);
    expect(verifyEvent(events[0])).toBe(true);
    expect(events[0].pubkey).toBe(pubkey);
  });

  test("an extension that refuses leaves the user on the welcome screen with the reason", async ({ page }) => {
    await page.addInitScript(() => {
      (window as any).nostr = {
        getPublicKey: async () => { throw new Error("User rejected"); },
        signEvent: async () => { throw new Error("User rejected"); },
      };
    });
    await page.goto("/");
    await page.getByRole("button", { name: "Sign in with extension (NIP-07)" }).click();
    await expect(page.getByRole("alert")).toContainText("User rejected");
    await expect(heading(page)).toHaveText("Welcome to Flash");
  });

  test("without an extension the option explains how to get one", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByText("Have a NOSTR extension")).toBeVisible();
    await expect(page.getByRole("button", { name: "Sign in with extension (NIP-07)" })).toHaveCount(0);
  });
});

test("a backup file downloaded here restores the wallet in another browser", async ({ page, browser, baseURL }) => {
  await page.goto("/settings");
  await restoreWallet(page);
  const form = page.locator("form", { has: page.getByRole("heading", { name: "Backup file" }) });
  await form.getByLabel("Passphrase, to confirm it is you").fill(PASSPHRASE);
  const downloading = page.waitForEvent("download");
  await form.getByRole("button", { name: "Download backup file" }).click();
  const file = await (await downloading).path();
  expectNoNip06Secret(await readFile(file, "utf8"));

  const elsewhere = await browser.newContext({ baseURL });
  const other = await elsewhere.newPage();
  await other.goto("/");
  await other.getByText("Other ways in").click();
  await other.getByRole("button", { name: "Restore a backup file" }).click();
  await other.getByLabel("Backup file").setInputFiles(file);
  await other.getByLabel("The backup's passphrase").fill("not it");
  await other.getByRole("button", { name: "Restore backup" }).click();
  await expect(other.getByRole("alert")).toContainText("wrong passphrase");
  await other.getByLabel("The backup's passphrase").fill(PASSPHRASE);
  await other.getByRole("button", { name: "Restore backup" }).click();
  await expect(npub(other)).toHaveAttribute("data-npub", NIP06_NPUB);
  await elsewhere.close();
});

test("an imported nsec becomes the identity; a watched npub is read-only", async ({ page, browser, baseURL }) => {
  await page.goto("/");
  await page.getByText("Other ways in").click();
  await page.getByRole("button", { name: "Import a NOSTR key (nsec)" }).click();
  await page.getByLabel("Your key (nsec1… or ncryptsec1…)").fill("nsec1notakey");
  await choosePassphrase(page);
  await page.getByRole("button", { name: "Import key" }).click();
  await expect(page.getByRole("alert")).toContainText("not a NOSTR secret key");
  await page.getByLabel("Your key (nsec1… or ncryptsec1…)").fill(NIP06_NSEC);
  await page.getByRole("button", { name: "Import key" }).click();
  await expect(npub(page)).toHaveAttribute("data-npub", NIP06_NPUB);
  await expect(page.getByRole("heading", { name: "Your wallet needs a seed" })).toBeVisible();

  const watcher = await browser.newContext({ baseURL });
  const watching = await watcher.newPage();
  await watching.goto("/");
  await watching.getByText("Other ways in").click();
  await watching.getByRole("button", { name: "Watch an npub (read-only)" }).click();
  await watching.getByLabel("npub to watch").fill(NIP06_NPUB);
  await watching.getByRole("button", { name: "Watch" }).click();
  await expect(npub(watching)).toHaveAttribute("data-npub", NIP06_NPUB);
  await expect(watching.getByTestId("read-only")).toBeVisible();
  await watcher.close();
});

test("a remote signer that never answers gives up with a reason and creates nothing", async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto("/");
  await page.getByText("Other ways in").click();
  await page.getByRole("button", { name: "Connect a remote signer (NIP-46)" }).click();
  const signer = getPublicKey(generateSecretKey());
  // Nothing listens on port 9 of this machine: no relay, so no signer.
  await page.getByLabel("Signer link (bunker://…)").fill(`bunker://${signer}?relay=ws://127.0.0.1:9`);
  await choosePassphrase(page);
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expect(page.getByRole("button", { name: "Waiting for your signer to approve…" })).toBeDisabled();
  await expect(page.getByRole("alert")).toContainText(/remote signer|relay/, { timeout: 40_000 });
  await page.reload();
  await expect(heading(page)).toHaveText("Welcome to Flash");
});

test("nothing secret is readable in the browser's storage after onboarding", async ({ page }) => {
  await page.goto("/");
  await restoreWallet(page);
  const stored = await page.evaluate(async () => {
    const texts: string[] = [];
    const asText = (value: unknown) =>
      value instanceof Uint8Array
        ? Array.from(value, (byte) => String.fromCharCode(byte)).join("") +
          Array.from(value, (byte) => byte.toString(16).padStart(2, "0")).join("")
        : JSON.stringify(value);
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const storeName of Array.from(db.objectStoreNames)) {
        const values = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(storeName).objectStore(storeName).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        texts.push(...values.map(asText));
      }
      db.close();
    }
    for (let i = 0; i < localStorage.length; i++) texts.push(localStorage.getItem(localStorage.key(i)!)!);
    return texts.join("\n");
  });
  expect(stored).toContain(NIP06_NPUB); // Public, so the lock screen can show it.
  expectNoNip06Secret(stored);
  expect(stored).not.toContain(PASSPHRASE);
});
