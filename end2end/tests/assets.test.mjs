// The browser bundle as a browser gets it: content-hashed names, brotli, cached for good; a
// second visit fetches no bundle file again; the page's script policy refuses an injected script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUTPUT, launch, newPage, hydrated } from './helpers.mjs';

test('the bundle is hashed, compressed and cached; injected scripts do not run', async () => {
  const browser = await launch();
  const { context, page } = await newPage(browser);
  try {
    const bundle = [];
    page.on('response', async (r) => {
      if (new URL(r.url()).pathname.startsWith('/pkg/')) bundle.push(r);
    });
    const first = await page.goto(`${BASE}/login`);
    await hydrated(page);
    assert.equal(first.headers()['cache-control'], 'private, no-cache');
    const csp = first.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/);

    const wasm = bundle.find((r) => r.url().endsWith('.wasm'));
    const js = bundle.find((r) => r.url().endsWith('.js'));
    const css = bundle.find((r) => r.url().endsWith('.css'));
    for (const r of [wasm, js, css]) {
      assert.ok(r, `bundle files fetched: ${bundle.map((b) => b.url()).join(', ')}`);
      assert.match(new URL(r.url()).pathname, /^\/pkg\/ccgate\.[A-Za-z0-9_-]{22}\.(wasm|js|css)$/);
      assert.equal(r.headers()['cache-control'], 'public, max-age=31536000, immutable', r.url());
      assert.equal(r.headers()['content-encoding'], 'br', r.url());
    }
    const sizes = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => e.name.includes('/pkg/'))
      .map((e) => ({ name: e.name.split('/').pop(), transferred: e.transferSize, decoded: e.decodedBodySize })));
    console.log('bundle over the wire:', JSON.stringify(sizes));
    const w = sizes.find((e) => e.name.endsWith('.wasm'));
    assert.ok(w.transferred < w.decoded / 2, `wasm compressed on the wire: ${JSON.stringify(w)}`);

    // A second visit: the hashed files come from the browser's cache, not the network.
    bundle.length = 0;
    await page.goto(`${BASE}/login`);
    await hydrated(page);
    const again = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => e.name.endsWith('.wasm')).map((e) => e.transferSize));
    assert.deepEqual(again, [0], `the wasm came from the cache: ${again}`);

    // A script injected into the page without the nonce is refused by the policy.
    const ran = await page.evaluate(async () => {
      window.__injected = false;
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.appendChild(s);
      await new Promise((r) => setTimeout(r, 100));
      return window.__injected;
    });
    assert.equal(ran, false, 'an inline script without the nonce ran');
    page.errors = page.errors.filter((e) => !e.startsWith('CSP:')); // that refusal was the point
    await page.screenshot({ path: `${OUTPUT}/assets-login.png` });
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
    await browser.close();
  }
});
