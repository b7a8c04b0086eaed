/**
 * Wire and option types. The event shapes are the subset of Sentry's event
 * payload (develop.sentry.dev/sdk/event-payloads) that this SDK produces, so
 * any Sentry-compatible server, Sightline included, reads them unchanged.
 */

export type Level = 'fatal' | 'error' | 'warning' | 'info' | 'debug';

export interface StackFrame {
  filename?: string;
  abs_path?: string;
  function?: string;
  lineno?: number;
  colno?: number;
  in_app?: boolean;
}

export interface Exception {
  type: string;
  value: string;
  stacktrace?: { frames: StackFrame[] };
  mechanism?: { type: string; handled: boolean; data?: Record<string, string> };
}

export interface Breadcrumb {
  timestamp?: number;
  type?: string;
  category?: string;
  level?: Level;
  message?: string;
  data?: Record<string, unknown>;
}

export interface User {
  id?: string;
  email?: string;
  username?: string;
  ip_address?: string;
  [key: string]: unknown;
}

export interface SentryEvent {
  event_id?: string;
  type?: 'transaction';
  timestamp?: number;
  start_timestamp?: number;
  platform?: string;
  level?: Level;
  message?: string;
  transaction?: string;
  release?: string;
  environment?: string;
  exception?: { values: Exception[] };
  tags?: Record<string, string>;
  extra?: Record<string, unknown>;
  contexts?: Record<string, Record<string, unknown>>;
  user?: User;
  breadcrumbs?: Breadcrumb[];
  fingerprint?: string[];
  request?: { url?: string; headers?: Record<string, string> };
  measurements?: Record<string, { value: number; unit: string }>;
  sdk?: { name: string; version: string };
  spans?: unknown[];
  /** Debug IDs of the minified files on the stack (Sentry's `debug_meta.images`). */
  debug_meta?: { images: Array<{ type: string; code_file: string; debug_id: string }> };
}

/** What `beforeSend` may do: change the event, or drop it by returning null. */
export type BeforeSend = (event: SentryEvent, hint: { originalException?: unknown }) => SentryEvent | null;

export interface Options {
  /** `https://<public key>@<host>/<project id>`; without it the SDK stays inert. */
  dsn: string;
  release?: string;
  environment?: string;
  /** Share of error events sent, 0..1 (default 1). */
  sampleRate?: number;
  /** Share of page views whose page-load transaction is sent, 0..1 (default 1). */
  tracesSampleRate?: number;
  beforeSend?: BeforeSend;
  /** Errors whose message contains one of these strings or matches one of these patterns are dropped. */
  ignoreErrors?: Array<string | RegExp>;
  /** Errors whose top frame (or failed resource) URL matches are dropped, e.g. browser extensions. */
  denyUrls?: Array<string | RegExp>;
  /** Size of the breadcrumb ring buffer (default 50). */
  maxBreadcrumbs?: number;
  /** Client-side cap on error events per minute (default 30): a runaway loop cannot flood the server. */
  maxEventsPerMinute?: number;
  /** Selectors of app roots that count as "empty" for white-screen detection (default `#app, #root, #__next, main`). */
  whiteScreenSelectors?: string[];
  /** Milliseconds after load (and after each route change) before each white-screen check (default 1000). */
  whiteScreenDelayMs?: number;
  /** Set false to disable white-screen detection. */
  whiteScreen?: boolean;
  /** Long tasks at or above this many ms are reported (default 50); `false` disables. */
  longTaskThreshold?: number | false;
  /** Most long-task reports per page view (default 5). */
  maxLongTaskReports?: number;
  /** Set false to disable the frame sampler (jank and sustained low FPS). */
  jank?: boolean;
  /** Set false to disable Web Vitals page-load transactions. */
  vitals?: boolean;
  /** Set false to send no release-health sessions (one per page load and route change; needs `release`). */
  autoSessionTracking?: boolean;
  /** Most envelopes kept in the offline retry queue (default 30; oldest dropped first). */
  maxQueueSize?: number;
  /** Milliseconds events wait to be batched into one request (default 200). */
  batchDelayMs?: number;
  /** For tests and special environments: the fetch used by the transport. */
  fetch?: typeof fetch;
  /** Print SDK problems to the console. */
  debug?: boolean;
  /** Session replay (`startReplay`, `@sightline/browser/replay`): share of sessions recorded from the start, 0..1 (default 0). */
  replaysSessionSampleRate?: number;
  /** Session replay: share of the other sessions whose last minute is kept in memory and sent when an error happens, 0..1 (default 0). */
  replaysOnErrorSampleRate?: number;
}
