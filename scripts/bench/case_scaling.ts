/**
 * Case 5, scaling: the `procedure list` and `activity list` tables rendered
 * in process (no HTTP, no decoding) at growing row counts; the cost per row
 * should stay flat.
 */

import { activityTable } from "../../src/render/activities.ts";
import { procedureTable } from "../../src/render/procedures.ts";
import type { BenchOptions } from "./options.ts";
import { activities, procedures } from "./render_fixture.ts";
import type { CaseResult, Goal } from "./report.ts";
import { cells, count, ms, summarize, us } from "./stats.ts";

// `deno task bench` exposes V8's gc(): collecting before each run keeps garbage left by
// earlier cases out of the timing, so a run pays only for the collections it causes itself.
const gc = (globalThis as { gc?: () => void }).gc;

async function time(runs: number, fn: () => Promise<string>): Promise<number[]> {
  if ((await fn()).length === 0) throw new Error("empty table");
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc?.();
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** k in `time ∝ rows^k`, from two measurements. */
function exponent(rowsA: number, msA: number, rowsB: number, msB: number): number {
  return Math.log(msB / msA) / Math.log(rowsB / rowsA);
}

/** Runs the scaling case. */
export async function scalingCase(o: BenchOptions): Promise<CaseResult> {
  const rows: string[][] = [];
  const goals: Goal[] = [];
  const renders = [
    {
      name: "procedure list",
      make: (n: number) => {
        const p = procedures(n);
        return () => procedureTable(p);
      },
    },
    {
      name: "activity list",
      make: (n: number) => {
        const a = activities(n);
        return () => activityTable(a.activities, a.byId);
      },
    },
  ];
  for (const r of renders) {
    const medians: number[] = [];
    for (const [i, n] of o.rows.entries()) {
      const s = summarize(await time(o.renderRuns, r.make(n)));
      medians.push(s.median);
      const k = i === 0 ? "" : exponent(o.rows[i - 1], medians[i - 1], n, s.median).toFixed(2);
      rows.push([`\`${r.name}\` table`, count(n), ...cells(s, ms), us(s.median * 1000 / n), k]);
    }
    const last = o.rows.length - 1;
    const k = exponent(o.rows[last - 1], medians[last - 1], o.rows[last], medians[last]);
    const perRow = (i: number) => `${us(medians[i] * 1000 / o.rows[i])}/row at ${count(o.rows[i])}`;
    goals.push({
      goal: `\`${r.name}\` render cost linear in rows (growth exponent < 1.5)`,
      measured: `exponent ${k.toFixed(2)}: ${perRow(last - 1)}, ${perRow(last)}`,
      met: k < 1.5,
    });
  }
  return {
    sections: [{
      title: "5. Render scaling (in process)",
      method:
        `\`procedureTable\` and \`activityTable\` (src/render/) on decoded rows, ${o.renderRuns} ` +
        "runs after one warm-up, in the benchmark process, each after a full garbage " +
        "collection. `exponent` is k in time ∝ rows^k against the row above: 1 is linear, 2 " +
        "quadratic; the goal counts a render as linear when k < 1.5 between the two largest " +
        "tables, nearer linear than quadratic (the smallest table is all fixed costs).",
      headers: ["render", "rows", "median", "min", "max", "per row", "exponent"],
      rows,
    }],
    goals,
  };
}
