// The server killed (SIGKILL) while an account payment is in flight, and
// started again on the same address and database: the open app follows it
// back, and the payment ends right: the dev Lightning network died with the
// server, so the payment never reached its payee and the server, tracking it
// on start, fails it and gives the money back; nothing is paid twice.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSeedWords } from "nostr-tools/nip06";
import { test, expect, restoreWallet, unlock } from "./fixtures";
import { startServer, BUILT_DIST } from "../support/server.mjs";

test("a payment in flight when the server is killed ends right once it is back", async ({ browser }) => {
  test.setTimeout(120_000);
  const dir = await mkdtemp(join(tmpdir(), "flash-crash-"));
  const args = ["--database", `sqlite://${join(dir, "accounts.sqlite3")}`];
  let server = await startServer(BUILT_DIST, { args });
  const listen = new URL(server.url).host;
  const context = await browser.newContext({ baseURL: server.url });
  try {
    const page = await context.newPage();
    const go = (where: string) =>
      page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: where }).click();
    const account = page.getByTestId("account-balance");
    await page.goto("/");
    await restoreWallet(page, generateSeedWords());

    await go("Receive");
    await page.getByLabel("Amount (sat)").fill("2000");
    await page.getByRole("button", { name: "Create invoice" }).click();
    const invoice = await page.getByTestId("invoice").textContent();
    await context.request.post("/api/dev/lightning/pay", { data: { invoice } });
    await expect(page.getByTestId("received-lightning")).toHaveText("Received 2000 sat");

    // The payee holds the payment: in flight when the server dies.
    await context.request.post("/api/dev/lightning/hold", { data: { hold: true } });
    const { invoice: outside } = await (await context.request.get("/api/dev/lightning/invoice?sat=1000")).json();
    await go("Send");
    await page.getByRole("radio", { name: "Lightning", exact: true }).check();
    await page.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" }).fill(outside);
    await page.getByRole("button", { name: "Review payment" }).click();
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    await expect(page.getByTestId("paid")).toHaveText("Payment on its way: the history shows when it arrives");
    await go("Home");
    await expect(account).toHaveText("Lightning account: 990 sat");

    await server.kill();
    server = await startServer(BUILT_DIST, { listen, args });

    // The open app reconnects by itself; the restarted server tracks the
    // payment its node never heard of, fails it and refunds it in full.
    await expect(account).toHaveText("Lightning account: 2000 sat", { timeout: 60_000 });
    const entries = page.getByTestId("history-entry");
    await expect(entries.filter({ hasText: "−1000 sat" })).toHaveAttribute("data-state", "failed");
    await expect(entries).toHaveCount(2);

    // Nothing was lost in the app either: a reload shows the same.
    await page.reload();
    await unlock(page);
    await expect(account).toHaveText("Lightning account: 2000 sat");
  } finally {
    await context.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
