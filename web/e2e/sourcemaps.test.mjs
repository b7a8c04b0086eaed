// Source-mapped stack traces on the issue page: a project admin uploads a
// real esbuild build's minified file and map (server/tests/fixtures/
// sourcemaps, made by its build.mjs) from the logged-in session, an event
// with the build's real V8 frames arrives, and the issue page shows the
// original function, file and line with source context, the minified frame
// behind a "show minified" toggle, and why a frame of another file stayed
// minified.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, screenshot, sendEnvelope, signUp, startSightline, waitFor } from './harness.mjs';

const BUILD = resolve(dirname(fileURLToPath(import.meta.url)), '../../server/tests/fixtures/sourcemaps/plain-a');
const stack = JSON.parse(readFileSync(join(BUILD, 'stack.json'), 'utf8'));

describe('source maps on the issue page', () => {
  let sl;
  let b;
  let page;

  before(async () => {
    sl = await startSightline();
    b = await launchBrowser();
    page = b.page;
  });
  after(async () => {
    await b?.close();
    await sl?.close();
  });

  it('shows original frames, the minified frame on demand, and why a frame stayed minified', async () => {
    await signUp(page, sl.origin, 'maps@example.com');
    await page.getByLabel('Project name').fill('Shop');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Your DSN' }).waitFor();
    const dsn = await page.getByLabel('DSN').inputValue();
    const projectId = new URL(dsn).pathname.replace(/\//g, '');

    // Upload as the logged-in owner (the page's own cookie and origin).
    for (const file of [stack.file, `${stack.file}.map`]) {
      const res = await page.request.post(`${sl.origin}/api/v1/projects/${projectId}/releases/shop@2.0/sourcemaps`, {
        headers: { origin: sl.origin },
        multipart: { url_prefix: '~/static/', file: { name: file, mimeType: 'application/octet-stream', buffer: readFileSync(join(BUILD, file)) } },
      });
      assert.equal(res.status(), 201, await res.text());
    }

    // The build's real frames, plus one from a vendor file nobody uploaded.
    const vendor = { function: 'dispatch', abs_path: 'http://shop.example/static/vendor.js', filename: 'http://shop.example/static/vendor.js', lineno: 1, colno: 120, in_app: true };
    const event = {
      event_id: crypto.randomUUID().replace(/-/g, ''),
      timestamp: Date.now() / 1000,
      platform: 'javascript',
      level: 'error',
      release: 'shop@2.0',
      exception: { values: [{ type: 'Error', value: 'cart total is negative: -8', stacktrace: { frames: [vendor, ...stack.frames] } }] },
      request: { url: 'http://shop.example/checkout' },
    };
    await waitFor('the key to be accepted', async () => (await sendEnvelope(dsn, 'event', event)) === 200);

    await waitFor('the issue in the list', async () => {
      await page.goto(`${sl.origin}/projects/${projectId}/issues`);
      await page.getByRole('link', { name: 'Error: cart total is negative: -8' }).waitFor({ timeout: 1500 });
      return true;
    });
    await page.getByRole('link', { name: 'Error: cart total is negative: -8' }).click();
    await page.getByRole('heading', { name: 'Error: cart total is negative: -8', level: 1 }).waitFor();

    const top = page.locator('.frame.symbolicated').first();
    assert.match(await top.locator('.frame-head').innerText(), /cartTotal\s+src\/cart\.ts:12:\d+[\s\S]*source-mapped/);
    assert.match(await top.locator('li.current').innerText(), /throw new Error\(`cart total is negative/);
    const minified = stack.frames[stack.frames.length - 1];
    const raw = top.locator('.frame-raw');
    assert.equal(await raw.isVisible(), false, 'the minified frame is hidden at first');
    await top.getByRole('button', { name: 'show minified' }).click();
    assert.equal(await raw.isVisible(), true);
    assert.equal(await raw.innerText(), `minified: ${minified.function} ${minified.abs_path}:${minified.lineno}:${minified.colno}`);
    await top.getByRole('button', { name: 'show original' }).waitFor();
    assert.match(await page.locator('.frame', { hasText: 'checkout' }).first().innerText(), /src\/checkout\.ts:4:/);

    const unmapped = page.locator('.frame', { hasText: 'vendor.js' });
    assert.match(await unmapped.locator('.frame-unmapped').innerText(), /Not source-mapped: no source map for release shop@2\.0 and ~\/static\/vendor\.js/);
    await screenshot(page, '20-issue-sourcemaps');
  });
});
