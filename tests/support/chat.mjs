// What the chat benchmarks share: a user restored in the app, and events
// published to the dev relay as fast as it takes them.
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import WebSocket from "ws";

useWebSocketImplementation(WebSocket);

export const PASSPHRASE = "correct horse battery";

// The dev relay takes 60 events a minute from one connection: each batch
// is published through a connection of its own.
const BATCH = 50;

/** Publishes `events` to the relay at `url`, in order, a batch per connection. */
export async function publish(url, events) {
  for (let start = 0; start < events.length; start += BATCH) {
    const relay = await Relay.connect(url);
    try {
      await Promise.all(events.slice(start, start + BATCH).map((event) => relay.publish(event)));
    } finally {
      relay.close();
    }
  }
}

/**
 * Restores `words` in a new page of `context` on the chat screen of the
 * server at `serverUrl`, and waits until its relay is connected.
 * @returns {Promise<{ page: import("@playwright/test").Page, relayUrl: string }>}
 */
export async function restoreUser(context, serverUrl, words) {
  const relayUrl = (await (await fetch(new URL("/api/dev/config", serverUrl))).json()).relays[0];
  const page = await context.newPage();
  await page.goto(new URL("/chat", serverUrl).href);
  await page.getByRole("button", { name: "Restore from recovery words" }).click();
  await page.getByLabel(/Recovery words/).fill(words);
  await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
  await page.getByLabel("Passphrase again").fill(PASSPHRASE);
  await page.getByRole("button", { name: "Restore wallet" }).click();
  await page.getByTestId("messaging-status").filter({ hasText: "Connected to 1 relay." }).waitFor();
  return { page, relayUrl };
}
