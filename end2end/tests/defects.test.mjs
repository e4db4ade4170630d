// Panel defects of issue #15, each seen in the browser: Rust source printed on the pages (a `>=`
// ending a tag early), empty periods drawn as charts of zeros, times shown as UTC RFC 3339, and
// the dashboard's period lost on reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

let browser;
// Shared by the tests of this file, which run in order.
let userId;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Fragments of Rust source that no page's text may contain. */
// A Rust path (`crate::api`), not an IPv6 address such as the allow-list hint's `2001:db8::/32`.
const SOURCE = [/move \|/, /=> /, /\.set\(/, /on:click/, /[A-Za-z_]\w*::[A-Za-z_]/, /\{move/];
/** A time in RFC 3339 form (`2026-12-02T04:58:38Z`): the panel shows none. */
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/;
const RU_TIME = /^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$/;
const EN_TIME = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}, \d\d:\d\d:\d\d$/;

/** Unix ms of a Russian-form panel time shown at `offsetMin` east of UTC. */
function parseRu(text, offsetMin) {
  const [, d, m, y, hh, mm, ss] = text.match(/^(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d)$/);
  return Date.UTC(+y, +m - 1, +d, +hh, +mm, +ss) - offsetMin * 60000;
}

async function bodyText(page) {
  return page.evaluate(() => document.body.innerText);
}

function assertClean(text, where) {
  for (const p of SOURCE) assert.doesNotMatch(text, p, `${where}: source text ${p}`);
  assert.doesNotMatch(text, ISO, `${where}: a UTC RFC 3339 time`);
}

test('no page shows Rust source or RFC 3339 times; the pager buttons are disabled at the ends', async () => {
  const { context, page } = await newPage(browser);
  // The sign-in form, before any session.
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  assertClean(await bodyText(page), '/login');

  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  // A user with a key that has been used: every time column has something to show.
  await page.goto(`${BASE}/users`);
  await hydrated(page);
  await page.click('[data-testid=add-user]');
  const login = `crm-def-${Date.now() % 100000}`;
  await page.fill('[data-testid=new-login]', login);
  await page.fill('[data-testid=new-note]', 'Defects browser test');
  await page.click('[data-testid=create-user]');
  await page.waitForURL(/\/users\/\d+$/);
  userId = page.url().match(/\/users\/(\d+)$/)[1];
  await hydrated(page);
  await page.click('[data-testid=create-key]');
  const keyEl = page.locator('[data-testid=new-key-value]');
  await keyEl.waitFor();
  const key = (await keyEl.innerText()).trim();
  assert.equal((await fetch(`${BASE}/api/v1/me`, { headers: { Authorization: `Bearer ${key}` } })).status, 200);

  for (const path of ['/', '/stats', '/settings', '/users', `/users/${userId}`, '/journal', '/reports', '/docs', '/docs/errors']) {
    await page.goto(`${BASE}${path}`);
    await hydrated(page);
    // The reports page builds its first report after hydration, the wall its first figures.
    if (path === '/reports') await page.waitForSelector('[data-testid=rep-table]');
    if (path === '/stats') await page.waitForSelector('[data-testid=stats-as-of]:has-text(":")');
    assertClean(await bodyText(page), path);
  }

  // The users list fits one page: both buttons are disabled, and they are buttons, not text.
  await page.goto(`${BASE}/users`);
  await hydrated(page);
  const pager = page.locator('.pager');
  assert.equal(await pager.locator('button').count(), 2);
  assert.equal(await pager.locator('button').nth(0).isDisabled(), true);
  assert.equal(await pager.locator('button').nth(1).isDisabled(), true);
  assert.equal((await pager.locator('button').nth(1).innerText()).trim(), 'Вперёд →');
  await page.screenshot({ path: `${OUTPUT}/defects-users.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('times are in the configured zone (Moscow by default), in the page language, the zone named once', async () => {
  const { context, page } = await newPage(browser);
  const signedInAt = Date.now();
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);

  // The newest sign-in is ours, seconds ago, shown in UTC+03:00.
  const first = page.locator('[data-testid=signins] [data-testid=time]').first();
  const ru = (await first.innerText()).trim();
  assert.match(ru, RU_TIME);
  const shown = parseRu(ru, 180);
  assert.ok(Math.abs(shown - signedInAt) < 5 * 60000, `${ru} is not ${new Date(signedInAt).toISOString()} at UTC+03:00`);
  assert.equal((await page.locator('[data-testid=zone]').innerText()).trim(), 'Время: UTC+03:00');
  assert.equal(await page.locator('[data-testid=zone]').count(), 1);
  for (const t of await page.locator('[data-testid=time]').allInnerTexts()) assert.match(t.trim(), RU_TIME);

  // The key's times on the user's page and the journal's, the same way.
  for (const path of [`/users/${userId}`, '/journal']) {
    await page.goto(`${BASE}${path}`);
    await hydrated(page);
    const times = await page.locator('[data-testid=time]').allInnerTexts();
    assert.ok(times.length > 0, `${path} shows times`);
    for (const t of times) assert.match(t.trim(), RU_TIME, path);
  }
  await page.screenshot({ path: `${OUTPUT}/defects-journal-ru.png`, fullPage: true });

  // On a narrow window a time stays on one line: the date never breaks away from the clock.
  await page.setViewportSize({ width: 760, height: 900 });
  for (const path of ['/journal', `/users/${userId}`]) {
    await page.goto(`${BASE}${path}`);
    await hydrated(page);
    const lines = await page.locator('[data-testid=time]').evaluateAll((cells) => cells.map((c) => {
      const range = document.createRange();
      range.selectNodeContents(c);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return tops.size;
    }));
    assert.ok(lines.length > 0, `${path} shows times`);
    for (const n of lines) assert.equal(n, 1, `${path}: a time broken over ${n} lines`);
  }
  await page.screenshot({ path: `${OUTPUT}/defects-journal-narrow.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  // English: the same zone, the English form; switching reformats without a reload.
  await page.click('[data-testid=lang-switch]');
  await page.waitForSelector('[data-testid=zone]:has-text("Times: UTC+03:00")');
  const times = await page.locator('[data-testid=time]').allInnerTexts();
  for (const t of times) assert.match(t.trim(), EN_TIME);
  await page.goto(`${BASE}/`);
  await hydrated(page);
  const en = (await page.locator('[data-testid=signins] [data-testid=time]').first().innerText()).trim();
  assert.match(en, EN_TIME);
  await page.screenshot({ path: `${OUTPUT}/defects-dashboard-en.png`, fullPage: true });
  await page.click('[data-testid=lang-switch]');
  await page.waitForSelector('[data-testid=zone]:has-text("Время")');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a period without requests shows empty states, not charts of zeros', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);
  await page.click('[data-testid=period-custom]');
  await page.fill('[data-testid=period-from]', '2020-01-01');
  await page.fill('[data-testid=period-until]', '2020-01-07');
  await page.click('[data-testid=period-apply]');
  await page.waitForSelector('[data-testid=w-requests-value]:text-is("0")');
  for (const id of ['chart-total', 'chart-days']) {
    const note = page.locator(`[data-testid=${id}-empty]`);
    await note.waitFor();
    assert.equal((await note.innerText()).trim(), 'Нет запросов за период');
    assert.equal(await page.locator(`[data-testid=${id}]`).isVisible(), false, `${id} is hidden`);
  }
  await page.screenshot({ path: `${OUTPUT}/defects-dashboard-empty.png`, fullPage: true });

  // And back to a period with requests: the charts again, no notes.
  await page.click('[data-testid=period-30d]');
  await page.waitForSelector('[data-testid=chart-total-empty]', { state: 'detached' });
  assert.equal(await page.locator('[data-testid=chart-total]').isVisible(), true);

  // The users report of that week: every user, every figure zero; the table, no chart.
  await page.goto(`${BASE}/reports`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=rep-table]');
  await page.selectOption('[data-testid=rep-kind]', 'users');
  await page.fill('[data-testid=rep-from]', '2020-01-01');
  await page.fill('[data-testid=rep-until]', '2020-01-07');
  await page.click('[data-testid=rep-show]');
  await page.waitForSelector('[data-testid=rep-period]:has-text("2020-01-01")');
  assert.ok(await page.locator('[data-testid=rep-table] [data-testid=rep-row]').count() > 0);
  assert.equal(await page.locator('[data-testid=rep-chart]').isVisible(), false);
  await page.screenshot({ path: `${OUTPUT}/defects-reports-empty.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the dashboard period is in the address: kept on reload, readable from a link', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);
  const dates = () => page.evaluate(() =>
    JSON.parse(document.getElementById('chart-days').dataset.series ?? 'null')?.dates ?? []);

  await page.evaluate(() => { window.__noReload = true; });
  await page.click('[data-testid=period-7d]');
  await page.waitForURL(`${BASE}/?period=7d`);
  await page.waitForFunction(() =>
    JSON.parse(document.getElementById('chart-days').dataset.series ?? 'null')?.dates?.length === 7);
  assert.equal(await page.evaluate(() => window.__noReload), true, 'no full reload');

  await page.reload();
  await hydrated(page);
  assert.match(await page.getAttribute('[data-testid=period-7d]', 'class'), /\bactive\b/);
  await page.waitForFunction(() =>
    JSON.parse(document.getElementById('chart-days').dataset.series ?? 'null')?.dates?.length === 7);

  // A shared link to a custom period: the server renders it, the browser keeps it.
  await page.goto(`${BASE}/?period=custom&from=2020-01-01&until=2020-01-03`);
  await hydrated(page);
  assert.match(await page.getAttribute('[data-testid=period-custom]', 'class'), /\bactive\b/);
  assert.equal(await page.inputValue('[data-testid=period-from]'), '2020-01-01');
  assert.equal(await page.inputValue('[data-testid=period-until]'), '2020-01-03');
  await page.waitForFunction(() =>
    JSON.parse(document.getElementById('chart-days').dataset.series ?? 'null')?.dates?.length === 3);
  assert.deepEqual((await dates())[0], '2020-01-01');
  await page.fill('[data-testid=period-until]', '2020-01-05');
  await page.click('[data-testid=period-apply]');
  await page.waitForURL(`${BASE}/?period=custom&from=2020-01-01&until=2020-01-05`);
  await page.click('[data-testid=period-today]');
  await page.waitForURL(`${BASE}/`);
  assert.deepEqual(page.errors, []);
  await context.close();
});
