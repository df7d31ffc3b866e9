// A name at the server, in the browser: chosen in Settings, it is the
// user's NOSTR address (the server's NIP-05 answers their key) and their
// Lightning address (its LNURL-pay offer); another user cannot take it
// while it is held, reserved and malformed names are refused with their
// reason, and once given up it is free.
import { nip19 } from "nostr-tools";
import { generateSeedWords } from "nostr-tools/nip06";
import type { Browser, Page } from "@playwright/test";
import { test, expect, chooseName, go, npub, ownContexts, restoreWallet } from "./fixtures";

const newPage = ownContexts();

async function user(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const page = await newPage(browser, baseURL);
  await page.goto("/");
  await restoreWallet(page, generateSeedWords());
  await expect(page.getByTestId("account-balance")).toHaveText("Lightning account: 0 sat");
  return page;
}

test("a name is the user's NOSTR and Lightning address, held by one user at a time", async ({ browser, baseURL, request }) => {
  const alice = await user(browser, baseURL);
  const bob = await user(browser, baseURL);
  const host = new URL(baseURL!).host;
  // Tests share the server: a name of this run's own.
  const name = `alice${Date.now().toString(36)}`;

  await chooseName(alice, name.toUpperCase());
  await expect(alice.getByTestId("address")).toHaveText(`${name}@${host}`);
  await go(alice, "Home");
  const hex = nip19.decode((await npub(alice).getAttribute("data-npub"))!).data as string;

  const nip05 = await (await request.get(`/.well-known/nostr.json?name=${name}`)).json();
  expect(nip05.names).toEqual({ [name]: hex });
  const offer = await (await request.get(`/.well-known/lnurlp/${name}`)).json();
  expect(offer.tag).toBe("payRequest");
  expect(JSON.parse(offer.metadata)).toContainEqual(["text/identifier", `${name}@${host}`]);

  // Held by Alice: Bob is told, and so for names no one may take.
  await chooseName(bob, name);
  await expect(bob.getByRole("alert")).toContainText("is taken");
  await chooseName(bob, "admin");
  await expect(bob.getByRole("alert")).toContainText("reserved");
  await chooseName(bob, "no spaces");
  await expect(bob.getByRole("alert")).toContainText("a–z");
  await expect(bob.getByTestId("address")).toHaveCount(0);

  // Given up, it is Bob's to take.
  await go(alice, "Settings");
  await alice.getByRole("button", { name: "Give up this name" }).click();
  await expect(alice.getByTestId("address")).toHaveCount(0);
  await chooseName(bob, name);
  await expect(bob.getByTestId("address")).toHaveText(`${name}@${host}`);
  const now = await (await request.get(`/.well-known/nostr.json?name=${name}`)).json();
  expect(Object.values(now.names)).not.toContain(hex);
});
