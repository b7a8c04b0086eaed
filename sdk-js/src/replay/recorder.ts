// The session replay recorder: rrweb (`@rrweb/record`) records the page; every `flushMs` the
// new events go out as one segment (a Sentry `replay_event` +
// `replay_recording` envelope). Two modes, as @sentry/browser's:
// - session: sampled by `replaysSessionSampleRate`, sent from the start;
// - buffer: sampled by `replaysOnErrorSampleRate`, kept in memory (rrweb
//   takes a full snapshot every `bufferMs`; the events since the previous
//   one are kept, so at least the last `bufferMs` are there) until an error
//   event is sent, then the buffer goes out as segment 0 and recording goes
//   on as in session mode, still with `replay_type: "buffer"`.
// The recorder hooks into the core client without changing it: it wraps the
// client's transport `submit` (to stamp events with the replay id and notice
// errors) and breadcrumb `add` (to put breadcrumbs into the recording).
import { record } from '@rrweb/record';
import { getClient, SDK_NAME, SDK_VERSION, type Client } from '../sdk/client';
import { parseDsn } from '../transport/dsn';
import { isRateLimited, updateRateLimits, type RateLimits } from '../transport/rateLimits';
import type { EnvelopeItem } from '../transport/envelope';
import { uuid4 } from '../event/uuid';
import type { SentryEvent } from '../types';
import { createCompressor } from './compress';
import { errorCrumb, isErrorEvent, replayCrumb, type ReplayCrumb } from './crumbs';
import { replayEnvelope, type ReplayEvent } from './envelope';
import { maskAttributes, rrwebPrivacy, type PrivacyOptions } from './privacy';
import { isLive, loadSession, saveSession, type ReplaySession } from './session';

/** Options of `startReplay`; the sample rates default to those given to `init`. */
export interface ReplayOptions extends PrivacyOptions {
  replaysSessionSampleRate?: number;
  replaysOnErrorSampleRate?: number;
  /** A segment is sent every this many ms (default 5 000). */
  flushMs?: number;
  /** Buffer mode keeps at least this many ms before an error (default 60 000). */
  bufferMs?: number;
  /** A replay ends this long after it began (default 60 min). */
  maxMs?: number;
  /** A replay ends after this long without clicks, keys, input or scrolling (default 15 min). */
  idleMs?: number;
}

/** An rrweb event, as far as the recorder looks into it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RREvent = { type: number; timestamp: number; data: any };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SerializedNode = { type: number; id: number; tagName?: string; attributes?: Record<string, any>; childNodes?: SerializedNode[] };

const KEEPALIVE_MAX_BYTES = 60_000;
/** What counts as the visitor being there. */
const ACTIVITY = ['click', 'keydown', 'input', 'scroll', 'touchstart'];

/** The running recorder, if any. */
export interface Recorder {
  readonly id: string;
  readonly type: 'session' | 'buffer';
  /** True once segments are being sent (session mode, or buffer mode after an error). */
  readonly sending: boolean;
  /** Sends what is recorded now (tests, page hide). */
  flush(): Promise<void>;
  /** Stops recording and sends the last segment. */
  stop(): Promise<void>;
}

let active: Recorder | undefined;

/** Returns the running recorder. */
export function getRecorder(): Recorder | undefined {
  return active;
}

/**
 * Starts recording, if the sample rates say this session is recorded.
 * Returns the replay id, or undefined (not sampled, no client, no DOM).
 * Never throws.
 */
export function startReplay(options: ReplayOptions = {}): string | undefined {
  try {
    if (active) return active.id;
    const client = getClient();
    if (!client || typeof document === 'undefined') return undefined;
    active = createRecorder(client, options);
    return active?.id;
  } catch (e) {
    getClient()?.debug('replay failed to start', e);
    return undefined;
  }
}

/** Stops the running replay (its last segment is sent). */
export function stopReplay(): Promise<void> {
  const r = active;
  active = undefined;
  return r ? r.stop() : Promise.resolve();
}

/** Returns the running replay's id. */
export function getReplayId(): string | undefined {
  return active?.id;
}

/** After a replay timed out: the visitor's next action starts a new one (sampled anew). */
function restartOnActivity(client: Client, o: ReplayOptions): void {
  const h = () => {
    undo();
    if (getClient() === client) startReplay(o);
  };
  const undo = () => ACTIVITY.forEach((t) => document.removeEventListener(t, h, true));
  ACTIVITY.forEach((t) => document.addEventListener(t, h, true));
  client.teardown.push(undo);
}

function createRecorder(client: Client, o: ReplayOptions): Recorder | undefined {
  const dsn = parseDsn(String(client.options.dsn));
  if (!dsn) return undefined;
  const flushMs = o.flushMs ?? 5_000;
  const bufferMs = o.bufferMs ?? 60_000;
  const maxMs = o.maxMs ?? 60 * 60_000;
  const idleMs = o.idleMs ?? 15 * 60_000;
  const sessionRate = o.replaysSessionSampleRate ?? client.options.replaysSessionSampleRate ?? 0;
  const errorRate = o.replaysOnErrorSampleRate ?? client.options.replaysOnErrorSampleRate ?? 0;
  const now = Date.now();
  let session: ReplaySession | undefined = loadSession(now, idleMs, maxMs);
  let sending = !!session;
  if (!session) {
    if (Math.random() < sessionRate) sending = true;
    else if (!(Math.random() < errorRate)) return undefined;
    session = { id: uuid4(), started: now, lastActivity: now, segmentId: 0, type: sending ? 'session' : 'buffer' };
  }
  const s = session;
  const fetchImpl = client.options.fetch || (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
  const compressor = createCompressor();
  const limits: RateLimits = {};
  const teardown: Array<() => void> = [];
  let events: RREvent[] = [];
  let previous: RREvent[] = []; // buffer mode: the events before the latest checkout
  let urls: string[] = [location.href];
  let errorIds: string[] = [];
  let traceIds: string[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;

  const privacy = rrwebPrivacy(o);
  const mirror = (record as unknown as { mirror?: { getNode(id: number): Node | null } }).mirror;
  const nodeOf = (id: number) => (mirror?.getNode(id) as Element | null) || null;
  const maskTree = (n: SerializedNode | undefined) => {
    if (!n) return;
    if (n.type === 2) maskAttributes(n.attributes, n.tagName, o, nodeOf(n.id));
    n.childNodes?.forEach(maskTree);
  };
  const stopRecording = record({
    emit(event: RREvent, isCheckout?: boolean) {
      try {
        if (event.type === 2) maskTree(event.data?.node);
        if (event.type === 3 && event.data?.source === 0) {
          event.data.adds?.forEach((a: { node: SerializedNode }) => maskTree(a.node));
          event.data.attributes?.forEach((a: { id: number; attributes: Record<string, unknown> }) => {
            const el = nodeOf(a.id);
            maskAttributes(a.attributes, el?.tagName?.toLowerCase(), o, el);
          });
        }
      } catch (e) {
        client.debug('replay masking failed: event dropped', e);
        return;
      }
      if (!sending && isCheckout) {
        previous = events;
        events = [];
      }
      events.push(event);
    },
    checkoutEveryNms: sending ? undefined : bufferMs,
    slimDOMOptions: 'all',
    inlineImages: false,
    collectFonts: false,
    recordCanvas: false,
    ...privacy,
  } as Parameters<typeof record>[0]);

  const custom = (payload: ReplayCrumb) => {
    try {
      record.addCustomEvent('breadcrumb', payload);
    } catch {
      // Not recording (stopped): nothing to mark.
    }
  };

  // Stamp events with the replay id; errors make a buffered replay send.
  const transport = client.transport;
  const submit = transport.submit;
  transport.submit = function (item: EnvelopeItem) {
    try {
      onItem(item);
    } catch (e) {
      client.debug('replay: event not linked', e);
    }
    return submit.call(this, item);
  };
  teardown.push(() => (transport.submit = submit));
  const crumbs = client.breadcrumbs;
  const add = crumbs.add;
  crumbs.add = function (crumb) {
    // A click breadcrumb carries the element's text; while the page is
    // recorded with its text masked, error events must not carry it either.
    if (o.maskAllText !== false && crumb?.category === 'ui.click' && crumb.data && 'text' in crumb.data) {
      const { text: _text, ...data } = crumb.data;
      crumb = { ...crumb, data: Object.keys(data).length ? data : undefined };
    }
    add.call(this, crumb);
    try {
      const c = replayCrumb(crumb);
      if (!c) return;
      if (c.category === 'navigation' && typeof c.data?.to === 'string') urls.push(c.data.to);
      custom(c);
    } catch {
      // The breadcrumb is kept in the core buffer either way.
    }
  };
  teardown.push(() => (crumbs.add = add));

  function onItem(item: EnvelopeItem): void {
    if (stopped || (item.type !== 'event' && item.type !== 'transaction')) return;
    const event = item.payload as SentryEvent;
    const error = item.type === 'event' && isErrorEvent(event);
    // A buffered replay is only sent after an error: link nothing else to it before then.
    if (!sending && !error) return;
    event.contexts = { ...event.contexts, replay: { replay_id: s.id } };
    event.tags = { ...event.tags, replayId: s.id };
    const trace = event.contexts.trace?.trace_id;
    if (typeof trace === 'string' && traceIds.indexOf(trace) < 0) traceIds.push(trace);
    if (!error || !event.event_id) return;
    errorIds.push(event.event_id);
    custom(errorCrumb(event));
    if (!sending) {
      sending = true;
      events = previous.concat(events);
      previous = [];
      startTimer();
      void flush();
    }
  }

  const on = (target: EventTarget, type: string, fn: () => void, capture = false) => {
    const h = () => {
      try {
        fn();
      } catch (e) {
        client.debug(`replay ${type} handler failed`, e);
      }
    };
    target.addEventListener(type, h, capture);
    teardown.push(() => target.removeEventListener(type, h, capture));
  };
  const activity = () => {
    const t = Date.now();
    // Idle or too long: this replay ends, and this activity starts the next one.
    if (!isLive(s, t, idleMs, maxMs)) void end().then(() => startReplay(o));
    else s.lastActivity = t;
  };
  for (const type of ACTIVITY) on(document, type, activity, true);
  on(document, 'visibilitychange', () => {
    if (document.visibilityState === 'hidden') void flush();
  });
  on(window, 'pagehide', () => flushNow());

  function startTimer(): void {
    timer ||= setInterval(() => {
      if (!isLive(s, Date.now(), idleMs, maxMs)) void end().then(() => restartOnActivity(client, o));
      else void flush();
    }, flushMs);
  }
  if (sending) startTimer();

  function takeSegment(): { event: ReplayEvent; list: RREvent[] } | undefined {
    if (!sending || !events.length) return undefined;
    const list = events;
    events = [];
    const segment = s.segmentId++;
    saveSession(s);
    const c = client.scope;
    const event: ReplayEvent = {
      type: 'replay_event',
      replay_id: s.id,
      event_id: s.id,
      segment_id: segment,
      replay_type: s.type,
      replay_start_timestamp: segment === 0 ? list[0].timestamp / 1000 : undefined,
      timestamp: list[list.length - 1].timestamp / 1000,
      urls,
      error_ids: errorIds,
      trace_ids: traceIds,
      platform: 'javascript',
      release: client.options.release,
      environment: client.options.environment,
      sdk: { name: SDK_NAME, version: SDK_VERSION },
      user: c.user,
      tags: { ...c.tags },
      contexts: { ...c.contexts, replay: { replay_id: s.id, segment_id: segment } },
      request: { url: location.href, headers: { 'User-Agent': navigator.userAgent } },
    };
    urls = [];
    errorIds = [];
    traceIds = [];
    return { event, list };
  }

  /** Sends the pending events, compressed in the worker; segments go out one after another. */
  function flush(): Promise<void> {
    const seg = takeSegment();
    if (!seg) return queue;
    queue = queue.then(async () => {
      const body = await compressor.compress(JSON.stringify(seg.list));
      await send(replayEnvelope(seg.event, body, new Date()));
    });
    return queue;
  }

  /** Page hide: no time for the worker; the segment goes uncompressed, with keepalive. */
  function flushNow(): void {
    const seg = takeSegment();
    if (seg) void send(replayEnvelope(seg.event, JSON.stringify(seg.list), new Date()));
  }

  async function send(body: Uint8Array): Promise<void> {
    if (!fetchImpl || isRateLimited(limits, 'replay', Date.now())) return;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await fetchImpl(dsn!.envelopeUrl, { method: 'POST', body: body as BodyInit, keepalive: body.length <= KEEPALIVE_MAX_BYTES });
        updateRateLimits(limits, res.status, (h) => res.headers.get(h), Date.now());
        // Rate limited: this replay ends, as Sentry's does (a gap would make it unwatchable).
        if (res.status === 429) return void end(false);
        if (res.status < 500) return;
      } catch (e) {
        client.debug('replay segment not sent', e);
      }
      await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
    }
  }

  async function end(sendLast = true): Promise<void> {
    if (stopped) return;
    stopped = true;
    if (active === self) active = undefined;
    clearInterval(timer);
    try {
      stopRecording?.();
    } catch {
      // Already stopped.
    }
    for (const undo of teardown.reverse()) undo();
    saveSession(undefined);
    if (sendLast) await flush();
    await queue;
    compressor.close();
  }

  client.teardown.push(() => void end());
  const self: Recorder = {
    id: s.id,
    type: s.type,
    get sending() {
      return sending;
    },
    flush,
    stop: () => end(),
  };
  return self;
}
