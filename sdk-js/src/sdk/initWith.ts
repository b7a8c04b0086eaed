import { createBreadcrumbBuffer } from '../breadcrumbs/buffer';
import { createRateCap } from '../event/rateCap';
import { parseDsn } from '../transport/dsn';
import { idbStore } from '../transport/idbStore';
import { memoryStore } from '../transport/queueStore';
import { createRetryQueue } from '../transport/retryQueue';
import { createTransport } from '../transport/transport';
import type { Options } from '../types';
import { listen } from './listen';
import { getClient, setClient, type Client } from './client';

/** A capture feature: installs listeners/wrappers and registers their removal on `client.teardown`. */
export type Integration = (client: Client) => void;

/**
 * Starts the SDK with the given integrations. The entry points (`init` with
 * everything, the errors-only build) differ only in that list, so a bundler
 * drops what an entry does not name. Returns false when the DSN is unusable;
 * never throws.
 */
export function initWith(options: Options, integrations: Integration[]): boolean {
  try {
    close();
    const log = (message: string, detail?: unknown) => {
      if (options.debug) console.log(`[sightline] ${message}`, detail ?? '');
    };
    // Throws (and so returns false below) when options is missing altogether.
    const dsn = parseDsn(String(options.dsn));
    if (!dsn) {
      log('bad DSN: SDK off');
      return false;
    }
    let store;
    try {
      store = idbStore();
    } catch {
      // IndexedDB access throws in some sandboxed iframes.
    }
    const queue = createRetryQueue(store || memoryStore(), options.maxQueueSize ?? 30);
    const nativeFetch = options.fetch || (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
    const beacon = typeof navigator !== 'undefined' && navigator.sendBeacon ? navigator.sendBeacon.bind(navigator) : undefined;
    const transport = createTransport({
      url: dsn.envelopeUrl,
      queue,
      fetch: nativeFetch,
      sendBeacon: beacon,
      batchDelayMs: options.batchDelayMs,
      debug: log,
    });
    const client: Client = {
      options,
      transport,
      breadcrumbs: createBreadcrumbBuffer(options.maxBreadcrumbs ?? 50),
      scope: { tags: {}, contexts: {} },
      allowEvent: createRateCap(options.maxEventsPerMinute ?? 30),
      onRouteChange: [],
      teardown: [],
      debug: log,
    };
    setClient(client);
    for (const integration of integrations) {
      try {
        integration(client);
      } catch (e) {
        log('integration failed', e);
      }
    }
    // Registered after the integrations so that, on the same event, the page-load
    // transaction (submitted by the vitals listener) is already in the batch.
    listen(client, window, 'visibilitychange', () => {
      if (document.visibilityState === 'hidden') void transport.flush(false);
    });
    listen(client, window, 'pagehide', () => void transport.flush(true));
    // Reports queued while offline or while the server was down go out once the page has settled.
    const retry = setTimeout(() => void transport.retryQueued(true), 1000);
    client.teardown.push(() => clearTimeout(retry));
    return true;
  } catch {
    return false;
  }
}

/** Stops the SDK: removes every listener and wrapper it installed. */
export function close(): void {
  const c = getClient();
  if (!c) return;
  setClient(undefined);
  for (const undo of c.teardown.reverse()) {
    try {
      undo();
    } catch {
      // Keep undoing the rest.
    }
  }
}
