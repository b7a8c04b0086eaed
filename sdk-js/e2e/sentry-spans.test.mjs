// Page loads as @sentry/browser 10+ streams them: `span` items (span v2), the
// page-load span first, its LCP, CLS and INP spans in later envelopes. The
// unmodified npm package (the version sdk-js/package.json installs) with
// browserTracingIntegration() in Chromium must give one page-load row with
// its vitals and their attribution, readable through the dashboard API.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { buildSentryBrowser, memberApi, useSightline, waitFor } from './harness.mjs';

let api;
before(buildSentryBrowser);
const e2e = useSightline(async ({ stack }) => {
  api = await memberApi(stack, 'perf@example.com');
});

test('@sentry/browser streams a page load as spans: one row with its vitals and LCP element', async () => {
  const { page } = e2e.browser;
  const spans = [];
  page.on('request', (r) => {
    if (r.url().includes('/envelope/') && /"type":"span"/.test(r.postData() || '')) spans.push(r.postData());
  });
  await page.goto(`${e2e.pages.url}/e2e/pages/sentry-tracing.html`);
  await page.waitForFunction(() => window.Sentry && Sentry.getClient());
  // The page-load span ends when the page goes idle; then an interaction for INP.
  await waitFor('the page-load span envelope', () => spans.some((b) => b.includes('"sentry.op":{"value":"pageload"')));
  await page.click('#slow');
  await page.waitForTimeout(300);
  // Hiding the page makes the SDK report LCP, CLS and INP (each a span of its own).
  await page.goto('about:blank');
  await waitFor('the LCP span envelope', () => spans.some((b) => b.includes('ui.webvital.lcp')));
  assert.ok(spans.length >= 2, `the page load came in ${spans.length} envelopes`);
  const version = JSON.parse(spans[0].split('\n')[0]).sdk.version;

  const [row] = await waitFor('the joined page-load row', async () => {
    const r = await e2e.stack.ch(`SELECT * FROM transactions WHERE project_id = ${e2e.stack.projectId} AND lcp IS NOT NULL`);
    return r.length > 0 && r;
  });
  assert.equal(row.op, 'pageload');
  assert.equal(row.name, '/e2e/pages/sentry-tracing.html', 'the URL path, not the span name "Pageload"');
  assert.equal(row.release, 'sentry-tracing@2.0.0');
  assert.equal(row.environment, 'e2e');
  assert.equal(row.sdk_name, 'sentry.javascript.browser');
  assert.equal(row.sdk_version, version);
  assert.match(row.browser, /Chrome/);
  assert.ok(row.lcp > 0 && row.fcp > 0 && row.ttfb > 0, JSON.stringify(row));
  assert.ok(row.cls !== null, 'CLS came in its own span');
  assert.equal(row.lcp_element, 'body > h1#hero-title.hero');
  const count = await e2e.stack.ch(`SELECT count() AS n FROM transactions WHERE project_id = ${e2e.stack.projectId}`);
  assert.equal(Number(count[0].n), 1, 'one page load, not one row per envelope');
  console.log(`# @sentry/browser ${version}: page load in ${spans.length} envelopes; lcp ${row.lcp} ms (${row.lcp_element}), inp ${row.inp} (${row.inp_target})`);

  // The performance page's data: the page in the per-page table, its LCP element in the attribution.
  const perf = await waitFor('the page on the performance API', async () => {
    const p = await (await api(`/api/v1/projects/${e2e.stack.projectId}/performance?period=24h`)).json();
    return p.pages.length > 0 && p;
  });
  assert.equal(perf.pages[0].name, '/e2e/pages/sentry-tracing.html');
  assert.equal(perf.pages[0].lcp, perf.vitals.find((v) => v.name === 'lcp').p75);
  const blamed = await (await api(`/api/v1/projects/${e2e.stack.projectId}/performance/attribution?page=${encodeURIComponent(row.name)}`)).json();
  assert.deepEqual(blamed.lcp.map((a) => [a.selector, a.samples]), [['body > h1#hero-title.hero', 1]]);
});
