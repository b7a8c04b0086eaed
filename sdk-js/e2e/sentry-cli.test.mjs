// Sentry's own build tools against Sightline, unchanged: the real sentry-cli 3
// from npm (its binary ships in @sentry/cli-linux-x64; nothing is downloaded)
// runs `sourcemaps inject` and `sourcemaps upload` (chunk upload + artifact
// bundle) on an esbuild build of the buggy shop, and @sentry/vite-plugin
// builds a small Vite app of the same shop (creating the release, uploading
// its maps, recording a deploy). Each bundle then throws in Chromium under
// @sentry/browser, and the stored frames are the original ones. Uploading the
// same bundle twice sends no chunk the second time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { SentryCli } from '@sentry/cli';
import { buildSentryBrowser, eventAccepted, TMP, useSightline, waitFor } from './harness.mjs';

const FIXTURES = resolve(import.meta.dirname, '../../server/tests/fixtures/sourcemaps');
const { bundle } = await import(join(FIXTURES, 'build.mjs'));
const OUT = join(TMP, 'cli');
const SENTRY_CLI = SentryCli.getPath();

let token;
let reader;
let org;
let base;

/** Runs the real sentry-cli against the server; returns its output (stdout and stderr). */
function sentryCli(args) {
  const env = {
    ...process.env,
    HOME: join(OUT, 'home'),
    SENTRY_URL: base,
    SENTRY_AUTH_TOKEN: token,
    SENTRY_ORG: org,
    SENTRY_PROJECT: 'e2e',
    SENTRY_DISABLE_UPDATE_CHECK: 'true',
  };
  const run = spawnSync(SENTRY_CLI, args, { env, encoding: 'utf8' });
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, `sentry-cli ${args.join(' ')} failed:\n${output}`);
  return output;
}

async function throwFrom(url) {
  const { page } = e2e.browser;
  await page.goto(url);
  const sent = eventAccepted(page);
  await page.click('#boom');
  await sent;
}

/** Waits for an event of `release`; returns it with parsed frames. */
async function eventOf(release) {
  return waitFor(`an event of ${release}`, async () => {
    const rows = await e2e.stack.ch(`SELECT fingerprint, frames FROM events WHERE project_id = ${e2e.stack.projectId} AND release = '${release}'`);
    return rows.length > 0 && { ...rows[0], frames: JSON.parse(rows[0].frames) };
  });
}

/** The innermost frame is cartTotal in src/cart.ts line 12, its caller checkout in src/checkout.ts. */
function assertOriginal(row) {
  const top = row.frames[row.frames.length - 1];
  assert.ok(top.filename.endsWith('src/cart.ts'), JSON.stringify(top));
  assert.equal(top.lineno, 12);
  assert.equal(top.function, 'cartTotal');
  assert.match(top.context_line, /throw new Error\(`cart total is negative/);
  assert.ok(top.raw, 'the minified frame is kept');
  const caller = row.frames[row.frames.length - 2];
  assert.ok(caller.filename.endsWith('src/checkout.ts'), JSON.stringify(caller));
  assert.equal(caller.function, 'checkout');
}

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, 'home'), { recursive: true });
  await buildSentryBrowser();
});
const e2e = useSightline(async ({ stack }) => {
  // A user of the project's team with a `project:releases` token, made through the API.
  base = `http://127.0.0.1:${stack.port}`;
  const headers = { 'content-type': 'application/json', origin: base };
  const reg = await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers, body: JSON.stringify({ email: 'ci@example.com', password: 'correct horse' }) });
  assert.equal(reg.status, 201);
  const cookie = reg.headers.get('set-cookie').split(';')[0];
  const me = await reg.json();
  stack.pg(`INSERT INTO memberships (team_id, user_id, role) SELECT team_id, ${me.user.id}, 'admin' FROM projects WHERE id = ${stack.projectId}`);
  const created = await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { ...headers, cookie }, body: JSON.stringify({ name: 'ci', scopes: ['project:releases'] }) });
  assert.equal(created.status, 201);
  token = (await created.json()).secret;
  const read = await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { ...headers, cookie }, body: JSON.stringify({ name: 'dashboard', scopes: ['read'] }) });
  reader = (await read.json()).secret;
  org = stack.pg(`SELECT t.slug FROM teams t JOIN projects p ON p.team_id = t.id WHERE p.id = ${stack.projectId}`).trim();
});

test('sentry-cli 3 injects and uploads a build; @sentry/browser errors show original frames; a second upload sends no chunk', async () => {
  const dir = join(OUT, 'static');
  mkdirSync(dir, { recursive: true });
  const built = bundle('a');
  const name = `app.${createHash('sha256').update(built.js).digest('hex').slice(0, 8)}.js`;
  writeFileSync(join(dir, name), built.js.replace('//# sourceMappingURL=app.js.map', `//# sourceMappingURL=${name}.map`));
  writeFileSync(join(dir, `${name}.map`), JSON.stringify({ ...JSON.parse(built.map), file: name }));

  sentryCli(['sourcemaps', 'inject', dir]);
  const debugId = /\/\/# debugId=([0-9a-f-]{36})/.exec(readFileSync(join(dir, name), 'utf8'))?.[1];
  assert.ok(debugId, 'sentry-cli wrote its debug ID into the bundle');

  const first = sentryCli(['sourcemaps', 'upload', '--release', 'cli@1', '--url-prefix', '~/.tmp/cli/static', dir]);
  assert.match(first, /Uploaded files to Sentry/, first);
  assert.match(first, /File processing complete/, first);
  const stored = e2e.stack.pg(`SELECT count(*) || '|' || count(DISTINCT debug_id) || '|' || min(debug_id::text) FROM sourcemap_artifacts WHERE project_id = ${e2e.stack.projectId} AND release = 'cli@1'`);
  assert.equal(stored.trim(), `2|1|${debugId}`, 'the minified file and its map, under the injected debug ID');

  // The same bundle again: the server has it, the CLI uploads nothing.
  const second = sentryCli(['sourcemaps', 'upload', '--release', 'cli@1', '--url-prefix', '~/.tmp/cli/static', dir]);
  assert.match(second, /Nothing to upload, all files are on the server/, second);
  assert.doesNotMatch(second, /Uploaded files to Sentry/);
  assert.equal(e2e.stack.pg('SELECT count(*) FROM upload_chunks').trim(), '0');

  const page = `<!doctype html><html><head><meta charset="utf-8"><script src="/config.js"></script>
<script src="/.tmp/sentry-browser.js"></script><script>Sentry.init({ dsn: window.SIGHTLINE_DSN, release: 'cli@1' });</script>
<script src="static/${name}"></script></head><body><button id="boom" onclick="setTimeout(shop.run)">boom</button></body></html>`;
  writeFileSync(join(OUT, 'cli.html'), page);
  await throwFrom(`${e2e.pages.url}/.tmp/cli/cli.html`);
  assertOriginal(await eventOf('cli@1'));
});

test('@sentry/vite-plugin creates the release, uploads a Vite build and records a deploy', async () => {
  const root = join(OUT, 'vite');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><script src="/config.js"></script>
<script type="module" src="./main.js"></script></head><body><button id="boom">boom</button></body></html>`);
  writeFileSync(join(root, 'main.js'), `import * as Sentry from '@sentry/browser';
import { run } from ${JSON.stringify(join(FIXTURES, 'src/main.ts'))};
Sentry.init({ dsn: window.SIGHTLINE_DSN, release: 'vite@1' });
document.getElementById('boom').addEventListener('click', () => setTimeout(run));
`);
  const { build } = await import('vite');
  const { sentryVitePlugin } = await import('@sentry/vite-plugin');
  const previousHome = process.env.HOME;
  process.env.HOME = join(OUT, 'home');
  try {
    await build({
      root,
      base: './',
      logLevel: 'warn',
      configFile: false,
      define: { ANALYTICS: 'false' },
      build: { outDir: join(root, 'dist'), emptyOutDir: true, sourcemap: true, minify: true },
      plugins: [
        sentryVitePlugin({
          url: base,
          org,
          project: 'e2e',
          authToken: token,
          telemetry: false,
          release: { name: 'vite@1', deploy: { env: 'production' } },
          sourcemaps: { filesToDeleteAfterUpload: [] },
          // Fail the build (and the test) on any refused request; the server logs why.
          errorHandler: (e) => {
            throw e;
          },
        }),
      ],
    });
  } finally {
    process.env.HOME = previousHome;
  }
  const stored = e2e.stack.pg(`SELECT count(*) FILTER (WHERE kind = 'sourcemap') || '|' || count(DISTINCT debug_id) FROM sourcemap_artifacts WHERE project_id = ${e2e.stack.projectId} AND release = 'vite@1'`);
  assert.match(stored.trim(), /^[1-9]\d*\|[1-9]\d*$/, `maps with debug IDs stored: ${stored}`);

  await throwFrom(`${e2e.pages.url}/.tmp/cli/vite/dist/index.html`);
  assertOriginal(await eventOf('vite@1'));

  // The Releases API lists what the plugin announced, with the event and the deploy.
  const cookieless = { authorization: `Bearer ${reader}` };
  const releases = await waitFor('vite@1 with its event', async () => {
    const res = await fetch(`${base}/api/v1/projects/${e2e.stack.projectId}/releases`, { headers: cookieless });
    const list = await res.json();
    const r = Array.isArray(list) && list.find((x) => x.version === 'vite@1');
    return r && r.events >= 1 && r;
  });
  assert.ok(releases.created_at, 'created by the plugin');
  assert.ok(releases.artifacts >= 2, JSON.stringify(releases));
  assert.equal(releases.deploys, 1);
  assert.equal(releases.last_deploy_environment, 'production');
  assert.equal(releases.new_issues, 1);
});
