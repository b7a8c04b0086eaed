import { captureEvent } from '../sdk/captureEvent';
import type { Client } from '../sdk/client';
import { listen } from '../sdk/listen';

const DEFAULT_ROOTS = ['html', 'body', '#app', '#root', '#__next', 'main'];
const TRIES = 3;

/**
 * Detects a blank page: some time after load (and after each SPA route
 * change) it samples 17 points on a horizontal and a vertical line through
 * the viewport's centre with `elementFromPoint`; when every point hits only a
 * root container (html, body, the app's mount node), the page drew nothing.
 * The check is retried (slow renders are not blank pages) before a
 * `white_screen` event is sent.
 */
export function whiteScreen(client: Client): void {
  const o = client.options;
  if (o.whiteScreen === false || typeof document.elementFromPoint !== 'function') return;
  const roots = DEFAULT_ROOTS.concat(o.whiteScreenSelectors || []).join(',');
  const delay = o.whiteScreenDelayMs ?? 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let tries = 0;

  const check = () => {
    if (document.visibilityState !== 'visible') return arm(false);
    const w = window.innerWidth;
    const h = window.innerHeight;
    let empty = 0;
    let total = 0;
    const points: number[][] = [];
    for (let i = 1; i <= 9; i++) {
      points.push([(w * i) / 10, h / 2]);
      if (i !== 5) points.push([w / 2, (h * i) / 10]); // the centre is sampled once
    }
    for (const [x, y] of points) {
      total++;
      const el = document.elementFromPoint(x, y);
      if (!el || el.matches(roots)) empty++;
    }
    if (empty < total) return;
    if (++tries < TRIES) return arm(false);
    captureEvent({
      level: 'error',
      message: `White screen: nothing rendered at ${total} sampled points`,
      tags: { 'sightline.kind': 'white_screen' },
      contexts: { white_screen: { sampled_points: total, empty_points: empty, roots } },
      fingerprint: ['sightline.white_screen', location.pathname],
    });
  };
  const arm = (fresh: boolean) => {
    if (fresh) tries = 0;
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        check();
      } catch (e) {
        client.debug('white-screen check failed', e);
      }
    }, delay);
  };

  if (document.readyState === 'complete') arm(true);
  else listen(client, window, 'load', () => arm(true));
  client.onRouteChange.push(() => arm(true));
  client.teardown.push(() => clearTimeout(timer));
}
