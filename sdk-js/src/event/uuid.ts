/**
 * Returns a random v4 UUID in Sentry's 32-hex form (no dashes).
 * getRandomValues rather than randomUUID: the latter is missing on plain
 * http: origins (secure contexts only) and in older browsers.
 */
export function uuid4(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  let hex = '';
  for (const x of b) hex += (x + 256).toString(16).slice(1);
  return hex;
}
