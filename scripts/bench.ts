// deno-lint-ignore-file no-console -- printing the results is this script's job
/**
 * `deno task bench [-- --write] [--quick] [--runs N] …`: how fast and how
 * lean `oet` is, each case measured side by side with its floor in the same
 * run (issue 8): start-up, `procedure list` round trip, event-stream
 * throughput, peak memory, and table render scaling. Prints Markdown tables;
 * `--write` also regenerates docs/benchmarks.md. Not a test: nothing here
 * fails on a slow number (tests/e2e/bench_smoke_test.ts runs `--quick`).
 */

import { consoleCase } from "./bench/case_console.ts";
import { memoryCase } from "./bench/case_memory.ts";
import { roundTripCase } from "./bench/case_round_trip.ts";
import { scalingCase } from "./bench/case_scaling.ts";
import { startupCase } from "./bench/case_startup.ts";
import { streamCase } from "./bench/case_stream.ts";
import { benchmarkDocument } from "./bench/document.ts";
import { describeMachine, loadAverage } from "./bench/machine.ts";
import { type BenchOptions, type CaseName, parseBenchArgs, USAGE } from "./bench/options.ts";
import { withBuiltOet } from "./bench/processes.ts";
import { type CaseResult, goalsTable, sectionText } from "./bench/report.ts";

const DOC = new URL("../docs/benchmarks.md", import.meta.url);

const CASE_RUNNERS: Record<CaseName, (o: BenchOptions) => CaseResult | Promise<CaseResult>> = {
  startup: startupCase,
  roundtrip: roundTripCase,
  stream: streamCase,
  memory: memoryCase,
  scaling: scalingCase,
  console: consoleCase,
};

async function main(): Promise<number> {
  let o: BenchOptions | "help";
  try {
    o = parseBenchArgs(Deno.args);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (o === "help") {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  const date = new Date();
  const machine = await describeMachine();
  const loadBefore = await loadAverage();
  console.log(`# oet benchmarks${o.quick ? " (--quick: tiny sizes, numbers mean nothing)" : ""}\n`);
  console.log(`${machine.cpu}, ${machine.cores} cores, ${machine.memory}; ${machine.os}`);
  console.log(`${machine.deno}; load average ${loadBefore}; ${date.toISOString()}\n`);

  const results: CaseResult[] = [];
  await withBuiltOet(async () => {
    for (const name of o.cases) {
      const t0 = performance.now();
      console.error(`bench: ${name}…`);
      const result = await CASE_RUNNERS[name](o);
      results.push(result);
      for (const s of result.sections) console.log(sectionText(s));
      console.error(`bench: ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  });
  const goals = results.flatMap((r) => r.goals);
  console.log(`### Goals\n\n${goalsTable(goals)}\n`);
  for (const note of results.flatMap((r) => r.notes ?? [])) console.log(`- ${note}`);

  const seconds = (performance.now() - started) / 1000;
  const loadAfter = await loadAverage();
  console.log(`\nload average ${loadAfter}; ${seconds.toFixed(1)} s in all`);
  if (o.write) {
    const text = benchmarkDocument({
      date,
      machine,
      loadBefore,
      loadAfter,
      seconds,
      options: o,
      results,
    });
    await Deno.writeTextFile(DOC, text);
    console.log(`wrote ${DOC.pathname}`);
  }
  return 0;
}

Deno.exit(await main());
