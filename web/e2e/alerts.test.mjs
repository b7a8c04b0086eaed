// The alerts page end to end: create a webhook rule in the form, send an
// error to the project's DSN, and find the alert in the delivery log as
// delivered by webhook — while a local HTTP receiver (standing in for Slack)
// gets the JSON with its `text`. Then edit, disable and delete the rule.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { errorEvent, launchBrowser, screenshot, sendEnvelope, signUp, startSightline, waitFor } from './harness.mjs';

describe('alerts page', () => {
  let sl;
  let b;
  let page;
  let receiver;
  let hookUrl;
  const received = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
    hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
    // The receiver is on 127.0.0.1, which webhooks may reach only when allowed.
    sl = await startSightline({ SIGHTLINE_WEBHOOK_ALLOW_PRIVATE: '1' });
    b = await launchBrowser();
    page = b.page;
  });
  after(async () => {
    await b?.close();
    await sl?.close();
    receiver?.close();
  });

  it('creates a rule, shows the delivered alert in the log, and edits and deletes the rule', async () => {
    await signUp(page, sl.origin, 'ops@example.com');
    await page.getByLabel('Project name').fill('Storefront');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Your DSN' }).waitFor();
    const projectUrl = page.url().replace(/\/setup$/, '');
    const dsn = await page.getByLabel('DSN').inputValue();

    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alert rules', exact: true }).waitFor();
    assert.equal(page.url(), `${projectUrl}/alerts`);
    await page.getByText('No alert rules yet').waitFor();
    // An incomplete rule is explained by the API's message.
    await page.getByLabel('Name').fill('New issues to Slack');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('.form-error').waitFor();
    assert.match(await page.locator('.form-error').innerText(), /needs an e-mail recipient or a webhook URL/);
    await page.getByLabel('Webhook URL').fill(hookUrl);
    await page.getByRole('button', { name: 'Add rule' }).click();
    const row = page.locator('table.alert-rules tr', { hasText: 'New issues to Slack' });
    await row.waitFor();
    assert.match(await row.innerText(), /new issue/);
    assert.match(await row.innerText(), new RegExp(`webhook ${hookUrl}`));

    assert.equal(await sendEnvelope(dsn, 'event', errorEvent({ message: 'coupon is undefined', fn: 'applyCoupon' })), 200);
    await waitFor('the webhook request', async () => received.length === 1);
    const payload = JSON.parse(received[0].body);
    assert.match(payload.text, /^\[Storefront\] New issue: TypeError: coupon is undefined/);
    await waitFor('the delivered alert in the log', async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      const log = await page.locator('section.card', { hasText: 'Delivery log' }).innerText();
      return /New issue: TypeError: coupon is undefined/.test(log) && /delivered via webhook, 1 attempt/.test(log);
    });
    // "Send test" goes through the same outbox; the log follows it without
    // a click on Refresh.
    await row.getByRole('button', { name: 'Send test' }).click();
    await waitFor('the test notification', async () => received.length === 2);
    const test = JSON.parse(received[1].body);
    assert.equal(test.alert.test, true);
    assert.match(test.text, /^\[Storefront\] Test notification: New issues to Slack/);
    const testRow = page.locator('table.delivery-log tr', { hasText: 'Test notification: New issues to Slack' });
    await testRow.filter({ hasText: 'delivered via webhook' }).waitFor({ timeout: 15_000 });
    assert.match(await testRow.innerText(), /^[\s\S]*test[\s\S]*Test notification/);
    await screenshot(page, '30-alerts');

    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit rule' }).waitFor();
    assert.equal(await page.getByLabel('Webhook URL').inputValue(), hookUrl);
    await page.getByLabel('Name').fill('New issues (Slack)');
    await page.getByRole('button', { name: 'Save rule' }).click();
    const renamed = page.locator('table.alert-rules tr', { hasText: 'New issues (Slack)' });
    await renamed.waitFor();
    await renamed.getByRole('button', { name: 'Disable' }).click();
    await renamed.getByRole('button', { name: 'Enable' }).waitFor();
    await renamed.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No alert rules yet').waitFor();
  });
});
