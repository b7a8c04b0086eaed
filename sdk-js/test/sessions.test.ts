import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createBreadcrumbBuffer } from '../src/breadcrumbs/buffer';
import { createRateCap } from '../src/event/rateCap';
import { captureEvent } from '../src/sdk/captureEvent';
import { captureException } from '../src/sdk/captureException';
import { captureMessage } from '../src/sdk/captureMessage';
import { setClient, type Client } from '../src/sdk/client';
import { setUser } from '../src/sdk/scope';
import { sessions } from '../src/session/sessions';
import type { EnvelopeItem } from '../src/transport/envelope';
import type { Options } from '../src/types';

interface SessionPayload {
  sid: string;
  init: boolean;
  status: string;
  errors: number;
  started: string;
  timestamp: string;
  did?: string;
  attrs: { release: string; environment?: string };
}

/** A client with the sessions integration whose transport records what it was given. */
function start(options: Partial<Options> = {}): { items: EnvelopeItem[]; client: Client; sessions: () => SessionPayload[] } {
  const items: EnvelopeItem[] = [];
  const client: Client = {
    options: { dsn: 'https://k@sl.test/1', release: 'shop@1', environment: 'test', ...options },
    transport: { submit: (i: EnvelopeItem) => items.push(i), flush: async () => {}, retryQueued: async () => {}, rateLimits: {} },
    breadcrumbs: createBreadcrumbBuffer(10),
    scope: { tags: {}, contexts: {} },
    allowEvent: createRateCap(100),
    onRouteChange: [],
    teardown: [],
    debug: () => {},
  };
  setClient(client);
  sessions(client);
  // JSON round trip: what the envelope carries (undefined fields gone).
  const only = () => items.filter((i) => i.type === 'session').map((i) => JSON.parse(JSON.stringify(i.payload)) as SessionPayload);
  return { items, client, sessions: only };
}

const unhandled = (message: string) =>
  captureEvent({ exception: { values: [{ type: 'Error', value: message, mechanism: { type: 'onerror', handled: false } }] } });

beforeEach(() => {
  vi.stubGlobal('location', { href: 'https://shop.test/', pathname: '/' });
  vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0 Test' });
});
afterEach(() => {
  setClient(undefined);
  vi.unstubAllGlobals();
});

describe('sessions', () => {
  test('a page load starts a session with init and status ok, with release and environment', () => {
    const { sessions: sent } = start();
    const [s] = sent();
    expect(s).toMatchObject({ init: true, status: 'ok', errors: 0, attrs: { release: 'shop@1', environment: 'test' } });
    expect(s.sid).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(s.started)).toBeLessThanOrEqual(Date.parse(s.timestamp));
    expect(s.did).toBeUndefined();
  });

  test('a handled error sends errors: 1 once; an unhandled one then sends unhandled', () => {
    const { sessions: sent } = start();
    setUser({ id: 'u7' });
    captureException(new Error('first'));
    captureException(new Error('second'));
    captureMessage('a message is not an error of the session');
    expect(sent().map((s) => [s.init, s.status, s.errors])).toEqual([[true, 'ok', 0], [false, 'ok', 1]]);
    unhandled('boom');
    unhandled('after the crash nothing more is sent');
    const all = sent();
    expect(all.map((s) => [s.status, s.errors])).toEqual([['ok', 0], ['ok', 1], ['unhandled', 1]]);
    expect(new Set(all.map((s) => s.sid)).size).toBe(1);
    expect(all[2].did).toBe('u7');
  });

  test('a route change ends an ok session as exited and starts the next', () => {
    const { client, sessions: sent } = start();
    client.onRouteChange.forEach((fn) => fn('/a', '/b'));
    const [first, exited, next] = sent();
    expect([exited.sid, exited.status, exited.init]).toEqual([first.sid, 'exited', false]);
    expect(next).toMatchObject({ init: true, status: 'ok', errors: 0 });
    expect(next.sid).not.toBe(first.sid);
    // A session that ended in an unhandled error is not ended again.
    unhandled('boom');
    client.onRouteChange.forEach((fn) => fn('/b', '/c'));
    expect(sent().map((s) => s.status)).toEqual(['ok', 'exited', 'ok', 'unhandled', 'ok']);
  });

  test('nothing is sent without a release or with autoSessionTracking false, and events still go out', () => {
    for (const options of [{ release: undefined }, { autoSessionTracking: false }]) {
      const { items, sessions: sent } = start(options);
      unhandled('boom');
      expect(sent()).toEqual([]);
      expect(items.map((i) => i.type)).toEqual(['event']);
    }
  });
});
