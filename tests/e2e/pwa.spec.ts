// Installable and offline: manifest, service worker, offline start, updates,
// and an app that never runs against an engine of another build.
import { readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { test, expect, engineStatus, expectEngineReady, NIP06_NPUB, npub, restoreWallet, unlock } from "./fixtures";
import { anotherProtocol, deployProtocol, withProtocol } from "../support/deploy.mjs";
import { BUILT_DIST, copyOfDist, startServer } from "../support/server.mjs";

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer) {
  expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

test("the manifest is linked, valid, and its icons exist at their stated sizes", async ({ page, request }) => {
  await page.goto("/");
  const href = await page.locator('link[rel="manifest"]').getAttribute("href");
  expect(href).toBeTruthy();

  const response = await request.get(href!);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("application/manifest+json");
  const manifest = await response.json();
  expect(manifest).toMatchObject({
    name: expect.stringContaining("Flash"),
    short_name: "Flash",
    start_url: "/",
    display: "standalone",
    theme_color: expect.stringMatching(/^#[0-9a-f]{6}$/i),
  });

  const sizes = new Set<string>();
  for (const icon of manifest.icons) {
    const image = await request.get(icon.src);
    expect(image.status(), icon.src).toBe(200);
    expect(image.headers()["content-type"]).toBe("image/png");
    expect(pngSize(await image.body()), icon.src).toBe(icon.sizes);
    sizes.add(`${icon.sizes} ${icon.purpose}`);
  }
  expect([...sizes]).toEqual(expect.arrayContaining(["192x192 any", "512x512 any", "512x512 maskable"]));
});

test("the service worker registers, precaches the wasm, and the wallet opens with the server stopped", async ({ browser }) => {
  const server = await startServer();
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(server.url);
    await restoreWallet(page);
    // The first install claims the page, so it is controlled from now on.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      const cache = await caches.open(names.find((name) => name.startsWith("flash-shell-"))!);
      return (await cache.keys()).map((request) => new URL(request.url).pathname);
    });
    expect(cached.filter((path) => path.endsWith(".wasm")).length).toBe(2);

    await server.stop();
    await page.reload();
    await expectEngineReady(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Flash is locked");
    await unlock(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Home");
    await expect(npub(page)).toHaveAttribute("data-npub", NIP06_NPUB);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("a new deployment is offered as an update and taken on reload", async ({ browser }) => {
  const dist = await copyOfDist();
  const server = await startServer(dist.dir);
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(server.url);
    await expectEngineReady(page);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const banner = page.getByText("A new version of Flash is ready.");
    await expect(banner).toBeHidden();

    // Deploy a new build: any change to a shipped file gives sw.js a new version.
    const sw = join(dist.dir, "sw.js");
    const source = await readFile(sw, "utf8");
    await writeFile(sw, source.replace(/const VERSION = "([^"]+)"/, 'const VERSION = "$1-next"'));
    // The precompressed copies belong to the old build.
    await rm(`${sw}.br`);
    await rm(`${sw}.gz`);
    // A real deployment comes later than the one before it; Last-Modified
    // has one-second precision, so say so explicitly.
    const later = new Date(Date.now() + 60_000);
    await utimes(sw, later, later);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());

    await expect(banner).toBeVisible();
    await page.getByRole("button", { name: "Reload" }).click();
    await page.waitForFunction(async () => {
      const names = await caches.keys();
      return names.some((name) => name.endsWith("-next"));
    });
    await expectEngineReady(page);
    await expect(banner).toBeHidden();
  } finally {
    await context.close();
    await server.stop();
    await dist.remove();
  }
});

/** The protocol the running app and engine both speak (set once they agree). */
async function agreedProtocol(page: Page) {
  await expectEngineReady(page);
  const protocol = await engineStatus(page).getAttribute("data-protocol");
  expect(protocol).toMatch(/^[0-9a-f]{16}$/);
  return protocol!;
}

test("after a deploy of another engine protocol, a plain reload runs the new app with its own engine", async ({ browser }) => {
  const [first, second] = [await copyOfDist(), await copyOfDist()];
  let server = await startServer(first.dir);
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const before = await agreedProtocol(page);

    // An ordinary reload, nothing deployed: the same build, no mismatch.
    await page.reload();
    expect(await agreedProtocol(page)).toBe(before);
    await expect(page.getByTestId("engine-outdated")).toHaveCount(0);

    // Deploy a build of another protocol on the same origin; the server
    // restarts, as in a real deploy.
    const after = anotherProtocol(before);
    await deployProtocol(second.dir, before, after);
    await server.stop();
    server = await startServer(second.dir, { listen: new URL(server.url).host });

    // A plain reload while the old service worker, and its cache of the
    // first build, still control the page: the new one waits for the user.
    await page.reload();
    expect(await agreedProtocol(page)).toBe(after);
    await expect(page.getByText("A new version of Flash is ready.")).toBeVisible();
    // Taking the update changes nothing about which engine runs.
    const reloaded = page.waitForEvent("load");
    await page.getByRole("button", { name: "Reload" }).click();
    await reloaded;
    expect(await agreedProtocol(page)).toBe(after);
  } finally {
    await context.close();
    await server.stop();
    await first.remove();
    await second.remove();
  }
});

test("an engine of another protocol is stopped unheard, and Reload brings the page's own", async ({ browser, baseURL }) => {
  // No service worker: the route below stands in for a cache or a half-done
  // deploy that hands this page another build's engine.
  const context = await browser.newContext({ baseURL, serviceWorkers: "block" });
  const page = await context.newPage();
  // Counts what each page posts to its engine.
  await page.addInitScript(() => {
    const post = Worker.prototype.postMessage;
    const counted = window as unknown as { posted: number };
    counted.posted = 0;
    Worker.prototype.postMessage = function (this: Worker, ...message: Parameters<Worker["postMessage"]>) {
      counted.posted += 1;
      return post.apply(this, message);
    };
  });
  const posted = () => page.evaluate(() => (window as unknown as { posted: number }).posted);
  try {
    await page.goto("/");
    const ours = await agreedProtocol(page);
    expect(await posted()).toBeGreaterThan(0);
    const theirs = anotherProtocol(ours);
    const engineWasm = (await readdir(BUILT_DIST)).find((name) => /^flash-worker-[0-9a-f]+_bg\.wasm$/.test(name))!;
    const stale = withProtocol(await readFile(join(BUILT_DIST, engineWasm)), ours, theirs);
    const wasm = "**/flash-worker-*_bg.wasm";
    await context.route(wasm, (route) => route.fulfill({ body: stale, contentType: "application/wasm" }));

    await page.reload();
    const outdated = page.getByTestId("engine-outdated");
    await expect(outdated.getByRole("heading")).toHaveText("Flash was updated");
    await expect(outdated).toContainText(`App protocol ${ours}, engine protocol ${theirs}.`);
    await expect(engineStatus(page)).toHaveAttribute("data-state", "failed");
    await expect(engineStatus(page)).not.toHaveAttribute("data-protocol", /./);
    // The app ended that engine without sending it a single command.
    await expect.poll(() => page.workers().length).toBe(0);
    expect(await posted()).toBe(0);

    await context.unroute(wasm);
    await outdated.getByRole("button", { name: "Reload" }).click();
    expect(await agreedProtocol(page)).toBe(ours);
    await expect(page.getByRole("button", { name: "Restore from recovery words" })).toBeVisible();
  } finally {
    await context.close();
  }
});
