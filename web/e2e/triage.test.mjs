// Triage end to end in Chromium: assign an issue to oneself, comment on it,
// find it with `is:unresolved assigned:me browser:Chrome` (the query stays
// in the URL; a malformed one is explained under the box), merge two issues
// from the list's bulk bar, and see all of it in the activity.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorEvent, launchBrowser, screenshot, sendEnvelope, signUp, startSightline, waitFor } from './harness.mjs';

describe('triage', () => {
  let sl;
  let b;
  let page;

  before(async () => {
    sl = await startSightline();
    b = await launchBrowser();
    page = b.page;
  });
  after(async () => {
    await b?.close();
    await sl?.close();
  });

  it('assigns, comments, searches, merges and shows the activity', async () => {
    await signUp(page, sl.origin, 'lead@example.com');
    await page.getByLabel('Project name').fill('Storefront');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Your DSN' }).waitFor();
    const projectUrl = page.url().replace(/\/setup$/, '');
    const dsn = await page.getByLabel('DSN').inputValue();
    assert.equal(await sendEnvelope(dsn, 'event', errorEvent({ message: 'cart is undefined', fn: 'onCheckout' })), 200);
    assert.equal(await sendEnvelope(dsn, 'event', errorEvent({ message: 'cart is null', fn: 'onCheckout2' })), 200);

    await page.goto(`${projectUrl}/issues`);
    // The list renders after the page loads (a fetch from the WASM app): wait
    // for the rows after each reload, never count right after it.
    await waitFor('both issues in the list', async () => {
      await page.reload();
      await page.locator('tr.issue-row').nth(1).waitFor({ timeout: 3000 });
      return (await page.locator('tr.issue-row').count()) === 2;
    });

    // Assign to me and comment, on the issue page.
    await page.getByRole('link', { name: 'TypeError: cart is undefined' }).click();
    await page.locator('select.assignee').waitFor();
    await page.locator('select.assignee option', { hasText: 'lead@example.com' }).waitFor({ state: 'attached' });
    await page.locator('select.assignee').selectOption({ label: 'lead@example.com' });
    await page.locator('ol.activity li.activity-assigned').waitFor();
    await page.getByLabel('Comment').fill('Looking into it: https://example.com/runbook');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.locator('ol.activity li.activity-comment').waitFor();
    assert.equal(await page.locator('ol.activity li.activity-comment a').getAttribute('href'), 'https://example.com/runbook');

    // Search with the syntax; the query stays in the URL.
    await page.goto(`${projectUrl}/issues`);
    const box = page.locator('input[name="query"]');
    await box.fill('is:unresolved assigned:me browser:Chrome');
    await box.press('Enter');
    await waitFor('one assigned issue', async () => (await page.locator('tr.issue-row').count()) === 1);
    assert.match(await page.locator('tr.issue-row').innerText(), /cart is undefined/);
    assert.match(decodeURIComponent(page.url()), /query=is:unresolved assigned:me browser:Chrome/);
    await box.fill('browser:"Chrome');
    await box.press('Enter');
    await page.locator('.search-error').waitFor();
    assert.match(await page.locator('.search-error').innerText(), /unterminated quote/);
    await screenshot(page, 'triage-search-error');

    // Merge both from the bulk bar.
    await box.fill('');
    await box.press('Enter');
    await waitFor('both issues again', async () => (await page.locator('tr.issue-row').count()) === 2);
    await page.getByLabel('Select all issues').check();
    await page.getByRole('button', { name: 'Merge' }).click();
    await waitFor('one merged issue', async () => (await page.locator('tr.issue-row').count()) === 1);
    assert.match(await page.locator('tr.issue-row').innerText(), /\+1 merged/);
    assert.match(await page.locator('tr.issue-row td.events').innerText(), /^2$/);

    // The activity of the kept issue tells the story.
    await page.locator('tr.issue-row a.issue-title').click();
    await page.locator('ol.activity li.activity-merged').waitFor();
    const kinds = await page.locator('ol.activity li').evaluateAll((els) => els.map((e) => e.className));
    assert.ok(kinds[0] === 'activity-first_seen', kinds.join());
    await page.locator('ul.merged li').waitFor();
    await screenshot(page, 'triage-activity');
  });
});
