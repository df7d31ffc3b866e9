// Receiving an 8-proof eCash token from the dev mint (a benchmark program,
// not a test): this wallet (the engine, from the user's tap on Receive to
// "Received" on screen) against @cashu/cashu-ts running in the same headless
// Chromium (its `receive`, the mint already loaded, as ours is). Each token
// is received once; medians of 10.
//
//   cd tests && npm run bench:ecash        (after a release build of dist/)
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";
import WebSocket from "ws";
import { getEncodedToken, injectWebSocketImpl, Wallet } from "@cashu/cashu-ts";
import { generateSeedWords } from "nostr-tools/nip06";
import { CHROMIUM, startServer } from "../support/server.mjs";

const RUNS = 10;
const PROOFS = 8;
// 255 = 128 + 64 + … + 1: minted as exactly eight proofs.
const AMOUNT = 2 ** PROOFS - 1;
const PASSPHRASE = "correct horse battery";
const MODULES = fileURLToPath(new URL("../node_modules/", import.meta.url));

// cashu-ts in Node waits for quotes over the mint's NUT-17 websocket.
injectWebSocketImpl(WebSocket);

/** A fresh token of eight proofs, minted by cashu-ts in Node. */
async function eightProofToken(mint) {
  const wallet = new Wallet(mint, { unit: "sat" });
  await wallet.loadMint();
  const quote = await wallet.createMintQuoteBolt11(AMOUNT);
  try {
    // The dev mint is on the dev Lightning network: its outside world pays.
    const paid = await fetch(new URL("/api/dev/lightning/pay", mint), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ invoice: quote.request }),
    });
    if ((await paid.json()).status !== "succeeded") throw new Error("the mint's invoice was not paid");
    await wallet.on.onceMintPaid(quote.quote, { timeoutMs: 10_000 });
    const proofs = await wallet.mintProofsBolt11(AMOUNT, quote.quote);
    if (proofs.length !== PROOFS) throw new Error(`minted ${proofs.length} proofs, not ${PROOFS}`);
    return getEncodedToken({ mint, proofs, unit: "sat" });
  } finally {
    wallet.mint.disconnectWebSocket();
  }
}

/** cashu-ts as a browser loads it: ES modules resolved by an import map. */
const CASHU_TS_PAGE = `<!doctype html><script type="importmap">${JSON.stringify({
  imports: {
    "@cashu/cashu-ts": "/__bench/@cashu/cashu-ts/lib/cashu-ts.es.js",
    "@noble/curves/": "/__bench/@cashu/cashu-ts/node_modules/@noble/curves/",
    "@noble/hashes/": "/__bench/@cashu/cashu-ts/node_modules/@noble/hashes/",
    "@scure/base": "/__bench/@cashu/cashu-ts/node_modules/@scure/base/index.js",
    "@scure/bip32": "/__bench/@cashu/cashu-ts/node_modules/@scure/bip32/index.js",
  },
})}</script>`;

const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
const show = (times) => `${median(times).toFixed(0)} ms   [${times.map((t) => t.toFixed(0)).join(", ")}]`;

const server = await startServer();
const browser = await chromium.launch(CHROMIUM);
const ours = [];
const theirs = [];
try {
  const mint = (await (await fetch(new URL("/api/dev/config", server.url))).json()).mints[0];
  const tokens = [];
  for (let i = 0; i < 2 * RUNS; i++) tokens.push(await eightProofToken(mint));

  // This wallet, through the app.
  const app = await (await browser.newContext()).newPage();
  await app.goto(server.url);
  await app.getByRole("button", { name: "Restore from recovery words" }).click();
  await app.getByLabel(/Recovery words/).fill(generateSeedWords());
  await app.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
  await app.getByLabel("Passphrase again").fill(PASSPHRASE);
  await app.getByRole("button", { name: "Restore wallet" }).click();
  await app.getByRole("link", { name: "Add a mint to use eCash" }).click();
  await app.getByTestId("suggested-mint").click();
  await app.getByTestId("mint").waitFor();
  for (const token of tokens.slice(0, RUNS)) {
    await app.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Receive" }).click();
    await app.getByRole("radio", { name: "eCash token" }).check();
    await app.getByLabel("Paste an eCash token").fill(token);
    const receive = app.getByRole("button", { name: "Receive", exact: true });
    await receive.waitFor();
    // Stamps the tap and the moment "Received" shows.
    await app.evaluate(() => {
      window.__receivedAt = undefined;
      document.addEventListener("click", () => { window.__tappedAt = performance.now(); }, { capture: true, once: true });
      new MutationObserver((_, observer) => {
        if (document.querySelector('[data-testid="received"]')) {
          window.__receivedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { subtree: true, childList: true });
    });
    await receive.click();
    await app.getByTestId("received").waitFor();
    ours.push(await app.evaluate(() => window.__receivedAt - window.__tappedAt));
  }

  // cashu-ts, in a page of the same origin (the mint is at /mint).
  const page = await (await browser.newContext()).newPage();
  await page.route(`${server.url}__bench/**`, async (route) => {
    const path = new URL(route.request().url()).pathname.replace("/__bench/", "");
    await route.fulfill({ contentType: "text/javascript", body: await readFile(MODULES + path) });
  });
  await page.route(`${server.url}__bench.html`, (route) =>
    route.fulfill({ contentType: "text/html", body: CASHU_TS_PAGE }),
  );
  await page.goto(`${server.url}__bench.html`);
  for (const token of tokens.slice(RUNS)) {
    theirs.push(
      await page.evaluate(
        async ({ mint, token }) => {
          const { Wallet } = await import("@cashu/cashu-ts");
          window.__wallet ??= new Wallet(mint, { unit: "sat" });
          const wallet = window.__wallet;
          await wallet.loadMint();
          const started = performance.now();
          await wallet.receive(token);
          return performance.now() - started;
        },
        { mint, token },
      ),
    );
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(`receive an ${PROOFS}-proof token (${AMOUNT} sat) from the dev mint, headless Chromium, median of ${RUNS}:`);
console.log(`  this wallet (tap to "Received"): ${show(ours)}`);
console.log(`  cashu-ts in the same browser:    ${show(theirs)}`);
console.log(`  ratio (this wallet / cashu-ts):  ${(median(ours) / median(theirs)).toFixed(2)}`);
