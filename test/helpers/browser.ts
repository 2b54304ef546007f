import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * A headless Chromium for the payment page's browser tests, driven by playwright-core: the system's own
 * browser (CHROMIUM_PATH, else Debian's /usr/bin/chromium, which the system check installs), never one
 * downloaded. As root Chromium runs only without its sandbox.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(
      `no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH to a Chromium or Chrome`,
    );
  const root = process.getuid?.() === 0;
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...(root ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'],
  });
}
