// Benchmark: the dashboard's first load in Debian's headless Chromium.
//
//   cd web && SIGHTLINE_TEST_CLICKHOUSE_URL=http://127.0.0.1:38123 node bench/first-load.mjs [runs]
//
// Starts the real server (as the e2e tests do) with one signed-up user and a
// project holding 25 issues, then, in a fresh browser context per run (empty
// HTTP cache, session cookie set), opens the project's issue list and
// measures from navigation start until the first issue row is in the DOM
// (timed in the page by a MutationObserver).
// Also reports what the first load transferred (wasm, js, css; from the
// Resource Timing API, so gzip as the server sent it) next to raw sizes.
import { startSightline, launchBrowser, sendEnvelope, errorEvent, waitFor } from '../e2e/harness.mjs';

const runs = Number(process.argv[2] || 7);
const sl = await startSightline();
const b = await launchBrowser();
try {
  const H = { 'content-type': 'application/json', origin: sl.origin };
  let r = await fetch(`${sl.origin}/api/v1/auth/register`, { method: 'POST', headers: H, body: JSON.stringify({ email: 'bench@example.com', password: 'bench password 1' }) });
  const [name, value] = r.headers.get('set-cookie').split(';')[0].split('=');
  const me = await r.json();
  r = await fetch(`${sl.origin}/api/v1/teams/${me.teams[0].id}/projects`, { method: 'POST', headers: { ...H, cookie: `${name}=${value}` }, body: JSON.stringify({ name: 'Bench' }) });
  const project = await r.json();
  const dsn = project.keys[0].dsn;
  await waitFor('the DSN', async () => (await sendEnvelope(dsn, 'event', errorEvent({ message: 'warm-up', fn: 'f0' }))) === 200);
  for (let i = 1; i < 25; i++) await sendEnvelope(dsn, 'event', errorEvent({ message: `failure number ${i}`, fn: `f${i}` }));
  await waitFor('25 issues', async () => {
    const res = await fetch(`${sl.origin}/api/v1/projects/${project.id}/issues?per_page=100`, { headers: { cookie: `${name}=${value}` } });
    return (await res.json()).total === 25;
  });

  const url = `${sl.origin}/projects/${project.id}/issues`;
  const times = [];
  let transfer;
  for (let i = 0; i < runs; i++) {
    const ctx = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addCookies([{ name, value, url: sl.origin }]);
    const page = await ctx.newPage();
    // The page notes when the first row enters the DOM: reading the clock
    // from the test after waitFor() would add the driver's round trips.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('tr.issue-row')) {
          window.firstRowMs = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(url, { waitUntil: 'commit' });
    await page.locator('tr.issue-row').first().waitFor();
    const ms = await page.evaluate(() => window.firstRowMs);
    times.push(ms);
    if (!transfer) {
      transfer = await page.evaluate(() =>
        performance.getEntriesByType('resource')
          .filter((e) => /\.(wasm|js|css)(\?|$)/.test(e.name))
          .map((e) => ({ file: new URL(e.name).pathname, transfer: e.transferSize, body: e.decodedBodySize })));
    }
    await ctx.close();
  }
  times.sort((a, b2) => a - b2);
  const median = times[Math.floor(times.length / 2)];
  console.log(`first rendered issue list (ms from navigation start), ${runs} cold runs: median ${median.toFixed(0)}, min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}`);
  let total = 0;
  let raw = 0;
  for (const t of transfer) {
    console.log(`  ${t.file.padEnd(26)} transferred ${String(t.transfer).padStart(8)} B   decoded ${String(t.body).padStart(8)} B`);
    total += t.transfer;
    raw += t.body;
  }
  console.log(`  wasm + js + css            transferred ${String(total).padStart(8)} B   decoded ${String(raw).padStart(8)} B`);
} finally {
  await b.close();
  await sl.close();
}
