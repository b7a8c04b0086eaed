// The script-tag add-on for the feedback form: load
// `sightline.feedback.min.js` after `sightline.min.js` and call
// `Sightline.showFeedbackWidget()`. Kept out of the main file so its size
// budget holds for pages without a feedback form; it sends through the main
// file's `Sightline.captureFeedback`, so the page keeps one client.
import type { FeedbackParams } from '../sdk/captureFeedback';
import { openWidget, type WidgetOptions } from '../feedback/widget';

type Global = { Sightline?: { captureFeedback?: (p: FeedbackParams) => string | undefined } & Record<string, unknown> };
const g = globalThis as Global;
g.Sightline = {
  ...g.Sightline,
  showFeedbackWidget: (options?: WidgetOptions) =>
    openWidget(options, (p) => (globalThis as Global).Sightline?.captureFeedback?.(p)),
};
