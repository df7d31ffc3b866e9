// Scanning an animated code: a token far too long for one QR code, shown as
// BC-UR fragments made by another wallet's library (@ngraveio/bc-ur),
// fountain parts included, is read whole from the camera.
import { UR, UREncoder } from "@ngraveio/bc-ur";
import { test, expect, restoreWallet } from "./fixtures";
import { cameraShowing } from "../support/qr-video.mjs";

const TOKEN = `cashuB${"o2FteCJodHRwczovL21pbnQuZXhhbXBsZS5jb21hdWNzYXRhdIGiYWlI".repeat(40)}`;
const encoder = new UREncoder(UR.fromBuffer(Buffer.from(TOKEN)), 200, 0);
const parts = Array.from({ length: encoder.fragmentsLength * 3 }, () => encoder.nextPart().toUpperCase());
test.use(cameraShowing("token", parts));

test("a large token is read from an animated code", async ({ page }) => {
  await page.goto("/");
  await restoreWallet(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Receive" }).click();
  await page.getByRole("radio", { name: "eCash token" }).check();
  await page.getByRole("button", { name: "Scan QR code" }).click();
  await expect(page.getByLabel("Paste an eCash token")).toHaveValue(TOKEN);
});
