// «Отчёты» and its Settings blocks. Settings → «Отчеты ЦОВ»: the manager points ccgate at a report
// server (a small one run here, HTTP Basic), the password stays write-only, «Проверить подключение»
// reaches it; «База данных» shows the SQLite database read-only. Then an API user makes requests and
// the reports page shows them by day and by user, draws the chart, downloads the same report as
// CSV, refuses a backwards range in Russian, and shows the report server's rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

const REPORT_PASSWORD = 'e2e-report-s3cret';
let browser;
let reportServer;
before(async () => {
  browser = await launch();
  // The call center's report server: day rows for [from, until) behind HTTP Basic.
  reportServer = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (auth !== `e2e:${REPORT_PASSWORD}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"bad login"}');
      return;
    }
    const day = (s) => Math.floor(Date.parse(`${s}T00:00:00Z`) / 86400000);
    const today = Math.floor(Date.now() / 86400000);
    const from = url.searchParams.get('from') ? day(url.searchParams.get('from')) : today - 6;
    const until = url.searchParams.get('until') ? day(url.searchParams.get('until')) : today + 1;
    const rows = [];
    for (let d = from; d < until; d++) {
      const offered = 300 + (d % 7) * 20;
      rows.push({ date: new Date(d * 86400000).toISOString().slice(0, 10), offered, answered: offered - 12, abandoned: 12 });
    }
    const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({
      rows, totals: { offered: sum('offered'), answered: sum('answered'), abandoned: sum('abandoned') },
    }));
  });
  await new Promise((r) => reportServer.listen(0, '127.0.0.1', r));
});
after(async () => {
  await browser?.close();
  reportServer?.close();
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

test('Settings: «Отчеты ЦОВ» with a write-only password and its check; «База данных» read-only', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}/settings`);
  await hydrated(page);
  const block = page.locator('[data-testid=reports-block]');
  await block.locator('[data-testid="setting-reports.demo_url"]').waitFor();
  assert.match(await block.locator('h2').innerText(), /Отчеты ЦОВ/);
  const { port } = reportServer.address();
  await block.locator('[data-testid="setting-reports.demo_url"]').fill(`http://127.0.0.1:${port}/report`);
  await block.locator('[data-testid="setting-reports.demo_login"]').fill('e2e');
  const pw = block.locator('[data-testid="setting-reports.demo_password"]');
  assert.equal(await pw.getAttribute('type'), 'password');
  await pw.fill(REPORT_PASSWORD);
  await block.locator('[data-testid=save-reports]').click();
  await block.locator('.ok-text').waitFor();
  await block.locator('[data-testid=check-reports]').click();
  const result = block.locator('[data-testid=check-result]');
  await result.waitFor();
  assert.match(await result.innerText(), /^HTTP 200 · JSON/);

  // After a reload the password is masked: the field is empty, only its placeholder says one is set.
  await page.reload();
  await hydrated(page);
  const again = page.locator('[data-testid=reports-block] [data-testid="setting-reports.demo_password"]');
  await again.waitFor();
  assert.equal(await again.inputValue(), '');
  assert.equal(await again.getAttribute('placeholder'), '••••••••');
  assert.equal((await page.content()).includes(REPORT_PASSWORD), false);

  const db = page.locator('[data-testid=database-block]');
  await db.locator('[data-testid=db-backend]').waitFor();
  assert.equal(await db.locator('[data-testid=db-backend]').innerText(), 'SQLite');
  assert.match(await db.locator('[data-testid=db-database]').innerText(), /ccgate\.db$/);
  assert.match(await db.locator('[data-testid=db-version]').innerText(), /^3\.\d+/);
  assert.match(await db.locator('[data-testid=db-schema]').innerText(), /^\d{4} /);
  assert.match(await db.locator('[data-testid=db-size]').innerText(), /\d+(\.\d+)? (B|KiB|MiB|GiB)$/);
  assert.match(await db.innerText(), /CCGATE_DATABASE_URL/);
  // The journal's oldest entry (earlier suites made API requests) and the largest tables.
  assert.match(await db.locator('[data-testid=db-journal-oldest]').innerText(), /^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/);
  const tables = db.locator('[data-testid=db-tables] tbody tr');
  assert.equal(await tables.count(), 8);
  assert.match(await db.locator('[data-testid=db-tables]').innerText(), /request_journal/);
  assert.match(await tables.first().locator('td').nth(2).innerText(), /\d+(\.\d+)? (B|KiB|MiB|GiB)$/);
  // How long the journal is kept: 90 days unless changed; a bad value is refused with a message,
  // a good one is saved and read back.
  const retention = db.locator('[data-testid="setting-database.journal_retention_days"]');
  assert.equal(await retention.inputValue(), '90');
  await retention.fill('forever');
  await db.locator('[data-testid=save-database]').click();
  await db.locator('.alert.error').waitFor();
  assert.match(await db.locator('.alert.error').innerText(), /journal_retention_days/);
  await retention.fill('365');
  await db.locator('[data-testid=save-database]').click();
  await db.locator('.ok-text').waitFor();
  await page.reload();
  await hydrated(page);
  await retention.waitFor();
  assert.equal(await retention.inputValue(), '365');
  await db.locator('[data-testid=check-database]').click();
  await db.locator('[data-testid=check-result]').waitFor();
  assert.match(await db.locator('[data-testid=check-result]').innerText(), /^SQLite 3\.\S+ · [\d.]+ ms$/);
  // «Онлайн статистика ЦОВ»: the source and the external server's fields; the check answers.
  const stats = page.locator('[data-testid=stats-block]');
  await stats.locator('[data-testid="setting-stats.source"]').waitFor();
  assert.match(await stats.locator('h2').innerText(), /Онлайн статистика ЦОВ/);
  assert.equal(await stats.locator('[data-testid="setting-stats.source"]').inputValue(), 'builtin');
  await stats.locator('[data-testid="setting-stats.external_url"]').waitFor();
  await stats.locator('[data-testid=check-stats]').click();
  await stats.locator('[data-testid=check-result]').waitFor();
  assert.notEqual((await stats.locator('[data-testid=check-result]').innerText()).trim(), '');
  await stats.screenshot({ path: `${OUTPUT}/settings-stats.png` });
  await block.screenshot({ path: `${OUTPUT}/settings-reports.png` });
  await db.screenshot({ path: `${OUTPUT}/settings-database.png` });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('reports: a seeded day by day and by user, the chart, the CSV download, a refused range', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  // An API user with a key and no grants: 3 × me (200), 2 × cc/tiers (403).
  await page.goto(`${BASE}/users`);
  await hydrated(page);
  await page.click('[data-testid=add-user]');
  const login = `crm-rep-${Date.now() % 100000}`;
  await page.fill('[data-testid=new-login]', login);
  await page.fill('[data-testid=new-note]', 'Reports browser test');
  await page.click('[data-testid=create-user]');
  await page.waitForURL(/\/users\/\d+$/);
  await hydrated(page);
  await page.click('[data-testid=create-key]');
  const keyEl = page.locator('[data-testid=new-key-value]');
  await keyEl.waitFor();
  const key = (await keyEl.innerText()).trim();
  const call = (path) => fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${key}` } });
  for (let i = 0; i < 3; i++) assert.equal((await call('/api/v1/me')).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await call('/api/v1/cc/tiers')).status, 403);

  await page.click('nav >> text=Отчёты');
  await page.waitForURL(`${BASE}/reports`);
  await hydrated(page);
  // On arrival: all requests of the last seven days, by day.
  await page.waitForSelector('[data-testid=rep-table] [data-testid=rep-row]');
  assert.equal(await page.locator('[data-testid=rep-table] [data-testid=rep-row]').count(), 7);
  const today = await page.inputValue('[data-testid=rep-until]');
  assert.match(today, /^\d{4}-\d{2}-\d{2}$/);

  // Today only: one row; the journal is written in batches, so wait for our five requests.
  await page.fill('[data-testid=rep-from]', today);
  const todayRow = page.locator(`[data-testid=rep-table] [data-testid=rep-row]:has-text("${today}")`);
  const requestsToday = await waitFor(async () => {
    await page.click('[data-testid=rep-show]');
    await page.waitForSelector('[data-testid=rep-loading]', { state: 'detached' });
    if (await page.locator('[data-testid=rep-table] [data-testid=rep-row]').count() !== 1) return null;
    const n = Number((await todayRow.locator('td').nth(1).innerText()).trim());
    return n >= 5 ? n : null;
  }, 'today\'s row with the seeded requests');
  assert.match(await page.locator('[data-testid=rep-period]').innerText(), new RegExp(`${today} — ${today}`));
  const chart = await waitFor(() => page.evaluate(() => {
    const el = document.getElementById('rep-chart');
    const c = window.echarts?.getInstanceByDom(el);
    if (!c || !el.dataset.series) return null;
    const o = c.getOption();
    return { labels: o.xAxis[0].data, series: o.series.map((s) => s.name), drawn: JSON.parse(el.dataset.series), width: el.clientWidth };
  }), 'the chart');
  assert.deepEqual(chart.series, ['Успешных', 'Ошибочных (4xx)', 'Сбоев (5xx)']);
  assert.equal(chart.drawn.labels[0], today);
  assert.equal(chart.drawn.series.ok[0] + chart.drawn.series.bad[0] + chart.drawn.series.error[0], requestsToday);
  assert.ok(chart.width > 300, `chart width ${chart.width}`);
  await page.screenshot({ path: `${OUTPUT}/reports-by-day.png`, fullPage: true });

  // By user: exactly what this user sent.
  await page.selectOption('[data-testid=rep-group]', 'user');
  await page.click('[data-testid=rep-show]');
  const mine = page.locator(`[data-testid=rep-table] [data-testid=rep-row]:has-text("${login}")`);
  await mine.waitFor();
  const cells = await mine.locator('td').allInnerTexts();
  assert.deepEqual(cells.map((c) => c.trim()), [login, '5', '3', '2', '0']);
  await page.screenshot({ path: `${OUTPUT}/reports-by-user.png`, fullPage: true });

  // «Скачать CSV»: the same report, header and this user's row.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=rep-csv]'),
  ]);
  assert.equal(download.suggestedFilename(), `ccgate-request-${today}-${today}.csv`);
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
  assert.equal(lines[0], 'user,requests,ok,bad,error');
  assert.ok(lines.length >= 2, csv);
  assert.ok(lines.includes(`${login},5,3,2,0`), csv);

  // The bad requests with their error codes.
  await page.selectOption('[data-testid=rep-kind]', 'badRequest');
  await page.click('[data-testid=rep-show]');
  await page.waitForSelector('[data-testid=rep-section] [data-testid=rep-row]:has-text("permission_denied")');
  await page.screenshot({ path: `${OUTPUT}/reports-bad.png`, fullPage: true });

  // No SMS today: the page says so instead of a table of zeros.
  await page.selectOption('[data-testid=rep-kind]', 'sms');
  await page.click('[data-testid=rep-show]');
  await page.waitForSelector('[data-testid=rep-empty]');
  assert.equal(await page.locator('[data-testid=rep-table]').count(), 0);
  assert.match(await page.locator('[data-testid=rep-empty]').innerText(), /данных нет/);

  // A backwards range is refused here, in Russian, without asking the server.
  await page.fill('[data-testid=rep-from]', today);
  await page.fill('[data-testid=rep-until]', '2020-01-01');
  await page.click('[data-testid=rep-show]');
  const invalid = page.locator('[data-testid=rep-invalid]');
  await invalid.waitFor();
  assert.match(await invalid.innerText(), /позже/);
  await page.screenshot({ path: `${OUTPUT}/reports-empty-invalid.png`, fullPage: true });

  // The report server's rows (configured in the test above): three days, a table and a chart.
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 2);
  const from = d.toISOString().slice(0, 10);
  await page.selectOption('[data-testid=rep-kind]', 'demoReport');
  await page.fill('[data-testid=rep-from]', from);
  await page.fill('[data-testid=rep-until]', today);
  await page.click('[data-testid=rep-show]');
  await page.waitForSelector('[data-testid=rep-invalid]', { state: 'detached' });
  await page.waitForSelector(`[data-testid=rep-table] [data-testid=rep-row]:has-text("${from}")`);
  assert.equal(await page.locator('[data-testid=rep-table] [data-testid=rep-row]').count(), 3);
  assert.match(await page.locator('[data-testid=rep-summary-upstream_status]').innerText(), /200/);
  await waitFor(() => page.evaluate(() =>
    JSON.parse(document.getElementById('rep-chart').dataset.series ?? 'null')?.series?.offered?.length === 3), 'the report server chart');
  await page.screenshot({ path: `${OUTPUT}/reports-demo.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the CSV download needs a session', async () => {
  const r = await fetch(`${BASE}/admin/reports.csv?report=request`);
  assert.equal(r.status, 401);
});
