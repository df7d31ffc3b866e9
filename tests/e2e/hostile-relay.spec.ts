// A hostile relay beside the honest dev relay (issue 11). The app's user
// reads and writes on both. The hostile one — a NIP-01 relay written here
// on `ws`, just enough of one (REQ, EVENT, EOSE, OK, CLOSE) — lies:
//
// - asked for the user's own relay list (kind 10002, authors = [user]), it
//   answers with another key's list, and with one under the user's key with
//   a bad signature, both dated a second ahead and naming wss://evil.example
//   beside the user's two relays;
// - asked where Bob receives messages (kind 10050, authors = [Bob]), it
//   answers with inbox lists naming wss://evil.example, one signed by
//   another key and one under Bob's key with a bad signature;
// - on the user's gift-wrap subscription it pushes a flood: junk wraps
//   p-tagged to the user (random keys, content that opens to nothing), one
//   dated in 2100, ten of about 1 MB.
//
// Bob is a nostr-tools user on the honest relay. What the user must see:
// their relay list unchanged, nothing they sign naming the evil relay, Bob's
// messages arriving live within 5 s after the flood (also after a reload,
// when the app subscribes again from what it stored), no REQ asking for
// events from after now, the engine ready throughout, and the conversation
// with Bob still there after unlocking again. The time the flood took to be
// taken in is printed.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import WebSocket, { WebSocketServer } from "ws";
import { finalizeEvent, generateSecretKey, getEventHash, getPublicKey, nip19, type NostrEvent } from "nostr-tools";
import * as nip17 from "nostr-tools/nip17";
import * as nip59 from "nostr-tools/nip59";
import { generateSeedWords } from "nostr-tools/nip06";
import type { Relay } from "nostr-tools/relay";
import { initNostrWasm } from "nostr-wasm";
import type { Page } from "@playwright/test";
import { test, expect, engineStatus, go, npub, restoreWallet, unlock } from "./fixtures";
import { devRelay } from "./nostr-tools";

/** How many junk wraps the flood holds, besides the ten large ones. */
const JUNK_WRAPS = 10_000;
const LARGE_WRAPS = 10;
/** About 1 MB of content: under the 1 MiB a relay message may have, far
 * over what any real gift wrap needs. */
const LARGE_CONTENT = 1_000_000;
const EVIL = "wss://evil.example";
/** 2100-01-01T00:00:00Z. */
const YEAR_2100 = 4_102_444_800;

const nowSecs = () => Math.floor(Date.now() / 1000);

type Filter = {
  kinds?: number[];
  authors?: string[];
  "#p"?: string[];
  since?: number;
  until?: number;
  limit?: number;
};
type Req = { at: number; id: string; filters: Filter[] };

/**
 * The hostile relay. Records every REQ (with when it came, in seconds) and
 * every event it is given; answers as described at the top of this file.
 */
class HostileRelay {
  readonly reqs: Req[] = [];
  readonly received: NostrEvent[] = [];
  /** The latest subscription to the user's gift wraps, where the flood goes. */
  private wraps?: { socket: WebSocket; id: string };
  private readonly waiters: (() => boolean)[] = [];
  private readonly http = createServer((_request, response) => {
    // NIP-11, for the relays screen.
    response.writeHead(200, { "content-type": "application/nostr+json", "access-control-allow-origin": "*" });
    response.end(JSON.stringify({ name: "Not evil at all", supported_nips: [1] }));
  });
  private readonly wss = new WebSocketServer({ server: this.http, maxPayload: 2 * 1024 * 1024 });
  url = "";

  /**
   * `me` is the app's user, `bob` their correspondent; the relay list it
   * forges for the user names the evil relay beside `relays` (so that, were
   * it adopted, this relay would still be used, and see what follows).
   */
  constructor(
    private readonly me: string,
    private readonly bob: string,
    private readonly relays: string[],
  ) {
    this.wss.on("connection", (socket: WebSocket, _request: IncomingMessage) => {
      socket.on("message", (data) => this.answer(socket, String(data)));
      socket.on("error", () => {});
    });
  }

  async listen() {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    this.url = `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async close() {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
    await new Promise((resolve) => this.http.close(resolve));
  }

  /**
   * Resolves once `condition` holds, checked after every message received;
   * fails, saying it waited for `what`, if it does not within `ms`.
   */
  until(what: string, condition: () => boolean, ms = 30_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the hostile relay waited ${ms} ms for ${what}`)), ms);
      this.waiters.push(() => {
        if (!condition()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      });
    });
  }

  private wake() {
    for (let i = this.waiters.length - 1; i >= 0; i--) if (this.waiters[i]()) this.waiters.splice(i, 1);
  }

  private answer(socket: WebSocket, text: string) {
    let message: unknown[];
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const send = (...parts: unknown[]) => socket.send(JSON.stringify(parts));
    const [verb, ...rest] = message as [string, ...unknown[]];
    if (verb === "EVENT") {
      const event = rest[0] as NostrEvent;
      this.received.push(event);
      send("OK", event.id, true, "");
    } else if (verb === "REQ") {
      const [id, ...filters] = rest as [string, ...Filter[]];
      this.reqs.push({ at: nowSecs(), id, filters });
      for (const filter of filters) {
        const asks = (kind: number, author: string) =>
          (filter.kinds ?? []).includes(kind) && (filter.authors ?? []).includes(author);
        if (asks(10002, this.me)) {
          const named = [EVIL, ...this.relays, this.url].map((url) => ["r", url]);
          for (const lie of forgeries(10002, this.me, named)) send("EVENT", id, lie);
        }
        if (asks(10050, this.bob)) {
          for (const lie of forgeries(10050, this.bob, [["relay", EVIL]])) send("EVENT", id, lie);
        }
        if ((filter.kinds ?? []).includes(1059) && (filter["#p"] ?? []).includes(this.me)) {
          this.wraps = { socket, id };
        }
      }
      send("EOSE", id);
    } else if (verb === "CLOSE") {
      if (this.wraps?.socket === socket && this.wraps.id === rest[0]) this.wraps = undefined;
    } else if (verb === "NEG-OPEN") {
      send("NEG-ERR", rest[0], "blocked: no negentropy here");
    }
    this.wake();
  }

  /** Whether the user has a gift-wrap subscription open here. */
  subscribed(): boolean {
    return this.wraps !== undefined && this.wraps.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Sends `events` (JSON texts) on the user's gift-wrap subscription, in
   * order; resolves when the last is handed to the system, with when the
   * first was sent (ms).
   */
  async push(events: string[]): Promise<{ started: number; written: number }> {
    const { socket, id } = this.wraps!;
    const started = performance.now();
    const prefix = `["EVENT",${JSON.stringify(id)},`;
    for (const event of events.slice(0, -1)) socket.send(prefix + event + "]");
    await new Promise<void>((resolve, reject) =>
      socket.send(prefix + events[events.length - 1] + "]", (error) => (error ? reject(error) : resolve())),
    );
    return { started, written: performance.now() };
  }
}

/**
 * Lists of `kind` that claim to be `author`'s, dated a second ahead, with
 * `tags`: one signed by another key, and one under `author`'s key whose
 * signature is another's.
 */
function forgeries(kind: number, author: string, tags: string[][]): NostrEvent[] {
  const template = { kind, created_at: nowSecs() + 1, tags, content: "" };
  const otherKey = finalizeEvent(template, generateSecretKey());
  const unsigned = { ...template, pubkey: author };
  const badSignature = { ...unsigned, id: getEventHash(unsigned), sig: finalizeEvent(template, generateSecretKey()).sig };
  return [otherKey, badSignature];
}

/** The flood's junk, as JSON texts: wraps to `me` from random keys whose
 * content opens to nothing; one dated 2100, ten of about 1 MB. */
async function junk(me: string): Promise<string[]> {
  const wasm = await initNostrWasm();
  const now = nowSecs();
  const wrap = (created_at: number, content: string) => {
    const event = { kind: 1059, created_at, tags: [["p", me]], content } as NostrEvent;
    wasm.finalizeEvent(event, wasm.generateSecretKey());
    return JSON.stringify(event);
  };
  const texts: string[] = [];
  for (let i = 0; i < JUNK_WRAPS; i++) {
    // Looks like a NIP-44 v2 payload (version byte 2), of a real wrap's size.
    const content = Buffer.concat([Buffer.from([2]), randomBytes(700)]).toString("base64");
    texts.push(wrap(now - Math.floor(Math.random() * 86_400), content));
  }
  texts[JUNK_WRAPS >> 1] = wrap(YEAR_2100, Buffer.concat([Buffer.from([2]), randomBytes(700)]).toString("base64"));
  // nostr-wasm's memory does not stretch to these: nostr-tools signs them.
  const large = "A".repeat(LARGE_CONTENT);
  for (let i = 0; i < LARGE_WRAPS; i++) {
    const event = finalizeEvent({ kind: 1059, created_at: now - i, tags: [["p", me]], content: large }, generateSecretKey());
    texts.splice(Math.floor(((i + 1) * texts.length) / (LARGE_WRAPS + 1)), 0, JSON.stringify(event));
  }
  return texts;
}

/** Everything `relay` holds that matches `filter`, up to its EOSE. */
function query(relay: Relay, filter: Filter): Promise<NostrEvent[]> {
  return new Promise((resolve) => {
    const found: NostrEvent[] = [];
    const sub = relay.subscribe([filter], {
      onevent: (event) => found.push(event),
      oneose: () => {
        sub.close();
        resolve(found);
      },
    });
  });
}

/** Records in the page every state the engine badge shows other than
 * "ready", from now until the page goes away. */
async function watchEngine(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = ((window as any).__engineNotReady = []);
    const check = () => {
      const state = document.querySelector('[data-testid="engine-status"]')?.getAttribute("data-state");
      if (state !== "ready") seen.push(String(state));
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  });
}

const engineNotReady = (page: Page): Promise<string[]> => page.evaluate(() => (window as any).__engineNotReady);

const texts = (page: Page, who: ".mine" | ".theirs") => page.getByTestId("messages").locator(`.message${who} .text`);

test("a hostile relay beside an honest one: forged relay lists are not adopted, and after a flood of junk wraps live messages still arrive and unlock still works", async ({
  page,
  request,
  server,
}) => {
  // 35 to 60 s on a busy 2-core machine, most of it the flood being taken
  // in (20 to 35 s).
  test.setTimeout(240_000);
  const { relay: honest, url: honestUrl } = await devRelay(request);
  const bob = generateSecretKey();
  const bobKey = getPublicKey(bob);
  const bobNpub = nip19.npubEncode(bobKey);
  let hostile: HostileRelay | undefined;
  try {
    // Bob receives his messages on the honest relay.
    await honest.publish(
      finalizeEvent({ kind: 10050, created_at: nowSecs(), tags: [["relay", honestUrl]], content: "" }, bob),
    );
    const toBob: string[] = [];
    honest.subscribe([{ kinds: [1059], "#p": [bobKey] }], {
      onevent: (wrap) => toBob.push(nip59.unwrapEvent(wrap, bob).content),
    });

    await page.goto("/");
    await restoreWallet(page, generateSeedWords());
    const me = nip19.decode((await npub(page).getAttribute("data-npub"))!).data as string;
    hostile = new HostileRelay(me, bobKey, [honestUrl]);
    await hostile.listen();
    const flood = await junk(me);

    // The user adds the hostile relay, for reading and writing.
    await go(page, "Settings");
    await page.getByRole("link", { name: "Your relays" }).click();
    await page.getByLabel("Relay address").fill(hostile.url);
    await page.getByRole("button", { name: "Add relay" }).click();
    const relayRows = page.getByTestId("relay");
    const hostileRow = page.locator(`[data-testid="relay"][data-url="${hostile.url}"]`);
    await expect(hostileRow.getByTestId("relay-status")).toHaveText("Connected");
    await expect(hostileRow.getByRole("checkbox", { name: "Read (inbox)" })).toBeChecked();
    await expect(hostileRow.getByRole("checkbox", { name: "Write" })).toBeChecked();
    const urls = [honestUrl, hostile.url].map((url) => url.replace(/\/$/, ""));
    await expect
      .poll(async () => (await relayRows.evaluateAll((rows) => rows.map((row) => row.getAttribute("data-url")))).sort())
      .toEqual([...urls].sort());

    // Next session, the honest relay is slow to answer (the dev server, its
    // relay with it, is paused while the wallet unlocks): the hostile one is
    // the first the app asks for the relay list the user published. The app
    // needs nothing from the server to unlock.
    await page.reload();
    await expect(page.getByRole("button", { name: "Unlock" })).toBeVisible();
    server.pause();
    try {
      const asked = hostile.reqs.length;
      const ownListAsked = hostile.until("the app to ask for the user's relay list", () =>
        hostile!.reqs
          .slice(asked)
          .some((req) => req.filters.some((f) => f.kinds?.includes(10002) && f.authors?.includes(me))),
      );
      await unlock(page);
      await ownListAsked;
    } finally {
      server.resume();
    }
    // The app, done with that answer, subscribes there and gives the relay
    // the user's list: the user's own, not the forged one.
    const given = hostile.received.length;
    const listGiven = () =>
      hostile!.received.slice(given).find((event) => event.kind === 10002 && event.pubkey === me);
    await hostile.until("the app to give it the user's relay list", () => listGiven() !== undefined);
    const ownList = listGiven()!;
    expect(ownList.tags.map((tag) => tag[1]).sort()).toEqual([...urls].sort());
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expect(engineStatus(page)).toHaveAttribute("data-state", "ready");
    await watchEngine(page);
    await go(page, "Settings");
    await page.getByRole("link", { name: "Your relays" }).click();
    await expect
      .poll(async () => (await relayRows.evaluateAll((rows) => rows.map((row) => row.getAttribute("data-url")))).sort())
      .toEqual([...urls].sort());
    await expect(page.getByText("evil.example")).toHaveCount(0);

    // The user writes to Bob: his inbox is looked up on both relays, and
    // the hostile one's forged lists are not believed.
    await go(page, "Chat");
    await expect(page.getByTestId("messaging-status")).toContainText("Connected to 2 relays.");
    await page.getByLabel("Message someone (npub)").fill(bobNpub);
    await page.getByRole("button", { name: "Open chat" }).click();
    await page.getByPlaceholder("Write a message").fill("Hi Bob, are you there?");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.getByTestId("delivery")).toHaveText(/sent to 1 of 1 relay$/, { timeout: 20_000 });
    await expect.poll(() => toBob).toEqual(["Hi Bob, are you there?"]);
    expect(
      hostile.reqs.some((req) => req.filters.some((f) => f.kinds?.includes(10050) && f.authors?.includes(bobKey))),
    ).toBe(true);

    // The flood, with a message from Bob last on the same connection: once
    // it shows, everything before it was read.
    expect(hostile.subscribed()).toBe(true);
    const flooded = nowSecs();
    const marker = JSON.stringify(nip17.wrapEvent(bob, { publicKey: me }, "after the flood"));
    const { started, written } = await hostile.push([...flood, marker]);
    await expect(texts(page, ".theirs")).toHaveText(["after the flood"], { timeout: 150_000 });
    const ingested = performance.now();
    console.log(
      `flood of ${JUNK_WRAPS} junk wraps (one dated 2100) and ${LARGE_WRAPS} of ~1 MB: ` +
        `written to the socket in ${((written - started) / 1000).toFixed(1)} s, ` +
        `taken in (the message after it shown) in ${((ingested - started) / 1000).toFixed(1)} s`,
    );
    await expect(engineStatus(page)).toHaveAttribute("data-state", "ready");

    // Bob writes after the flood, on the honest relay: it shows within 5 s.
    await honest.publish(nip17.wrapEvent(bob, { publicKey: me, relayUrl: honestUrl }, "still there?"));
    await expect(texts(page, ".theirs")).toHaveText(["after the flood", "still there?"], { timeout: 5_000 });
    expect(await engineNotReady(page)).toEqual([]);

    // Unlocking again after the flood: the conversation is there, and the
    // app subscribes again from what it stored, so live messages still come.
    await page.reload();
    const unlocking = performance.now();
    await unlock(page);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await go(page, "Chat");
    const withBob = page.getByRole("button", { name: new RegExp(bobNpub.slice(0, 12)) });
    await expect(withBob).toBeVisible({ timeout: 60_000 });
    console.log(`after the flood, unlock to the conversation list: ${((performance.now() - unlocking) / 1000).toFixed(1)} s`);
    await expect(engineStatus(page)).toHaveAttribute("data-state", "ready");
    await watchEngine(page);
    await withBob.click();
    await expect(texts(page, ".mine")).toHaveText(["Hi Bob, are you there?"]);
    await expect(texts(page, ".theirs")).toHaveText(["after the flood", "still there?"]);
    await expect(page.getByTestId("messaging-status")).toContainText("Connected to 2 relays.", { timeout: 30_000 });
    await hostile.until("the app to subscribe again to the user's gift wraps", () =>
      hostile!.reqs.some((req) => req.at >= flooded && req.filters.some((f) => f.kinds?.includes(1059))),
    );
    await honest.publish(nip17.wrapEvent(bob, { publicKey: me, relayUrl: honestUrl }, "welcome back"));
    await expect(texts(page, ".theirs")).toHaveText(["after the flood", "still there?", "welcome back"], {
      timeout: 5_000,
    });

    // No REQ asked the hostile relay for events from after the moment it came.
    const future = hostile.reqs.flatMap((req) =>
      req.filters.filter((f) => f.since !== undefined && f.since > req.at).map((f) => ({ at: req.at, ...f })),
    );
    expect(future).toEqual([]);
    expect(hostile.reqs.some((req) => req.at >= flooded && req.filters.some((f) => f.kinds?.includes(1059)))).toBe(true);

    // Nothing the user signed names the evil relay: not what the honest
    // relay holds by them, not what they gave the hostile one.
    const byMe = await query(honest, { authors: [me] });
    expect(byMe.map((event) => event.kind)).toEqual(expect.arrayContaining([10002, 10050]));
    expect(byMe.filter((event) => JSON.stringify(event).includes("evil.example"))).toEqual([]);
    const givenByMe = hostile.received.filter((event) => event.pubkey === me);
    expect(givenByMe.filter((event) => JSON.stringify(event).includes("evil.example"))).toEqual([]);
    await go(page, "Settings");
    await page.getByRole("link", { name: "Your relays" }).click();
    await expect
      .poll(async () => (await relayRows.evaluateAll((rows) => rows.map((row) => row.getAttribute("data-url")))).sort())
      .toEqual([...urls].sort());
    await expect(engineStatus(page)).toHaveAttribute("data-state", "ready");
    expect(await engineNotReady(page)).toEqual([]);
  } finally {
    honest.close();
    await hostile?.close();
  }
});
