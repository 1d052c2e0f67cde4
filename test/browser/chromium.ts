/** Debian's chromium through playwright-core (never a downloaded browser), on a fresh profile. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { ROOT } from "../examples/runtime";

export const CHROMIUM = "/usr/bin/chromium";
export const SHOTS = path.join(ROOT, "test-output", "screenshots");
const IMAGES = path.join(ROOT, "docs", "images");

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error("chromium is not installed: apt-get install -y chromium");
  fs.mkdirSync(SHOTS, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-chromium-"));
  // A fresh profile each run (launchPersistentContext is how playwright takes --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** With UPDATE_DOCS_IMAGES=1 a screenshot also replaces the README's copy (a plain run leaves git clean). */
export function publish(file: string): void {
  if (!process.env.UPDATE_DOCS_IMAGES) return;
  fs.mkdirSync(IMAGES, { recursive: true });
  fs.copyFileSync(path.join(SHOTS, file), path.join(IMAGES, file));
}
