/**
 * `oet listen` against the local OET simulator: the two-line text form
 * (golden files for both flavours), JSON lines, topic and procedure
 * filters, a closed stdout, Ctrl-C, and a stream the server drops.
 */

import assert from "node:assert/strict";
import { InterruptedError } from "../../src/domain/errors.ts";
import type { Simulator } from "../../sim/src/server.ts";
import { assertGolden } from "../support/golden.ts";
import { type RunOptions, type RunResult, startOet } from "../support/cli.ts";
import { FLAVORS, normalize, withSim } from "../support/sim.ts";
import { until as waitUntil } from "../support/wait.ts";
import { closedPort } from "../support/sockets.ts";

type Oet = (args: string[], o?: RunOptions) => Promise<RunResult>;

/**
 * Listens while `during` runs against the simulator, waits until the
 * listener has printed `last` (the session's last event, so every earlier one
 * is in), and interrupts it as Ctrl-C would.
 */
async function listenDuring(
  sim: Simulator,
  args: string[],
  during: () => Promise<unknown>,
  last: RegExp,
  o: RunOptions = {},
): Promise<RunResult> {
  const before = sim.openStreams;
  const listening = startOet(["listen", ...args], {
    ...o,
    env: { OET_REST_URI: sim.baseUrl, ...o.env },
  });
  await waitUntil(() => sim.openStreams > before, "listen to subscribe");
  await during();
  await sim.settle();
  await listening.until(last);
  return await listening.interrupt();
}

/** The last event of {@link session}: its `procedure list`'s answer. */
const SESSION_END = /event: procedure\.pool\.list\ndata: 1 procedure: 1 COMPLETE\n\n$/;
const SESSION_END_JSONL = /"topic":"procedure\.pool\.list"[^\n]*"COMPLETE"/;

/**
 * A short session with a fixed sequence of events: create a script that
 * announces, let it get READY, run it, let it end, list.
 */
async function session(sim: Simulator, oet: Oet, pid = 1): Promise<void> {
  await oet([
    "procedure",
    "create",
    "file:///scripts/echo_args.py",
    "hello",
    "2",
    "--verbose=True",
  ]);
  await until(sim, pid, "READY");
  await oet(["procedure", "start", "--pid", String(pid), "bob", "--listen=False"]);
  await until(sim, pid, "COMPLETE");
  await oet(["procedure", "list", "-o", "id"]);
}

async function until(sim: Simulator, pid: number, state: string): Promise<void> {
  await waitUntil(() => sim.state.procedure(pid)?.state === state, `procedure ${pid} ${state}`);
}

for (const flavor of FLAVORS) {
  Deno.test(`${flavor}: listen prints the reference doc's two-line form for every topic`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const r = await listenDuring(sim, [], () => session(sim, oet), SESSION_END);
      assert.equal(r.code, 130);
      assert.equal(r.stderr, "");
      assertGolden(`sim/${flavor}-listen`, normalize(r.stdout, sim));
    });
  });

  Deno.test(`${flavor}: listen -o jsonl: one valid compact object per event, written at once`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const r = await listenDuring(
        sim,
        ["-o", "jsonl"],
        () => session(sim, oet),
        SESSION_END_JSONL,
      );
      const lines = r.stdout.trimEnd().split("\n");
      assert.ok(lines.length > 15);
      for (const line of lines) {
        const e = JSON.parse(line);
        assert.deepEqual(Object.keys(e).filter((k) => k !== "id"), ["topic", "msg_src", "data"]);
        assert.ok(!line.includes('"py/'), line);
      }
      const topics = new Set(lines.map((l) => JSON.parse(l).topic));
      for (
        const t of [
          "request.procedure.create",
          "procedure.lifecycle.created",
          "procedure.lifecycle.statechange",
        ]
      ) {
        assert.ok(topics.has(t), t);
      }
    });
  });

  Deno.test(`${flavor}: --topic keeps exact names and prefixes; --pid keeps one procedure`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const r = await listenDuring(
        sim,
        ["--topic", "procedure.lifecycle", "--pid", "2", "-o", "jsonl"],
        async () => {
          await session(sim, oet);
          await oet(["procedure", "create", "file:///scripts/success.py"]);
          await oet(["procedure", "start", "--pid", "2"]);
        },
        /"new_state":"COMPLETE"/,
      );
      const events = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      assert.ok(events.length >= 8, r.stdout);
      for (const e of events) assert.match(e.topic, /^procedure\.lifecycle\./);
      const states = events.filter((e) => e.topic === "procedure.lifecycle.statechange");
      assert.ok(states.every((e) => e.msg_src === "2"));
      assert.equal(states.at(-1).data.new_state, "COMPLETE");

      const glob = await listenDuring(
        sim,
        ["--topic", "request.*", "-o", "jsonl"],
        () => oet(["procedure", "list"]),
        /"topic":"request\.procedure\.list"/,
      );
      const topics = glob.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).topic);
      assert.deepEqual(topics, ["request.procedure.list"]);
    });
  });

  Deno.test(`${flavor}: listen | head -3 ends quietly with exit 0`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const interrupt = new AbortController();
      const listening = oet(["listen", "-o", "jsonl"], {
        closeStdoutAfter: 3,
        signal: interrupt.signal,
      });
      await waitUntil(() => sim.openStreams > 0, "listen to subscribe");
      for (let i = 0; i < 5; i++) await oet(["procedure", "list"]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([
        listening,
        new Promise<RunResult>((r) => {
          timer = setTimeout(() => r({ code: -1, stdout: "", stderr: "still running" }), 3000);
        }),
      ]);
      clearTimeout(timer);
      interrupt.abort(new InterruptedError("SIGINT"));
      await listening;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
    });
  });

  Deno.test(`${flavor}: a dropped stream is reconnected, said once on stderr, and listening goes on`, async () => {
    await withSim(flavor, async (sim, oet) => {
      sim.setFaults({ dropStreamAfter: 2 });
      const r = await listenDuring(
        sim,
        ["--topic", "request.procedure.list", "-o", "jsonl"],
        async () => {
          for (let i = 0; i < 4; i++) {
            await oet(["procedure", "list"]);
            // Listening again (the 2nd and 4th lists' first event cuts the stream).
            await waitUntil(() => sim.openStreams > 0, `listen to resubscribe after list ${i + 1}`);
          }
        },
        // Both cuts reported in the output: the 1st and 3rd lists' events came before them.
        /"topic":"oet\.stream\.gap"[^]*"topic":"oet\.stream\.gap"/,
      );
      assert.equal(r.code, 130);
      assert.match(r.stderr, /reconnected\)/);
      // Events after the drops still arrive (each connection gets 2 before its cut).
      assert.ok(r.stdout.trimEnd().split("\n").length >= 2, r.stdout);
    });
  });
}

Deno.test("listen: connection refused at the start exits 4 with the URL", async () => {
  const port = closedPort();
  const { runOet } = await import("../support/cli.ts");
  const r = await runOet(["listen"], {
    env: { OET_REST_URI: `http://127.0.0.1:${port}/api/v1.0` },
  });
  assert.equal(r.code, 4);
  assert.match(r.stderr, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}`));
});

Deno.test("listen --aid started before the activity shows its whole story, its creation included", async () => {
  for (const flavor of FLAVORS) {
    await withSim(flavor, async (sim, oet) => {
      const sbd = flavor === "v7" ? "sbd-t0001-20250403-00001" : "sbd-mvp01-20200325-00001";
      const r = await listenDuring(sim, ["--aid", "1", "-o", "jsonl"], async () => {
        await oet(["procedure", "create", "file:///scripts/success.py"]); // not the activity's
        await oet(["activity", "run", "allocate", sbd]);
      }, /"new_state":"COMPLETE"/);
      const events = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      const topics = events.map((e) => e.topic);
      assert.equal(topics[0], "request.activity.run");
      assert.ok(topics.includes("request.procedure.create"));
      assert.ok(topics.includes("activity.lifecycle.running"));
      const states = events.filter((e) => e.topic === "procedure.lifecycle.statechange");
      assert.ok(states.every((e) => e.msg_src === "2"), "only the activity's procedure (2)");
      assert.equal(states[0].data.new_state, "CREATING");
      assert.equal(states.at(-1).data.new_state, "COMPLETE");
    });
  }
});
