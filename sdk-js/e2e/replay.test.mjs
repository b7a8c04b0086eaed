// Session replay from our SDK, in Chromium against the real server: a
// visitor types a secret into a field and clicks; an error follows. The
// replay is stored, linked both ways with the error event, its segments
// hold the page (masked) and the timeline breadcrumbs, and neither the
// secret nor the page's text is anywhere in ClickHouse, compressed or not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { grepClickHouse } from '../../scripts/lib/clickhouse-grep.mjs';
import { memberApi, tag, useSightline, waitFor } from './harness.mjs';

const SECRET = 'hunter2-TOPSECRET-4242';
/** Text on the page, all masked by default. */
const PAGE_TEXT = ['Wallpaper Emporium', 'Marguerite Blackwood', 'Quince Lane', 'Card number', 'Sixteen digits', 'Pay immediately', 'Charge the card', 'Velvet wallpaper', 'Ada Lovelace'];

let api;
const e2e = useSightline(async (e) => {
  api = await memberApi(e.stack, 'replay@example.com');
});

/** Splits a replay envelope body (bytes) into its replay_event and the recording payload. */
function parseReplayEnvelope(buf) {
  const lines = [];
  let at = 0;
  for (let i = 0; i < 4; i++) {
    const nl = buf.indexOf(10, at);
    lines.push(buf.subarray(at, nl).toString('utf8'));
    at = nl + 1;
  }
  const [, itemHead, event, recHead] = lines;
  assert.equal(JSON.parse(itemHead).type, 'replay_event');
  const rec = JSON.parse(recHead);
  assert.equal(rec.type, 'replay_recording');
  const payload = buf.subarray(at, at + rec.length);
  assert.equal(payload.length, rec.length, 'the recording item is as long as its header says');
  return { event: JSON.parse(event), payload };
}

/** Opens the replay page, records typing and a click that ends in an error; returns ids and the envelopes sent. */
async function recordError(run, mode) {
  const { page } = e2e.browser;
  const envelopes = [];
  page.on('request', (r) => {
    const body = r.postDataBuffer();
    if (r.url().includes('/envelope/') && body && body.includes('"replay_event"')) envelopes.push(body);
  });
  await page.goto(`${e2e.pages.url}/e2e/pages/replay.html?run=${run}&mode=${mode}`);
  const replayId = await page.evaluate(() => window.replayId);
  assert.match(replayId || '', /^[0-9a-f]{32}$/, 'startReplay returned the replay id');
  await page.locator('#card').pressSequentially(SECRET, { delay: 10 });
  await page.click('#pay');
  const [row] = await waitFor(`the error of run ${run}`, async () => {
    const rows = await e2e.stack.ch(`SELECT * FROM events WHERE project_id = ${e2e.stack.projectId} AND has(tags_value, '${run}')`);
    return rows.length > 0 && rows;
  });
  // ClickHouse writes the UUID with dashes; the API and the SDK use 32 hex digits.
  return { page, replayId, row, eventId: row.event_id.replace(/-/g, ''), envelopes };
}

/** Waits until the API lists the replay with the error, then returns it with its decoded segments. */
async function storedReplay(replayId, eventId, minSegments = 1) {
  const base = `/api/v1/projects/${e2e.stack.projectId}/replays/${replayId}`;
  const detail = await waitFor('the replay with its error', async () => {
    try {
      const d = await (await api(base)).json();
      return d.error_ids.includes(eventId) && d.segments.length >= minSegments && d;
    } catch {
      return false;
    }
  });
  const segments = [];
  for (const n of detail.segments) {
    const res = await api(`${base}/segments/${n}`);
    // fetch inflates the stored zlib (Content-Encoding: deflate).
    segments.push(await res.json());
  }
  return { detail, events: segments.flat() };
}

describe('session replay from @sightline/browser', () => {
  test('buffer mode: the minute before an error is sent, linked to it, masked, compressed in a worker', async () => {
    const { page, replayId, row, eventId, envelopes } = await recordError('replay-buffer', 'buffer');
    assert.equal(tag(row, 'replayId'), replayId, 'the error event carries the replay id as a tag');
    assert.match(row.contexts, new RegExp(`"replay_id":"${replayId}"`), 'and in contexts.replay');

    const { detail, events } = await storedReplay(replayId, eventId);
    assert.equal(detail.replay_type, 'buffer');
    assert.equal(detail.release, 'replay-e2e@1');
    assert.ok(detail.segments.includes(0), `segment 0 is stored: ${detail.segments}`);

    // The recording: a full snapshot of the page, the typing masked, the unmasked banner readable.
    const json = JSON.stringify(events);
    assert.ok(events.some((e) => e.type === 2), 'a full snapshot');
    assert.ok(json.includes('Public banner shown in replays'), 'text under an `unmask` selector is recorded');
    const typed = events.filter((e) => e.type === 3 && e.data.source === 5).map((e) => e.data.text);
    assert.ok(typed.includes('*'.repeat(SECRET.length)), `the input value is recorded masked: ${typed.slice(-3)}`);
    // The timeline: the click, the console error and the error event, as Sentry-style breadcrumbs.
    const crumbs = events.filter((e) => e.type === 5 && e.data.tag === 'breadcrumb').map((e) => e.data.payload);
    assert.ok(crumbs.some((c) => c.category === 'ui.click' && /#pay/.test(c.message)), JSON.stringify(crumbs));
    assert.ok(crumbs.some((c) => c.category === 'console' && c.level === 'error'), JSON.stringify(crumbs));
    const marker = crumbs.find((c) => c.category === 'sentry.event');
    assert.equal(marker?.data?.event_id, eventId, 'the error is marked on the timeline');

    // What went over the wire: Sentry's items, the recording zlib-compressed (by the worker).
    assert.ok(envelopes.length > 0, 'replay envelopes were sent');
    const first = parseReplayEnvelope(envelopes[0]);
    assert.equal(first.event.replay_id, replayId);
    assert.equal(first.event.segment_id, 0);
    assert.equal(first.event.replay_type, 'buffer');
    assert.ok(first.event.replay_start_timestamp > 0, 'segment 0 has replay_start_timestamp');
    assert.ok(first.event.error_ids.includes(eventId));
    const nl = first.payload.indexOf(10);
    assert.equal(first.payload.subarray(0, nl).toString(), '{"segment_id":0}');
    assert.equal(first.payload[nl + 1], 0x78, 'the recording is zlib (0x78 header)');
    assert.ok(Array.isArray(JSON.parse(inflateSync(first.payload.subarray(nl + 1)).toString())));

    // Nothing private anywhere in ClickHouse, compressed or not.
    await page.close();
    const { found, searched } = await grepClickHouse(e2e.stack.ch, [SECRET, ...PAGE_TEXT, 'Public banner shown in replays']);
    assert.ok(searched > 0, 'ClickHouse values were searched');
    // The search does see inside the stored (compressed) segments: the unmasked banner is found there.
    assert.ok(found.some((f) => f.needle.startsWith('Public banner')), `the unmasked text is found: ${JSON.stringify(found)}`);
    assert.deepEqual(found.filter((f) => !f.needle.startsWith('Public banner')), [], 'private text stored');
  });

  test('session mode: recorded from the start in 1 s segments, the error linked', async () => {
    const { page, replayId, row, eventId } = await recordError('replay-session', 'session');
    assert.equal(tag(row, 'replayId'), replayId);
    // More activity after the error: more segments.
    await page.waitForTimeout(1200);
    await page.mouse.click(5, 5);
    const { detail, events } = await storedReplay(replayId, eventId, 2);
    assert.equal(detail.replay_type, 'session');
    assert.ok(detail.segments.length >= 2, `several segments: ${detail.segments}`);
    assert.ok(detail.urls.some((u) => u.includes('/e2e/pages/replay.html')), JSON.stringify(detail.urls));
    const full = events.filter((e) => e.type === 2);
    assert.equal(full.length, 1, 'one full snapshot: the later segments are increments');
    const meta = events.findIndex((e) => e.type === 4);
    assert.ok(meta >= 0 && meta < events.indexOf(full[0]), 'the Meta event comes before the snapshot');
  });
});
