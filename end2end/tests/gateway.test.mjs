// The manager creates an API user, copies the key shown once, grants only cc.queues; the key then
// works for /api/v1/me and is refused sms/send; the journal page shows both requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

let browser;
// Shared by the tests of this file, which run in order.
let login;
let key;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('create an API user, a key and one permission; the API obeys; the journal shows it', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);

  await page.goto(`${BASE}/users`);
  await hydrated(page);
  await page.click('[data-testid=add-user]');
  login = `crm-e2e-${Date.now() % 100000}`;
  await page.fill('[data-testid=new-login]', login);
  await page.fill('[data-testid=new-note]', 'Created by the browser test');
  await page.click('[data-testid=create-user]');
  await page.waitForURL(/\/users\/\d+$/);
  await page.waitForSelector(`[data-testid=user-login]:has-text("${login}")`);
  await hydrated(page);

  // A new user holds no permission.
  const queues = page.locator('[data-testid="perm-cc.queues"]');
  assert.equal(await queues.isChecked(), false);

  await page.click('[data-testid=create-key]');
  const keyEl = page.locator('[data-testid=new-key-value]');
  await keyEl.waitFor();
  key = (await keyEl.innerText()).trim();
  assert.match(key, /^ccg_[A-Za-z0-9]{40}$/);

  await queues.check();
  // The module box is now partial (indeterminate).
  assert.equal(await page.locator('[data-testid=perm-module-cc]').evaluate((el) => el.indeterminate), true);
  await page.click('[data-testid=save-perms]');
  await page.waitForSelector('[data-testid=perms-saved]');
  await page.screenshot({ path: `${OUTPUT}/user.png`, fullPage: true });

  // The key works at once, exactly as granted.
  const me = await fetch(`${BASE}/api/v1/me`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(me.status, 200);
  const body = await me.json();
  assert.equal(body.user.login, login);
  assert.deepEqual(body.permissions, ['cc.queues']);
  const sms = await fetch(`${BASE}/api/v1/sms/send`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: '+79161234567', text: 'hi' }),
  });
  assert.equal(sms.status, 403);
  assert.equal((await sms.json()).error.code, 'permission_denied');

  // The journal shows both at once, filtered by the user: the page commits what the journal
  // writer still holds before it reads.
  await page.goto(`${BASE}/journal?user=${login}`);
  await hydrated(page);
  const rows = page.locator('[data-testid=journal-row]');
  await rows.first().waitFor();
  const text = await page.locator('[data-testid=journal]').innerText();
  assert.match(text, /permission_denied/);
  assert.match(text, /sms\.send/);
  assert.match(text, /\bme\b/);
  assert.equal(await rows.count(), 2);
  await page.screenshot({ path: `${OUTPUT}/journal.png`, fullPage: true });

  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a method switched off in Settings answers method_disabled at once; blocking applies next request', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}/settings`);
  await hydrated(page);
  const sw = page.locator('[data-testid="switch-cc.queues"]');
  assert.equal(await sw.isChecked(), true);
  await sw.uncheck();
  await page.click('[data-testid=save-modules]');
  await page.waitForSelector('[data-testid=modules-saved]');
  const auth = { headers: { Authorization: `Bearer ${key}` } };
  let r = await fetch(`${BASE}/api/v1/cc/queues`, auth);
  assert.equal(r.status, 403);
  assert.equal((await r.json()).error.code, 'method_disabled');

  await page.reload();
  await hydrated(page);
  assert.equal(await page.locator('[data-testid="switch-cc.queues"]').isChecked(), false);
  await page.locator('[data-testid="switch-cc.queues"]').check();
  await page.click('[data-testid=save-modules]');
  await page.waitForSelector('[data-testid=modules-saved]');
  r = await fetch(`${BASE}/api/v1/cc/queues`, auth);
  assert.notEqual(r.status, 403);

  // Blocking from the list applies to the next request.
  await page.goto(`${BASE}/users`);
  await hydrated(page);
  await page.fill('[data-testid=filter-login]', login);
  const row = page.locator('[data-testid=user-row]', { hasText: login });
  await row.waitFor();
  await row.getByRole('button').click();
  await page.waitForSelector(`[data-testid=user-row]:has-text("${login}") .badge.bad`);
  const blocked = await fetch(`${BASE}/api/v1/me`, { headers: { 'X-API-Key': key } });
  assert.equal(blocked.status, 403);
  assert.equal((await blocked.json()).error.code, 'user_blocked');
  assert.deepEqual(page.errors, []);
  await context.close();
});
