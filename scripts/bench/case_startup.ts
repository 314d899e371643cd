/**
 * Case 1, start-up: `oet --version` and `oet --help` in the form the build
 * compiles against an empty script run with the same `deno run` flags; the
 * same from source (as the tests run it); probes that load one part of oet
 * (or one thing oet avoids) each, so the table itself shows where start-up
 * time goes. With `--before REV`, that version's commands run in the same
 * rounds.
 */

import { withBefore } from "./before.ts";
import type { BenchOptions } from "./options.ts";
import { capture, type Cmd, denoScript, oet, timeRun } from "./processes.ts";
import type { CaseResult } from "./report.ts";
import { rounds } from "./rounds.ts";
import { cells, ms, ratio, summarize } from "./stats.ts";

const probe = (name: string) => new URL(`./probes/${name}`, import.meta.url).pathname;

/** The goal of `oet --help` (and `--version`): at most this many times the empty script. */
export const STARTUP_GOAL = 1.5;

/** Runs the start-up case. */
export function startupCase(o: BenchOptions): Promise<CaseResult> {
  return withBefore(o.before, async (before) => {
    const floor = denoScript(probe("empty.ts"), "empty script (floor)");
    const version = oet(["--version"], "`oet --version`");
    const help = oet(["--help"], "`oet --help`");
    const helpSource = oet(["--help"], "`oet --help` from source (main.ts)", {}, "source");
    const cli = denoScript(
      probe("import_cli.ts"),
      '`import "src/cli/main.ts"` (all of oet, not run)',
    );
    const esp = denoScript(
      probe("import_eventsource_parser.ts"),
      '`import "eventsource-parser"` only',
    );
    const width = denoScript(probe("import_string_width.ts"), '`import "string-width"` only');
    const toml = denoScript(
      probe("import_smol_toml.ts"),
      '`import "smol-toml"` only (with a contexts file)',
    );
    const nodeUtil = denoScript(
      probe("import_node_util.ts"),
      '`import "node:util"` only (avoided)',
    );
    const builtins = denoScript(
      probe("import_node_builtins.ts"),
      "the 6 Node built-ins commander imported (avoided)",
    );
    const timeout = denoScript(probe("set_timeout.ts"), "one `setTimeout` (avoided)");
    const old = before
      ? [
        oet(["--version"], `\`oet --version\` at ${before.commit} (before)`, {}, before),
        oet(["--help"], `\`oet --help\` at ${before.commit} (before)`, {}, before),
      ]
      : [];
    // Timed only once they are known to do their job.
    if (!/^oet \d+\.\d+\.\d+ \(/.test(await capture(version))) {
      throw new Error("oet --version: wrong output");
    }
    if (!(await capture(help)).includes("\nUsage:\n  oet <command>")) {
      throw new Error("oet --help: no usage");
    }

    const all: Cmd[] = [
      floor,
      version,
      help,
      helpSource,
      ...old,
      cli,
      esp,
      width,
      toml,
      nodeUtil,
      builtins,
      timeout,
    ];
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
    const beforeNote = before
      ? [
        `Before (${before.commit}): \`oet --help\` ${
          ratio(median.get(old[1])! / floorMedian)
        } the floor; now ${ratio(helpRatio)}.`,
      ]
      : [];
    return {
      sections: [{
        title: "1. Start-up",
        method:
          `Wall time from spawn to exit, stdout to /dev/null; ${o.runs} interleaved runs after one ` +
          "warm-up round. oet runs in the form the build compiles: main.ts bundled by " +
          "scripts/bundle.ts, run as `deno run --quiet <PERMISSION_FLAGS> <RUN_FLAGS> " +
          "main.js` (scripts/permissions.ts); `from source` runs main.ts with " +
          "PERMISSION_FLAGS, as the end-to-end tests do. The floor is an empty script run with " +
          "the built form's flags from the same directory (so the same deno.json and lock)." +
          (before
            ? ` \`(before)\` rows run commit ${before.commit} from a git worktree, as its ` +
              `build compiled it then: ${before.form}, with that commit's own flags.`
            : ""),
        headers: ["command", "median", "min", "max", "× floor"],
        rows: [floor, version, help, helpSource, ...old].map(row),
      }, {
        title: "1b. Where start-up goes",
        method: "The same measurement for scripts that only load one thing and exit (in the same " +
          "rounds as 1). `+ over floor` is the median minus the floor's median: what loading " +
          "that thing costs on its own. `(avoided)` rows are what oet no longer loads.",
        headers: ["probe", "median", "min", "max", "× floor", "+ over floor"],
        rows: [cli, esp, width, nodeUtil, builtins, timeout, help].map((c) => [...row(c), over(c)]),
      }],
      notes: [
        `\`oet --help\` takes ${over(help)} more than the empty script (from source: ` +
        `${over(helpSource)}); loading all of oet's source ` +
        `without running anything costs ${over(cli)}, of which eventsource-parser ${over(esp)}. ` +
        `A Node built-in would add ${over(nodeUtil)} (node:util) to ${over(builtins)} ` +
        `(commander's six), and one \`setTimeout\` ${over(timeout)}: Deno 2.9's timers are ` +
        "node:timers, so oet sleeps on AbortSignal.timeout. string-width " +
        `(${over(width)}) loads only for a table with a cell that is not plain ASCII.`,
        ...beforeNote,
      ],
      goals: [
        {
          goal: `start-up \`oet --version\` ≤ ${STARTUP_GOAL}× floor`,
          measured: `${ratio(versionRatio)} (${ms(median.get(version)!)} vs ${ms(floorMedian)})`,
          met: versionRatio <= STARTUP_GOAL,
        },
        {
          goal: `start-up \`oet --help\` ≤ ${STARTUP_GOAL}× floor`,
          measured: `${ratio(helpRatio)} (${ms(median.get(help)!)} vs ${ms(floorMedian)})`,
          met: helpRatio <= STARTUP_GOAL,
        },
      ],
    };
  });
}
