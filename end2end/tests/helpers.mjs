// Shared set-up for the browser tests: Debian chromium through playwright-core.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const USER = process.env.E2E_ADMIN_USER ?? 'admin';
export const PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? '';
export const OUTPUT = new URL('../output/', import.meta.url).pathname;
mkdirSync(OUTPUT, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A fresh context (own cookies) and page that records uncaught page errors. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  // A script, style or connection the page's Content-Security-Policy refused is an error too.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) page.errors.push(`CSP: ${m.text()}`);
  });
  page.setDefaultTimeout(15000);
  return { context, page };
}

/** Wait until the wasm bundle has hydrated the page. */
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
}

export async function signIn(page, user = USER, password = PASSWORD) {
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  await page.fill('[data-testid=username]', user);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=login-submit]');
}
