// «Онлайн статистика» (/stats) against fs-sim's demo scenario (started by scripts/test, which
// points Settings → FreeSWITCH at it): a tile per queue after the overall one; an agent going on a
// break and a caller waiting in fs-sim show up in the tiles without a reload; «Во весь экран» puts
// the wall alone on the screen; FreeSWITCH gone shows the error banner over the greyed last
// figures, and the wall recovers by itself when it is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

const FS = process.env.FS_SIM_HTTP_URL;
const FS_AUTH = `${process.env.FS_SIM_HTTP_USER ?? 'freeswitch'}:${process.env.FS_SIM_HTTP_PASSWORD ?? 'works'}`;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A FreeSWITCH API command over fs-sim's mod_xml_rpc (`/txtapi/<cmd>?<args>`). */
function fsApi(cmd, args) {
  const url = `${FS}/txtapi/${cmd}?${encodeURIComponent(args)}`;
  return new Promise((resolve, reject) => {
    get(url, { auth: FS_AUTH }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

async function waitFor(fn, what) {
  const until = Date.now() + 20000;
  let last;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what} (last: ${JSON.stringify(last)})`);
}

const tile = (page, project) => page.locator(`[data-testid=stats-tile][data-project="${project}"]`);
const fig = async (page, project, testid) =>
  (await tile(page, project).locator(`[data-testid=${testid}]`).innerText()).trim();

test('live statistics: tiles of the demo queues follow fs-sim without a reload', { skip: !FS && 'FS_SIM_HTTP_URL not set' }, async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);
  // Next to «Отчёты» in the navigation.
  const links = await page.locator('[data-testid=nav] a').allInnerTexts();
  assert.equal(links[links.indexOf('Отчёты') + 1], 'Онлайн статистика');
  await page.click('[data-testid=nav] a[href="/stats"]');
  await page.waitForURL(`${BASE}/stats`);
  await page.waitForSelector('[data-testid=stats-tile]');
  const projects = await page.locator('[data-testid=stats-tile]').evaluateAll((els) => els.map((e) => e.dataset.project));
  assert.deepEqual(projects, ['billing@default', 'sales@default', 'support@default']);
  const overall = page.locator('[data-testid=stats-overall]');
  assert.match(await overall.locator('[data-testid=t-title]').innerText(), /Всего/);
  assert.match(await page.locator('[data-testid=stats-as-of]').innerText(), /^Данные на \d\d:\d\d:\d\d$/);
  assert.equal(await fig(page, 'billing@default', 't-on-break'), '0');
  assert.equal(await fig(page, 'billing@default', 't-available'), '1');
  assert.equal(await fig(page, 'sales@default', 't-on-break'), '1');
  assert.match(await fig(page, 'support@default', 't-longest'), /^\d\d:\d\d$/);
  // Anything that reloads the page loses this marker.
  await page.evaluate(() => { window.__noReload = true; });

  // Billing's one available agent goes on a break (1004 also serves sales).
  const r = await fsApi('callcenter_config', "agent set status 1004@default 'On Break'");
  assert.equal(r.status, 200);
  assert.match(r.body, /^\+OK/);
  await waitFor(async () => (await fig(page, 'billing@default', 't-on-break')) === '1', 'billing: 1 on a break');
  assert.equal(await fig(page, 'billing@default', 't-available'), '0');
  assert.equal(await fig(page, 'sales@default', 't-on-break'), '2');

  // A caller waits in billing for nobody: the count shows, the tile is marked. (fs-sim's demo day
  // goes on meanwhile: one of its own callers may be waiting in billing too.)
  const o = await fsApi('originate', '{sim_patience_seconds=600,sim_talk_seconds=5}loopback/7003/default &park()');
  assert.match(o.body, /^\+OK/);
  await waitFor(async () => Number(await fig(page, 'billing@default', 't-waiting')) >= 1, 'billing: a caller waiting');
  assert.match(await tile(page, 'billing@default').getAttribute('class'), /\b(warn|bad)\b/);
  assert.ok(Number(await overall.locator('[data-testid=t-waiting]').innerText()) >= 1);
  assert.equal(await page.evaluate(() => window.__noReload), true);
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1);
  await page.screenshot({ path: `${OUTPUT}/stats-wall.png`, fullPage: true });

  // «Во весь экран» on a wall-sized window: the tiles alone, the navigation gone.
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.click('[data-testid=stats-fullscreen]');
  await page.waitForSelector('[data-testid=stats-wall][data-full=true]');
  assert.equal(await page.locator('[data-testid=stats-fullscreen]').innerText(), 'Выйти из полноэкранного режима');
  const onTop = await page.evaluate(() => {
    const nav = document.querySelector('[data-testid=nav]').getBoundingClientRect();
    const hit = document.elementFromPoint(nav.left + 5, nav.top + 5);
    return Boolean(hit?.closest('[data-testid=stats-wall]'));
  });
  assert.equal(onTop, true, 'the wall covers the navigation');
  // Two frames: the full-screen layout is painted before the picture.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: `${OUTPUT}/stats-fullscreen.png` });
  await page.click('[data-testid=stats-fullscreen]');
  await page.waitForSelector('[data-testid=stats-wall][data-full=false]');
  assert.equal(await page.evaluate(() => document.fullscreenElement), null);
  await page.setViewportSize({ width: 1280, height: 800 });

  // FreeSWITCH gone (Settings → FreeSWITCH on a closed port): the banner, the last figures greyed.
  const save = (port) => context.request.post(`${BASE}/rpc/settings/save`, {
    data: { values: [['freeswitch.port', String(port)]] },
  });
  const fsPort = new URL(FS).port;
  assert.equal((await save(1)).status(), 200);
  const banner = page.locator('[data-testid=stats-error]');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('data-code'), 'upstream_unavailable');
  assert.match(await banner.innerText(), /upstream_unavailable · FreeSWITCH: нет соединения/);
  assert.match(await banner.innerText(), /Показаны данные на \d\d:\d\d:\d\d/);
  assert.match(await page.locator('[data-testid=stats-tiles]').getAttribute('class'), /\bstale\b/);
  assert.equal(await fig(page, 'billing@default', 't-on-break'), '1');
  await page.screenshot({ path: `${OUTPUT}/stats-unreachable.png`, fullPage: true });
  // Back: fresh figures, no banner, nothing greyed.
  assert.equal((await save(fsPort)).status(), 200);
  await banner.waitFor({ state: 'detached' });
  assert.doesNotMatch(await page.locator('[data-testid=stats-tiles]').getAttribute('class'), /\bstale\b/);

  // English: the same wall in the other language.
  await fsApi('callcenter_config', 'agent set status 1004@default Available');
  await waitFor(async () => (await fig(page, 'billing@default', 't-on-break')) === '0', 'billing: 1004 back');
  await page.click('[data-testid=lang-switch]');
  await waitFor(async () => /Waiting/i.test(await overall.innerText()), 'the English labels');
  assert.equal(await page.evaluate(() => window.__noReload), true);
  await page.screenshot({ path: `${OUTPUT}/stats-wall-en.png`, fullPage: true });
  await page.click('[data-testid=lang-switch]');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the live statistics need a session', async () => {
  const r = await fetch(`${BASE}/rpc/stats/live`, { method: 'POST' });
  assert.equal(r.status, 401);
});
