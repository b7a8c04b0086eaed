/** A parsed DSN and the envelope endpoint it points at. */
export interface Dsn {
  publicKey: string;
  projectId: string;
  /** `/api/{project}/envelope/` with the key in the query, so no custom header (and no CORS preflight) is needed. */
  envelopeUrl: string;
}

/**
 * Parses `http(s)://<public key>@<host>[:port][/path]/<project id>` the way
 * Sentry's SDKs do. Returns undefined for anything else, so a typo in a DSN
 * turns the SDK off rather than throwing into the page.
 */
export function parseDsn(dsn: string): Dsn | undefined {
  const m = /^(https?):\/\/([^:@/]+)(?::[^@/]*)?@([^/]+)((?:\/[^/]+)*)\/(\d+)\/?$/.exec(dsn.trim());
  if (!m) return undefined;
  const [, scheme, publicKey, host, path, projectId] = m;
  // sentry_client is optional for servers; the envelope header carries the SDK too.
  return { publicKey, projectId, envelopeUrl: `${scheme}://${host}${path}/api/${projectId}/envelope/?sentry_key=${publicKey}&sentry_version=7` };
}
