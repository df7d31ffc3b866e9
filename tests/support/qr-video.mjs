// A camera for headless Chromium: a Y4M video whose frames each show a QR
// code, for `--use-file-for-fake-video-capture` (Chromium loops it).
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import QRCode from "qrcode";
import { CHROMIUM } from "./server.mjs";

const WIDTH = 640;
const HEIGHT = 480;
// Video levels for white and black (Y'CbCr, limited range); no colour.
const WHITE = 235;
const BLACK = 16;
const NEUTRAL = 128;

/** Writes to `path` a video showing each of `texts` as a QR code in turn. */
export function writeQrVideo(texts, path) {
  const header = `YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`;
  const frames = texts.flatMap((text) => [Buffer.from("FRAME\n"), ...frame(text)]);
  writeFileSync(path, Buffer.concat([Buffer.from(header), ...frames]));
}

/** One frame's planes (Y, Cb, Cr) showing `text` as a QR code. */
function frame(text) {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  // A quiet zone of four modules on each side, as scanners expect.
  const scale = Math.floor(Math.min(WIDTH, HEIGHT) / (modules.size + 8));
  const left = Math.floor((WIDTH - modules.size * scale) / 2);
  const top = Math.floor((HEIGHT - modules.size * scale) / 2);
  const luma = Buffer.alloc(WIDTH * HEIGHT, WHITE);
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (!modules.get(row, column)) continue;
      for (let y = 0; y < scale; y++) {
        const start = (top + row * scale + y) * WIDTH + left + column * scale;
        luma.fill(BLACK, start, start + scale);
      }
    }
  }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2), NEUTRAL);
  return [luma, chroma, chroma];
}

/**
 * Playwright options for a Chromium whose fake camera plays `texts` as QR
 * codes (`name` keeps each spec's video apart).
 */
export function cameraShowing(name, texts) {
  const video = join(tmpdir(), `flash-scan-${name}-${process.pid}.y4m`);
  writeQrVideo(texts, video);
  return {
    launchOptions: {
      ...CHROMIUM,
      args: [
        ...CHROMIUM.args,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        `--use-file-for-fake-video-capture=${video}`,
      ],
    },
    permissions: ["camera"],
  };
}
