import { exceptionFrom } from '../event/eventFromError';
import type { SentryEvent } from '../types';
import { captureEvent } from './captureEvent';

/** Reports an error (or anything thrown) that the app caught itself. Returns the event id. */
export function captureException(error: unknown, extra?: Partial<SentryEvent>): string | undefined {
  try {
    return captureEvent({ ...extra, exception: { values: [exceptionFrom(error, 'generic', true)] } }, { originalException: error });
  } catch {
    return undefined;
  }
}
