// nostr-tools in Node, talking to the relay `server --dev` runs.
import WebSocket from "ws";
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import type { APIRequestContext } from "@playwright/test";

useWebSocketImplementation(WebSocket);

/** Connects nostr-tools to the dev relay the server advertises. */
export async function devRelay(request: APIRequestContext): Promise<{ relay: Relay; url: string }> {
  const config = await (await request.get("/api/dev/config")).json();
  const url: string = config.relays[0];
  return { relay: await Relay.connect(url), url };
}
