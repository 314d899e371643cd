/**
 * Signals and pipes, on real processes started with the binary's permission
 * flags (tests/support/spawn.ts): Ctrl-C during a request, during a wait and
 * during `listen` ends at once with exit 130 — long before anything it was
 * waiting for could have come (an answer held back for 30 s, a script that
 * never ends), whatever else the machine is doing;
 * SIGTERM gives 143; a reader that goes away (`| head -1`) ends `listen`
 * quietly with 0. Also: the server process killed while `activity run` waits.
 */

import assert from "node:assert/strict";
import { spawnSim, startSim } from "../support/sim.ts";
import { runOet } from "../support/cli.ts";
import { faultTest } from "../support/fault_matrix.ts";
import { until } from "../support/wait.ts";
import { assertNoStack } from "../support/reliability.ts";
import { baseEnv, Collected, reap, spawnOet } from "../support/spawn.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * `oet <args>` as a developer runs it from a clone, `deno task -q oet -- <args>`,
 * as the leader of its own process group: a terminal's Ctrl-C signals the
 * whole group, so oet gets it from the terminal and again from `deno task`,
 * which passes it on.
 */
function spawnViaTask(args: string[], env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command("setsid", {
    args: [Deno.execPath(), "task", "-q", "oet", "--", ...args],
    env: baseEnv(env),
    clearEnv: true,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * The time from a signal to the process's end that proves it did not wait
 * for the server: far below what it waits for (30 s held headers, a loop
 * that never ends), and high enough for two test runs sharing two cores.
 * About 50 ms on an idle machine.
 */
const SIGNAL_BOUND_MS = 5_000;

/** Sends `signal` and returns the exit status and how long after the signal it came. */
async function signalAndTime(
  child: Deno.ChildProcess,
  signal: Deno.Signal,
): Promise<{ status: Deno.CommandStatus; ms: number }> {
  const sent = performance.now();
  child.kill(signal);
  const status = await child.status;
  return { status, ms: performance.now() - sent };
}

faultTest("sigint-request", async (row) => {
  const sim = startSim({ flavor: "v7", stepMs: 5, faults: { slowHeadersMs: 30_000 } });
  const child = spawnOet(["procedure", "list"], { env: { OET_REST_URI: sim.baseUrl } });
  const out = new Collected(child.stdout);
  const err = new Collected(child.stderr);
  try {
    await until(() => sim.requests.length === 1, "the request to reach the server");
    const { status, ms } = await signalAndTime(child, "SIGINT");
    await Promise.all([out.done, err.done]);
    assert.equal(status.code, row.exit, err.text);
    assert.ok(ms < SIGNAL_BOUND_MS, `exit ${ms.toFixed(0)} ms after SIGINT`);
    assertNoStack(err.text);
    assert.equal(out.text, "");
  } finally {
    await reap(child, out, err);
    await sim.close();
  }
});

/** A simulator running loop_announce.py as procedure 1, and oet waiting for it. */
async function waitingOnLoop(
  fn: (child: Deno.ChildProcess, out: Collected, err: Collected) => Promise<void>,
  spawn: (args: string[], env: Record<string, string>) => Deno.ChildProcess = (args, env) =>
    spawnOet(args, { env }),
): Promise<void> {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  const env = { OET_REST_URI: sim.baseUrl };
  let child: Deno.ChildProcess | undefined;
  let out: Collected | undefined;
  let err: Collected | undefined;
  try {
    const created = await runOet(["procedure", "create", "file:///scripts/loop_announce.py"], {
      env,
    });
    assert.equal(created.code, 0, created.stderr);
    child = spawn(["procedure", "start"], env);
    out = new Collected(child.stdout);
    err = new Collected(child.stderr);
    await out.until(/- Script message: loop iteration 1\n/); // printed while waiting
    await fn(child, out, err);
    assert.equal(sim.state.procedure(1)?.state, "RUNNING", "nothing was stopped");
    assert.ok(!sim.requests.some((q) => q.method === "PUT" && q.body?.includes("STOPPED")));
  } finally {
    if (child) {
      try {
        Deno.kill(-child.pid, "SIGKILL"); // the group, when it has one
      } catch {
        // not a group leader, or gone
      }
      await reap(child, out, err);
    }
    await sim.close();
  }
}

const DETACHED =
  /^detached; procedure 1 is still going on the server \(nothing was stopped\)\nhint: follow it with: oet procedure wait --pid 1\nhint: stop it with: oet procedure stop --pid 1\n$/m;

faultTest("sigint-wait", async (row) => {
  await waitingOnLoop(async (child, out, err) => {
    const { status, ms } = await signalAndTime(child, "SIGINT");
    await Promise.all([out.done, err.done]);
    assert.equal(status.code, row.exit, err.text);
    assert.ok(ms < SIGNAL_BOUND_MS, `exit ${ms.toFixed(0)} ms after SIGINT`);
    assert.match(
      err.text,
      /^detached; procedure 1 is still going on the server \(nothing was stopped\)\nhint: follow it with: oet procedure wait --pid 1\nhint: stop it with: oet procedure stop --pid 1\n$/m,
    );
    assertNoStack(err.text);
  });
});

faultTest("sigint-twice", async (row) => {
  await waitingOnLoop(async (child, out, err) => {
    // One keypress, delivered twice a moment apart (unless oet has ended by then).
    child.kill("SIGINT");
    // The gap is the thing under test (not a wait for anything): both signals
    // inside the 500 ms second-signal window must count as one Ctrl-C.
    await new Promise((r) => setTimeout(r, 1));
    try {
      child.kill("SIGINT");
    } catch {
      // already detached and gone
    }
    const status = await child.status;
    await Promise.all([out.done, err.done]);
    assert.equal(status.code, row.exit, err.text);
    assert.match(err.text, DETACHED);
    assertNoStack(err.text);
  });
});

faultTest("sigint-group", async (row) => {
  await waitingOnLoop(async (child, out, err) => {
    Deno.kill(-child.pid, "SIGINT"); // Ctrl-C on a terminal: the whole process group
    const status = await child.status;
    await Promise.all([out.done, err.done]);
    assert.equal(status.code, row.exit, err.text);
    assert.match(err.text, DETACHED);
    assertNoStack(err.text);
  }, spawnViaTask);
});

faultTest("sigterm", async (row) => {
  await waitingOnLoop(async (child, out, err) => {
    const { status } = await signalAndTime(child, "SIGTERM");
    await Promise.all([out.done, err.done]);
    assert.equal(status.code, row.exit, err.text);
    assert.match(err.text, /detached; procedure 1 is still going on the server/);
    assertNoStack(err.text);
  });
});

faultTest("sigint-listen", async (row) => {
  const sim = startSim({ flavor: "v5", stepMs: 5 });
  const child = spawnOet(["listen"], { env: { OET_REST_URI: sim.baseUrl } });
  const out = new Collected(child.stdout);
  const err = new Collected(child.stderr);
  try {
    await until(() => sim.openStreams === 1, "listen to subscribe");
    const { status, ms } = await signalAndTime(child, "SIGINT");
    await Promise.all([out.done, err.done]);
    assert.equal(status.code, row.exit, err.text);
    assert.ok(ms < SIGNAL_BOUND_MS, `exit ${ms.toFixed(0)} ms after SIGINT`);
    assert.equal(err.text, "");
  } finally {
    await reap(child, out, err);
    await sim.close();
  }
});

faultTest("stdout-closed", async (row) => {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  const env = { OET_REST_URI: sim.baseUrl };
  const child = spawnOet(["listen", "-o", "jsonl"], { env });
  const err = new Collected(child.stderr);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    await until(() => sim.openStreams === 1, "listen to subscribe");
    // `head -1`: read one line, then go away.
    let first = "";
    await runOet(["procedure", "list"], { env }); // one event at least
    while (!first.includes("\n")) {
      const { value, done } = await reader.read();
      assert.ok(!done, "listen ended before its first line");
      first += value;
    }
    JSON.parse(first.split("\n")[0]);
    await reader.cancel();
    // More events: the next write finds the pipe closed.
    let ended = false;
    child.status.then(() => ended = true);
    for (let i = 0; i < 200 && !ended; i++) await runOet(["procedure", "list"], { env });
    const status = await child.status;
    await err.done;
    assert.equal(status.code, row.exit, err.text);
    assert.equal(err.text, "", "nothing on stderr");
  } finally {
    await reap(child, err);
    await sim.close();
  }
});

const SBD_ID = "sbd-oet-forever-00001";

faultTest("server-killed-run", async (row) => {
  // An SB whose "observe" runs until stopped, in a simulator of its own process.
  const dir = await Deno.makeTempDir({ prefix: "oet-sbd-" });
  await Deno.writeTextFile(
    `${dir}/${SBD_ID}.json`,
    JSON.stringify({
      sbd_id: SBD_ID,
      metadata: { version: 1 },
      activities: {
        observe: {
          kind: "filesystem",
          path: "file:///scripts/loop_announce.py",
          function_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
        },
      },
    }),
  );
  try {
    for (const flavor of ["v5", "v7"] as const) {
      const server = await spawnSim(flavor, ["--step-ms", "5", "--sbd-dir", dir]);
      let child: Deno.ChildProcess | undefined;
      let out: Collected | undefined;
      let err: Collected | undefined;
      try {
        child = spawnOet(["activity", "run", "observe", SBD_ID], {
          env: { OET_REST_URI: server.baseUrl, OET_RECONNECT_TIMEOUT: "500ms" },
        });
        out = new Collected(child.stdout);
        err = new Collected(child.stderr);
        await out.until(/- Script message: loop iteration 1\n/);
        const killed = performance.now();
        server.child.kill("SIGKILL");
        const status = await child.status;
        const ms = performance.now() - killed;
        await Promise.all([out.done, err.done]);
        assert.equal(status.code, row.exit, `${flavor}: ${err.text}`);
        assert.match(
          err.text,
          /^error: lost the server while waiting for activity 1 \(procedure 1\); its outcome is unknown: .*(refused|closed)/m,
        );
        assert.match(err.text, /^hint: .*oet activity wait --aid 1$/m);
        assertNoStack(err.text);
        assert.ok(ms < 10_000, `${flavor}: ended ${ms.toFixed(0)} ms after the server died`);
      } finally {
        if (child) await reap(child, out, err);
        await server.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
