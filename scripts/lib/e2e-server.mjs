// What every browser test harness needs from the server (web/e2e and
// sdk-js/e2e build on it): the real `sightline` binary, migrated and serving
// on a free port, on a fresh Postgres database and a fresh ClickHouse
// database that `close()` drops again. Node built-ins only, so both packages
// can import it whatever their node_modules hold.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PG_ADMIN = process.env.SIGHTLINE_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const CH_URL = process.env.SIGHTLINE_TEST_CLICKHOUSE_URL || 'http://127.0.0.1:8123';
export const BIN = process.env.SIGHTLINE_BIN || join(REPO, 'target/debug/sightline');
/** Debian's Chromium (never a downloaded browser) and its flags on these machines (DESIGN.md, "Machine facts"). */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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

/** Polls `fn` every 200 ms until it returns a truthy value; throws with `what` after `ms`. */
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

/** Runs one SQL statement with psql; returns its unaligned output. */
export function psql(url, sql) {
  return execFileSync('psql', ['-X', '-w', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8' }).trim();
}

/**
 * Starts Sightline on fresh databases named after `name`, logging to
 * `<tmp>/sightline-<port>.log`. `env` adds settings; `beforeServe(cli, pg)`
 * runs after `migrate` and before `serve` (to create projects with the CLI,
 * which then need no key-cache refresh). Returns the origin and port, `cli`
 * and `pg` and `ch` to reach the databases, `stopServer`/`startServer` to
 * restart on the same port and databases, and `close` to tear it all down.
 */
export async function startServer({ name, tmp, env: extra = {}, beforeServe = () => {} }) {
  const hex = randomUUID().replace(/-/g, '');
  const pgDb = `sightline_test_${hex}`;
  const chDb = `sightline_${name}_${hex}`;
  psql(PG_ADMIN, `CREATE DATABASE "${pgDb}"`);
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = `/${pgDb}`;
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const spool = mkdtempSync(join(tmpdir(), 'sl-spool-'));
  mkdirSync(tmp, { recursive: true });
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
    SIGHTLINE_SPOOL_DIR: spool,
    RUST_LOG: process.env.RUST_LOG || 'warn',
    ...extra,
  };
  /** Runs a `sightline` subcommand; returns the last line it printed. */
  const cli = (...args) => execFileSync(BIN, args, { env, encoding: 'utf8' }).trim().split('\n').pop();
  const pg = (sql) => psql(dbUrl.toString(), sql);
  /** Runs a SELECT on the run's ClickHouse database; returns the rows as objects. */
  const ch = async (sql) => {
    const res = await fetch(`${CH_URL}/?database=${chDb}`, { method: 'POST', body: `${sql} FORMAT JSONEachRow` });
    const text = await res.text();
    if (!res.ok) throw new Error(`ClickHouse: ${text}`);
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
  cli('migrate');
  await beforeServe(cli, pg);

  const logPath = join(tmp, `sightline-${port}.log`);
  let proc;
  const start = async () => {
    const p = spawn(BIN, ['serve'], { env, stdio: ['ignore', openSync(logPath, 'a'), openSync(logPath, 'a')] });
    proc = p;
    await waitFor('sightline /readyz', async () => {
      if (p.exitCode !== null) throw new Error(`sightline exited with ${p.exitCode}; see ${logPath}`);
      return (await fetch(`${origin}/readyz`)).ok;
    });
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  };
  const close = async () => {
    await stop();
    try {
      await fetch(CH_URL, { method: 'POST', body: `DROP DATABASE IF EXISTS ${chDb}` });
      psql(PG_ADMIN, `DROP DATABASE IF EXISTS "${pgDb}"`);
    } catch (e) {
      console.error('cleanup failed:', e.message);
    }
    rmSync(spool, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (e) {
    await close();
    throw e;
  }
  return { origin, port, cli, pg, ch, startServer: start, stopServer: stop, close, logPath };
}
