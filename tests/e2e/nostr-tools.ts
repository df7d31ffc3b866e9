// nostr-tools in Node, talking to the relay `server --dev` runs.
import WebSocket from "ws";
import { nip19 } from "nostr-tools";
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import type { APIRequestContext, Page } from "@playwright/test";
import { restoreWallet, npub, openChat } from "./fixtures";

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
