// The dashboard end to end, as a user meets it: sign up, create a project,
// read its DSN from the page, send errors and page loads to that DSN over
// HTTP, and find them in the issue list, the issue page and the performance
// page. Real server, Postgres, ClickHouse and Chromium; the tests click and
// read text. Each step leaves a screenshot in web/test-artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { errorEvent, launchBrowser, pageLoad, screenshot, sendEnvelope, startSightline, waitFor } from './harness.mjs';

describe('dashboard', () => {
  let sl;
  let b;
  let page;
  let dsn;
  let issueUrl;
  let setupUrl;
  const email = 'ada@example.com';
  const password = 'correct horse battery';

  before(async () => {
    sl = await startSightline();
    b = await launchBrowser();
    page = b.page;
  });
  after(async () => {
    await b?.close();
    await sl?.close();
  });

  /** Reloads until `text` shows (the pages load once; events arrive later). */
  const reloadUntil = (text, ms = 20_000) =>
    waitFor(`"${text}" on ${page.url()}`, async () => {
      await page.reload();
      await page.getByText(text).first().waitFor({ timeout: 1500 });
      return true;
    }, ms);

  it('sends a logged-out visitor to log in, and signs a new user up', async () => {
    await page.goto(`${sl.origin}/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.match(page.url(), /\/login\?next=%2F$/);
    await screenshot(page, '01-login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Name').fill('Ada');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
    assert.match(page.url(), /\/teams\/\d+\/projects$/);
    await page.getByText('No projects yet').waitFor();
    assert.deepEqual(await page.getByLabel('Team').locator('option').allInnerTexts(), ["Ada's team", '+ New team…'], 'the new team is in the switcher');
    await screenshot(page, '02-projects-empty');
  });

  it('creates a project and shows its DSN and three install snippets', async () => {
    await page.getByLabel('Project name').fill('Shop');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Your DSN' }).waitFor();
    dsn = await page.getByLabel('DSN').inputValue();
    setupUrl = page.url();
    assert.match(dsn, new RegExp(`^http://[0-9a-f]{32}@127\\.0\\.0\\.1:${sl.port}/\\d+$`));
    const snippets = page.locator('.snippet');
    assert.equal(await snippets.count(), 3);
    for (const text of ['Sightline.init(', "from '@sightline/browser'", "from '@sentry/browser'"]) {
      const code = await snippets.filter({ hasText: text }).locator('code').innerText();
      assert.ok(code.includes(dsn), `${text} snippet carries the DSN`);
    }
    await screenshot(page, '03-setup');
  });

  it('tells what to paste while the project has no events', async () => {
    await page.getByRole('link', { name: 'Issues' }).click();
    await page.getByText('No events yet').waitFor();
    await page.getByText('Waiting for the first event…').waitFor();
    assert.ok((await page.locator('.empty .snippet code').innerText()).includes(dsn));
    await screenshot(page, '04-issues-empty');
  });

  it('lists errors sent to the DSN with their counts', async () => {
    const events = [
      errorEvent({ message: 'cart is undefined', fn: 'onCheckout', user: 'u-1' }),
      errorEvent({ message: 'cart is undefined', fn: 'onCheckout', user: 'u-2' }),
      errorEvent({ message: 'price is NaN', fn: 'renderTotals', user: 'u-3', environment: 'staging' }),
    ];
    // The new key reaches the ingest cache within a second.
    await waitFor('the DSN to accept events', async () => (await sendEnvelope(dsn, 'event', events[0])) === 200);
    // The empty list checks for the first event by itself: no reload.
    await page.getByRole('link', { name: 'TypeError: cart is undefined' }).waitFor({ timeout: 20_000 });
    for (const e of events.slice(1)) assert.equal(await sendEnvelope(dsn, 'event', e), 200);
    // A list on screen reloads itself (every 10 s): no reload here either.
    const reloads = [];
    const onNavigated = (f) => f === page.mainFrame() && reloads.push(f.url());
    page.on('framenavigated', onNavigated);
    await page.getByRole('link', { name: 'TypeError: price is NaN' }).waitFor({ timeout: 25_000 });
    const row = page.locator('tr.issue-row', { hasText: 'cart is undefined' });
    await waitFor('both events counted', async () => (await row.locator('.events').innerText()) === '2', 25_000);
    page.off('framenavigated', onNavigated);
    assert.deepEqual(reloads, [], 'the new issue and the new count arrived without a page load');
    assert.equal(await row.locator('.users').innerText(), '2');
    assert.equal(await row.locator('.when').innerText(), 'just now');
    assert.equal(await row.locator('svg.sparkline rect').count(), 14, 'a 14-day sparkline for the 14-day period');
    // Filters live in the URL: the environment filter keeps only staging.
    await page.getByLabel('Environment').selectOption('staging');
    await waitFor('the staging filter', async () => (await page.locator('tr.issue-row').count()) === 1);
    assert.match(page.url(), /environment=staging/);
    assert.ok(await page.getByRole('link', { name: 'TypeError: price is NaN' }).isVisible());
    await page.getByLabel('Environment').selectOption('');
    // Search only once the whole list is back, so the one row seen next is the search's.
    await waitFor('the unfiltered list', async () => (await page.locator('tr.issue-row').count()) === 2);
    await page.getByLabel('Search').fill('CART');
    await page.getByLabel('Search').press('Enter');
    await waitFor('the search', async () => (await page.locator('tr.issue-row').count()) === 1
      && page.getByRole('link', { name: 'TypeError: cart is undefined' }).isVisible());
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Search').press('Enter');
    await waitFor('the whole list', async () => (await page.locator('tr.issue-row').count()) === 2);
    await screenshot(page, '05-issues');
  });

  it('shows the issue: stack frames, breadcrumbs, tags, and event navigation', async () => {
    await page.getByRole('link', { name: 'TypeError: cart is undefined' }).click();
    await page.getByRole('heading', { name: 'TypeError: cart is undefined', level: 1 }).waitFor();
    issueUrl = page.url();
    assert.match(issueUrl, /\/issues\/\d+$/);
    const inApp = page.locator('.frame.in-app');
    assert.equal(await inApp.count(), 1);
    assert.match(await inApp.innerText(), /onCheckout\s+https:\/\/shop\.example\.com\/assets\/app\.3b9c0e7a\.js:42:17/);
    // The library frame is folded away until asked for.
    const library = page.getByText('callHandler');
    assert.equal(await library.isVisible(), false);
    await page.getByText('1 library frame').click();
    assert.equal(await library.isVisible(), true);
    await page.getByText('button#checkout').waitFor();
    assert.match(await page.locator('.breadcrumbs').innerText(), /ui\.click[\s\S]*button#checkout/);
    assert.match(await page.locator('.facts').innerText(), /Chrome/);
    assert.match(await page.locator('.side-col').innerText(), /browser[\s\S]*Chrome[\s\S]*100%/i);
    // The events chart: 14 daily bars, today's holds both events.
    const bars = page.locator('.daily-bars rect.bar');
    assert.equal(await bars.count(), 14);
    assert.equal(await page.locator('.daily-bars rect.bar:not(.zero)').count(), 1);
    await bars.last().focus();
    assert.match(await page.locator('.daily-bars .chart-readout').innerText(), /^[A-Z][a-z]{2} \d{1,2}: 2 events$/);
    await page.getByText('Event 1 of 2').waitFor();
    await page.getByRole('link', { name: '← Older' }).click();
    await page.getByText('Event 2 of 2').waitFor();
    assert.match(page.url(), /\?event=[0-9a-f]{32}$/);
    await page.getByRole('link', { name: 'Newer →' }).click();
    await page.getByText('Event 1 of 2').waitFor();
    await screenshot(page, '06-issue');
  });

  it('renders the issue page when its URL is reloaded or opened directly', async () => {
    await page.goto(issueUrl);
    await page.reload();
    await page.getByRole('heading', { name: 'TypeError: cart is undefined', level: 1 }).waitFor();
    await page.locator('.frame.in-app', { hasText: 'onCheckout' }).waitFor();
    const other = await b.context.newPage();
    await other.goto(issueUrl);
    await other.getByText('button#checkout').waitFor();
    await other.close();
  });

  it('resolves the issue, which then leaves the unresolved list', async () => {
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.locator('.badge.status-resolved').waitFor();
    await page.getByRole('button', { name: 'Unresolve' }).waitFor();
    await page.getByRole('link', { name: '← Issues' }).click();
    await page.getByRole('link', { name: 'TypeError: price is NaN' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'TypeError: cart is undefined' }).count(), 0);
    // Bulk: select the remaining issue and resolve it too.
    await page.getByLabel('Select TypeError: price is NaN').check();
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('No unresolved issues').waitFor();
    await page.getByLabel('Status').selectOption('resolved');
    await waitFor('the resolved list', async () => (await page.locator('tr.issue-row').count()) === 2);
    await screenshot(page, '07-issues-resolved');
  });

  it('shows the Web Vitals sent, per card, over time and per page', async () => {
    const products = pageLoad({ route: '/products/:id', lcp: 2300.5, fcp: 1100, cls: 0.08, inp: 180, ttfb: 320 });
    const checkout = pageLoad({ route: '/checkout', lcp: 4200, fcp: 1100, cls: 0.08, inp: 180, ttfb: 320 });
    assert.equal(await sendEnvelope(dsn, 'transaction', products), 200);
    assert.equal(await sendEnvelope(dsn, 'transaction', checkout), 200);
    await page.getByRole('link', { name: 'Performance' }).click();
    // The page is loaded on demand: the URL changes once its code is in
    // (a reload before that would abort the fetch and stay on the list).
    await page.waitForURL(/\/performance$/);
    const card = (name) => page.locator(`.vital[data-vital="${name}"]`);
    // Both page loads in every figure (a load between two of the page's
    // queries would show in some and not in others).
    await waitFor('both page loads counted', async () => {
      await page.reload();
      await page.locator('table.pages').waitFor({ timeout: 2000 });
      const counts = await page.locator('.vital .small').allInnerTexts();
      return counts.length === 5 && counts.every((c) => c.startsWith('2 samples')) && (await page.locator('table.pages tbody tr').count()) === 2;
    });
    await screenshot(page, '08-performance');
    assert.equal(await card('cls').locator('.vital-value').innerText(), '0.080');
    assert.equal(await card('inp').locator('.vital-value').innerText(), '180 ms');
    assert.equal(await card('ttfb').locator('.vital-value').innerText(), '320 ms');
    assert.equal(await card('fcp').locator('.vital-value').innerText(), '1.10 s');
    assert.match(await card('cls').innerText(), /Good[\s\S]*2 samples/);
    assert.match(await card('lcp').getAttribute('class'), /rating-(good|needs-improvement|poor)/);
    const row = (route) => page.locator('table.pages tbody tr', { hasText: route });
    assert.match(await row('/products/:id').innerText(), /2\.30 s/);
    assert.match(await row('/checkout').innerText(), /4\.20 s/);
    assert.equal(await row('/checkout').locator('td.rating-poor').count(), 1, 'LCP 4.2 s is poor');
    // The chart: a point per bucket with a tooltip.
    const dot = page.locator('.chart circle.dot').first();
    await dot.hover();
    assert.match(await page.locator('.chart-readout').innerText(), /p75 .* \(2 samples\)/);
    // Sorting by LCP, both ways.
    await page.locator('table.pages').getByRole('button', { name: 'LCP', exact: true }).click();
    assert.match(await page.locator('table.pages tbody tr').first().innerText(), /\/checkout/);
    await page.locator('table.pages').getByRole('button', { name: 'LCP', exact: true }).click();
    assert.match(await page.locator('table.pages tbody tr').first().innerText(), /\/products\/:id/);
    await screenshot(page, '08-performance');
  });

  it('copies the script-tag snippet, and a page with it pasted in reports its errors', async () => {
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: sl.origin });
    await page.goto(setupUrl);
    const script = page.locator('.snippet[data-snippet="script"]');
    await script.getByRole('button', { name: 'Copy' }).click();
    await script.getByRole('button', { name: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, await script.locator('code').innerText());
    assert.ok(copied.includes(`<script src="${sl.origin}/sightline.min.js"></script>`), copied);
    const npm = await page.locator('.snippet[data-snippet="npm"] code').innerText();
    // The user's site: a page with the snippet pasted into its head.
    const site = await b.context.newPage();
    const siteUrl = `${sl.origin}/site-with-snippet.html`;
    await site.route(siteUrl, (route) => route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><head>${copied}</head><body><h1>Shop</h1>
        <script>setTimeout(function pasteCheckout() { throw new Error('thrown under the pasted snippet'); }, 50);</script></body></html>`,
    }));
    await site.goto(siteUrl);
    await site.waitForFunction(() => typeof window.Sightline === 'object');
    await page.goto(setupUrl.replace(/\/setup$/, '/issues'));
    await reloadUntil('Error: thrown under the pasted snippet');
    await site.close();
    // The npm snippet's tarball is the SDK package.
    assert.ok(npm.includes(`npm install ${sl.origin}/sightline-browser.tgz`), npm);
    const tgz = Buffer.from(await (await fetch(`${sl.origin}/sightline-browser.tgz`)).arrayBuffer());
    const manifest = JSON.parse(untar(gunzipSync(tgz), 'package/package.json'));
    assert.equal(manifest.name, '@sightline/browser');
  });
});

/** Returns one file of a tar archive as text. */
function untar(tar, name) {
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    const file = header.subarray(0, 100).toString().replace(/\0.*$/s, '');
    if (!file) break;
    const size = parseInt(header.subarray(124, 136).toString().replace(/\0.*$/s, '').trim(), 8);
    if (file === name) return tar.subarray(at + 512, at + 512 + size).toString();
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} is not in the archive`);
}
