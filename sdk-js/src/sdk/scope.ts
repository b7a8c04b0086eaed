/**
 * Scope setters: what every later event carries. Grouped in one file because
 * each is one line over the same state.
 */
import type { User } from '../types';
import { getClient } from './client';

/** Sets (or with null clears) the user attached to later events. */
export function setUser(user: User | null): void {
  const c = getClient();
  if (c) c.scope.user = user || undefined;
}

/** Sets one tag on later events. */
export function setTag(key: string, value: string): void {
  const c = getClient();
  if (c) c.scope.tags[key] = String(value);
}

/** Sets several tags on later events. */
export function setTags(tags: Record<string, string>): void {
  for (const k of Object.keys(tags || {})) setTag(k, tags[k]);
}

/** Sets (or with null removes) a named context, e.g. `setContext('cart', {items: 3})`. */
export function setContext(name: string, context: Record<string, unknown> | null): void {
  const c = getClient();
  if (!c) return;
  if (context) c.scope.contexts[name] = { ...context };
  else delete c.scope.contexts[name];
}
