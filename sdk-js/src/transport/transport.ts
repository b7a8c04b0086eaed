import { encodeEnvelope, type EnvelopeItem } from './envelope';
import { isRateLimited, updateRateLimits, type RateLimits } from './rateLimits';
import type { QueuedEnvelope } from './queueStore';
import { backoffMs, type RetryQueue, type SendOutcome } from './retryQueue';

/** Chrome and the Fetch spec allow 64 KiB of in-flight keepalive bodies per page; leave room. */
const KEEPALIVE_MAX_BYTES = 60_000;

export interface TransportOptions {
  url: string;
  queue: RetryQueue;
  /** Captured before the SDK wraps `window.fetch`, so sending is not itself breadcrumbed. */
  fetch?: typeof fetch;
  sendBeacon?: (url: string, data: string) => boolean;
  batchDelayMs?: number;
  now?: () => number;
  debug?: (message: string, detail?: unknown) => void;
}

export interface Transport {
  /** Adds an item to the current batch; the batch goes out after `batchDelayMs`. */
  submit(item: EnvelopeItem): void;
  /**
   * Sends the batch now. `unloading` (pagehide) uses sendBeacon, which outlives
   * the page; otherwise fetch with keepalive, whose answer is still read
   * if the page lives on (a tab switch), so failures can be queued.
   */
  flush(unloading?: boolean): Promise<void>;
  /** Retries queued envelopes that are due; `fresh` (page load) also those waiting out a backoff. */
  retryQueued(fresh?: boolean): Promise<void>;
  readonly rateLimits: RateLimits;
}

/** Creates the envelope transport: batching, rate limits, retry queue. Never rejects. */
export function createTransport(o: TransportOptions): Transport {
  const now = o.now || Date.now;
  const debug = o.debug || (() => {});
  const rateLimits: RateLimits = {};
  let batch: EnvelopeItem[] = [];
  let batchTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  async function post(url: string, body: string, category: string): Promise<SendOutcome> {
    if (!o.fetch) return { kind: 'retry' };
    try {
      // A string body is sent as text/plain: a CORS "simple request", so no preflight.
      const res = await o.fetch(url, { method: 'POST', body, keepalive: byteLength(body) <= KEEPALIVE_MAX_BYTES });
      updateRateLimits(rateLimits, res.status, (h) => res.headers.get(h), now());
      if (res.ok) return { kind: 'sent' };
      if (res.status === 429) return { kind: 'later', until: limitEnd(category) };
      if (res.status >= 500 || res.status === 408) return { kind: 'retry' };
      debug(`envelope refused with ${res.status}`, res.headers.get('x-sentry-error'));
      return { kind: 'drop' };
    } catch (e) {
      debug('send failed, queued', e);
      return { kind: 'retry' };
    }
  }

  function limitEnd(category: string): number {
    return Math.max(rateLimits[category] || 0, rateLimits.all || 0, now() + 1000);
  }

  async function enqueue(body: string, category: string, notBefore: number, attempts = 0): Promise<void> {
    try {
      await o.queue.enqueue({ url: o.url, body, category, notBefore, attempts });
      scheduleRetry();
    } catch (e) {
      debug('queue failed', e);
    }
  }

  function scheduleRetry(): void {
    o.queue.nextDue().then((due) => {
      if (due === undefined) return;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => void retryQueued(), Math.max(100, due - now()));
    }, debug);
  }

  async function sendQueued(entry: QueuedEnvelope): Promise<SendOutcome> {
    if (isRateLimited(rateLimits, entry.category, now())) return { kind: 'later', until: limitEnd(entry.category) };
    return post(entry.url, entry.body, entry.category);
  }

  async function retryQueued(fresh?: boolean): Promise<void> {
    try {
      await o.queue.drain(sendQueued, fresh);
      scheduleRetry();
    } catch (e) {
      debug('retry failed', e);
    }
  }

  function envelopeBody(items: EnvelopeItem[]): string {
    const dropped = o.queue.takeDropped();
    if (dropped) {
      // Tell the server what the bounded queue lost (develop.sentry.dev/sdk/client-reports).
      const report = { timestamp: now() / 1000, discarded_events: [{ reason: 'queue_overflow', category: 'error', quantity: dropped }] };
      items = [...items, { type: 'client_report', payload: report }];
    }
    // The header's `sdk` is optional; every event payload already names the SDK.
    return encodeEnvelope(items, { sent_at: new Date(now()).toISOString() });
  }

  async function flush(unloading = false): Promise<void> {
    clearTimeout(batchTimer);
    batchTimer = undefined;
    if (!batch.length) return;
    const items = batch;
    batch = [];
    const body = envelopeBody(items);
    // Errors beat transactions: an envelope with both is limited as errors.
    const category = items.some((i) => i.type === 'event') ? 'error' : 'transaction';
    if (isRateLimited(rateLimits, category, now())) return enqueue(body, category, limitEnd(category));
    if (unloading && o.sendBeacon && byteLength(body) <= KEEPALIVE_MAX_BYTES) {
      let queued = false;
      try {
        queued = o.sendBeacon(o.url, body);
      } catch {
        // Some browsers throw on a beacon to a blocked URL; fall through to fetch.
      }
      if (queued) return;
    }
    const outcome = await post(o.url, body, category);
    if (outcome.kind === 'sent') return retryQueued(); // the server is up: send what waited
    if (outcome.kind === 'later') return enqueue(body, category, outcome.until);
    if (outcome.kind === 'retry') return enqueue(body, category, now() + backoffMs(1), 1);
  }

  return {
    submit(item) {
      batch.push(item);
      batchTimer ||= setTimeout(() => void flush(), o.batchDelayMs ?? 200);
    },
    flush,
    retryQueued,
    rateLimits,
  };
}

function byteLength(s: string): number {
  // Cheap upper bound first: most envelopes are far below the limit.
  return s.length * 3 <= KEEPALIVE_MAX_BYTES ? s.length : new TextEncoder().encode(s).length;
}
