// eCash in the browser: a user mints by Lightning at the dev mint, sends a
// token another user receives, pays an invoice, and sends a token over a
// private message; then interoperability with cashu-ts (Node), both ways,
// plain and P2PK-locked.
import { createRandomSecretKey, getPubKeyFromPrivKey } from "@cashu/cashu-ts";
import { nip19 } from "nostr-tools";
import { generateSeedWords } from "nostr-tools/nip06";
import type { Browser, Page } from "@playwright/test";
import { test, expect, go, ownContexts, pickDevMint, restoreWallet, npub, unlock } from "./fixtures";
import { devMint, payFromOutside, receiveToken, sendToken } from "./cashu-ts";

// A fresh seed for every user: the tests share one dev mint, and a seed
// that minted there before would find that eCash again (which is right, but
// not what these tests look at).
const freshSeed = () => generateSeedWords();

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

const newPage = ownContexts();

/** A user in a browser context of their own, wallet restored, dev mint added. */
async function user(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const page = await newPage(browser, baseURL);
  await page.goto("/");
  await restoreWallet(page, freshSeed());
  await expect(page.getByTestId("balance")).toContainText("0");
  await page.getByRole("link", { name: "Add a mint to use eCash" }).click();
  await page.getByTestId("suggested-mint").click();
  await expect(page.getByTestId("mint")).toContainText("Flash dev mint");
  return page;
}

/** The user's npub, as Home shows it. */
async function npubOf(page: Page): Promise<string> {
  await go(page, "Home");
  return (await npub(page).getAttribute("data-npub"))!;
}

async function fund(page: Page, amount: number) {
  await go(page, "Receive");
  await pickDevMint(page, "Receive into");
  await page.getByLabel("Amount (sat)").fill(String(amount));
  await page.getByRole("button", { name: "Create invoice" }).click();
  const invoice = (await page.getByTestId("invoice").textContent()) ?? "";
  expect(invoice).toMatch(/^lnbcrt/);
  // Someone on the dev Lightning network pays the mint's invoice.
  await payFromOutside(await devMint(page.request), invoice);
  await expect(page.getByTestId("minted")).toHaveText(`Received ${amount} sat`);
}

async function expectBalance(page: Page, sat: number) {
  await go(page, "Home");
  await expect(page.getByTestId("balance")).toHaveText(`${sat} sats`);
}

async function createToken(page: Page, amount: number, lockTo = ""): Promise<string> {
  await go(page, "Send");
  await page.getByLabel("Amount (sat)").fill(String(amount));
  await page.getByLabel(/Lock to/).fill(lockTo);
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("token").textContent()) ?? "";
  expect(token).toMatch(/^cashuB/);
  return token;
}

async function pasteAndReceive(page: Page, token: string, amount: number) {
  await go(page, "Receive");
  await page.getByRole("radio", { name: "eCash token" }).check();
  await page.getByLabel("Paste an eCash token").fill(token);
  await expect(page.getByTestId("token-offer")).toContainText(`${amount} sat from`);
  await page.getByRole("button", { name: /Receive$/ }).click();
  await expect(page.getByTestId("received")).toHaveText(`Received ${amount} sat`);
}

test("a user mints by Lightning and sends a token that another user receives", async ({ browser, baseURL }) => {
  const alice = await user(browser, baseURL);
  await fund(alice, 100);
  await expectBalance(alice, 100);
  const token = await createToken(alice, 40);
  await expect(alice.getByTestId("token-qr")).toBeVisible();

  // Bob has never used this mint: he is told, and trusts it to receive.
  const bob = await newPage(browser, baseURL);
  await bob.goto("/");
  await restoreWallet(bob, freshSeed());
  await go(bob, "Receive");
  await bob.getByRole("radio", { name: "eCash token" }).check();
  await bob.getByLabel("Paste an eCash token").fill(token);
  await expect(bob.getByTestId("unknown-mint")).toBeVisible();
  await bob.getByRole("button", { name: "Trust mint and receive" }).click();
  await expect(bob.getByTestId("received")).toHaveText("Received 40 sat");
  await expectBalance(bob, 40);

  await expectBalance(alice, 60);
  await expect(alice.getByTestId("history")).toContainText("Sent eCash");
  await expect(alice.getByTestId("history")).toContainText("Received by Lightning");
});

test("a token closed before it was passed on is shown again from the history, also after a reload, then taken back", async ({ browser, baseURL }) => {
  const alice = await user(browser, baseURL);
  await fund(alice, 100);
  const token = await createToken(alice, 30);

  // The tab closes with the token not passed on yet.
  await alice.reload();
  await unlock(alice);
  await go(alice, "Home");
  const sent = alice.getByTestId("history-entry").filter({ hasText: "Sent eCash" });
  await expect(sent).toHaveAttribute("data-state", "pending");
  await sent.getByRole("button", { name: "Show token" }).click();
  await expect(alice.getByTestId("token")).toHaveText(token);
  await expect(alice.getByTestId("token-qr")).toBeVisible();

  await sent.getByRole("button", { name: "Take back" }).click();
  await expectBalance(alice, 100);
});

test("a token too large for one QR code is shown as an animated sequence of codes", async ({ browser, baseURL }) => {
  const alice = await user(browser, baseURL);
  await fund(alice, 255);
  // 255 sat: eight proofs, a token too long for one scannable code.
  const token = await createToken(alice, 255);
  expect(token.length).toBeGreaterThan(600);
  const qr = alice.getByTestId("token-qr");
  expect(Number(await qr.getAttribute("data-frames"))).toBeGreaterThan(1);
  const first = await qr.innerHTML();
  await expect.poll(() => qr.innerHTML()).not.toBe(first);
});

test("a user pays a Lightning invoice after seeing the fee", async ({ browser, baseURL, request }) => {
  const alice = await user(browser, baseURL);
  await fund(alice, 100);
  await go(alice, "Send");
  await alice.getByRole("radio", { name: "Lightning", exact: true }).check();
  await pickDevMint(alice, "Pay from");
  // Someone else's invoice on the dev Lightning network.
  const { invoice } = await (await request.get("/api/dev/invoice?sat=30")).json();
  await alice.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" }).fill(invoice);
  await alice.getByRole("button", { name: "Review payment" }).click();
  await expect(alice.getByTestId("melt-amount")).toHaveText("Pay 30 sat");
  await expect(alice.getByTestId("melt-fee")).toContainText("at most");
  await alice.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(alice.getByTestId("melted")).toContainText("Paid 30 sat");
});

test("a token sent in a private message is received with one tap", async ({ browser, baseURL }) => {
  const alice = await user(browser, baseURL);
  const bob = await user(browser, baseURL);
  const bobNpub = await npubOf(bob);
  const aliceNpub = await npubOf(alice);
  await fund(alice, 50);
  await createToken(alice, 21);
  await alice.getByLabel("Or send it privately to (npub)").fill(bobNpub);
  await alice.getByRole("button", { name: "Send as a private message" }).click();
  await expect(alice.getByTestId("token-messaged")).toBeVisible();

  await go(bob, "Chat");
  await bob.getByRole("button", { name: new RegExp(aliceNpub.slice(0, 12)) }).click();
  await expect(bob.getByTestId("token-offer")).toContainText("21 sat from");
  await bob.getByRole("button", { name: "Receive" }).click();
  await expect(bob.getByTestId("received")).toHaveText("Received 21 sat");
});

test.describe("interoperability with cashu-ts", () => {
  test("a token from cashu-ts is received by the app", async ({ browser, baseURL, request }) => {
    const alice = await user(browser, baseURL);
    await pasteAndReceive(alice, await sendToken(await devMint(request), 25), 25);
    await expectBalance(alice, 25);
  });

  test("a token from the app is received by cashu-ts", async ({ browser, baseURL, request }) => {
    const alice = await user(browser, baseURL);
    await fund(alice, 50);
    const token = await createToken(alice, 30);
    expect(await receiveToken(await devMint(request), token)).toBe(30);
  });

  test("cashu-ts locks a token to the user's npub and the app receives it", async ({ browser, baseURL, request }) => {
    const alice = await user(browser, baseURL);
    const xOnly = nip19.decode(await npubOf(alice)).data as string;
    const token = await sendToken(await devMint(request), 20, { p2pkPubkey: `02${xOnly}` });
    await pasteAndReceive(alice, token, 20);
  });

  test("the app locks a token to a cashu-ts key, and only that key receives it", async ({ browser, baseURL, request }) => {
    const alice = await user(browser, baseURL);
    await fund(alice, 40);
    const privkey = createRandomSecretKey();
    const token = await createToken(alice, 15, hex(getPubKeyFromPrivKey(privkey)));
    const mint = await devMint(request);
    await expect(receiveToken(mint, token, { privkey: hex(createRandomSecretKey()) })).rejects.toThrow();
    expect(await receiveToken(mint, token, { privkey: hex(privkey) })).toBe(15);
  });
});
