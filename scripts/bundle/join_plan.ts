/**
 * Which of the bundle's shared chunks to join into one module
 * (scripts/bundle.ts, `joinSharedChunks`).
 *
 * esbuild's code splitting makes one chunk per set of importers, so a
 * command that shares a little code with many others loads many small
 * chunks: `procedure list` loaded its own module and 9 chunks of 0.5 to
 * 5.8 KB. Each module costs Deno a fixed amount to load besides its size,
 * so joining chunks that are mostly loaded together makes every command that
 * loads them faster, and a command that loads only some of them slower by
 * the bytes it now loads for nothing. The plan joins two chunks when that
 * trade is a gain, summed over every lazily loaded module of the bundle
 * (each counted once), greedily, the best pair first, until no pair gains.
 *
 * It never joins in a way that makes two modules import each other (through
 * others or directly): without cycles, the bundle's modules evaluate in the
 * same order whichever is imported first. It never copies a chunk: each
 * chunk ends in exactly one module, so every module instance, and its state,
 * stays single.
 */

/**
 * What loading costs, in milliseconds, measured with Deno 2.9.6 in
 * `procedure list`'s own process (median of 30 runs, code cache warm): its
 * 10 modules of 19.7 KB took 0.93 ms to load, the same code joined into one
 * module of 12.5 KB 0.44 ms, and core.js's 109 KB 1.4 ms. So a module costs
 * about as much as 4 KB of code.
 */
export const LOAD_COST = { moduleMs: 0.06, kilobyteMs: 0.016 } as const;

/** The bundle as the plan sees it. */
export interface JoinInput {
  /** For each lazily loaded module (a dynamic import's target): the chunks it loads. */
  loads: ReadonlyMap<string, ReadonlySet<string>>;
  /** The chunks that may be joined, with their sizes in bytes. */
  sizes: ReadonlyMap<string, number>;
  /** What each module of the bundle imports statically (every module, not only the chunks). */
  imports: ReadonlyMap<string, readonly string[]>;
}

/** What joining `a` and `b` saves, in ms summed over the lazily loaded modules (negative: costs). */
function gain(input: JoinInput, a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const kb = (group: ReadonlySet<string>) =>
    [...group].reduce((sum, c) => sum + input.sizes.get(c)!, 0) / 1000;
  let total = 0;
  for (const loaded of input.loads.values()) {
    const la = [...a].some((c) => loaded.has(c));
    const lb = [...b].some((c) => loaded.has(c));
    if (la && lb) total += LOAD_COST.moduleMs;
    else if (la) total -= kb(b) * LOAD_COST.kilobyteMs;
    else if (lb) total -= kb(a) * LOAD_COST.kilobyteMs;
  }
  return total;
}

/**
 * A cycle of `imports` (what each module imports), as the modules along it
 * ending where it started (`["a", "b", "a"]`), or undefined when there is none.
 */
export function findCycle(
  imports: ReadonlyMap<string, Iterable<string>>,
): string[] | undefined {
  const state = new Map<string, "path" | "done">();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (state.get(name) === "path") return [...path.slice(path.indexOf(name)), name];
    if (state.get(name) === "done") return undefined;
    state.set(name, "path");
    for (const next of imports.get(name) ?? []) {
      const cycle = visit(next, [...path, name]);
      if (cycle) return cycle;
    }
    state.set(name, "done");
    return undefined;
  };
  for (const name of imports.keys()) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * True when the bundle's modules would import each other in a cycle once
 * `groups` are joined (each group one module, every other module as it is).
 */
function hasCycle(input: JoinInput, groups: readonly ReadonlySet<string>[]): boolean {
  const moduleOf = new Map<string, string>();
  groups.forEach((g) => g.forEach((c) => moduleOf.set(c, [...g].sort()[0])));
  const node = (name: string) => moduleOf.get(name) ?? name;
  const joined = new Map<string, Set<string>>();
  for (const [from, to] of input.imports) {
    if (!joined.has(node(from))) joined.set(node(from), new Set());
    for (const t of to) if (node(t) !== node(from)) joined.get(node(from))!.add(node(t));
  }
  return findCycle(joined) !== undefined;
}

/**
 * The groups of chunks to join, each sorted by name, only those of two or
 * more; deterministic for one input.
 */
export function planJoins(input: JoinInput): string[][] {
  let groups: ReadonlySet<string>[] = [...input.sizes.keys()].sort().map((c) => new Set([c]));
  const joinPair = (i: number, j: number) => [
    ...groups.filter((_, k) => k !== i && k !== j),
    new Set([...groups[i], ...groups[j]]),
  ];
  for (;;) {
    let best: { gain: number; groups: ReadonlySet<string>[] } | undefined;
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const g = gain(input, groups[i], groups[j]);
        if (g > 0 && (!best || g > best.gain)) {
          const joined = joinPair(i, j);
          if (!hasCycle(input, joined)) best = { gain: g, groups: joined };
        }
      }
    }
    if (!best) break;
    groups = best.groups;
  }
  return groups.filter((g) => g.size > 1).map((g) => [...g].sort()).sort((x, y) =>
    x[0] < y[0] ? -1 : 1
  );
}
