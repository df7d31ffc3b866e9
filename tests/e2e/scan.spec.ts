// Scanning a QR code with the camera: Chromium's fake camera plays a video
// of a QR code, and the scanned text lands in the field it was meant for.
import { test, expect, restoreWallet } from "./fixtures";
import { cameraShowing } from "../support/qr-video.mjs";

const INVOICE =
  "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygqpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq";
test.use(cameraShowing("invoice", [INVOICE]));

test("an invoice is scanned with the camera into the payment form", async ({ page }) => {
  await page.goto("/");
  await restoreWallet(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Send" }).click();
  await page.getByRole("radio", { name: "Lightning", exact: true }).check();
  await page.getByRole("button", { name: "Scan QR code" }).click();
  await expect(page.getByRole("textbox", { name: "Invoice, Lightning address or LNURL" })).toHaveValue(INVOICE);
  // The camera is off again once the code is read.
  await expect(page.getByTestId("scan-video")).toBeHidden();
});
