import type { Client } from '../sdk/client';
import { scrubUrl } from './scrubUrl';

/**
 * Records an `http` breadcrumb (method, scrubbed URL, status, duration) for
 * each fetch and XMLHttpRequest. The SDK's own envelopes are skipped: the
 * transport holds the fetch from before this wrapper, and beacons are not XHR.
 */
export function networkBreadcrumbs(client: Client): void {
  const record = (type: 'fetch' | 'xhr', method: string, url: string, status: number, start: number) => {
    if (url.indexOf('/envelope/?sentry_key=') >= 0) return;
    client.breadcrumbs.add({
      type: 'http',
      category: type,
      level: status === 0 || status >= 500 ? 'error' : status >= 400 ? 'warning' : 'info',
      data: { method: method.toUpperCase(), url: scrubUrl(url), status_code: status, duration_ms: Math.round(performance.now() - start) },
    });
  };

  const originalFetch = window.fetch;
  if (typeof originalFetch === 'function') {
    window.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      const start = performance.now();
      let method = 'GET';
      let url = '';
      try {
        method = init?.method || (input instanceof Request ? input.method : 'GET');
        url = input instanceof Request ? input.url : String(input);
      } catch {
        // Unreadable input: still call through.
      }
      return originalFetch.call(this, input, init).then(
        (res) => (record('fetch', method, url, res.status, start), res),
        (err) => {
          record('fetch', method, url, 0, start);
          throw err;
        },
      );
    } as typeof fetch;
    client.teardown.push(() => (window.fetch = originalFetch));
  }

  const proto = typeof XMLHttpRequest !== 'undefined' ? XMLHttpRequest.prototype : undefined;
  if (proto) {
    const open = proto.open;
    const send = proto.send;
    const meta = new WeakMap<XMLHttpRequest, { method: string; url: string }>();
    proto.open = function (this: XMLHttpRequest, method: string, url: string | URL) {
      meta.set(this, { method, url: String(url) });
      // eslint-disable-next-line prefer-rest-params
      return open.apply(this, arguments as unknown as Parameters<typeof open>);
    } as typeof open;
    proto.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
      const m = meta.get(this);
      if (m) {
        const start = performance.now();
        this.addEventListener('loadend', () => {
          try {
            record('xhr', m.method, m.url, this.status, start);
          } catch {
            // Never let a breadcrumb break the app's request callbacks.
          }
        });
      }
      return send.call(this, body);
    };
    client.teardown.push(() => {
      proto.open = open;
      proto.send = send;
    });
  }
}
