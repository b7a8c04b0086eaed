// Session replay in the dashboard, in Chromium as a user sees it: a visitor
// of a shop page (served on another loopback port, so another origin, with the SDK and its
// replay add-on from the dashboard's own /sightline.min.js and
// /sightline.replay.min.js) types a card number and clicks Pay, which throws.
// The issue's event offers "Watch replay"; the player opens at the error,
// renders the recorded page in its iframe (masked, but the `unmask`ed banner
// readable), and the timeline's error marker seeks to the error. The
// Replays tab lists the recording. Each page is checked by axe-core.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, screenshot, signUp, startSightline, waitFor } from './harness.mjs';

const SECRET = '4111 2222 3333 4444';

/** The visitor's page: our SDK in buffer mode, text masked except `.public`. */
const shopPage = (origin, dsn) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="${origin}/sightline.min.js"></script>
<script src="${origin}/sightline.replay.min.js"></script>
<script>
  Sightline.init({ dsn: ${JSON.stringify(dsn)}, release: 'shop@9', vitals: false, longTaskThreshold: false, jank: false, whiteScreen: false, batchDelayMs: 0, replaysOnErrorSampleRate: 1 });
  window.replayId = Sightline.startReplay({ unmask: ['.public'], flushMs: 1000 });
  function pay() { setTimeout(() => { throw new TypeError('cart is undefined'); }); }
</script></head>
<body><h1>Private checkout heading</h1><p class="public">Public banner shown in replays</p>
<label for="card">Card</label><input id="card"><button id="pay" onclick="pay()">Pay</button></body></html>`;

describe('session replay player', () => {
  let sl;
  let b;
  let page;
  let projectId;
  let replayId;
  let issueId;
  let shop;

  before(async () => {
    sl = await startSightline();
    b = await launchBrowser();
    page = b.page;
    await signUp(page, sl.origin, 'replay@example.com');
    await page.getByLabel('Project name').fill('Shop');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Your DSN' }).waitFor();
    const dsn = await page.getByLabel('DSN').inputValue();
    projectId = new URL(dsn).pathname.replace(/\//g, '');

    // Another origin on loopback (Chromium's Private Network Access would
    // block a public-looking origin from loading the SDK off 127.0.0.1).
    shop = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(shopPage(sl.origin, dsn)));
    await new Promise((ok) => shop.listen(0, '127.0.0.1', ok));
    const visitor = await b.context.newPage();
    await visitor.goto(`http://127.0.0.1:${shop.address().port}/checkout`);
    replayId = await visitor.evaluate(() => window.replayId);
    assert.match(replayId || '', /^[0-9a-f]{32}$/);
    await visitor.locator('#card').pressSequentially(SECRET, { delay: 10 });
    await visitor.waitForTimeout(300);
    await visitor.click('#pay');
    const api = async (path) => {
      const res = await page.request.get(`${sl.origin}${path}`);
      return res.ok() ? res.json() : undefined;
    };
    const issues = await waitFor('the issue', async () => {
      const p = await api(`/api/v1/projects/${projectId}/issues?status=all&period=24h`);
      return p?.issues?.length > 0 && p.issues;
    }, 30_000);
    issueId = issues[0].id;
    await waitFor('the replay with its error', async () => {
      const d = await api(`/api/v1/projects/${projectId}/replays/${replayId}`);
      return d?.error_ids?.length > 0 && d.segments.length > 0;
    }, 30_000);
    // A second segment (1 s later) so the player also loads one while it plays.
    await visitor.waitForTimeout(2500);
    await visitor.close();
  });
  after(async () => {
    shop?.close();
    await b?.close();
    await sl?.close();
  });

  it('opens from the issue at the error and renders the recorded page', async () => {
    await page.goto(`${sl.origin}/issues/${issueId}`);
    const watch = page.getByRole('link', { name: 'Watch replay' });
    await watch.waitFor();
    assert.match(await watch.getAttribute('href'), new RegExp(`/projects/${projectId}/replays/${replayId}\\?at=\\d+`));
    await watch.click();
    const player = page.locator('.replay-player[data-state="ready"]');
    await player.waitFor({ timeout: 20_000 });

    const frame = page.frameLocator('.replay-player iframe');
    await frame.locator('.public').waitFor();
    assert.equal((await frame.locator('.public').innerText()).trim(), 'Public banner shown in replays');
    const heading = (await frame.locator('h1').innerText()).trim();
    assert.match(heading, /^[*\s]+$/, `the page's own text is masked: ${heading}`);

    // Opened at the error: the position is the error marker's.
    const marker = page.locator('.replay-timeline li.kind-error');
    await marker.waitFor();
    const errorAt = Number(await marker.getAttribute('data-offset'));
    const pos = () => player.getAttribute('data-position').then(Number);
    // (The event's stored time may be cut to the second: allow that much before it.)
    const opened = await pos();
    assert.ok(opened <= errorAt + 100 && opened >= errorAt - 1500, `opened at ${opened} ms, the error is at ${errorAt} ms`);
    await screenshot(page, 'replay');
  });

  it('seeks to the error from its timeline marker', async () => {
    const player = page.locator('.replay-player[data-state="ready"]');
    const pos = () => player.getAttribute('data-position').then(Number);
    await page.locator('.replay-scrubber').fill('0');
    assert.equal(await pos(), 0);
    const marker = page.locator('.replay-timeline li.kind-error');
    const errorAt = Number(await marker.getAttribute('data-offset'));
    assert.ok(errorAt > 0, `the error is ${errorAt} ms into the replay`);
    await marker.getByRole('button').click();
    assert.ok(Math.abs((await pos()) - errorAt) <= 100, `seeked to ${await pos()} ms, the error is at ${errorAt} ms`);
    // Played from the start, the card field fills with what was typed, masked.
    await page.locator('.replay-scrubber').fill('0');
    await page.locator('button.replay-play').click();
    const card = page.frameLocator('.replay-player iframe').locator('#card');
    await waitFor('the typing to replay', async () => (await card.inputValue()) === '*'.repeat(SECRET.length), 20_000);
    assert.match(await marker.getByRole('button').innerText(), /TypeError: cart is undefined/);
    // The timeline also has the click on Pay.
    assert.ok(await page.locator('.replay-timeline li.kind-click').count() > 0);
  });

  it('lists the replay on the Replays tab', async () => {
    await page.goto(`${sl.origin}/projects/${projectId}/issues`);
    await page.getByRole('link', { name: 'Replays' }).click();
    const row = page.locator(`tr.replay[data-replay="${replayId}"]`);
    await row.waitFor();
    assert.equal((await row.locator('td.errors').innerText()).trim(), '1');
    assert.equal((await row.locator('td.url').innerText()).trim(), '/checkout');
    await screenshot(page, 'replays');
    await row.getByRole('link').click();
    await page.locator('.replay-player[data-state="ready"]').waitFor({ timeout: 20_000 });
  });
});
