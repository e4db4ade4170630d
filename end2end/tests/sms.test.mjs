// Settings → SMS: the manager adds a gateway with «+ настройка» (password write-only), checks it with
// «Проверить» against the SMS Traffic fake (balance), adds a second one with a wrong password (the
// test shows the provider's 411), fixes it through «Изменить» and makes it active.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

const FAKE = process.env.SMS_FAKE_URL ?? 'http://127.0.0.1:18090/multi.php';
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function addGateway(page, name, password, priority) {
  await page.click('[data-testid=sms-add]');
  await page.waitForSelector('[data-testid=sms-form]');
  await page.fill('[data-testid=sms-field-name]', name);
  await page.fill('[data-testid=sms-field-url]', FAKE);
  await page.fill('[data-testid=sms-field-reserve_url]', '');
  await page.fill('[data-testid=sms-field-login]', 'e2e');
  await page.fill('[data-testid=sms-field-password]', password);
  await page.fill('[data-testid=sms-field-sender]', 'E2E');
  await page.fill('[data-testid=sms-field-priority]', String(priority));
  await page.click('[data-testid=sms-save]');
  await page.waitForSelector(`[data-testid=sms-gateway-${name}]`);
}

test('SMS gateways: add, test, edit the write-only password, switch the active one', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}/settings`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=sms-block]');

  await addGateway(page, 'first', 'e2e-secret', 1);
  const first = page.locator('[data-testid=sms-gateway-first]');
  assert.equal(await first.locator('[data-testid=sms-state]').innerText(), 'активный');
  await first.locator('[data-testid=sms-test]').click();
  const result = page.locator('[data-testid=sms-test-result]');
  await result.waitFor();
  assert.match(await result.innerText(), /OK: 10025/);
  // The password is never sent back to the browser.
  assert.equal(await page.content().then((h) => h.includes('e2e-secret')), false);

  // A wrong password: the test says so.
  await addGateway(page, 'second', 'wrong', 2);
  const second = page.locator('[data-testid=sms-gateway-second]');
  assert.equal(await second.locator('[data-testid=sms-state]').innerText(), 'резерв');
  await second.locator('[data-testid=sms-test]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=sms-test-result]')?.innerText.includes('411'));

  // Fix it through «Изменить» and make it active.
  await second.locator('[data-testid=sms-edit]').click();
  await page.fill('[data-testid=sms-field-password]', 'e2e-secret');
  await page.click('[data-testid=sms-save]');
  await page.waitForSelector('[data-testid=sms-form]', { state: 'detached' });
  await page.locator('[data-testid=sms-gateway-second] [data-testid=sms-activate]').click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid=sms-gateway-second] [data-testid=sms-state]')?.innerText === 'активный');
  await page.screenshot({ path: `${OUTPUT}/settings-sms.png`, fullPage: true });
  assert.equal(await page.locator('[data-testid=sms-gateway-first] [data-testid=sms-state]').innerText(), 'резерв');
  assert.deepEqual(page.errors, []);
  await context.close();
});
