// Settings → SMS: the manager adds a gateway with «+ настройка» (password write-only), checks it with
// «Проверить» against the SMS Traffic fake (balance), adds a second one with a wrong password (the
// test shows the provider's 411), fixes it through «Изменить» and makes it active. Then an SMPP
// gateway against node-smpp run as an SMSC: the form explains the fields, refuses an http URL, and
// «Проверить» binds.
import { test, before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

async function startSmsc(systemId, password) {
  const script = fileURLToPath(new URL('../peers/smsc.js', import.meta.url));
  const child = spawn(process.execPath, [script, '--system-id', systemId, '--password', password], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (d) => {
      seen += d;
      const m = seen.match(/"event":"listening","port":(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`SMSC peer exited (${code})`)));
  });
  return { child, port };
}

test('SMS gateways: an SMPP gateway is explained, validated and bound by «Проверить»', async () => {
  const smsc = await startSmsc('e2e', 'e2e-pw');
  const { context, page } = await newPage(browser);
  try {
    await signIn(page);
    await page.waitForURL(`${BASE}/`);
    await page.goto(`${BASE}/settings`);
    await hydrated(page);
    await page.waitForSelector('[data-testid=sms-block]');
    await page.click('[data-testid=sms-add]');
    await page.waitForSelector('[data-testid=sms-form]');
    await page.selectOption('[data-testid=sms-field-kind]', 'smpp');
    const hint = page.locator('[data-testid=sms-smpp-hint]');
    await hint.waitFor();
    assert.match(await hint.innerText(), /smpp:\/\/хост:порт/);
    await page.fill('[data-testid=sms-field-name]', 'smsc');
    await page.fill('[data-testid=sms-field-url]', 'https://smsc.example/send');
    await page.fill('[data-testid=sms-field-reserve_url]', '');
    await page.fill('[data-testid=sms-field-login]', 'e2e');
    await page.fill('[data-testid=sms-field-password]', 'e2e-pw');
    await page.fill('[data-testid=sms-field-sender]', 'E2E');
    await page.fill('[data-testid=sms-field-priority]', '5');
    await page.click('[data-testid=sms-save]');
    const error = page.locator('[data-testid=sms-form-error]');
    await error.waitFor();
    assert.match(await error.innerText(), /smpp:\/\/host:port/);

    await page.fill('[data-testid=sms-field-url]', `smpp://127.0.0.1:${smsc.port}`);
    await page.click('[data-testid=sms-save]');
    await page.waitForSelector('[data-testid=sms-gateway-smsc]');
    await page.locator('[data-testid=sms-gateway-smsc] [data-testid=sms-test]').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=sms-test-result]')?.innerText.includes('bound as e2e'));
    await page.screenshot({ path: `${OUTPUT}/settings-sms-smpp.png`, fullPage: true });
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
    smsc.child.kill();
  }
});
