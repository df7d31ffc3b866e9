// Interoperability with nostr-tools (an implementation no one here wrote):
// NIP-17 private messages both ways, also with the key in a NIP-07
// extension, and NIP-04 read, through the dev relay.
import { finalizeEvent, generateSecretKey, getPublicKey, nip19 } from "nostr-tools";
import * as nip04 from "nostr-tools/nip04";
import * as nip17 from "nostr-tools/nip17";
import * as nip44 from "nostr-tools/nip44";
import * as nip59 from "nostr-tools/nip59";
import { test, expect, npub } from "./fixtures";
import { appUser, devRelay } from "./nostr-tools";

test("a NIP-17 message wrapped by nostr-tools arrives in the app", async ({ page, request }) => {
  const appKey = await appUser(page);
  const { relay, url } = await devRelay(request);
  const sender = generateSecretKey();
  try {
    await relay.publish(nip17.wrapEvent(sender, { publicKey: appKey, relayUrl: url }, "hello from nostr-tools"));
    const conversation = page.getByRole("button", { name: new RegExp(nip19.npubEncode(getPublicKey(sender)).slice(0, 12)) });
    await expect(conversation).toContainText("hello from nostr-tools");
    await conversation.click();
    await expect(page.getByTestId("messages").locator(".theirs .text")).toHaveText(["hello from nostr-tools"]);
    await expect(page.getByTestId("legacy")).toHaveCount(0);
  } finally {
    relay.close();
  }
});

test("a message sent by the app is unwrapped by nostr-tools", async ({ page, request }) => {
  const appKey = await appUser(page);
  const { relay, url } = await devRelay(request);
  const recipient = generateSecretKey();
  const recipientKey = getPublicKey(recipient);
  try {
    // Where the recipient receives private messages (NIP-17, kind 10050).
    await relay.publish(
      finalizeEvent({ kind: 10050, created_at: Math.floor(Date.now() / 1000), tags: [["relay", url]], content: "" }, recipient),
    );
    const unwrapped = new Promise<ReturnType<typeof nip59.unwrapEvent>>((resolve) => {
      relay.subscribe([{ kinds: [1059], "#p": [recipientKey] }], {
        onevent: (wrap) => resolve(nip59.unwrapEvent(wrap, recipient)),
      });
    });

    await page.getByLabel("Message someone (npub)").fill(nip19.npubEncode(recipientKey));
    await page.getByRole("button", { name: "Open chat" }).click();
    await page.getByPlaceholder("Write a message").fill("hello, nostr-tools");
    await page.getByRole("button", { name: "Send" }).click();

    const rumor = await unwrapped;
    expect(rumor.kind).toBe(14);
    expect(rumor.pubkey).toBe(appKey);
    expect(rumor.content).toBe("hello, nostr-tools");
    expect(rumor.tags).toContainEqual(["p", recipientKey]);
  } finally {
    relay.close();
  }
});

test("a NIP-04 message from nostr-tools appears in the app, marked legacy", async ({ page, request }) => {
  const appKey = await appUser(page);
  const { relay } = await devRelay(request);
  const sender = generateSecretKey();
  try {
    const content = nip04.encrypt(sender, appKey, "hello the old way");
    await relay.publish(
      finalizeEvent({ kind: 4, created_at: Math.floor(Date.now() / 1000), tags: [["p", appKey]], content }, sender),
    );
    const conversation = page.getByRole("button", { name: new RegExp(nip19.npubEncode(getPublicKey(sender)).slice(0, 12)) });
    await expect(conversation).toContainText("hello the old way");
    await conversation.click();
    const message = page.getByTestId("messages").locator(".theirs");
    await expect(message.locator(".text")).toHaveText(["hello the old way"]);
    await expect(message.getByTestId("legacy")).toContainText("legacy, less private");
  } finally {
    relay.close();
  }
});

test("signed in with a NIP-07 extension (a nostr-tools signer), the user reads and writes NIP-17 messages", async ({
  page,
  request,
}) => {
  // The extension: nostr-tools in Node holds the key; the page only relays.
  const secret = generateSecretKey();
  const pubkey = getPublicKey(secret);
  await page.exposeFunction("extensionSign", (event) => finalizeEvent(event, secret));
  await page.exposeFunction("extensionNip44", (method: "encrypt" | "decrypt", peer: string, text: string) => {
    const key = nip44.getConversationKey(secret, peer);
    return method === "encrypt" ? nip44.encrypt(text, key) : nip44.decrypt(text, key);
  });
  await page.addInitScript((pubkey) => {
    const page = window as any;
    page.nostr = {
      getPublicKey: async () => pubkey,
      signEvent: async (event) => page.extensionSign(event),
      nip44: {
        encrypt: async (peer, text) => page.extensionNip44("encrypt", peer, text),
        decrypt: async (peer, text) => page.extensionNip44("decrypt", peer, text),
      },
    };
  }, pubkey);
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in with extension (NIP-07)" }).click();
  await expect(npub(page)).toHaveAttribute("data-npub", nip19.npubEncode(pubkey));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
  await expect(page.getByTestId("messaging-status")).toHaveText("Connected to 1 relay.");

  const { relay, url } = await devRelay(request);
  const friend = generateSecretKey();
  const friendKey = getPublicKey(friend);
  try {
    await relay.publish(
      finalizeEvent({ kind: 10050, created_at: Math.floor(Date.now() / 1000), tags: [["relay", url]], content: "" }, friend),
    );
    const unwrapped = new Promise<ReturnType<typeof nip59.unwrapEvent>>((resolve) => {
      relay.subscribe([{ kinds: [1059], "#p": [friendKey] }], {
        onevent: (wrap) => resolve(nip59.unwrapEvent(wrap, friend)),
      });
    });
    await relay.publish(nip17.wrapEvent(friend, { publicKey: pubkey, relayUrl: url }, "does your extension decrypt?"));
    const conversation = page.getByRole("button", { name: new RegExp(nip19.npubEncode(friendKey).slice(0, 12)) });
    await expect(conversation).toContainText("does your extension decrypt?");
    await conversation.click();
    await page.getByPlaceholder("Write a message").fill("it does");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.getByTestId("delivery")).toHaveText(/sent to 1 of 1 relay$/);

    const rumor = await unwrapped;
    expect(rumor.pubkey).toBe(pubkey);
    expect(rumor.content).toBe("it does");
  } finally {
    relay.close();
  }
});
