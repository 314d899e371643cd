/**
 * `oet` as CI jobs use it: from a shell script, trusting its exit status.
 * An `oet` wrapper on PATH runs the real program as the binary would
 * (`deno run` with the binary's permission flags, or `$OET_BINARY`), against
 * the local OET simulator in the 5.x and 7.x flavours.
 */

import assert from "node:assert/strict";
import { startSim } from "../support/sim.ts";
import type { Flavor } from "../../sim/src/flavor.ts";
import { baseEnv, oetCommand } from "../support/spawn.ts";

const SBD: Record<string, string> = {
  v5: "sbd-mvp01-20200325-00001",
  v7: "sbd-t0001-20250403-00001",
};

/** A directory holding an `oet` executable that starts the real CLI. */
function wrapperDir(): string {
  const dir = Deno.makeTempDirSync({ prefix: "oet-shell-" });
  const [program, lead] = oetCommand();
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  Deno.writeTextFileSync(
    `${dir}/oet`,
    `#!/bin/sh\nexec ${[program, ...lead].map(quote).join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
  return dir;
}

/** Runs a bash script with the wrapper first on PATH and OET_REST_URI set. */
async function bash(script: string, url: string, dir: string) {
  const env = baseEnv({ OET_REST_URI: url });
  env.PATH = `${dir}:${env.PATH}`;
  const out = await new Deno.Command("bash", {
    args: ["-c", script],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

// deno-lint-ignore no-control-regex -- looking for control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

for (const flavor of ["v5", "v7"] as Flavor[]) {
  Deno.test(`${flavor}: create && start from a shell: 3 for a failing script, 0 for a completing one`, async () => {
    const sim = startSim({ flavor, stepMs: 5 });
    const dir = wrapperDir();
    try {
      const failing = await bash(
        "oet procedure create file:///scripts/fail.py && oet procedure start",
        sim.baseUrl,
        dir,
      );
      assert.equal(failing.code, 3, failing.stderr);
      const ok = await bash(
        "oet procedure create file:///scripts/success.py && oet procedure start",
        sim.baseUrl,
        dir,
      );
      assert.equal(ok.code, 0, ok.stderr);
      // Not a terminal: no colour, no control characters anywhere.
      for (const text of [failing.stdout, failing.stderr, ok.stdout, ok.stderr]) {
        assert.doesNotMatch(text, CONTROL);
      }
      // wait on a finished procedure returns its outcome at once.
      const t0 = performance.now();
      const waited = await bash('oet procedure wait --pid 1; echo "status=$?"', sim.baseUrl, dir);
      assert.match(waited.stdout, /status=3\n$/);
      assert.ok(performance.now() - t0 < 5000);
    } finally {
      await sim.close();
      Deno.removeSync(dir, { recursive: true });
    }
  });

  Deno.test(`${flavor}: if oet activity run …; then — the right branch for completing and failing scripts`, async () => {
    const sim = startSim({ flavor, stepMs: 5 });
    const dir = wrapperDir();
    try {
      const script = `
        if oet activity run allocate ${
        SBD[flavor]
      } --timeout 60s; then echo "branch=ok"; else echo "branch=failed code=$?"; fi
        if oet activity run allocate ${
        SBD[flavor]
      } --script-args='{"main": {"kwargs": {"raise_msg": "boom"}}}'; then
          echo "branch=ok"
        else
          echo "branch=failed code=$?"
        fi
        oet activity run observe ${SBD[flavor]} --prepare-only=True -o id > /dev/null &&
          oet procedure start --pid=3 && echo "prepared-then-started=ok"
      `;
      const r = await bash(script, sim.baseUrl, dir);
      const branches = r.stdout.split("\n").filter((l) =>
        l.startsWith("branch=") || l.startsWith("prepared")
      );
      assert.deepEqual(
        branches,
        ["branch=ok", "branch=failed code=3", "prepared-then-started=ok"],
        r.stderr,
      );
    } finally {
      await sim.close();
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

Deno.test("pid=$(oet procedure create … -o id) feeds the next command", async () => {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  const dir = wrapperDir();
  try {
    const r = await bash(
      `pid=$(oet procedure create file:///scripts/success.py -o id) && oet procedure start --pid "$pid" -o id && echo "pid=$pid"`,
      sim.baseUrl,
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "1\npid=1\n");
  } finally {
    await sim.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
