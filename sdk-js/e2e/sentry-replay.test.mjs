// Session replay from the unmodified @sentry/browser `replayIntegration` in
// buffer mode (replaysOnErrorSampleRate 1, replaysSessionSampleRate 0): the
// user types and clicks, the page throws, the SDK sends the buffered replay
// (zlib rrweb segments); it lands in ClickHouse, is listed and served by the
// replay API, and the error event's replay id links to it.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { buildSentryBrowser, memberApi, useSightline, waitFor } from './harness.mjs';

let api;
before(buildSentryBrowser);
const e2e = useSightline(async ({ stack }) => {
  api = await memberApi(stack, 'replay@example.com');
});

test('@sentry/browser replayIntegration in buffer mode: the replay lands and the error links to it', async () => {
  const { page } = e2e.browser;
  await page.goto(`${e2e.pages.url}/e2e/pages/sentry-replay.html`);
  await page.waitForFunction(() => window.Sentry && Sentry.getClient() && Sentry.getReplay());
  await page.locator('#card').pressSequentially('4111 1111 1111 1111', { delay: 20 });
  // Past the SDK's minimum replay duration (5 s) before the error.
  await page.waitForTimeout(5500);
  const replaySent = page.waitForResponse(
    (r) => r.url().includes('/envelope/') && /"type":"replay_recording"/.test(r.request().postDataBuffer()?.toString('latin1') || ''),
    { timeout: 30_000 },
  );
  await page.locator('#pay').click();
  assert.equal((await replaySent).status(), 200);

  const p = e2e.stack.projectId;
  const [event] = await waitFor('the error event with its replay id', async () => {
    const r = await e2e.stack.ch(`SELECT event_id, replay_id FROM events WHERE project_id = ${p} AND replay_id != ''`);
    return r.length > 0 && r;
  });
  assert.match(event.replay_id, /^[0-9a-f]{32}$/);
  const segments = await waitFor('the replay segments', async () => {
    const r = await e2e.stack.ch(
      `SELECT lower(replaceAll(toString(replay_id), '-', '')) AS id, segment_id, clicks, raw_bytes FROM replay_segments WHERE project_id = ${p} ORDER BY segment_id`,
    );
    return r.length > 0 && r;
  });
  assert.equal(segments[0].id, event.replay_id, 'the error names the replay that was stored');
  assert.equal(segments[0].segment_id, 0);
  assert.ok(segments[0].raw_bytes > 500, 'a full snapshot of the page');

  const page1 = await (await api(`/api/v1/projects/${p}/replays`)).json();
  assert.equal(page1.total, 1);
  const summary = page1.replays[0];
  assert.equal(summary.id, event.replay_id);
  assert.equal(summary.replay_type, 'buffer');
  assert.ok(summary.click_count >= 1, JSON.stringify(summary));
  assert.ok(summary.duration_secs >= 5, JSON.stringify(summary));
  assert.equal(summary.url, '/e2e/pages/sentry-replay.html');

  const detail = await (await api(`/api/v1/projects/${p}/replays/${event.replay_id}`)).json();
  assert.equal(detail.segments[0], 0);
  // The segment as stored; fetch inflates `Content-Encoding: deflate` as a browser does.
  const res = await api(`/api/v1/projects/${p}/replays/${event.replay_id}/segments/0`);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const rrweb = await res.json();
  assert.ok(Array.isArray(rrweb), 'an rrweb event array');
  assert.ok(rrweb.some((e) => e.type === 4), 'a meta event');
  assert.ok(rrweb.some((e) => e.type === 2), 'a full snapshot');
  assert.ok(!JSON.stringify(rrweb).includes('4111 1111'), 'the typed card number is masked');

  const issueId = String(await waitFor('the issue', () => e2e.stack.pg(`SELECT id FROM issues WHERE project_id = ${p}`))).trim();
  const issue = await (await api(`/api/v1/issues/${issueId}`)).json();
  assert.equal(issue.latest_event.replay_id, event.replay_id, '"Watch replay" on the issue page');
});
