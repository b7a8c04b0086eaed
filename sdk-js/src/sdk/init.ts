import { clickBreadcrumbs } from '../breadcrumbs/clicks';
import { consoleBreadcrumbs } from '../breadcrumbs/console';
import { historyBreadcrumbs } from '../breadcrumbs/history';
import { networkBreadcrumbs } from '../breadcrumbs/network';
import { frameSampler } from '../capture/frames';
import { globalHandlers } from '../capture/globalHandlers';
import { longTasks } from '../capture/longTasks';
import { whiteScreen } from '../capture/whiteScreen';
import { sessions } from '../session/sessions';
import type { Options } from '../types';
import { pageViews } from '../vitals/pageViews';
import { initWith } from './initWith';

/**
 * Starts the SDK with every feature: errors, rejections, failed resources,
 * white screens, long tasks, jank, Web Vitals page views, breadcrumbs and
 * release-health sessions.
 * Each can be turned off through its option. Returns false (and stays
 * inert) when the DSN is missing or malformed.
 */
export function init(options: Options): boolean {
  // History first: the other integrations subscribe to its route changes.
  return initWith(options, [historyBreadcrumbs, globalHandlers, clickBreadcrumbs, networkBreadcrumbs, consoleBreadcrumbs, pageViews, whiteScreen, longTasks, frameSampler, sessions]);
}
