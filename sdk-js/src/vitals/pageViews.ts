import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';
import { uuid4 } from '../event/uuid';
import { captureEvent } from '../sdk/captureEvent';
import type { Client } from '../sdk/client';
import { listen } from '../sdk/listen';
import type { SentryEvent } from '../types';

interface PageView {
  op: 'pageload' | 'navigation';
  name: string;
  url: string;
  /** Epoch seconds. */
  start: number;
  end?: number;
  sampled: boolean;
  sent: boolean;
  measurements: NonNullable<SentryEvent['measurements']>;
}

/**
 * Sends one `transaction` per page view, like Sentry's browser tracing: the
 * page load carries LCP, FCP, CLS, INP and TTFB from the `web-vitals` library
 * as `measurements`; each SPA route change closes the current view and opens
 * a `navigation` view. A view is sent once: when the page is hidden or left,
 * or when the route changes, whichever comes first, with the latest values.
 */
export function pageViews(client: Client): void {
  const o = client.options;
  if (o.vitals === false) return;
  const origin = performance.timeOrigin || Date.now() - performance.now();
  const sampled = () => o.tracesSampleRate === undefined || Math.random() < o.tracesSampleRate;
  let view: PageView = open('pageload', origin / 1000);

  function open(op: PageView['op'], start: number): PageView {
    return { op, name: location.pathname, url: location.href, start, sampled: sampled(), sent: false, measurements: {} };
  }

  const record = (metric: Metric) => {
    // web-vitals measures the hard page load only; later values belong to it, not to an SPA view.
    if (view.op !== 'pageload' || view.sent) return;
    const unit = metric.name === 'CLS' ? '' : 'millisecond';
    view.measurements[metric.name.toLowerCase()] = { value: metric.value, unit };
  };
  // reportAllChanges: keep the latest value of every metric, because on a real
  // navigation `pagehide` fires before `visibilitychange` (HTML spec, "unload a
  // document"), i.e. before web-vitals would report its final values.
  const all = { reportAllChanges: true };
  onLCP(record, all);
  onFCP(record, all);
  onCLS(record, all);
  onINP(record, all);
  onTTFB(record, all);

  const send = (v: PageView) => {
    if (v.sent || !v.sampled) return;
    v.sent = true;
    const end = v.end ?? pageLoadEnd(v, origin);
    captureEvent({
      type: 'transaction',
      transaction: v.name,
      start_timestamp: v.start,
      timestamp: Math.max(end, v.start),
      contexts: { trace: { op: v.op, trace_id: uuid4(), span_id: uuid4().slice(16), status: 'ok' } },
      measurements: v.measurements,
      request: { url: v.url },
      spans: [],
    });
  };

  listen(client, window, 'visibilitychange', () => {
    if (document.visibilityState === 'hidden') send(view);
  });
  listen(client, window, 'pagehide', () => send(view));
  client.onRouteChange.push(() => {
    send(view);
    view = open('navigation', Date.now() / 1000);
    const v = view;
    // A soft navigation "ends" at the first frame after the route change rendered.
    requestAnimationFrame(() => setTimeout(() => (v.end = Date.now() / 1000)));
  });
}

/** Ends a page load at the load event, or now when the page is hidden before it. */
function pageLoadEnd(v: PageView, origin: number): number {
  const nav = performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined;
  if (v.op === 'pageload' && nav && nav.loadEventEnd > 0) return (origin + nav.loadEventEnd) / 1000;
  return Date.now() / 1000;
}
