// Two-factor log-in in the dashboard, end to end: the first account signs
// up (the only sign-up an invite-only instance allows without an
// invitation), turns two-factor log-in on from the account page by reading
// the key shown beside the QR code and computing the TOTP code here (RFC
// 6238 with node's HMAC-SHA1), logs out (the log-in page no longer offers
// sign-up), and logs back in with the password and a code.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, screenshot, signUp, startSightline } from './harness.mjs';

/** Returns the RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret at `at` (epoch ms). */
function totp(secret, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret.replace(/=+$/, '').toUpperCase()].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const n = (((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1_000_000;
  return String(n).padStart(6, '0');
}

describe('two-factor log-in', () => {
  let sl;
  let b;
  let page;
  let secret;
  const email = 'tess@example.com';

  before(async () => {
    sl = await startSightline();
    b = await launchBrowser();
    page = b.page;
  });
  after(async () => {
    await b?.close();
    await sl?.close();
  });

  it('offers sign-up on an empty instance, and the first account signs up', async () => {
    await page.goto(`${sl.origin}/login`);
    await page.getByRole('link', { name: 'Create an account' }).waitFor();
    await signUp(page, sl.origin, email);
  });

  it('turns two-factor log-in on from the account page with a code from the key shown', async () => {
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Set up two-factor log-in' }).click();
    await page.locator('.qr svg').waitFor();
    secret = (await page.locator('code.totp-secret').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await screenshot(page, '20-two-factor-setup');
    await page.getByLabel('Code from the app').fill(totp(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Save these recovery codes now').waitFor();
    assert.equal(await page.locator('.recovery-codes li').count(), 10);
    await page.getByText('Two-factor log-in is on.').waitFor();
  });

  it('logs out; the log-in page offers no sign-up once an account exists', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    // Let the log-in page's own policy request finish first: waiting from
    // here could catch that answer, whose body the reload then throws away.
    await page.waitForLoadState('networkidle');
    const policy = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/signup'));
    await page.reload();
    assert.deepEqual(await (await policy).json(), { policy: 'invite', first_user: false });
    await page.getByRole('link', { name: 'Forgot your password?' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Create an account' }).count(), 0);
  });

  it('logs in with the password and then a code, and sees the dashboard', async () => {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByLabel('Authentication code').waitFor();
    assert.equal((await page.evaluate(() => fetch('/api/v1/auth/me').then((r) => r.status))), 401, 'no session before the code');
    await screenshot(page, '21-two-factor-login');
    // The code that turned it on is spent; the next step's code is accepted (one step of skew).
    await page.getByLabel('Authentication code').fill(totp(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
    assert.equal((await page.evaluate(() => fetch('/api/v1/auth/me').then((r) => r.json()))).user.email, email);
  });
});
