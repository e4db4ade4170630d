// The dashboard after sign-in: API calls made while it is open show up in the widgets, the
// chart's data and the latest-requests table without a reload (live feed over /admin/events);
// the period presets redraw the same chart; a widget opens the journal with the same filters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const num = async (page, testid) =>
  Number((await page.locator(`[data-testid=${testid}]`).innerText()).trim());

/** The day chart as ECharts holds it: x dates and the three series. */
const chartData = (page) => page.evaluate(() => {
  const el = document.getElementById('chart-days');
  const chart = window.echarts?.getInstanceByDom(el);
  if (!chart) return null;
  const o = chart.getOption();
  return {
    dates: o.xAxis[0].data,
    series: o.series.map((s) => ({ name: s.name, data: s.data })),
    instances: el.querySelectorAll('canvas').length,
    id: el.getAttribute('_echarts_instance_'),
    attr: JSON.parse(el.dataset.series ?? 'null'),
  };
});

const pieData = (page) => page.evaluate(() => {
  const chart = window.echarts?.getInstanceByDom(document.getElementById('chart-total'));
  return chart ? chart.getOption().series[0].data.map((d) => d.value) : null;
});

async function waitFor(fn, what) {
  const until = Date.now() + 15000;
  let last;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what} (last: ${JSON.stringify(last)})`);
}

test('live dashboard: widgets, chart data and latest requests follow API calls without a reload', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);

  // An API user with a key and reports.demoReport (no report server answers it here: none is set
  // before the reports test, and that test's own server is gone after it), which answers 5xx.
  await page.goto(`${BASE}/users`);
  await hydrated(page);
  await page.click('[data-testid=add-user]');
  const login = `crm-dash-${Date.now() % 100000}`;
  await page.fill('[data-testid=new-login]', login);
  await page.fill('[data-testid=new-note]', 'Dashboard browser test');
  await page.click('[data-testid=create-user]');
  await page.waitForURL(/\/users\/\d+$/);
  await hydrated(page);
  await page.click('[data-testid=create-key]');
  const keyEl = page.locator('[data-testid=new-key-value]');
  await keyEl.waitFor();
  const key = (await keyEl.innerText()).trim();
  await page.locator('[data-testid="perm-reports.demoReport"]').check();
  await page.click('[data-testid=save-perms]');
  await page.waitForSelector('[data-testid=perms-saved]');

  // The dashboard, its feed open and its charts drawn.
  await page.goto(`${BASE}/`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=live-state][data-state=open]');
  const first = await waitFor(() => chartData(page), 'the day chart');
  assert.equal(first.instances, 1);
  assert.equal(first.dates.length, 1);
  assert.equal(first.series.length, 3);
  const before = {
    requests: await num(page, 'w-requests-value'),
    bad: await num(page, 'w-bad-value'),
    errors: await num(page, 'w-errors-value'),
    ok: first.series[0].data.at(-1),
  };
  // Anything that reloads the page loses this marker.
  await page.evaluate(() => { window.__noReload = true; });

  const call = (path, method = 'GET') => fetch(`${BASE}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: method === 'POST' ? '{}' : undefined,
  });
  for (let i = 0; i < 3; i++) assert.equal((await call('/api/v1/me')).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await call('/api/v1/sms/send', 'POST')).status, 403);
  const upstream = await call('/api/v1/reports/demoReport');
  assert.ok(upstream.status >= 500, `reports/demoReport without a report server: ${upstream.status}`);

  // Rows arrive live; the figures are fetched again right after.
  await page.waitForSelector(`[data-testid=latest-row]:has-text("${login}"):has-text("sms.send")`);
  await page.waitForSelector(`[data-testid=latest-row]:has-text("${login}"):has-text("reports.demoReport")`);
  await waitFor(async () => (await num(page, 'w-requests-value')) === before.requests + 6, 'the request count');
  assert.equal(await num(page, 'w-bad-value'), before.bad + 2);
  assert.equal(await num(page, 'w-errors-value'), before.errors + 1);
  const latest = await page.locator('[data-testid=latest]').innerText();
  assert.match(latest, /permission_denied/);
  const now = await waitFor(async () => {
    const c = await chartData(page);
    return c && c.series[0].data.at(-1) === before.ok + 3 ? c : null;
  }, 'the chart data');
  assert.equal(now.instances, 1, 'one ECharts instance, updated in place');
  assert.equal(now.id, first.id);
  assert.deepEqual(now.attr.ok, now.series[0].data);
  assert.equal(now.series[1].data.at(-1), before.bad + 2);
  assert.equal(now.series[2].data.at(-1), before.errors + 1);
  const pie = await pieData(page);
  assert.deepEqual(pie, [before.ok + 3, before.bad + 2, before.errors + 1]);
  assert.equal(await page.evaluate(() => window.__noReload), true);
  await page.screenshot({ path: `${OUTPUT}/dashboard-live.png`, fullPage: true });

  // Presets redraw the same chart instance.
  await page.click('[data-testid=period-7d]');
  const week = await waitFor(async () => {
    const c = await chartData(page);
    return c && c.dates.length === 7 ? c : null;
  }, 'seven days');
  assert.equal(week.instances, 1);
  assert.equal(week.id, first.id);
  assert.equal(week.series[0].data.at(-1), before.ok + 3);
  await page.click('[data-testid=period-custom]');
  const today = now.attr.dates.at(-1);
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 2);
  await page.fill('[data-testid=period-from]', d.toISOString().slice(0, 10));
  await page.fill('[data-testid=period-until]', today);
  await page.click('[data-testid=period-apply]');
  await waitFor(async () => (await chartData(page))?.dates.length === 3, 'a three-day period');

  // Click-through: the journal with the same period and the bad outcome.
  await page.click('[data-testid=w-bad]');
  await page.waitForURL(/\/journal\?/);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('outcome'), 'bad');
  assert.equal(url.searchParams.get('from'), d.toISOString().slice(0, 10));
  assert.ok(url.searchParams.get('until') > today);
  await hydrated(page);
  await page.waitForSelector(`[data-testid=journal-row]:has-text("${login}")`);
  const journal = await page.locator('[data-testid=journal]').innerText();
  assert.match(journal, /permission_denied/);

  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the live feed needs a session', async () => {
  const r = await fetch(`${BASE}/admin/events`);
  assert.equal(r.status, 401);
});
