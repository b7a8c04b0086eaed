import { captureEvent } from '../sdk/captureEvent';
import type { Client } from '../sdk/client';

/**
 * Reports main-thread long tasks (w3c.github.io/longtasks) at or above
 * `longTaskThreshold` ms as `long_task` warning events, at most
 * `maxLongTaskReports` per page view, grouped per page path. Chromium only:
 * elsewhere the frame sampler's jank detection covers the same ground.
 */
export function longTasks(client: Client): void {
  const o = client.options;
  const threshold = o.longTaskThreshold ?? 50;
  if (threshold === false || !supportsLongTasks()) return;
  let reported = 0;
  client.onRouteChange.push(() => (reported = 0));
  const observer = new PerformanceObserver((list) => {
    try {
      for (const entry of list.getEntries()) {
        if (entry.duration < threshold) continue;
        const ms = Math.round(entry.duration);
        client.breadcrumbs.add({ category: 'performance', level: 'warning', message: `Long task ${ms} ms` });
        if (reported >= (o.maxLongTaskReports ?? 5)) continue;
        reported++;
        captureEvent({
          level: 'warning',
          message: `Long task: ${ms} ms blocked the main thread`,
          tags: { 'sightline.kind': 'long_task', 'long_task.bucket': bucket(ms) },
          contexts: { long_task: { duration_ms: ms, start_ms: Math.round(entry.startTime), name: entry.name } },
          fingerprint: ['sightline.long_task', location.pathname],
        });
      }
    } catch (e) {
      client.debug('long-task observer failed', e);
    }
  });
  // `buffered` also delivers the long tasks of the page load, before init ran.
  observer.observe({ type: 'longtask', buffered: true });
  client.teardown.push(() => observer.disconnect());
}

/** Returns whether this browser reports `longtask` entries. */
export function supportsLongTasks(): boolean {
  return typeof PerformanceObserver !== 'undefined' && (PerformanceObserver.supportedEntryTypes || []).indexOf('longtask') >= 0;
}

function bucket(ms: number): string {
  return ms >= 1000 ? '1s+' : ms >= 250 ? '250ms+' : ms >= 100 ? '100ms+' : '50ms+';
}
