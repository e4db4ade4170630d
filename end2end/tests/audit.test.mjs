// «Аудит» and «Входы»: the manager creates an API user, finds that change on «Аудит» (who, from
// which address, before → after), narrows the list by action and by the user page's link, sees
// that a secret setting's change shows only as ***, then opens «Входы» from the dashboard's
// card and finds their own successful sign-in, also through the outcome filter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, USER, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('audit: a change made in the panel is listed, filtered and linked from the user', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);

  await page.goto(`${BASE}/users`);
  await hydrated(page);
  await page.click('[data-testid=add-user]');
  const login = `crm-audit-${Date.now() % 100000}`;
  await page.fill('[data-testid=new-login]', login);
  await page.fill('[data-testid=new-note]', 'Заметка аудита');
  await page.click('[data-testid=create-user]');
  await page.waitForURL(/\/users\/\d+$/);
  await page.waitForSelector(`[data-testid=user-login]:has-text("${login}")`);
  await hydrated(page);

  // The nav leads to «Аудит»; the newest row is this change.
  await page.click('[data-testid=nav] a[href="/audit"]');
  await page.waitForURL(`${BASE}/audit`);
  await hydrated(page);
  const first = page.locator('[data-testid=audit-row]').first();
  await first.waitFor();
  assert.equal((await first.locator('[data-testid=target]').innerText()).trim(), login);
  assert.equal((await first.locator('[data-testid=actor]').innerText()).trim(), USER);
  assert.match(await first.locator('[data-testid=ip]').innerText(), /^(127\.0\.0\.1|::1)$/);
  assert.match(await first.locator('[data-testid=action]').innerText(), /Создание пользователя API/);
  assert.match(await first.locator('[data-testid=change]').innerText(), /— → Заметка аудита/);
  assert.match(await first.locator('[data-testid=time]').innerText(), /^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$/);
  await page.screenshot({ path: `${OUTPUT}/audit.png`, fullPage: true });

  // Filter by action: only user creations, ours among them.
  await page.selectOption('[data-testid=a-action]', 'user.create');
  await page.click('[data-testid=a-apply]');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid=audit-row] [data-testid=action]')];
    return rows.length > 0 && rows.every((r) => r.innerText.includes('user.create'));
  });
  // A target that matches nothing: «Нет записей».
  await page.fill('[data-testid=a-target]', 'no-such-object-anywhere');
  await page.click('[data-testid=a-apply]');
  await page.waitForSelector('[data-testid=audit-row]', { state: 'detached' });
  assert.match(await page.locator('[data-testid=shown]').innerText(), /Нет записей/);

  // The user page links to the user's changes.
  await page.goto(`${BASE}/users`);
  await hydrated(page);
  await page.fill('[data-testid=filter-login]', login);
  await page.locator(`[data-testid=user-row]:has-text("${login}") a`).first().click();
  await page.waitForURL(/\/users\/\d+$/);
  await hydrated(page);
  await page.click('[data-testid=user-audit]');
  await page.waitForURL(`${BASE}/audit?target=${login}`);
  await hydrated(page);
  assert.equal(await page.locator('[data-testid=a-target]').inputValue(), login);
  await page.locator('[data-testid=audit-row]').first().waitFor();
  const shownTargets = await page.locator('[data-testid=audit-row] [data-testid=target]').allInnerTexts();
  assert.ok(shownTargets.length >= 1 && shownTargets.every((t) => t.includes(login)), shownTargets.join(','));

  // Settings link to their changes; a secret's change is only ***. The password is set through
  // the page's own server function and put back to what the simulator expects.
  const secret = `e2e-secret-${Date.now()}`;
  for (const value of [secret, 'works']) {
    const status = await page.evaluate(async (v) => (await fetch('/rpc/settings/save', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ values: [['freeswitch.password', v]] }),
    })).status, value);
    assert.equal(status, 200);
  }
  await page.goto(`${BASE}/settings`);
  await hydrated(page);
  await page.click('[data-testid=settings-audit]');
  await page.waitForURL(`${BASE}/audit?action=setting.`);
  await hydrated(page);
  assert.equal(await page.locator('[data-testid=a-action]').inputValue(), 'setting.');
  const rows = page.locator('[data-testid=audit-row]');
  await rows.first().waitFor();
  const actions = await rows.locator('[data-testid=action]').allInnerTexts();
  assert.ok(actions.every((a) => a.includes('setting.set')), actions.join(','));
  const pw = page.locator('[data-testid=audit-row]:has([data-testid=target]:text-is("freeswitch.password"))');
  assert.equal(await pw.count(), 2);
  assert.match(await pw.first().locator('[data-testid=change]').innerText(), /^\*\*\* → \*\*\*$/);
  assert.ok(!(await page.content()).includes(secret), 'a secret reached the page');
  await page.screenshot({ path: `${OUTPUT}/audit-settings.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('sign-ins: the dashboard links to the log, which shows my own sign-in and filters it', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);
  await page.click('[data-testid=signins-all]');
  await page.waitForURL(`${BASE}/signins`);
  await hydrated(page);
  const first = page.locator('[data-testid=signin-row]').first();
  await first.waitFor();
  assert.equal((await first.locator('[data-testid=username]').innerText()).trim(), USER);
  assert.equal((await first.locator('[data-testid=result]').innerText()).trim(), 'успешно');
  assert.match(await first.locator('[data-testid=ip]').innerText(), /^(127\.0\.0\.1|::1)$/);
  assert.match(await first.locator('.ua').innerText(), /Chrome/);

  await page.selectOption('[data-testid=si-result]', 'fail');
  await page.fill('[data-testid=si-username]', USER);
  await page.click('[data-testid=si-apply]');
  await page.waitForFunction(() => {
    const r = [...document.querySelectorAll('[data-testid=signin-row] [data-testid=result]')];
    return r.every((x) => x.innerText.trim() === 'неверный пароль');
  });
  await page.selectOption('[data-testid=si-result]', 'ok');
  await page.click('[data-testid=si-apply]');
  await page.waitForFunction(() => {
    const r = [...document.querySelectorAll('[data-testid=signin-row] [data-testid=result]')];
    return r.length > 0 && r.every((x) => x.innerText.trim() === 'успешно');
  });
  await page.screenshot({ path: `${OUTPUT}/signins.png`, fullPage: true });

  // The nav names both pages, in Russian and in English.
  const nav = page.locator('[data-testid=nav]');
  assert.match(await nav.innerText(), /Аудит[\s\S]*Входы/);
  await page.click('[data-testid=lang-switch]');
  await page.waitForFunction(() => document.querySelector('[data-testid=nav]').innerText.includes('Sign-ins'));
  assert.match(await nav.innerText(), /Audit[\s\S]*Sign-ins/);
  assert.match(await page.locator('h1').innerText(), /Panel sign-ins/);
  await page.screenshot({ path: `${OUTPUT}/signins-en.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
  await context.close();
});
