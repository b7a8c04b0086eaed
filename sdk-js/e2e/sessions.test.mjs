// Release health from real browsers: the unmodified @sentry/browser sends a
// session per page load (`init`, then status `unhandled` when an error goes
// unhandled: its 10+ versions' word for a front end's crash), and so does
// Sightline's SDK (plus `errors: 1` on a handled error and `exited` on a route
// change). What arrives is read back from the
// dashboard API's release list and per-release health, as the Releases page
// shows it.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { buildSentryBrowser, memberApi, useSightline, waitFor } from './harness.mjs';

let api;
before(buildSentryBrowser);
const e2e = useSightline(async ({ stack }) => {
  api = await memberApi(stack, 'health@example.com');
});

/** Resolves when `page` has had a session update with `status` accepted. */
function sessionSent(page, status) {
  return page.waitForResponse(
    (r) => r.url().includes('/envelope/') && r.status() === 200 && new RegExp(`"type":"session"[^]*"status":"${status}"`).test(r.request().postData() || ''),
  );
}

/** Waits until the release list shows `n` sessions for `release`; returns its health. */
async function healthOf(release, n) {
  return waitFor(`${n} sessions of ${release}`, async () => {
    const list = await (await api(`/api/v1/projects/${e2e.stack.projectId}/releases?period=24h`)).json();
    const health = list.find((r) => r.version === release)?.health;
    return health && health.sessions >= n && health;
  });
}

test('@sentry/browser: a page that crashes and one that does not make 50 % crash-free sessions', async () => {
  const { page, context } = e2e.browser;
  const started = sessionSent(page, 'ok');
  await page.goto(`${e2e.pages.url}/e2e/pages/sentry.html`);
  await started;
  // @sentry/browser 10+ reports the page's unhandled error as status `unhandled` (not `crashed`).
  const crashed = sessionSent(page, 'unhandled');
  await page.click('#boom'); // throws from a timer: unhandled
  await crashed;

  const calm = await context.newPage();
  const calmStarted = sessionSent(calm, 'ok');
  await calm.goto(`${e2e.pages.url}/e2e/pages/sentry.html`);
  await calmStarted;

  const health = await healthOf('sentry-compat@1.0.0', 2);
  assert.equal(health.sessions, 2);
  assert.equal(health.crashed_sessions, 1);
  assert.equal(health.crash_free_sessions, 50);
  const detail = await (await api(`/api/v1/projects/${e2e.stack.projectId}/releases/${encodeURIComponent('sentry-compat@1.0.0')}/health?period=24h`)).json();
  assert.equal(detail.series.length, 1);
  assert.equal(detail.series[0].crash_free_sessions, 50);
  const rows = await e2e.stack.ch(`SELECT status, n_started FROM release_sessions WHERE project_id = ${e2e.stack.projectId} AND release = 'sentry-compat@1.0.0' ORDER BY status`);
  assert.deepEqual(rows.map((r) => [r.status, Number(r.n_started)]), [['ok', 1], ['ok', 1], ['unhandled', 0]], 'two init updates and one crash');
});

test('our SDK: sessions per page load and route change, errored and crashed', async () => {
  const { page, context } = e2e.browser;
  const url = `${e2e.pages.url}/e2e/pages/minimal.html?run=sessions&release=ours%401.0`;
  const started = sessionSent(page, 'ok');
  await page.goto(url);
  await started;
  await page.evaluate(() => Sightline.captureException(new Error('handled in the app')));
  const crashed = sessionSent(page, 'unhandled');
  await page.click('#boom');
  await crashed;

  const other = await context.newPage();
  const otherStarted = sessionSent(other, 'ok');
  await other.goto(url);
  await otherStarted;
  const exited = sessionSent(other, 'exited');
  await other.evaluate(() => history.pushState({}, '', '/next-page'));
  await exited;

  const health = await healthOf('ours@1.0', 3);
  assert.equal(health.sessions, 3, 'two page loads and a route change');
  assert.equal(health.errored_sessions, 1);
  assert.equal(health.crashed_sessions, 1);
  assert.equal(health.crash_free_sessions, 66.67);
});

test('our SDK sends no sessions with autoSessionTracking off or without a release', async () => {
  const { page } = e2e.browser;
  const bodies = [];
  page.on('request', (r) => r.url().includes('/envelope/') && bodies.push(r.postData() || ''));
  await page.goto(`${e2e.pages.url}/e2e/pages/minimal.html?run=no-sessions`);
  await page.evaluate(() => Sightline.captureException(new Error('no release, no session')));
  await waitFor('the event envelope', () => bodies.some((b) => /"type":"event"/.test(b)));
  assert.ok(!bodies.some((b) => /"type":"session"/.test(b)), bodies.join('\n---\n'));
  const off = await page.evaluate((dsn) => {
    Sightline.init({ dsn, release: 'off@1', autoSessionTracking: false, vitals: false, batchDelayMs: 0 });
    return Sightline.captureException(new Error('tracking off'));
  }, e2e.stack.dsn);
  assert.match(off, /^[0-9a-f]{32}$/);
  await waitFor('the second event envelope', () => bodies.filter((b) => /"type":"event"/.test(b)).length >= 2);
  assert.ok(!bodies.some((b) => /"type":"session"/.test(b)));
});
