// A project's allowed origins, enforced on what Chromium really sends: the
// pages server is one origin when reached as 127.0.0.1 and another as
// localhost, so one page is allowed and the same page elsewhere is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSightline, waitFor } from './harness.mjs';

const e2e = useSightline(async ({ stack, pages }) => {
  const allowed = new URL(pages.url).host; // 127.0.0.1:<port>, without a scheme, as Sentry accepts
  // The key cache hears of the change through NOTIFY; wait until ingest applies it.
  stack.pg(`UPDATE projects SET allowed_origins = ARRAY['*.shop.example', '${allowed}'] WHERE id = ${stack.projectId}`);
  await waitFor('the origin list to reach ingest', async () => {
    const r = await fetch(`${stack.origin}/api/${stack.projectId}/store/?sentry_key=${key()}`, {
      method: 'POST',
      headers: { origin: 'https://elsewhere.example' },
      body: '{"message":"probe"}',
    });
    return r.status === 403;
  });
});

function key() {
  return new URL(e2e.stack.dsn).username;
}

/** POSTs an event from inside the page, as a browser SDK would; resolves to what JS may read. */
function postFromPage(page, message) {
  const url = `${e2e.stack.origin}/api/${e2e.stack.projectId}/envelope/?sentry_key=${key()}&sentry_version=7`;
  const body = `{}\n{"type":"event"}\n${JSON.stringify({ message, level: 'error' })}\n`;
  return page.evaluate(
    async ({ url, body }) => {
      const r = await fetch(url, { method: 'POST', body });
      return { status: r.status, error: r.headers.get('x-sentry-error') };
    },
    { url, body },
  );
}

async function storedMessages(message) {
  const rows = await e2e.stack.ch(`SELECT count() AS n FROM events WHERE project_id = ${e2e.stack.projectId} AND message = '${message}'`);
  return Number(rows[0].n);
}

test('a page on an allowed origin reports, the same page on another origin gets 403', async () => {
  const { page } = e2e.browser;
  await page.goto(`${e2e.pages.url}/e2e/pages/minimal.html?run=allowed`);
  const ok = await postFromPage(page, 'from the allowed origin');
  assert.deepEqual(ok, { status: 200, error: null });
  await waitFor('the allowed event in ClickHouse', async () => (await storedMessages('from the allowed origin')) === 1);

  // The same server reached as localhost is a different origin to the browser.
  const elsewhere = e2e.pages.url.replace('127.0.0.1', 'localhost');
  await page.goto(`${elsewhere}/e2e/pages/minimal.html?run=refused`);
  const refused = await postFromPage(page, 'from a refused origin');
  assert.equal(refused.status, 403);
  // CORS headers are on the refusal too, so the page (and the SDK) can read why.
  assert.match(refused.error, /invalid origin: http:\/\/localhost:\d+/);

  // The SDK's own transport is refused the same way.
  const sdkAnswer = page.waitForResponse((r) => r.url().includes('/envelope/'));
  await page.click('#boom');
  assert.equal((await sdkAnswer).status(), 403);

  // Nothing from the refused origin was stored, while the allowed one was.
  await page.goto(`${e2e.pages.url}/e2e/pages/minimal.html?run=allowed-again`);
  assert.equal((await postFromPage(page, 'after the refusal')).status, 200);
  await waitFor('the later allowed event', async () => (await storedMessages('after the refusal')) === 1);
  assert.equal(await storedMessages('from a refused origin'), 0);
  const sdkRows = await e2e.stack.ch(
    `SELECT count() AS n FROM events WHERE project_id = ${e2e.stack.projectId} AND has(tags_value, 'refused')`,
  );
  assert.equal(Number(sdkRows[0].n), 0);
});

test('requests without Origin or Referer (server-side SDKs) still pass the list', async () => {
  const r = await fetch(`${e2e.stack.origin}/api/${e2e.stack.projectId}/store/?sentry_key=${key()}`, {
    method: 'POST',
    body: JSON.stringify({ message: 'from a server' }),
  });
  assert.equal(r.status, 200);
  await waitFor('the server-side event', async () => (await storedMessages('from a server')) === 1);
});
