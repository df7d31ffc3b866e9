// A flood of junk gift wraps (a benchmark program, not a test): 10,000
// kind 1059 events to a user of the app, signed so the relay and the
// engine's pool take them, that open to nothing, published to the dev
// relay while the app listens, then one real NIP-17 message. In headless
// Chromium: the time from the first junk published to the real message in
// the conversation list, and to the engine's event store holding no junk
// (each wrap opened once and deleted). Medians of several runs, each a
// fresh browser profile with a server of its own.
//
//   cd tests && npm run bench:flood       (after a release build of dist/)
//   cd tests && npm run bench:flood -- 2000    (another count; FLASH_BENCH_RUNS=1 for one run)
import { finalizeEvent, generateSecretKey, getPublicKey, nip59 } from "nostr-tools";
import { generateSeedWords, privateKeyFromSeedWords } from "nostr-tools/nip06";
import { chromium } from "@playwright/test";
import { CHROMIUM, startServer } from "../support/server.mjs";
import { publish, restoreUser } from "../support/chat.mjs";

const RUNS = Number(process.env.FLASH_BENCH_RUNS ?? 3);
const JUNK = Number(process.argv[2] ?? 10_000);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const show = (values) => `${median(values).toFixed(0)} ms   [${values.map((v) => v.toFixed(0)).join(", ")}]`;

/** `JUNK` gift wraps to `recipient` that verify and hold no NIP-44 payload. */
function junkWraps(recipient) {
  const signer = generateSecretKey();
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: JUNK }, (_, i) =>
    finalizeEvent({ kind: 1059, created_at: now - 3600 - i, tags: [["p", recipient]], content: `junk ${i}` }, signer),
  );
}

/** How many gift wraps the engine's event stores of this origin hold. */
function storedWraps() {
  const count = (name) =>
    new Promise((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const database = open.result;
        const index = database.transaction("events").objectStore("events").index("kind");
        const request = index.count(IDBKeyRange.bound([1059, -Infinity], [1059, Infinity]));
        request.onsuccess = () => {
          database.close();
          resolve(request.result);
        };
        request.onerror = () => reject(request.error);
      };
    });
  return indexedDB
    .databases()
    .then((databases) => databases.filter((database) => database.name.startsWith("flash-events-")))
    .then((events) => Promise.all(events.map((database) => count(database.name))))
    .then((counts) => counts.reduce((sum, n) => sum + n, 0));
}

const words = generateSeedWords();
const user = getPublicKey(privateKeyFromSeedWords(words));
const sender = generateSecretKey();
let started = performance.now();
const junk = junkWraps(user);
console.log(`signed ${JUNK} junk wraps with nostr-tools in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const browser = await chromium.launch(CHROMIUM);
const listed = [];
const cleared = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const server = await startServer();
    const context = await browser.newContext();
    try {
      const { page, relayUrl } = await restoreUser(context, server.url, words);
      const inbox = finalizeEvent(
        { kind: 10050, created_at: Math.floor(Date.now() / 1000), tags: [["relay", relayUrl]], content: "" },
        sender,
      );
      const real = nip59.wrapEvent(
        { kind: 14, created_at: Math.floor(Date.now() / 1000), tags: [["p", user]], content: "after the flood" },
        sender,
        user,
      );
      started = performance.now();
      await publish(relayUrl, [inbox, ...junk, real]);
      const published = performance.now() - started;
      await page.getByTestId("conversation").filter({ hasText: "after the flood" }).waitFor({ timeout: 600_000 });
      listed.push(performance.now() - started);
      // One wrap is kept: the real one.
      while ((await page.evaluate(storedWraps)) > 1) {
        await page.waitForTimeout(100);
      }
      cleared.push(performance.now() - started);
      console.log(
        `run ${run + 1}: published in ${(published / 1000).toFixed(1)} s; the real message listed after ` +
          `${(listed.at(-1) / 1000).toFixed(1)} s, the junk all deleted after ${(cleared.at(-1) / 1000).toFixed(1)} s`,
      );
    } finally {
      await context.close();
      await server.stop();
    }
  }
} finally {
  await browser.close();
}
console.log(`a flood of ${JUNK} junk gift wraps, headless Chromium, median of ${RUNS}, from the first published:`);
console.log(`  the real message after them in the conversation list: ${show(listed)}`);
console.log(`  the engine's store holding no junk (each opened once, deleted): ${show(cleared)}`);
