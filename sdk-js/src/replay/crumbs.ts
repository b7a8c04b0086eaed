// The SDK's breadcrumbs as rrweb custom events, the way @sentry/browser's
// replay records them (`{type: 5, data: {tag: 'breadcrumb', payload}}`), so
// the player's timeline shows clicks, navigations, console errors and
// fetch/XHR calls beside the page, and any Sentry-compatible player reads them.
import type { Breadcrumb, SentryEvent } from '../types';

/** A breadcrumb as it goes into the recording: Sentry's replay breadcrumb shape. */
export interface ReplayCrumb {
  timestamp: number;
  type: string;
  category: string;
  level?: string;
  message?: string;
  data?: Record<string, unknown>;
}

/**
 * Returns the breadcrumb to record, without what the page's text could leak
 * (a click's element text; the recording is masked, its timeline must be too),
 * or undefined for breadcrumbs without a category.
 */
export function replayCrumb(crumb: Breadcrumb, now = Date.now()): ReplayCrumb | undefined {
  if (!crumb || !crumb.category) return undefined;
  let data = crumb.data;
  if (crumb.category === 'ui.click' && data) {
    const { text: _text, ...rest } = data;
    data = Object.keys(rest).length ? rest : undefined;
  }
  return {
    timestamp: crumb.timestamp ?? now / 1000,
    type: crumb.type || 'default',
    category: crumb.category,
    level: crumb.level,
    message: crumb.message,
    data,
  };
}

/** Returns true for the events that make a buffered replay send: errors, not warnings or messages. */
export function isErrorEvent(event: SentryEvent): boolean {
  return !!event.exception || event.level === 'error' || event.level === 'fatal';
}

/** The breadcrumb that marks an error event on the replay's timeline (`sentry.event`, as Sentry's). */
export function errorCrumb(event: SentryEvent): ReplayCrumb {
  const ex = event.exception?.values[0];
  return {
    timestamp: event.timestamp ?? Date.now() / 1000,
    type: 'default',
    category: 'sentry.event',
    level: event.level || 'error',
    message: ex ? `${ex.type}: ${ex.value}` : event.message,
    data: { event_id: event.event_id },
  };
}
