// The cashu-ts harness (./cashu-ts.ts) against the mint `server --dev` runs,
// so later tests can trust it when they check the app against cashu-ts.
import { createRandomSecretKey, getPubKeyFromPrivKey, sumProofs } from "@cashu/cashu-ts";
import { test, expect } from "./fixtures";
import { devMint, mintProofs, receiveToken, sendToken } from "./cashu-ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

test("the dev mint is on the server's own origin, at /mint", async ({ request, baseURL }) => {
  expect(await devMint(request)).toBe(new URL("/mint", baseURL).href);
});

test("cashu-ts mints from the dev mint, sends a token and receives it back once", async ({ request }) => {
  const mint = await devMint(request);
  const proofs = await mintProofs(mint, 21);
  expect(sumProofs(proofs).toNumber()).toBe(21);

  const token = await sendToken(mint, 40);
  expect(token).toMatch(/^cashuB/);
  expect(await receiveToken(mint, token)).toBe(40);
  // The mint now knows its proofs are spent.
  await expect(receiveToken(mint, token)).rejects.toThrow();
});

test("a P2PK-locked token is received only with its key", async ({ request }) => {
  const mint = await devMint(request);
  const privkey = createRandomSecretKey();
  const token = await sendToken(mint, 30, { p2pkPubkey: hex(getPubKeyFromPrivKey(privkey)) });

  await expect(receiveToken(mint, token, { privkey: hex(createRandomSecretKey()) })).rejects.toThrow();
  expect(await receiveToken(mint, token, { privkey: hex(privkey) })).toBe(30);
});
