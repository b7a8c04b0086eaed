import { parseStack } from '../stack/parseStack';
import type { SentryEvent } from '../types';

/**
 * Returns Sentry's `debug_meta` for the files on an event's stack whose
 * bundle carries a debug ID, so the server finds their source maps whatever
 * the release. `sentry-cli sourcemaps inject` and Sentry's bundler plugins
 * put `_sentryDebugIds[new Error().stack] = id` at the top of each bundle;
 * the stack taken there names the bundle's URL (as @sentry/core reads it).
 */
export function debugMeta(event: SentryEvent): SentryEvent['debug_meta'] {
  const ids = (globalThis as { _sentryDebugIds?: Record<string, string> })._sentryDebugIds;
  if (!ids) return;
  const byFile: Record<string, string> = {};
  for (const stack in ids) for (const f of parseStack(stack)) byFile[f.filename!] = ids[stack];
  const images: Array<{ type: string; code_file: string; debug_id: string }> = [];
  for (const f of event.exception?.values[0].stacktrace?.frames || []) {
    const id = byFile[f.filename!];
    if (id) images.push({ type: 'sourcemap', code_file: f.filename!, debug_id: id });
    byFile[f.filename!] = '';
  }
  return images.length ? { images } : undefined;
}
