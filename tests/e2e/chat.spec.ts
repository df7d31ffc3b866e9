// Private messages (NIP-17) between two people, live, through the dev relay.
import { test, expect, restoreWallet, npub, NIP06_NPUB } from "./fixtures";

const OTHER_WORDS =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

test("two people exchange private messages and see them arrive live", async ({ browser, baseURL }) => {
  const alice = await (await browser.newContext({ baseURL })).newPage();
  const bob = await (await browser.newContext({ baseURL })).newPage();
  await alice.goto("/");
  await restoreWallet(alice);
  await bob.goto("/");
  await restoreWallet(bob, OTHER_WORDS);
  const bobNpub = await npub(bob).getAttribute("data-npub");

  for (const page of [alice, bob]) {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
    await expect(page.getByTestId("messaging-status")).toHaveText("Connected to 1 relay.");
  }

  await alice.getByLabel("Message someone (npub)").fill(bobNpub!);
  await alice.getByRole("button", { name: "Open chat" }).click();
  await alice.getByPlaceholder("Write a message").fill("gm Bob, lunch at noon?");
  await alice.getByRole("button", { name: "Send" }).click();
  await expect(alice.getByTestId("messages").locator(".mine")).toHaveText(["gm Bob, lunch at noon?"]);

  // Bob's list shows the new conversation without a reload.
  const fromAlice = bob.getByRole("button", { name: new RegExp(NIP06_NPUB.slice(0, 12)) });
  await expect(fromAlice).toContainText("gm Bob, lunch at noon?");
  await fromAlice.click();
  await bob.getByPlaceholder("Write a message").fill("Noon works.");
  await bob.getByRole("button", { name: "Send" }).click();

  await expect(alice.getByTestId("messages").locator(".message")).toHaveText([
    "gm Bob, lunch at noon?",
    "Noon works.",
  ]);
  await expect(alice.getByTestId("messages").locator(".theirs")).toHaveText(["Noon works."]);
  await expect(bob.getByTestId("messages").locator(".message")).toHaveText([
    "gm Bob, lunch at noon?",
    "Noon works.",
  ]);
});

test("a message to something that is not an npub is refused with a reason", async ({ page }) => {
  await page.goto("/chat");
  await restoreWallet(page);
  await expect(page.getByTestId("messaging-status")).toHaveText("Connected to 1 relay.");
  await page.getByLabel("Message someone (npub)").fill("npub1notreal");
  await page.getByRole("button", { name: "Open chat" }).click();
  await page.getByPlaceholder("Write a message").fill("hello?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("alert")).toContainText("not a NOSTR public key");
});
