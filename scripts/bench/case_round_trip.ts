/**
 * Case 2, round trip: `oet procedure list` (table and `-o json`) in the form
 * the build compiles, against a bare Deno script that fetches the same URL
 * and prints it (the floor of any Deno client), and curl, on a local OET
 * holding 10 procedures; the same list from source (main.ts, as the tests
 * run it) shows what the bundle saves. With `--before REV`, that version's
 * `procedure list` runs in the same rounds.
 */

import { withBefore } from "./before.ts";
import type { BenchOptions } from "./options.ts";
import { capture, type Cmd, curl, denoScript, oet, timeRun } from "./processes.ts";
import type { CaseResult } from "./report.ts";
import { rounds } from "./rounds.ts";
import { listUrl, simulatorWith } from "./sim_fixture.ts";
import { cells, ms, ratio, summarize } from "./stats.ts";

/** The goal of `oet procedure list`: at most this many times the bare fetch-and-print script. */
export const ROUND_TRIP_GOAL = 1.3;

/** The steps of `procedure list` the phases probe tells apart, from its clock readings. */
const STEPS: [string, (m: Record<string, number>, wall: number) => number][] = [
  ["Deno starts, loads the probe, exits", (m, wall) => wall - m.done],
  ["import src/cli/main.ts (the static graph)", (m) => m.imported],
  ["parse; load the command's modules; .env", (m) => m.dotenv - m.imported],
  ["settings, credentials, client", (m) => m.fetchStart - m.dotenv],
  ["the request, to its headers (loads fetch)", (m) => m.headers - m.fetchStart],
  ["body, decode, render the table", (m) => m.written - m.headers],
];

/** Runs the phases probe `runs` times (after one warm-up); the samples of each step. */
async function listPhases(
  baseUrl: string,
  listUrl: string,
  runs: number,
): Promise<{ step: string; samples: number[] }[]> {
  const probe = denoScript(
    new URL("./probes/list_phases.ts", import.meta.url).pathname,
    "phases",
    [baseUrl],
  );
  const bare = denoScript(
    new URL("./probes/fetch_headers.ts", import.meta.url).pathname,
    "bare fetch",
    [listUrl],
  );
  const out = STEPS.map(([step]) => ({ step, samples: [] as number[] }));
  const bareFetch = {
    step: "for comparison: the bare script's fetch, to its headers",
    samples: [] as number[],
  };
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const marks = JSON.parse(await capture(probe));
    const wall = performance.now() - t0;
    const { headers } = JSON.parse(await capture(bare));
    if (i === 0) continue;
    STEPS.forEach(([, f], k) => out[k].samples.push(f(marks, wall)));
    bareFetch.samples.push(headers);
  }
  return [...out, bareFetch];
}

/** What the profile says, in one sentence from its medians. */
function phaseNote(phases: { step: string; samples: number[] }[]): string {
  const m = phases.map((p) => summarize(p.samples).median);
  const own = m[1] + m[2] + m[3] + m[5];
  return `In oet's own process (table 2b), importing, parsing, settings and rendering take ` +
    `${ms(own)} together (${ms(m[1])}, ${ms(m[2])}, ${ms(m[3])}, ${ms(m[5])}); the request ` +
    `to its headers takes ${ms(m[4])} there against ${ms(m[6])} in the bare script, the same ` +
    "fetch of the same URL (it loads Deno's fetch code in both).";
}

/** Runs the round-trip case. */
export function roundTripCase(o: BenchOptions): Promise<CaseResult> {
  return withBefore(o.before, async (before) => {
    const n = o.listProcedures;
    const sim = await simulatorWith(n);
    try {
      const env = { OET_REST_URI: sim.baseUrl };
      const url = listUrl(sim);
      const fetchPrint = denoScript(
        new URL("./probes/fetch_print.ts", import.meta.url).pathname,
        "bare fetch-and-print script, oet's flags (floor)",
        [url],
      );
      const table = oet(["procedure", "list"], "`oet procedure list`", env);
      const json = oet(["procedure", "list", "-o", "json"], "`oet procedure list -o json`", env);
      const help = oet(
        ["procedure", "list", "--help"],
        "`oet procedure list --help` (no request)",
        env,
      );
      const curlCmd = curl(["-s", url], "`curl -s <list URL>`");
      const old = before
        ? [
          oet(
            ["procedure", "list"],
            `\`oet procedure list\` at ${before.commit} (before)`,
            env,
            before,
          ),
        ]
        : [];
      const source = oet(
        ["procedure", "list"],
        "`oet procedure list` from source (main.ts)",
        env,
        "source",
      );
      const all: Cmd[] = [fetchPrint, table, json, help, curlCmd, source, ...old];

      // Check each answer once, and count the HTTP requests each makes.
      const requests: number[] = [];
      const checks: ((out: string) => boolean)[] = [
        (out) => JSON.parse(out).length === n,
        (out) => out.trimEnd().split("\n").length === n + 2,
        (out) => JSON.parse(out).length === n,
        (out) => out.trim().length > 0,
        (out) => JSON.parse(out).length === n,
        ...[source, ...old].map(() => (out: string) => out.trimEnd().split("\n").length === n + 2),
      ];
      for (const [i, cmd] of all.entries()) {
        const before = sim.requests.length;
        if (!checks[i](await capture(cmd))) throw new Error(`${cmd.label}: unexpected output`);
        requests.push(sim.requests.length - before);
      }

      const sums = (await rounds(all, o.runs, timeRun)).map(summarize);
      const phases = await listPhases(sim.baseUrl, url, o.runs);
      const floorMedian = sums[0].median;
      const r = (i: number) => sums[i].median / floorMedian;
      const at = (c: Cmd) => all.indexOf(c);
      const sourceNote = ` From source (main.ts, its about 35 modules loaded one by one ` +
        `after all 96 that a dynamic import can reach were read), it takes ${
          ratio(r(at(source)))
        } the floor: ${ms(sums[at(source)].median - sums[1].median)} more than the bundle.`;
      return {
        sections: [{
          title: `2. Round trip (${n} procedures)`,
          method:
            `Wall time from spawn to exit, stdout to /dev/null; ${o.runs} interleaved runs after ` +
            "one warm-up round, against the local OET (simulator, 7.x flavour) on loopback. The " +
            "floor is a Deno script that fetches the URL oet requests and prints the body, run " +
            "with oet's flags; curl fetches the same URL. `requests` is how many HTTP requests " +
            "one run made.",
          headers: ["command", "median", "min", "max", "× floor", "requests"],
          rows: all.map((
            c,
            i,
          ) => [c.label, ...cells(sums[i], ms), ratio(r(i)), String(requests[i])]),
        }, {
          title: "2b. Where `oet procedure list` goes",
          method: `The same command run ${o.runs} times through \`runCli\` by a probe ` +
            "(scripts/bench/probes/list_phases.ts, oet's flags) that reads the clock where " +
            "the injected .env read, fetch and output are first used; the first row is the " +
            "process's wall time minus the probe's own (Deno starting and loading the probe). " +
            "Medians of each step; the steps of one run add up to its wall time.",
          headers: ["step", "median", "min", "max"],
          rows: phases.map((p) => [p.step, ...cells(summarize(p.samples), ms)]),
        }],
        notes: [
          `\`oet procedure list\` takes ${
            ms(sums[1].median - sums[0].median)
          } more than the bare ` +
          `script and ${ms(sums[1].median - sums[3].median)} more than its own \`--help\` (the ` +
          `same program, no request); curl takes ${ms(sums[4].median)}.` +
          (before ? ` Before (${before.commit}): ${ratio(r(at(old[0])))} the floor.` : "") +
          sourceNote,
          phaseNote(phases),
        ],
        goals: [1, 2].map((i) => ({
          goal: `round trip ${all[i].label} ≤ ${ROUND_TRIP_GOAL}× the bare fetch-and-print script`,
          measured: `${ratio(r(i))} (${ms(sums[i].median)} vs ${ms(floorMedian)})`,
          met: r(i) <= ROUND_TRIP_GOAL,
        })),
      };
    } finally {
      await sim.close();
    }
  });
}
