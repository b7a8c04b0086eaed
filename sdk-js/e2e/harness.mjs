// The e2e harness: the real `sightline` binary on a fresh Postgres database and
// ClickHouse database, a static server for the pages on another origin (as in
// production: the site and the collector differ), and Debian's Chromium driven
// by playwright-core. Everything is asserted on rows in ClickHouse/Postgres.
import { join, dirname, resolve } from 'node:path';
import { after, afterEach, before, beforeEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { startStaticServer } from '../examples/vanilla/serve.mjs';
import { CHROMIUM, CHROMIUM_ARGS, startServer } from '../../scripts/lib/e2e-server.mjs';

export { freePort, waitFor } from '../../scripts/lib/e2e-server.mjs';

const SDK = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TMP = join(SDK, '.tmp');

/**
 * Resolves when `page` has had an envelope holding an event accepted (200).
 * Only an event counts: @sentry/browser also sends a session envelope at
 * start-up, and a test that navigated on that answer would abort the event.
 */
export function eventAccepted(page) {
  return page.waitForResponse(
    (r) => r.url().includes('/envelope/') && r.status() === 200 && /"type":"event"/.test(r.request().postData() || ''),
  );
}

/**
 * Starts Sightline on fresh databases with two projects: `e2e`, and
 * `ratelimited` whose key allows one event per minute. Returns handles to
 * query the databases and to stop and restart the server on the same port.
 */
export async function startSightline() {
  const projects = {};
  const stack = await startServer({
    name: 'sdk',
    tmp: TMP,
    beforeServe: (cli, pg) => {
      projects.dsn = cli('project', 'create', 'e2e');
      projects.limitedDsn = cli('project', 'create', 'ratelimited');
      projects.projectId = Number(projects.dsn.split('/').pop());
      projects.limitedProjectId = Number(projects.limitedDsn.split('/').pop());
      pg(`UPDATE project_keys SET rate_limit_per_minute = 1 WHERE project_id = ${projects.limitedProjectId}`);
    },
  });
  return { ...stack, ...projects };
}

/**
 * Starts Debian's Chromium once (per test file). `open()` gives each test its
 * own browser context: a fresh, empty profile whose IndexedDB lives as long as
 * the context, so it survives navigations and reloads within a test, and no
 * test sees the queue another test left behind.
 */
export async function launchBrowser() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return {
    browser,
    /** Opens a fresh context with one page; `close()` discards it with its storage. */
    open: async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e));
      return {
        context,
        page,
        /** Uncaught errors the pages reported, for tests that expect them. */
        errors,
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

/**
 * Registers a test file's set-up: before all its tests, Sightline
 * (`startSightline`), the pages server and Chromium; around each test, a
 * fresh browser context (`launchBrowser().open()`). Returns the object whose
 * `stack`, `pages` and `browser` the tests use once the hooks have run.
 * `prepare(e2e)` runs last in the same hook: set-up that needs the server
 * goes there, since node:test does not wait for one root `before` hook to
 * finish before starting the next.
 */
export function useSightline(prepare = async () => {}) {
  const e2e = { stack: undefined, pages: undefined, browser: undefined };
  let chromium;
  before(async () => {
    e2e.stack = await startSightline();
    e2e.pages = await startPages(e2e.stack.dsn);
    chromium = await launchBrowser();
    await prepare(e2e);
  });
  beforeEach(async () => {
    e2e.browser = await chromium.open();
  });
  afterEach(async () => {
    await e2e.browser?.close();
  });
  after(async () => {
    await chromium?.close();
    await e2e.pages?.close();
    await e2e.stack?.close();
  });
  return e2e;
}

/** Bundles npm's @sentry/browser as .tmp/sentry-browser.js, which sets `window.Sentry`. */
export function buildSentryBrowser() {
  return build({
    stdin: { contents: "import * as Sentry from '@sentry/browser'; window.Sentry = Sentry;", resolveDir: SDK },
    bundle: true,
    format: 'iife',
    outfile: join(TMP, 'sentry-browser.js'),
    logLevel: 'warning',
  });
}

/** Starts the static server for sdk-js/ (examples, e2e pages, dist) with `dsn` in /config.js. */
export function startPages(dsn) {
  return startStaticServer({ dsn });
}

/** Counts the envelopes waiting in the page's IndexedDB retry queue. */
export function queuedCount(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open('sightline');
        // No database yet: do not create one (the SDK would then have to
        // upgrade it), abort the creation and count nothing.
        req.onupgradeneeded = () => req.transaction.abort();
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('envelopes')) return (db.close(), resolve(0));
          const count = db.transaction('envelopes').objectStore('envelopes').count();
          count.onsuccess = () => (db.close(), resolve(count.result));
          count.onerror = () => (db.close(), reject(count.error));
        };
        req.onerror = () => (req.error?.name === 'AbortError' ? resolve(0) : reject(req.error));
      }),
  );
}

/**
 * Lists the events (not envelopes: one envelope may batch several) waiting in
 * the page's IndexedDB retry queue, each as its exception type or message.
 * Transactions are left out.
 */
export function queuedReports(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open('sightline');
        req.onupgradeneeded = () => req.transaction.abort(); // as in queuedCount
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('envelopes')) return (db.close(), resolve([]));
          const all = db.transaction('envelopes').objectStore('envelopes').getAll();
          all.onsuccess = () => {
            db.close();
            const reports = [];
            for (const { body } of all.result) {
              // An envelope is a header line, then an item header line and a payload line per item.
              const lines = body.split('\n');
              for (let i = 1; i + 1 < lines.length; i += 2) {
                if (JSON.parse(lines[i]).type !== 'event') continue;
                const event = JSON.parse(lines[i + 1]);
                reports.push(event.exception?.values?.[0]?.type || event.message);
              }
            }
            resolve(reports);
          };
          all.onerror = () => (db.close(), reject(all.error));
        };
        req.onerror = () => (req.error?.name === 'AbortError' ? resolve([]) : reject(req.error));
      }),
  );
}

/** Returns the value of tag `key` in a ClickHouse row's tags_key/tags_value columns. */
export function tag(row, key) {
  const i = row.tags_key.indexOf(key);
  return i < 0 ? undefined : row.tags_value[i];
}

/**
 * Registers `email` through the API, makes it a member of the `e2e` project's
 * team, and returns `api(path)`: a GET as that user that asserts a 200.
 */
export async function memberApi(stack, email) {
  const base = `http://127.0.0.1:${stack.port}`;
  const headers = { 'content-type': 'application/json', origin: base };
  const reg = await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers, body: JSON.stringify({ email, password: 'correct horse' }) });
  if (reg.status !== 201) throw new Error(`register ${email}: ${reg.status} ${await reg.text()}`);
  const cookie = reg.headers.get('set-cookie').split(';')[0];
  const me = await reg.json();
  stack.pg(`INSERT INTO memberships (team_id, user_id, role) SELECT team_id, ${me.user.id}, 'member' FROM projects WHERE id = ${stack.projectId}`);
  return async (path) => {
    const res = await fetch(`${base}${path}`, { headers: { cookie } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res;
  };
}
