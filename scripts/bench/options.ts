/**
 * The options of `deno task bench`: sizes and run counts, with a `--quick`
 * set small enough for the smoke test.
 */

import { parseArgs } from "node:util";

/** The cases, in the order they run and print. */
export const CASES = ["startup", "roundtrip", "stream", "memory", "scaling", "console"] as const;
/** One benchmark case. */
export type CaseName = typeof CASES[number];

/** What to measure, and how often. */
export interface BenchOptions {
  /** Regenerate docs/benchmarks.md. */
  write: boolean;
  quick: boolean;
  cases: CaseName[];
  /** Timed runs of each process case (after one warm-up round). */
  runs: number;
  /** Timed runs of each stream drain. */
  streamRuns: number;
  /** Timed runs of each in-process render. */
  renderRuns: number;
  /** Procedures on the server for the round trip. */
  listProcedures: number;
  /** Events of the throughput stream. */
  streamEvents: number;
  /**
   * Stream sizes of the memory case: the two (both output forms), and a
   * longer one (jsonl) that shows whether any growth between them goes on.
   */
  memoryEvents: [number, number, number];
  /** Procedures on the server for the memory case's `procedure list`. */
  memoryProcedures: number;
  /** Row counts of the scaling case. */
  rows: number[];
  /** A git revision of oet to time side by side with today's (start-up, round trip). */
  before?: string;
}

/** The usage line. */
export const USAGE =
  `usage: deno task bench [-- [--write] [--quick] [--runs N] [--events N] [--rows A,B,C]
                          [--only ${CASES.join(",")}] [--before REV]]`;

function positive(name: string, text: string): number {
  const n = Number(text.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer`);
  return n;
}

/**
 * Parses the command line (a leading `--` from `deno task` is skipped).
 * Throws an Error with a usage message on bad input.
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | "help" {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      write: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      runs: { type: "string" },
      events: { type: "string" },
      rows: { type: "string" },
      only: { type: "string" },
      before: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const quick = values.quick;
  if (values.write && quick) throw new Error("--write needs the full sizes: drop --quick");
  const o: BenchOptions = quick
    ? {
      write: false,
      quick,
      cases: [...CASES],
      runs: 1,
      streamRuns: 1,
      renderRuns: 3,
      listProcedures: 10,
      streamEvents: 2_000,
      memoryEvents: [1_000, 4_000, 8_000],
      memoryProcedures: 20,
      rows: [10, 100],
    }
    : {
      write: values.write,
      quick,
      cases: [...CASES],
      runs: 20,
      streamRuns: 5,
      renderRuns: 25,
      listProcedures: 10,
      streamEvents: 200_000,
      memoryEvents: [50_000, 500_000, 2_000_000],
      memoryProcedures: 1_000,
      rows: [10, 1_000, 10_000],
    };
  if (values.before !== undefined) o.before = values.before;
  if (values.runs !== undefined) {
    o.runs = o.streamRuns = o.renderRuns = positive("runs", values.runs);
  }
  if (values.events !== undefined) o.streamEvents = positive("events", values.events);
  if (values.rows !== undefined) {
    o.rows = values.rows.split(",").map((r) => positive("rows", r));
    // Linearity compares the cost per row of the two largest tables.
    if (o.rows.length < 2) throw new Error("--rows: give at least two sizes, e.g. 10,1000");
  }
  if (values.only !== undefined) {
    const wanted = values.only.split(",");
    for (const w of wanted) {
      if (!(CASES as readonly string[]).includes(w)) {
        throw new Error(`--only: unknown case ${w}; use ${CASES.join(", ")}`);
      }
    }
    o.cases = CASES.filter((c) => wanted.includes(c));
  }
  if (o.write && (o.cases.length < CASES.length || values.events || values.rows)) {
    // The document states the sizes; other sizes would not match its text.
    throw new Error("--write regenerates the whole document: use it with the default sizes");
  }
  return o;
}
