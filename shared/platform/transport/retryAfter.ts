/** Whole non-negative seconds as servers write them; Number() would read "" as 0. */
const WHOLE_SECONDS = /^\d+$/;

/** Parses an HTTP Retry-After header (seconds or HTTP date) into milliseconds. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (WHOLE_SECONDS.test(value)) return Number(value) * 1000;
  // Otherwise an HTTP date, which names a day: Date.parse would read "-5" as the year 5 BC.
  const date = /[A-Za-z]/.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
