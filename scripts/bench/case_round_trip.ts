/**
 * Case 2, round trip: `oet procedure list` (table and `-o json`) against
 * `curl -s` of the URL oet requests, on a local OET holding 10 procedures.
 */

import type { BenchOptions } from "./options.ts";
import { capture, type Cmd, curl, denoScript, oet, timeRun } from "./processes.ts";
import type { CaseResult } from "./report.ts";
import { rounds } from "./rounds.ts";
import { listUrl, simulatorWith } from "./sim_fixture.ts";
import { cells, ms, ratio, summarize } from "./stats.ts";

/** Runs the round-trip case. */
export async function roundTripCase(o: BenchOptions): Promise<CaseResult> {
  const n = o.listProcedures;
  const sim = await simulatorWith(n);
  try {
    const env = { OET_REST_URI: sim.baseUrl };
    const floor = curl(["-s", listUrl(sim)], "`curl -s <list URL>` (floor)");
    const table = oet(["procedure", "list"], "`oet procedure list`", env);
    const json = oet(["procedure", "list", "-o", "json"], "`oet procedure list -o json`", env);
    // --help loads the whole program (--version answers before loading it).
    const help = oet(
      ["procedure", "list", "--help"],
      "`oet procedure list --help` (no request)",
      env,
    );
    const empty = denoScript(
      new URL("./probes/empty.ts", import.meta.url).pathname,
      "empty script, oet's `deno run` flags (no request)",
    );
    const all: Cmd[] = [floor, table, json, help, empty];

    // Check each answer once, and count the HTTP requests each makes.
    const requests: number[] = [];
    const checks: ((out: string) => boolean)[] = [
      (out) => JSON.parse(out).length === n,
      (out) => out.trimEnd().split("\n").length === n + 2,
      (out) => JSON.parse(out).length === n,
      (out) => out.trim().length > 0,
      (out) => out === "",
    ];
    for (const [i, cmd] of all.entries()) {
      const before = sim.requests.length;
      if (!checks[i](await capture(cmd))) throw new Error(`${cmd.label}: unexpected output`);
      requests.push(sim.requests.length - before);
    }

    const sums = (await rounds(all, o.runs, timeRun)).map(summarize);
    const curlMedian = sums[0].median;
    const r = (i: number) => sums[i].median / curlMedian;
    return {
      sections: [{
        title: `2. Round trip (${n} procedures)`,
        method:
          `Wall time from spawn to exit, stdout to /dev/null; ${o.runs} interleaved runs after ` +
          "one warm-up round, against the local OET (simulator, 7.x flavour) on loopback. curl " +
          "fetches the URL oet requests; `requests` is how many HTTP requests one run made.",
        headers: ["command", "median", "min", "max", "× curl", "requests"],
        rows: all.map((c, i) => [c.label, ...cells(sums[i], ms), ratio(r(i)), String(requests[i])]),
      }],
      notes: [
        `Against curl's ${ms(curlMedian)}, an empty \`deno run\` script with oet's flags ` +
        `already takes ${ms(sums[4].median)} (${ratio(r(4))}); \`oet procedure list\` takes ` +
        `${ms(sums[1].median - sums[3].median)} more than its \`--help\`, which loads the ` +
        "same program but sends no request.",
      ],
      goals: [1, 2].map((i) => ({
        goal: `round trip ${all[i].label} ≤ 5× curl`,
        measured: `${ratio(r(i))} (${ms(sums[i].median)} vs ${ms(curlMedian)})`,
        met: r(i) <= 5,
      })),
    };
  } finally {
    await sim.close();
  }
}
