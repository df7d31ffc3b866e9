// Opening a long conversation (a benchmark program, not a test): 5,000
// (or the count given) NIP-17 private messages from one nostr-tools key to
// a user of the app who wrote to them first (a stranger's messages past
// their quota would be dropped), published to the dev relay while the app
// listens; in headless Chromium,
// the time from the click on the conversation to the first paint of its
// messages, once they have all arrived; then after a reload, with the
// history read back from IndexedDB, the time from unlocking (the passphrase
// submitted) to the conversation list painted, and the click to the first
// paint again. Medians of several runs, each a fresh browser profile
// restoring the same user, with a server of its own.
//
//   cd tests && npm run bench:chat        (after a release build of dist/)
//   cd tests && npm run bench:chat -- 20000    (another count; FLASH_BENCH_RUNS=1 for one run)
import { finalizeEvent, generateSecretKey, getPublicKey, nip59 } from "nostr-tools";
import { generateSeedWords, privateKeyFromSeedWords } from "nostr-tools/nip06";
import { chromium } from "@playwright/test";
import { CHROMIUM, startServer } from "../support/server.mjs";
import { PASSPHRASE, publish, restoreUser } from "../support/chat.mjs";

const RUNS = Number(process.env.FLASH_BENCH_RUNS ?? 3);
const MESSAGES = Number(process.argv[2] ?? 5_000);
const DAY = 24 * 3600;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const show = (values) => `${median(values).toFixed(0)} ms   [${values.map((v) => v.toFixed(0)).join(", ")}]`;

/**
 * Records, in the page's clock, when the user clicked a conversation or
 * unlocked, and the first frame after that showing the conversation's
 * messages, or the open wallet and then the conversation list (the
 * requestAnimationFrame callback of the frame that paints them).
 */
function recordPaints() {
  const marks = (window.__bench = {});
  const inFrame = (name) => requestAnimationFrame(() => (marks[name] ??= performance.now()));
  document.addEventListener(
    "click",
    (event) => {
      if (event.target.closest?.('[data-testid="conversation"]')) {
        marks.clicked = event.timeStamp;
        delete marks.messages;
      }
    },
    true,
  );
  document.addEventListener(
    "submit",
    (event) => {
      if (event.target.querySelector('input[type="password"]') && !marks.unlocked) {
        marks.unlocked = event.timeStamp;
      }
    },
    true,
  );
  new MutationObserver(() => {
    if (marks.clicked && !marks.messages && document.querySelector('[data-testid="messages"] [data-testid="message"]')) {
      marks.messages = -1;
      inFrame("messagesPainted");
    }
    // The wallet is open: the chat page shows the relays' state.
    if (marks.unlocked && !marks.open && document.querySelector('[data-testid="messaging-status"]')) {
      marks.open = -1;
      inFrame("openPainted");
    }
    if (marks.unlocked && !marks.list && document.querySelector('[data-testid="conversation"]')) {
      marks.list = -1;
      inFrame("listPainted");
    }
  }).observe(document, { subtree: true, childList: true });
}

/**
 * The first word, from `recipient` (their own copy), then `MESSAGES`
 * messages over the last 30 days from `sender` to them, sealed and
 * gift-wrapped.
 */
function giftWraps(sender, recipient, recipientKey) {
  const now = Math.floor(Date.now() / 1000);
  const first = { kind: 14, created_at: now - 31 * DAY, tags: [["p", getPublicKey(sender)]], content: "Lunch tomorrow?" };
  const wraps = [nip59.wrapEvent(first, recipientKey, recipient)];
  for (let i = 0; i < MESSAGES; i++) {
    const rumor = {
      kind: 14,
      created_at: now - 30 * DAY + Math.floor((i * 30 * DAY) / MESSAGES),
      tags: [["p", recipient]],
      content: `Message ${i + 1} of ${MESSAGES}: are we still on for lunch tomorrow?`,
    };
    wraps.push(nip59.wrapEvent(rumor, sender, recipient));
  }
  return wraps;
}

/** Clicks the conversation and returns the milliseconds to its messages' first paint. */
async function openConversation(page) {
  await page.getByTestId("conversation").click();
  await page.waitForFunction(() => window.__bench.messagesPainted !== undefined);
  const time = await page.evaluate(() => window.__bench.messagesPainted - window.__bench.clicked);
  await page.getByRole("button", { name: "← All chats" }).click();
  return time;
}

const words = generateSeedWords();
const userKey = privateKeyFromSeedWords(words);
const user = getPublicKey(userKey);
const sender = generateSecretKey();
let started = performance.now();
const wraps = giftWraps(sender, user, userKey);
console.log(`sealed ${MESSAGES} messages with nostr-tools in ${((performance.now() - started) / 1000).toFixed(0)} s`);

const browser = await chromium.launch(CHROMIUM);
const fresh = [];
const unlockToOpen = [];
const unlockToList = [];
const reloaded = [];
try {
  for (let run = 0; run < RUNS; run++) {
    // A relay sends at most its newest 500 stored events for a request, as
    // the dev relay does: the messages are published while the app listens,
    // each run to a relay of its own.
    const server = await startServer();
    const context = await browser.newContext();
    try {
      await context.addInitScript(recordPaints);
      const { page, relayUrl } = await restoreUser(context, server.url, words);

      // Where the sender receives private messages (NIP-17), as any client publishes.
      const inbox = finalizeEvent(
        { kind: 10050, created_at: Math.floor(Date.now() / 1000), tags: [["relay", relayUrl]], content: "" },
        sender,
      );
      started = performance.now();
      await publish(relayUrl, [inbox, ...wraps]);
      const published = performance.now() - started;
      // Every message has arrived, and none of theirs is read.
      await page
        .getByTestId("conversation")
        .getByTestId("unread")
        .filter({ hasText: String(MESSAGES) })
        .waitFor({ timeout: 60_000 + MESSAGES * 60 });
      const listed = performance.now() - started;
      fresh.push(await openConversation(page));

      await page.reload();
      await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
      await page.getByRole("button", { name: "Unlock" }).click();
      await page.waitForFunction(() => window.__bench.listPainted !== undefined, null, { timeout: 120_000 });
      const marks = await page.evaluate(() => window.__bench);
      unlockToOpen.push(marks.openPainted - marks.unlocked);
      unlockToList.push(marks.listPainted - marks.unlocked);
      reloaded.push(await openConversation(page));
      console.log(
        `run ${run + 1}: published in ${(published / 1000).toFixed(1)} s, all ${MESSAGES} listed after ` +
          `${(listed / 1000).toFixed(1)} s; open ${fresh.at(-1).toFixed(0)} ms; after reload: ` +
          `unlock → wallet open ${unlockToOpen.at(-1).toFixed(0)} ms, → list ${unlockToList.at(-1).toFixed(0)} ms, ` +
          `open ${reloaded.at(-1).toFixed(0)} ms`,
      );
    } finally {
      await context.close();
      await server.stop();
    }
  }
} finally {
  await browser.close();
}
console.log(`a conversation of ${MESSAGES} messages, headless Chromium, median of ${RUNS}:`);
console.log(`  click → first paint of its messages (all delivered by the relay): ${show(fresh)}`);
console.log(`  after a reload, unlock → wallet open (chat page painted; Argon2id, the vault): ${show(unlockToOpen)}`);
console.log(`  unlock → conversation list painted (from the sealed index): ${show(unlockToList)}`);
console.log(`  then click → first paint of its messages: ${show(reloaded)}`);
