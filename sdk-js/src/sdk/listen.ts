import type { Client } from './client';

/**
 * Adds an event listener that the client removes on teardown, and that can
 * never throw into the page: SDK bugs are logged (in debug mode) and swallowed.
 */
export function listen<E extends Event>(
  client: Client,
  target: EventTarget,
  type: string,
  handler: (event: E) => void,
  capture = false,
): void {
  const safe = (event: Event) => {
    try {
      handler(event as E);
    } catch (e) {
      client.debug(`${type} handler failed`, e);
    }
  };
  target.addEventListener(type, safe, capture);
  client.teardown.push(() => target.removeEventListener(type, safe, capture));
}
