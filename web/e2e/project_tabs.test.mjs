// The project tabs wave 2 added, seen in Chromium as a user sees them: an
// error of one release and two files uploaded for it make that release a row
// of the Releases page (its events and artifacts counted); a visitor's
// feedback appears on the Feedback page; the Usage page shows what became of
// the items (the error accepted, an item type Sightline does not store
// filtered). Each page is photographed and checked by axe-core.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { errorEvent, launchBrowser, parseDsn, screenshot, sendEnvelope, signUp, startSightline, waitFor } from './harness.mjs';

const BUILD = resolve(dirname(fileURLToPath(import.meta.url)), '../../server/tests/fixtures/sourcemaps/plain-a');
const stack = JSON.parse(readFileSync(join(BUILD, 'stack.json'), 'utf8'));

describe('releases, feedback and usage pages', () => {
  let sl;
  let b;
  let page;
  let dsn;
  let projectId;

  before(async () => {
    sl = await startSightline();
    b = await launchBrowser();
    page = b.page;
    await signUp(page, sl.origin, 'tabs@example.com');
    await page.getByLabel('Project name').fill('Shop');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Your DSN' }).waitFor();
    dsn = await page.getByLabel('DSN').inputValue();
    projectId = new URL(dsn).pathname.replace(/\//g, '');
  });
  after(async () => {
    await b?.close();
    await sl?.close();
  });

  /** Reloads `path` until `check` passes on it. */
  async function until(what, path, check) {
    await waitFor(what, async () => {
      await page.goto(`${sl.origin}${path}`);
      return await check();
    }, 30_000);
  }

  it('lists a release with its events and artifacts', async () => {
    for (const file of [stack.file, `${stack.file}.map`]) {
      const res = await page.request.post(`${sl.origin}/api/v1/projects/${projectId}/releases/shop@3.1/sourcemaps`, {
        headers: { origin: sl.origin },
        multipart: { url_prefix: '~/static/', file: { name: file, mimeType: 'application/octet-stream', buffer: readFileSync(join(BUILD, file)) } },
      });
      assert.equal(res.status(), 201, await res.text());
    }
    const event = { ...errorEvent({ message: 'cart is undefined', fn: 'addToCart' }), release: 'shop@3.1' };
    await waitFor('the key to be accepted', async () => (await sendEnvelope(dsn, 'event', event)) === 200);

    const row = page.locator('tr.release[data-version="shop@3.1"]');
    await until('the release with its event', `/projects/${projectId}/releases`, async () => {
      await row.waitFor({ timeout: 1500 });
      return (await row.locator('td.events').innerText()).trim() === '1';
    });
    assert.equal((await row.locator('td.artifacts').innerText()).trim(), '2');
    assert.equal((await row.locator('td.new-issues').innerText()).trim(), '1');
    await screenshot(page, 'releases');
  });

  it('shows a visitor\'s feedback', async () => {
    const feedback = {
      event_id: randomUUID().replace(/-/g, ''),
      timestamp: Date.now() / 1000,
      platform: 'javascript',
      contexts: { feedback: { message: 'The checkout button does nothing', contact_email: 'ann@example.com', name: 'Ann', url: 'https://shop.example.com/checkout' } },
    };
    assert.equal(await sendEnvelope(dsn, 'feedback', feedback), 200);
    const item = page.locator('li.feedback', { hasText: 'The checkout button does nothing' });
    await until('the feedback', `/projects/${projectId}/feedback`, async () => {
      await item.waitFor({ timeout: 1500 });
      return true;
    });
    assert.match(await item.innerText(), /ann@example\.com/);
    await screenshot(page, 'feedback');
  });

  it('counts accepted and filtered items on the Usage page', async () => {
    // An item type Sightline does not store, beside an event: the event is kept.
    const event = errorEvent({ message: 'usage probe', fn: 'probe' });
    const { url } = parseDsn(dsn);
    const body = [
      JSON.stringify({ event_id: event.event_id, dsn }),
      JSON.stringify({ type: 'event' }), JSON.stringify(event),
      JSON.stringify({ type: 'check_in' }), JSON.stringify({ check_in_id: randomUUID(), status: 'ok' }),
    ].join('\n');
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-sentry-envelope' } });
    assert.equal(res.status, 200);

    const accepted = page.locator('table.usage tr[data-outcome="accepted"]', { has: page.locator('td', { hasText: /^error$/ }) });
    const filtered = page.locator('table.usage tr[data-outcome="filtered"]', { hasText: 'check_in' });
    await until('accepted and filtered outcomes', `/projects/${projectId}/usage`, async () => {
      await filtered.waitFor({ timeout: 1500 });
      return Number((await accepted.locator('td.num').innerText()).trim()) >= 2;
    });
    await page.locator('svg.usage-chart').waitFor();
    await screenshot(page, 'usage');
  });
});
