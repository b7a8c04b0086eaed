import { clickBreadcrumbs } from '../breadcrumbs/clicks';
import { consoleBreadcrumbs } from '../breadcrumbs/console';
import { historyBreadcrumbs } from '../breadcrumbs/history';
import { networkBreadcrumbs } from '../breadcrumbs/network';
import { globalHandlers } from '../capture/globalHandlers';
import type { Options } from '../types';
import { initWith } from './initWith';

/**
 * Starts the SDK with error reporting only (errors, rejections, failed
 * resources, breadcrumbs): no Web Vitals, white-screen or jank code is
 * bundled. This is what the `sightline.errors.min.js` build calls `init`.
 */
export function initErrorsOnly(options: Options): boolean {
  return initWith(options, [historyBreadcrumbs, globalHandlers, clickBreadcrumbs, networkBreadcrumbs, consoleBreadcrumbs]);
}
