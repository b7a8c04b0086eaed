// Release health in Chromium as a user sees it: two sessions of one release
// (one crashed, one not, each sent as an SDK sends them: `init`, then the
// crash as a later update) make that release's line of the Releases page
// show 2 sessions, 2 users and 50 % crash-free sessions; its own page shows
// the same figures and the crash-free line. Both pages are photographed and
// checked by axe-core.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, screenshot, sendEnvelope, signUp, startSightline, waitFor } from './harness.mjs';

/** One session update as @sentry/browser sends it. */
function update(sid, did, init, status, errors = 0) {
  const now = new Date().toISOString();
  return { sid, did, init, started: now, timestamp: now, status, errors, attrs: { release: 'shop@5.0', environment: 'production' } };
}

describe('release health', () => {
  let sl;
  let b;
  let page;
  let dsn;
  let projectId;

  before(async () => {
    sl = await startSightline();
    b = await launchBrowser();
    page = b.page;
    await signUp(page, sl.origin, 'health@example.com');
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

  it('shows sessions, users and crash-free rates on the Releases page and the crash-free line on the release page', async () => {
    const [crashing, calm] = [randomUUID().replace(/-/g, ''), randomUUID().replace(/-/g, '')];
    await waitFor('the key to be accepted', async () => (await sendEnvelope(dsn, 'session', update(crashing, 'ann', true, 'ok'))) === 200);
    assert.equal(await sendEnvelope(dsn, 'session', update(crashing, 'ann', false, 'crashed', 1)), 200);
    assert.equal(await sendEnvelope(dsn, 'session', update(calm, 'bob', true, 'ok')), 200);
    assert.equal(await sendEnvelope(dsn, 'session', update(calm, 'bob', false, 'exited')), 200);

    const row = page.locator('tr.release[data-version="shop@5.0"]');
    await waitFor('the release with its sessions', async () => {
      await page.goto(`${sl.origin}/projects/${projectId}/releases`);
      await row.waitFor({ timeout: 1500 });
      return (await row.locator('td.sessions').innerText()).trim() === '2';
    }, 30_000);
    assert.equal((await row.locator('td.users').innerText()).trim(), '2');
    assert.equal((await row.locator('td.crash-free-sessions').innerText()).trim(), '50 %');
    assert.equal((await row.locator('td.crash-free-users').innerText()).trim(), '50 %');
    assert.match(await row.locator('td.adoption').innerText(), /^100 %/);
    await screenshot(page, 'releases-health');

    await row.getByRole('link', { name: 'shop@5.0' }).click();
    await page.getByRole('heading', { name: 'Release health' }).waitFor();
    assert.equal((await page.locator('.figure.crash-free-sessions strong').innerText()).trim(), '50 %');
    assert.equal((await page.locator('.figure.crashed-sessions strong').innerText()).trim(), '1');
    const chart = page.locator('svg[aria-label="Crash-free sessions over time"]');
    await chart.waitFor();
    assert.equal(await chart.locator('circle.dot').count(), 1, 'one hour of sessions');
    assert.match(await chart.locator('circle.dot title').textContent(), /50 % crash-free \(2 sessions\)/);
    await screenshot(page, 'release-health');
  });
});
