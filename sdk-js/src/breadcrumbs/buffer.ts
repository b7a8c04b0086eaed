import type { Breadcrumb } from '../types';

export interface BreadcrumbBuffer {
  add(crumb: Breadcrumb): void;
  /** Returns the kept breadcrumbs, oldest first. */
  all(): Breadcrumb[];
}

/** Creates a ring buffer of the last `max` breadcrumbs. */
export function createBreadcrumbBuffer(max: number): BreadcrumbBuffer {
  const crumbs: Breadcrumb[] = [];
  return {
    add(crumb) {
      if (max <= 0) return;
      crumbs.push({ timestamp: Date.now() / 1000, ...crumb });
      if (crumbs.length > max) crumbs.splice(0, crumbs.length - max);
    },
    all: () => crumbs.slice(),
  };
}
