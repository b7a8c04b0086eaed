// Compression of recording segments off the main thread: a Web Worker made
// from an inline blob (the worker's code is built into this chunk, see
// scripts/build.mjs), so a page that records pays nothing for deflate on its
// own thread. Where workers are unavailable (a CSP without `worker-src
// blob:`, an old browser) or the worker fails, segments go uncompressed:
// the server accepts plain JSON too.
import WORKER_SOURCE from 'sightline:replay-worker';

/** Compresses segment text: zlib bytes, or the text itself when no worker can. */
export interface Compressor {
  compress(text: string): Promise<Uint8Array | string>;
  /** Ends the worker. */
  close(): void;
}

/** Starts the worker (or the uncompressed fallback, when `source` is empty or workers fail). */
export function createCompressor(source: string = WORKER_SOURCE): Compressor {
  let worker: Worker | undefined;
  let url: string | undefined;
  let seq = 0;
  const pending = new Map<number, (r: Uint8Array | string) => void>();
  const fail = () => {
    // Everything in flight goes out uncompressed, and so does everything after.
    worker?.terminate();
    worker = undefined;
    for (const [, resolve] of pending) resolve('');
    pending.clear();
  };
  try {
    if (source && typeof Worker === 'function' && typeof Blob === 'function' && typeof URL?.createObjectURL === 'function') {
      url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      worker = new Worker(url);
      worker.onmessage = (e: MessageEvent<{ id: number; data?: Uint8Array; error?: string }>) => {
        const resolve = pending.get(e.data.id);
        pending.delete(e.data.id);
        resolve?.(e.data.data || '');
      };
      worker.onerror = fail;
    }
  } catch {
    worker = undefined;
  }
  return {
    compress(text) {
      const w = worker;
      if (!w) return Promise.resolve(text);
      const id = ++seq;
      return new Promise<Uint8Array | string>((resolve) => {
        pending.set(id, resolve);
        try {
          w.postMessage({ id, text });
        } catch {
          pending.delete(id);
          resolve('');
        }
      }).then((r) => (r === '' ? text : r));
    },
    close() {
      worker?.terminate();
      worker = undefined;
      if (url) URL.revokeObjectURL(url);
    },
  };
}
