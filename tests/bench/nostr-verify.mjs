// The JavaScript side of the NOSTR benchmark (a program that prints
// figures, not a test): in headless Chromium, on the events of
// bench/nostr-events.mjs, the events nostr-tools' `verifyEvent` and
// nostr-wasm's verify per second, and the time nostr-tools' NIP-17
// `unwrapEvent` takes to open the 1,000 gift wraps; then, with the worker's
// figures (the `RESULT` lines worker/tests/bench_nostr.rs printed), the
// three side by side and their ratios.
//
//   node bench/nostr-verify.mjs <events.json> <worker-output.txt>
//   (scripts/bench-nostr.sh runs it)
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";
import { CHROMIUM } from "../support/server.mjs";

const RUNS = 5;
// The page and its files are served by Playwright itself: no server.
const ORIGIN = "http://bench.invalid";
const FILES = {
  "/nostr-tools.js": "../node_modules/nostr-tools/lib/nostr.bundle.js",
  "/nostr-wasm/main.js": "../node_modules/nostr-wasm/dist/main.js",
  "/nostr-wasm/nostr.js": "../node_modules/nostr-wasm/dist/nostr.js",
};

const [eventsFile, workerOutput] = process.argv.slice(2);
if (!workerOutput) throw new Error("usage: node bench/nostr-verify.mjs <events.json> <worker-output.txt>");

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const show = (values, decimals = 0) => values.map((value) => value.toFixed(decimals)).join(", ");

/** The `RESULT <name> <value>` lines of the worker's run. */
async function workerResults() {
  const results = {};
  for (const [, name, value] of (await readFile(workerOutput, "utf8")).matchAll(/RESULT (\S+) (\S+)/g)) {
    results[name] = Number(value);
  }
  for (const name of ["worker-verify", "worker-open", "worker-verify-open", "worker-open-signer"]) {
    if (!(name in results)) throw new Error(`${workerOutput} has no RESULT ${name}`);
  }
  return results;
}

/** Runs in the page: each measurement RUNS times, on fresh copies of the events. */
async function measure({ runs }) {
  const { initNostrWasm } = await import("/nostr-wasm/main.js");
  const nostrWasm = await initNostrWasm();
  const { verifyEvent, nip17, utils } = window.NostrTools;
  const text = await (await fetch("/events.json")).text();
  // nostr-tools remembers on each event object that it verified it: every
  // run gets objects it has not seen.
  const fresh = () => JSON.parse(text);
  const rates = (verify) => {
    const values = [];
    for (let run = 0; run < runs; run++) {
      const { notes } = fresh();
      const started = performance.now();
      for (const note of notes) {
        if (!verify(note)) throw new Error(`${note.id} did not verify`);
      }
      values.push((notes.length / (performance.now() - started)) * 1000);
    }
    return values;
  };
  const unwrapTimes = (verifyWrap) => {
    const values = [];
    for (let run = 0; run < runs; run++) {
      const { recipient, wraps } = fresh();
      const key = utils.hexToBytes(recipient);
      const started = performance.now();
      for (const wrap of wraps) {
        if (verifyWrap && !verifyEvent(wrap)) throw new Error(`${wrap.id} did not verify`);
        if (nip17.unwrapEvent(wrap, key).kind !== 14) throw new Error(`${wrap.id} holds no message`);
      }
      values.push(performance.now() - started);
    }
    return values;
  };
  return {
    notes: fresh().notes.length,
    wraps: fresh().wraps.length,
    nostrTools: rates(verifyEvent),
    // It throws on a bad event, and returns nothing otherwise.
    nostrWasm: rates((event) => (nostrWasm.verifyEvent(event), true)),
    unwrap: unwrapTimes(false),
    verifyUnwrap: unwrapTimes(true),
  };
}

async function inChromium() {
  const browser = await chromium.launch(CHROMIUM);
  try {
    const page = await browser.newPage();
    await page.route(`${ORIGIN}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === "/") return route.fulfill({ contentType: "text/html", body: '<script src="/nostr-tools.js"></script>' });
      if (path === "/events.json") return route.fulfill({ contentType: "application/json", path: eventsFile });
      const file = FILES[path];
      if (!file) return route.fulfill({ status: 404 });
      return route.fulfill({ contentType: "text/javascript", path: fileURLToPath(new URL(file, import.meta.url)) });
    });
    await page.goto(`${ORIGIN}/`);
    return await page.evaluate(measure, { runs: RUNS });
  } finally {
    await browser.close();
  }
}

const worker = await workerResults();
const page = await inChromium();
const tools = median(page.nostrTools);
const wasm = median(page.nostrWasm);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
console.log(`\nevents verified per second, headless Chromium, ${page.notes} notes, median of ${RUNS}:`);
console.log(`  worker (rust-nostr Event::verify, wasm, dedicated worker): ${worker["worker-verify"].toFixed(0)}/s`);
console.log(`  nostr-tools verifyEvent (page):                           ${tools.toFixed(0)}/s   [${show(page.nostrTools)}]`);
console.log(`  nostr-wasm verifyEvent (page):                            ${wasm.toFixed(0)}/s   [${show(page.nostrWasm)}]`);
console.log(`  worker / nostr-tools: ${ratio(worker["worker-verify"], tools)}   worker / nostr-wasm: ${ratio(worker["worker-verify"], wasm)}`);

const unwrap = median(page.unwrap);
const verifyUnwrap = median(page.verifyUnwrap);
console.log(`\n${page.wraps} NIP-17 gift wraps from one correspondent opened, headless Chromium, median of ${RUNS}:`);
console.log(`  worker Messenger::open, user's key at hand:   ${worker["worker-open"].toFixed(1)} ms`);
console.log(`  worker Messenger::open, through the signer:   ${worker["worker-open-signer"].toFixed(1)} ms`);
console.log(`  nostr-tools nip17.unwrapEvent:                ${unwrap.toFixed(1)} ms   [${show(page.unwrap, 1)}]`);
console.log(`  nostr-tools / worker (key at hand): ${ratio(unwrap, worker["worker-open"])}`);
console.log(`  with each wrap's own verification first (as on arrival):`);
console.log(`    worker: ${worker["worker-verify-open"].toFixed(1)} ms   nostr-tools: ${verifyUnwrap.toFixed(1)} ms   [${show(page.verifyUnwrap, 1)}]` +
  `   nostr-tools / worker: ${ratio(verifyUnwrap, worker["worker-verify-open"])}`);
