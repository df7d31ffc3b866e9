// @cashu/cashu-ts in Node (a Cashu wallet no one here wrote), against a mint
// such as the one `server --dev` runs at /mint. Each helper uses a fresh,
// stateless cashu-ts wallet: proofs live only in what the helpers return.
import WebSocket from "ws";
import {
  getEncodedToken,
  injectWebSocketImpl,
  sumProofs,
  Wallet,
  type Proof,
} from "@cashu/cashu-ts";
import type { APIRequestContext } from "@playwright/test";

// cashu-ts waits for quotes over the mint's NUT-17 websocket; Node 20 has no
// global WebSocket.
injectWebSocketImpl(WebSocket as unknown as typeof globalThis.WebSocket);

/** How long the mint may take to mark a quote paid. */
const PAID_TIMEOUT_MS = 10_000;

/** The dev mint `server --dev` advertises at /api/dev/config. */
export async function devMint(request: APIRequestContext): Promise<string> {
  const config = await (await request.get("/api/dev/config")).json();
  return config.mints[0];
}

async function wallet(mintUrl: string): Promise<Wallet> {
  const wallet = new Wallet(mintUrl, { unit: "sat" });
  await wallet.loadMint();
  return wallet;
}

/**
 * Has the dev Lightning network's outside world pay `invoice` (an
 * account's, or a quote of the dev mint at `mintUrl`, whose server it asks).
 */
export async function payFromOutside(mintUrl: string, invoice: string) {
  const paid = await fetch(new URL("/api/dev/lightning/pay", mintUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ invoice }),
  });
  const { status } = await paid.json();
  if (status !== "succeeded") throw new Error(`the outside world's payment ended ${status}`);
}

/**
 * Mints `amount` sats: asks for a bolt11 quote, has the outside world pay
 * its invoice, waits until the mint reports it paid, then mints the proofs.
 */
export async function mintProofs(mintUrl: string, amount: number): Promise<Proof[]> {
  const cashu = await wallet(mintUrl);
  const quote = await cashu.createMintQuoteBolt11(amount);
  try {
    await payFromOutside(mintUrl, quote.request);
    await cashu.on.onceMintPaid(quote.quote, { timeoutMs: PAID_TIMEOUT_MS });
    return await cashu.mintProofsBolt11(amount, quote.quote);
  } finally {
    cashu.mint.disconnectWebSocket();
  }
}

/** Encodes `proofs` of `mintUrl` as a cashuB (NUT-00 V4) token. */
export function encodeToken(mintUrl: string, proofs: Proof[]): string {
  return getEncodedToken({ mint: mintUrl, proofs, unit: "sat" });
}

/**
 * A cashuB token worth exactly `amount` sats, freshly minted and swapped at
 * the mint; locked to `p2pkPubkey` (NUT-11, hex) when given.
 */
export async function sendToken(
  mintUrl: string,
  amount: number,
  { p2pkPubkey }: { p2pkPubkey?: string } = {},
): Promise<string> {
  const proofs = await mintProofs(mintUrl, amount);
  const cashu = await wallet(mintUrl);
  const send = cashu.ops.send(amount, proofs);
  const { send: sent } = await (p2pkPubkey ? send.asP2PK({ pubkey: p2pkPubkey }) : send).run();
  return encodeToken(mintUrl, sent);
}

/**
 * Receives `token` at `mintUrl` (swapping its proofs for new ones, so the
 * mint marks them spent), signing with `privkey` (hex) if it is P2PK-locked;
 * returns the sats received.
 */
export async function receiveToken(
  mintUrl: string,
  token: string,
  { privkey }: { privkey?: string } = {},
): Promise<number> {
  const cashu = await wallet(mintUrl);
  const proofs = await cashu.receive(token, privkey ? { privkey } : undefined);
  return sumProofs(proofs).toNumber();
}

