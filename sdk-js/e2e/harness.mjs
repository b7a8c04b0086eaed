// The e2e harness: the real `sightline` binary on a fresh Postgres database and
// ClickHouse database, a static server for the pages on another origin (as in
// production: the site and the collector differ), and Debian's Chromium driven
// by playwright-core. Everything is asserted on rows in ClickHouse/Postgres.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startStaticServer } from '../examples/vanilla/serve.mjs';

const SDK = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(SDK, '..');
export const TMP = join(SDK, '.tmp');

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
    await new Promise((r) => setTimeout(r, 200));
  }
}

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

function psql(url, sql) {
  return execFileSync('psql', ['-X', '-w', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8' }).trim();
}

/**
 * Starts Sightline on fresh databases with two projects: `e2e`, and
 * `ratelimited` whose key allows one event per minute. Returns handles to
 * query the databases and to stop and restart the server on the same port.
 */
export async function startSightline() {
  const hex = randomUUID().replace(/-/g, '');
  const pgDb = `sightline_test_${hex}`;
  const chDb = `sightline_sdk_${hex}`;
  psql(PG_ADMIN, `CREATE DATABASE "${pgDb}"`);
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = `/${pgDb}`;
  const port = await freePort();
  const spool = mkdtempSync(join(tmpdir(), 'sl-spool-'));
  mkdirSync(TMP, { recursive: true });
  const env = {
    ...process.env,
    SIGHTLINE_DATABASE_URL: dbUrl.toString(),
    SIGHTLINE_CLICKHOUSE_URL: CH_URL,
    SIGHTLINE_CLICKHOUSE_DATABASE: chDb,
    SIGHTLINE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    SIGHTLINE_LISTEN: `127.0.0.1:${port}`,
    SIGHTLINE_FLUSH_INTERVAL_MS: '100',
    SIGHTLINE_ISSUE_FLUSH_MS: '100',
    SIGHTLINE_KEY_REFRESH_SECS: '1',
    SIGHTLINE_SPOOL_DIR: spool,
    RUST_LOG: process.env.RUST_LOG || 'warn',
  };
  const cli = (...args) => execFileSync(BIN, args, { env, encoding: 'utf8' }).trim().split('\n').pop();
  cli('migrate');
  const dsn = cli('project', 'create', 'e2e');
  const limitedDsn = cli('project', 'create', 'ratelimited');
  const projectId = Number(dsn.split('/').pop());
  const limitedProjectId = Number(limitedDsn.split('/').pop());
  psql(dbUrl.toString(), `UPDATE project_keys SET rate_limit_per_minute = 1 WHERE project_id = ${limitedProjectId}`);

  const logPath = join(TMP, `sightline-${port}.log`);
  let proc;
  const startServer = async () => {
    proc = spawn(BIN, ['serve'], { env, stdio: ['ignore', openSync(logPath, 'a'), openSync(logPath, 'a')] });
    const p = proc;
    await waitFor('sightline /readyz', async () => {
      if (p.exitCode !== null) throw new Error(`sightline exited with ${p.exitCode}; see ${logPath}`);
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
    });
  };
  const stopServer = async () => {
    if (!proc || proc.exitCode !== null) return;
    const p = proc;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  };
  await startServer();

  /** Runs a SELECT on the run's ClickHouse database; returns the rows as objects. */
  const ch = async (sql) => {
    const res = await fetch(`${CH_URL}/?database=${chDb}`, { method: 'POST', body: `${sql} FORMAT JSONEachRow` });
    const text = await res.text();
    if (!res.ok) throw new Error(`ClickHouse: ${text}`);
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
  const pg = (sql) => psql(dbUrl.toString(), sql);
  const close = async () => {
    await stopServer();
    try {
      await fetch(CH_URL, { method: 'POST', body: `DROP DATABASE IF EXISTS ${chDb}` });
      psql(PG_ADMIN, `DROP DATABASE IF EXISTS "${pgDb}"`);
    } catch (e) {
      console.error('cleanup failed:', e.message);
    }
    rmSync(spool, { recursive: true, force: true });
  };
  return { dsn, limitedDsn, projectId, limitedProjectId, port, ch, pg, startServer, stopServer, close, logPath };
}

/** Chromium's flags on these machines (DESIGN.md, "Machine facts"). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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
