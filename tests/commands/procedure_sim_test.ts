/**
 * `oet procedure …` against the local OET simulator in the 5.x and 7.x
 * flavours: the waiting contract (exit codes, events, output forms,
 * timeouts, Ctrl-C), stop, and the known server traps.
 */

import assert from "node:assert/strict";
import { InterruptedError } from "../../src/domain/errors.ts";
import { assertGolden } from "../support/golden.ts";
import { FLAVORS, normalize, withSim } from "../support/sim.ts";
import { HttpDouble, recorded } from "../support/http_double.ts";
import { fixtureDir, readTranscript } from "../support/transcripts.ts";
import { runOet } from "../support/cli.ts";
import { until } from "../support/wait.ts";

// deno-lint-ignore no-control-regex -- looking for control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

for (const flavor of FLAVORS) {
  Deno.test(`${flavor}: create then start a completing script: exit 0, the row, its events, COMPLETE`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const created = await oet([
        "procedure",
        "create",
        "file:///scripts/hello_world.py",
        "goodbye",
      ]);
      assert.equal(created.code, 0, created.stderr);
      const started = await oet(["procedure", "start", "bob", "--simulate=false"]);
      assert.equal(started.code, 0, started.stderr);
      assert.doesNotMatch(started.stdout + started.stderr, CONTROL);
      const shown =
        `$ oet procedure create …\n${created.stdout}$ oet procedure start bob --simulate=false\n${started.stdout}[stderr]\n${started.stderr}`;
      assertGolden(`sim/${flavor}-start-complete`, normalize(shown, sim));
      // The run arguments reached main().
      const p = sim.state.procedure(1)!;
      assert.equal(p.state, "COMPLETE");
    });
  });

  Deno.test(`${flavor}: a failing script: exit 3, the stack trace tail and a describe hint on stderr`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      assert.equal((await oet(["procedure", "create", "file:///scripts/fail.py"])).code, 0);
      const r = await oet(["procedure", "start"]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stdout, /- State: FAILED/);
      assert.match(r.stderr, /Exception: Script failed!/);
      assert.match(r.stderr, /error: procedure 1 ended FAILED/);
      assert.match(r.stderr, /hint: see why with: oet procedure describe --pid 1/);
      // wait on the finished procedure answers at once, with the same outcome.
      const w = await oet(["procedure", "wait", "--pid", "1"]);
      assert.equal(w.code, 3);
    });
  });

  Deno.test(`${flavor}: a script path that does not exist fails while loading: start refuses it (exit 1), as any procedure that can no longer start`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await oet(["procedure", "create", "file:///no/such/script.py"]);
      // Whether it fails before start looks or while start waits, the same rule.
      const r = await oet(["procedure", "start", "--pid", "1"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /error: procedure 1 is FAILED \(FileNotFoundError: .*\) and cannot be started\n/,
      );
      assert.match(r.stderr, /hint: see its history with: oet procedure describe --pid 1\n/);
      assert.doesNotMatch(r.stdout + r.stderr, /- State: FAILED/, "no made-up event");
      await sim.settle();
      const again = await oet(["procedure", "start", "--pid", "1"]);
      assert.equal(again.code, 1, again.stderr);
      assert.equal(
        again.stderr.split("\n").filter((l) => l.startsWith("error:"))[0],
        r.stderr.split("\n").filter((l) => l.startsWith("error:"))[0],
      );
      assert.equal(sim.requests.filter((q) => q.method === "PUT").length, 0, "no start was sent");
    });
  });

  Deno.test(`${flavor}: --listen=False returns at once with the READY row; wait then follows it`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/success.py"]);
      await sim.settle();
      const r = await oet(["procedure", "start", "--pid=1", "--listen=False"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ +1 +file:\/\/\/scripts\/success\.py .* READY$/m);
      assert.doesNotMatch(r.stdout, /Events/);
      assert.equal(r.stderr, "", "no hint in a pipe");
      const w = await oet(["procedure", "wait", "--pid=1"]);
      assert.equal(w.code, 0, w.stderr);
      assert.match(w.stdout, /- State: COMPLETE/);
      // Finished: wait answers at once, from the GET alone.
      const again = await oet(["procedure", "wait", "--pid=1"]);
      assert.equal(again.code, 0);
    });
  });

  Deno.test(`${flavor}: an id the server does not know: the server's 404, and where to see the ids it has`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      const p = await oet(["procedure", "describe", "--pid", "99"]);
      assert.equal(p.code, 1);
      assert.match(p.stderr, /^error: HTTP 404: No information available for PID=99\n/);
      assert.match(p.stderr, /^hint: see the procedures the server has: oet procedure list /m);
      const a = await oet(["activity", "describe", "--aid", "99"]);
      assert.equal(a.code, 1);
      assert.match(a.stderr, /^hint: see the activities the server has: oet activity list$/m);
    });
  });

  Deno.test(`${flavor}: --listen=False on a terminal: a hint says the start was accepted and how to follow it`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/success.py"]);
      await sim.settle();
      const r = await oet(["procedure", "start", "--pid=1", "--listen=False"], { tty: true });
      assert.equal(r.code, 0, r.stderr);
      // The first line names the server this start drives (stderr is a terminal).
      assert.equal(
        r.stderr,
        `procedure start on ${new URL(sim.baseUrl).host}\n` +
          "hint: the start was accepted; follow it with: oet procedure wait --pid 1\n",
      );
    });
  });

  Deno.test(`${flavor}: -o jsonl while waiting: one JSON object per line, the final object last`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/hello_world.py"]);
      const r = await oet(["procedure", "start", "-o", "jsonl"]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      const final = lines.at(-1);
      assert.equal(final.id, 1);
      assert.equal(final.state, "COMPLETE");
      const events = lines.slice(0, -1);
      assert.ok(events.length >= 5);
      for (const e of events) {
        assert.equal(typeof e.topic, "string");
        assert.equal(e.msg_src, "1");
        assert.equal(typeof e.data, "object");
      }
      assert.ok(events.some((e) => e.topic.endsWith("script.announce")));
    });
  });

  Deno.test(`${flavor}: -o json and -o id while waiting: only the result on stdout, events on stderr`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/success.py"]);
      await oet(["procedure", "create", "file:///scripts/success.py"]);
      const j = await oet(["procedure", "start", "--pid", "1", "-o", "json"]);
      assert.equal(j.code, 0, j.stderr);
      const obj = JSON.parse(j.stdout);
      assert.equal(obj.id, 1);
      assert.equal(obj.state, "COMPLETE");
      assert.match(j.stderr, /- State: RUNNING/);
      const i = await oet(["procedure", "start", "--pid", "2", "-o", "id"]);
      assert.equal(i.code, 0, i.stderr);
      assert.equal(i.stdout, "2\n");
    });
  });

  Deno.test(`${flavor}: --timeout ends the wait with 124; the script keeps running`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/loop.py"]);
      // Prepared first, so that the timeout runs while the script does, however busy the machine.
      await sim.settle();
      const r = await oet(["procedure", "start", "--timeout", "1s"]);
      assert.equal(r.code, 124, r.stderr);
      assert.match(r.stderr, /procedure 1 did not finish within 1 s/);
      assert.match(r.stderr, /oet procedure wait --pid 1/);
      // The start was sent and nothing stopped it: the loop runs on.
      assert.equal(sim.requests.filter((q) => q.method === "PUT").length, 1);
      await sim.settle();
      assert.equal(sim.state.procedure(1)!.state, "RUNNING");
    });
  });

  Deno.test(`${flavor}: Ctrl-C while waiting detaches (exit 130), says how to follow or stop, stops nothing`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/loop.py"]);
      const interrupt = new AbortController();
      const pending = oet(["procedure", "start"], { signal: interrupt.signal });
      await until(() => sim.state.procedure(1)?.state === "RUNNING", "procedure 1 RUNNING");
      interrupt.abort(new InterruptedError("SIGINT"));
      // The loop never ends: returning at all proves the detach did not wait for it.
      const r = await pending;
      assert.equal(r.code, 130);
      assert.match(
        r.stderr,
        /detached; procedure 1 is still going on the server \(nothing was stopped\)/,
      );
      assert.match(r.stderr, /oet procedure wait --pid 1/);
      assert.match(r.stderr, /oet procedure stop --pid 1/);
      assert.doesNotMatch(r.stderr, /\n\s+at /); // no stack trace
      assert.equal(sim.state.procedure(1)!.state, "RUNNING");
      assert.ok(!sim.requests.some((q) => q.method === "PUT" && q.body?.includes("STOPPED")));
    });
  });

  Deno.test(`${flavor}: stop without --pid stops the running one; wait then exits 3 (STOPPED)`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/loop.py"]);
      assert.equal((await oet(["procedure", "start", "--listen=False"])).code, 0);
      const s = await oet(["procedure", "stop", "--run_abort=False"]);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.stdout, "Successfully stopped script with ID 1\n");
      const w = await oet(["procedure", "wait", "--pid", "1"]);
      assert.equal(w.code, 3);
      assert.match(w.stderr, /procedure 1 ended STOPPED/);
      const again = await oet(["procedure", "stop"]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /no procedure is running/);
    });
  });

  Deno.test(`${flavor}: a second start while one runs is explained, naming the running procedure`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/loop.py"]);
      await oet(["procedure", "create", "file:///scripts/success.py"]);
      await sim.settle();
      await oet(["procedure", "start", "--pid=1", "--listen=False"]);
      const r = await oet(["procedure", "start", "--pid=2"]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /procedure 2 was not started: procedure 1 is RUNNING, and only one procedure can run at a time/,
      );
      assert.match(r.stderr, /oet procedure stop --pid 1/);
    });
  });

  Deno.test(`${flavor}: a dropped event stream is resumed and the end is still seen`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/hello_world.py"]);
      await sim.settle();
      sim.setFaults({ dropStreamAfter: 3 });
      const r = await oet(["procedure", "start"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /- State: COMPLETE\n$/);
      assert.match(r.stderr, /reconnected\)/);
    });
  });

  Deno.test(`${flavor}: describe shows history, calls and the stack trace of a failure`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/fail.py", "'hello'", "--verbose=true"]);
      await oet(["procedure", "start", "--simulate=false"]);
      const r = await oet(["procedure", "describe"]);
      assert.equal(r.code, 0, r.stderr);
      assertGolden(`sim/${flavor}-describe-failed`, normalize(r.stdout, sim));
    });
  });
}

Deno.test("v6 flavour (5.x shapes on the v6 path): create and start complete", async () => {
  await withSim("v6", async (_sim, oet) => {
    await oet(["procedure", "create", "file:///scripts/success.py"]);
    const r = await oet(["procedure", "start"]);
    assert.equal(r.code, 0, r.stderr);
  });
});

Deno.test("v7: stop runs the abort script by default", async () => {
  await withSim("v7", async (sim, oet) => {
    await oet(["procedure", "create", "file:///scripts/loop.py", "--subarray_id=3"]);
    await oet(["procedure", "start", "--listen=False"]);
    const s = await oet(["procedure", "stop"]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout, "Successfully stopped script with ID 1 and aborted subarray activity\n");
    await sim.settle();
    assert.equal(sim.state.procedures().length, 2);
  });
});

Deno.test("a procedure stuck in CREATING (the servers' race) ends start with exit 1 after --prepare-timeout", async () => {
  const creating =
    readTranscript(fixtureDir("v5.4.0"), "12a-post-create-loop-script-for-abort.txt").responses[0];
  const noActivities =
    readTranscript(fixtureDir("v5.4.0"), "01b-get-activities-empty.txt").responses[0];
  // Every read of procedure 24 says CREATING, the activity list (start looks
  // for the activity that prepared it) is empty; anything else (the start) fails.
  const replay = new HttpDouble([
    { url: "/api/v1.0/activities", respond: recorded(noActivities) },
    { url: "/api/v1.0/procedures/24", respond: recorded(creating), reusable: true },
  ]).listen();
  try {
    const r = await runOet([
      "procedure",
      "start",
      "--pid",
      "24",
      "--listen=False",
      "--prepare-timeout",
      "1s",
    ], {
      env: { OET_REST_URI: `${replay.origin}/api/v1.0` },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /procedure 24 is still CREATING after 1 s of preparation/);
    assert.match(r.stderr, /known OET race/);
    assert.ok(!replay.requests.some((q) => q.method === "PUT"), "never sent the start");
  } finally {
    await replay.close();
  }
});

Deno.test("usage errors exit 2 and send nothing", async () => {
  await withSim("v5", async (sim, oet) => {
    const cases: string[][] = [
      ["procedure", "start", "--pid", "abc"],
      ["procedure", "start", "--pid=-3"],
      ["procedure", "list", "--pid", "99999999999999999999999"],
      ["procedure", "lsit"],
      ["procedure", "list", "--pdi=2"],
      ["procedure", "create"],
      ["procedure", "create", "ftp://x/y.py"],
      ["procedure", "create", "file:///x.py", "--git_repo=http://x"],
      ["procedure", "start", "--listen=maybe"],
      ["procedure", "stop", "--run_abort", "perhaps"],
      ["procedure", "start", "--timeout", "soon"],
      ["--server-url", "ftp://x", "procedure", "list"],
      ["procedure", "list", "-o", "yaml"],
      ["activity", "run", "observe"],
    ];
    for (const args of cases) {
      const r = await oet(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /error: /, args.join(" "));
      assert.equal(r.stdout, "", args.join(" "));
    }
    assert.equal(sim.requests.length, 0, JSON.stringify(sim.requests));
    const typo = await oet(["procedure", "lsit"]);
    assert.match(typo.stderr, /did you mean list\?/);
  });
});

Deno.test("an unknown pid: one line with the id and the server's message, a hint, exit 1", async () => {
  for (const flavor of FLAVORS) {
    await withSim(flavor, async (_sim, oet) => {
      const r = await oet(["procedure", "describe", "--pid", "42"]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        "error: HTTP 404: No information available for PID=42\n" +
          "hint: see the procedures the server has: oet procedure list (it keeps only the 10 " +
          "newest finished)\n",
      );
    });
  }
});
