import { uuid4 } from '../event/uuid';
import type { Client } from '../sdk/client';
import type { SentryEvent } from '../types';

/**
 * Release health, as @sentry/browser's browserSessionIntegration does it
 * (develop.sentry.dev/sdk/telemetry/sessions): one session per page load and
 * per route change, each update sent as a `session` item. A session starts
 * with `init: true`, status `ok`; the first error event with an exception
 * sends `errors: 1`; an unhandled one (mechanism `handled: false`, or level
 * `fatal`) sends status `unhandled` (as @sentry/browser 10+ does: the page
 * survives it; Sightline counts it as the page's crash); a route change ends an `ok` session as
 * `exited` and starts the next. Browsers never say when a tab closes, so an
 * open session stays `ok`, as Sentry's. Without a release nothing is sent
 * (release health is per release; Sentry's SDK and server drop those too),
 * nor with `autoSessionTracking: false`.
 *
 * Error events are seen by wrapping the transport's `submit` (which dies with
 * the client on `close`): no code in the shared capture path, so builds
 * without this integration pay nothing.
 */
export function sessions(client: Client): void {
  const o = client.options;
  if (!o.release || o.autoSessionTracking === false) return;
  const t = client.transport;
  const submit = t.submit;
  let s: { sid: string; init: boolean; started: string; status: string; errors: number } | undefined;
  const send = (status: string) => {
    const u = client.scope.user || {};
    s!.status = status;
    submit({ type: 'session', payload: { ...s, timestamp: new Date().toISOString(), did: u.id || u.email || u.username, attrs: { release: o.release, environment: o.environment } } });
    s!.init = false;
  };
  // Page load and every route change: end an `ok` session, start the next.
  const start = () => {
    if (s?.status == 'ok') send('exited');
    s = { sid: uuid4(), init: true, started: new Date().toISOString(), status: 'ok', errors: 0 };
    send('ok');
  };
  t.submit = (item) => {
    submit(item);
    const e = item.payload as SentryEvent;
    const ex = item.type == 'event' && e.exception;
    if (!ex || s!.status != 'ok') return;
    const crashed = e.level == 'fatal' || ex.values.some((x) => x.mechanism?.handled === false);
    // Like Sentry's client: one update for the first error, one for a crash; later handled errors send nothing.
    if (s!.errors && !crashed) return;
    s!.errors = 1;
    send(crashed ? 'unhandled' : 'ok');
  };
  client.onRouteChange.push(start);
  start();
}
