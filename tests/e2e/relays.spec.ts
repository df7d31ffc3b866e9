// The relays screen: the dev relay connected with its NIP-11 name, a bad
// address refused with a reason, a relay that refuses connections shown as
// failed with why, and removed again; reached from settings and from chat.
import { createServer } from "node:net";
import { test, expect, restoreWallet } from "./fixtures";

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

test("the relays screen shows each relay live, refuses bad addresses, and adds and removes relays", async ({
  page,
  request,
}) => {
  const config = await (await request.get("/api/dev/config")).json();
  const devRelay: string = config.relays[0];

  await page.goto("/");
  await restoreWallet(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await page.getByRole("link", { name: "Your relays" }).click();
  await expect(page).toHaveURL(/\/relays$/);

  const dev = page.locator(`[data-testid="relay"][data-url="${devRelay}"]`);
  await expect(dev.getByTestId("relay-status")).toHaveText("Connected");
  await expect(dev.getByTestId("relay-name")).toHaveText("Flash dev relay");
  await dev.getByText("About this relay").click();
  await expect(dev.getByTestId("relay-info")).toContainText("nostr-relay-builder");
  await expect(dev.getByRole("checkbox", { name: "Read (inbox)" })).toBeChecked();
  await expect(dev.getByRole("checkbox", { name: "Write" })).toBeChecked();

  // Not a relay address: said so, nothing added.
  await page.getByLabel("Relay address").fill("https://relay.example.com");
  await page.getByRole("button", { name: "Add relay" }).click();
  await expect(page.getByRole("alert")).toContainText("is not a relay address");
  // Said beside the address, which is marked as the input to fix.
  await expect(page.getByLabel("Relay address")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Relay address")).toHaveAccessibleDescription(/is not a relay address/);
  await expect(page.getByTestId("relay")).toHaveCount(1);

  // A relay nobody answers at: added, then shown as failed, with why.
  const closed = `ws://127.0.0.1:${await closedPort()}`;
  await page.getByLabel("Relay address").fill(`${closed}/`);
  await page.getByRole("button", { name: "Add relay" }).click();
  const added = page.locator(`[data-testid="relay"][data-url="${closed}"]`);
  await expect(added.getByTestId("relay-status")).toHaveText(/^Failed: .+/);
  await expect(page.getByLabel("Relay address")).toHaveValue("");
  // The dev relay is not affected.
  await expect(dev.getByTestId("relay-status")).toHaveText("Connected");

  await added.getByRole("button", { name: "Remove" }).click();
  await expect(added).toHaveCount(0);

  // The last relay cannot go: said so.
  await dev.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByRole("alert")).toContainText("at least one relay");
  await expect(dev).toBeVisible();

  // Chat links here too, from its relay status line.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
  await expect(page.getByTestId("messaging-status")).toHaveText("Connected to 1 relay.");
  await page.getByRole("link", { name: "Relays" }).click();
  await expect(page).toHaveURL(/\/relays$/);
  await expect(dev.getByTestId("relay-status")).toHaveText("Connected");
});
