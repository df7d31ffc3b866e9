// Turns a copy of the built app into what a build of another UI↔engine
// protocol would be, without compiling one (two more release builds per test
// run would cost minutes). The app and the engine each carry their protocol
// version as 16 hex digits in their wasm (flash-protocol's PROTOCOL_VERSION);
// replacing those bytes and then renaming every file whose bytes change, as
// the build names them, gives what a deploy of a changed protocol serves.
// The check that app and engine agree is the app's own, unchanged.
import { createHash } from "node:crypto";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A content hash in a name, as Trunk and scripts/post-build.sh write it. */
const HASHED = /-[0-9a-f]{12,}(?=(?:_bg\.wasm|\.js)$)/;

/** A protocol version that is not `version`, of the same length. */
export function anotherProtocol(version) {
  return (version[0] === "0" ? "1" : "0") + version.slice(1);
}

/**
 * `wasm` with the protocol version `from` replaced by `to` wherever it
 * occurs; throws if it does not, so a test cannot pass by patching nothing.
 */
export function withProtocol(wasm, from, to) {
  const [needle, replacement] = [Buffer.from(from), Buffer.from(to)];
  if (needle.length !== replacement.length) throw new Error("versions differ in length");
  const patched = Buffer.from(wasm);
  let found = 0;
  for (let at = patched.indexOf(needle); at !== -1; at = patched.indexOf(needle, at + needle.length)) {
    replacement.copy(patched, at);
    found += 1;
  }
  if (found === 0) throw new Error(`protocol ${from} not found in the wasm`);
  return patched;
}

/**
 * Makes the built app in `dir` speak protocol `to` instead of `from`: both
 * wasm files patched and renamed by their new content, every file naming
 * them rewritten (and renamed too when its name is hashed), index.html's
 * integrity hashes recomputed and sw.js given a new version. The server must
 * be restarted on it: the page's CSP covers its inline loader, which changed.
 */
export async function deployProtocol(dir, from, to) {
  for (const name of await readdir(dir)) {
    if (name.endsWith("_bg.wasm")) await replace(dir, name, withProtocol(await readFile(join(dir, name)), from, to));
  }
  const index = await readFile(join(dir, "index.html"), "utf8");
  let rehashed = index;
  for (const [tag] of index.matchAll(/<(?:link|script)\b[^>]*\bintegrity="[^"]*"[^>]*>/g)) {
    const file = /\b(?:href|src)="\/([^"]+)"/.exec(tag)?.[1];
    if (!file) continue;
    const digest = createHash("sha384").update(await readFile(join(dir, file))).digest("base64");
    rehashed = rehashed.replace(tag, tag.replace(/integrity="[^"]*"/, `integrity="sha384-${digest}"`));
  }
  await rewrite(dir, "index.html", rehashed);
  const sw = await readFile(join(dir, "sw.js"), "utf8");
  await rewrite(dir, "sw.js", sw.replace(/const VERSION = "([^"]+)"/, `const VERSION = "$1-${to}"`));
}

/** Puts `bytes` under a new content-hashed name in place of `name`. */
async function replace(dir, name, bytes) {
  const renamed = name.replace(HASHED, `-${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}`);
  if (renamed === name) throw new Error(`${name} carries no content hash`);
  await writeFile(join(dir, renamed), bytes);
  await removeWithCompressed(dir, name);
  for (const other of await readdir(dir)) {
    if (!/\.(?:js|html)$/.test(other)) continue;
    // A file renamed meanwhile (further down this walk) is already done.
    const text = await readFile(join(dir, other), "utf8").catch(() => null);
    if (text === null || !text.includes(name)) continue;
    const updated = text.replaceAll(name, renamed);
    if (HASHED.test(other)) await replace(dir, other, Buffer.from(updated));
    else await rewrite(dir, other, updated);
  }
}

/** Rewrites a file that keeps its name; its compressed copies are stale. */
async function rewrite(dir, name, text) {
  await removeWithCompressed(dir, name);
  await writeFile(join(dir, name), text);
}

async function removeWithCompressed(dir, name) {
  for (const suffix of ["", ".br", ".gz"]) await rm(join(dir, name + suffix), { force: true });
}
