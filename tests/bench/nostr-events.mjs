// Writes the events the NOSTR benchmark feeds to every side (the worker's
// wasm, nostr-tools, nostr-wasm), signed with nostr-tools, as one JSON file:
//
//   { "notes": [...], "recipient": "<secret key hex>", "wraps": [...] }
//
// - notes: 10,000 ordinary notes (about 280 characters, a `p` and an `e`
//   tag) from 100 authors, to verify;
// - wraps: 1,000 NIP-17 private messages from one correspondent to the
//   recipient, gift-wrapped, as a long conversation arrives.
//
// Keys are derived from fixed labels, so every run measures the same authors
// and texts; signatures and NIP-44 nonces are random, as in real use.
//
//   node bench/nostr-events.mjs <out.json>      (scripts/bench-nostr.sh runs it)
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { finalizeEvent, getPublicKey, nip17 } from "nostr-tools";
import { bytesToHex } from "nostr-tools/utils";

const NOTES = 10_000;
const AUTHORS = 100;
const WRAPS = 1_000;

const key = (label) => new Uint8Array(createHash("sha256").update(`flash-bench ${label}`).digest());

const [out] = process.argv.slice(2);
if (!out) throw new Error("usage: node bench/nostr-events.mjs <out.json>");

const authors = Array.from({ length: AUTHORS }, (_, i) => key(`author ${i}`));
const start = 1_760_000_000;
const notes = [];
for (let i = 0; i < NOTES; i++) {
  const tags = [["p", getPublicKey(authors[(i * 7 + 3) % AUTHORS])]];
  if (i > 0) tags.push(["e", notes[i - 1].id]);
  const content = `Note ${i}: ` + "gm, a note of ordinary length about nothing much. ".repeat(5);
  notes.push(finalizeEvent({ kind: 1, created_at: start + i * 60, tags, content }, authors[i % AUTHORS]));
}

const recipient = key("recipient");
const sender = key("sender");
const wraps = [];
for (let i = 0; i < WRAPS; i++) {
  const message = `Message ${i} of a long conversation: are we still on for lunch tomorrow?`;
  wraps.push(nip17.wrapEvent(sender, { publicKey: getPublicKey(recipient) }, message));
}

await writeFile(out, JSON.stringify({ notes, recipient: bytesToHex(recipient), wraps }));
console.log(`wrote ${notes.length} notes and ${wraps.length} gift wraps to ${out}`);
