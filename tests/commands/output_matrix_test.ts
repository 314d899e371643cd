/**
 * Every command in every output form (`table`, `-o json`, `-o jsonl`,
 * `-o id`) against the simulator in the 5.x and 7.x flavours, compared with
 * golden files: one file per command and flavour, holding all four forms.
 * Times, ports, request ids and temp file names are normalised; the rest is
 * exact.
 */

import assert from "node:assert/strict";
import type { Simulator } from "../../sim/src/server.ts";
import type { RunOptions, RunResult } from "../support/cli.ts";
import { assertGolden } from "../support/golden.ts";
import { FLAVORS, normalize, withSim } from "../support/sim.ts";
import { until as waitUntil } from "../support/wait.ts";

type Oet = (args: string[], o?: RunOptions) => Promise<RunResult>;

const FORMATS = [[], ["-o", "json"], ["-o", "jsonl"], ["-o", "id"]];
const SBD = {
  v5: "sbd-mvp01-20200325-00001",
  v6: "sbd-mvp01-20200325-00001",
  v7: "sbd-t0001-20250403-00001",
};

/** Floats that are Unix times (JSON output keeps the server's own). */
function normalizeJson(text: string): string {
  return text.replace(/\b1\d{9}\.\d+\b/g, "<time>").replace(
    /"id":"\d{16,}"/g,
    '"id":"<request id>"',
  );
}

async function until(sim: Simulator, pid: number, state: string): Promise<void> {
  await waitUntil(() => sim.state.procedure(pid)?.state === state, `procedure ${pid} ${state}`);
}

/** Runs one command in the four forms and renders what each printed. */
async function allForms(
  sim: Simulator,
  oet: Oet,
  args: (form: number) => string[],
  before?: (form: number) => Promise<void>,
): Promise<string> {
  let shown = "";
  for (const [i, form] of FORMATS.entries()) {
    await before?.(i);
    const cmd = [...args(i), ...form];
    const r = await oet(cmd);
    shown += `$ oet ${cmd.join(" ")}\n${r.stdout}[stderr]\n${r.stderr}[exit ${r.code}]\n\n`;
  }
  return normalizeJson(normalize(shown, sim));
}

for (const flavor of FLAVORS) {
  Deno.test(`${flavor}: procedure commands in every output form`, async () => {
    await withSim(flavor, async (sim, oet) => {
      // Four procedures, one per form, each created by a command under test.
      const create = await allForms(
        sim,
        oet,
        () => ["procedure", "create", "file:///scripts/echo_args.py", "hello", "--verbose=True"],
      );
      for (const pid of [1, 2, 3, 4]) await until(sim, pid, "READY");
      const list = await allForms(sim, oet, () => ["procedure", "list"]);
      const listPid = await allForms(sim, oet, () => ["procedure", "list", "--pid", "2"]);
      const start = await allForms(
        sim,
        oet,
        (i) => ["procedure", "start", "--pid", String(i + 1), "bob", "--listen=False"],
        async (i) => {
          if (i > 0) await until(sim, i, "COMPLETE");
        },
      );
      await until(sim, 4, "COMPLETE");
      const wait = await allForms(sim, oet, (i) => ["procedure", "wait", "--pid", String(i + 1)]);
      const describe = await allForms(sim, oet, () => ["procedure", "describe", "--pid", "1"]);
      for (const [name, text] of Object.entries({ create, list, listPid, start, wait, describe })) {
        assertGolden(`matrix/${flavor}-procedure-${name}`, text);
      }
    });
  });

  Deno.test(`${flavor}: stop in every output form`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const stop = await allForms(
        sim,
        oet,
        (i) => ["procedure", "stop", "--pid", String(i + 1), "--run_abort=False"],
        async (i) => {
          await oet(["procedure", "create", "file:///scripts/loop.py", "-o", "id"]);
          await until(sim, i + 1, "READY");
          await oet(["procedure", "start", "--pid", String(i + 1), "--listen=False"]);
          await until(sim, i + 1, "RUNNING");
        },
      );
      assertGolden(`matrix/${flavor}-procedure-stop`, stop);
    });
  });

  Deno.test(`${flavor}: activity commands in every output form`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const run = await allForms(
        sim,
        oet,
        () => ["activity", "run", "hello", SBD[flavor], "--listen=False"],
        async (i) => {
          // The row shows the state derived from the procedure: let the last run finish.
          if (i > 0) await until(sim, i, "COMPLETE");
        },
      );
      await until(sim, 4, "COMPLETE");
      const list = await allForms(sim, oet, () => ["activity", "list"]);
      const describe = await allForms(sim, oet, () => ["activity", "describe", "--aid", "2"]);
      const wait = await allForms(sim, oet, () => ["activity", "wait", "--aid", "3"]);
      for (const [name, text] of Object.entries({ list, describe, wait })) {
        assertGolden(`matrix/${flavor}-activity-${name}`, text);
      }
      // The run rows' derived state depends on how far preparation got when
      // the row was read: check their shape, not a golden.
      assert.equal((run.match(/\[exit 0\]/g) ?? []).length, 4, run);
      assert.match(run, /^ +1 +hello +sbd-\S+ .* +1 +(REQUESTED|PREPARED|RUNNING)$/m);
      assert.match(run, /"derived_state":"(REQUESTED|PREPARED|RUNNING|COMPLETE)"/);
    });
  });
}
