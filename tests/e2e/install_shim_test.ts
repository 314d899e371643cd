/**
 * `deno install --global` of main.ts, as the README and docs/install.md say,
 * into a temporary root: the shim carries exactly the binary's permissions
 * (scripts/permissions.ts), and run from another directory it reads that
 * directory's `.env` and `@file` arguments, and a signal goes straight to
 * oet (the shim `exec`s deno: no process is left behind).
 */

import assert from "node:assert/strict";
import { PERMISSION_FLAGS, RUN_FLAGS } from "../../scripts/permissions.ts";
import { startSim } from "../support/sim.ts";
import { baseEnv, Collected, runCommand } from "../support/spawn.ts";
import { until } from "../support/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The install command of the README and docs/install.md, with `--root` for the test. */
function installArgs(root: string): string[] {
  return [
    "install",
    "--global",
    "--root",
    root,
    "--no-config",
    "--import-map",
    "deno.json",
    "--name",
    "oet",
    ...RUN_FLAGS,
    ...PERMISSION_FLAGS,
    "main.ts",
  ];
}

/** The tests' clean environment, with the deno that runs them first on PATH (the shim calls `deno`). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const denoDir = Deno.execPath().replace(/\/[^/]+$/, "");
  // `deno install` on a fresh DENO_DIR downloads the npm packages: the CA and proxy variables stay.
  const env = baseEnv({ PATH: `${denoDir}:${baseEnv().PATH}`, ...extra }, { network: true });
  if (!env.DENO_DIR) delete env.DENO_DIR;
  return env;
}

Deno.test("deno install shim: the binary's permissions, the user's directory, signals straight to oet", async () => {
  const root = await Deno.makeTempDir({ prefix: "oet-shim-" });
  const work = await Deno.makeTempDir({ prefix: "oet-shim-cwd-" });
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  try {
    const installed = await runCommand(Deno.execPath(), installArgs(root), {
      cwd: ROOT,
      env: cleanEnv(),
      clearEnv: true,
    });
    assert.equal(installed.code, 0, installed.stderr);
    // deno.json as a configuration made the install warn about its "workspace"; as an import map, no warning.
    assert.doesNotMatch(installed.stderr, /warning/i);
    const shim = await Deno.readTextFile(`${root}/bin/oet`);
    assert.match(shim, /^exec deno run /m, "the shim execs deno: signals reach oet itself");
    for (const flag of [...RUN_FLAGS, ...PERMISSION_FLAGS]) {
      assert.ok(shim.includes(flag), `the shim has ${flag}`);
    }

    // Another directory: its .env names the server, its file the script arguments.
    await Deno.writeTextFile(`${work}/.env`, `OET_REST_URI=${sim.baseUrl}\n`);
    await Deno.writeTextFile(`${work}/args.json`, `{"init": {"kwargs": {"from_file": 1}}}`);
    const env = cleanEnv({ OET_CONFIG: `${work}/none.toml` });
    const oet = `${root}/bin/oet`;
    const run = (args: string[]) => runCommand(oet, args, { cwd: work, env, clearEnv: true });
    const listed = await run(["procedure", "list"]);
    assert.equal(listed.code, 0, listed.stderr);
    const activity = await run([
      "activity",
      "run",
      "allocate",
      "sbd-t0001-20250403-00001",
      "--script-args=@args.json",
      "--prepare-only=True",
      "-o",
      "id",
    ]);
    assert.equal(activity.code, 0, activity.stderr);
    const post = sim.requests.find((q) => q.method === "POST");
    assert.match(post?.body ?? "", /from_file/, "the @file was read in the user's directory");

    // SIGTERM to what the shell started is SIGTERM to oet: exit 143, nothing left running.
    const child = new Deno.Command(oet, {
      args: ["listen"],
      cwd: work,
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const err = new Collected(child.stderr);
    const out = new Collected(child.stdout);
    const streams = () => sim.requests.filter((q) => q.path.endsWith("/stream")).length;
    await until(() => streams() > 0, "oet listen to open the stream", 30_000);
    child.kill("SIGTERM");
    const status = await child.status;
    await Promise.all([err.done, out.done]);
    assert.equal(status.code, 143, err.text);
    const alive = await new Deno.Command("kill", { args: ["-0", String(child.pid)] }).output();
    assert.equal(alive.success, false, "no process is left behind");
  } finally {
    await sim.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(work, { recursive: true });
  }
});
