// NIP-46: the app signs in through a remote signer that nostr-tools runs in
// Node on the dev relay; the key never reaches the browser. Two ways in: the
// signer's bunker:// link pasted into the app, and the app's nostrconnect://
// code answered by the signer (as Amber or nsec.app do once it is scanned).
import { generateSecretKey, getPublicKey, nip19 } from "nostr-tools";
import { createNostrConnectURI } from "nostr-tools/nip46";
import { test, expect, choosePassphrase, npub, unlock } from "./fixtures";
import { connectBunker, devRelay, remoteSigner, send } from "./nostr-tools";

test("the app connects a bunker:// remote signer and uses it to message", async ({ page, request }) => {
  const { relay, url } = await devRelay(request);
  const bunker = generateSecretKey();
  const user = generateSecretKey();
  const asked: string[] = [];
  try {
    await remoteSigner(relay, bunker, user, asked);

    await connectBunker(page, bunker, url);
    await expect(npub(page)).toHaveAttribute("data-npub", nip19.npubEncode(getPublicKey(user)));

    // Messaging publishes the user's relay lists, signed by the bunker.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
    await expect(page.getByTestId("messaging-status")).toHaveText("Connected to 1 relay.");
    expect(asked).toEqual(expect.arrayContaining(["connect", "get_public_key", "sign_event"]));
  } finally {
    relay.close();
  }
});

test("a signer app answers the app's nostrconnect:// code; the app uses it to message, also after a reload", async ({ page, request }) => {
  const { relay, url } = await devRelay(request);
  const signer = generateSecretKey();
  const user = generateSecretKey();
  const asked: string[] = [];
  try {
    await remoteSigner(relay, signer, user, asked);

    await page.goto("/");
    await page.getByText("Other ways in").click();
    await page.getByRole("button", { name: "Connect a remote signer (NIP-46)" }).click();
    await choosePassphrase(page);
    await page.getByRole("button", { name: "Connect with a signer app" }).click();
    await expect(page.getByTestId("nostrconnect-qr")).toBeVisible();
    const link = (await page.getByTestId("nostrconnect-uri").textContent())!;

    // What the signer app reads in the code: the app's key, the dev relay,
    // the secret to answer with, the app's name and what it asks to do —
    // exactly the link nostr-tools makes from those parts.
    const code = new URL(link);
    expect(code.protocol).toBe("nostrconnect:");
    const app = code.hostname;
    const relays = code.searchParams.getAll("relay");
    expect(relays.map((relay) => relay.replace(/\/$/, ""))).toEqual([url.replace(/\/$/, "")]);
    const secret = code.searchParams.get("secret")!;
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    const perms = code.searchParams.get("perms")!.split(",");
    expect(perms).toEqual(expect.arrayContaining(["sign_event:13", "nip44_encrypt", "nip44_decrypt"]));
    expect(link).toBe(createNostrConnectURI({ clientPubkey: app, relays, secret, perms, name: "Flash" }));

    // Someone who did not see the code answers first: ignored.
    await send(relay, generateSecretKey(), app, { id: "spoof", result: "not-the-secret" });
    // The signer app answers with the secret, then serves the app.
    await send(relay, signer, app, { id: "connect", result: secret });
    await expect(npub(page)).toHaveAttribute("data-npub", nip19.npubEncode(getPublicKey(user)));
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
    await expect(page.getByTestId("messaging-status")).toHaveText("Connected to 1 relay.");
    expect(asked).toEqual(expect.arrayContaining(["get_public_key", "sign_event"]));

    // The code's answer was the connection: the app never sent `connect`.
    expect(asked).not.toContain("connect");

    // After a reload the connection comes back from the vault, without a
    // `connect` either: the signer already knows the app key.
    const before = asked.length;
    await page.reload();
    await unlock(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
    await expect(page.getByTestId("messaging-status")).toHaveText("Connected to 1 relay.");
    expect(asked.slice(before)).toEqual(expect.arrayContaining(["get_public_key", "sign_event"]));
    expect(asked.slice(before)).not.toContain("connect");
  } finally {
    relay.close();
  }
});
