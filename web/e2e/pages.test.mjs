// The other pages: project settings and keys, team members and invitations,
// the account (password, API tokens shown once), log out / log in, the
// forgot-password page, API error states, server routing (JSON 404 under
// /api/, index.html for dashboard routes) and the 390 px layout.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorEvent, launchBrowser, screenshot, sendEnvelope, signUp, startSightline, waitFor } from './harness.mjs';

describe('dashboard pages', () => {
  let sl;
  let b;
  let page;
  let projectUrl;
  const email = 'grace@example.com';

  before(async () => {
    sl = await startSightline();
    b = await launchBrowser();
    page = b.page;
    await signUp(page, sl.origin, email);
    await page.getByLabel('Project name').fill('Billing');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Your DSN' }).waitFor();
    projectUrl = page.url().replace(/\/setup$/, '');
  });
  after(async () => {
    await b?.close();
    await sl?.close();
  });

  it('edits project settings and client keys', async () => {
    await page.goto(`${projectUrl}/settings`);
    await page.getByRole('heading', { name: 'Client keys (DSN)' }).waitFor();
    const dsn = await page.locator('.key code.dsn').first().innerText();
    assert.match(dsn, /^http:\/\/[0-9a-f]{32}@/);
    await page.getByLabel('Retention (days)').fill('30');
    await page.getByLabel('Allowed origins').fill('https://billing.example.com');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByLabel('Rate limit').fill('120');
    const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && /\/keys\/\d+$/.test(r.url()));
    await page.getByRole('button', { name: 'Save limit' }).click();
    assert.equal((await saved).status(), 200);
    await page.reload();
    await page.getByRole('heading', { name: 'Client keys (DSN)' }).waitFor();
    assert.equal(await page.getByLabel('Retention (days)').inputValue(), '30');
    assert.equal(await page.getByLabel('Allowed origins').inputValue(), 'https://billing.example.com');
    await waitFor('the saved rate limit', async () => (await page.getByLabel('Rate limit').inputValue()) === '120');
    // Rotating replaces the public key: the DSN on the page changes.
    await page.getByRole('button', { name: 'Rotate' }).click();
    await waitFor('a rotated DSN', async () => (await page.locator('.key code.dsn').first().innerText()) !== dsn);
    // A bad value shows the API's error message.
    await page.getByLabel('Allowed origins').fill('not an origin');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.form-error').waitFor();
    assert.match(await page.locator('.form-error').innerText(), /is not an origin[\s\S]*\(validation\)/);
    await screenshot(page, '10-settings');
  });

  it('lists team members and creates an invitation link', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('heading', { name: 'Members', exact: true }).waitFor();
    await page.locator('table.plain', { hasText: email }).waitFor();
    await page.getByLabel('Email').fill('bob@example.com');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.locator('.invites', { hasText: 'bob@example.com' }).waitFor();
    const link = await page.locator('code.invite-link').innerText();
    assert.match(link, new RegExp(`^${sl.origin}/invites/accept\\?token=`));
    await screenshot(page, '11-members');

    // Bob follows the link: logged out, he may sign up (sign-up needs an
    // invitation on this instance) and his new account joins Grace's team.
    const bob = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const bobPage = await bob.newPage();
    await bobPage.goto(link);
    await bobPage.getByRole('heading', { name: 'Log in' }).waitFor();
    await bobPage.getByRole('link', { name: 'Create an account' }).click();
    await bobPage.getByText('You were invited to a team').waitFor();
    await bobPage.getByLabel('Email').fill('bob@example.com');
    await bobPage.getByLabel('Password').fill('another good password');
    await bobPage.getByRole('button', { name: 'Sign up' }).click();
    await bobPage.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
    assert.equal(await bobPage.getByLabel('Team').locator('option').count(), 3, "Bob's own team, Grace's, and New team");
    await bob.close();
    await page.reload();
    await page.locator('table.plain', { hasText: 'bob@example.com' }).waitFor();
  });

  it('creates a second team from the team switcher', async () => {
    await page.getByLabel('Team').selectOption('new');
    await page.getByRole('heading', { name: 'Create a team' }).waitFor();
    await page.getByLabel('Team name').fill('Platform');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByText('No projects yet').waitFor();
    assert.match(page.url(), /\/teams\/\d+\/projects$/);
    const options = await page.getByLabel('Team').locator('option').allInnerTexts();
    assert.deepEqual(options.sort(), ["+ New team…", "Platform", "grace's team"].sort());
    assert.equal(await page.getByLabel('Team').inputValue(), page.url().match(/teams\/(\d+)/)[1]);
    // Switching back shows the first team's project.
    await page.getByLabel('Team').selectOption({ label: "grace's team" });
    await page.getByRole('link', { name: 'Billing' }).waitFor();
  });

  it('renames the team, changes a role, and lets a member leave', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await page.locator('table.plain', { hasText: 'bob@example.com' }).waitFor();
    const teamUrl = page.url();
    await page.getByLabel('Display name').fill('Grace & co');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('Saved.').waitFor();
    await waitFor('the new name in the switcher', async () => (await page.getByLabel('Team').locator('option').allInnerTexts()).includes('Grace & co'));
    const role = () => page.getByLabel('Role of bob@example.com');
    assert.equal(await role().inputValue(), 'member');
    const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && /\/members\/\d+$/.test(r.url()));
    await role().selectOption('admin');
    assert.equal((await saved).status(), 204);
    await page.reload();
    await waitFor('the stored role', async () => (await role().inputValue()) === 'admin');
    // The only owner cannot leave: the API's refusal shows.
    await page.getByRole('button', { name: 'Leave team…' }).click();
    await page.getByRole('button', { name: 'Yes, leave the team' }).click();
    await page.locator('.danger-zone .form-error').waitFor();
    assert.match(await page.locator('.danger-zone .form-error').innerText(), /owner/i);
    await screenshot(page, '11b-team-settings');
    // Bob, now an admin, can.
    const bob = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const bobPage = await bob.newPage();
    await bobPage.goto(`${sl.origin}/login`);
    await bobPage.getByLabel('Email').fill('bob@example.com');
    await bobPage.getByLabel('Password').fill('another good password');
    await bobPage.getByRole('button', { name: 'Log in' }).click();
    await bobPage.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
    await bobPage.goto(teamUrl);
    await bobPage.getByRole('button', { name: 'Leave team…' }).click();
    await bobPage.getByRole('button', { name: 'Yes, leave the team' }).click();
    await waitFor('Bob out of the team', async () => (await bobPage.getByLabel('Team').locator('option').count()) === 2);
    await bob.close();
    await page.reload();
    await page.locator('table.plain', { hasText: email }).waitFor();
    assert.equal(await page.locator('table.plain', { hasText: 'bob@example.com' }).count(), 0);
  });

  it('deletes a client key, and a project once its name is typed', async () => {
    await page.goto(page.url().replace(/\/members$/, '/projects'));
    await page.getByLabel('Project name').fill('Scratch');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Your DSN' }).waitFor();
    const scratchUrl = page.url().replace(/\/setup$/, '');
    await page.goto(`${scratchUrl}/settings`);
    await page.getByRole('button', { name: 'New key' }).click();
    await waitFor('two keys', async () => (await page.locator('li.key').count()) === 2);
    const second = page.locator('li.key').nth(1);
    const gone = await second.locator('code.dsn').innerText();
    await second.getByRole('button', { name: 'Delete…' }).click();
    await second.getByRole('button', { name: 'Yes, delete key' }).click();
    await waitFor('one key', async () => (await page.locator('li.key').count()) === 1);
    assert.notEqual(await page.locator('li.key code.dsn').innerText(), gone);
    const confirm = page.getByLabel('Type “Scratch” to confirm');
    await confirm.fill('Scratc');
    assert.equal(await page.getByRole('button', { name: 'Delete project' }).isDisabled(), true);
    await confirm.fill('Scratch');
    await page.getByRole('button', { name: 'Delete project' }).click();
    await waitFor('the projects list', async () => /\/teams\/\d+\/projects$/.test(page.url()));
    await page.getByRole('link', { name: 'Billing' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Scratch' }).count(), 0);
    const id = scratchUrl.match(/projects\/(\d+)/)[1];
    assert.equal((await page.evaluate((u) => fetch(u).then((r) => r.status), `/api/v1/projects/${id}`)), 404);
  });

  it('changes the password and shows a new API token once', async () => {
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Current password').fill('correct horse battery');
    await page.getByLabel('New password').fill('a brand new password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    await page.getByLabel('Token name').fill('CI');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.locator('.token-secret').innerText();
    assert.ok(secret.length >= 20);
    const me = await fetch(`${sl.origin}/api/v1/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(me.status, 200, 'the token shown works');
    assert.equal((await me.json()).user.email, email);
    await screenshot(page, '12-account');
    await page.reload();
    await page.locator('table.plain', { hasText: 'CI' }).waitFor();
    assert.equal(await page.locator('.token-secret').count(), 0, 'the secret is not shown again');
  });

  it('logs out, and logs back in with the new password to the page asked for', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.goto(`${projectUrl}/settings`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.form-error').waitFor();
    assert.match(await page.locator('.form-error').innerText(), /invalid|incorrect|wrong/i);
    await page.getByLabel('Password').fill('a brand new password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Client keys (DSN)' }).waitFor();
    assert.equal(page.url(), `${projectUrl}/settings`);
  });

  it('offers a password reset', async () => {
    const anon = await b.browser.newContext();
    const p = await anon.newPage();
    await p.goto(`${sl.origin}/login`);
    await p.getByRole('link', { name: 'Forgot your password?' }).click();
    await p.getByLabel('Email').fill(email);
    await p.getByRole('button', { name: 'Send reset link' }).click();
    await p.getByText('a reset link is on its way').waitFor();
    await screenshot(p, '13-forgot');
    await p.goto(`${sl.origin}/reset-password?token=not-a-real-token`);
    await p.getByLabel('New password').fill('whatever password 1');
    await p.getByRole('button', { name: 'Set password' }).click();
    await p.locator('.form-error').waitFor();
    await anon.close();
  });

  it('shows the API error of a missing issue, and unknown pages', async () => {
    await page.goto(`${sl.origin}/issues/987654321`);
    await page.locator('.error-box').waitFor();
    assert.match(await page.locator('.error-box').innerText(), /not found[\s\S]*not_found/);
    await page.goto(`${sl.origin}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });

  it('loads a page on demand, and offers a reload when its code cannot be fetched', async () => {
    // The first load does not carry the account page: its code is fetched
    // from this build's pages-<hash>/ folder when the page opens.
    const chunk = /\/pages-[0-9a-f]{12}\/[^/]+\.wasm$/;
    const fetched = [];
    const projectGets = [];
    const onRequest = (r) => {
      if (chunk.test(r.url())) fetched.push(r.url());
      if (/\/api\/v1\/projects\/\d+$/.test(r.url())) projectGets.push(r.url());
    };
    page.on('request', onRequest);
    await page.goto(`${projectUrl}/issues`);
    await page.getByRole('heading', { name: 'Billing' }).waitFor();
    await page.getByText('No events yet').waitFor();
    assert.deepEqual(fetched, [], 'the issue list needs no page chunk');
    assert.equal(projectGets.length, 1, `the header, filters and snippet share one request for the project: ${projectGets}`);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    assert.ok(fetched.some((u) => /split_AccountRoute\.wasm$/.test(u)), `the account page's code was fetched: ${fetched}`);
    page.off('request', onRequest);
    // A tab opened before a redeploy asks for files that are gone; so does a
    // dropped connection. The page says so instead of going blank.
    await page.route(chunk, (r) => r.abort());
    await page.goto(`${projectUrl}/alerts`);
    await page.getByText('This page could not be loaded.').waitFor();
    await screenshot(page, '16-page-load-failed');
    // The app survives it, and a failed load is tried again next time.
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByRole('heading', { name: 'Billing' }).waitFor();
    await page.unroute(chunk);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alert rules', exact: true }).waitFor();
    // The Reload button reloads.
    await page.route(chunk, (r) => r.abort());
    await page.goto(`${projectUrl}/settings`);
    await page.getByText('This page could not be loaded.').waitFor();
    await page.unroute(chunk);
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('heading', { name: 'Client keys (DSN)' }).waitFor();
  });

  it('answers JSON 404 under /api/ and index.html for dashboard routes', async () => {
    for (const path of ['/api/v1/nope', '/api/nope', '/api']) {
      const res = await fetch(`${sl.origin}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal((await res.json()).error.code, 'not_found', path);
    }
    assert.equal((await fetch(`${sl.origin}/issues/1`, { method: 'POST' })).status, 405, 'pages are read-only');
    const missing = await fetch(`${sl.origin}/missing.js`);
    assert.equal(missing.status, 404);
    const deep = await fetch(`${sl.origin}/projects/1/issues?status=resolved`);
    assert.equal(deep.status, 200);
    assert.match(await deep.text(), /sightline_web\.js/);
    const wasm = await fetch(`${sl.origin}/sightline_web_bg.wasm`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal(wasm.headers.get('content-encoding'), 'gzip');
    const etag = wasm.headers.get('etag');
    const again = await fetch(`${sl.origin}/sightline_web_bg.wasm`, { headers: { 'accept-encoding': 'gzip', 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  it('stays usable at 390 px wide', async () => {
    const dsn = await (async () => {
      await page.goto(`${projectUrl}/setup`);
      return page.getByLabel('DSN').inputValue();
    })();
    await waitFor('the DSN to accept events', async () =>
      (await sendEnvelope(dsn, 'event', errorEvent({ message: 'total is null', fn: 'renderTotals' }))) === 200);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${projectUrl}/issues`);
    await waitFor('the issue', async () => {
      await page.reload();
      await page.getByRole('link', { name: 'TypeError: total is null' }).waitFor({ timeout: 1500 });
      return true;
    });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok((await overflow()) <= 0, 'no horizontal scrolling on the issue list');
    await screenshot(page, '14-mobile-issues');
    await page.getByRole('link', { name: 'TypeError: total is null' }).click();
    await page.locator('.frame.in-app', { hasText: 'renderTotals' }).waitFor();
    assert.ok((await overflow()) <= 0, 'no horizontal scrolling on the issue page');
    await screenshot(page, '15-mobile-issue');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("says so on an issue page when the issue's events are all older than 14 days", async () => {
    await page.goto(`${projectUrl}/setup`);
    const dsn = await page.getByLabel('DSN').inputValue();
    const at = Date.now() - 20 * 86_400_000;
    assert.equal(await sendEnvelope(dsn, 'event', errorEvent({ message: 'coupon expired', fn: 'applyCoupon', at })), 200);
    await page.goto(`${projectUrl}/issues?period=30d`);
    await waitFor('the 20-day-old issue', async () => {
      await page.reload();
      await page.getByRole('link', { name: 'TypeError: coupon expired' }).waitFor({ timeout: 1500 });
      return true;
    });
    await page.getByRole('link', { name: 'TypeError: coupon expired' }).click();
    await page.getByText('No events in the last 14 days.').waitFor();
    assert.equal(await page.locator('.daily-bars').count(), 0);
  });
});
