import type { QueuedEnvelope, QueueStore } from './queueStore';

/** What a send attempt of a queued envelope came to. */
export type SendOutcome =
  | { kind: 'sent' }
  /** Network failure or 5xx: try again later with backoff. */
  | { kind: 'retry' }
  /** Rate limited: not before this epoch ms (and the server is up, so keep draining others). */
  | { kind: 'later'; until: number }
  /** The server refused it for good (400, 413, …): retrying cannot help. */
  | { kind: 'drop' };

export interface RetryQueue {
  /** Stores an envelope to be sent later; drops the oldest beyond the bound. */
  enqueue(entry: Omit<QueuedEnvelope, 'id' | 'attempts' | 'created'> & { attempts?: number }): Promise<void>;
  /**
   * Sends every due envelope, oldest first; stops at the first network failure.
   * `fresh` (a new page load) also sends envelopes still waiting out a backoff:
   * a new page is a new chance, while a server's rate limit is still honoured.
   */
  drain(send: (entry: QueuedEnvelope) => Promise<SendOutcome>, fresh?: boolean): Promise<void>;
  /** Envelopes lost to the bound, the age limit or a permanent refusal since the last call (for client reports). */
  takeDropped(): number;
  /** Epoch ms of the earliest due retry, or undefined when the queue is empty. */
  nextDue(): Promise<number | undefined>;
}

const BASE_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 5 * 60_000;
/** Older reports are dropped: the server would re-date them to arrival time anyway after 30 days. */
const MAX_AGE_MS = 7 * 24 * 3600_000;

/** Returns the wait before retry number `attempts` (1-based): 2 s, 4 s, 8 s, … capped at 5 min. */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

/** Creates the bounded retry queue over `store`. */
export function createRetryQueue(store: QueueStore, maxSize: number, now: () => number = Date.now): RetryQueue {
  let dropped = 0;
  let draining: Promise<void> | undefined;

  async function enforceBounds(): Promise<void> {
    const entries = await store.all();
    const t = now();
    let excess = entries.length - maxSize;
    for (const e of entries) {
      if (excess > 0 || t - e.created > MAX_AGE_MS) {
        excess--;
        dropped++;
        await store.remove(e.id as number);
      }
    }
  }

  async function drainOnce(send: (entry: QueuedEnvelope) => Promise<SendOutcome>, fresh?: boolean): Promise<void> {
    await enforceBounds();
    for (const entry of await store.all()) {
      // attempts > 0 means notBefore is our own backoff, not a server's rate limit.
      if (entry.notBefore > now() && !(fresh && entry.attempts > 0)) continue;
      const outcome = await send(entry);
      if (outcome.kind === 'sent' || outcome.kind === 'drop') {
        if (outcome.kind === 'drop') dropped++;
        await store.remove(entry.id as number);
      } else if (outcome.kind === 'later') {
        await store.put({ ...entry, attempts: 0, notBefore: outcome.until });
      } else {
        const attempts = entry.attempts + 1;
        await store.put({ ...entry, attempts, notBefore: now() + backoffMs(attempts) });
        // The server (or the network) is down: the rest would fail the same way.
        return;
      }
    }
  }

  return {
    async enqueue(entry) {
      await store.add({ ...entry, attempts: entry.attempts || 0, created: now() });
      await enforceBounds();
    },
    drain(send, fresh) {
      // One drain at a time, or two timers would send the same envelope twice.
      draining ||= drainOnce(send, fresh).finally(() => (draining = undefined));
      return draining;
    },
    takeDropped() {
      const n = dropped;
      dropped = 0;
      return n;
    },
    async nextDue() {
      const entries = await store.all();
      return entries.length ? Math.min(...entries.map((e) => e.notBefore)) : undefined;
    },
  };
}
