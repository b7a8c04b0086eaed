// Compatibility the other way round: the unmodified @sentry/browser package,
// pointed at a Sightline DSN, reports an error that becomes an issue.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { build } from 'esbuild';
import { launchBrowser, startPages, startSightline, TMP, waitFor, eventAccepted } from './harness.mjs';

let stack;
let pages;
let chromium;
/** This test's own browser context (fresh storage). */
let browser;

before(async () => {
  await build({
    stdin: { contents: "import * as Sentry from '@sentry/browser'; window.Sentry = Sentry;", resolveDir: process.cwd() },
    bundle: true,
    format: 'iife',
    outfile: join(TMP, 'sentry-browser.js'),
    logLevel: 'warning',
  });
  stack = await startSightline();
  pages = await startPages(stack.dsn);
  chromium = await launchBrowser();
});
beforeEach(async () => {
  browser = await chromium.open();
});
afterEach(async () => {
  await browser?.close();
});
after(async () => {
  await chromium?.close();
  await pages?.close();
  await stack?.close();
});

test('@sentry/browser reports an uncaught error that lands grouped as one issue', async () => {
  const { page } = browser;
  // Twice, on two page loads (Sentry's own dedupe drops a repeat within one):
  // the same error must land on the same issue, not on a new one.
  for (let i = 0; i < 2; i++) {
    await page.goto(`${pages.url}/e2e/pages/sentry.html`);
    await page.waitForFunction(() => window.Sentry && Sentry.getClient());
    const sent = eventAccepted(page);
    await page.click('#boom');
    await sent;
  }

  const rows = await waitFor('two events from @sentry/browser', async () => {
    const r = await stack.ch(`SELECT * FROM events WHERE project_id = ${stack.projectId}`);
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
    stack.pg(`SELECT title || '|' || times_seen FROM issues WHERE project_id = ${stack.projectId} AND fingerprint = '${row.fingerprint}' AND times_seen >= 2`),
  );
  assert.equal(issue, 'Error: Inventory service returned garbage|2');
});
