// The dashboard's e2e harness: the real `sightline serve` (serving the built
// dashboard from web/dist) on a fresh Postgres database and ClickHouse
// database, Debian's Chromium driven by playwright-core, and helpers to send
// envelopes to a DSN over HTTP and to save screenshots under
// web/test-artifacts/ (git-ignored).
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(WEB, '..');
export const TMP = join(WEB, '.tmp');
export const ARTIFACTS = join(WEB, 'test-artifacts');

const PG_ADMIN = process.env.SIGHTLINE_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const CH_URL = process.env.SIGHTLINE_TEST_CLICKHOUSE_URL || 'http://127.0.0.1:8123';
const BIN = process.env.SIGHTLINE_BIN || join(REPO, 'target/debug/sightline');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Resolves to a TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Polls `fn` until it returns a truthy value; throws with `what` after `ms`. */
export async function waitFor(what, fn, ms = 20_000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function psql(url, sql) {
  return execFileSync('psql', ['-X', '-w', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8' }).trim();
}

/** Starts Sightline on fresh, empty databases (no user, no project). */
export async function startSightline() {
  const hex = randomUUID().replace(/-/g, '');
  const pgDb = `sightline_test_${hex}`;
  const chDb = `sightline_web_${hex}`;
  psql(PG_ADMIN, `CREATE DATABASE "${pgDb}"`);
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = `/${pgDb}`;
  const port = await freePort();
  const spool = mkdtempSync(join(tmpdir(), 'sl-spool-'));
  mkdirSync(TMP, { recursive: true });
  const origin = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    SIGHTLINE_DATABASE_URL: dbUrl.toString(),
    SIGHTLINE_CLICKHOUSE_URL: CH_URL,
    SIGHTLINE_CLICKHOUSE_DATABASE: chDb,
    SIGHTLINE_PUBLIC_URL: origin,
    SIGHTLINE_LISTEN: `127.0.0.1:${port}`,
    SIGHTLINE_FLUSH_INTERVAL_MS: '100',
    SIGHTLINE_ISSUE_FLUSH_MS: '100',
    SIGHTLINE_KEY_REFRESH_SECS: '1',
    SIGHTLINE_BCRYPT_COST: '4',
    SIGHTLINE_SPOOL_DIR: spool,
    RUST_LOG: process.env.RUST_LOG || 'warn',
  };
  execFileSync(BIN, ['migrate'], { env, encoding: 'utf8' });
  const logPath = join(TMP, `sightline-${port}.log`);
  const proc = spawn(BIN, ['serve'], { env, stdio: ['ignore', openSync(logPath, 'a'), openSync(logPath, 'a')] });
  await waitFor('sightline /readyz', async () => {
    if (proc.exitCode !== null) throw new Error(`sightline exited with ${proc.exitCode}; see ${logPath}`);
    return (await fetch(`${origin}/readyz`)).ok;
  });
  const close = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    try {
      await fetch(CH_URL, { method: 'POST', body: `DROP DATABASE IF EXISTS ${chDb}` });
      psql(PG_ADMIN, `DROP DATABASE IF EXISTS "${pgDb}"`);
    } catch (e) {
      console.error('cleanup failed:', e.message);
    }
    rmSync(spool, { recursive: true, force: true });
  };
  return { origin, port, close, logPath, pg: (sql) => psql(dbUrl.toString(), sql) };
}

/** Starts Debian's Chromium (never a downloaded browser) with a 1280 px wide page. */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(new Error(m.text()));
  });
  return { browser, context, page, errors, close: () => browser.close() };
}

/** Saves a full-page screenshot as web/test-artifacts/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
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

/** Returns a browser error event like the SDKs send, with two frames and two breadcrumbs. */
export function errorEvent({ message, fn, user = 'u-1', environment = 'production' }) {
  const now = Date.now() / 1000;
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
