// nostr-tools in Node, talking to the relay `server --dev` runs.
import WebSocket from "ws";
import { finalizeEvent, getPublicKey, nip19 } from "nostr-tools";
import * as nip44 from "nostr-tools/nip44";
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import type { APIRequestContext, Page } from "@playwright/test";
import { choosePassphrase, restoreWallet, npub, openChat } from "./fixtures";

useWebSocketImplementation(WebSocket);

/** Connects nostr-tools to the dev relay the server advertises. */
export async function devRelay(request: APIRequestContext): Promise<{ relay: Relay; url: string }> {
  const config = await (await request.get("/api/dev/config")).json();
  const url: string = config.relays[0];
  return { relay: await Relay.connect(url), url };
}

/** Onboards the app's user and opens Chat once the relay is connected;
 * returns their hex key, as nostr-tools takes it. */
export async function appUser(page: Page): Promise<string> {
  await page.goto("/");
  await restoreWallet(page);
  const own = await npub(page).getAttribute("data-npub");
  await openChat(page);
  return nip19.decode(own!).data as string;
}

/** Sends `message` (JSON) from `from` to `to` as a NIP-46 event. */
export async function send(relay: Relay, from: Uint8Array, to: string, message: object) {
  await relay.publish(
    finalizeEvent(
      {
        kind: 24133,
        created_at: Math.floor(Date.now() / 1000),
        tags: [["p", to]],
        content: nip44.encrypt(JSON.stringify(message), nip44.getConversationKey(from, to)),
      },
      from,
    ),
  );
}

/**
 * A remote signer with key `signer`, signing for `user`: answers the NIP-46
 * requests addressed to it, noting each method in `asked`. Resolves once it
 * listens.
 */
export function remoteSigner(relay: Relay, signer: Uint8Array, user: Uint8Array, asked: string[]): Promise<void> {
  return new Promise<void>((listening) => {
    relay.subscribe([{ kinds: [24133], "#p": [getPublicKey(signer)] }], {
      oneose: () => listening(),
      onevent: async (event) => {
        const key = nip44.getConversationKey(signer, event.pubkey);
        const call = JSON.parse(nip44.decrypt(event.content, key));
        asked.push(call.method);
        const answer: { id: string; result?: string; error?: string } = { id: call.id };
        if (call.method === "connect") answer.result = "ack";
        else if (call.method === "get_public_key") answer.result = getPublicKey(user);
        else if (call.method === "sign_event") answer.result = JSON.stringify(finalizeEvent(JSON.parse(call.params[0]), user));
        else answer.error = `unsupported: ${call.method}`;
        // A request arriving as the test closes the relay (the account's
        // live updates keep signing) goes unanswered, not unhandled.
        await send(relay, signer, event.pubkey, answer).catch(() => {});
      },
    });
  });
}

/** Signs in on `page` with the remote signer `bunker` listening on `relay`. */
export async function connectBunker(page: Page, bunker: Uint8Array, relay: string) {
  await page.goto("/");
  await page.getByText("Other ways in").click();
  await page.getByRole("button", { name: "Connect a remote signer (NIP-46)" }).click();
  await page.getByLabel("Signer link (bunker://…)").fill(`bunker://${getPublicKey(bunker)}?relay=${encodeURIComponent(relay)}`);
  await choosePassphrase(page);
  await page.getByRole("button", { name: "Connect", exact: true }).click();
}
