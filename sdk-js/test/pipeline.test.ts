import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createBreadcrumbBuffer } from '../src/breadcrumbs/buffer';
import { scrubUrl } from '../src/breadcrumbs/scrubUrl';
import { dedupeKey } from '../src/event/dedupe';
import { createRateCap } from '../src/event/rateCap';
import { captureEvent } from '../src/sdk/captureEvent';
import { captureException } from '../src/sdk/captureException';
import { captureMessage } from '../src/sdk/captureMessage';
import { setClient, type Client } from '../src/sdk/client';
import { setContext, setTag, setUser } from '../src/sdk/scope';
import { parseDsn } from '../src/transport/dsn';
import { encodeEnvelope, type EnvelopeItem } from '../src/transport/envelope';
import type { Options, SentryEvent } from '../src/types';

/** A client whose transport records submitted items instead of sending them. */
function client(options: Partial<Options> = {}): { sent: SentryEvent[] } {
  const sent: SentryEvent[] = [];
  const c: Client = {
    options: { dsn: 'https://k@sl.test/1', release: 'r@1', environment: 'test', ...options },
    transport: { submit: (i: EnvelopeItem) => sent.push(i.payload as SentryEvent), flush: async () => {}, retryQueued: async () => {}, rateLimits: {} },
    breadcrumbs: createBreadcrumbBuffer(options.maxBreadcrumbs ?? 3),
    scope: { tags: {}, contexts: {} },
    allowEvent: createRateCap(options.maxEventsPerMinute ?? 100),
    onRouteChange: [],
    teardown: [],
    debug: () => {},
  };
  setClient(c);
  return { sent };
}

beforeEach(() => {
  vi.stubGlobal('location', { href: 'https://shop.test/cart?x=1', pathname: '/cart' });
  vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0 Test' });
});
afterEach(() => {
  setClient(undefined);
  vi.unstubAllGlobals();
});

describe('captureEvent', () => {
  test('fills ids, scope, release, breadcrumbs and the page URL', () => {
    const { sent } = client();
    setUser({ id: 'u1' });
    setTag('plan', 'pro');
    setContext('cart', { items: 3 });
    const id = captureException(new TypeError('boom'));
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const [e] = sent;
    expect(e).toMatchObject({ event_id: id, platform: 'javascript', level: 'error', release: 'r@1', environment: 'test', user: { id: 'u1' }, tags: { plan: 'pro' }, contexts: { cart: { items: 3 } } });
    expect(e.request).toEqual({ url: 'https://shop.test/cart?x=1', headers: { 'User-Agent': 'Mozilla/5.0 Test' } });
    expect(e.exception!.values[0]).toMatchObject({ type: 'TypeError', value: 'boom', mechanism: { type: 'generic', handled: true } });
    expect(e.exception!.values[0].stacktrace!.frames.length).toBeGreaterThan(0);
    expect(e.sdk!.name).toBe('sightline.javascript.browser');
  });

  test('turns thrown non-errors into readable exceptions', () => {
    const { sent } = client();
    captureException({ code: 7 });
    expect(sent[0].exception!.values[0]).toMatchObject({ type: 'Error', value: 'Non-Error exception captured with value: {"code":7}' });
  });

  test('applies ignoreErrors, denyUrls, sampleRate and beforeSend', () => {
    const { sent } = client({ ignoreErrors: ['ResizeObserver loop', /^Script error/], denyUrls: [/extension:\/\//] });
    captureMessage('ResizeObserver loop limit exceeded');
    captureMessage('Script error.');
    captureEvent({ exception: { values: [{ type: 'Error', value: 'x', stacktrace: { frames: [{ filename: 'chrome-extension://abc/x.js' }] } }] } });
    expect(sent).toHaveLength(0);

    client({ sampleRate: 0 });
    expect(captureMessage('never')).toBeUndefined();

    const dropped = client({ beforeSend: (e) => (e.message === 'drop me' ? null : { ...e, tags: { ...e.tags, seen: 'yes' } }) });
    captureMessage('drop me');
    captureMessage('keep me');
    expect(dropped.sent.map((e) => [e.message, e.tags!.seen])).toEqual([['keep me', 'yes']]);
  });

  test('sends a repeated identical error once', () => {
    const { sent } = client();
    const err = new Error('same');
    captureException(err);
    captureException(err);
    captureMessage('other');
    captureException(err);
    expect(sent.map((e) => e.message || e.exception!.values[0].value)).toEqual(['same', 'other', 'same']);
  });

  test('caps the number of events per minute', () => {
    const { sent } = client({ maxEventsPerMinute: 2 });
    for (let i = 0; i < 5; i++) captureMessage(`m${i}`);
    expect(sent).toHaveLength(2);
  });

  test('swallows a throwing beforeSend instead of breaking the caller', () => {
    client({ beforeSend: () => { throw new Error('bad hook'); } });
    expect(() => captureMessage('x')).not.toThrow();
  });

  test('does nothing before init', () => {
    expect(captureMessage('nobody listens')).toBeUndefined();
  });
});

describe('breadcrumbs', () => {
  test('keep the newest maxBreadcrumbs, oldest first, and travel with events', () => {
    const { sent } = client({ maxBreadcrumbs: 3 });
    const buf = createBreadcrumbBuffer(3);
    for (const m of ['a', 'b', 'c', 'd']) buf.add({ message: m });
    expect(buf.all().map((b) => b.message)).toEqual(['b', 'c', 'd']);
    expect(buf.all()[0].timestamp).toBeTypeOf('number');
    expect(sent).toHaveLength(0);
  });

  test('scrub secret query values from URLs', () => {
    expect(scrubUrl('https://api.test/x?token=abc&page=2&api_key=z#top')).toBe('https://api.test/x?token=[Filtered]&page=2&api_key=[Filtered]#top');
    expect(scrubUrl('/plain/path')).toBe('/plain/path');
    expect(scrubUrl('/a?flag&%E0=1&SessionId=9&next=/x?code=1')).toBe('/a?flag&%E0=1&SessionId=[Filtered]&next=/x?code=[Filtered]');
  });
});

describe('dedupe and rate cap', () => {
  test('dedupe keys differ by message and innermost frame', () => {
    const frame = (lineno: number) => ({ exception: { values: [{ type: 'E', value: 'v', stacktrace: { frames: [{ filename: 'a.js', lineno }] } }] } });
    expect(dedupeKey(frame(1))).toBe(dedupeKey(frame(1)));
    expect(dedupeKey(frame(1))).not.toBe(dedupeKey(frame(2)));
  });

  test('the rate cap frees up after a minute', () => {
    let t = 0;
    const allow = createRateCap(1, () => t);
    expect([allow(), allow()]).toEqual([true, false]);
    t = 60_000;
    expect(allow()).toBe(true);
  });
});

describe('wire format', () => {
  test('parses DSNs into the envelope URL, and refuses malformed ones', () => {
    expect(parseDsn('https://abc@sl.example.com/42')!.envelopeUrl).toBe(
      'https://sl.example.com/api/42/envelope/?sentry_key=abc&sentry_version=7',
    );
    expect(parseDsn('http://k@127.0.0.1:8000/sub/path/7')).toMatchObject({ publicKey: 'k', projectId: '7', envelopeUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:8000\/sub\/path\/api\/7\/envelope\/\?sentry_key=k&/) });
    expect(parseDsn('http://k:secret@host/3')!.publicKey).toBe('k');
    for (const bad of ['', 'nonsense', 'https://host/1', 'https://k@host/', 'ftp://k@host/1']) expect(parseDsn(bad)).toBeUndefined();
  });

  test('encodes envelopes as header line plus item header/payload lines', () => {
    const body = encodeEnvelope([{ type: 'event', payload: { message: 'é\nline' } }, { type: 'transaction', payload: {} }], { sent_at: 'now' });
    expect(body).toBe('{"sent_at":"now"}\n{"type":"event"}\n{"message":"é\\nline"}\n{"type":"transaction"}\n{}\n');
  });
});

describe('routes', () => {
  test('a new query or #anchor is the same route; a new path or hash route is not', async () => {
    const { routeOf } = await import('../src/breadcrumbs/history');
    expect(routeOf('https://a.test/shop?page=2#reviews')).toBe('https://a.test/shop');
    expect(routeOf('https://a.test/shop?x=1#/cart?y=2')).toBe('https://a.test/shop#/cart');
    expect(routeOf('https://a.test/shop/42')).toBe('https://a.test/shop/42');
  });
});
