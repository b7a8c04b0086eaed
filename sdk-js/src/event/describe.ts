/** Returns a short readable text for any value (thrown non-errors, console arguments); never throws. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    // JSON.stringify(undefined) is undefined: the .slice throws and String() answers.
    return JSON.stringify(value).slice(0, 300);
  } catch {
    return String(value);
  }
}
