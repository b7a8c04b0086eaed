/** Epoch milliseconds until which each data category may not be sent; `all` covers every category. */
export type RateLimits = Record<string, number>;

/**
 * Updates `limits` from a response, as Sentry's SDKs do: `X-Sentry-Rate-Limits`
 * (`<secs>:<cat;cat>:<scope>[,…]`, empty categories meaning all) wins over
 * `Retry-After` (seconds or an HTTP date), which only counts on a 429.
 * See develop.sentry.dev/sdk/rate-limiting.
 */
export function updateRateLimits(
  limits: RateLimits,
  status: number,
  header: (name: string) => string | null,
  now: number,
): RateLimits {
  const sentry = header('x-sentry-rate-limits');
  const retryAfter = header('retry-after');
  if (sentry) {
    for (const limit of sentry.trim().split(',')) {
      const [secs, categories] = limit.split(':', 3);
      const until = now + (parseInt(secs, 10) || 60) * 1000;
      const cats = categories ? categories.split(';').filter(Boolean) : [];
      for (const cat of cats.length ? cats : ['all']) limits[cat] = Math.max(limits[cat] || 0, until);
    }
  } else if (status === 429) {
    limits.all = Math.max(limits.all || 0, now + retryAfterMs(retryAfter, now));
  }
  return limits;
}

/** Parses `Retry-After` as seconds or an HTTP date; 60 s when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number {
  if (!value) return 60_000;
  const secs = Number(value);
  if (!isNaN(secs)) return secs * 1000;
  const date = Date.parse(value);
  return isNaN(date) ? 60_000 : Math.max(0, date - now);
}

/** Returns true while `category` (`error`, `transaction`, …) may not be sent. */
export function isRateLimited(limits: RateLimits, category: string, now: number): boolean {
  return (limits[category] || 0) > now || (limits.all || 0) > now;
}
