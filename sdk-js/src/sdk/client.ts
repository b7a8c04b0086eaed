import type { BreadcrumbBuffer } from '../breadcrumbs/buffer';
import type { Transport } from '../transport/transport';
import type { Options, User } from '../types';

export const SDK_NAME = 'sightline.javascript.browser';
export const SDK_VERSION = '0.1.0';

/** The SDK's state once `init` succeeded. One per page. */
export interface Client {
  options: Options;
  transport: Transport;
  breadcrumbs: BreadcrumbBuffer;
  scope: { user?: User; tags: Record<string, string>; contexts: Record<string, Record<string, unknown>> };
  allowEvent: () => boolean;
  lastEventKey?: string;
  /** Called on SPA route changes (history API, popstate): page views, white-screen re-arm. */
  onRouteChange: Array<(from: string, to: string) => void>;
  /** Undoes every listener and wrapper, for tests and re-init. */
  teardown: Array<() => void>;
  debug: (message: string, detail?: unknown) => void;
}

// Kept on the global object, not in a module variable, so that separately
// bundled add-ons (the replay recorder's script-tag file, the CJS subpath
// build) reach the page's one client, as Sentry's `__SENTRY__` carrier does.
const carrier = globalThis as { __sightline?: Client };

/** Returns the active client, if `init` ran with a valid DSN. */
export function getClient(): Client | undefined {
  return carrier.__sightline;
}

/** Replaces the active client (init and close). */
export function setClient(client: Client | undefined): void {
  carrier.__sightline = client;
}
