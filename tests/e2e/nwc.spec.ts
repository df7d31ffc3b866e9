// Nostr Wallet Connect with an implementation no one here wrote: the user
// connects an app in Settings → Connected apps, with a budget, and
// @getalby/sdk's NWC client, given the URI the app shows, reads the
// balance, makes an invoice (paid from outside), pays an invoice within the
// budget and is refused beyond it; the app lists what it spent, and once
// revoked, the client is refused.
import { NWCClient } from "@getalby/sdk/nwc";
import WebSocket from "ws";
import { generateSeedWords } from "nostr-tools/nip06";
import { test, expect, go, ownContexts, restoreWallet } from "./fixtures";

const newPage = ownContexts();

// The SDK reaches relays through the global WebSocket, which Node has from
// version 22 on; Debian's is older.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

test("an NWC client connected in the app pays within its budget and not beyond", async ({ browser, baseURL, request }) => {
  test.setTimeout(90_000);
  const page = await newPage(browser, baseURL);
  await page.goto("/");
  await restoreWallet(page, generateSeedWords());
  await expect(page.getByTestId("account-balance")).toHaveText("Lightning account: 0 sat");

  await go(page, "Settings");
  const form = page.getByRole("form", { name: "Connect an app" });
  await form.getByLabel("App name").fill("Alby SDK");
  await form.getByLabel("Budget (sat)").fill("100");
  await form.getByLabel("Budget renews").selectOption("daily");
  await form.getByRole("button", { name: "Connect app" }).click();
  const uri = (await page.getByTestId("nwc-uri").textContent())!;
  expect(uri).toMatch(/^nostr\+walletconnect:\/\/[0-9a-f]{64}\?/);
  await expect(page.getByTestId("nwc-qr")).toBeVisible();
  await expect(page.getByTestId("nwc-spent")).toHaveText("0 of 100 sat today");

  const client = new NWCClient({ nostrWalletConnectUrl: uri });
  try {
    expect((await client.getBalance()).balance).toBe(0);

    // An invoice the client makes, paid from outside, fills the account.
    const made = await client.makeInvoice({ amount: 500_000, description: "from the SDK" });
    expect(made.invoice).toMatch(/^lnbcrt/);
    const paid = await request.post("/api/dev/pay", { data: { invoice: made.invoice } });
    expect(paid.ok()).toBe(true);
    await go(page, "Home");
    await expect(page.getByTestId("account-balance")).toHaveText("Lightning account: 500 sat");
    expect((await client.getBalance()).balance).toBe(500_000);

    // 50 sat (its fee reserve 2 sat) fits the budget of 100.
    const first = await (await request.get("/api/dev/invoice?sat=50")).json();
    const payment = await client.payInvoice({ invoice: first.invoice });
    expect(payment.preimage).toMatch(/^[0-9a-f]{64}$/);
    const balance = (await client.getBalance()).balance;
    expect(balance).toBeLessThan(450_000);

    // Another 50 sat does not: refused, nothing charged.
    const second = await (await request.get("/api/dev/invoice?sat=50")).json();
    await expect(client.payInvoice({ invoice: second.invoice })).rejects.toMatchObject({ code: "QUOTA_EXCEEDED" });
    expect((await client.getBalance()).balance).toBe(balance);

    // The app shows what it spent; revoked, the client is a stranger.
    await go(page, "Settings");
    await expect(page.getByTestId("nwc-spent")).toHaveText(/^5\d of 100 sat today$/);
    await page.getByTestId("nwc-connection").getByRole("button", { name: "Revoke" }).click();
    await expect(page.getByTestId("nwc-connection")).toContainText("Revoked");
    await expect(client.getBalance()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  } finally {
    client.close();
  }
});
