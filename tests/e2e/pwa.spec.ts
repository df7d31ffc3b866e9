// Installable and offline: manifest, service worker, offline start, updates.
import { readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, expect, expectEngineReady, NIP06_NPUB, npub, restoreWallet, unlock } from "./fixtures";
import { copyOfDist, startServer } from "../support/server.mjs";

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
