import type { Breadcrumb } from '../types';
import { getClient } from './client';

/** Records a breadcrumb: the trail of what happened before the next error. */
export function addBreadcrumb(crumb: Breadcrumb): void {
  try {
    getClient()?.breadcrumbs.add(crumb);
  } catch {
    // A breadcrumb is never worth breaking the caller.
  }
}
