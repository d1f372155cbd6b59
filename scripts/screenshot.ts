/**
 * Screenshots of a running Recert (default http://localhost:3000), signed in through the sign-in page:
 *   SCREENSHOT_WIDTH=390 npx tsx scripts/screenshot.ts [baseUrl] [upn] [path...]
 * Writes docs/screenshots/<path>[-<width>].png (default width 1440); used to look at pages, at desktop and phone
 * widths, and for the README picture.
 */
import { mkdirSync } from "node:fs";
import { chromium } from "@playwright/test";

async function main() {
  const [base = "http://localhost:3000", upn = "admin@contoso.onmicrosoft.com", ...paths] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const width = Number(process.env.SCREENSHOT_WIDTH ?? 1440);
  const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 900 } });
  await page.goto(`${base}/signin`);
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await page.locator('input[name="loginfmt"]').fill(upn);
  await page.locator('input[name="passwd"]').fill(process.env.EMULATOR_PASSWORD ?? "recert-demo");
  await page.locator("#idSIButton9").click();
  await page.waitForURL((u) => u.toString().startsWith(base) && !u.pathname.startsWith("/signin"));
  mkdirSync("docs/screenshots", { recursive: true });
  for (const p of paths.length ? paths : ["/"]) {
    await page.goto(`${base}${p}`);
    await page.waitForLoadState("networkidle");
    const file = `docs/screenshots/${p === "/" ? "dashboard" : p.replace(/^\//, "").replace(/[/?=&]/g, "-")}${width === 1440 ? "" : `-${width}`}.png`;
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
  }
  await browser.close();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
