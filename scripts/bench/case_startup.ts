/**
 * Case 1, start-up: `oet --version` and `oet --help` against an empty script
 * run with the same `deno run` flags, plus probes that load one part of oet
 * each, so the table itself shows where start-up time goes.
 */

import denoJson from "../../deno.json" with { type: "json" };
import type { BenchOptions } from "./options.ts";
import { capture, type Cmd, denoScript, oet, timeRun } from "./processes.ts";
import type { CaseResult } from "./report.ts";
import { rounds } from "./rounds.ts";
import { cells, ms, ratio, summarize } from "./stats.ts";

const probe = (name: string) => new URL(`./probes/${name}`, import.meta.url).pathname;

/** Runs the start-up case. */
export async function startupCase(o: BenchOptions): Promise<CaseResult> {
  const floor = denoScript(probe("empty.ts"), "empty script (floor)");
  const version = oet(["--version"], "`oet --version`");
  const help = oet(["--help"], "`oet --help`");
  const commander = denoScript(probe("import_commander.ts"), '`import "commander"` only');
  const builtins = denoScript(
    probe("import_node_builtins.ts"),
    "only the 6 Node built-ins commander imports",
  );
  const width = denoScript(probe("import_string_width.ts"), '`import "string-width"` only');
  const cli = denoScript(
    probe("import_cli.ts"),
    '`import "src/cli/main.ts"` (all of oet, not run)',
  );
  // Timed only once they are known to do their job.
  if ((await capture(version)).trim() !== denoJson.version) {
    throw new Error("oet --version: wrong output");
  }
  if (!(await capture(help)).startsWith("Usage: oet")) throw new Error("oet --help: no usage");

  const all: Cmd[] = [floor, version, help, commander, builtins, width, cli];
  const samples = await rounds(all, o.runs, timeRun);
  const median = new Map(all.map((c, i) => [c, summarize(samples[i]).median]));
  const floorMedian = median.get(floor)!;
  const row = (c: Cmd) => {
    const s = summarize(samples[all.indexOf(c)]);
    return [c.label, ...cells(s, ms), ratio(s.median / floorMedian)];
  };
  const over = (c: Cmd) => ms(median.get(c)! - floorMedian);
  const versionRatio = median.get(version)! / floorMedian;
  const helpRatio = median.get(help)! / floorMedian;
  return {
    sections: [{
      title: "1. Start-up",
      method:
        `Wall time from spawn to exit, stdout to /dev/null; ${o.runs} interleaved runs after one ` +
        "warm-up round. oet runs as the end-to-end tests run it: `deno run --quiet " +
        "<PERMISSION_FLAGS> main.ts` (scripts/permissions.ts); the floor is an empty script " +
        "run with exactly those flags from the same directory (so the same deno.json and lock).",
      headers: ["command", "median", "min", "max", "× floor"],
      rows: [floor, version, help].map(row),
    }, {
      title: "1b. Where start-up goes",
      method:
        "The same measurement for scripts that only import one part of oet and exit (in the " +
        "same rounds as 1). `+ over floor` is the median minus the floor's median: what " +
        "loading that part costs on its own.",
      headers: ["probe", "median", "min", "max", "× floor", "+ over floor"],
      rows: [commander, builtins, width, cli, help].map((c) => [...row(c), over(c)]),
    }],
    notes: [
      `\`oet --version\` answers before loading the program (main.ts), so it costs only ` +
      `${over(version)} over the empty script. \`oet --help\` loads it all and takes ` +
      `${over(help)} more than the empty script: loading all of oet without running ` +
      `anything costs ${over(cli)}, and commander alone ${over(commander)}, ` +
      `${over(builtins)} of which are the Node built-ins it imports (node:fs, ` +
      "node:child_process, …), so a commander-based `--help` cannot reach 2× the floor. " +
      `string-width would cost ${over(width)} more, but oet loads it only for a table with ` +
      "a cell that is not plain ASCII.",
    ],
    goals: [
      {
        goal: "start-up `oet --version` ≤ 2.0× floor",
        measured: `${ratio(versionRatio)} (${ms(median.get(version)!)} vs ${ms(floorMedian)})`,
        met: versionRatio <= 2,
      },
      {
        goal: "start-up `oet --help` ≤ 2.0× floor",
        measured: `${ratio(helpRatio)} (${ms(median.get(help)!)} vs ${ms(floorMedian)})`,
        met: helpRatio <= 2,
      },
    ],
  };
}
