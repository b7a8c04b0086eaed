// Source maps end to end: a real esbuild bundle of a buggy shop
// (server/tests/fixtures/sourcemaps/src), minified with source maps, built
// now in two different builds, each with and without debug IDs injected the
// way `sentry-cli sourcemaps inject` does; thrown from in Chromium under our
// SDK and under @sentry/browser; maps uploaded with `sightline sourcemaps
// upload`; the stored frames show the original file, line and function, and
// both builds of the bug make one issue.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { BIN } from '../../scripts/lib/e2e-server.mjs';
import { buildSentryBrowser, eventAccepted, TMP, useSightline, waitFor } from './harness.mjs';

const FIXTURES = resolve(import.meta.dirname, '../../server/tests/fixtures/sourcemaps');
const { bundle, inject } = await import(join(FIXTURES, 'build.mjs'));
const OUT = join(TMP, 'sm');

let token;

/** Builds `main-<variant>.ts` into .tmp/sm/<dir>/static/, with a debug ID if asked; returns the file name. */
function makeBuild(variant, withId, dir) {
  const built = bundle(variant);
  const name = `app.${createHash('sha256').update(built.js).digest('hex').slice(0, 8)}.js`;
  let js = built.js.replace('//# sourceMappingURL=app.js.map', `//# sourceMappingURL=${name}.map`);
  let map = JSON.stringify({ ...JSON.parse(built.map), file: name });
  if (withId) ({ code: js, map } = inject(js, map));
  const folder = join(OUT, dir, 'static');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, name), js);
  writeFileSync(join(folder, `${name}.map`), map);
  return name;
}

/**
 * Writes a page that loads an SDK, then the bundle, and throws from it on #boom
 * (no frame of the page itself: its URL differs between the two builds).
 */
function makePage(dir, file, sdk, release) {
  const init =
    sdk === 'sentry'
      ? `<script src="/.tmp/sentry-browser.js"></script><script>Sentry.init({ dsn: window.SIGHTLINE_DSN, release: '${release}' });</script>`
      : `<script src="/dist/sightline.min.js"></script><script>Sightline.init({ dsn: window.SIGHTLINE_DSN, release: '${release}', vitals: false, longTaskThreshold: false, jank: false, whiteScreen: false, batchDelayMs: 0 });</script>`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><script src="/config.js"></script>${init}
<script src="static/${file}"></script></head>
<body><button id="boom" onclick="setTimeout(shop.run)">boom</button></body></html>`;
  writeFileSync(join(OUT, dir, `${sdk}.html`), html);
  return `${e2e.pages.url}/.tmp/sm/${dir}/${sdk}.html`;
}

function upload(dir, release) {
  return execFileSync(
    BIN,
    ['sourcemaps', 'upload', '--url', `http://127.0.0.1:${e2e.stack.port}`, '--token', token, '--project', String(e2e.stack.projectId), '--release', release, '--url-prefix', `~/.tmp/sm/${dir}/static/`, join(OUT, dir, 'static')],
    { encoding: 'utf8' },
  );
}

async function throwFrom(url) {
  const { page } = e2e.browser;
  await page.goto(url);
  const sent = eventAccepted(page);
  await page.click('#boom');
  await sent;
}

/** Waits for `n` events of `release`; returns them with parsed frames. */
async function events(release, n) {
  return waitFor(`${n} events of ${release}`, async () => {
    const rows = await e2e.stack.ch(`SELECT fingerprint, frames, sdk_name FROM events WHERE project_id = ${e2e.stack.projectId} AND release = '${release}'`);
    return rows.length >= n && rows.map((r) => ({ ...r, frames: JSON.parse(r.frames) }));
  });
}

function assertOriginal(row) {
  const top = row.frames[row.frames.length - 1];
  assert.equal(top.filename, 'src/cart.ts', JSON.stringify(top));
  assert.equal(top.lineno, 12);
  assert.equal(top.function, 'cartTotal');
  assert.match(top.context_line, /throw new Error\(`cart total is negative/);
  assert.ok(top.raw && (top.raw.abs_path || top.raw.filename).includes('/static/app.'), 'the minified frame is kept');
  const caller = row.frames[row.frames.length - 2];
  assert.deepEqual([caller.filename, caller.function, caller.lineno], ['src/checkout.ts', 'checkout', 4]);
}

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await buildSentryBrowser();
});
const e2e = useSightline(async ({ stack }) => {
  // A user of the project's team with a `project:releases` token, made through the API.
  const base = `http://127.0.0.1:${stack.port}`;
  const headers = { 'content-type': 'application/json', origin: base };
  const reg = await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers, body: JSON.stringify({ email: 'ci@example.com', password: 'correct horse' }) });
  assert.equal(reg.status, 201);
  const cookie = reg.headers.get('set-cookie').split(';')[0];
  const me = await reg.json();
  stack.pg(`INSERT INTO memberships (team_id, user_id, role) SELECT team_id, ${me.user.id}, 'admin' FROM projects WHERE id = ${stack.projectId}`);
  const created = await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { ...headers, cookie }, body: JSON.stringify({ name: 'ci', scopes: ['project:releases'] }) });
  assert.equal(created.status, 201);
  token = (await created.json()).secret;
});

test('our SDK: two minified builds without debug IDs map by release and URL into one issue', async () => {
  const a = makeBuild('a', false, 'plain-a');
  const b = makeBuild('b', false, 'plain-b');
  assert.notEqual(a, b, 'two different builds');
  const printed = upload('plain-a', 'shop@1.0');
  assert.match(printed, new RegExp(`uploaded ~/.tmp/sm/plain-a/static/${a}.map \\(sourcemap`));
  upload('plain-b', 'shop@1.1');
  await throwFrom(makePage('plain-a', a, 'ours', 'shop@1.0'));
  await throwFrom(makePage('plain-b', b, 'ours', 'shop@1.1'));
  const [ra] = await events('shop@1.0', 1);
  const [rb] = await events('shop@1.1', 1);
  assertOriginal(ra);
  assertOriginal(rb);
  assert.equal(ra.fingerprint, rb.fingerprint, 'one issue for both builds');
  const issues = await waitFor('the issue', () =>
    e2e.stack.pg(`SELECT count(*) || '|' || max(culprit) FROM issues WHERE project_id = ${e2e.stack.projectId} AND fingerprint = '${ra.fingerprint}'`),
  );
  assert.equal(issues, '1|cartTotal (src/cart.ts)');
});

test('debug IDs: @sentry/browser and our SDK send them, and maps match whatever the release', async () => {
  const a = makeBuild('a', true, 'debugid-a');
  const b = makeBuild('b', true, 'debugid-b');
  // Uploaded under a release no event reports: only the debug IDs can match.
  upload('debugid-a', 'bundles');
  upload('debugid-b', 'bundles');
  await throwFrom(makePage('debugid-a', a, 'sentry', 'sentry-sm@1'));
  await throwFrom(makePage('debugid-b', b, 'sentry', 'sentry-sm@1'));
  await throwFrom(makePage('debugid-a', a, 'ours', 'ours-sm@1'));
  const sentry = await events('sentry-sm@1', 2);
  const [ours] = await events('ours-sm@1', 1);
  for (const row of [...sentry, ours]) assertOriginal(row);
  assert.equal(sentry[0].sdk_name, 'sentry.javascript.browser');
  assert.equal(sentry[0].fingerprint, sentry[1].fingerprint, 'two builds, one issue');
  assert.equal(ours.fingerprint, sentry[0].fingerprint, 'and the same issue from our SDK');
});
