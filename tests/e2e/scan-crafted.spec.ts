// A crafted animated code: a BC-UR fragment (made by another wallet's
// library, @ngraveio/bc-ur) whose address claims 5,000,000 parts. The
// decoder's work grows with the count a code claims, so the app refuses it
// before decoding, says why, and the page stays responsive.
import { UR, UREncoder } from "@ngraveio/bc-ur";
import { test, expect, restoreWallet } from "./fixtures";
import { cameraShowing } from "../support/qr-video.mjs";

const encoder = new UREncoder(UR.fromBuffer(Buffer.from(`cashuB${"A".repeat(600)}`)), 200, 0);
const [, seq, payload] = /^ur:bytes\/(\d+)-\d+\/(.*)$/.exec(encoder.nextPart())!;
test.use(cameraShowing("crafted", [`UR:BYTES/${seq}-5000000/${payload}`.toUpperCase()]));

test("an animated code claiming 5,000,000 parts is refused at once, with the reason", async ({ page }) => {
  await page.goto("/");
  await restoreWallet(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Receive" }).click();
  await page.getByRole("radio", { name: "eCash token" }).check();
  await page.getByRole("button", { name: "Scan QR code" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "This animated code claims 5000000 parts; a payment or token needs at most 1000, so it was not read",
  );
  // The camera is off and the page answers.
  await expect(page.getByRole("button", { name: "Scan QR code" })).toBeVisible();
  await expect(page.getByLabel("Paste an eCash token")).toHaveValue("");
});
