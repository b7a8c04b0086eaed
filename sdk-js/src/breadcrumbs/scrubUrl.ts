/**
 * Returns `url` with the values of secret-looking query parameters (tokens,
 * keys, signatures, OAuth codes) replaced by `[Filtered]`: breadcrumbs are
 * stored and shown to every project member.
 */
export function scrubUrl(url: string): string {
  return url.replace(/([?&#][^=&#]*(?:token|key|secret|passw|auth|session|sig|code|credential|jwt)[^=&#]*=)[^&#]*/gi, '$1[Filtered]');
}
