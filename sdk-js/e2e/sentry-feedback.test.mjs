// User feedback from the unmodified @sentry/browser (captureFeedback, with a
// screenshot attachment) and from Sightline's own SDK (captureFeedback and
// the lazily loaded form): each lands in the `feedback` table and on the
// feedback API, linked to the issue of the error it is about.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { buildSentryBrowser, eventAccepted, memberApi, useSightline, waitFor } from './harness.mjs';

let api;
before(buildSentryBrowser);
const e2e = useSightline(async ({ stack }) => {
  api = await memberApi(stack, 'fb@example.com');
});

// A 1x1 PNG, as the feedback widget's screenshot would be.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

test('@sentry/browser captureFeedback with a screenshot lands on the feedback API, on its issue', async () => {
  const { page } = e2e.browser;
  await page.goto(`${e2e.pages.url}/e2e/pages/sentry.html`);
  await page.waitForFunction(() => window.Sentry && Sentry.getClient());
  const sent = eventAccepted(page);
  const eventId = await page.evaluate(() => Sentry.captureException(new Error('Checkout exploded')));
  await sent;
  const feedbackSent = page.waitForResponse((r) => r.url().includes('/envelope/') && /"type":"feedback"/.test(r.request().postData() || ''));
  await page.evaluate(({ eventId, png }) => {
    const data = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
    Sentry.captureFeedback(
      { message: 'The pay button did nothing', name: 'Ada', email: 'ada@example.com', associatedEventId: eventId },
      { attachments: [{ filename: 'screenshot.png', data, contentType: 'image/png' }] },
    );
  }, { eventId, png: PNG });
  assert.equal((await feedbackSent).status(), 200);

  const [row] = await waitFor('the feedback row', async () => {
    const r = await e2e.stack.ch(`SELECT * FROM feedback WHERE project_id = ${e2e.stack.projectId}`);
    return r.length > 0 && r;
  });
  assert.equal(row.message, 'The pay button did nothing');
  assert.equal(row.email, 'ada@example.com');
  assert.equal(row.associated_event_id, eventId);
  assert.equal(row.has_screenshot, 1);

  const issueId = await waitFor('the issue', () => e2e.stack.pg(`SELECT id FROM issues WHERE project_id = ${e2e.stack.projectId}`));
  const list = await (await api(`/api/v1/projects/${e2e.stack.projectId}/feedback`)).json();
  assert.equal(list[0].message, 'The pay button did nothing');
  assert.equal(String(list[0].issue_id), String(issueId).trim());
  const ofIssue = await (await api(`/api/v1/issues/${String(issueId).trim()}/feedback`)).json();
  assert.deepEqual(ofIssue.map((f) => f.name), ['Ada']);
  const shot = await api(`/api/v1/projects/${e2e.stack.projectId}/feedback/${list[0].id}/screenshot`);
  assert.equal(shot.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await shot.arrayBuffer()), Buffer.from(PNG, 'base64'));
});

test('our SDK: captureFeedback and the lazily loaded form send feedback', async () => {
  const { page } = e2e.browser;
  await page.goto(`${e2e.pages.url}/e2e/pages/minimal.html?run=feedback`);
  await page.waitForFunction(() => window.Sightline);
  const id = await page.evaluate(() => Sightline.captureFeedback({ message: 'Love the new search', email: 'bob@example.com' }));
  assert.match(id, /^[0-9a-f]{32}$/);
  // The form is an add-on script, loaded only when wanted.
  await page.addScriptTag({ url: `${e2e.pages.url}/dist/sightline.feedback.min.js` });
  const opened = page.evaluate(() => Sightline.showFeedbackWidget({ name: 'Bob' }));
  await page.locator('#sightline-feedback textarea').fill('The form works too');
  await page.locator('#sightline-feedback button[type=submit]').click();
  assert.match(await opened, /^[0-9a-f]{32}$/);
  const rows = await waitFor('both feedback rows', async () => {
    const r = await e2e.stack.ch(`SELECT message, source, name FROM feedback WHERE project_id = ${e2e.stack.projectId} AND email != 'ada@example.com' ORDER BY message`);
    return r.length >= 2 && r;
  });
  assert.deepEqual(rows.map((r) => [r.message, r.source]), [['Love the new search', 'api'], ['The form works too', 'widget']]);
  assert.equal(rows[1].name, 'Bob');
});
