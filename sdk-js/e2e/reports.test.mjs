// Every kind of report, from the vanilla example in Chromium to rows in
// ClickHouse through the real Sightline server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tag, useSightline, waitFor } from './harness.mjs';

const e2e = useSightline();

/** Opens the example tagged with `run` and waits for the SDK to be up. */
async function openExample(run) {
  const { page } = e2e.browser;
  await page.goto(`${e2e.pages.url}/examples/vanilla/?run=${run}`);
  await page.waitForFunction(() => window.Sightline && document.readyState === 'complete');
  return page;
}

/** Waits for the events of one run matching `where`. */
function eventsOf(run, where, n = 1) {
  const sql = `SELECT * FROM events WHERE project_id = ${e2e.stack.projectId} AND has(tags_value, '${run}') AND ${where} ORDER BY timestamp`;
  return waitFor(`${n} event(s) of run ${run} where ${where}`, async () => {
    const rows = await e2e.stack.ch(sql);
    return rows.length >= n && rows;
  });
}

describe('the vanilla example reports', () => {
  test('an uncaught error arrives with parsed frames and the breadcrumbs before it', async () => {
    const page = await openExample('error');
    await page.click('#fetch-data');
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('fetch'));
    await page.click('#xhr-data');
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('xhr'));
    await page.click('#console-warn');
    await page.click('#throw-error');
    const [row] = await eventsOf('error', `exception_type = 'TypeError'`);
    assert.equal(row.exception_value, 'Cart is empty: cannot check out');
    assert.equal(row.level, 'error');
    assert.equal(row.sdk_name, 'sightline.javascript.browser');
    assert.equal(row.release, 'vanilla-example@1.0.0');
    assert.equal(row.user_id, 'demo-user');
    assert.equal(row.browser, 'Chrome');
    const frames = JSON.parse(row.frames);
    const names = frames.map((f) => f.function);
    assert.deepEqual(names.slice(-2), ['checkout', 'validateCart'], `frames: ${row.frames}`);
    const top = frames[frames.length - 1];
    assert.match(top.filename, /\/examples\/vanilla\/app\.js$/);
    assert.ok(top.lineno > 0 && top.colno > 0 && top.in_app === true, row.frames);
    const crumbs = JSON.parse(row.breadcrumbs);
    const categories = crumbs.map((c) => c.category);
    assert.ok(categories.includes('ui.click'), row.breadcrumbs);
    const fetchCrumb = crumbs.find((c) => c.category === 'fetch');
    assert.ok(fetchCrumb, row.breadcrumbs);
    assert.equal(fetchCrumb.data.status_code, 200);
    assert.match(fetchCrumb.data.url, /token=\[Filtered\]&page=2$/);
    const xhrCrumb = crumbs.find((c) => c.category === 'xhr');
    assert.deepEqual([xhrCrumb.data.method, xhrCrumb.data.status_code, xhrCrumb.level], ['POST', 404, 'warning']);
    assert.match(xhrCrumb.data.url, /missing-endpoint\.json\?api_key=\[Filtered\]$/);
    assert.ok(!crumbs.some((c) => /envelope/.test(c.data?.url || '')), 'the SDK does not breadcrumb its own sends');
    const warn = crumbs.find((c) => c.category === 'console');
    assert.equal(warn.message, 'Stock is low for item 42');
    const click = crumbs.filter((c) => c.category === 'ui.click').pop();
    assert.match(click.message, /button#throw-error/);
  });

  test('an unhandled rejection arrives as its error', async () => {
    const page = await openExample('rejection');
    await page.click('#reject-promise');
    const [row] = await eventsOf('rejection', `exception_type = 'RangeError'`);
    assert.equal(row.exception_value, 'Payment provider timed out');
    assert.ok(JSON.parse(row.frames).length > 0, 'the rejection keeps its stack');
  });

  test('failed images and scripts arrive as resource errors, one issue per file', async () => {
    const page = await openExample('resource');
    await page.click('#broken-image');
    await page.click('#broken-script');
    const rows = await eventsOf('resource', `exception_type = 'ResourceError'`, 2);
    const byType = Object.fromEntries(rows.map((r) => [tag(r, 'resource.type'), r]));
    assert.equal(tag(byType.img, 'sightline.kind'), 'resource_error');
    assert.match(byType.img.exception_value, /^Failed to load img: http:\/\/127\.0\.0\.1:\d+\/missing\/product-photo\.png$/);
    assert.match(byType.script.exception_value, /missing\/analytics\.js$/);
    assert.notEqual(byType.img.fingerprint, byType.script.fingerprint);
  });

  test('a blanked page is reported as a white screen after the route change', async () => {
    const page = await openExample('white');
    await page.click('#white-screen');
    const [row] = await eventsOf('white', `message LIKE 'White screen%'`);
    assert.equal(tag(row, 'sightline.kind'), 'white_screen');
    assert.match(row.url, /\/examples\/vanilla\/blank/);
    assert.equal(JSON.parse(row.contexts).contexts.white_screen.empty_points, 17);
    const nav = JSON.parse(row.breadcrumbs).find((c) => c.category === 'navigation');
    assert.match(nav.data.from, /\/examples\/vanilla\/\?run=white$/);
    assert.match(nav.data.to, /\/examples\/vanilla\/blank\?run=white$/);
  });

  test('a rendered page is never reported as a white screen', async () => {
    const page = await openExample('notwhite');
    await page.waitForTimeout(2500); // three checks at 400 ms each, and margin
    await page.click('#capture-message'); // a marker proving this run's reports arrived
    await eventsOf('notwhite', `message = 'Customer reached the thank-you page'`);
    const rows = await e2e.stack.ch(`SELECT message FROM events WHERE has(tags_value, 'notwhite') AND message LIKE 'White screen%'`);
    assert.equal(rows.length, 0);
  });

  test('a 300 ms main-thread block arrives as a long task', async () => {
    const page = await openExample('longtask');
    await page.click('#long-task');
    // The page load itself may log shorter long tasks first: wait for ours.
    const ms = (r) => Number(/(\d+) ms/.exec(r.message)[1]);
    const rows = await waitFor('the 300 ms long task', async () => {
      const r = await e2e.stack.ch(`SELECT * FROM events WHERE project_id = ${e2e.stack.projectId} AND has(tags_value, 'longtask') AND message LIKE 'Long task:%'`);
      return r.filter((row) => ms(row) >= 290).length && r.filter((row) => ms(row) >= 290);
    });
    assert.ok(ms(rows[0]) < 1000, `long task of ${ms(rows[0])} ms`);
    assert.equal(tag(rows[0], 'sightline.kind'), 'long_task');
    assert.equal(rows[0].level, 'warning');
    assert.equal(JSON.parse(rows[0].contexts).contexts.long_task?.duration_ms, ms(rows[0]), rows[0].contexts);
  });

  test('captureMessage and captureException arrive with the scope', async () => {
    const page = await openExample('api');
    await page.click('#capture-message');
    await page.click('#capture-exception');
    const [msg] = await eventsOf('api', `message = 'Customer reached the thank-you page'`);
    assert.equal(msg.level, 'info');
    assert.equal(tag(msg, 'page'), 'vanilla');
    const [ex] = await eventsOf('api', `exception_type = 'SyntaxError'`);
    assert.equal(ex.user_email, 'demo@example.com');
  });
});

describe('page views', () => {
  test('the page load arrives as a transaction with LCP, FCP, CLS and TTFB when the page is left', async () => {
    const page = await openExample('vitals');
    await page.waitForTimeout(1000); // the banner shifts the layout at 300 ms
    await page.click('#long-task'); // a slow interaction: INP
    await page.waitForTimeout(300);
    await page.goto('about:blank');
    const rows = await waitFor('pageload transaction', async () => {
      const r = await e2e.stack.ch(`SELECT * FROM transactions WHERE project_id = ${e2e.stack.projectId} AND op = 'pageload' AND has(tags_value, 'vitals')`);
      return r.length && r;
    });
    assert.equal(rows.length, 1, 'one transaction per page view');
    const [t] = rows;
    assert.equal(t.name, '/examples/vanilla/');
    for (const m of ['lcp', 'fcp', 'ttfb']) assert.ok(t[m] > 0, `${m} = ${t[m]}`);
    assert.ok(t.inp >= 250, `inp = ${t.inp} (the click blocked for 300 ms)`);
    assert.ok(t.cls > 0, `cls = ${t.cls} (the banner shifts the page)`);
    assert.ok(t.lcp >= t.fcp, `lcp ${t.lcp} >= fcp ${t.fcp}`);
    assert.ok(t.duration_ms > 0, `duration ${t.duration_ms}`);
    assert.equal(t.sdk_name, 'sightline.javascript.browser');
  });

  test('an SPA route change closes the page load and opens a navigation view', async () => {
    const page = await openExample('spa');
    await page.click('#spa-navigate');
    await page.goto('about:blank');
    const rows = await waitFor('pageload and navigation', async () => {
      const r = await e2e.stack.ch(`SELECT op, name, lcp FROM transactions WHERE project_id = ${e2e.stack.projectId} AND has(tags_value, 'spa') ORDER BY op`);
      return r.length >= 2 && r;
    });
    assert.deepEqual(rows.map((r) => [r.op, r.name]), [['navigation', '/examples/vanilla/products/42'], ['pageload', '/examples/vanilla/']]);
    assert.equal(rows[0].lcp, null, 'vitals belong to the hard page load');
  });
});

describe('bundles and robustness', () => {
  test('the errors-only build reports errors and sends no page views', async () => {
    const { page } = e2e.browser;
    await page.goto(`${e2e.pages.url}/e2e/pages/minimal.html?bundle=errors&run=errorsonly`);
    await page.waitForFunction(() => window.initResult === true);
    await page.click('#boom');
    const [row] = await eventsOf('errorsonly', `exception_value = 'minimal page failure errorsonly'`);
    assert.deepEqual(JSON.parse(row.frames).map((f) => f.function).slice(-1), ['failInApp']);
    await page.goto('about:blank');
    await new Promise((r) => setTimeout(r, 1000));
    const tx = await e2e.stack.ch(`SELECT count() AS n FROM transactions WHERE has(tags_value, 'errorsonly')`);
    assert.equal(Number(tx[0].n), 0);
  });

  test('a malformed DSN leaves the SDK inert without breaking the page', async () => {
    const { page, errors } = e2e.browser;
    const before = errors.length;
    await page.goto(`${e2e.pages.url}/e2e/pages/minimal.html?dsn=not-a-dsn&run=baddsn`);
    const state = await page.evaluate(() => ({
      init: window.initResult,
      id: Sightline.captureMessage('goes nowhere'),
      text: document.getElementById('text').textContent,
    }));
    assert.deepEqual(state, { init: false, id: undefined, text: 'minimal' });
    assert.equal(errors.length, before, 'no page errors');
  });
});
