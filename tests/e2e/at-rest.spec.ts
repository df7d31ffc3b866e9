// At rest (issue 11): after a user with recovery words and a passphrase
// minted eCash, sent a token, exchanged private messages both ways with a
// nostr-tools user, left a message waiting in the outbox, and connected a
// NIP-46 remote signer in a second profile, everything the origin keeps —
// every IndexedDB database (every object store, every key and value, binary
// values as hex and as text), Cache Storage and localStorage — is read raw
// from the page. None of it may hold the recovery words, the NOSTR secret
// key (nsec or hex), the token or any of its proofs' secrets, the bunker
// link's secret, what the messages said, the key of the recipient whose
// message waits in the outbox, or either passphrase.
import { createServer } from "node:net";
import { finalizeEvent, generateSecretKey, getPublicKey, nip19 } from "nostr-tools";
import * as nip17 from "nostr-tools/nip17";
import * as nip59 from "nostr-tools/nip59";
import { generateSeedWords, privateKeyFromSeedWords } from "nostr-tools/nip06";
import { getDecodedToken } from "@cashu/cashu-ts";
import type { Page } from "@playwright/test";
import { test, expect, choosePassphrase, go, npub, pickDevMint, PASSPHRASE } from "./fixtures";
import { devMint, payFromOutside } from "./cashu-ts";
import { devRelay, remoteSigner } from "./nostr-tools";

/** The second profile's passphrase. */
const BUNKER_PASSPHRASE = "staple battery horse correct";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A record the origin keeps, and everything in it as searchable text. */
type Kept = { where: string; text: string };

/**
 * Reads, in the page, everything the origin keeps: each IndexedDB
 * database's object stores, record by record (key and value), each Cache
 * Storage entry (URL and body), each localStorage (and sessionStorage)
 * item. Bytes appear as lower-case hex and as text, so both a string and
 * the hex of a key are found. Returns, for each of `needles` (name → the
 * forms to look for), where it was found, and what was read.
 */
async function dumpAndSearch(page: Page, needles: Record<string, string[]>) {
  return page.evaluate(async (needles) => {
    const kept: Kept[] = [];
    const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    const bytesText = (bytes: Uint8Array) =>
      `hex:${toHex(bytes)} latin1:${Array.from(bytes, (byte) => String.fromCharCode(byte)).join("")} utf8:${new TextDecoder().decode(bytes)}`;
    const show = async (value: unknown): Promise<string> => {
      if (value === null || value === undefined) return String(value);
      if (typeof value === "string") return value;
      if (typeof value !== "object") return String(value);
      if (value instanceof ArrayBuffer) return bytesText(new Uint8Array(value));
      if (ArrayBuffer.isView(value)) return bytesText(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      if (value instanceof Blob) return bytesText(new Uint8Array(await value.arrayBuffer()));
      if (value instanceof Date) return value.toISOString();
      if (Array.isArray(value)) return `[${(await Promise.all(value.map(show))).join(",")}]`;
      if (value instanceof Map || value instanceof Set) return show([...value.entries()]);
      const fields = await Promise.all(Object.entries(value).map(async ([key, field]) => `${key}=${await show(field)}`));
      return `{${fields.join(",")}}`;
    };
    const request = <T,>(request: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const databases = await indexedDB.databases();
    for (const { name } of databases) {
      const db = await request(indexedDB.open(name!));
      for (const store of Array.from(db.objectStoreNames)) {
        const records: { key: IDBValidKey; value: unknown }[] = [];
        await new Promise<void>((resolve, reject) => {
          const cursor = db.transaction(store).objectStore(store).openCursor();
          cursor.onerror = () => reject(cursor.error);
          cursor.onsuccess = () => {
            const at = cursor.result;
            if (!at) return resolve();
            records.push({ key: at.key, value: at.value });
            at.continue();
          };
        });
        for (const { key, value } of records) {
          const shownKey = await show(key);
          kept.push({ where: `indexedDB ${name} / ${store} / ${shownKey.slice(0, 80)}`, text: `${shownKey} ${await show(value)}` });
        }
        kept.push({ where: `indexedDB ${name} / ${store} (its name)`, text: store });
      }
      db.close();
    }
    const cacheNames = await caches.keys();
    for (const cacheName of cacheNames) {
      const cache = await caches.open(cacheName);
      for (const entry of await cache.keys()) {
        const response = await cache.match(entry);
        const body = response ? new Uint8Array(await response.arrayBuffer()) : new Uint8Array();
        kept.push({ where: `Cache Storage ${cacheName} / ${entry.url}`, text: `${entry.url} ${bytesText(body)}` });
      }
    }
    for (const [label, storage] of [
      ["localStorage", localStorage],
      ["sessionStorage", sessionStorage],
    ] as const) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i)!;
        kept.push({ where: `${label} / ${key}`, text: `${key} ${storage.getItem(key)}` });
      }
    }
    const found: Record<string, string[]> = {};
    for (const [name, forms] of Object.entries(needles)) {
      found[name] = kept.filter((record) => forms.some((form) => record.text.includes(form))).map((record) => record.where);
    }
    return {
      found,
      databases: databases.map((database) => database.name!),
      caches: cacheNames,
      records: kept.length,
      localStorage: localStorage.length,
    };
  }, needles);
}

/** The forms to look for of `text`: itself and the hex of its UTF-8 bytes. */
const forms = (text: string) => [text, hex(new TextEncoder().encode(text))];

test("nothing secret, no message text and no correspondent's key in the outbox is readable at rest after minting, sending, messaging and a NIP-46 connection", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  const { relay, url } = await devRelay(request);
  const mint = await devMint(request);
  try {
    // The user: recovery words and a passphrase.
    const words = generateSeedWords();
    const secret = privateKeyFromSeedWords(words);
    const me = getPublicKey(secret);
    await page.goto("/");
    await page.getByRole("button", { name: "Restore from recovery words" }).click();
    await page.getByLabel(/Recovery words/).fill(words);
    await choosePassphrase(page, PASSPHRASE);
    await page.getByRole("button", { name: "Restore wallet" }).click();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expect(npub(page)).toHaveAttribute("data-npub", nip19.npubEncode(me));

    // eCash: minted by Lightning at the dev mint, then a token sent.
    await page.getByRole("link", { name: "Add a mint to use eCash" }).click();
    await page.getByTestId("suggested-mint").click();
    await expect(page.getByTestId("mint")).toContainText("Flash dev mint");
    await go(page, "Receive");
    await pickDevMint(page, "Receive into");
    await page.getByLabel("Amount (sat)").fill("100");
    await page.getByRole("button", { name: "Create invoice" }).click();
    await payFromOutside(mint, (await page.getByTestId("invoice").textContent())!);
    await expect(page.getByTestId("minted")).toHaveText("Received 100 sat");
    await go(page, "Send");
    await page.getByLabel("Amount (sat)").fill("40");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("token").textContent())!;
    expect(token).toMatch(/^cashuB/);
    const keysets: { id: string }[] = (await (await request.get(`${mint}/v1/keysets`)).json()).keysets;
    const proofSecrets = getDecodedToken(
      token,
      keysets.map((keyset) => keyset.id),
    ).proofs.map((proof) => proof.secret);
    expect(proofSecrets.length).toBeGreaterThan(0);

    // Private messages both ways with Carol, on nostr-tools.
    const carol = generateSecretKey();
    const carolKey = getPublicKey(carol);
    await relay.publish(
      finalizeEvent({ kind: 10050, created_at: Math.floor(Date.now() / 1000), tags: [["relay", url]], content: "" }, carol),
    );
    const carolGot = new Promise<string>((resolve) => {
      relay.subscribe([{ kinds: [1059], "#p": [carolKey] }], {
        onevent: (wrap) => resolve(nip59.unwrapEvent(wrap, carol).content),
      });
    });
    const toCarol = "the spare key is under the blue flowerpot";
    const fromCarol = "thanks, I will feed the cat at seven";
    await go(page, "Chat");
    await page.getByLabel("Message someone (npub)").fill(nip19.npubEncode(carolKey));
    await page.getByRole("button", { name: "Open chat" }).click();
    await page.getByPlaceholder("Write a message").fill(toCarol);
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.getByTestId("delivery")).toHaveText(/sent to 1 of 1 relay$/);
    expect(await carolGot).toBe(toCarol);
    await relay.publish(nip17.wrapEvent(carol, { publicKey: me, relayUrl: url }, fromCarol));
    await expect(page.getByTestId("messages").locator(".theirs .text")).toHaveText([fromCarol]);

    // A message to Dave, whose only inbox relay nobody answers at: it waits
    // in the outbox.
    const dave = generateSecretKey();
    const daveKey = getPublicKey(dave);
    const unreachable = `ws://127.0.0.1:${await closedPort()}`;
    await relay.publish(
      finalizeEvent(
        { kind: 10050, created_at: Math.floor(Date.now() / 1000), tags: [["relay", unreachable]], content: "" },
        dave,
      ),
    );
    const toDave = "meet me by the old mill on thursday";
    await page.getByRole("button", { name: "← All chats" }).click();
    await page.getByLabel("Message someone (npub)").fill(nip19.npubEncode(daveKey));
    await page.getByRole("button", { name: "Open chat" }).click();
    await page.getByPlaceholder("Write a message").fill(toDave);
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.getByTestId("delivery")).toHaveAttribute("data-state", "waiting", { timeout: 20_000 });

    // A second profile, signed in through a NIP-46 remote signer whose
    // bunker:// link carries a one-time secret.
    const bunker = generateSecretKey();
    const remoteUser = generateSecretKey();
    const asked: string[] = [];
    await remoteSigner(relay, bunker, remoteUser, asked);
    const bunkerSecret = hex(generateSecretKey()).slice(0, 32);
    await go(page, "Settings");
    await page.getByRole("button", { name: "Add a profile" }).click();
    await page.getByText("Other ways in").click();
    await page.getByRole("button", { name: "Connect a remote signer (NIP-46)" }).click();
    await page
      .getByLabel("Signer link (bunker://…)")
      .fill(`bunker://${getPublicKey(bunker)}?relay=${encodeURIComponent(url)}&secret=${bunkerSecret}`);
    await choosePassphrase(page, BUNKER_PASSPHRASE);
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await expect(npub(page)).toHaveAttribute("data-npub", nip19.npubEncode(getPublicKey(remoteUser)));
    expect(asked).toContain("connect");

    // What the origin keeps, read raw.
    const dump = await dumpAndSearch(page, {
      "the recovery words": forms(words),
      "the nsec": forms(nip19.nsecEncode(secret)),
      "the secret key in hex": [hex(secret)],
      "the secret key in base64": [Buffer.from(secret).toString("base64")],
      "the token": forms(token),
      ...Object.fromEntries(proofSecrets.map((proofSecret, i) => [`proof secret ${i + 1}`, forms(proofSecret)])),
      "the bunker secret": forms(bunkerSecret),
      "the message to Carol": forms(toCarol),
      "Carol's message": forms(fromCarol),
      "the message to Dave": forms(toDave),
      "Dave's key": [daveKey],
      "the passphrase": forms(PASSPHRASE),
      "the second profile's passphrase": forms(BUNKER_PASSPHRASE),
      // Public, and kept: the search sees into what it reads.
      "the user's public key": [me],
    });
    console.log(
      `read ${dump.records} records from ${dump.databases.length} IndexedDB databases (${dump.databases.join(", ")}), ` +
        `${dump.caches.length} caches, ${dump.localStorage} localStorage items`,
    );
    // Both profiles' databases and the app shell's cache were read.
    expect(dump.databases.filter((name) => name.startsWith("flash-profile-"))).toHaveLength(2);
    expect(dump.caches.length).toBeGreaterThan(0);
    expect(dump.found["the user's public key"].length).toBeGreaterThan(0);
    for (const name of Object.keys(dump.found)) {
      if (name === "the user's public key" || name === "Dave's key") continue;
      expect.soft(dump.found[name], `${name}, found in`).toEqual([]);
    }
    // Dave published his inbox list, and the event store keeps it as it
    // came: his key there is public. Anywhere else — in the outbox above
    // all, which shows whom the user writes to (its gift wraps name Dave in
    // their `p` tags) — it must not be readable.
    expect
      .soft(
        dump.found["Dave's key"].filter((where) => !where.startsWith("indexedDB flash-events-")),
        "Dave's key (a recipient's, in the outbox), found in",
      )
      .toEqual([]);
  } finally {
    relay.close();
  }
});
