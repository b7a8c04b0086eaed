/** Returns true when `value` contains one of the strings or matches one of the patterns. */
export function matchesAny(value: string | undefined, patterns: Array<string | RegExp> | undefined): boolean {
  if (!value || !patterns) return false;
  return patterns.some((p) => (typeof p === 'string' ? value.indexOf(p) >= 0 : p.test(value)));
}
