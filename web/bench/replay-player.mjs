// Benchmark: the replay player's time to first frame for a 5-minute replay,
// in Debian's headless Chromium against the real server.
//
//   cd web && SIGHTLINE_TEST_DATABASE_URL=… SIGHTLINE_TEST_CLICKHOUSE_URL=… node bench/replay-player.mjs [runs]
//
// The replay: rrweb (the player's own npm copy, bundled by esbuild) records a
// real page of 400 product cards in Chromium for its Meta + full snapshot;
// then 5 minutes of activity are added after it — a mouse move every 100 ms,
// a scroll every 2 s, typing into a field every 5 s, a click breadcrumb every
// 10 s — and the whole is cut into 5 s segments (60, as the SDK sends them),
// zlib-compressed and sent as Sentry replay envelopes to the ingest endpoint.
// Each run opens the replay page in a fresh context (empty HTTP cache, session
// cookie set) and measures, in the page, from navigation start until the
// player has drawn the first frame (`data-state="ready"`: segment 0 fetched,
// the Replayer built and the recorded page in its iframe) and until all 60
// segments are in (`data-loaded="all"`).
import { build } from 'esbuild';
import { randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { launchBrowser, parseDsn, startSightline, waitFor } from '../e2e/harness.mjs';

const runs = Number(process.argv[2] || 5);
const MINUTES = 5;
const SEGMENT_MS = 5000;

/** A product list page, ~400 cards: a realistic snapshot size. */
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style>.card{display:inline-block;width:180px;margin:6px;padding:8px;border:1px solid #ccc;font:14px sans-serif}</style></head>
<body><header><h1>Catalogue</h1><input id="q" placeholder="Search"></header><main>${Array.from({ length: 400 }, (_, i) => `<div class="card" id="p${i}"><h2>Product ${i}</h2><p>A fine product with a long description, number ${i}.</p><button>Add to cart</button></div>`).join('')}</main></body></html>`;

async function recordSnapshot(browser) {
  const rrweb = (await build({ stdin: { contents: "import { record } from 'rrweb'; window.rrwebRecord = record;", resolveDir: process.cwd() }, bundle: true, format: 'iife', write: false, logLevel: 'error' })).outputFiles[0].text;
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.setContent(PAGE);
  await page.addScriptTag({ content: rrweb });
  const events = await page.evaluate(() => {
    const out = [];
    window.rrwebRecord({ emit: (e) => out.push(e), maskAllInputs: true, maskTextSelector: '*' });
    return out;
  });
  await ctx.close();
  return events;
}

/** Returns the snapshot followed by 5 minutes of synthetic activity, in 5 s segments. */
function fiveMinutes(snapshot) {
  const start = Date.now() - MINUTES * 60_000 - 60_000;
  const inputId = (function find(n) {
    if (n.type === 2 && n.tagName === 'input') return n.id;
    for (const c of n.childNodes || []) {
      const f = find(c);
      if (f) return f;
    }
    return undefined;
  })(snapshot.find((e) => e.type === 2).data.node);
  const events = snapshot.map((e) => ({ ...e, timestamp: start }));
  for (let t = 100; t < MINUTES * 60_000; t += 100) {
    const ts = start + t;
    events.push({ type: 3, timestamp: ts, data: { source: 1, positions: [{ x: (t / 7) % 1200, y: (t / 13) % 760, id: 1, timeOffset: 0 }] } });
    if (t % 2000 === 0) events.push({ type: 3, timestamp: ts, data: { source: 3, id: 1, x: 0, y: (t / 20) % 4000 } });
    if (t % 5000 === 0 && inputId) events.push({ type: 3, timestamp: ts, data: { source: 5, id: inputId, text: '*'.repeat((t / 5000) % 12), isChecked: false } });
    if (t % 10_000 === 0) events.push({ type: 5, timestamp: ts, data: { tag: 'breadcrumb', payload: { timestamp: ts / 1000, type: 'default', category: 'ui.click', message: `main > div#p${t / 10_000} > button` } } });
  }
  const segments = [];
  for (const e of events) {
    const n = Math.floor((e.timestamp - start) / SEGMENT_MS);
    (segments[n] ||= []).push(e);
  }
  return { start, segments: segments.filter(Boolean) };
}

function envelope(dsn, replayId, n, list, start) {
  const event = {
    type: 'replay_event', replay_id: replayId, event_id: replayId, segment_id: n, replay_type: 'session',
    replay_start_timestamp: n === 0 ? start / 1000 : undefined, timestamp: list[list.length - 1].timestamp / 1000,
    urls: n === 0 ? ['https://shop.example.com/catalogue'] : [], error_ids: [], trace_ids: [], platform: 'javascript',
    sdk: { name: 'bench', version: '1' }, request: { url: 'https://shop.example.com/catalogue', headers: { 'User-Agent': 'Mozilla/5.0 Chrome/130.0' } },
  };
  const payload = Buffer.concat([Buffer.from(`{"segment_id":${n}}\n`), deflateSync(JSON.stringify(list))]);
  return Buffer.concat([
    Buffer.from(`${JSON.stringify({ event_id: replayId, dsn })}\n{"type":"replay_event"}\n${JSON.stringify(event)}\n${JSON.stringify({ type: 'replay_recording', length: payload.length })}\n`),
    payload,
  ]);
}

const sl = await startSightline();
const b = await launchBrowser();
try {
  const H = { 'content-type': 'application/json', origin: sl.origin };
  let r = await fetch(`${sl.origin}/api/v1/auth/register`, { method: 'POST', headers: H, body: JSON.stringify({ email: 'bench@example.com', password: 'bench password 1' }) });
  const [name, value] = r.headers.get('set-cookie').split(';')[0].split('=');
  const cookie = `${name}=${value}`;
  const me = await r.json();
  r = await fetch(`${sl.origin}/api/v1/teams/${me.teams[0].id}/projects`, { method: 'POST', headers: { ...H, cookie }, body: JSON.stringify({ name: 'Bench' }) });
  const project = await r.json();
  const dsn = project.keys[0].dsn;
  const ingest = parseDsn(dsn).url;

  const snapshot = await recordSnapshot(b.browser);
  const { start, segments } = fiveMinutes(snapshot);
  const replayId = randomUUID().replace(/-/g, '');
  let bytes = 0;
  for (let n = 0; n < segments.length; n++) {
    const body = envelope(dsn, replayId, n, segments[n], start);
    bytes += body.length;
    await waitFor(`segment ${n} accepted`, async () => (await fetch(ingest, { method: 'POST', body })).status === 200);
  }
  await waitFor('all segments stored', async () => {
    const res = await fetch(`${sl.origin}/api/v1/projects/${project.id}/replays/${replayId}`, { headers: { cookie } });
    return res.ok && (await res.json()).segments.length === segments.length;
  }, 60_000);
  console.log(`replay: ${MINUTES} min, ${segments.length} segments, ${segments.flat().length} rrweb events, ${(bytes / 1024).toFixed(0)} KB of envelopes (snapshot ${(JSON.stringify(snapshot).length / 1024).toFixed(0)} KB JSON)`);

  const url = `${sl.origin}/projects/${project.id}/replays/${replayId}`;
  const first = [];
  const all = [];
  for (let i = 0; i < runs; i++) {
    const ctx = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addCookies([{ name, value, url: sl.origin }]);
    const page = await ctx.newPage();
    // Timed in the page: the driver's round trips are not part of it.
    await page.addInitScript(() => {
      new MutationObserver(() => {
        const p = document.querySelector('.replay-player');
        if (p?.dataset.state === 'ready' && !window.firstFrameMs && p.querySelector('iframe')?.contentDocument?.body) window.firstFrameMs = performance.now();
        if (p?.dataset.loaded === 'all' && !window.allMs) window.allMs = performance.now();
      }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-state', 'data-loaded'] });
    });
    await page.goto(url, { waitUntil: 'commit' });
    await page.locator('.replay-player[data-loaded="all"]').waitFor({ timeout: 120_000 });
    first.push(await page.evaluate(() => window.firstFrameMs));
    all.push(await page.evaluate(() => window.allMs));
    await ctx.close();
  }
  const stats = (xs) => {
    xs.sort((a, c) => a - c);
    return `median ${xs[Math.floor(xs.length / 2)].toFixed(0)}, min ${xs[0].toFixed(0)}, max ${xs[xs.length - 1].toFixed(0)}`;
  };
  console.log(`first frame (ms from navigation start), ${runs} cold runs: ${stats(first)}`);
  console.log(`all ${segments.length} segments loaded: ${stats(all)}`);
} finally {
  await b.close();
  await sl.close();
}
