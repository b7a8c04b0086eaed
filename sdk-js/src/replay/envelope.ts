// One replay segment as a Sentry envelope, byte for byte what
// @sentry/browser's replayIntegration sends
// (develop.sentry.dev/sdk/telemetry/replays/): a `replay_event` item (JSON
// metadata) and a `replay_recording` item whose payload is the line
// `{"segment_id":N}` followed by the rrweb events, zlib-compressed (or plain
// JSON when no worker could compress). The recording is binary, so this
// envelope is bytes, not the core transport's text.

/** The `replay_event` payload (the fields Sentry's SDK sends). */
export interface ReplayEvent {
  type: 'replay_event';
  replay_id: string;
  event_id: string;
  segment_id: number;
  replay_type: 'session' | 'buffer';
  /** Seconds; on segment 0 only. */
  replay_start_timestamp?: number;
  timestamp: number;
  urls: string[];
  error_ids: string[];
  trace_ids: string[];
  platform: 'javascript';
  release?: string;
  environment?: string;
  sdk: { name: string; version: string };
  user?: Record<string, unknown>;
  tags?: Record<string, string>;
  contexts?: Record<string, Record<string, unknown>>;
  request?: { url?: string; headers?: Record<string, string> };
}

/** Encodes the envelope: header, `replay_event`, `replay_recording` (with its byte length). */
export function replayEnvelope(event: ReplayEvent, recording: Uint8Array | string, sentAt: Date): Uint8Array {
  const enc = new TextEncoder();
  const body = typeof recording === 'string' ? enc.encode(recording) : recording;
  const head = enc.encode(`{"segment_id":${event.segment_id}}\n`);
  const payload = new Uint8Array(head.length + body.length);
  payload.set(head, 0);
  payload.set(body, head.length);
  const top = enc.encode(
    `${JSON.stringify({ event_id: event.replay_id, sent_at: sentAt.toISOString(), sdk: event.sdk })}\n` +
      `${JSON.stringify({ type: 'replay_event' })}\n${JSON.stringify(event)}\n` +
      `${JSON.stringify({ type: 'replay_recording', length: payload.length })}\n`,
  );
  const out = new Uint8Array(top.length + payload.length);
  out.set(top, 0);
  out.set(payload, top.length);
  return out;
}
