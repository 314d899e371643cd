/** Summaries of repeated measurements, and the number formats of the tables. */

/** Median, min and max of a non-empty list of samples. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Summarises samples (the median of an even count is the mean of the middle two). */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error("no samples");
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s.at(-1)!, n: s.length };
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number): string {
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** Microseconds, for per-row costs. */
export function us(value: number): string {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)} µs`;
}

/** A ratio such as `3.41×`. */
export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** A count with thousands separators: `200,000`. */
export function count(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** Kibibytes as megabytes (10^6 bytes, as the goals are stated). */
export function mb(kib: number): string {
  return `${(kib * 1024 / 1e6).toFixed(1)} MB`;
}

/** The median, min and max cells of a summary, in one format. */
export function cells(s: Summary, format: (v: number) => string): string[] {
  return [format(s.median), format(s.min), format(s.max)];
}
