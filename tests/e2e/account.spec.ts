// The Lightning account at the server, in the browser: receiving from the
// outside world (the dev Lightning network's other node) with a live
// "Received", paying it after seeing the fee, two users paying each other
// inside the server, a payment the payee holds, bad input refused with its
// reason; signed in with a local key, a NIP-07 extension and a NIP-46
// remote signer (nostr-tools), since every request is a NIP-98 signature.
import { generateSecretKey, getPublicKey, nip19, verifyEvent } from "nostr-tools";
import { generateSeedWords } from "nostr-tools/nip06";
import type { APIRequestContext, Browser, Page } from "@playwright/test";
import { test, expect, chooseName, fakeExtension, go, npub, ownContexts, pickDevMint, restoreWallet, unlock } from "./fixtures";
import { connectBunker, devRelay, remoteSigner } from "./nostr-tools";

const newPage = ownContexts();

/** A user with a fresh seed (so a fresh account) in a context of their own. */
async function user(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const page = await newPage(browser, baseURL);
  await page.goto("/");
  await restoreWallet(page, generateSeedWords());
  await expect(page.getByTestId("account-balance")).toHaveText("Lightning account: 0 sat");
  return page;
}

/** An invoice of the user's account, shown on Receive. */
async function accountInvoice(page: Page, sat: number): Promise<string> {
  await go(page, "Receive");
  await expect(page.getByLabel("Receive into")).toHaveValue("account");
  await page.getByLabel("Amount (sat)").fill(String(sat));
  await page.getByRole("button", { name: "Create invoice" }).click();
  const invoice = (await page.getByTestId("invoice").textContent()) ?? "";
  expect(invoice).toMatch(/^lnbcrt/);
  return invoice;
}

/** The outside world pays `sat` into the user's account; the app sees it. */
async function receiveFromOutside(page: Page, request: APIRequestContext, sat: number) {
  const invoice = await accountInvoice(page, sat);
  const paid = await request.post("/api/dev/lightning/pay", { data: { invoice } });
  expect((await paid.json()).status).toBe("succeeded");
  await expect(page.getByTestId("received-lightning")).toHaveText(`Received ${sat} sat`);
}

/** Pastes `invoice` on Send and asks what paying it from the account costs. */
async function review(page: Page, invoice: string) {
  await go(page, "Send");
  await page.getByRole("radio", { name: "Lightning", exact: true }).check();
  await expect(page.getByLabel("Pay from")).toHaveValue("account");
  await page.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" }).fill(invoice);
  await page.getByRole("button", { name: "Review payment" }).click();
}

async function expectAccount(page: Page, sat: number) {
  await go(page, "Home");
  await expect(page.getByTestId("account-balance")).toHaveText(`Lightning account: ${sat} sat`);
}

/** Adds the suggested dev mint, from Home. */
async function addDevMint(page: Page) {
  await go(page, "Home");
  await page.getByRole("link", { name: "Add a mint to use eCash" }).click();
  await page.getByTestId("suggested-mint").click();
  await expect(page.getByTestId("mint")).toContainText("Flash dev mint");
}

/** Moves `sat` from the account into eCash at the dev mint, on Home. */
async function moveToEcash(page: Page, sat: number) {
  await go(page, "Home");
  const move = page.getByRole("form", { name: "Move money" });
  await move.getByRole("radio", { name: "Account → eCash" }).check();
  await move.getByLabel("Amount (sat)").fill(String(sat));
  await move.getByRole("button", { name: "Move" }).click();
  await expect(page.getByTestId("ecash-balance")).toHaveText(`eCash: ${sat} sat`);
}

const outsideInvoice = async (request: APIRequestContext, sat: number): Promise<string> =>
  (await (await request.get(`/api/dev/lightning/invoice?sat=${sat}`)).json()).invoice;

test("a user receives from the outside world live, and pays it after seeing the fee", async ({ browser, baseURL, request }) => {
  const alice = await user(browser, baseURL);
  await receiveFromOutside(alice, request, 100);
  await expectAccount(alice, 100);

  await review(alice, await outsideInvoice(request, 30));
  await expect(alice.getByTestId("melt-amount")).toHaveText("Pay 30 sat");
  // 1 % with a 2 sat floor, held back; the dev network takes 1 sat and
  // 0.1 % (1.03 sat, shown rounded up as the balance is rounded down).
  await expect(alice.getByTestId("melt-fee")).toHaveText("Lightning fee: at most 2 sat; what is not used comes back");
  await alice.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(alice.getByTestId("paid")).toHaveText("Paid 30 sat (fee 2 sat)");
  await expectAccount(alice, 68);

  const entries = alice.getByTestId("history").getByTestId("history-entry");
  await expect(entries).toHaveCount(2);
  const paid = entries.filter({ hasText: "Paid by Lightning" });
  await expect(paid).toContainText("−30 sat");
  await expect(paid).toContainText("fee 2 sat");
  await expect(paid).toContainText("Lightning account");
  await expect(entries.filter({ hasText: "Received by Lightning" })).toContainText("+100 sat");
});

test("two users of the server pay each other instantly and without fee", async ({ browser, baseURL, request }) => {
  const alice = await user(browser, baseURL);
  const bob = await user(browser, baseURL);
  await receiveFromOutside(alice, request, 100);

  // Bob's invoice stays on his screen while Alice pays it.
  const invoice = await accountInvoice(bob, 40);
  await review(alice, invoice);
  await expect(alice.getByTestId("melt-fee")).toHaveText("To another user of this server: instant, no fee");
  await alice.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(alice.getByTestId("paid")).toHaveText("Paid 40 sat (fee 0 sat)");
  await expect(bob.getByTestId("received-lightning")).toHaveText("Received 40 sat");

  await expectAccount(alice, 60);
  await expectAccount(bob, 40);
  // Paying the same invoice again is refused: it is paid.
  await review(alice, invoice);
  await expect(alice.getByRole("alert")).toContainText("paid already");
  await expectAccount(alice, 60);
});

test("bad invoices and payments beyond the balance are refused with the reason, and nothing moves", async ({ browser, baseURL, request }) => {
  const alice = await user(browser, baseURL);
  await receiveFromOutside(alice, request, 20);

  await review(alice, "lnbcrt1notaninvoice");
  await expect(alice.getByRole("alert")).toContainText("not a Lightning invoice");

  // BOLT 11's first example, an invoice for Bitcoin's main network; this
  // server is on regtest.
  const mainnet =
    "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql";
  await review(alice, mainnet);
  await expect(alice.getByTestId("invoice-problem")).toContainText("this wallet pays regtest invoices");
  await expect(alice.getByRole("alert")).toContainText("this invoice is for Bitcoin");

  await review(alice, await outsideInvoice(request, 500));
  await expect(alice.getByTestId("melt-amount")).toHaveText("Pay 500 sat");
  await alice.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(alice.getByRole("alert")).toContainText("not enough in your account");

  await go(alice, "Receive");
  await alice.getByLabel("Amount (sat)").fill("0");
  await expect(alice.getByRole("button", { name: "Create invoice" })).toBeDisabled();
  await alice.getByLabel("Amount (sat)").fill("99999999");
  await alice.getByRole("button", { name: "Create invoice" }).click();
  await expect(alice.getByRole("alert")).toContainText("outside what this server allows");

  await expectAccount(alice, 20);
});

test("a payment the payee holds is pending, then settles, the balance following live", async ({ browser, baseURL, request }) => {
  const alice = await user(browser, baseURL);
  await receiveFromOutside(alice, request, 2000);
  await request.post("/api/dev/lightning/hold", { data: { hold: true } });
  try {
    await review(alice, await outsideInvoice(request, 1000));
    await expect(alice.getByTestId("melt-fee")).toContainText("at most 10 sat");
    await alice.getByRole("button", { name: "Pay", exact: true }).click();
    await expect(alice.getByTestId("paid")).toHaveText("Payment on its way: the history shows when it arrives");
    await expectAccount(alice, 990); // 1000 and the 10 sat fee reserve, held
    const payment = alice.getByTestId("history-entry").filter({ hasText: "−1000 sat" });
    await expect(payment).toHaveAttribute("data-state", "pending");

    expect((await (await request.post("/api/dev/lightning/release", { data: { settle: true } })).json()).released).toBe(1);
    // No reload: the server's change reaches the open app; the fee was
    // 2 sat (1 sat and 0.1 %), the rest of the reserve came back.
    await expect(alice.getByTestId("account-balance")).toHaveText("Lightning account: 998 sat");
    await expect(payment).toHaveAttribute("data-state", "done");
    await expect(payment).toContainText("fee 2 sat");
  } finally {
    await request.post("/api/dev/lightning/hold", { data: { hold: false } });
  }
});

test("an invoice that leaves the amount to the payer is paid with the amount typed, from the account and from eCash", async ({ browser, baseURL, request }) => {
  const alice = await user(browser, baseURL);
  await receiveFromOutside(alice, request, 2000);
  const amountless = async () => (await (await request.get("/api/dev/lightning/invoice")).json()).invoice;

  await go(alice, "Send");
  await alice.getByRole("radio", { name: "Lightning", exact: true }).check();
  await alice.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" }).fill(await amountless());
  await expect(alice.getByTestId("invoice-details")).toContainText("Leaves the amount to you");
  const review = alice.getByRole("button", { name: "Review payment" });
  await expect(review).toBeDisabled();
  await alice.getByLabel("Amount (sat)").fill("300");
  await review.click();
  await expect(alice.getByTestId("melt-amount")).toHaveText("Pay 300 sat");
  await alice.getByRole("button", { name: "Pay", exact: true }).click();
  // 1 sat and 0.1 %: 1.3 sat, shown rounded up; the account keeps msat.
  await expect(alice.getByTestId("paid")).toHaveText("Paid 300 sat (fee 2 sat)");
  await expectAccount(alice, 1698);

  await addDevMint(alice);
  await moveToEcash(alice, 500);
  await go(alice, "Send");
  await alice.getByRole("radio", { name: "Lightning", exact: true }).check();
  await pickDevMint(alice, "Pay from");
  await alice.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" }).fill(await amountless());
  await alice.getByLabel("Amount (sat)").fill("100");
  await alice.getByRole("button", { name: "Review payment" }).click();
  await expect(alice.getByTestId("melt-amount")).toHaveText("Pay 100 sat");
  await alice.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(alice.getByTestId("melted")).toContainText("Paid 100 sat");
});

test("a user pays another's Lightning address, from the account and from eCash, after seeing whom it pays", async ({ browser, baseURL, request }) => {
  const alice = await user(browser, baseURL);
  const bob = await user(browser, baseURL);
  const address = `bob${Date.now().toString(36)}@${new URL(baseURL!).host}`;
  await chooseName(bob, address.split("@")[0]);
  await expect(bob.getByTestId("address")).toHaveText(address);
  await receiveFromOutside(alice, request, 1000);

  const payAddress = async (sat: number, comment: string) => {
    await alice.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" }).fill(address);
    await expect(alice.getByTestId("payee-details")).toContainText(address);
    await expect(alice.getByTestId("payee-bounds")).toContainText("Takes 1 to");
    await alice.getByLabel("Amount (sat)").fill(String(sat));
    await alice.getByLabel(/Comment/).fill(comment);
    await alice.getByRole("button", { name: "Review payment" }).click();
    await expect(alice.getByTestId("melt-amount")).toHaveText(`Pay ${sat} sat`);
    await alice.getByRole("button", { name: "Pay", exact: true }).click();
  };
  await go(alice, "Send");
  await alice.getByRole("radio", { name: "Lightning", exact: true }).check();
  // Beyond what the address takes: refused before any invoice is asked for.
  await alice.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" }).fill(address);
  await alice.getByLabel("Amount (sat)").fill("2000000000");
  await alice.getByRole("button", { name: "Review payment" }).click();
  await expect(alice.getByRole("alert")).toContainText("the amount must be between 1 and");
  await payAddress(21, "for the coffee");
  await expect(alice.getByTestId("paid")).toHaveText("Paid 21 sat (fee 0 sat)");
  await expectAccount(alice, 979);
  await expectAccount(bob, 21);
  await expect(bob.getByTestId("history-entry").filter({ hasText: "for the coffee" })).toContainText("+21 sat");

  await addDevMint(alice);
  await moveToEcash(alice, 500);
  await go(alice, "Send");
  await alice.getByRole("radio", { name: "Lightning", exact: true }).check();
  await pickDevMint(alice, "Pay from");
  await payAddress(50, "from eCash");
  await expect(alice.getByTestId("melted")).toContainText("Paid 50 sat");
  await expectAccount(bob, 71);
  await expect(bob.getByTestId("history-entry").filter({ hasText: "from eCash" })).toContainText("+50 sat");
});

// The payee settles (the fee is 1.3 sat, charged by the mint as 2 sat; the
// rest of the reserve comes back) or fails it (all of it comes back).
for (const { settle, ends, left } of [
  { settle: true, ends: "done", left: 698 },
  { settle: false, ends: "failed", left: 1000 },
]) {
  test(`an eCash payment the payee holds stays pending across a reload, and ends ${ends} once the payee decides`, async ({ browser, baseURL, request }) => {
    const alice = await user(browser, baseURL);
    await receiveFromOutside(alice, request, 2000);
    await addDevMint(alice);
    await moveToEcash(alice, 1000);
    await request.post("/api/dev/lightning/hold", { data: { hold: true } });
    try {
      await go(alice, "Send");
      await alice.getByRole("radio", { name: "Lightning", exact: true }).check();
      await pickDevMint(alice, "Pay from");
      await alice.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" }).fill(await outsideInvoice(request, 300));
      await alice.getByRole("button", { name: "Review payment" }).click();
      await alice.getByRole("button", { name: "Pay", exact: true }).click();
      await expect(alice.getByRole("button", { name: "Paying…" })).toBeVisible();
      // The mint's payment reached the payee, who holds it; the tab closes.
      await expect.poll(async () => (await (await request.get("/api/dev/lightning/held")).json()).held).toBe(1);
      await alice.reload();
      await unlock(alice);
      await go(alice, "Home");

      const payment = alice.getByTestId("history-entry").filter({ hasText: "−300 sat" });
      await expect(payment).toHaveAttribute("data-state", "pending");
      await expect(alice.getByTestId("pending")).toBeVisible();
      expect((await (await request.post("/api/dev/lightning/release", { data: { settle } })).json()).released).toBe(1);
      // No reload: the engine asks the mint again until the payment ended.
      await expect(payment).toHaveAttribute("data-state", ends, { timeout: 30_000 });
      await expect(alice.getByTestId("pending")).toHaveCount(0);
      await expect(alice.getByTestId("ecash-balance")).toHaveText(`eCash: ${left} sat`);
    } finally {
      await request.post("/api/dev/lightning/hold", { data: { hold: false } });
    }
  });
}

test("money moves from the account into eCash and back, each in one step", async ({ browser, baseURL, request }) => {
  const alice = await user(browser, baseURL);
  await receiveFromOutside(alice, request, 500);
  await addDevMint(alice);

  await go(alice, "Home");
  const move = alice.getByRole("form", { name: "Move money" });
  await move.getByRole("radio", { name: "Account → eCash" }).check();
  await move.getByLabel("Amount (sat)").fill("200");
  await move.getByRole("button", { name: "Move" }).click();
  // The account pays the mint's node across the dev network: 1 sat and
  // 0.1 %, 1.2 sat, shown rounded up.
  await expect(alice.getByTestId("moved")).toHaveText("Moved 200 sat (fee 2 sat)");
  await expect(alice.getByTestId("ecash-balance")).toHaveText("eCash: 200 sat");
  await expect(alice.getByTestId("account-balance")).toHaveText("Lightning account: 298 sat");

  await move.getByRole("radio", { name: "eCash → account" }).check();
  await move.getByLabel("Amount (sat)").fill("100");
  await move.getByRole("button", { name: "Move" }).click();
  // The mint pays the account's invoice; its fee rounded up to whole sats.
  await expect(alice.getByTestId("moved")).toHaveText("Moved 100 sat (fee 2 sat)");
  await expect(alice.getByTestId("ecash-balance")).toHaveText("eCash: 98 sat");
  await expect(alice.getByTestId("account-balance")).toHaveText("Lightning account: 398 sat");
  await expect(alice.getByTestId("balance")).toHaveText("496 sats");

  const history = alice.getByTestId("history");
  await expect(history.getByTestId("history-entry")).toHaveCount(5);
  await expect(history).toContainText("eCash · 127.0.0.1");
});

test("signed in with a NIP-07 extension, the account works the same, each request signed by it", async ({ page, request }) => {
  const secret = generateSecretKey();
  const pubkey = getPublicKey(secret);
  const signed = await fakeExtension(page, secret);
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in with extension (NIP-07)" }).click();
  await expect(npub(page)).toHaveAttribute("data-npub", nip19.npubEncode(pubkey));
  await expect(page.getByTestId("account-balance")).toHaveText("Lightning account: 0 sat");

  await receiveFromOutside(page, request, 21);
  await expectAccount(page, 21);
  const auth = signed.filter((event) => event.kind === 27235);
  expect(auth.length).toBeGreaterThan(0);
  for (const event of auth) {
    expect(verifyEvent(event)).toBe(true);
    expect(event.tags.find(([name]) => name === "u")?.[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/(account|config)/);
  }
});

test("signed in with a NIP-46 remote signer, the account works the same", async ({ page, request }) => {
  const { relay, url } = await devRelay(request);
  const bunker = generateSecretKey();
  const user = generateSecretKey();
  const asked: string[] = [];
  try {
    await remoteSigner(relay, bunker, user, asked);
    await connectBunker(page, bunker, url);
    await expect(npub(page)).toHaveAttribute("data-npub", nip19.npubEncode(getPublicKey(user)));

    await receiveFromOutside(page, request, 12);
    await expectAccount(page, 12);
  } finally {
    relay.close();
  }
});
