import { describe, expect, test, vi, afterEach, beforeEach } from 'vitest';
import { memoryStore } from '../src/transport/queueStore';
import { createRetryQueue, type RetryQueue } from '../src/transport/retryQueue';
import { createTransport } from '../src/transport/transport';

/** A fake fetch that answers from a script and records every request. */
function fakeFetch(answers: Array<number | [number, Record<string, string>] | 'offline'>) {
  const calls: Array<{ url: string; body: string; keepalive?: boolean }> = [];
  const fn = vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, body: String(init.body), keepalive: init.keepalive });
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    if (answer === 'offline') throw new TypeError('Failed to fetch');
    const [status, headers] = Array.isArray(answer) ? answer : [answer, {}];
    return new Response(status === 200 ? '{}' : 'no', { status, headers });
  });
  return { fn: fn as unknown as typeof fetch, calls };
}

const URL = 'https://sl.test/api/1/envelope/?sentry_key=k&sentry_version=7';
const event = (message: string) => ({ type: 'event', payload: { event_id: 'e', message } });
let clock = 1_000_000;

function setup(answers: Parameters<typeof fakeFetch>[0], beacon?: (u: string, d: string) => boolean) {
  const f = fakeFetch(answers);
  const queue: RetryQueue = createRetryQueue(memoryStore(), 3, () => clock);
  const transport = createTransport({ url: URL, queue, fetch: f.fn, sendBeacon: beacon, batchDelayMs: 0, now: () => clock });
  return { ...f, queue, transport };
}

beforeEach(() => {
  clock = 1_000_000;
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('transport', () => {
  test('batches submitted items into one envelope POST with keepalive', async () => {
    const t = setup([200]);
    t.transport.submit(event('a'));
    t.transport.submit(event('b'));
    await t.transport.flush();
    expect(t.calls).toHaveLength(1);
    const lines = t.calls[0].body.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(JSON.parse(lines[1])).toEqual({ type: 'event' });
    expect(JSON.parse(lines[4]).message).toBe('b');
    expect(t.calls[0].url).toBe(URL);
    expect(t.calls[0].keepalive).toBe(true);
  });

  test('sends large bodies without keepalive, which has a 64 KiB budget', async () => {
    const t = setup([200]);
    t.transport.submit(event('x'.repeat(70_000)));
    await t.transport.flush();
    expect(t.calls[0].keepalive).toBe(false);
  });

  test('queues an envelope when the network fails and retries it with backoff', async () => {
    const t = setup(['offline', 'offline', 200]);
    t.transport.submit(event('a'));
    await t.transport.flush();
    expect(t.calls).toHaveLength(1);
    expect(await t.queue.nextDue()).toBe(clock + 2000);
    clock += 2000;
    await t.transport.retryQueued();
    expect(t.calls).toHaveLength(2);
    expect(await t.queue.nextDue()).toBe(clock + 2000 * 2); // second failure: 4 s
    clock += 4000;
    await t.transport.retryQueued();
    expect(t.calls).toHaveLength(3);
    expect(await t.queue.nextDue()).toBeUndefined();
  });

  test('honours 429 Retry-After: holds later reports without sending them', async () => {
    const t = setup([[429, { 'Retry-After': '30' }], 200]);
    t.transport.submit(event('a'));
    await t.transport.flush();
    t.transport.submit(event('b'));
    await t.transport.flush();
    expect(t.calls).toHaveLength(1);
    expect(await t.queue.nextDue()).toBe(clock + 30_000);
    clock += 29_000;
    await t.transport.retryQueued();
    expect(t.calls).toHaveLength(1);
    clock += 1_000;
    await t.transport.retryQueued();
    expect(t.calls).toHaveLength(3);
    expect(await t.queue.nextDue()).toBeUndefined();
  });

  test('honours X-Sentry-Rate-Limits per category', async () => {
    const t = setup([[200, { 'X-Sentry-Rate-Limits': '60:transaction:key' }]]);
    t.transport.submit(event('a'));
    await t.transport.flush();
    expect(t.transport.rateLimits.transaction).toBe(clock + 60_000);
    t.transport.submit({ type: 'transaction', payload: { type: 'transaction' } });
    await t.transport.flush();
    t.transport.submit(event('errors still flow'));
    await t.transport.flush();
    expect(t.calls.map((c) => c.body.includes('transaction'))).toEqual([false, false]);
  });

  test('drops envelopes the server refuses for good (400) instead of retrying forever', async () => {
    const t = setup([400]);
    t.transport.submit(event('bad'));
    await t.transport.flush();
    expect(await t.queue.nextDue()).toBeUndefined();
  });

  test('uses sendBeacon when the page unloads, and falls back to fetch when it refuses', async () => {
    const beacons: string[] = [];
    const t = setup([200], (_u, d) => (beacons.push(d), beacons.length === 1));
    t.transport.submit(event('a'));
    await t.transport.flush(true);
    expect([beacons.length, t.calls.length]).toEqual([1, 0]);
    t.transport.submit(event('b'));
    await t.transport.flush(true);
    expect([beacons.length, t.calls.length]).toEqual([2, 1]);
  });

  test('never rejects, even when fetch itself is missing', async () => {
    const queue = createRetryQueue(memoryStore(), 3);
    const transport = createTransport({ url: URL, queue });
    transport.submit(event('a'));
    await expect(transport.flush()).resolves.toBeUndefined();
  });
});

describe('retry queue', () => {
  test('keeps at most maxSize envelopes, dropping the oldest, and reports the count once', async () => {
    const q = createRetryQueue(memoryStore(), 3, () => clock);
    for (const body of ['1', '2', '3', '4', '5']) await q.enqueue({ url: URL, body, category: 'error', notBefore: 0 });
    const sent: string[] = [];
    await q.drain(async (e) => (sent.push(e.body), { kind: 'sent' }));
    expect(sent).toEqual(['3', '4', '5']);
    expect(q.takeDropped()).toBe(2);
    expect(q.takeDropped()).toBe(0);
  });

  test('stops draining at the first network failure: the rest would fail too', async () => {
    const q = createRetryQueue(memoryStore(), 10, () => clock);
    for (const body of ['1', '2', '3']) await q.enqueue({ url: URL, body, category: 'error', notBefore: 0 });
    const tried: string[] = [];
    await q.drain(async (e) => (tried.push(e.body), { kind: 'retry' }));
    expect(tried).toEqual(['1']);
  });

  test('reports the dropped count as a client report in the next envelope', async () => {
    const t = setup([200]);
    for (const body of ['1', '2', '3', '4']) await t.queue.enqueue({ url: URL, body, category: 'error', notBefore: clock + 10_000 });
    t.transport.submit(event('a'));
    await t.transport.flush();
    expect(t.calls[0].body).toContain('{"type":"client_report"}');
    expect(t.calls[0].body).toContain('"reason":"queue_overflow","category":"error","quantity":1');
  });

  test('forgets envelopes older than a week', async () => {
    const q = createRetryQueue(memoryStore(), 10, () => clock);
    await q.enqueue({ url: URL, body: 'old', category: 'error', notBefore: 0 });
    clock += 8 * 24 * 3600_000;
    const sent: string[] = [];
    await q.drain(async (e) => (sent.push(e.body), { kind: 'sent' }));
    expect(sent).toEqual([]);
    expect(q.takeDropped()).toBe(1);
  });
});

describe('retry queue on a new page load', () => {
  test('sends envelopes waiting out a backoff at once, but holds rate-limited ones', async () => {
    const q = createRetryQueue(memoryStore(), 10, () => clock);
    await q.enqueue({ url: URL, body: 'network failed', category: 'error', notBefore: clock + 60_000, attempts: 3 });
    await q.enqueue({ url: URL, body: 'rate limited', category: 'error', notBefore: clock + 60_000 });
    const sent: string[] = [];
    await q.drain(async (e) => (sent.push(e.body), { kind: 'sent' }));
    expect(sent).toEqual([]);
    await q.drain(async (e) => (sent.push(e.body), { kind: 'sent' }), true);
    expect(sent).toEqual(['network failed']);
  });

  test('a rate limit on a retried envelope resets its backoff, so a reload honours the limit', async () => {
    const q = createRetryQueue(memoryStore(), 10, () => clock);
    await q.enqueue({ url: URL, body: 'x', category: 'error', notBefore: 0, attempts: 2 });
    await q.drain(async () => ({ kind: 'later', until: clock + 30_000 }));
    let tried = 0;
    await q.drain(async () => (tried++, { kind: 'sent' }), true);
    expect(tried).toBe(0);
    expect(await q.nextDue()).toBe(clock + 30_000);
  });
});
