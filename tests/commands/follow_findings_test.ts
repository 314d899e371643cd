/**
 * The follow findings of live run 2 (2026-12-07) and what a new user tried,
 * each reproduced on the simulator and held in text and `-o jsonl`:
 *
 * 1. a fast run whose end the first read after the start already shows,
 *    with the stream behind GET: every line the script said is still shown;
 * 2. a 5xx on a read while following is retried within the reconnect
 *    window, with one note; if it lasts, exit 1 with the follow hint;
 * 3. a token that expires during the wait ends it like a detach (exit 5,
 *    the follow hint, the final jsonl object), never "nothing was sent";
 * 4. `procedure stop` against a server that refuses connections is the
 *    ordinary "cannot reach" (exit 4), not the 5.4.0 abort-crash text.
 */

import assert from "node:assert/strict";
import type { Flavor } from "../../sim/src/flavor.ts";
import { generateSigningKey } from "../../sim/src/jwt.ts";
import type { Simulator } from "../../sim/src/server.ts";
import type { RunOptions, RunResult } from "../support/cli.ts";
import { withSim } from "../support/sim.ts";
import { VirtualClock } from "../support/virtual_clock.ts";
import { until } from "../support/wait.ts";
import { closedPort } from "../support/sockets.ts";

type Oet = (args: string[], o?: RunOptions) => Promise<RunResult>;

const FLAVORS: readonly Flavor[] = ["v5", "v7"];

function jsonl(text: string): Record<string, unknown>[] {
  return text.trimEnd().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

async function createReady(sim: Simulator, oet: Oet, uri: string): Promise<void> {
  const c = await oet(["procedure", "create", uri]);
  assert.equal(c.code, 0, c.stderr);
  await sim.settle();
}

/**
 * A proxy that hands the answer to the start on only once the server shows
 * the run COMPLETE: the first read after the start sees the end, while the
 * stream (behind GET) has not yet brought a single event of the run.
 */
function slowStartAnswer(sim: Simulator, pid: number): typeof fetch {
  return async (input, init) => {
    const answer = await fetch(input, init);
    if (init?.method === "PUT") {
      await until(() => sim.state.procedure(pid)?.state === "COMPLETE", "the run's end");
    }
    return answer;
  };
}

for (const flavor of FLAVORS) {
  Deno.test(`${flavor}: fix 1: the first read after the start already shows COMPLETE, the stream 500 ms behind: every event is shown (text)`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "file:///scripts/echo_args_fast.py");
      const r = await oet(["procedure", "start", "--pid=1", "bob"], {
        fetch: slowStartAnswer(sim, 1),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout.split("\nEvents\n------\n\n")[1],
        "- State: RUNNING\n" +
          "- Script message: main args=['bob'] kwargs={}\n" +
          "- State: READY\n" +
          "- State: COMPLETE\n",
      );
      assert.doesNotMatch(r.stderr, /may be missing/);
    }, { streamLagMs: 500 });
  });

  Deno.test(`${flavor}: fix 1: the same in -o jsonl, the final COMPLETE line and the final object included`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "file:///scripts/echo_args_fast.py");
      const r = await oet(["procedure", "start", "--pid=1", "bob", "-o", "jsonl"], {
        fetch: slowStartAnswer(sim, 1),
      });
      assert.equal(r.code, 0, r.stderr);
      const lines = jsonl(r.stdout);
      const states = lines.filter((l) => l.topic === "procedure.lifecycle.statechange")
        .map((l) => (l.data as { new_state: string }).new_state);
      assert.deepEqual(states, ["RUNNING", "READY", "COMPLETE"]);
      assert.equal(
        lines.filter((l) => String(l.topic).endsWith("script.announce")).length,
        1,
        r.stdout,
      );
      assert.equal(lines.at(-1)!.state, "COMPLETE");
    }, { streamLagMs: 500 });
  });

  Deno.test(`${flavor}: fix 1: activity run whose first read shows its procedure COMPLETE still shows its script's messages`, async () => {
    await withSim(flavor, async (sim, oet) => {
      // The activity's answer comes once the procedure has run to its end.
      const proxy: typeof fetch = async (input, init) => {
        const answer = await fetch(input, init);
        if (init?.method === "POST" && String(input).includes("activities")) {
          await until(() => sim.state.procedure(1)?.state === "COMPLETE", "the run's end");
        }
        return answer;
      };
      const r = await oet(["activity", "run", "hello", "sbd-t0001-20250403-00001"], {
        fetch: proxy,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /- Script message: echo_args complete\n- State: READY\n- State: COMPLETE\n$/,
      );
    }, { streamLagMs: 500 });
  });
}

/** A procedure 1 running `slow.py` for about a second, started without waiting. */
async function startedSlow(sim: Simulator, oet: Oet): Promise<void> {
  await createReady(sim, oet, "file:///scripts/slow.py");
  const s = await oet(["procedure", "start", "--pid=1", "200", "--listen=False"]);
  assert.equal(s.code, 0, s.stderr);
}

for (const flavor of FLAVORS) {
  for (const output of ["table", "jsonl"]) {
    Deno.test(`${flavor}: fix 2: a 500 on a read while waiting is retried with one note (-o ${output})`, async () => {
      await withSim(flavor, async (sim, oet) => {
        await startedSlow(sim, oet);
        // The wait's first read is answered; the one after it subscribed is not.
        sim.setFaults({ failRead: { path: "/procedures/1/?$", nth: 2 } });
        const w = await oet(["procedure", "wait", "--pid", "1", "-o", output]);
        assert.equal(w.code, 0, w.stderr);
        assert.equal(
          w.stderr.match(
            /the server answered a read of procedure 1 with HTTP 500: .*; trying again for up to 1 min\n/g,
          )?.length,
          1,
          w.stderr,
        );
        if (output === "table") {
          assert.match(
            w.stdout,
            /- Script message: slow done\n- State: READY\n- State: COMPLETE\n$/,
          );
        } else assert.equal(jsonl(w.stdout).at(-1)!.state, "COMPLETE");
      });
    });

    Deno.test(`${flavor}: fix 2: a server that answers reads 500 for the whole reconnect window: exit 1, its error and the follow hint (-o ${output})`, async () => {
      await withSim(flavor, async (sim, oet) => {
        await startedSlow(sim, oet);
        sim.setFaults({ failRead: { path: "/procedures/1/?$", nth: 2, last: 1e9 } });
        const w = await oet(["procedure", "wait", "--pid", "1", "-o", output], {
          env: { OET_RECONNECT_TIMEOUT: "1s" },
        });
        assert.equal(w.code, 1, w.stderr);
        assert.match(
          w.stderr,
          /^error: could not read procedure 1 while waiting; the server kept answering: HTTP 500: .*\nhint: it may still be going on; follow it again with: oet procedure wait --pid 1\n$/m,
        );
        assert.equal(w.stderr.match(/trying again/g)?.length, 1, w.stderr);
      });
    });
  }
}

/** One signing key for the file (making one takes a few tenths of a second). */
const KEYS = await generateSigningKey();

for (const flavor of FLAVORS) {
  for (const output of ["table", "jsonl"]) {
    Deno.test(`${flavor}: fix 3: a static token that expires during procedure start's wait ends it like a detach: exit 5, the follow hint (-o ${output})`, async () => {
      // Real time for `oet` (the simulator runs in it), moved on by `jump` when asked.
      const clock = new VirtualClock(Date.now(), { realTime: true });
      let jumped = false;
      await withSim(flavor, async (sim, oet) => {
        const token = await sim.issuer!.mint({}, { ttlS: 600 });
        const env = { OET_TOKEN: token };
        const c = await oet(["procedure", "create", "file:///scripts/slow.py"], { env });
        assert.equal(c.code, 0, c.stderr);
        await sim.settle();
        const r = await oet(["procedure", "start", "--pid=1", "200", "-o", output], {
          env,
          clock,
        });
        assert.ok(jumped);
        assert.equal(r.code, 5, r.stderr);
        assert.doesNotMatch(r.stderr, /nothing was sent/);
        assert.match(
          r.stderr,
          /^error: detached from procedure 1, which was started and is still going on the server \(nothing was stopped; its outcome is not known\): not authenticated: the token from OET_TOKEN in the environment expired at .*\n(hint: .*\n)*hint: follow it with a fresh token: oet procedure wait --pid 1\n$/m,
        );
        if (output === "jsonl") {
          const last = jsonl(r.stdout).at(-1)!;
          assert.equal(last.id, 1, r.stdout);
          assert.ok(["READY", "RUNNING"].includes(String(last.state)), r.stdout);
        }
        assert.notEqual(sim.state.procedure(1)!.state, "STOPPED", "nothing was stopped");
      }, {
        auth: { keyPair: KEYS },
        onRequest(record) {
          // Once the start is answered, the token's ten minutes pass for oet at once.
          if (record.method === "PUT" && !jumped) {
            jumped = true;
            clock.jump(20 * 60_000);
          }
        },
      });
    });
  }
}

/** A proxy whose connection drops on the stop request (after the server got it). */
function dropOnStop(): typeof fetch {
  return async (input, init) => {
    const answer = await fetch(input, init);
    if (init?.method === "PUT" && String(init.body).includes("STOPPED")) {
      await answer.body?.cancel();
      throw new TypeError("error sending request: connection reset by peer (os error 104)");
    }
    return answer;
  };
}

Deno.test("fix 4: procedure stop against a server that refuses connections is the ordinary cannot-reach (exit 4)", async () => {
  const port = closedPort();
  const { runOet } = await import("../support/cli.ts");
  for (const root of ["/api/v1.0", "/ska-oso-oet/oet/api/v7"]) {
    const r = await runOet(["procedure", "stop", "--pid", "1"], {
      env: { OET_REST_URI: `http://127.0.0.1:${port}${root}` },
    });
    assert.equal(r.code, 4, r.stderr);
    assert.doesNotMatch(r.stderr, /may have stopped|abort script/);
    assert.match(r.stderr, /^error: .*refused/m);
  }
});

for (const flavor of FLAVORS) {
  Deno.test(`${flavor}: fix 4: a connection dropped after a stop was sent says the 5.4.0 abort crash only on 5.x with abort`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "file:///scripts/loop.py");
      const s = await oet(["procedure", "start", "--pid=1", "--listen=False"]);
      assert.equal(s.code, 0, s.stderr);
      await until(() => sim.state.procedure(1)?.state === "RUNNING", "the run");
      for (const abort of ["True", "False"]) {
        const r = await oet(["procedure", "stop", "--pid", "1", `--run_abort=${abort}`], {
          fetch: dropOnStop(),
        });
        assert.equal(r.code, 4, r.stderr);
        const crashText =
          /the server may have stopped \(OET 5\.4\.0 crashes when its abort script is missing\)/;
        if (flavor === "v5" && abort === "True") assert.match(r.stderr, crashText);
        else assert.doesNotMatch(r.stderr, crashText);
      }
    });
  });
}

Deno.test("v7: fix 3: a login that can be renewed carries on silently when its token nears expiry mid-wait", async () => {
  const dir = await Deno.makeTempDir({ prefix: "oet-follow-" });
  const clock = new VirtualClock(Date.now(), { realTime: true });
  let jumped = false;
  try {
    await withSim("v7", async (sim, oet) => {
      const env = { ...sim.issuer!.loginEnv(), XDG_CONFIG_HOME: dir };
      const login = await oet(["auth", "login"], { env, clock: new VirtualClock(Date.now()) });
      assert.equal(login.code, 0, login.stderr);
      const c = await oet(["procedure", "create", "file:///scripts/slow.py"], { env });
      assert.equal(c.code, 0, c.stderr);
      await sim.settle();
      const renewals = () => sim.issuer!.requests.filter((q) => q.grantType === "refresh_token");
      // The jump must not look like a stalled start.
      const r = await oet(["procedure", "start", "--pid=1", "200", "--prepare-timeout", "1h"], {
        env,
        clock,
      });
      assert.ok(jumped);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /not authenticated|detached/);
      assert.match(r.stdout, /- Script message: slow done\n- State: READY\n- State: COMPLETE\n$/);
      assert.ok(renewals().length >= 1, "the token was renewed during the wait");
    }, {
      auth: { keyPair: KEYS, issuer: { autoApprove: 0, accessTokenTtlS: 600 } },
      onRequest(record) {
        // Once the start is answered, all but 10 s of the token's life pass for oet.
        if (record.method === "PUT" && !jumped) {
          jumped = true;
          clock.jump(590_000);
        }
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
