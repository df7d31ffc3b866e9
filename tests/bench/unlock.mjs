// Unlock time as the user sees it (a benchmark program, not a test): from
// submitting the passphrase to the wallet opening, Argon2id with the
// shipped parameters plus IndexedDB, in headless Chromium over loopback.
//
//   cd tests && npm run bench:unlock        (after a release build of dist/)
import { chromium } from "@playwright/test";
import { CHROMIUM, startServer } from "../support/server.mjs";

const RUNS = 5;
const WORDS = "leader monkey parrot ring guide accident before fence cannon height naive bean";
const PASSPHRASE = "correct horse battery";

const server = await startServer();
const browser = await chromium.launch(CHROMIUM);
const times = [];
try {
  const context = await browser.newContext();
  // Stamps the submit and the moment the wallet's navigation appears.
  await context.addInitScript(() => {
    document.addEventListener("submit", () => { window.__submittedAt = performance.now(); }, true);
    new MutationObserver(() => {
      if (window.__submittedAt && !window.__openedAt && document.querySelector('nav[aria-label="Main"]')) {
        window.__openedAt = performance.now();
      }
    }).observe(document, { subtree: true, childList: true });
  });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByRole("button", { name: "Restore from recovery words" }).click();
  await page.getByLabel(/Recovery words/).fill(WORDS);
  await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
  await page.getByLabel("Passphrase again").fill(PASSPHRASE);
  await page.getByRole("button", { name: "Restore wallet" }).click();
  await page.waitForSelector('nav[aria-label="Main"]');
  for (let run = 0; run < RUNS; run++) {
    await page.reload();
    await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.waitForSelector('nav[aria-label="Main"]');
    times.push(await page.evaluate(() => window.__openedAt - window.__submittedAt));
  }
} finally {
  await browser.close();
  await server.stop();
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`unlock (Argon2id, shipped parameters) in headless Chromium, median of ${RUNS}: ` +
  `${sorted[Math.floor(RUNS / 2)].toFixed(0)} ms   [${times.map((t) => t.toFixed(0)).join(", ")}]`);
