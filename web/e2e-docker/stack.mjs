// The dashboard of the docker-compose stack, through its Caddy, in Debian's
// Chromium (run by scripts/test-docker.sh):
//   node web/e2e-docker/stack.mjs http://127.0.0.1:<caddy port>
// Signs the first account up, creates a project in the pages, sends an error
// event to its DSN through Caddy and waits until the issue list shows it.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, errorEvent, launchBrowser, sendEnvelope, waitFor } from '../e2e/harness.mjs';

const origin = process.argv[2];
assert.ok(origin, 'usage: node stack.mjs ORIGIN');
const b = await launchBrowser();
const { page } = b;
try {
  await page.goto(`${origin}/`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
  console.log('signed up through Caddy');

  await page.getByLabel('Project name').fill('Web');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: 'Your DSN' }).waitFor();
  const dsn = await page.getByLabel('DSN').inputValue();
  assert.equal(new URL(dsn).origin, new URL(origin).origin, `the DSN points at the public URL: ${dsn}`);
  console.log(`project Web: ${dsn}`);

  const event = errorEvent({ message: 'docker stack checkout failed', fn: 'submitOrder' });
  assert.equal(await sendEnvelope(dsn, 'event', event), 200, 'the envelope is accepted through Caddy');
  await page.getByRole('link', { name: 'Issues' }).click();
  await waitFor('the event in the issue list', async () => {
    await page.reload();
    await page.getByText('docker stack checkout failed').first().waitFor({ timeout: 1500 });
    return true;
  }, 30_000);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'docker-issues.png'), fullPage: true });
  // The logged-out first load asks who is signed in and gets 401: expected.
  const errors = b.errors.map(String).filter((e) => !e.includes('status of 401'));
  assert.deepEqual(errors, [], 'no other errors in the browser console');
  console.log('the event shows in the issue list');
} finally {
  await b.close();
}
