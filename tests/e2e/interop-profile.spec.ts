// Profiles and contacts with nostr-tools (an implementation no one here
// wrote), through the dev relay: a profile nostr-tools publishes shows on
// the contact page, following publishes a follow list nostr-tools reads,
// "Message" opens the conversation, and a profile edited in the app is read
// back by nostr-tools with the fields other apps set still there; NIP-05
// addresses are checked with their domain.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { finalizeEvent, generateSecretKey, getPublicKey, nip19 } from "nostr-tools";
import type { Event, Filter } from "nostr-tools";
import type { Relay } from "nostr-tools/relay";
import { test, expect, NIP06_NSEC } from "./fixtures";
import { appUser, devRelay } from "./nostr-tools";

/** The newest event matching `filter` that the relay holds. */
function newest(relay: Relay, filter: Filter): Promise<Event | undefined> {
  return new Promise((resolve) => {
    let found: Event | undefined;
    const sub = relay.subscribe([filter], {
      onevent: (event) => {
        if (!found || event.created_at > found.created_at) found = event;
      },
      oneose: () => {
        sub.close();
        resolve(found);
      },
    });
  });
}

const now = () => Math.floor(Date.now() / 1000);

test("a profile published by nostr-tools shows on the contact page; follow, then message", async ({ page, request }) => {
  const appKey = await appUser(page);
  const { relay, url } = await devRelay(request);
  const someone = generateSecretKey();
  const theirKey = getPublicKey(someone);
  const theirNpub = nip19.npubEncode(theirKey);
  try {
    const profile = { name: "tools-tester", about: "made by nostr-tools", website: "https://example.com" };
    await relay.publish(finalizeEvent({ kind: 0, created_at: now(), tags: [], content: JSON.stringify(profile) }, someone));
    await relay.publish(finalizeEvent({ kind: 10050, created_at: now(), tags: [["relay", url]], content: "" }, someone));

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Contacts" }).click();
    await page.getByLabel("Find someone").fill(theirNpub);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByTestId("search-results").getByRole("link", { name: /tools-tester/ }).click();

    await expect(page.getByTestId("contact-name")).toHaveText("tools-tester");
    await expect(page.getByTestId("contact-about")).toHaveText("made by nostr-tools");
    await expect(page.getByTestId("contact-npub")).toHaveAttribute("data-npub", theirNpub);

    await page.getByRole("button", { name: "Follow", exact: true }).click();
    await expect(page.getByRole("button", { name: "Unfollow" })).toBeVisible();
    await expect
      .poll(async () => (await newest(relay, { kinds: [3], authors: [appKey] }))?.tags ?? [])
      .toContainEqual(["p", theirKey]);

    await page.getByRole("button", { name: "Message" }).click();
    await expect(page).toHaveURL(new RegExp(`/chat\\?with=${theirNpub}`));
    await expect(page.getByTestId("conversation-peer")).toHaveText("tools-tester");
    await expect(page.getByPlaceholder("Write a message")).toBeVisible();

    // The contacts list now shows them by name.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Contacts" }).click();
    await expect(page.getByRole("list", { name: "People" }).getByRole("link", { name: /tools-tester/ })).toBeVisible();
  } finally {
    relay.close();
  }
});

test("a profile edited in the app is read by nostr-tools, keeping other apps' fields", async ({ page, request }) => {
  const appKey = await appUser(page);
  const { relay } = await devRelay(request);
  const appSecret = nip19.decode(NIP06_NSEC).data as Uint8Array;
  try {
    // Another app wrote the user's profile first, with a field Flash does not edit.
    const before = { name: "before", website: "https://flash.example" };
    await relay.publish(finalizeEvent({ kind: 0, created_at: now() - 5, tags: [], content: JSON.stringify(before) }, appSecret));

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Contacts" }).click();
    await page.getByRole("link", { name: "Your profile" }).click();
    const name = page.getByLabel("Name", { exact: true });
    await expect(name).toHaveValue("before");
    await name.fill("Satoshi in Flash");
    await page.getByLabel("About").fill("edited in the app");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByText("Saved and published to your relays.")).toBeVisible();

    await expect
      .poll(async () => JSON.parse((await newest(relay, { kinds: [0], authors: [appKey] }))?.content ?? "{}"))
      .toMatchObject({ name: "Satoshi in Flash", about: "edited in the app", website: "https://flash.example" });
  } finally {
    relay.close();
  }
});

test("a NIP-05 address its domain confirms gets a badge; one it does not is marked", async ({ page, request }) => {
  await appUser(page);
  const { relay } = await devRelay(request);
  const bob = generateSecretKey();
  const impostor = generateSecretKey();
  // The domain: a web server on this machine answering NIP-05 lookups, with
  // the CORS header NIP-05 asks servers to send.
  const domain = createServer((request, response) => {
    const name = new URL(request.url!, "http://localhost").searchParams.get("name");
    response.setHeader("Access-Control-Allow-Origin", "*");
    response.setHeader("Content-Type", "application/json");
    response.end(JSON.stringify({ names: name === "bob" ? { bob: getPublicKey(bob) } : {} }));
  });
  await new Promise<void>((listening) => domain.listen(0, "127.0.0.1", listening));
  const address = `bob@127.0.0.1:${(domain.address() as AddressInfo).port}`;
  try {
    for (const [key, name] of [[bob, "Bob"], [impostor, "Not Bob"]] as const) {
      await relay.publish(
        finalizeEvent({ kind: 0, created_at: now(), tags: [], content: JSON.stringify({ name, nip05: address }) }, key),
      );
    }
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Contacts" }).click();

    await page.getByLabel("Find someone").fill(nip19.npubEncode(getPublicKey(bob)));
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByTestId("search-results").getByRole("link", { name: /Bob/ }).click();
    await expect(page.getByTestId("contact-name")).toHaveText("Bob");
    await expect(page.getByTestId("nip05")).toContainText(address);
    await expect(page.getByTestId("nip05-badge")).toBeVisible();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Contacts" }).click();
    await page.getByLabel("Find someone").fill(nip19.npubEncode(getPublicKey(impostor)));
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByTestId("search-results").getByRole("link", { name: /Not Bob/ }).click();
    await expect(page.getByTestId("contact-name")).toHaveText("Not Bob");
    await expect(page.getByTestId("nip05")).toContainText("not confirmed by its domain");
    await expect(page.getByTestId("nip05-badge")).toHaveCount(0);
  } finally {
    relay.close();
    domain.close();
  }
});
