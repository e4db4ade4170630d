// A manager's assistant with role `viewer` (made by the command line) sees the panel read only,
// switches on a second factor for their own account on «Безопасность», signs in with the code
// of the authenticator app, and switches it off again — in a real browser (release build).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

const VIEWER = 'e2e-viewer';
const VIEWER_PASSWORD = `viewer-${Date.now()}-password`;

/** RFC 6238: the 6-digit code of a base32 secret for a 30-second step. */
function totp(secret, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, '0');
}

let browser;
before(async () => {
  browser = await launch();
  // `ccgate admin create e2e-viewer --role viewer`, the password on standard input.
  const bin = process.env.CCGATE_BIN;
  assert.ok(bin, 'CCGATE_BIN names the ccgate binary under test');
  const r = spawnSync(bin, ['admin', 'create', VIEWER, '--role', 'viewer'], {
    input: `${VIEWER_PASSWORD}\n`,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /created with role `viewer`/);
});
after(async () => { await browser?.close(); });

test('a viewer sees the pages read only', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, VIEWER, VIEWER_PASSWORD);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=admin-name]:has-text("наблюдатель")');
  await page.waitForSelector('[data-testid=read-only-note]:has-text("Только просмотр")');

  await page.goto(`${BASE}/settings`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=save-freeswitch]:disabled');
  await page.waitForSelector('[data-testid=save-modules]:disabled');
  // The checks only read: they stay enabled.
  assert.equal(await page.locator('[data-testid=check-freeswitch]').isDisabled(), false);

  await page.goto(`${BASE}/users`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=add-user]:disabled');
  await page.screenshot({ path: `${OUTPUT}/viewer-users.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a viewer switches a second factor on, signs in with its code, and switches it off', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, VIEWER, VIEWER_PASSWORD);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);

  // «Безопасность» from the admin's name in the header.
  await page.click('[data-testid=admin-name]');
  await page.waitForURL(`${BASE}/security`);
  await page.waitForSelector('[data-testid=totp-state][data-on=false]');
  await page.click('[data-testid=totp-enable]');
  await page.waitForSelector('[data-testid=totp-qr] svg');
  const secret = (await page.locator('[data-testid=totp-secret]').innerText()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await page.screenshot({ path: `${OUTPUT}/security-enrol.png`, fullPage: true });
  const step = Math.floor(Date.now() / 30000);
  await page.fill('[data-testid=totp-confirm-code]', totp(secret, step));
  await page.click('[data-testid=totp-confirm]');
  await page.waitForSelector('[data-testid=recovery-codes] li >> nth=9');
  await page.waitForSelector('[data-testid=totp-state][data-on=true]');
  // The key is not on the page any more.
  assert.equal(await page.locator('[data-testid=totp-secret]').count(), 0);

  await page.click('[data-testid=logout]');
  await page.waitForURL(`${BASE}/login`);

  // The password is not enough any more.
  await signIn(page, VIEWER, VIEWER_PASSWORD);
  await page.waitForSelector('[data-testid=code-form]');
  await page.goto(`${BASE}/`);
  assert.equal(new URL(page.url()).pathname, '/login', 'a half sign-in opens no page');
  await signIn(page, VIEWER, VIEWER_PASSWORD);
  await page.waitForSelector('[data-testid=code-form]');
  await page.fill('[data-testid=totp-code]', '000000');
  await page.click('[data-testid=code-submit]');
  await page.waitForSelector('[data-testid=code-error]:has-text("Неверный")');
  // The next step's code (the current one was used to confirm).
  await page.fill('[data-testid=totp-code]', totp(secret, step + 1));
  await page.click('[data-testid=code-submit]');
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);
  await page.waitForSelector(`[data-testid=admin-name]:has-text("${VIEWER}")`);

  // Off again, with the password.
  await page.goto(`${BASE}/security`);
  await hydrated(page);
  await page.fill('[data-testid=totp-disable-proof]', VIEWER_PASSWORD);
  await page.click('[data-testid=totp-disable]');
  await page.waitForSelector('[data-testid=totp-state][data-on=false]');
  assert.deepEqual(page.errors, []);
  await context.close();
});
