// A manager signs in and out of the admin panel in a real browser (release build).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUTPUT, launch, newPage, hydrated, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a page without a session goes to the login form', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${BASE}/users`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await context.close();
});

test('hydration works: show-password and the language switch react to clicks', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  const pw = page.locator('[data-testid=password]');
  assert.equal(await pw.getAttribute('type'), 'password');
  await page.click('[data-testid=toggle-password]');
  await page.waitForFunction(() => document.querySelector('[data-testid=password]').type === 'text');

  await page.click('[data-testid=lang-switch]');
  await page.waitForSelector('h1:has-text("Sign in to the admin panel")');
  // Remembered in a cookie: a reload renders English on the server.
  await page.reload();
  await page.waitForSelector('h1:has-text("Sign in to the admin panel")');
  await hydrated(page);
  await page.click('[data-testid=lang-switch]');
  await page.waitForSelector('h1:has-text("Вход в панель управления")');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a wrong password shows an error and keeps the user out', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, undefined, 'definitely-wrong');
  const err = page.locator('[data-testid=login-error]');
  await err.waitFor();
  assert.match(await err.innerText(), /Неверный логин или пароль/);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the right password opens the panel with its navigation; logout ends the session', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);
  const nav = page.locator('[data-testid=nav]');
  for (const item of ['Дашборд', 'Настройки', 'Пользователи', 'Документация', 'Выход']) {
    await nav.getByText(item, { exact: false }).first().waitFor();
  }
  await page.waitForSelector('[data-testid=admin-name]:has-text("' + (process.env.E2E_ADMIN_USER ?? 'admin') + '")');
  await page.waitForSelector('[data-testid=signins] td:has-text("успешно")');
  await page.screenshot({ path: `${OUTPUT}/dashboard.png`, fullPage: true });

  // Client-side navigation inside the shell.
  await nav.getByText('Настройки').click();
  await page.waitForURL(`${BASE}/settings`);
  await page.waitForSelector('h1:has-text("Настройки")');

  await page.click('[data-testid=logout]');
  await page.waitForURL(`${BASE}/login`);
  await page.goto(`${BASE}/`);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.deepEqual(page.errors, []);
  await context.close();
});
