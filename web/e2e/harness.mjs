// The dashboard's e2e harness: the real `sightline serve` (serving the built
// dashboard from web/dist) on a fresh Postgres database and ClickHouse
// database, Debian's Chromium driven by playwright-core, and helpers to send
// envelopes to a DSN over HTTP and to save screenshots under
// web/test-artifacts/ (git-ignored).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, startServer } from '../../scripts/lib/e2e-server.mjs';

export { freePort, waitFor } from '../../scripts/lib/e2e-server.mjs';

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TMP = join(WEB, '.tmp');
export const ARTIFACTS = join(WEB, 'test-artifacts');
const AXE = join(WEB, 'node_modules/axe-core/axe.min.js');

/** Starts Sightline on fresh, empty databases (no user, no project); `env` adds settings. */
export function startSightline(env = {}) {
  return startServer({ name: 'web', tmp: TMP, env: { SIGHTLINE_BCRYPT_COST: '4', ...env } });
}

/** Starts Debian's Chromium (never a downloaded browser) with a 1280 px wide page. */
export async function launchBrowser() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(new Error(m.text()));
  });
  return { browser, context, page, errors, close: () => browser.close() };
}

/**
 * Saves a full-page screenshot as web/test-artifacts/<name>.png, then fails
 * if axe-core finds a WCAG A/AA violation on the page (labels, contrast,
 * keyboard access…): every page a test photographs is also checked.
 */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const found = await accessibilityViolations(page);
  assert.deepEqual(found, [], `${name}: accessibility violations:\n  ${found.join('\n  ')}`);
}

/**
 * Runs axe-core's WCAG 2.1 A and AA rules on the page as it is now; returns
 * one line per violation (rule, impact, the elements and what to fix).
 */
export async function accessibilityViolations(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`) }));
  });
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).join('\n    ')}`);
}

/** Splits a DSN into the envelope URL and its parts. */
export function parseDsn(dsn) {
  const u = new URL(dsn);
  const projectId = u.pathname.replace(/\//g, '');
  return { key: u.username, projectId, url: `${u.protocol}//${u.host}/api/${projectId}/envelope/?sentry_key=${u.username}&sentry_version=7` };
}

/** POSTs one envelope with one item to the DSN; returns the HTTP status. */
export async function sendEnvelope(dsn, type, payload) {
  const { url } = parseDsn(dsn);
  const body = `${JSON.stringify({ event_id: payload.event_id, dsn, sent_at: new Date().toISOString() })}\n${JSON.stringify({ type })}\n${JSON.stringify(payload)}\n`;
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-sentry-envelope' } });
  return res.status;
}

const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** Returns a browser error event like the SDKs send, with two frames and two breadcrumbs, dated `at` (epoch ms). */
export function errorEvent({ message, fn, user = 'u-1', environment = 'production', at = Date.now() }) {
  const now = at / 1000;
  return {
    event_id: randomUUID().replace(/-/g, ''),
    timestamp: now,
    platform: 'javascript',
    level: 'error',
    release: 'shop@1.4.2',
    environment,
    exception: {
      values: [{
        type: 'TypeError',
        value: message,
        mechanism: { type: 'onerror', handled: false },
        stacktrace: {
          frames: [
            { filename: 'https://cdn.example.com/vendor.8f3a2c1d.js', function: 'callHandler', lineno: 1, colno: 3341, in_app: false },
            { filename: 'https://shop.example.com/assets/app.3b9c0e7a.js', function: fn, lineno: 42, colno: 17, in_app: true },
          ],
        },
      }],
    },
    breadcrumbs: {
      values: [
        { timestamp: now - 5, category: 'fetch', type: 'http', data: { method: 'POST', url: '/api/cart', status_code: 500 } },
        { timestamp: now - 1, category: 'ui.click', message: 'button#checkout' },
      ],
    },
    request: { url: 'https://shop.example.com/checkout?step=2', headers: { 'User-Agent': CHROME_UA } },
    user: { id: user },
    tags: { plan: 'pro' },
    sdk: { name: 'sentry.javascript.browser', version: '8.40.0' },
  };
}

/** Returns a page-load transaction with the five Web Vitals. */
export function pageLoad({ route, lcp, fcp, cls, inp, ttfb }) {
  const now = Date.now() / 1000;
  return {
    type: 'transaction',
    event_id: randomUUID().replace(/-/g, ''),
    transaction: route,
    start_timestamp: now - 2,
    timestamp: now,
    platform: 'javascript',
    environment: 'production',
    contexts: { trace: { op: 'pageload', trace_id: randomUUID().replace(/-/g, ''), span_id: randomUUID().replace(/-/g, '').slice(0, 16) } },
    measurements: {
      lcp: { value: lcp, unit: 'millisecond' },
      fcp: { value: fcp, unit: 'millisecond' },
      cls: { value: cls, unit: '' },
      inp: { value: inp, unit: 'millisecond' },
      ttfb: { value: ttfb, unit: 'millisecond' },
    },
    request: { url: `https://shop.example.com${route}`, headers: { 'User-Agent': CHROME_UA } },
    sdk: { name: 'sentry.javascript.browser', version: '8.40.0' },
  };
}

/** Signs a new user up through the pages; resolves once their projects page shows. */
export async function signUp(page, origin, email, password = 'correct horse battery') {
  await page.goto(`${origin}/signup`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
}
