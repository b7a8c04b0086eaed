import { debugMeta } from '../event/debugMeta';
import { dedupeKey } from '../event/dedupe';
import { matchesAny } from '../event/matches';
import type { SentryEvent } from '../types';
import { uuid4 } from '../event/uuid';
import { getClient, SDK_NAME, SDK_VERSION } from './client';

/**
 * Sends an event through the pipeline: filters (sampleRate, ignoreErrors,
 * denyUrls, dedupe, the client rate cap), scope (user, tags, contexts,
 * breadcrumbs, page URL), `beforeSend`, then the transport's batch.
 * Returns the event id, or undefined when the event was dropped.
 * Never throws: a monitoring SDK must not become the page's error.
 */
export function captureEvent(event: SentryEvent, hint: { originalException?: unknown } = {}): string | undefined {
  const client = getClient();
  if (!client) return undefined;
  try {
    const o = client.options;
    const isTransaction = event.type === 'transaction';
    if (!isTransaction) {
      const ex = event.exception?.values[0];
      const text = ex ? `${ex.type}: ${ex.value}` : event.message;
      const frames = ex?.stacktrace?.frames;
      const url = (frames && frames[frames.length - 1]?.filename) || (event.tags && event.tags['resource.url']);
      if (matchesAny(text, o.ignoreErrors) || matchesAny(url, o.denyUrls)) return undefined;
      if (o.sampleRate !== undefined && Math.random() >= o.sampleRate) return undefined;
      const key = dedupeKey(event);
      if (key === client.lastEventKey) return undefined;
      if (!client.allowEvent()) return undefined;
      client.lastEventKey = key;
    }
    const s = client.scope;
    let prepared: SentryEvent | null = {
      event_id: uuid4(),
      timestamp: Date.now() / 1000,
      platform: 'javascript',
      level: isTransaction ? undefined : 'error',
      ...event,
      release: event.release ?? o.release,
      environment: event.environment ?? o.environment,
      sdk: { name: SDK_NAME, version: SDK_VERSION },
      tags: { ...s.tags, ...event.tags },
      contexts: { ...s.contexts, ...event.contexts },
      user: { ...s.user, ...event.user },
      request: { url: location.href, headers: { 'User-Agent': navigator.userAgent }, ...event.request },
    };
    if (!isTransaction) {
      prepared.breadcrumbs = client.breadcrumbs.all();
      prepared.debug_meta = debugMeta(prepared);
      if (o.beforeSend) prepared = o.beforeSend(prepared, hint);
      if (!prepared) return undefined;
    }
    client.transport.submit({ type: isTransaction ? 'transaction' : 'event', payload: prepared });
    return prepared.event_id;
  } catch (e) {
    client.debug('event dropped', e);
    return undefined;
  }
}
