import type { Level } from '../types';
import { captureEvent } from './captureEvent';

/** Reports a plain message at `level` (default `info`). Returns the event id. */
export function captureMessage(message: string, level: Level = 'info'): string | undefined {
  return captureEvent({ message: String(message), level });
}
