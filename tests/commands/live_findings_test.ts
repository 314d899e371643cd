/**
 * What broke when `oet` was run live against real OET 5.4.0, 6.6.0, 7.0.0
 * and 8.0.0rc1 (2026-11-29), each reproduced on the simulator — which now
 * models the servers' timing and threads as measured — and held to the
 * waiting contract: every line the script says, in order, and an exit
 * status that can be trusted. Text and `-o jsonl` alike.
 */

import assert from "node:assert/strict";
import type { Flavor } from "../../sim/src/flavor.ts";
import type { Simulator } from "../../sim/src/server.ts";
import type { RunOptions, RunResult } from "../support/cli.ts";
import { sbdDirWithGitActivity } from "../support/sbd.ts";
import { withSim } from "../support/sim.ts";
import { until } from "../support/wait.ts";

type Oet = (args: string[], o?: RunOptions) => Promise<RunResult>;

const ALL: readonly Flavor[] = ["v5", "v6", "v7", "v8"];
const SBD = "sbd-t0001-20250403-00001";

function jsonl(text: string): { topic: string; msg_src?: string; data: Record<string, unknown> }[] {
  return text.trimEnd().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

async function createReady(sim: Simulator, oet: Oet, uri: string): Promise<void> {
  const c = await oet(["procedure", "create", uri]);
  assert.equal(c.code, 0, c.stderr);
  await sim.settle();
}

for (const flavor of ALL) {
  for (const streamLagMs of [0, 400]) {
    const when = streamLagMs
      ? "the stream 400 ms behind GET"
      : "the stream ahead of GET, as measured";
    Deno.test(`${flavor}, ${when}: a short script's message, READY and COMPLETE are all shown (text)`, async () => {
      await withSim(flavor, async (sim, oet) => {
        await createReady(sim, oet, "file:///scripts/echo_args_fast.py");
        const r = await oet(["procedure", "start", "--pid=1", "bob", "--simulate=false"]);
        assert.equal(r.code, 0, r.stderr);
        const events = r.stdout.split("\nEvents\n------\n\n")[1];
        assert.equal(
          events,
          "- State: RUNNING\n" +
            "- Script message: main args=['bob'] kwargs={'simulate': False}\n" +
            "- State: READY\n" +
            "- State: COMPLETE\n",
        );
        assert.doesNotMatch(r.stderr, /may be missing/);
      }, { streamLagMs });
    });

    Deno.test(`${flavor}, ${when}: the same in -o jsonl, the final COMPLETE line included`, async () => {
      await withSim(flavor, async (sim, oet) => {
        await createReady(sim, oet, "file:///scripts/echo_args_fast.py");
        const r = await oet(["procedure", "start", "--pid=1", "bob", "-o", "jsonl"]);
        assert.equal(r.code, 0, r.stderr);
        const lines = jsonl(r.stdout);
        const said = lines.filter((l) => l.topic?.endsWith("script.announce")).map((l) =>
          l.data.msg
        );
        assert.deepEqual(said, ["main args=['bob'] kwargs={}"]);
        const states = lines.filter((l) => l.topic === "procedure.lifecycle.statechange")
          .map((l) => l.data.new_state);
        assert.deepEqual(states, ["RUNNING", "READY", "COMPLETE"]);
        assert.equal(lines.at(-1)!.topic, undefined, "the final procedure object comes last");
        assert.equal((lines.at(-1) as unknown as { state: string }).state, "COMPLETE");
      }, { streamLagMs });
    });
  }

  Deno.test(`${flavor}: activity run shows its script's messages, in order`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      const r = await oet(["activity", "run", "hello", SBD]);
      assert.equal(r.code, 0, r.stderr);
      const said = r.stdout.split("\n").filter((l) => l.startsWith("- Script message: "));
      assert.ok(said.length >= 3, r.stdout);
      assert.match(
        r.stdout,
        /- Script message: echo_args complete\n- State: READY\n- State: COMPLETE\n$/,
      );
    }, { streamLagMs: 200 });
  });
}

for (const flavor of ["v6", "v7"] as Flavor[]) {
  Deno.test(`${flavor}: stdout closed while start waits (piped into head -1): detached, exit 141, nothing stopped`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "file:///scripts/slow.py");
      const r = await oet(["procedure", "start", "--pid", "1", "-o", "jsonl"], {
        closeStdoutAfter: 1,
      });
      assert.equal(r.code, 141, r.stderr);
      assert.match(
        r.stderr,
        /^error: stdout was closed: detached from procedure 1, which is still going on the server \(nothing was stopped\); its outcome is not known\n/m,
      );
      assert.match(r.stderr, /hint: follow it with: oet procedure wait --pid 1\n/);
      assert.equal(sim.requests.filter((q) => q.body?.includes("STOPPED")).length, 0);
      await until(
        () => sim.state.procedure(1)?.state === "COMPLETE",
        "the script to go on to its end",
      );
    }, 20);
  });

  Deno.test(`${flavor}: stdout closed under activity run: exit 141; listen | head stays a quiet 0`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      const r = await oet(["activity", "run", "hello", SBD], { closeStdoutAfter: 1 });
      assert.equal(r.code, 141, r.stderr);
      assert.match(r.stderr, /detached from activity 1 \(procedure 1\)/);
      assert.match(r.stderr, /follow it with: oet activity wait --aid 1/);
      const listening = oet(["listen", "-o", "jsonl"], { closeStdoutAfter: 1 });
      await oet(["procedure", "list"]);
      const l = await listening;
      assert.equal(l.code, 0, l.stderr);
      assert.equal(l.stderr, "");
    });
  });

  Deno.test(`${flavor}: a start answered 500 that the server carried out is followed to its end`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "file:///scripts/echo_args_slow.py");
      sim.setFaults({ start500ButRuns: 1 });
      const r = await oet(["procedure", "start", "--pid", "1"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /the server answered the start with HTTP 500; checking whether procedure 1 started anyway\n/,
      );
      assert.match(
        r.stderr,
        /procedure 1 started although the server reported an error \(HTTP 500: .*\); following it\n/,
      );
      assert.match(r.stdout, /- Script message: main done\n/);
      assert.match(r.stdout, /- State: COMPLETE\n$/);
    });
  });

  Deno.test(`${flavor}: a 500 on start that did not start it stays an error (exit 1)`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "file:///scripts/echo_args_slow.py");
      // A proxy that answers the PUT itself: the server never sees the start.
      const proxy: typeof fetch = (input, init) =>
        init?.method === "PUT"
          ? Promise.resolve(new Response("Internal Server Error", { status: 500 }))
          : fetch(input, init);
      const r = await oet(["procedure", "start", "--pid", "1"], { fetch: proxy });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /checking whether procedure 1 started anyway\n/);
      assert.match(r.stderr, /^error: HTTP 500: Internal Server Error\n/m);
      assert.equal(sim.state.procedure(1)!.state, "READY");
    });
  });
}

for (const flavor of ["v7", "v8"] as Flavor[]) {
  Deno.test(`${flavor}: prepare-only, then start, when the server's activity list has emptied for good (S2)`, async () => {
    const sbdDir = await sbdDirWithGitActivity();
    try {
      await withSim(flavor, async (sim, oet) => {
        const p = await oet(["activity", "run", "observe", SBD, "--prepare-only=True"]);
        assert.equal(p.code, 0, p.stderr);
        const g = await oet(["activity", "run", "gitact", SBD, "--create-env=True"]);
        assert.equal(g.code, 1, g.stderr);
        assert.match(g.stderr, /'GitCommandError' object has no attribute 'id'/);
        // Activity 3 (procedure 3: the failed create used procedure id 2 up).
        const q = await oet(["activity", "run", "observe", SBD, "--prepare-only=True"]);
        assert.equal(q.code, 0, q.stderr);
        await sim.settle();
        const list = await fetch(`${sim.baseUrl}/activities/`);
        assert.deepEqual(await list.json(), [], "the server's list is empty, as live");

        const s = await oet(["procedure", "start", "--pid", "3"]);
        assert.equal(s.code, 0, s.stderr);
        assert.match(
          s.stderr,
          /procedure 3 was prepared by activity 3 \(observe of sbd-\S+\) \(found by id: the server's activity list is empty\); sending main\(sb_json='\S+', sbi_id='\S+'\)/,
        );
        const put = sim.requests.find((q) => q.method === "PUT")!;
        assert.ok(JSON.parse(put.body!).script_args.main.kwargs.sb_json, put.body!);

        const d = await oet(["activity", "describe"]);
        assert.equal(d.code, 0, d.stderr);
        // Activity 2 cannot be read by id either (7.x cannot summarise it): 3 is the most recent.
        assert.match(
          d.stderr,
          /the server's activity list is empty; activity 3, found by id, is the most recent/,
        );
        assert.match(d.stdout, /^ +3 +observe /m);
      }, { sbdDir });
    } finally {
      await Deno.remove(sbdDir, { recursive: true });
    }
  });
}

for (const flavor of ["v5", "v6"] as Flavor[]) {
  Deno.test(`${flavor}: finished listeners and waits leave no server thread held (4 workers)`, async () => {
    await withSim(flavor, async (sim, oet) => {
      // Four listeners in a row, each interrupted once subscribed, and no other
      // request in between: without the nudge, four dead streams would hold
      // all four threads, and the server would never answer again.
      for (let i = 0; i < 4; i++) {
        const stop = new AbortController();
        const opened = sim.state.workers().heldByStreams;
        const listening = oet(["listen"], { signal: stop.signal });
        await until(() => sim.state.workers().heldByStreams === opened + 1, "the stream to open");
        stop.abort(new (await import("../../src/domain/errors.ts")).InterruptedError("SIGINT"));
        const l = await listening;
        assert.equal(l.code, 130, l.stderr);
        await until(
          () => sim.state.workers().heldByDeadStreams === 0,
          "the dead stream to be freed",
          20_000,
          () => JSON.stringify(sim.state.workers()),
        );
      }
      assert.equal(sim.state.workers().busy, 0);
      const list = await oet(["procedure", "list", "--request-timeout", "5s"]);
      assert.equal(list.code, 0, list.stderr);

      // The same for a wait that ends on its own.
      await createReady(sim, oet, "file:///scripts/echo_args_fast.py");
      for (let i = 0; i < 4; i++) {
        const w = await oet(["procedure", i === 0 ? "start" : "wait", "--pid", "1"]);
        assert.equal(w.code, 0, w.stderr);
        await until(
          () => sim.state.workers().heldByDeadStreams === 0,
          "the dead stream to be freed",
          20_000,
          () => JSON.stringify(sim.state.workers()),
        );
      }
    }, { workers: 4 });
  });

  Deno.test(`${flavor}: three listeners at once leave a thread for everything else, and free theirs on exit`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const stops = [0, 1, 2].map(() => new AbortController());
      const runs = stops.map((s) => oet(["listen", "-o", "jsonl"], { signal: s.signal }));
      await until(() => sim.state.workers().heldByStreams === 3, "three streams");
      const list = await oet(["procedure", "list", "--request-timeout", "5s"]);
      assert.equal(list.code, 0, list.stderr);
      const { InterruptedError } = await import("../../src/domain/errors.ts");
      for (const s of stops) s.abort(new InterruptedError("SIGINT"));
      for (const r of await Promise.all(runs)) assert.equal(r.code, 130, r.stderr);
      await until(() => sim.state.workers().busy === 0, "every thread free");
    }, { workers: 4 });
  });
}

for (const flavor of ["v5", "v7"] as Flavor[]) {
  Deno.test(`${flavor}: a reconnection names the interval in which events may be missing (text and jsonl)`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "file:///scripts/slow.py");
      sim.setFaults({ dropStreamAfter: 3 });
      const r = await oet(["procedure", "start", "--pid", "1", "-o", "jsonl"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /^events from \d\d:\d\d:\d\d\.\d{3} to \d\d:\d\d:\d\d\.\d{3} UTC may be missing \(.*; reconnected\)$/m,
      );
      const gaps = jsonl(r.stdout).filter((l) => l.topic === "oet.stream.gap");
      assert.ok(gaps.length >= 1, r.stdout);
      const g = gaps[0].data as { from: string; to: string; reason: string };
      assert.ok(Date.parse(g.from) <= Date.parse(g.to));
      assert.match(g.reason, /stream/);
    }, 10);
  });

  Deno.test(`${flavor}: waiting on a procedure nobody started says so (exit 1), with the start command`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "file:///scripts/echo_args_fast.py");
      const r = await oet(["procedure", "wait", "--pid", "1"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /error: procedure 1 is READY and has not been started: there is nothing to wait for\n/,
      );
      assert.match(r.stderr, /hint: start it with: oet procedure start --pid 1\n/);
      // Prepared by an activity and never started: the same.
      const p = await oet(["activity", "run", "hello", SBD, "--prepare-only=True"]);
      assert.equal(p.code, 0, p.stderr);
      await sim.settle();
      const w = await oet(["activity", "wait", "--aid", "1"]);
      assert.equal(w.code, 1, w.stderr);
      assert.match(w.stderr, /oet procedure start --pid 2/);
    });
  });

  Deno.test(`${flavor}: listen --pid/--aid for ids the server does not know: one warning, then listening`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const { InterruptedError } = await import("../../src/domain/errors.ts");
      for (const args of [["--pid", "999"], ["--aid", "999"]]) {
        const stop = new AbortController();
        const opened = sim.openStreams;
        const listening = oet(["listen", ...args], { signal: stop.signal });
        await until(() => sim.openStreams === opened + 1, "listen to subscribe");
        stop.abort(new InterruptedError("SIGINT"));
        const r = await listening;
        assert.equal(r.code, 130);
        const what = args[0] === "--pid" ? "procedure" : "activity";
        assert.equal(
          r.stderr,
          `warning: ${what} 999 is not known to the server (yet); listening for its events anyway\n`,
        );
      }
    });
  });

  Deno.test(`${flavor}: activity wait whose procedure the server pruned: outcome UNKNOWN (exit 3), with a hint`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const a = await oet(["activity", "run", "hello", SBD]);
      assert.equal(a.code, 0, a.stderr);
      // Ten more finished procedures: the server keeps only the ten newest.
      for (let i = 0; i < 10; i++) {
        const c = await oet(["procedure", "create", "file:///scripts/echo_args_fast.py"]);
        assert.equal(c.code, 0, c.stderr);
        await sim.settle();
        const s = await oet(["procedure", "start", "--listen=False"]);
        assert.equal(s.code, 0, s.stderr);
        await sim.settle();
      }
      assert.equal(sim.state.procedure(1), undefined, "procedure 1 was pruned");
      const w = await oet(["activity", "wait", "--aid", "1"]);
      assert.equal(w.code, 3, w.stderr);
      assert.match(
        w.stderr,
        /^error: activity 1 \(procedure 1\): the server no longer knows procedure 1 .* so the outcome is not known\n/m,
      );
      assert.match(w.stderr, /hint: the activity's record remains: oet activity describe/);
    });
  });
}
