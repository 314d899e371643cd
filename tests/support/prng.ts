/**
 * A small seeded random generator for property tests, so that every run
 * checks the same cases and a failure names the seed and case that broke.
 * `PROPERTY_SEED=n` runs another sequence (to explore; CI uses the fixed one).
 */

/** The seed of the property tests: fixed, unless PROPERTY_SEED says otherwise. */
export function propertySeed(fixed: number): number {
  const chosen = Deno.env.get("PROPERTY_SEED");
  return chosen ? Number(chosen) : fixed;
}

/** A seeded generator (mulberry32): 32-bit state, good enough spread for tests. */
export class Rng {
  #s: number;

  constructor(seed: number) {
    this.#s = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/** Runs `check(rng, i)` for `cases` cases; a failure names the seed and the case. */
export function forAll(seed: number, cases: number, check: (rng: Rng, i: number) => void): void {
  const rng = new Rng(seed);
  for (let i = 0; i < cases; i++) {
    try {
      check(rng, i);
    } catch (err) {
      const where = `property failed at case ${i} of seed ${seed}`;
      try {
        // Keeps an assertion's diff; some errors have a read-only message.
        (err as Error).message = `${where}: ${(err as Error).message}`;
      } catch {
        throw new Error(`${where}: ${err}`, { cause: err });
      }
      throw err;
    }
  }
}

const ASCII_WORDS = ["True", "False", "None", "null", "true", "inf", "NaN", "e", "x", "u"];

/**
 * One code point or a short piece of text, biased towards what parsers and
 * terminals find hard: syntax characters, escapes, controls, combining marks,
 * wide characters, emoji sequences, bidi controls and lone surrogates.
 */
export function randomPiece(rng: Rng): string {
  switch (rng.int(0, 12)) {
    case 0:
      return rng.pick([..."[]{}(),:'\"\\"]);
    case 1:
      return rng.pick([..."0123456789"]);
    case 2:
      return rng.pick([..."+-.eExXuU_ \t"]);
    case 3:
      return rng.pick(ASCII_WORDS);
    case 4:
      return String.fromCharCode(rng.int(0x20, 0x7e));
    case 5:
      return String.fromCharCode(rng.int(0, 0x1f)); // C0 controls, ESC among them
    case 6:
      return String.fromCharCode(rng.int(0x7f, 0x9f)); // DEL and C1 controls
    case 7:
      return String.fromCodePoint(rng.int(0x300, 0x36f)); // combining marks
    case 8:
      return String.fromCodePoint(rng.pick([0x4e00, 0x3042, 0xac00, 0xff21]) + rng.int(0, 200));
    case 9:
      return rng.pick(["😀", "👍🏽", "👩‍💻", "🇨🇭", "❤️", "\u200d", "\ufe0f", "\u200b"]);
    case 10:
      return String.fromCharCode(rng.pick([0x202a, 0x202e, 0x2066, 0x2069, 0x2028, 0x00ad]));
    case 11:
      return String.fromCharCode(rng.int(0xd800, 0xdfff)); // a lone surrogate
    default:
      return String.fromCodePoint(rng.int(0xa0, 0x2fff));
  }
}

/** A string of up to `max` pieces. */
export function randomText(rng: Rng, max = 16): string {
  let s = "";
  for (let n = rng.int(0, max); n > 0; n--) s += randomPiece(rng);
  return s;
}
