/**
 * Writes that fail, with real descriptors (issue: rough edges, item 12): a
 * listing whose reader went away is a quiet 0; a command that created or
 * started something and cannot write its answer prints the id on stderr and
 * exits 1; any other write error (a closed descriptor, a full disk) is exit
 * 1 with a plain message; a closed pipe while waiting stays 141.
 */

import assert from "node:assert/strict";
import { oetCommand, runCommand, shQuote } from "../support/spawn.ts";
import { baseEnv } from "../support/spawn.ts";
import { withSim } from "../support/sim.ts";

/** Runs `oet <args> <redirect>` through sh, against `uri`. */
function sh(uri: string, args: string[], redirect: string) {
  const [program, lead] = oetCommand();
  const line = [program, ...lead, ...args].map(shQuote).join(" ");
  return runCommand("sh", ["-c", `${line} ${redirect}`], {
    env: baseEnv({ OET_REST_URI: uri }),
    clearEnv: true,
  });
}

/**
 * /dev/full, when the system has it. Asked of `test -c`, not Deno.statSync:
 * Deno refuses device paths to anything short of --allow-all, so under the
 * suite's permissions statSync throws and these tests were silently ignored.
 */
const DEV_FULL = new Deno.Command("test", { args: ["-c", "/dev/full"] }).outputSync().success
  ? "/dev/full"
  : undefined;

Deno.test({
  name: "write failures: list >/dev/full is exit 1 with a plain message, not 'a bug in oet'",
  ignore: DEV_FULL === undefined,
  fn: async () => {
    await withSim("v7", async (sim) => {
      await sh(sim.baseUrl, ["procedure", "create", "file:///scripts/success.py"], ">/dev/null");
      const r = await sh(sim.baseUrl, ["procedure", "list"], ">/dev/full");
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, "error: cannot write to stdout: No space left on device\n");
    });
  },
});

Deno.test("write failures: a listing whose reader went away is a quiet 0", async () => {
  await withSim("v7", async (sim) => {
    for (let i = 0; i < 3; i++) {
      await sh(sim.baseUrl, ["procedure", "create", "file:///scripts/success.py"], ">/dev/null");
    }
    // The reader exits at once; oet's write finds the pipe closed (or fits in it first).
    const r = await sh(sim.baseUrl, ["procedure", "list"], "| (exec 0<&-; true)");
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
  });
});

Deno.test({
  name: "write failures: create -o id >/dev/full prints the new id on stderr and exits 1",
  ignore: DEV_FULL === undefined,
  fn: async () => {
    await withSim("v7", async (sim) => {
      const r = await sh(
        sim.baseUrl,
        ["procedure", "create", "file:///scripts/success.py", "-o", "id"],
        ">/dev/full",
      );
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr,
        "error: procedure 1 was created, but its answer could not be written (cannot write to " +
          "stdout: No space left on device)\nhint: see it with: oet procedure describe --pid 1\n",
      );
      // It was created all the same.
      const check = await sh(sim.baseUrl, ["procedure", "list", "-o", "id"], "");
      assert.equal(check.stdout, "1\n");
    });
  },
});

Deno.test({
  name: "write failures: start --listen=False >/dev/full names the started procedure, exit 1",
  ignore: DEV_FULL === undefined,
  fn: async () => {
    await withSim("v7", async (sim) => {
      await sh(sim.baseUrl, ["procedure", "create", "file:///scripts/success.py"], ">/dev/null");
      await sim.settle();
      const r = await sh(
        sim.baseUrl,
        ["procedure", "start", "--pid", "1", "--listen=False", "-o", "id"],
        ">/dev/full",
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^error: procedure 1 was started, but its answer could not be written/,
      );
      assert.match(r.stderr, /hint: follow it with: oet procedure wait --pid 1\n$/);
    });
  },
});

Deno.test({
  name:
    "write failures: activity run --listen=False >/dev/full names the new activity's procedure, exit 1",
  ignore: DEV_FULL === undefined,
  fn: async () => {
    await withSim("v7", async (sim) => {
      const r = await sh(
        sim.baseUrl,
        ["activity", "run", "hello", "sbd-t0001-20250403-00001", "--listen=False", "-o", "id"],
        ">/dev/full",
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^error: the activity was created \(procedure 1\), but its answer could not be written/,
      );
      assert.match(r.stderr, /hint: follow it with: oet procedure wait --pid 1\n$/);
    });
  },
});
