import { describe } from '../event/describe';
import type { Client } from '../sdk/client';

/** Records `console.warn` and `console.error` calls as breadcrumbs (the message, not the objects). */
export function consoleBreadcrumbs(client: Client): void {
  for (const level of ['warn', 'error'] as const) {
    const original = console[level];
    if (typeof original !== 'function') continue;
    console[level] = function (...args: unknown[]) {
      try {
        const message = args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a}` : describe(a))).join(' ');
        client.breadcrumbs.add({ category: 'console', level: level === 'warn' ? 'warning' : 'error', message: message.slice(0, 500) });
      } catch {
        // Logging must keep working whatever we fail at.
      }
      return original.apply(console, args);
    };
    client.teardown.push(() => (console[level] = original));
  }
}
