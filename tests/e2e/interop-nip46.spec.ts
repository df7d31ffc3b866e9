// NIP-46: the app signs in through a remote signer ("bunker") that nostr-tools
// runs in Node on the dev relay; the key never reaches the browser.
import { finalizeEvent, generateSecretKey, getPublicKey, nip19 } from "nostr-tools";
import * as nip44 from "nostr-tools/nip44";
import { test, expect, choosePassphrase, npub } from "./fixtures";
import { devRelay } from "./nostr-tools";

test("the app connects a bunker:// remote signer and uses it to message", async ({ page, request }) => {
  const { relay, url } = await devRelay(request);
  const bunker = generateSecretKey();
  const user = generateSecretKey();
  const asked: string[] = [];
  try {
    // The remote signer: answers NIP-46 requests addressed to it.
    await new Promise<void>((listening) => {
      relay.subscribe([{ kinds: [24133], "#p": [getPublicKey(bunker)] }], {
        oneose: () => listening(),
        onevent: async (event) => {
          const key = nip44.getConversationKey(bunker, event.pubkey);
          const call = JSON.parse(nip44.decrypt(event.content, key));
          asked.push(call.method);
          const answer: { id: string; result?: string; error?: string } = { id: call.id };
          if (call.method === "connect") answer.result = "ack";
          else if (call.method === "get_public_key") answer.result = getPublicKey(user);
          else if (call.method === "sign_event") answer.result = JSON.stringify(finalizeEvent(JSON.parse(call.params[0]), user));
          else answer.error = `unsupported: ${call.method}`;
          await relay.publish(
            finalizeEvent(
              {
                kind: 24133,
                created_at: Math.floor(Date.now() / 1000),
                tags: [["p", event.pubkey]],
                content: nip44.encrypt(JSON.stringify(answer), key),
              },
              bunker,
            ),
          );
        },
      });
    });

    await page.goto("/");
    await page.getByText("Other ways in").click();
    await page.getByRole("button", { name: "Connect a remote signer (NIP-46)" }).click();
    await page.getByLabel("Signer link (bunker://…)").fill(`bunker://${getPublicKey(bunker)}?relay=${encodeURIComponent(url)}`);
    await choosePassphrase(page);
    await page.getByRole("button", { name: "Connect" }).click();
    await expect(npub(page)).toHaveAttribute("data-npub", nip19.npubEncode(getPublicKey(user)));

    // Messaging publishes the user's relay lists, signed by the bunker.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
    await expect(page.getByTestId("messaging-status")).toHaveText("Connected to 1 relay.");
    expect(asked).toEqual(expect.arrayContaining(["connect", "get_public_key", "sign_event"]));
  } finally {
    relay.close();
  }
});
