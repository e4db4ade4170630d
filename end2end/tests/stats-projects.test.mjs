// Settings → «Онлайн статистика ЦОВ» → «Проекты»: a manager adds a project (a queue ticked from
// FreeSWITCH's list when it answers, another typed in), is told in Russian what is wrong with a bad
// threshold, changes the project, and removes it with a confirming second click. The project is
// removed again at the end, so the per-queue projects of a fresh install come back for later tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('statistics projects: add, refuse a bad threshold, change, remove', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}/settings`);
  await hydrated(page);
  const block = page.locator('[data-testid=stats-projects]');
  await block.waitFor();
  assert.match(await block.locator('h3').first().innerText(), /Проекты/);
  // None defined yet: the block says every queue is a project of its own.
  await block.locator('[data-testid=stp-none]').waitFor();
  assert.match(await block.locator('[data-testid=stp-none]').innerText(), /каждая очередь FreeSWITCH — отдельный проект.*20 с/);

  await block.locator('[data-testid=stp-add]').click();
  const form = block.locator('[data-testid=stp-form]');
  await form.waitFor();
  assert.equal(await form.locator('[data-testid=stp-field-sl]').inputValue(), '20');
  const name = `e2e-front-${Date.now() % 100000}`;
  await form.locator('[data-testid=stp-field-name]').fill(name);
  await form.locator('[data-testid=stp-field-title]').fill('Первая линия');
  // A queue FreeSWITCH lists is ticked when it is reachable; one more is typed in either way.
  const ticks = form.locator('input[type=checkbox]');
  const listed = await ticks.count();
  let first = null;
  if (listed > 0) {
    await ticks.first().check();
    first = (await ticks.first().getAttribute('data-testid')).replace(/^stp-queue-/, '');
  }
  await form.locator('[data-testid=stp-field-extra]').fill('vip@default, support@default');
  await form.locator('[data-testid=stp-field-sl]').fill('минута');
  await form.locator('[data-testid=stp-save]').click();
  const err = form.locator('[data-testid=stp-form-error]');
  await err.waitFor();
  assert.match(await err.innerText(), /service_level_seconds/);
  await form.locator('[data-testid=stp-field-sl]').fill('25');
  await form.screenshot({ path: `${OUTPUT}/settings-stats-project-form.png` });
  await form.locator('[data-testid=stp-save]').click();

  const row = block.locator(`[data-testid="stp-row-${name}"]`);
  await row.waitFor();
  await form.waitFor({ state: 'detached' });
  const queues = await row.locator('[data-testid=stp-queues]').innerText();
  assert.match(queues, /support@default/);
  assert.match(queues, /vip@default/);
  const expected = [...new Set([first, 'support@default', 'vip@default'].filter(Boolean))].sort();
  assert.deepEqual(queues.split(', '), expected);
  assert.equal(await row.locator('[data-testid=stp-sl]').innerText(), '25');
  assert.match(await row.innerText(), /Первая линия/);

  // Change: the name stays fixed, the threshold and the queues change.
  await row.locator('[data-testid=stp-edit]').click();
  await form.waitFor();
  assert.equal(await form.locator('[data-testid=stp-field-name]').isDisabled(), true);
  const vip = form.locator('[data-testid="stp-queue-vip@default"]');
  assert.equal(await vip.isChecked(), true);
  await vip.uncheck();
  await form.locator('[data-testid=stp-field-sl]').fill('30');
  await form.locator('[data-testid=stp-save]').click();
  await form.waitFor({ state: 'detached' });
  await page.waitForFunction(
    (n) => document.querySelector(`[data-testid="stp-row-${n}"] [data-testid=stp-sl]`)?.textContent === '30',
    name,
  );
  assert.doesNotMatch(await row.locator('[data-testid=stp-queues]').innerText(), /vip@default/);
  await block.screenshot({ path: `${OUTPUT}/settings-stats-projects.png` });

  // Remove: the first click asks, the second removes.
  const del = row.locator('[data-testid=stp-delete]');
  await del.click();
  assert.equal(await del.innerText(), 'Точно удалить?');
  assert.equal(await row.count(), 1);
  await del.click();
  await row.waitFor({ state: 'detached' });
  await block.locator('[data-testid=stp-none]').waitFor();
  assert.deepEqual(page.errors, []);
  await context.close();
});
