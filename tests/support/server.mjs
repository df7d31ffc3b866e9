// Starts the real `server --dev` on a free loopback port, serving a release
// build of the app, and stops it again. Shared by the e2e tests and the
// benchmarks.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BUILT_DIST =
  process.env.FLASH_DIST ?? fileURLToPath(new URL("../../dist", import.meta.url));

const SERVER_BIN =
  process.env.FLASH_SERVER_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME ?? "", ".cache/flash-web/target"), "debug/server");

/**
 * @param {string} [dist] the directory of the built app to serve
 * @param {{ listen?: string, args?: string[] }} [options] where to listen
 *   (a free port by default) and further flags (`--database …`, say)
 * @returns {Promise<{ url: string, stop(): Promise<void>, kill(): Promise<void>, pause(): void, resume(): void }>}
 */
export async function startServer(dist = BUILT_DIST, { listen = "127.0.0.1:0", args = [] } = {}) {
  const child = spawn(SERVER_BIN, ["--dev", "--listen", listen, "--dist", dist, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before printing its URL`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const found = /Flash Web is running at (\S+)/.exec(line);
      if (found) resolve(found[1]);
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // A paused process would hold the signal until resumed.
        child.kill("SIGCONT");
        child.kill("SIGTERM");
      }
      await exited;
    },
    /**
     * Stops the process without ending it (SIGSTOP): connections to it are
     * accepted by the system and then wait, as at a server too busy to
     * answer, until `resume`.
     */
    pause() {
      child.kill("SIGSTOP");
    },
    resume() {
      child.kill("SIGCONT");
    },
    /** Kills the process at once, as a crash would. */
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * A private copy of the built app, for tests that change what is deployed.
 * @returns {Promise<{ dir: string, remove(): Promise<void> }>}
 */
export async function copyOfDist() {
  const dir = await mkdtemp(join(tmpdir(), "flash-dist-"));
  await cp(BUILT_DIST, dir, { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Chromium flags for this machine's closed network and root user. */
export const CHROMIUM = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};
