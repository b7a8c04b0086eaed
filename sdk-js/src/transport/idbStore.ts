import { memoryStore, type QueuedEnvelope, type QueueStore } from './queueStore';

const DB_NAME = 'sightline';
const STORE = 'envelopes';

/**
 * Opens the IndexedDB-backed queue store, or returns undefined when IndexedDB
 * is unavailable so the caller can fall back to memory. Every operation opens
 * its own short transaction: a page may be frozen or closed between calls and
 * a long-lived transaction would be aborted anyway.
 */
export function idbStore(idb: IDBFactory | undefined = globalThis.indexedDB): QueueStore | undefined {
  if (!idb) return undefined;
  let dbPromise: Promise<IDBDatabase> | undefined;
  const open = (version?: number): Promise<IDBDatabase> =>
    new Promise((resolve, reject) => {
      const req = idb.open(DB_NAME, version);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
      };
      req.onsuccess = () => {
        const d = req.result;
        // A database of that name without our store (made by other code, or an
        // older schema): upgrade it rather than fail on every transaction.
        if (d.objectStoreNames.contains(STORE)) return resolve(d);
        d.close();
        open(d.version + 1).then(resolve, reject);
      };
      req.onerror = () => reject(req.error);
    });
  const db = (): Promise<IDBDatabase> => (dbPromise ||= open());
  const run = <T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> =>
    db().then(
      (d) =>
        new Promise<T>((resolve, reject) => {
          const tx = d.transaction(STORE, mode);
          const req = op(tx.objectStore(STORE));
          // Resolve on commit, not on request success: only then is the write durable.
          tx.oncomplete = () => resolve(req.result);
          tx.onerror = tx.onabort = () => reject(tx.error || req.error);
        }),
    );
  // IndexedDB can fail at any time (private windows, quota, a blocked upgrade):
  // from the first failure on, reports live in memory for the rest of the page.
  const mem = memoryStore();
  let broken = false;
  const or = <T>(idbOp: () => Promise<T>, memOp: () => Promise<T>): Promise<T> =>
    broken ? memOp() : idbOp().catch(() => ((broken = true), memOp()));
  return {
    add: (entry) => or(() => run('readwrite', (s) => s.add(withoutId(entry))).then(() => undefined), () => mem.add(entry)),
    put: (entry) => or(() => run('readwrite', (s) => s.put(entry)).then(() => undefined), () => mem.put(entry)),
    remove: (id) => or(() => run('readwrite', (s) => s.delete(id)).then(() => undefined), () => mem.remove(id)),
    all: () => or(() => run('readonly', (s) => s.getAll() as IDBRequest<QueuedEnvelope[]>), () => mem.all()),
  };
}

function withoutId(entry: QueuedEnvelope): QueuedEnvelope {
  const copy = { ...entry };
  delete copy.id;
  return copy;
}
