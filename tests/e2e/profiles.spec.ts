// Profiles: one tab per profile, several wallets in one browser, deletion.
import { test, expect, restoreWallet, unlock, npub, NIP06_NPUB } from "./fixtures";

const heading = (page) => page.getByRole("heading", { level: 1 });

test("a second tab on the same profile is told so, and can take it over", async ({ context, page }) => {
  await page.goto("/");
  await restoreWallet(page);

  const second = await context.newPage();
  await second.goto("/");
  await expect(heading(second)).toHaveText("Flash is open in another tab");
  await second.getByRole("button", { name: "Use Flash in this tab" }).click();
  await expect(heading(second)).toHaveText("Flash is locked");

  // The first tab stopped using the wallet the moment it lost it.
  await expect(heading(page)).toHaveText("Flash is open in another tab");
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);

  await unlock(second);
  await expect(npub(second)).toHaveAttribute("data-npub", NIP06_NPUB);
});

test("a second profile starts empty, and a profile is deleted only after typing the confirmation", async ({ page }) => {
  await page.goto("/settings");
  await restoreWallet(page);
  const profiles = page.getByTestId("profile");
  await expect(profiles).toHaveCount(1);

  await page.getByRole("button", { name: "Add a profile" }).click();
  await expect(heading(page)).toHaveText("Welcome to Flash");
  await page.getByRole("button", { name: "Create a new wallet" }).click();
  await page.getByRole("button", { name: "Back" }).click();
  await page.reload();
  // The browser reopens the profile used last: the new, empty one.
  await expect(heading(page)).toHaveText("Welcome to Flash");

  // Give the new profile a wallet of its own, then go back to the first.
  await restoreWallet(page, "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(profiles).toHaveCount(2);
  const first = profiles.filter({ hasText: NIP06_NPUB.slice(0, 12) });
  await first.getByRole("button", { name: "Open" }).click();
  await expect(heading(page)).toHaveText("Flash is locked");
  await expect(npub(page)).toHaveAttribute("data-npub", NIP06_NPUB);
  await unlock(page);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  const other = profiles.filter({ hasNotText: NIP06_NPUB.slice(0, 12) });
  await other.getByRole("button", { name: "Delete…" }).click();
  const confirm = other.getByRole("button", { name: "Delete this profile" });
  await other.getByLabel(/Type “delete” to confirm/).fill("remove");
  await expect(confirm).toBeDisabled();
  await other.getByLabel(/Type “delete” to confirm/).fill("delete");
  await confirm.click();
  await expect(profiles).toHaveCount(1);
  await expect(profiles.first()).toContainText(NIP06_NPUB.slice(0, 12));
});

test("settings say whether the browser keeps the wallet's storage", async ({ page }) => {
  await page.goto("/settings");
  await restoreWallet(page);
  await expect(page.getByTestId("storage-persistence")).toHaveText(/^(Persistent|Best effort|This browser cannot)/);
});
