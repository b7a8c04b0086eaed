import { uuid4 } from '../event/uuid';
import { getClient, SDK_NAME, SDK_VERSION } from './client';

/** What a visitor wrote, as `captureFeedback` takes it (the fields of @sentry/browser's). */
export interface FeedbackParams {
  /** The feedback itself; required (an empty message sends nothing). */
  message: string;
  name?: string;
  email?: string;
  /** The page it is about; defaults to the current one. */
  url?: string;
  /** The error event it is about (an id `captureException` returned). */
  associatedEventId?: string;
  /** Where it came from: `api` (default), `widget`, …. */
  source?: string;
  tags?: Record<string, string>;
}

/**
 * Sends user feedback as a `feedback` item, the way @sentry/browser's
 * `captureFeedback` does (https://develop.sentry.dev/sdk/data-model/envelope-items/#user-feedback).
 * Returns the feedback's id, or undefined when nothing was sent. Never throws.
 */
export function captureFeedback(params: FeedbackParams): string | undefined {
  const client = getClient();
  const message = String(params?.message ?? '').trim();
  if (!client || !message) return undefined;
  try {
    const o = client.options;
    const s = client.scope;
    const event_id = uuid4();
    const payload = {
      event_id,
      type: 'feedback',
      level: 'info',
      platform: 'javascript',
      timestamp: Date.now() / 1000,
      release: o.release,
      environment: o.environment,
      sdk: { name: SDK_NAME, version: SDK_VERSION },
      tags: { ...s.tags, ...params.tags },
      user: s.user,
      request: { url: location.href, headers: { 'User-Agent': navigator.userAgent } },
      contexts: {
        ...s.contexts,
        feedback: {
          message,
          name: params.name,
          contact_email: params.email,
          url: params.url ?? location.href,
          source: params.source ?? 'api',
          associated_event_id: params.associatedEventId,
        },
      },
    };
    client.transport.submit({ type: 'feedback', payload });
    return event_id;
  } catch (e) {
    client.debug('feedback dropped', e);
    return undefined;
  }
}
