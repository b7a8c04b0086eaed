import type { SentryEvent } from '../types';

/**
 * Returns a key that is equal for two reports of the same error: same type,
 * message and innermost frame. An error thrown in a loop or reported both by
 * `captureException` and the global handler is sent once.
 */
export function dedupeKey(event: SentryEvent): string {
  const ex = event.exception?.values[0];
  const frames = ex?.stacktrace?.frames || [];
  const top = frames[frames.length - 1];
  return [ex?.type, ex?.value, event.message, top?.filename, top?.lineno, top?.colno].join('|');
}
