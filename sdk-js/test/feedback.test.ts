import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { createBreadcrumbBuffer } from '../src/breadcrumbs/buffer';
import { createRateCap } from '../src/event/rateCap';
import { captureFeedback } from '../src/sdk/captureFeedback';
import { setClient, type Client } from '../src/sdk/client';
import { setTag, setUser } from '../src/sdk/scope';
import type { EnvelopeItem } from '../src/transport/envelope';

/** A client whose transport records submitted items. */
function client(): EnvelopeItem[] {
  const sent: EnvelopeItem[] = [];
  const c: Client = {
    options: { dsn: 'https://k@sl.test/1', release: 'r@1', environment: 'test' },
    transport: { submit: (i: EnvelopeItem) => sent.push(i), flush: async () => {}, retryQueued: async () => {}, rateLimits: {} },
    breadcrumbs: createBreadcrumbBuffer(3),
    scope: { tags: {}, contexts: {} },
    allowEvent: createRateCap(100),
    onRouteChange: [],
    teardown: [],
    debug: () => {},
  };
  setClient(c);
  return sent;
}

beforeEach(() => {
  vi.stubGlobal('location', { href: 'https://shop.test/cart?x=1', pathname: '/cart' });
  vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0 Test' });
});
afterEach(() => {
  setClient(undefined);
  vi.unstubAllGlobals();
});

test('captureFeedback sends a feedback item shaped like @sentry/browser\'s', () => {
  const sent = client();
  setUser({ id: 'u1' });
  setTag('plan', 'pro');
  const id = captureFeedback({ message: '  The pay button does nothing ', name: 'Ada', email: 'ada@example.com', associatedEventId: 'abc' });
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  expect(sent).toHaveLength(1);
  expect(sent[0].type).toBe('feedback');
  expect(sent[0].payload).toMatchObject({
    event_id: id,
    type: 'feedback',
    release: 'r@1',
    environment: 'test',
    user: { id: 'u1' },
    tags: { plan: 'pro' },
    contexts: {
      feedback: {
        message: 'The pay button does nothing',
        name: 'Ada',
        contact_email: 'ada@example.com',
        url: 'https://shop.test/cart?x=1',
        source: 'api',
        associated_event_id: 'abc',
      },
    },
  });
});

test('captureFeedback without a message or a client sends nothing and never throws', () => {
  expect(captureFeedback({ message: 'no client' })).toBeUndefined();
  const sent = client();
  expect(captureFeedback({ message: '   ' })).toBeUndefined();
  expect(captureFeedback(undefined as never)).toBeUndefined();
  expect(sent).toHaveLength(0);
});
