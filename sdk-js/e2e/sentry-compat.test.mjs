// Compatibility the other way round: the unmodified @sentry/browser package,
// pointed at a Sightline DSN, reports an error that becomes an issue.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { buildSentryBrowser, eventAccepted, useSightline, waitFor } from './harness.mjs';

const e2e = useSightline();

before(buildSentryBrowser);

test('@sentry/browser reports an uncaught error that lands grouped as one issue', async () => {
  const { page } = e2e.browser;
  // Twice, on two page loads (Sentry's own dedupe drops a repeat within one):
  // the same error must land on the same issue, not on a new one.
  for (let i = 0; i < 2; i++) {
    await page.goto(`${e2e.pages.url}/e2e/pages/sentry.html`);
    await page.waitForFunction(() => window.Sentry && Sentry.getClient());
    const sent = eventAccepted(page);
    await page.click('#boom');
    await sent;
  }

  const rows = await waitFor('two events from @sentry/browser', async () => {
    const r = await e2e.stack.ch(`SELECT * FROM events WHERE project_id = ${e2e.stack.projectId}`);
    return r.length >= 2 && r;
  });
  const [row] = rows;
  assert.equal(row.sdk_name, 'sentry.javascript.browser');
  assert.equal(row.exception_type, 'Error');
  assert.equal(row.exception_value, 'Inventory service returned garbage');
  assert.equal(row.release, 'sentry-compat@1.0.0');
  const names = JSON.parse(row.frames).map((f) => f.function);
  assert.ok(names.includes('loadInventory') && names.includes('renderShelf'), row.frames);
  assert.equal(rows[1].fingerprint, row.fingerprint, 'both land on one fingerprint');

  const issue = await waitFor('the issue in Postgres', () =>
    e2e.stack.pg(`SELECT title || '|' || times_seen FROM issues WHERE project_id = ${e2e.stack.projectId} AND fingerprint = '${row.fingerprint}' AND times_seen >= 2`),
  );
  assert.equal(issue, 'Error: Inventory service returned garbage|2');
});
