import type { WidgetOptions } from '../feedback/widget';
import { captureFeedback } from './captureFeedback';

/**
 * Opens the feedback form (name, e-mail, message) and sends what the visitor
 * writes as user feedback. The form's code is a chunk of its own, fetched
 * the first time this runs (bundlers split at the dynamic import), so the
 * SDK's size budget is unchanged for pages that never ask for feedback.
 * Resolves with the feedback id, or undefined when cancelled or unavailable.
 */
export function showFeedbackWidget(options?: WidgetOptions): Promise<string | undefined> {
  return import('../feedback/widget').then((m) => m.openWidget(options, captureFeedback)).catch(() => undefined);
}
