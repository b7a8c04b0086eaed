/** One envelope item: its type and JSON payload. */
export interface EnvelopeItem {
  type: string;
  payload: unknown;
}

/**
 * Serialises items as a Sentry envelope (develop.sentry.dev/sdk/envelopes):
 * a JSON header line, then for each item a header line and a payload line.
 * Item headers omit `length`, which the spec allows for newline-free JSON
 * payloads and which saves counting UTF-8 bytes in the browser.
 */
export function encodeEnvelope(items: EnvelopeItem[], header: Record<string, unknown>): string {
  let out = JSON.stringify(header);
  for (const item of items) {
    out += `\n${JSON.stringify({ type: item.type })}\n${JSON.stringify(item.payload)}`;
  }
  return out + '\n';
}
