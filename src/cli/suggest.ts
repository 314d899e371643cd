/**
 * "Did you mean …?": the closest known name to a mistyped one.
 */

/** Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/**
 * The known name closest to `typed` within `maxDistance` edits (ties go to
 * the first), or undefined. Case is ignored, so `--PID` finds `pid`.
 */
export function closest(
  typed: string,
  known: Iterable<string>,
  maxDistance = 2,
): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  const t = typed.toLowerCase();
  for (const name of known) {
    const d = editDistance(t, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit
 * (optimal string alignment): `--pdi` is one slip from `--pid`, not two.
 */
export function typoDistance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** Options this short are allowed one slip; longer ones two. */
export const SHORT_OPTION_LETTERS = 4;

/**
 * The one of oet's own option names that `typed` is a near-miss of, or
 * undefined. The rule (README "Script keyword arguments"): a name of up to
 * 4 letters is missed by one edit, a longer one by up to two, a swap of
 * neighbouring letters counting as one. Every short name is within two
 * edits of another (`--sbd`, `--big`, `--git` of `--pid`), so a looser rule
 * would refuse a script's own keywords; a near-miss never reaches the
 * telescope (the parser refuses it, with the `--kwarg` way out).
 */
export function optionNearMiss(typed: string, known: Iterable<string>): string | undefined {
  const t = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const n = name.toLowerCase();
    if (n === t) continue;
    const limit = n.length <= SHORT_OPTION_LETTERS ? 1 : 2;
    const d = typoDistance(t, n);
    if (d <= limit && d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}
