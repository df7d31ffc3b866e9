// Zaps (NIP-57) to a Lightning address, made and checked by an implementation
// no one here wrote: nostr-tools' nip57 makes the zap request to a user's
// name at `server --dev`, the dev Lightning network pays the invoice, and the
// receipt the server publishes to the dev relay passes the checks a NOSTR
// client makes (Appendix F): signed by the address's nostrPubkey, its
// description the zap request (valid by nip57.validateZapRequest) whose
// SHA-256 the invoice's description hash is, and the invoice's amount the
// request's. The user's history names the zapper. No page: the user is a
// NOSTR key signing the account API with nostr-tools' NIP-98.
//
// Then the other way: the app zaps someone from their page (their profile's
// Lightning address being a name at the server), the user signing the zap
// request, and the receipt published passes the same checks.
import { finalizeEvent, generateSecretKey, getPublicKey, nip19, verifyEvent, type Event } from "nostr-tools";
import * as nip57 from "nostr-tools/nip57";
import { generateSeedWords } from "nostr-tools/nip06";
import * as nip98 from "nostr-tools/nip98";
// nostr-tools' own hashing and bech32 (its dependencies), to read the invoice.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { bech32 } from "@scure/base";
import type { APIRequestContext } from "@playwright/test";
import { test, expect, go, openChat, restoreWallet } from "./fixtures";
import { devRelay } from "./nostr-tools";

/** `method` `path` of the account API, NIP-98 signed by `secret`. */
async function signed(request: APIRequestContext, baseURL: string, secret: Uint8Array, method: string, path: string, body?: object) {
  const url = new URL(path, baseURL).href;
  const authorization = await nip98.getToken(url, method, (event) => finalizeEvent(event, secret), true, body);
  const response = await request.fetch(url, {
    method,
    headers: { authorization, "content-type": "application/json" },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  // Every API answer is JSON: an empty one is a route this server lacks.
  if (!text) throw new Error(`${method} ${path}: ${response.status()} without a body`);
  return { status: response.status(), json: JSON.parse(text) };
}

/** A BOLT11 invoice's amount (msat) and description hash (hex), read as BOLT11 says. */
function readInvoice(bolt11: string): { msat: number; descriptionHash: string } {
  const { prefix, words } = bech32.decode(bolt11 as `${string}1${string}`, 2000);
  const [, digits, unit] = /^ln(?:bcrt|bc|tbs|tb)(\d+)([munp]?)$/.exec(prefix)!;
  const perUnit: Record<string, number> = { m: 1e8, u: 1e5, n: 100, p: 0.1, "": 1e11 };
  const msat = Number(digits) * perUnit[unit];
  // After the 35-bit timestamp, tagged fields (type, 10-bit length, data),
  // then the 520-bit signature.
  let at = 7;
  const end = words.length - 104;
  while (at < end) {
    const type = words[at];
    const length = words[at + 1] * 32 + words[at + 2];
    if (type === 23) {
      const hash = bech32.fromWords(words.slice(at + 3, at + 3 + length));
      return { msat, descriptionHash: bytesToHex(Uint8Array.from(hash.slice(0, 32))) };
    }
    at += 3 + length;
  }
  throw new Error(`no description hash in ${bolt11}`);
}

const tagsNamed = (event: Event, name: string) => event.tags.filter(([t]) => t === name).map(([, v]) => v);

test("a zap made by nostr-tools is paid, credited, and its receipt passes nostr-tools' checks", async ({ request, baseURL }) => {
  const alice = generateSecretKey();
  const alicePubkey = getPublicKey(alice);
  const name = `zapped${Date.now().toString(36)}`;
  const named = await signed(request, baseURL!, alice, "PUT", "/api/account/name", { name });
  expect(named.status, JSON.stringify(named.json)).toBe(200);

  const offer = await (await request.get(`/.well-known/lnurlp/${name}`)).json();
  expect(offer.allowsNostr).toBe(true);
  expect(offer.nostrPubkey).toMatch(/^[0-9a-f]{64}$/);

  const { relay, url: relayUrl } = await devRelay(request);
  const receipt = new Promise<Event>((resolve) => {
    relay.subscribe([{ kinds: [9735], "#p": [alicePubkey] }], { onevent: resolve });
  });

  const bob = generateSecretKey();
  const amount = 21_000;
  const zapRequest = JSON.stringify(
    finalizeEvent(nip57.makeZapRequest({ pubkey: alicePubkey, amount, comment: "zap from nostr-tools", relays: [relayUrl] }), bob),
  );
  expect(nip57.validateZapRequest(zapRequest)).toBeNull();
  const callback = `${offer.callback}?amount=${amount}&nostr=${encodeURIComponent(zapRequest)}`;
  const answer = await (await request.get(callback)).json();
  expect(answer.pr, JSON.stringify(answer)).toBeTruthy();
  expect(readInvoice(answer.pr).descriptionHash).toBe(bytesToHex(sha256(new TextEncoder().encode(zapRequest))));

  // A request whose amount tag is not the amount asked for is refused.
  const wrongAmount = `${offer.callback}?amount=${amount + 1000}&nostr=${encodeURIComponent(zapRequest)}`;
  const refused = await request.get(wrongAmount);
  expect(refused.status()).toBe(400);
  expect(await refused.json()).toMatchObject({ status: "ERROR", reason: expect.stringContaining("amount tag") });

  const paid = await (await request.post("/api/dev/lightning/pay", { data: { invoice: answer.pr } })).json();
  expect(paid.status).toBe("succeeded");

  // Appendix F, as a NOSTR client checks the receipt it reads.
  const zap = await receipt;
  expect(verifyEvent(zap)).toBe(true);
  expect(zap.kind).toBe(9735);
  expect(zap.pubkey).toBe(offer.nostrPubkey);
  expect(tagsNamed(zap, "bolt11")).toEqual([answer.pr]);
  const [description] = tagsNamed(zap, "description");
  expect(description).toBe(zapRequest);
  expect(nip57.validateZapRequest(description)).toBeNull();
  const invoice = readInvoice(tagsNamed(zap, "bolt11")[0]);
  expect(invoice.descriptionHash).toBe(bytesToHex(sha256(new TextEncoder().encode(description))));
  expect(String(invoice.msat)).toBe(tagsNamed(JSON.parse(description), "amount")[0]);
  expect(tagsNamed(zap, "p")).toEqual([alicePubkey]);
  expect(tagsNamed(zap, "P")).toEqual([getPublicKey(bob)]);
  relay.close();

  // Credited to Alice, once, naming who zapped and what they said.
  const account = await signed(request, baseURL!, alice, "GET", "/api/account");
  expect(account.json.balance_msat).toBe(amount);
  const history = await signed(request, baseURL!, alice, "GET", "/api/account/history");
  expect(history.json.movements).toHaveLength(1);
  expect(history.json.movements[0]).toMatchObject({
    kind: "received",
    amount_msat: amount,
    description: "zap from nostr-tools",
    zapper: getPublicKey(bob),
  });
});

test("the app zaps someone from their page; the receipt names the zap request the user signed", async ({ page, request, baseURL }) => {
  // Bob: a NOSTR key with a name at the server, his profile giving it as
  // his Lightning address.
  const bob = generateSecretKey();
  const bobPubkey = getPublicKey(bob);
  const name = `zapme${Date.now().toString(36)}`;
  const address = `${name}@${new URL(baseURL!).host}`;
  const named = await signed(request, baseURL!, bob, "PUT", "/api/account/name", { name });
  expect(named.status, JSON.stringify(named.json)).toBe(200);
  const { relay } = await devRelay(request);
  const now = Math.floor(Date.now() / 1000);
  await relay.publish(
    finalizeEvent({ kind: 0, created_at: now, tags: [], content: JSON.stringify({ name: "bob-zapped", lud16: address }) }, bob),
  );
  const receipt = new Promise<Event>((resolve) => {
    relay.subscribe([{ kinds: [9735], "#p": [bobPubkey] }], { onevent: resolve });
  });

  // Alice, in the app, with 100 sat in her account.
  await page.goto("/");
  await restoreWallet(page, generateSeedWords());
  await expect(page.getByTestId("account-balance")).toHaveText("Lightning account: 0 sat");
  const aliceNpub = (await page.getByTestId("npub").getAttribute("data-npub"))!;
  await openChat(page);
  await go(page, "Receive");
  await page.getByLabel("Amount (sat)").fill("100");
  await page.getByRole("button", { name: "Create invoice" }).click();
  const funding = (await page.getByTestId("invoice").textContent()) ?? "";
  expect((await (await request.post("/api/dev/lightning/pay", { data: { invoice: funding } })).json()).status).toBe("succeeded");
  await expect(page.getByTestId("received-lightning")).toHaveText("Received 100 sat");

  await go(page, "Contacts");
  await page.getByLabel("Find someone").fill(nip19.npubEncode(bobPubkey));
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByTestId("search-results").getByRole("link", { name: /bob-zapped/ }).click();
  await expect(page.getByTestId("contact-lud16")).toHaveText(address);
  await page.getByTestId("zap").click();

  await expect(page.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" })).toHaveValue(address);
  await expect(page.getByTestId("payee-zap")).toContainText("A zap");
  await page.getByLabel("Amount (sat)").fill("21");
  await page.getByLabel(/Comment/).fill("zap from the app");
  await page.getByRole("button", { name: "Review payment" }).click();
  await expect(page.getByTestId("melt-amount")).toHaveText("Pay 21 sat");
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(page.getByTestId("paid")).toHaveText("Paid 21 sat (fee 0 sat)");

  // Appendix F on what the server published: the zap request in it is
  // Alice's, for Bob, for 21 sat, with her comment.
  const offer = await (await request.get(`/.well-known/lnurlp/${name}`)).json();
  const zap = await receipt;
  relay.close();
  expect(verifyEvent(zap)).toBe(true);
  expect(zap.pubkey).toBe(offer.nostrPubkey);
  const [description] = tagsNamed(zap, "description");
  expect(nip57.validateZapRequest(description)).toBeNull();
  const zapRequest = JSON.parse(description) as Event;
  expect(zapRequest.pubkey).toBe(nip19.decode(aliceNpub).data);
  expect(zapRequest.content).toBe("zap from the app");
  expect(tagsNamed(zapRequest, "p")).toEqual([bobPubkey]);
  expect(tagsNamed(zapRequest, "amount")).toEqual(["21000"]);
  const invoice = readInvoice(tagsNamed(zap, "bolt11")[0]);
  expect(invoice.descriptionHash).toBe(bytesToHex(sha256(new TextEncoder().encode(description))));
  expect(invoice.msat).toBe(21_000);

  const account = await signed(request, baseURL!, bob, "GET", "/api/account");
  expect(account.json.balance_msat).toBe(21_000);
});
