// Foundation figures (a benchmark program, not a test): the size of each
// .wasm file raw and compressed, the size of dist/, and the time from
// navigation to "engine ready" in headless Chromium over loopback.
//
//   cd tests && npm run bench        (after scripts/test.sh or scripts/dev.sh built dist/)
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { chromium } from "@playwright/test";
import { BUILT_DIST, CHROMIUM, startServer } from "../support/server.mjs";

const RUNS = 5;

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function files(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function sizes() {
  const all = await files(BUILT_DIST);
  console.log(`wasm files in ${BUILT_DIST} (after wasm-opt):`);
  for (const file of all.filter((name) => name.endsWith(".wasm"))) {
    const bytes = await readFile(file);
    const gzip = gzipSync(bytes, { level: 9 }).length;
    const brotli = brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length;
    console.log(`  ${file.slice(BUILT_DIST.length + 1)}: raw ${kib(bytes.length)}, gzip ${kib(gzip)}, brotli ${kib(brotli)}`);
  }
  const shipped = all.filter((name) => !name.endsWith(".br") && !name.endsWith(".gz"));
  const total = async (list) => (await Promise.all(list.map((name) => stat(name)))).reduce((sum, s) => sum + s.size, 0);
  console.log(`dist/: ${kib(await total(shipped))} in ${shipped.length} files, ` +
    `${kib(await total(all))} with the precompressed .br/.gz copies`);
}

/** Milliseconds from navigation start until the engine badge turns ready. */
async function timeToReady(page, url) {
  await page.goto(url);
  await page.waitForSelector('[data-testid="engine-status"][data-state="ready"]');
  return page.evaluate(() => window.__flashReadyAt);
}

async function startup() {
  const server = await startServer();
  const browser = await chromium.launch(CHROMIUM);
  const cold = [];
  const warm = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      // Records the moment the badge turns ready, without polling delay.
      await context.addInitScript(() => {
        new MutationObserver((_, observer) => {
          const badge = document.querySelector('[data-testid="engine-status"][data-state="ready"]');
          if (badge) {
            window.__flashReadyAt = performance.now();
            observer.disconnect();
          }
        }).observe(document, { subtree: true, childList: true, attributes: true });
      });
      const page = await context.newPage();
      cold.push(await timeToReady(page, server.url));
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      warm.push(await timeToReady(page, server.url));
      await context.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const show = (values) => values.map((value) => value.toFixed(0)).join(", ");
  console.log(`navigation → engine ready, headless Chromium over loopback, median of ${RUNS}:`);
  console.log(`  first visit (empty cache): ${median(cold).toFixed(0)} ms   [${show(cold)}]`);
  console.log(`  repeat visit (service worker cache): ${median(warm).toFixed(0)} ms   [${show(warm)}]`);
}

await sizes();
await startup();
