// The transport against a real server that goes away and that rate-limits:
// nothing is lost while the server is down, and a 429 silences the SDK.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queuedCount, queuedReports, tag, useSightline, waitFor } from './harness.mjs';

const e2e = useSightline();

/** The example's two reports this test makes, as `queuedReports` and the rows name them. */
const OFFLINE_REPORTS = ['Customer reached the thank-you page', 'TypeError'];

test('reports made while the server is down are queued and arrive on the next page load', async () => {
  const { page } = e2e.browser;
  const example = `${e2e.pages.url}/examples/vanilla/?run=offline`;
  await page.goto(example);
  await page.waitForFunction(() => window.Sightline && document.readyState === 'complete');
  await e2e.stack.stopServer();
  try {
    await page.click('#throw-error');
    await page.click('#capture-message');
    // Wait for these two reports, not for "2 events": the example page may also
    // queue reports of its own while the server is down (a long task of the
    // page load, a low frame rate under a busy CPU), which are not this test's.
    await waitFor('both reports in the IndexedDB queue', async () => {
      const queued = await queuedReports(page);
      if (OFFLINE_REPORTS.every((r) => queued.includes(r))) return true;
      throw new Error(`queued: ${JSON.stringify(queued)}`); // waitFor quotes it on a timeout
    });
    // Leave the page: whatever retries it had scheduled die with it.
    await page.goto('about:blank');
  } finally {
    await e2e.stack.startServer();
  }
  const before = await e2e.stack.ch(`SELECT count() AS n FROM events WHERE has(tags_value, 'offline') AND NOT has(tags_key, 'sightline.kind')`);
  assert.equal(Number(before[0].n), 0);

  await page.goto(example.replace('offline', 'reload'));
  const rows = await waitFor('the queued reports', async () => {
    // Without the page's own performance reports (tagged sightline.kind), see above.
    const r = await e2e.stack.ch(`SELECT * FROM events WHERE project_id = ${e2e.stack.projectId} AND has(tags_value, 'offline') AND NOT has(tags_key, 'sightline.kind')`);
    return r.length >= 2 && r;
  });
  assert.deepEqual(rows.map((r) => r.exception_type || r.message).sort(), OFFLINE_REPORTS);
  assert.ok(rows.every((r) => tag(r, 'run') === 'offline'), 'sent as captured, not re-scoped by the new page');
  await waitFor('an empty queue', async () => (await queuedCount(page)) === 0);
});

test('a 429 with Retry-After stops the SDK from sending until the limit expires', async () => {
  const { page } = e2e.browser;
  const envelopes = [];
  const onRequest = (req) => {
    if (req.url().includes(`/api/${e2e.stack.limitedProjectId}/envelope/`)) envelopes.push(req);
  };
  page.on('request', onRequest);
  try {
    await page.goto(`${e2e.pages.url}/e2e/pages/minimal.html?dsn=${encodeURIComponent(e2e.stack.limitedDsn)}`);
    await page.waitForFunction(() => window.Sightline);
    const answer = (status) => page.waitForResponse((r) => r.url().includes('/envelope/') && r.status() === status);

    let accepted = answer(200);
    await page.evaluate(() => Sightline.captureMessage('rate limit: first'));
    await accepted;
    const limited = answer(429);
    await page.evaluate(() => Sightline.captureMessage('rate limit: second'));
    const res = await limited;
    assert.ok(Number(res.headers()['retry-after']) > 0, 'the server said how long to wait');
    assert.match(res.headers()['x-sentry-rate-limits'] || '', /^\d+::key/);

    await page.evaluate(() => Sightline.captureMessage('rate limit: third'));
    await page.evaluate(() => Sightline.flush());
    await page.waitForTimeout(1500);
    assert.equal(envelopes.length, 2, 'no request while rate limited');
    assert.equal(await queuedCount(page), 2, 'the refused and the held report wait in the queue');
    const rows = await e2e.stack.ch(`SELECT message FROM events WHERE project_id = ${e2e.stack.limitedProjectId}`);
    assert.deepEqual(rows.map((r) => r.message), ['rate limit: first']);
  } finally {
    page.off('request', onRequest);
  }
});
