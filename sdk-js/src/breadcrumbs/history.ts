import type { Client } from '../sdk/client';
import { listen } from '../sdk/listen';
import { scrubUrl } from './scrubUrl';

/**
 * Records `navigation` breadcrumbs for SPA route changes (pushState,
 * replaceState, popstate) and tells the client's route listeners, which
 * start a new page view and re-arm white-screen detection.
 */
export function historyBreadcrumbs(client: Client): void {
  let last = location.href;
  let lastRoute = routeOf(last);
  const changed = () => {
    const to = location.href;
    if (to === last) return;
    const from = last;
    last = to;
    client.breadcrumbs.add({ category: 'navigation', data: { from: scrubUrl(from), to: scrubUrl(to) } });
    // A new query string or #anchor is not a new page view; a new path (or hash route) is.
    if (routeOf(to) === lastRoute) return;
    lastRoute = routeOf(to);
    for (const fn of client.onRouteChange) {
      try {
        fn(from, to);
      } catch (e) {
        client.debug('route listener failed', e);
      }
    }
  };
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      try {
        changed();
      } catch {
        // The app's navigation already happened; the breadcrumb is optional.
      }
      return result;
    };
    client.teardown.push(() => (history[method] = original));
  }
  listen(client, window, 'popstate', changed);
}

/** Names the route of a URL: without the query string and #anchors, keeping hash routes (`#/cart`). */
export function routeOf(href: string): string {
  return href.replace(/\?[^#]*|#(?!\/).*/g, '');
}
