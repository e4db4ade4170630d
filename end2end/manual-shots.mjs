// Screenshots for the manual's «Панель администрирования» chapter, taken from a running demo
// (`./scripts/serve`) and written to public/manual/{ru,en}/. Run by scripts/manual-screenshots;
// not part of the test suite (tests/manual.test.mjs checks that every image the manual shows
// exists and loads).
import { mkdirSync } from 'node:fs';
import { BASE, launch, newPage, hydrated, signIn } from './tests/helpers.mjs';

const OUT = new URL('../public/manual/', import.meta.url).pathname;
const PAGES = [
  ['dashboard', '/', '[data-testid=dash-figures], .card'],
  ['settings', '/settings', '.card'],
  ['users', '/users', 'table'],
  ['user', null, '[data-testid=user-login]'],
  ['journal', '/journal', 'table'],
  ['stats', '/stats', '[data-testid=stats-as-of]'],
  ['reports', '/reports', '[data-testid=rep-table]'],
];

const browser = await launch();
try {
  const { page, context } = await newPage(browser);
  await page.setViewportSize({ width: 1280, height: 860 });
  await signIn(page);
  await page.waitForURL(`${BASE}/`);
  // The demo's first API user, for the user page.
  await page.goto(`${BASE}/users`);
  await hydrated(page);
  const userHref = await page.locator('table a[href^="/users/"]').first().getAttribute('href');
  for (const lang of ['ru', 'en']) {
    await context.addCookies([{ name: 'ccgate_lang', value: lang, url: BASE }]);
    mkdirSync(`${OUT}${lang}`, { recursive: true });
    for (const [name, path, ready] of PAGES) {
      await page.goto(`${BASE}${path ?? userHref}`);
      await hydrated(page);
      await page.waitForSelector(ready, { timeout: 20000 });
      // Charts and live figures draw after hydration.
      await page.waitForTimeout(1500);
      // The demo keeps fs-sim's directories inside the checkout; the picture shows where a
      // FreeSWITCH server keeps them (the inputs only, nothing is saved).
      await page.evaluate(() => {
        const shown = { cdr: '/var/log/freeswitch/json_cdrs', recordings: '/var/lib/freeswitch/recordings' };
        for (const input of document.querySelectorAll('input')) {
          const m = input.value.match(/\/data\/fs-sim\/(cdr|recordings)$/);
          if (m) input.value = shown[m[1]];
        }
      });
      await page.screenshot({ path: `${OUT}${lang}/${name}.png` });
      console.log(`public/manual/${lang}/${name}.png`);
    }
  }
} finally {
  await browser.close();
}
