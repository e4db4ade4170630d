// The manual («Документация») as a reader meets it: public chapters with their contents and
// screenshots, the per-method reference, the error codes in both languages, the interactive
// reference (vendored Swagger UI over /api/v1/openapi.json), and, signed in, «Что может этот ключ».
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the manual reads without an account, in Russian and English', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${BASE}/docs`);
  await hydrated(page);
  assert.equal(await page.locator('[data-testid=docs-chapters] a').count(), 6);
  await page.screenshot({ path: `${OUTPUT}/manual-index.png`, fullPage: true });

  for (const chapter of ['panel', 'connect', 'install']) {
    await page.goto(`${BASE}/docs/${chapter}`);
    await hydrated(page);
    const toc = page.locator('[data-testid=manual-toc] a');
    assert.ok((await toc.count()) >= 3, `${chapter}: contents`);
    // Every contents entry leads to a heading of the chapter.
    for (const href of await toc.evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      const id = decodeURIComponent(href.slice(1));
      assert.equal(await page.locator(`[id="${id}"]`).count(), 1, `${chapter}: ${href}`);
    }
    // Every screenshot is there and loads.
    const images = await page.locator('[data-testid=manual] img').evaluateAll((imgs) =>
      imgs.map((i) => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 })));
    for (const i of images) assert.ok(i.ok, `${chapter}: image ${i.src} does not load`);
    if (chapter === 'panel') assert.ok(images.length >= 7, 'the panel chapter shows every page');
    await page.screenshot({ path: `${OUTPUT}/manual-${chapter}.png` });
  }

  // The language switch changes the chapter's text at once.
  await page.goto(`${BASE}/docs/connect`);
  await hydrated(page);
  const ruTitle = await page.locator('[data-testid=manual] h1').innerText();
  await page.click('[data-testid=lang-switch]');
  await page.waitForFunction((t) => document.querySelector('[data-testid=manual] h1')?.innerText !== t, ruTitle);
  await page.screenshot({ path: `${OUTPUT}/manual-connect-en.png` });

  // Error codes in English now; each row is an anchor.
  await page.goto(`${BASE}/docs/errors#auth_missing`);
  await hydrated(page);
  const row = page.locator('tr#auth_missing');
  assert.match(await row.innerText(), /No API key/);
  await page.click('[data-testid=lang-switch]');
  await page.waitForFunction(() => /Нет API-ключа/.test(document.querySelector('tr#auth_missing')?.innerText ?? ''));
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('every method has its card, and the interactive reference lists every operation', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${BASE}/docs/api`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=ref-method]');
  const cards = await page.locator('[data-testid=ref-method]').count();
  assert.ok(cards >= 20, `${cards} cards`);
  const queues = page.locator('[id="cc.queues"]');
  assert.match(await queues.innerText(), /curl -H 'Authorization: Bearer/);
  assert.match(await queues.locator('[data-testid=ref-answer]').innerText(), /"items"/);
  await page.screenshot({ path: `${OUTPUT}/manual-api.png` });
  await page.locator('[id="sms.send"]').screenshot({ path: `${OUTPUT}/manual-api-sms-send.png` });

  await page.goto(`${BASE}/api-reference.html`);
  await page.waitForSelector('.opblock', { timeout: 20000 });
  const ops = await page.locator('.opblock').count();
  assert.ok(ops >= 20, `${ops} operations in the interactive reference`);
  await page.screenshot({ path: `${OUTPUT}/manual-interactive.png` });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('«Что может этот ключ» shows what a user may call and why not', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  // A user with one permission.
  await page.goto(`${BASE}/users`);
  await hydrated(page);
  await page.click('[data-testid=add-user]');
  const login = `key-view-${Date.now()}`;
  await page.fill('[data-testid=new-login]', login);
  await page.fill('[data-testid=new-note]', 'Key view browser test');
  await page.click('[data-testid=create-user]');
  await page.waitForURL(/\/users\/\d+$/);
  const id = page.url().match(/\/users\/(\d+)$/)[1];
  await hydrated(page);
  await page.click('[data-testid=user-key-access]');
  await page.waitForURL(`${BASE}/docs/key?user=${id}`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=key-access]');
  // No key yet, no permission: everything refused, and it says so.
  await page.waitForSelector('[data-testid=key-no-keys]');
  const denied = page.locator('[data-testid=key-method][data-method="cc.queues"]');
  assert.match(await denied.innerText(), /permission_denied/);
  await page.screenshot({ path: `${OUTPUT}/manual-key.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
  await context.close();
});
