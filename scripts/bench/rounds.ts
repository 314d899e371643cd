/**
 * Repeated measurements, interleaved: one warm-up round, then every
 * candidate once per round. Background load (the machine is shared) then
 * hits every candidate alike, and a ratio of medians stays fair.
 */

/**
 * Measures each of `items` once to warm up (discarded), then `runs` rounds;
 * returns the samples per item, in the order of `items`.
 */
export async function rounds<T>(
  items: readonly T[],
  runs: number,
  measure: (item: T) => Promise<number>,
): Promise<number[][]> {
  for (const item of items) await measure(item);
  const samples = items.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < items.length; i++) samples[i].push(await measure(items[i]));
  }
  return samples;
}
