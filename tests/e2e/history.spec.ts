// A new device gets the whole history, though the dev relay answers at most
// 500 events a request: the engine catches up by negentropy (NIP-77).
import { generateSecretKey, getPublicKey, nip19 } from "nostr-tools";
import * as nip17 from "nostr-tools/nip17";
import { privateKeyFromSeedWords } from "nostr-tools/nip06";
import { Relay } from "nostr-tools/relay";
import { test, expect, restoreWallet } from "./fixtures";
import { devRelay } from "./nostr-tools";

const WORDS = "legal winner thank year wave sausage worth useful legal winner thank yellow";
/** More than the relay sends for one request. */
const MESSAGES = 600;
/** The dev relay takes 60 events a minute from one connection. */
const PER_CONNECTION = 50;

test("a new device gets more of its history than a relay sends for one request", async ({ page, request }) => {
  test.setTimeout(120_000);
  const me = getPublicKey(privateKeyFromSeedWords(WORDS));
  const { relay, url } = await devRelay(request);
  relay.close();
  const friend = generateSecretKey();
  const wraps = Array.from({ length: MESSAGES }, (_, n) =>
    nip17.wrapEvent(friend, { publicKey: me, relayUrl: url }, `old message ${n}`),
  );
  for (let start = 0; start < wraps.length; start += PER_CONNECTION) {
    const connection = await Relay.connect(url);
    await Promise.all(wraps.slice(start, start + PER_CONNECTION).map((wrap) => connection.publish(wrap)));
    connection.close();
  }

  await page.goto("/chat");
  await restoreWallet(page, WORDS);
  const conversation = page.getByRole("button", { name: new RegExp(nip19.npubEncode(getPublicKey(friend)).slice(0, 12)) });
  await expect(conversation.getByTestId("unread")).toHaveText(String(MESSAGES), { timeout: 60_000 });
});
