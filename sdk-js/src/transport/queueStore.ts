/** An envelope waiting in the retry queue. */
export interface QueuedEnvelope {
  id?: number;
  /** Where it goes: the envelope URL with the key, so a queue survives a DSN change. */
  url: string;
  body: string;
  /** `error` or `transaction`, for rate limits by category. */
  category: string;
  created: number;
  attempts: number;
  /** Epoch ms before which it must not be retried (backoff or a server rate limit). */
  notBefore: number;
}

/**
 * Persistence behind the retry queue: IndexedDB in the browser, memory in
 * tests and where IndexedDB is missing (Safari private mode, sandboxed frames).
 * Entries come back oldest first.
 */
export interface QueueStore {
  add(entry: QueuedEnvelope): Promise<void>;
  put(entry: QueuedEnvelope): Promise<void>;
  remove(id: number): Promise<void>;
  all(): Promise<QueuedEnvelope[]>;
}

/** Creates a store that lives as long as the page: the fallback without IndexedDB. */
export function memoryStore(): QueueStore {
  let next = 1;
  const entries = new Map<number, QueuedEnvelope>();
  return {
    async add(entry) {
      const id = next++;
      entries.set(id, { ...entry, id });
    },
    async put(entry) {
      if (entry.id !== undefined && entries.has(entry.id)) entries.set(entry.id, { ...entry });
    },
    async remove(id) {
      entries.delete(id);
    },
    async all() {
      // A Map iterates in insertion order, which is id order.
      return [...entries.values()].map((e) => ({ ...e }));
    },
  };
}
